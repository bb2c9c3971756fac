"""Every screen a town uses, in headless Chromium: a leader's phone, the meeting-room projector, the hall's wall.

Each test waits on the app's own signals (the script run finished; every chart component reports
data-drawn="true"), never on a sleep, then measures what a person would see and saves a screenshot.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from scripts import load_test
from tests.e2e.conftest import CHARTS_DRAWN, REPO, save_screenshot, script_finished, served, wait_until_idle

MAIN = '[data-testid="stMainBlockContainer"]'
PHONE = {"width": 390, "height": 844}
DATA_PAGES = [
    ("", "overview"),
    ("income", "income"),
    ("projects", "projects"),
    ("stars", "stars"),
    ("tickets", "tickets"),
    ("problems", "problems"),
    ("points", "points"),
    ("studios", "studios"),
    ("sages", "sages"),
    ("cadres", "cadres"),
    ("report", "report"),
]

# what lies outside its chart's frame: each chart's title, and each value label above or beside a bar
OUTSIDE_FRAME = """() => {
    const out = [];
    for (const plot of document.querySelectorAll('.village-plot')) {
        const frame = plot.getBoundingClientRect();
        for (const text of plot.querySelectorAll('.gtitle, .bartext')) {
            const box = text.getBoundingClientRect();
            if (box.width === 0) continue;
            if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1
                || box.bottom > frame.bottom + 1) out.push(text.textContent);
        }
    }
    return out;
}"""

# a visible mode bar whose box crosses a chart title's box
TITLES_UNDER_MODE_BAR = """() => {
    const hits = [];
    for (const plot of document.querySelectorAll('.village-plot')) {
        const bar = plot.querySelector('.modebar');
        const title = plot.querySelector('.gtitle');
        if (!bar || !title || getComputedStyle(bar).display === 'none') continue;
        const a = bar.getBoundingClientRect(), b = title.getBoundingClientRect();
        const crossing = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        if (a.width && crossing) hits.push(title.textContent);
    }
    return hits;
}"""


# a chart title that a wrapped legend covers (每月点单数 and 各支部平均积分走势 on a phone)
TITLES_UNDER_LEGEND = """() => [...document.querySelectorAll('.village-plot')].filter(plot => {
    const title = plot.querySelector('.gtitle'), legend = plot.querySelector('.legend');
    return title && legend && title.getBoundingClientRect().bottom > legend.getBoundingClientRect().top;
}).map(plot => plot.querySelector('.gtitle').textContent)"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize(("path", "name"), DATA_PAGES, ids=[p[1] for p in DATA_PAGES])
def test_every_data_page_fits_a_phone(phone, app_url, path, name):
    phone.goto(f"{app_url}/{path}?year=2024")
    wait_until_idle(phone)  # grows the height only: the width stays the phone's 390
    widths = phone.evaluate(
        "[document.documentElement.scrollWidth, document.querySelector('[data-testid=stMain]').scrollWidth]"
    )
    assert max(widths) <= PHONE["width"], f"the page scrolls sideways: {widths}"
    assert phone.locator('[data-testid="stException"]').count() == 0
    assert phone.locator(".village-plot").count() >= 1
    # touch screen: no mode bar at all (it covered 五大擂台投资 and 五单闭环), hence none over a title
    assert phone.locator(".village-plot .modebar").count() == 0
    assert phone.evaluate(TITLES_UNDER_MODE_BAR) == []
    assert phone.evaluate(OUTSIDE_FRAME) == []
    assert phone.evaluate(TITLES_UNDER_LEGEND) == []
    # the sidebar starts folded away on a phone
    assert phone.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0
    save_screenshot(phone, f"phone-{name}")


def test_kpi_cards_stand_two_per_row_on_a_phone(phone, app_url):
    phone.goto(f"{app_url}/?year=2024")
    wait_until_idle(phone)
    boxes = phone.locator('[data-testid="stMetric"]').evaluate_all(
        "cards => cards.slice(0, 4).map(c => { const r = c.getBoundingClientRect(); return [r.left, r.top, r.width]; })"
    )
    (left1, top1, width1), (left2, top2, _), (left3, top3, _), _ = boxes
    assert top1 == top2 and left2 > left1 and width1 < PHONE["width"] / 2  # side by side
    assert top3 > top1 and left3 == left1  # the third starts the next row


