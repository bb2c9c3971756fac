"""`python -m village_stats serve`: the dashboard started the one way the launchers (启动看板.bat,
start.sh) and the tests use.

It runs `streamlit run dashboard.py` from the project folder, so Streamlit reads the
project's .streamlit/config.toml (loopback address, port, no usage statistics), whatever
folder the launcher was started from. The browser is opened by this process once the
server answers its health check, not by Streamlit: a non-headless Streamlit asks for an
e-mail address on its first run, which would hang a double-clicked launcher.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
import webbrowser
from pathlib import Path

from village_stats import importing
from village_stats.db import default_db_path, demo_db_path
from village_stats.serving import healthy
from village_stats.settings import REPO_ROOT, Settings

CONFIG_PATH = REPO_ROOT / ".streamlit" / "config.toml"
START_SECONDS = 180  # a first start on a slow office PC loads pandas, DuckDB and Streamlit from a cold disk


def configured_server(config: Path = CONFIG_PATH) -> tuple[str, int]:
    """(address, port) from .streamlit/config.toml; Streamlit's own defaults where it says nothing."""
    raw = tomllib.loads(config.read_text(encoding="utf-8")) if config.exists() else {}
    server = raw.get("server", {})
    return str(server.get("address", "127.0.0.1")), int(server.get("port", 8501))


def browser_url(address: str, port: int) -> str:
    """Where a browser on this computer reaches a server listening on `address`."""
    host = "127.0.0.1" if address in ("", "0.0.0.0", "::") else address
    return f"http://{host}:{port}"


def prepare_demo(own: Path, settings: Settings) -> None:
    """Build the demo town's database before the first start, so 使用演示数据 opens at once."""
    demo = demo_db_path()
    if own.exists() or demo.exists():
        return
    print("首次运行：正在用自带的演示台账建立演示数据库（约半分钟）……", flush=True)
    importing.build_demo(demo, settings)
    print(f"演示数据库已建立：{demo}", flush=True)


def serve(port: int | None, open_browser: bool, database: Path | None, settings: Settings) -> int:
    address, configured_port = configured_server()
    port = port or configured_port
    url = browser_url(address, port)
    if healthy(url):  # the launcher double-clicked again: the dashboard is already there
        print(f"看板已在运行：{url}")
        if open_browser:
            webbrowser.open(url)
        return 0
    env = dict(os.environ)
    if database is not None:
        env["VILLAGE_STATS_DB"] = str(database.resolve())
    prepare_demo(database or default_db_path(), settings)
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true"]
    command += ["--server.port", str(port)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    # stopped by a service manager or a test (SIGTERM) as by Ctrl+C: Streamlit stops with it, never left behind
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if not _wait_until_healthy(url, process):
            print(f"看板没有启动。端口 {port} 可能已被其他程序占用：可用 --port 指定另一个端口。", file=sys.stderr)
            process.terminate()
            return process.wait() or 1
        print(f"看板已启动：{url}  （关闭本窗口或按 Ctrl+C 即停止看板）", flush=True)
        if open_browser:
            webbrowser.open(url)
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_until_healthy(url: str, process: subprocess.Popen) -> bool:
    """Poll the server's health endpoint until it answers, the process ends, or START_SECONDS pass."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if healthy(url):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.3)
    return False
