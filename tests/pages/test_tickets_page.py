"""五单服务 across towns: the tables are lazy tabs; the per-village one is paged in SQL, rows as in the whole result."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from village_stats import exports, scale
from village_stats import formatting as fmt
from village_stats.db import Database
from village_stats.queries import run_query

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
ALL_TOWNS = "全部镇(街道)"
# 13 towns × 20 units: 260 units with tickets, two pages of the village table; 14,000 tickets a year,
# so that 服务代办 (~80% of them) passes 1万 and its card is written in 万
SMALL = replace(scale.SCALES["county"], towns=13, projects=500, tickets=70_000, problems=1_000)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, settings) -> Database:
    built = scale.build(tmp_path_factory.mktemp("tickets-county") / "county.duckdb", SMALL, settings)
    return Database(built.path, settings.lock_wait_seconds)


@pytest.fixture
def served_town(demo_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VILLAGE_STATS_DB", str(demo_db_path))  # read only: AppTest never writes here
    return demo_db_path


@pytest.fixture
def app(county: Database, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("VILLAGE_STATS_DB", str(county.path))
    app = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    app.selectbox(key="town").select(ALL_TOWNS).run()
    app.selectbox(key="year").select(2024).run()
    app.switch_page("views/tickets.py").run()
    assert not app.exception
    return app


def open_tab(app: AppTest, label: str) -> AppTest:
    app.session_state["tickets_tab"] = label  # what a click on the tab does
    app.run()
    assert not app.exception
    return app


def village_table(app: AppTest):
    """The one table of the 各村(社区) tab: the other tabs' tables are not built."""
    assert app.session_state["tickets_tab"] == "各村(社区)"
    assert len(app.dataframe) == 1
    return app.dataframe[0].value


def expected_villages(county: Database) -> list[str]:
    with county.read() as cur:
        whole = run_query(cur, "ticket_resolution_by_village", year=2024, town=None, area=None, villages=None)
    return [f"{town}·{village}" for town, village in zip(whole["town"], whole["village"], strict=True)]


def test_the_kind_cards_show_each_kinds_count_for_the_year(app, county, settings):
    with county.read() as cur:
        kinds = run_query(cur, "tickets_by_kind", year=2024, town=None, area=None, villages=None)
    shown = {m.label: m.value for m in app.metric}
    assert len(kinds) == len(settings.ticket_kinds)
    for kind, tickets in zip(kinds["kind"], kinds["tickets"], strict=True):
        label, figure = fmt.count_card(kind, int(tickets), settings.ticket_unit(kind))
        assert shown[label] == figure
    assert any("（万" in label for label in shown), "one kind has more than 1万 tickets: its card is in 万"


def test_only_the_open_tab_is_built_and_across_towns_the_towns_come_first(app, county, settings):
    assert [t.label for t in app.tabs] == ["按诉求类别", "各村(社区)", "各镇(街道)", "工单明细"]
    # across towns the town ranking is open: its chart beside the funnel and the months, no table
    assert len(app.dataframe) == 0 and len(app_charts.charts(app)) == 3
    assert any("各镇(街道)排名" in h.value for h in app.subheader)
    open_tab(app, "按诉求类别")
    assert len(app.dataframe) == 1
    assert "类别" in app.dataframe[0].value.columns
    assert len(app_charts.charts(app)) == 2  # the funnel and the months
    open_tab(app, "工单明细")
    assert len(app.dataframe) == 1 and "工单编号" in app.dataframe[0].value.columns
    # one town chosen: the ranking has nothing to compare, the categories come first
    app.selectbox(key="town").select(settings.town).run()
    assert [t.label for t in app.tabs] == ["按诉求类别", "各村(社区)", "各镇(街道)", "工单明细"]
    assert len(app.dataframe) == 1 and "类别" in app.dataframe[0].value.columns
    open_tab(app, "各镇(街道)")
    assert len(app_charts.charts(app)) == 2
    assert any("全部镇(街道)" in c.value for c in app.caption)


def test_the_village_table_pages_through_every_unit_in_the_whole_results_order(app, county):
    open_tab(app, "各村(社区)")
    order = expected_villages(county)
    assert len(order) == SMALL.units
    picker = app.number_input(key="tickets_villages_page")
    assert picker.max == 2
    first = village_table(app)
    assert len(first) == 200
    assert [f"{t}·{v}" for t, v in zip(first["镇(街道)"], first["村(社区)"], strict=True)] == order[:200]
    assert "共 260 行" in " ".join(c.value for c in app.caption)

    picker.set_value(2).run()
    assert not app.exception
    second = village_table(app)
    assert [f"{t}·{v}" for t, v in zip(second["镇(街道)"], second["村(社区)"], strict=True)] == order[200:]


def test_the_village_page_shows_the_figures_of_the_whole_result(app, county):
    open_tab(app, "各村(社区)")
    with county.read() as cur:
        whole = run_query(cur, "ticket_resolution_by_village", year=2024, town=None, area=None, villages=None)
    columns = ["town", "village", "tickets", "done", "median_hours", "average_rating", "satisfied_pct"]
    expected = exports.present(whole.iloc[:200], columns)
    assert village_table(app).equals(expected)


def test_a_narrower_scope_after_the_second_page_starts_again_at_the_first(app, county, settings):
    open_tab(app, "各村(社区)")
    app.number_input(key="tickets_villages_page").set_value(2).run()
    app.selectbox(key="town").select(settings.town).run()
    assert not app.exception
    table = village_table(open_tab(app, "各村(社区)"))
    assert len(table) == SMALL.villages_per_town  # one town's units, on the one page there is
    assert "村(社区)" in table.columns and "镇(街道)" not in table.columns
    assert not [n for n in app.number_input if n.key == "tickets_villages_page"]


def test_a_one_town_database_has_no_town_tab(served_town, demo_db):
    app = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    app.switch_page("views/tickets.py").run()
    assert not app.exception
    assert [t.label for t in app.tabs] == ["按诉求类别", "各村(社区)", "工单明细"]
    open_tab(app, "各村(社区)")
    year = app.selectbox(key="year").value
    with demo_db.read() as cur:
        whole = run_query(cur, "ticket_resolution_by_village", year=year, town=None, area=None, villages=None)
    assert village_table(app)["村(社区)"].tolist() == whole["village"].tolist()  # one page, no picker
    assert not [n for n in app.number_input if n.key == "tickets_villages_page"]
