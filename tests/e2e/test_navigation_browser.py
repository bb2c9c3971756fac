"""Moving between pages in the sidebar, as users do: every chart is drawn again, with the right figures.

The figures are built once per distinct query result and shared (ui.figure); these
tests make sure a page reached by a click, and reached again, draws the same charts
a fresh visit does, and that a changed filter gives new ones.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import save_screenshot, wait_until_idle

MAIN = '[data-testid="stMainBlockContainer"]'


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def click_page(page, title: str, heading: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_function(
        "(h) => (document.querySelector('[data-testid=stMainBlockContainer] h1') || {}).innerText?.includes(h)",
        arg=heading,
        timeout=30_000,
    )
    wait_until_idle(page)


def chart_titles(page) -> list[str]:
    return sorted(svg_texts(page.locator(f"{MAIN} .js-plotly-plot .gtitle")))


def svg_texts(locator) -> list[str]:
    """SVG text has no innerText."""
    return locator.evaluate_all("nodes => nodes.map(n => n.textContent)")


def test_switching_pages_draws_every_chart_again(page, app_url):
    page.goto(f"{app_url}/?year=2024")
    wait_until_idle(page)
    fresh = chart_titles(page)
    assert "村财收入分档（个）" in fresh and len(fresh) >= 5

    click_page(page, "村财收入", "村级集体经济收入")
    income = chart_titles(page)
    assert "各村村财收入排名（万元）" in income
    chart_boxes = page.locator('[data-testid="stBidiComponentRegular"]').count()  # plotly_view's charts
    assert page.locator(f"{MAIN} .js-plotly-plot").count() == chart_boxes

    click_page(page, "总览", "村情总览")  # back: the shared figures, drawn in full
    assert chart_titles(page) == fresh
    assert page.locator(f"{MAIN} .js-plotly-plot .main-svg").count() >= len(fresh)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "2024年" in page.locator(MAIN).inner_text()
    save_screenshot(page, "navigation-overview-again")


def test_a_changed_year_draws_that_years_figures(page, app_url):
    page.goto(f"{app_url}/income?year=2024")
    wait_until_idle(page)
    bars_2024 = svg_texts(page.locator(f"{MAIN} .js-plotly-plot").first.locator(".bartext"))
    page.goto(f"{app_url}/income?year=2022")
    wait_until_idle(page)
    click_page(page, "总览", "村情总览")
    click_page(page, "村财收入", "村级集体经济收入")
    assert "2022年" in page.locator(MAIN).inner_text()
    bars_2022 = svg_texts(page.locator(f"{MAIN} .js-plotly-plot").first.locator(".bartext"))
    assert bars_2022 and bars_2024 and bars_2022 != bars_2024
