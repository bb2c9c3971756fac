"""The 报送 page in headless Chromium: the town's board (21 of 25 reported) and a village account's page,
with screenshots at desktop, wide and phone sizes. Counts and rules are covered under AppTest
(tests/pages/test_rounds_page.py); this checks what a person sees."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import save_screenshot
from tests.test_rounds import fill, submit
from village_stats import access, rounds
from village_stats.db import Database
from village_stats.serving import served
from village_stats.settings import load_settings

ADMIN_PW, VILLAGE_PW = "admin-password-1", "village-password-1"
MISSING = ("北垞村", "竹秀村", "凤岗社区", "龙潭村")
SIZES = ((1366, 768), (1920, 1080), (390, 844))


@pytest.fixture(scope="module")
def round_server(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A demo copy with an open income round that 21 units have answered, an admin and 北垞村's account."""
    folder = tmp_path_factory.mktemp("rounds-served")
    path = folder / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    settings = load_settings()
    database = Database(path)
    database.migrate()
    opened = rounds.open_round(database, "income", 2025, date.today() + timedelta(days=25), settings.town, "镇农经站")
    written = rounds.write_templates(database, opened.round_id, folder / "templates", settings)
    templates = {p.name.removesuffix(".xlsx").split("_", 1)[1]: p for p in written}
    for unit in sorted(set(templates) - set(MISSING)):
        filled = fill(templates[unit], folder / f"{unit}.xlsx")
        assert submit(database, settings, filled, opened.round_id, unit, user=f"{unit[:2]}报送员").committed
    access.add_user(database, "张书记", access.ADMIN, ADMIN_PW, by="测试")
    access.add_user(database, "北垞报送员", access.VILLAGE, VILLAGE_PW, by="测试", unit="北垞村")
    jumped = fill(templates["北垞村"], folder / "北垞村_填好.xlsx", factor=1.8)
    with served(path, folder / "streamlit.log") as (url, _):
        yield url, jumped


def settled(page, heading: str) -> None:
    """The page's title is `heading`, the script run has finished and nothing of an earlier run is left."""
    page.wait_for_selector(f'[data-testid="stMainBlockContainer"] h1:has-text("{heading}")', timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=60_000,
    )


def sign_in(page, url: str, name: str, password: str) -> None:
    page.goto(url)
    settled(page, "总览")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("登录", exact=True).first.click()
    sidebar.get_by_label("用户名").fill(name)
    sidebar.get_by_label("密码", exact=True).fill(password)
    sidebar.locator('[data-testid="stBaseButton-primaryFormSubmit"]').click()
    page.wait_for_selector(f"text=已登录：{name}", timeout=60_000)


def open_rounds_page(page) -> None:
    """By the sidebar link: a new address would start a new session, signed out."""
    page.locator('[data-testid="stSidebarNav"] a', has_text="报送").first.click()
    settled(page, "报送")


def shoot(page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        settled(page, "报送")
        tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": width, "height": min(max(tall, height), 6000)})
        save_screenshot(page, f"{name}-{width}x{height}")


def test_board_shows_who_is_missing(browser, round_server):
    url, _ = round_server
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, url, "张书记", ADMIN_PW)
        open_rounds_page(page)
        main = page.locator('[data-testid="stMainBlockContainer"]')
        assert page.locator('[data-testid="stException"]').count() == 0
        # the progress bar's label is drawn by the bar's own component, sometimes after the run ends
        main.get_by_text("25个村(社区)中21个已报送").wait_for(timeout=60_000)
        assert "代村(社区)报送" in main.inner_text(), "signed in as the town's admin"
        reminder = main.locator("p", has_text="【催报】").inner_text()
        assert "以下4个村(社区)尚未报送" in reminder
        assert all(rounds.short_name(unit) in reminder for unit in MISSING)
        shoot(page, "rounds-board")
    finally:
        context.close()


def test_village_account_uploads_and_sees_the_checker(browser, round_server):
    url, jumped = round_server
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, url, "北垞报送员", VILLAGE_PW)
        open_rounds_page(page)
        main = page.locator('[data-testid="stMainBlockContainer"]')
        assert "本村状态：未报送" in main.inner_text()
        assert "应报" not in main.inner_text(), "a village account sees its own state, not the town's board"
        main.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(jumped))
        # the confirmation box appears once the checker has found the 异常波动
        main.get_by_text("我已核实以上").wait_for(timeout=60_000)
        settled(page, "报送")
        assert "请逐项核实，无误后勾选下方的确认框再报送" in main.inner_text()
        assert "此文件不会导入" not in main.inner_text(), "held for confirmation, not refused"
        shoot(page, "rounds-village")
    finally:
        context.close()
