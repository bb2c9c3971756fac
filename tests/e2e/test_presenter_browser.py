"""汇报模式 in headless Chromium at a projector's 1366×768: keyboard paging, one screen without scrolling."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import save_screenshot, wait_until_idle

MAIN = '[data-testid="stMainBlockContainer"]'
HEADING = f"{MAIN} h1"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def shows(page, words: str, where: str = MAIN) -> None:
    """Wait until `where` holds `words` (a rerun replaces the screen's elements one by one)."""
    page.wait_for_function(
        "([where, words]) => (document.querySelector(where)?.innerText ?? '').includes(words)",
        arg=[where, words],
        timeout=30_000,
    )


def test_presenter_pages_with_the_keyboard_and_fits_a_projector(page, app_url):
    page.goto(f"{app_url}/presenter?year=2024")
    shows(page, "2024年核心指标", HEADING)
    shows(page, "14.53亿元")
    shows(page, "下一屏")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.keyboard.press("ArrowRight")
    shows(page, "村级集体经济发展情况", HEADING)
    shows(page, "村财收入分档（个）")
    wait_until_idle(page)
    # wait_until_idle grows the viewport to the page's height: still 768 means one screen, no scrolling
    assert page.viewport_size == {"width": 1366, "height": 768}
    main = page.locator(MAIN).inner_text()
    assert "22个村超过20万元，占比95.7%" in main
    assert "第 2 / 15 屏" in main
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot").count() == 1
    # the sidebar starts folded away so the chart has the width
    assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0
    save_screenshot(page, "page-presenter")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.keyboard.press("ArrowLeft")
    shows(page, "2024年核心指标", HEADING)
    # from the first screen back round to the last: 存在的问题和下一步, still one projector screen
    wait_until_idle(page)
    page.keyboard.press("ArrowLeft")
    shows(page, "存在的问题和下一步", HEADING)
    shows(page, "督促")  # a next step: the rectification alerts fire for the demo town
    wait_until_idle(page)
    assert page.viewport_size == {"width": 1366, "height": 768}
    save_screenshot(page, "page-presenter-closing")
