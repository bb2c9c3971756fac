"""`python -m village_stats serve`: the one way the launchers start the dashboard, from a folder like a user's."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.project_copy import copy_project
from village_stats.launching import browser_url, configured_server
from village_stats.serving import free_port, healthy

START_SECONDS = 300  # a first start builds the demo town (a dozen ledgers) before Streamlit starts


def this_machines_other_address() -> str | None:
    """An address of this machine other than loopback (the one a colleague would use), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the health endpoint until it answers; fail at once if the server ends, or after START_SECONDS."""
    deadline = time.monotonic() + START_SECONDS
    while not healthy(url):
        assert process.poll() is None, "serve ended: " + log.read_text(encoding="utf-8", errors="replace")
        assert time.monotonic() < deadline, "no health answer: " + log.read_text(encoding="utf-8", errors="replace")
        time.sleep(0.3)


def start_serve(folder: Path, port: int, log: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for name in ("VILLAGE_STATS_DB", "VILLAGE_STATS_DEMO_DB", "VILLAGE_STATS_SETTINGS"):
        env.pop(name, None)  # the copy's own data/ folder, as on a user's PC
    command = [sys.executable, "-m", "village_stats", "serve", "--port", str(port), *extra]
    with log.open("w", encoding="utf-8") as output:
        return subprocess.Popen(command, cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT)


def test_the_configured_server_is_loopback():
    address, port = configured_server()
    assert address == "127.0.0.1" and port == 8501
    assert browser_url("0.0.0.0", 8502) == "http://127.0.0.1:8502"


def test_a_first_start_from_a_folder_with_chinese_and_a_space(tmp_path):
    folder = copy_project(tmp_path / "村情 看板")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    process = start_serve(folder, port, log)
    try:
        wait_for(url, process, log)
        # the demo was built first, inside the folder it was started from, and nothing of the town's own
        assert (folder / "data" / "demo.duckdb").is_file()
        assert not (folder / "data" / "village.duckdb").exists()
        # the project's config holds: loopback only, even though the port is open
        other = this_machines_other_address()
        if other is not None:
            assert not answers(other, port), f"the dashboard answered on {other}"
        # started again (a second double-click): says so and leaves the running one alone
        again = subprocess.run(
            [sys.executable, "-m", "village_stats", "serve", "--port", str(port)],
            cwd=folder,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=120,
        )
        assert again.returncode == 0 and f"看板已在运行：{url}" in again.stdout
        assert healthy(url)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    # Streamlit stopped with it: nothing is left listening on the port
    assert not answers("127.0.0.1", port)
    assert "首次运行：正在用自带的演示台账建立演示数据库" in log.read_text(encoding="utf-8")


def test_the_windows_launcher_is_crlf_and_starts_serve():
    raw = (Path(__file__).resolve().parent.parent / "启动看板.bat").read_bytes()
    text = raw.decode("gbk")  # cmd reads a batch file in the console's code page: 936 on a Chinese Windows
    assert b"\n" not in raw.replace(b"\r\n", b""), "cmd needs CRLF line endings"
    assert "py -3.11 -m venv .venv" in text and "python -m venv .venv" in text
    assert "-m pip install --disable-pip-version-check -r requirements.txt" in text
    assert "-m village_stats serve --open" in text
