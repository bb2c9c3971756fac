"""A fresh visit (a bookmark, F5, a link in a message) loads only what the page shows.

The text behind "复制汇报文字" is sent when the expander is opened: a code block, even
folded away, makes the browser load and run Streamlit's 1.5 MB code highlighter, about
half a second of the one busy core on every visit of the overview and the report page.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import save_screenshot, wait_until_idle

MAIN = '[data-testid="stMainBlockContainer"]'


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    yield context
    context.close()


def requested(page, chunk: str) -> list[float]:
    """Start times (ms since the navigation) of the requests for Streamlit's `chunk`, e.g. PlotlyChart."""
    return page.evaluate(
        "(name) => performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/static/js/' + name + '.')).map(e => e.startTime)",
        chunk,
    )


@pytest.mark.parametrize(
    ("path", "tab"),
    [("", None), ("report", "汇报文字")],
)
def test_report_text_is_sent_when_its_expander_opens(context, app_url, path, tab):
    page = context.new_page()
    page.goto(f"{app_url}/{path}?year=2023")
    wait_until_idle(page)
    main = page.locator(MAIN)
    if tab:
        main.get_by_role("tab", name=tab).click()
    else:  # the overview's copy box is inside its 汇报摘要, filled when opened
        main.locator('[data-testid="stExpander"] summary', has_text="汇报摘要").first.click()
        main.locator('[data-testid="stExpander"] summary', has_text="复制汇报文字").wait_for(timeout=30_000)
    assert main.locator('[data-testid="stCode"]').count() == 0
    assert requested(page, "StreamlitSyntaxHighlighter") == []

    main.locator('[data-testid="stExpander"] summary', has_text="复制汇报文字").click()
    code = main.locator('[data-testid="stCode"]')
    code.first.wait_for(timeout=30_000)
    assert "2023年全镇21个村村财收入超过20万元，占比91.3%" in code.first.inner_text()
    save_screenshot(page, f"copy-text-{path or 'overview'}")


def test_charts_load_the_dashboards_plotly_build_not_streamlits(context, app_url):
    """The charts are drawn by static/plotly-village.min.js (1.3 MB, six trace types), fetched once per
    tab, never by Streamlit's PlotlyChart chunk (all of plotly.js, 4.7 MB)."""
    page = context.new_page()
    page.goto(f"{app_url}/?year=2023")
    wait_until_idle(page)
    drawn = page.locator(f"{MAIN} .js-plotly-plot .main-svg").count()
    assert drawn >= 5, drawn
    bundles = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('/app/static/')).map(e => e.name)"
    )
    assert [name.rsplit("/", 1)[1] for name in bundles] == ["plotly-village.min.js"]
    assert requested(page, "PlotlyChart") == []
    # the mode bar speaks Chinese: the bundle's zh-CN locale is in use
    page.locator(f"{MAIN} .js-plotly-plot").first.hover()
    assert page.locator(f'{MAIN} .modebar-btn[data-title="下载图表为PNG格式"]').count() >= 1