def test_desktop_keeps_the_mode_bar_and_its_png_download(browser, app_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{app_url}/projects?year=2024")
    wait_until_idle(page)
    page.locator(".village-plot").first.hover()
    assert page.locator('.village-plot .modebar-btn[data-title^="下载图表"]').count() >= 1
    context.close()


# ---- 汇报模式 on a projector -------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_every_presenter_screen_fills_a_projector(browser, app_url, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{app_url}/presenter?year=2024")
    wait_until_idle(page, grow=False)
    total = int(page.locator(MAIN).inner_text().split(" / ")[1].split(" ")[0])
    assert total >= 10
    for number in range(1, total + 1):
        if number > 1:
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "(n) => document.querySelector('[data-testid=stMainBlockContainer]').innerText.includes(`第 ${n} / `)",
                arg=number,
                timeout=30_000,
            )
            wait_until_idle(page, grow=False)
        screen = page.evaluate(
            """() => ({
                scroll: Math.max(document.documentElement.scrollHeight,
                                 document.querySelector('[data-testid=stMain]').scrollHeight),
                charts: [...document.querySelectorAll('.village-plot')].map(p => p.getBoundingClientRect().height),
                bottom: Math.max(0, ...[...document.querySelectorAll('.village-plot')]
                    .map(p => p.getBoundingClientRect().bottom)),
            })"""
        )
        assert screen["scroll"] <= height, f"screen {number} scrolls ({screen['scroll']} px)"
        heading = page.locator(f"{MAIN} h1").first.inner_text()
        # the first screen is 核心指标 (cards) and the last 存在的问题和下一步 (two columns of text): no chart
        if number > 1 and "存在的问题" not in heading:
            assert screen["charts"] and min(screen["charts"]) >= 0.55 * height, (number, screen)
            assert screen["bottom"] <= height
            assert page.evaluate(OUTSIDE_FRAME) == []
        assert not page.locator('[data-testid="stHeader"]').is_visible()
        assert not page.locator('[data-testid="stToolbar"]').is_visible()
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
        save_screenshot(page, f"presenter-{width}x{height}-{number:02d}")
    context.close()


# ---- the hall's wall ----------------------------------------------------------------------------


def wall_cards(page) -> dict[str, str]:
    cards = page.locator(".wall-kpi").evaluate_all(
        "cards => cards.map(c => [c.querySelector('.wall-kpi-label').innerText,"
        " c.querySelector('.wall-kpi-value').innerText])"
    )
    return dict(cards)


def test_the_wall_shows_everything_on_one_screen(browser, app_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{app_url}/?screen=wall&year=2024")
    wait_until_idle(page, grow=False)
    assert page.locator(".village-plot").count() == 6
    lowest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain] *')]"
        ".map(e => e.getBoundingClientRect().bottom))"
    )
    assert lowest <= 1080, f"something lies below the fold, down to {lowest} px"
    assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight") <= 1080
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.locator(".village-plot .modebar").count() == 0
    assert wall_cards(page)["计划总投资"] == "14.53亿元"
    assert page.evaluate(OUTSIDE_FRAME) == []
    save_screenshot(page, "wall-1920x1080")
    context.close()


def test_the_wall_shows_an_import_without_anyone_touching_it(browser, demo_db_path, tmp_path):
    """The wall looks at the data version every refresh_seconds (5 here, 30 as shipped) and redraws."""
    database = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, database)
    change, _, before, after = load_test.write_workbooks(database, tmp_path)
    settings = tmp_path / "settings.toml"
    shipped = (REPO / "settings.toml").read_text(encoding="utf-8")
    settings.write_text(shipped.replace("refresh_seconds = 30", "refresh_seconds = 5"), encoding="utf-8")
    with served(database, tmp_path / "streamlit.log", settings=settings) as (url, _):
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{url}/?screen=wall&year={load_test.YEAR}")
        wait_until_idle(page, grow=False)
        label = next(k for k in wall_cards(page) if "20万" in k)
        assert wall_cards(page)[label] == f"{before[0]}个"
        done = subprocess.run(
            [sys.executable, "-m", "village_stats", "import", str(change), "--db", str(database)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        # no click, no key: the wall's own refresh brings the new figure (bounded by the minute)
        page.wait_for_function(
            "([label, value]) => [...document.querySelectorAll('.wall-kpi')].some(c =>"
            " c.querySelector('.wall-kpi-label').innerText === label"
            " && c.querySelector('.wall-kpi-value').innerText === value)",
            arg=[label, f"{after[0]}个"],
            timeout=60_000,
        )
        script_finished(page)
        page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
        save_screenshot(page, "wall-after-import")
        context.close()
