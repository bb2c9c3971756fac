"""Offline by construction: a whole visit, from the first-run page through every page to a town's own
empty database, asks nothing of any host but the dashboard's own server.

The app is started as a user starts it (`python -m village_stats serve`) from a copy of the
project in a folder named '村情 看板' (Chinese and a space), with no database yet. The
browser is Debian's Chromium; every request and WebSocket of the context is recorded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import save_screenshot
from tests.project_copy import copy_project
from village_stats.serving import free_port, healthy

MAIN = '[data-testid="stMainBlockContainer"]'
BANNER = "演示数据（虚构的青溪镇）"
# sidebar title → the page's heading; 汇报模式 last, as it folds the sidebar away
PAGES = (
    ("村财收入", "村级集体经济收入"),
    ("项目投资", "揭榜挂帅项目投资"),
    ("达标创星", "达标创星"),
    ("五单服务", "五单闭环服务"),
    ("问题整改", "问题清单与整改"),
    ("党员积分", "党员积分存折"),
    ("书记工作室", "书记工作室"),
    ("乡贤", "乡贤参与"),
    ("村干部", "村干部与后备力量"),
    ("汇报导出", "汇报导出"),
    ("数据导入", "数据导入"),
    ("自助查询", "自助查询"),
    ("总览", "村情总览"),
    ("汇报模式", None),
)
START_SECONDS = 300


@pytest.fixture
def served_copy(tmp_path: Path) -> tuple[str, Path]:
    folder = copy_project(tmp_path / "村情 看板")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for name in ("VILLAGE_STATS_DB", "VILLAGE_STATS_DEMO_DB", "VILLAGE_STATS_SETTINGS"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "village_stats", "serve", "--port", str(port)]
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not healthy(url):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.3)
        yield url, folder
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def settled(page, heading: str | None = None, before: str | None = None) -> None:
    """The run finished (no status widget, nothing stale), its heading shown, and every chart on it drawn."""
    page.wait_for_function(
        """([heading, before]) => {
            const h1 = document.querySelector('[data-testid="stMainBlockContainer"] h1');
            const text = h1 ? h1.innerText : '';
            return !!h1 && (heading === null || text.includes(heading)) && (before === null || text !== before)
                && !document.querySelector('[data-testid="stStatusWidget"]')
                && !document.querySelector('[data-testid="stSkeleton"]')
                && !document.querySelector('[data-stale="true"]');
        }""",
        arg=[heading, before],
        timeout=60_000,
    )
    page.wait_for_function(
        """() => {
            const wanted = document.querySelectorAll('[data-testid="stBidiComponentRegular"]').length;
            return document.querySelectorAll('.js-plotly-plot .main-svg').length >= wanted;
        }""",
        timeout=60_000,
    )


def heading(page) -> str:
    return page.locator(f"{MAIN} h1").first.inner_text()


def shoot(page, name: str) -> None:
    """1366×768 and 390×844 screenshots of what is shown now (the phone one at its full height)."""
    for width, height, size in ((1366, 768, "1366"), (390, 844, "390")):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)  # the layout reflows on resize; no script runs
        save_screenshot(page, f"{name}-{size}")
    page.set_viewport_size({"width": 1366, "height": 768})


def foreign(requests: list[str], server: str) -> list[str]:
    """Every URL that went to a host other than the dashboard's server (data: and blob: stay in the page)."""
    own = urlsplit(server).netloc
    return [url for url in requests if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own]


def test_a_whole_visit_asks_nothing_of_any_other_host(browser, served_copy):
    url, folder = served_copy
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: requests.append(socket.url))
    try:
        page.goto(url)
        settled(page, "欢迎使用村情看板")
        shoot(page, "first-run")

        page.get_by_role("button", name="使用演示数据").click()
        settled(page, "村情总览")
        assert BANNER in page.locator(MAIN).inner_text()
        shoot(page, "demo-banner-overview")
        for title, expected in PAGES:
            before = heading(page)
            page.set_viewport_size({"width": 1366, "height": 768})
            page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
            settled(page, expected, before)
            assert BANNER in page.locator(MAIN).inner_text(), title
            assert page.locator('[data-testid="stException"]').count() == 0, title

        # 汇报模式 pins the banner small, without its button; a reload is a new session, which asks again
        page.reload()
        settled(page, "欢迎使用村情看板")
        page.get_by_label("本镇（街道）名称").fill("河东镇")
        page.get_by_role("button", name="建立本镇数据库").click()
        settled(page, "河东镇：还没有数据")
        assert BANNER not in page.locator(MAIN).inner_text()
        shoot(page, "empty-town-guide")
    finally:
        context.close()

    assert (folder / "data" / "village.duckdb").is_file()  # the town's own file, beside the demo's
    assert any(urlsplit(u).path.startswith("/_stcore/stream") for u in requests), "the recording saw no WebSocket"
    assert foreign(requests, url) == []
    # the tab icon is among the requests and comes from the app itself
    assert any(urlsplit(u).path.endswith(".png") and "/media/" in u for u in requests), sorted(set(requests))
