"""The dashboard served on a free loopback port, and the Chromium that visits it: for the browser
tests, the benchmarks and the load test.

One definition of how the app is started for them (headless, 127.0.0.1, usage
statistics off, the database and settings given by environment), waited for
through Streamlit's health endpoint and stopped however the caller ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from village_stats.settings import REPO_ROOT

# headless Chromium in a container or on a locked-down PC: no sandbox, no GPU, no calls home
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's Chromium (installed by .ci/run), or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(
    database: Path,
    log: Path,
    settings: Path | None = None,
    start_seconds: float = 90,
    script: Path | str = "dashboard.py",
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run dashboard.py` (or another `script`, e.g. a benchmark's probe app) over `database`:
    (url, server process) while the block runs."""
    env = {**os.environ, "VILLAGE_STATS_DB": str(database)}
    if settings is not None:
        env["VILLAGE_STATS_SETTINGS"] = str(settings)
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true"]
    command += ["--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_seconds
            while not healthy(url):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("streamlit did not start: " + log.read_text(encoding="utf-8", errors="replace"))
                time.sleep(0.3)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
