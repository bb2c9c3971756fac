"""The overview (驾驶舱) under AppTest: its callouts against the raw tables, the year it opens on, honest cards,
and the one list of headline figures its cards share with the report and 汇报模式."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from PIL import ImageFont
from streamlit.testing.v1 import AppTest

from tests import ledgers
from village_stats import importing, kpis, reports
from village_stats.db import Database
from village_stats.queries import Scope, run_query

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# the text width a card's label has at 1366×768 with the sidebar open: a quarter of the page less the
# card's padding and border (measured in Chromium: card 231 px wide, label box 197 px)
LABEL_WIDTH_PX = 197
LABEL_FONT_PX = 14


@pytest.fixture
def served_copy(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return path


def open_app(year: int | None = None) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    if year is not None:
        app.selectbox(key="year").select(year).run()
    return app


def cards(app: AppTest) -> dict[str, object]:
    return {m.label: m for m in app.metric}


def links(app: AppTest) -> list[tuple[str, str]]:
    """(label, the linked page's URL path: income, problems …) of each page link, in page order."""
    return [(e.proto.label, e.proto.page) for e in app.get("page_link")]


def captions(app: AppTest) -> list[str]:
    """The captions as read (ui.plain escapes Markdown's special characters with backslashes)."""
    return [c.value.replace("\\", "") for c in app.caption]


def raw(path: Path, sql: str, *params: object) -> list[tuple]:
    with Database(path, 30).read() as cur:
        return cur.execute(sql, list(params)).fetchall()


def test_callouts_state_the_figures_of_the_raw_tables(served_copy):
    app = open_app(2024)
    assert not app.exception
    today = date.today()
    below = raw(
        served_copy,
        "select i.village, i.total_income from village_income i join villages v on v.name = i.village "
        "where i.year = 2024 and v.kind = '村' and i.total_income < 200000 order by i.total_income",
    )
    overdue = raw(
        served_copy,
        "select count(*), count(distinct village) from problems "
        "where year = 2024 and status <> '已整改' and deadline < ?",
        today,
    )[0]
    rate = raw(
        served_copy,
        "select year, round(100.0 * count(*) filter (where status = '已整改') / count(*), 1) from problems "
        "where year in (2023, 2024) group by year order by year",
    )
    fall = round(rate[0][1] - rate[1][1], 1)
    shown = links(app)
    # the four most important callouts, in the order of the settings, each linking to its page
    assert shown[:4] == [
        (f"{len(below)}个村村财收入低于20万元", "income"),
        (f"逾期未整改问题{overdue[0]}条", "problems"),
        (f"问题整改率下降{fall}个百分点", "problems"),
        (f"工单满意率下降{rate_fall(served_copy)}个百分点", "tickets"),
    ]
    text = " ".join(captions(app))
    assert f"{below[0][0]}村集体经济收入低于20万元（{below[0][1] / 10_000:.2f}万元）" in text
    assert f"逾期未整改{overdue[0]}条" in text and f"等{overdue[1]}个村(社区)" in text
    # the rest of the alerts follow below the charts, each with its next step
    rest = [m.value for m in app.markdown if "下一步" in m.value]
    assert rest and "无后备干部" in rest[0] and "书记工作室" in rest[0]


def rate_fall(path: Path) -> float:
    rates = raw(
        path,
        "select year(ordered_at) as y, round(100.0 * count(*) filter (where rating >= 3) / count(rating), 1) "
        "from service_tickets where year(ordered_at) in (2023, 2024) group by y order by y",
    )
    return round(rates[0][1] - rates[1][1], 1)


def test_card_labels_fit_their_width_at_1366(served_copy):
    """“满意率93.7…” was cut: every label, with its figure, must fit a quarter of a 1366 px page."""
    font = ImageFont.truetype(str(NOTO), LABEL_FONT_PX)
    for year in (2023, 2024):
        app = open_app(year)
        labels = list(cards(app))[:8]
        assert len(labels) == 8
        widths = {label: font.getlength(label) for label in labels}
        assert all(width <= LABEL_WIDTH_PX for width in widths.values()), widths


def test_steady_is_grey_without_an_arrow_and_colour_follows_meaning(served_copy):
    app = open_app(2024)
    app.multiselect(key="village").set_value(["北垞村"]).run()
    shown = cards(app)
    steady = shown["村财≥20万元（占100.0%）"].proto  # 北垞 was above 20万 in 2023 and still is
    assert (steady.delta, steady.color, steady.direction) == ("持平", steady.GRAY, steady.NONE)
    app = open_app(2024)
    shown = cards(app)
    fallen = shown["问题整改率（共84条）"].proto  # a fall in the rectification rate is bad: red, down
    assert (fallen.color, fallen.direction) == (fallen.RED, fallen.DOWN)
    tickets = next(m.proto for label, m in shown.items() if label.startswith("五单工单"))
    assert (tickets.color, tickets.direction) == (tickets.GRAY, tickets.UP)  # more tickets: neither good nor bad


def kpi_app(value: int, before: int, better: str | None) -> None:
    import pandas as pd  # AppTest runs this function's source on its own
    import streamlit as st

    from village_stats import ui

    ui.kpi(
        st,
        "逾期问题",
        "overdue",
        "条",
        pd.DataFrame({"overdue": [value]}),
        pd.DataFrame({"overdue": [before]}),
        better=better,
    )


@pytest.mark.parametrize(
    ("value", "before", "better", "colour", "direction"),
    [
        (3, 10, "down", "GREEN", "DOWN"),  # fewer overdue problems is good news
        (12, 10, "down", "RED", "UP"),
        (12, 10, "up", "GREEN", "UP"),
        (10, 10, "down", "GRAY", "NONE"),
        (12, 10, None, "GRAY", "UP"),
    ],
)
def test_a_delta_is_coloured_by_what_it_means(value, before, better, colour, direction):
    app = AppTest.from_function(kpi_app, kwargs={"value": value, "before": before, "better": better}).run()
    card = app.metric[0].proto
    assert card.color == getattr(card, colour) and card.direction == getattr(card, direction)


@pytest.fixture
def with_2025_income(served_copy: Path, tmp_path: Path, settings) -> Path:
    """The demo, and a 2025 income ledger for three villages: January, the first ledger of the new year."""
    sheet = ledgers.income(
        [
            [2025, "北垞村", 168.2, 120.0, None, None, None, None],
            [2025, "竹秀村", 151.0, 101.5, None, None, None, None],
            [2025, "荷塘村", 21.3, 11.0, None, None, None, None],
        ],
        title="青溪镇2025年度村级集体经济收入统计表",
    )
    path = ledgers.write_xlsx(tmp_path / "2025年村财收入.xlsx", sheet)
    outcome = importing.import_file(Database(served_copy, 30), path, settings)
    assert outcome.committed, outcome.issues
    return served_copy


def test_a_new_years_first_ledger_leaves_the_overview_on_the_last_whole_year(with_2025_income):
    before = {label: m.value for label, m in cards(open_app(2024)).items()}
    app = open_app()
    assert not app.exception
    assert app.selectbox(key="year").value == 2024
    assert 2025 in app.selectbox(key="year").options or "2025" in app.selectbox(key="year").options
    assert any("2025年已导入：村财收入" in c for c in captions(app))
    shown = {label: m.value for label, m in cards(app).items()}
    assert shown == before  # the cards keep 2024, all eight with figures
    assert all(value not in ("—", "未导入", "暂无") for value in list(shown.values())[:8])


def test_the_partial_year_says_what_is_missing_and_how_many_reported(with_2025_income):
    app = open_app(2025)
    assert not app.exception
    shown = cards(app)
    income = next(m for label, m in shown.items() if label.startswith("村财≥20万元"))
    assert income.value == "3个"
    assert income.proto.delta == "23个村中3个已报送"
    for label in ("五星级村(社区)", "揭榜挂帅项目", "计划总投资", "五单工单", "问题整改率"):
        assert shown[label].value == "未导入"
        assert "2025年尚未导入" in shown[label].proto.delta
    assert ("去数据导入 →", "data_import") in links(app)


def test_the_default_year_rule_itself():
    from village_stats import years

    frame = pd.DataFrame(
        {
            "dataset": ["income", "income", "projects", "stars", "tickets", "problems", "sages"],
            "year": [2025, 2024, 2024, 2024, 2024, 2024, 2026],
        }
    )
    assert years.default_year(frame) == 2024
    assert years.imported_later(frame, 2024) == ["2025年已导入：村财收入"]
    assert years.missing_core(frame, 2025) == ["项目投资", "达标创星", "五单服务", "问题整改"]
    # no year with all five: the newest of the years with the most of them
    assert years.default_year(frame[frame["dataset"] != "problems"]) == 2024
    assert years.default_year(frame.iloc[0:0]) is None


# ---- the headline figures are one list (kpis.KPIS) ---------------------------------------------
# a column year_overview already returns, shown as a figure of its own: adding it to the list is all
# it takes for it to show on the overview's cards, in the report's 核心指标 and on 汇报模式's first screen
EXTRA_KPI = kpis.Definition("villages_with_income", "有收入数据的村", "个", "报送收入的村")


@pytest.fixture
def one_more_kpi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kpis, "KPIS", (*kpis.KPIS, EXTRA_KPI))


