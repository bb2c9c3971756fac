"""Sign-in in headless Chromium on a server whose settings require it: the sign-in page, then an admin's import page.

Roles and refusals are covered under AppTest (tests/pages/test_access_pages.py); this checks
what a person sees, and keeps screenshots of both pages.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import save_screenshot
from village_stats import access
from village_stats.db import Database
from village_stats.serving import served

PASSWORD = "admin-password-1"


@pytest.fixture(scope="module")
def signed_in_server(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on a demo copy with an admin account and `viewers_must_sign_in = true`."""
    folder = tmp_path_factory.mktemp("access-served")
    database = folder / "village.duckdb"
    shutil.copy2(demo_db_path, database)
    access.add_user(Database(database), "张书记", access.ADMIN, PASSWORD, by="测试")
    settings = folder / "settings.toml"
    settings.write_text("[access]\nviewers_must_sign_in = true\n", encoding="utf-8")
    with served(database, folder / "streamlit.log", settings=settings) as (url, _):
        yield url


def settled(page, heading: str) -> None:
    """The page's title is `heading` and the script run has finished."""
    page.wait_for_selector(f'[data-testid="stMainBlockContainer"] h1:has-text("{heading}")', timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(800)


def test_sign_in_then_an_admin_may_import(browser, signed_in_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{signed_in_server}/income")
        settled(page, "登录村情看板")
        main = page.locator('[data-testid="stMainBlockContainer"]')
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stMetric"]').count() == 0  # no figures before signing in
        assert "村财收入" not in page.locator('[data-testid="stSidebar"]').inner_text()  # nor the page list
        save_screenshot(page, "access-sign-in")

        main.get_by_label("用户名").fill("张书记")
        main.get_by_label("密码", exact=True).fill("wrong-password")
        main.locator('[data-testid="stBaseButton-primaryFormSubmit"]', has_text="登录").click()
        page.wait_for_selector("text=用户名或密码错误", timeout=30_000)

        main.get_by_label("用户名").fill("张书记")
        main.get_by_label("密码", exact=True).fill(PASSWORD)
        main.locator('[data-testid="stBaseButton-primaryFormSubmit"]', has_text="登录").click()
        settled(page, "村级集体经济收入")  # the page the link asked for
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "已登录：张书记（管理员）" in sidebar.inner_text()

        sidebar.get_by_role("link", name="数据导入").click()
        settled(page, "数据导入")
        page.wait_for_selector('[data-testid="stFileUploader"]', timeout=30_000)  # drawn after the title
        save_screenshot(page, "access-admin-import")
        assert "已登录：张书记（管理员）" in sidebar.inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0

        page.reload()  # a sign-in lives in the server's session for this tab, as the README says
        settled(page, "登录村情看板")

        main.get_by_label("用户名").fill("张书记")
        main.get_by_label("密码", exact=True).fill(PASSWORD)
        main.locator('[data-testid="stBaseButton-primaryFormSubmit"]', has_text="登录").click()
        settled(page, "数据导入")
        sidebar.get_by_role("button", name="退出登录").click()
        settled(page, "登录村情看板")
    finally:
        context.close()


def test_single_user_mode_says_so_in_the_sidebar(browser, app_url):
    """The shared demo server: loopback, no accounts."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/data_import")
        settled(page, "数据导入")
        page.wait_for_selector('[data-testid="stFileUploader"]', timeout=30_000)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "本机单用户模式" in sidebar and "user add" in sidebar
        assert "登录" not in sidebar.replace("已登录", "")  # nothing to sign in to
        save_screenshot(page, "access-single-user")
    finally:
        context.close()
