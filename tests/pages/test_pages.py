"""Every page under AppTest on the demo town, an empty database, and with filters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from village_stats.formatting import markdown_text
from village_stats.queries import run_query

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PAGES = ["views/income.py", "views/projects.py", "views/stars.py", "views/tickets.py", "views/problems.py"]


@pytest.fixture
def served_copy(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return path


def open_app(year: int | None = None, area: str | None = None) -> AppTest:
    """The dashboard with the sidebar set as a user would set it (the URL binding is tested in the browser)."""
    app = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    if year:
        app.selectbox(key="year").select(year)
    if area:
        app.selectbox(key="area").select(area)
    return app.run() if year or area else app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_overview_shows_the_seed_figures_for_2023(served_copy):
    app = open_app(2023)
    assert not app.exception
    app.session_state["overview_summary"] = True  # a click on 汇报摘要: filled only when opened
    app.run()
    shown = metrics(app)
    assert shown["村财≥20万元（占91.3%）"] == "21个"
    assert shown["村财≥50万元（占52.2%）"] == "12个"
    assert shown["村财≥100万元（占13.0%）"] == "3个"
    assert shown["五单工单（满意率98.9%）"] == str(6 + 15 + 178) + "件"
    text = " ".join(m.value for m in app.markdown)
    assert markdown_text("2023年全镇21个村村财收入超过20万元，占比91.3%") in text
    assert "其中北垞、竹秀、岑下3个村超过100万元" in text


def test_overview_2024_projects_and_stars(served_copy):
    app = open_app(2024)
    shown = metrics(app)
    assert shown["揭榜挂帅项目"] == "149个"
    assert shown["计划总投资"] == "14.53亿元"
    assert shown["五星级村(社区)"] == "14个"


def test_default_year_is_the_latest_with_data(served_copy):
    app = open_app()
    assert app.selectbox(key="year").value == 2024


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(served_copy, page):
    app = open_app(2024)
    app.switch_page(page).run()
    assert not app.exception
    assert len(app.metric) >= 4
    assert app.title[0].value


def test_projects_page_totals(served_copy):
    app = open_app(2024)
    app.switch_page("views/projects.py").run()
    shown = metrics(app)
    assert shown["项目数"] == "149个"
    assert shown["计划总投资"] == "14.53亿元"


def test_area_filter_changes_income_tiers(served_copy, demo_db):
    with demo_db.read() as cur:
        north = cur.execute(
            "select count(*) filter (where total_income >= 200000), count(*) from village_income "
            "join villages on village = name where year = 2023 and area = '北片' and kind = '村'"
        ).fetchone()
    app = open_app(2023, area="北片")
    app.switch_page("views/income.py").run()
    assert app.selectbox(key="area").value == "北片"
    assert metrics(app)["≥20万元"] == f"{north[0]}个"
    assert north[1] < 23  # the filter really narrowed the set


def test_village_filter_narrows_tickets(served_copy, demo_db, settings):
    with demo_db.read() as cur:
        expected = run_query(cur, "tickets_by_kind", year=2023, town=None, area=None, villages=["北垞村"])
    app = open_app(2023)
    app.switch_page("views/tickets.py").run()
    app.multiselect(key="village").set_value(["北垞村"]).run()
    shown = metrics(app)
    for kind, count in zip(expected["kind"], expected["tickets"], strict=True):
        assert shown[kind] == f"{count}{settings.ticket_unit(kind)}"


def test_changing_one_filter_keeps_the_others(served_copy):
    app = open_app(2023, area="北片")
    app.selectbox(key="year").set_value(2022).run()
    assert app.selectbox(key="area").value == "北片"
    assert app.selectbox(key="year").value == 2022


def test_empty_database_shows_the_empty_state(tmp_path, monkeypatch):
    # the registry alone: with no registry at all the pages give way to the empty database's guide
    from village_stats.db import open_database
    from village_stats.importing import DEMO_DIR, import_file
    from village_stats.settings import load_settings

    path = tmp_path / "empty.duckdb"
    assert import_file(open_database(path), DEMO_DIR / "村社区名录.xlsx", load_settings()).ok
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    app = open_app()
    assert not app.exception
    assert any("还没有任何台账数据" in info.value for info in app.info)
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception
        assert any("暂无" in info.value for info in app.info)


def test_overview_year_without_some_domains_draws_no_empty_charts(served_copy):
    app = open_app(2021)  # the demo has income only for 2021
    assert not app.exception
    captions = [c.value for c in app.caption]
    for domain in ("揭榜挂帅项目", "达标创星评定", "五单闭环服务工单", "问题整改台账"):
        assert f"2021年尚未导入{domain}数据。" in captions
    assert len(app_charts.charts(app)) == 1  # the income chart only
    # the cards of the missing ledgers say so and link to 数据导入, never a bare —
    cards = {m.label: m for m in app.metric}
    for label in ("五星级村(社区)", "揭榜挂帅项目", "计划总投资", "五单工单", "问题整改率"):
        assert cards[label].value == "未导入"
        assert "2021年尚未导入" in cards[label].delta and "data_import" in cards[label].delta
    assert all(m.value != "—" for m in app.metric)


def test_empty_cells_show_a_dash_not_none(served_copy):
    """An open ticket has no 办结 time and an unrated one no rating: the table says —, never None."""
    app = open_app(2023)
    app.switch_page("views/tickets.py").run()
    app.session_state["tickets_tab"] = "工单明细"  # what a click on the tab does
    app.run()
    with_gaps = [table for table in app.dataframe if table.value.isna().any().any()]
    assert with_gaps, "the 2023 demo tickets include open ones, whose detail rows have empty cells"
    assert all(table.proto.placeholder == "—" for table in app.dataframe)