def year_report(database, settings, year: int) -> reports.Report:
    scope, today = Scope(town=settings.town), date(2025, 6, 30)
    requests = reports.report_requests(year, settings, scope, today, tables=False)
    with database.read() as cur:
        results = {role: run_query(cur, name, **params) for role, (name, params) in requests.items()}
    return reports.build(year, results, settings, scope, today, tables=False)


def test_the_reports_cards_are_the_list_in_its_order(demo_db, settings):
    report = year_report(demo_db, settings, 2024)
    assert [k.label for k in report.kpis] == [kpi.title(settings) for kpi in kpis.KPIS]
    assert [k.unit for k in report.kpis] == [kpi.unit for kpi in kpis.KPIS]


def test_an_added_kpi_reaches_the_report_and_its_workbook(demo_db, settings, one_more_kpi):
    report = year_report(demo_db, settings, 2024)
    added = report.kpis[-1]
    assert (added.label, added.unit) == ("有收入数据的村", "个")
    assert added.value.endswith("个") and added.figure is not None
    assert "有收入数据的村" in report.slides()[2].summary  # the 核心指标 slide
    assert list(reports.kpi_sheet(report)["指标"])[-1] == "有收入数据的村"


def test_an_added_kpi_reaches_the_overview_cards(served_copy, one_more_kpi):
    app = open_app(2024)
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert labels[len(kpis.KPIS) - 1] == "报送收入的村"  # after the eight, before the mechanisms' cards
    assert labels[0].startswith("村财≥")


def test_an_added_kpi_reaches_the_presenters_first_screen(served_copy, one_more_kpi):
    app = open_app(2024).switch_page("views/presenter.py").run()
    assert not app.exception
    assert app.title[0].value == "2024年核心指标"
    assert any("有收入数据的村" in m.value for m in app.markdown)
