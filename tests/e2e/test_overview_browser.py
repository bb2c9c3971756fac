"""The overview is one screen: at 1366×768 with the sidebar open, the year, eight cards and two charts
are inside the first 768 px, also after a new year's first ledger is imported; at 1920×1080, four charts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import ledgers
from tests.e2e.conftest import ARTIFACTS
from village_stats import importing
from village_stats.db import Database
from village_stats.serving import served

# the run is over, and every chart that is in view has been drawn (Streamlit draws charts as they
# come into view: the viewport keeps its size, so what is measured is the first screen)
FIRST_SCREEN_DRAWN = """() => {
    if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    if (document.querySelector('[data-stale="true"]')) return false;
    const inView = [...document.querySelectorAll('[data-testid="stBidiComponentRegular"]')]
        .filter((e) => e.getBoundingClientRect().top < window.innerHeight);
    return inView.length > 0 && inView.every((e) => e.querySelector('.main-svg'));
}"""

BOXES = """() => {
    const box = (e) => {
        const r = e.getBoundingClientRect();
        return {top: r.top + scrollY, bottom: r.bottom + scrollY};
    };
    const main = document.querySelector('[data-testid="stMain"]');
    const year = [...main.querySelectorAll('[data-testid="stSelectbox"]')].find((e) => e.innerText.includes('年度'));
    return {
        cards: [...main.querySelectorAll('[data-testid="stMetric"]')].slice(0, 8).map(box),
        year: year ? box(year) : null,
        charts: [...main.querySelectorAll('.js-plotly-plot')].map(box),
        cut: [...main.querySelectorAll('[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"]')]
            .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.innerText),
        sidebar: document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect().width,
    };
}"""


@pytest.fixture(scope="module")
def url_after_2025_income(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory, settings) -> Iterator[str]:
    """The demo with a 2025 income ledger for three villages imported on top: January's first ledger."""
    folder = tmp_path_factory.mktemp("served-2025")
    database = folder / "village.duckdb"
    shutil.copy2(demo_db_path, database)
    sheet = ledgers.income(
        [
            [2025, "北垞村", 168.2, 120.0, None, None, None, None],
            [2025, "竹秀村", 151.0, 101.5, None, None, None, None],
            [2025, "荷塘村", 21.3, 11.0, None, None, None, None],
        ],
        title="青溪镇2025年度村级集体经济收入统计表",
    )
    outcome = importing.import_file(Database(database, 30), ledgers.write_xlsx(folder / "2025.xlsx", sheet), settings)
    assert outcome.committed, outcome.issues
    with served(database, folder / "streamlit.log") as (url, _):
        yield url


def first_screen(browser, url: str, width: int, height: int, name: str) -> dict:
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    try:
        page.goto(url)
        page.wait_for_function(FIRST_SCREEN_DRAWN, timeout=120_000, polling=50)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        return page.evaluate(BOXES)
    finally:
        page.close()


def assert_one_screen(boxes: dict, height: int, charts: int) -> None:
    assert boxes["sidebar"] > 200, "measured with the sidebar open"
    assert len(boxes["cards"]) == 8
    assert all(card["bottom"] <= height for card in boxes["cards"]), boxes["cards"]
    assert boxes["year"] is not None and boxes["year"]["bottom"] <= height
    inside = [chart for chart in boxes["charts"] if chart["bottom"] <= height]
    assert len(inside) >= charts, boxes["charts"]
    assert not boxes["cut"], f"labels cut with …: {boxes['cut']}"


def test_the_overview_is_one_screen_at_1366(browser, app_url):
    assert_one_screen(first_screen(browser, app_url, 1366, 768, "overview_1366x768"), 768, charts=2)


def test_four_charts_fit_at_1920(browser, app_url):
    assert_one_screen(first_screen(browser, app_url, 1920, 1080, "overview_1920x1080"), 1080, charts=4)


def test_still_one_screen_after_a_new_years_first_ledger(browser, url_after_2025_income):
    boxes = first_screen(browser, url_after_2025_income, 1366, 768, "overview_1366x768_after_2025_income")
    assert_one_screen(boxes, 768, charts=2)


def test_the_partial_year_is_one_screen_too(browser, url_after_2025_income):
    boxes = first_screen(browser, f"{url_after_2025_income}/?year=2025", 1366, 768, "overview_1366x768_2025")
    assert len(boxes["cards"]) == 8 and all(card["bottom"] <= 768 for card in boxes["cards"])
    assert not boxes["cut"]
