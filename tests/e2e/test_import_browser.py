"""The 数据导入 page in Chromium at 1366×768: the uploader speaks Chinese, and after 确认导入
the result is on the first screen, above the uploader.

The page imports, so it runs on a server of its own over a private copy of the demo town.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import save_screenshot
from village_stats.serving import served

GOOD = "村(社区)名称,村集体经济总收入(万元)\n北垞村,200.00\n竹秀村,150.50\n"
SCREEN = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def import_url(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("import-served")
    database = folder / "village.duckdb"
    shutil.copy2(demo_db_path, database)
    with served(database, folder / "streamlit.log") as (url, _):
        yield url


def settled(page: object) -> None:
    """The import page is drawn and its script run (and any rerun it asked for) has finished."""
    page.wait_for_selector('[data-testid="stFileUploaderDropzone"]', timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=60_000,
    )


def pseudo_text(page: object, selector: str) -> str:
    """What CSS writes after an element (`content` of ::after), unquoted."""
    return page.locator(selector).first.evaluate("e => getComputedStyle(e, '::after').content").strip('"')


def test_the_uploader_speaks_chinese(browser, import_url):
    context = browser.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{import_url}/data_import")
        settled(page)
        dropzone = page.locator('[data-testid="stFileUploaderDropzone"]')
        for english in (re.compile(r"^Upload$"), re.compile("per file")):  # not the icon's ligature “upload”
            shown = dropzone.get_by_text(english)
            assert shown.count() and not any(_painted(shown.nth(i)) for i in range(shown.count())), english
        assert pseudo_text(page, '[data-testid="stFileUploaderDropzone"] button p') == "选择文件"
        instructions = pseudo_text(page, '[data-testid="stFileUploaderDropzoneInstructions"] span')
        assert "每个文件不超过 50 MB" in instructions and "xlsx" in instructions
        save_screenshot(page.locator('[data-testid="stFileUploader"]'), "import-uploader")
    finally:
        context.close()


def _painted(element: object) -> bool:
    """Whether an element's own text takes any room (font-size 0 hides it without hiding its ::after)."""
    return element.evaluate("e => parseFloat(getComputedStyle(e).fontSize) > 0")


def test_after_confirming_the_result_is_on_the_first_screen(browser, import_url, tmp_path):
    ledger = tmp_path / "2024年村财收入.csv"
    ledger.write_bytes(GOOD.encode("gbk"))
    context = browser.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{import_url}/data_import")
        settled(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(ledger))
        confirm = page.get_by_role("button", name="确认导入 1 个文件")
        confirm.wait_for(timeout=60_000)
        confirm.click()
        result = page.locator('[data-testid="stAlert"]', has_text="已导入")
        result.wait_for(timeout=60_000)
        settled(page)

        box = result.bounding_box()
        assert box["y"] + box["height"] <= SCREEN["height"], box  # seen without scrolling
        assert box["y"] < page.locator('[data-testid="stFileUploader"]').bounding_box()["y"]
        assert "更新 2 行" in result.inner_text()
        assert page.get_by_role("button", name="确认导入 1 个文件").count() == 0
        assert page.get_by_text("将新增").count() == 0
        save_screenshot(page, "import-after-confirm")
    finally:
        context.close()
