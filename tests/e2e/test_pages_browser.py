"""Every page in headless Chromium: it renders, draws its charts, shows Chinese and no exception."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import save_screenshot, wait_until_idle

PAGES = [
    ("", "村情总览", "overview"),
    ("income", "村级集体经济收入", "income"),
    ("projects", "揭榜挂帅项目投资", "projects"),
    ("stars", "达标创星", "stars"),
    ("tickets", "五单闭环服务", "tickets"),
    ("problems", "问题清单与整改", "problems"),
    ("points", "党员积分存折", "points"),
    ("studios", "书记工作室", "studios"),
    ("sages", "乡贤参与", "sages"),
    ("cadres", "村干部与后备力量", "cadres"),
]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize(("path", "heading", "name"), PAGES, ids=[p[2] for p in PAGES])
def test_page_renders(page, app_url, path, heading, name):
    page.goto(f"{app_url}/{path}?year=2024")
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert heading in page.locator("h1").first.inner_text()
    assert page.locator(".js-plotly-plot").count() >= 1
    assert "2024年" in page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    save_screenshot(page, f"page-{name}")


def test_filters_round_trip_through_the_url(page, app_url):
    page.goto(f"{app_url}/income?year=2023&area=北片")
    wait_until_idle(page)
    text = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert "2023年 · 北片" in text
    assert "岑下村" in text and "溪口村" not in text  # 溪口村 is in 东片


def test_overview_states_the_seed_figures(page, app_url):
    page.goto(f"{app_url}/?year=2023")
    wait_until_idle(page)
    # the 汇报摘要 is filled when its expander is opened
    page.locator('[data-testid="stExpander"] summary', has_text="汇报摘要").first.click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMainBlockContainer]').innerText.includes('占比91.3%')",
        timeout=60_000,
    )
    text = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert "2023年全镇21个村村财收入超过20万元，占比91.3%" in text
    assert "北垞、竹秀、岑下3个村超过100万元" in text


def test_report_page_draws_one_section_of_charts_at_a_time(page, app_url):
    """汇报导出 keeps its eleven charts in lazy tabs by section: the first section's are drawn, another
    section's appear when its tab is clicked (all at once took a city page switch past 2 s)."""
    page.goto(f"{app_url}/report?year=2024")
    wait_until_idle(page)
    main = page.locator('[data-testid="stMainBlockContainer"]')
    assert main.locator(".js-plotly-plot").count() == 3
    main.get_by_role("tab", name="五单服务（2）").click()
    page.wait_for_function(
        "() => { const plots = document.querySelectorAll('[data-testid=stMainBlockContainer] .js-plotly-plot');"
        " return plots.length === 2 && [...plots].every(p => p.querySelector('.main-svg'))"
        " && [...plots].some(p => p.innerText.includes('群众点单')); }",
        timeout=60_000,
    )
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    save_screenshot(page, "page-report-tickets-section")
