"""DNS rebinding in Chromium: a page on another name that resolves to 127.0.0.1 gets no dashboard.

The server runs on loopback with no accounts, so 127.0.0.1 gets the single-local-user mode
(an administrator). Chromium's `--host-resolver-rules` makes `rebind.test` resolve to
127.0.0.1, as an attacker's DNS would; the same server must then show nothing but a refusal.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import save_screenshot
from village_stats.serving import CHROMIUM_ARGS, served


@pytest.fixture(scope="module")
def local_server(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("host-served")
    database = folder / "village.duckdb"
    shutil.copy2(demo_db_path, database)
    with served(database, folder / "streamlit.log") as (url, _):
        yield url


def settled(page) -> None:
    page.wait_for_selector('[data-testid="stMainBlockContainer"] [data-testid="stAlert"], h1', timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(800)


def test_a_rebinding_name_gets_no_page_while_loopback_is_the_local_admin(browser, local_server):
    port = local_server.rsplit(":", 1)[1].strip("/")
    launched = browser.browser_type.launch(
        executable_path=_executable(), args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"]
    )
    try:
        page = launched.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
        page.goto(f"http://rebind.test:{port}/data_import")
        settled(page)
        text = page.locator("body").inner_text()
        save_screenshot(page, "host-check-rebinding")
        assert "不通过“rebind.test" in text
        assert "本机单用户模式" not in text and "数据导入" not in text and "撤销" not in text
        assert page.locator('[data-testid="stFileUploader"]').count() == 0
        assert page.locator('[data-testid="stMetric"]').count() == 0

        # the same browser on the loopback address: the dashboard, as the local administrator
        page.goto(f"http://127.0.0.1:{port}/data_import")
        page.wait_for_selector('[data-testid="stFileUploader"]', timeout=60_000)
        assert "本机单用户模式" in page.locator('[data-testid="stSidebar"]').inner_text()
    finally:
        launched.close()


def _executable() -> str:
    from village_stats.serving import chromium_path

    path = chromium_path()
    assert path is not None
    return path
