"""The county/city generator: its data obeys the rules an import enforces, and every page works on it.

A small county (20 towns × 20 villages, fewer tickets than the real preset) is built
once per run. Timings are not tested here: benchmarks/ prints them.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from village_stats import charts, scale, ticket_counts
from village_stats.datasets import DATASETS
from village_stats.db import Database
from village_stats.importing import DemoRefused
from village_stats.queries import run_query

SMALL_COUNTY = replace(scale.SCALES["county"], projects=2_000, tickets=40_000, problems=4_000)
DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")
PAGES = [
    "views/overview.py",
    "views/income.py",
    "views/projects.py",
    "views/stars.py",
    "views/tickets.py",
    "views/problems.py",
    "views/report.py",
    "views/presenter.py",
]
ALL = {"town": None, "area": None, "villages": None}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, settings) -> scale.Built:
    return scale.build(tmp_path_factory.mktemp("county") / "county.duckdb", SMALL_COUNTY, settings)


@pytest.fixture(scope="module")
def county_db(county, settings) -> Database:
    return Database(county.path, settings.lock_wait_seconds)


def test_sizes_are_the_ones_asked_for(county, county_db):
    units = SMALL_COUNTY.units
    rows = dict(county.rows)
    studios, cadres = rows.pop("secretary_studios"), rows.pop("cadres")
    assert rows == {
        "villages": units,
        "village_income": units * SMALL_COUNTY.years,
        "projects": SMALL_COUNTY.projects,
        "star_ratings": units * SMALL_COUNTY.years,
        "service_tickets": SMALL_COUNTY.tickets,
        "problems": SMALL_COUNTY.problems,
        "member_points": units * SMALL_COUNTY.points_members * 8,  # quarterly, the last two years
        "sage_activities": units * SMALL_COUNTY.years * SMALL_COUNTY.sages_per_unit_year,
    }
    # about four in ten units have a studio; every unit has 5 两委 and a 党务专员, most a reserve or two
    assert 0.25 * units < studios < 0.55 * units
    assert 6 * units < cadres < 8 * units
    with county_db.read() as cur:
        towns, communities = cur.execute(
            "select count(distinct town), count(*) filter (where kind = '社区') from villages"
        ).fetchone()
        years = cur.execute("select count(distinct year(ordered_at)) from service_tickets").fetchone()[0]
    assert towns == SMALL_COUNTY.towns
    assert communities == 2 * SMALL_COUNTY.towns
    assert years == SMALL_COUNTY.years


def _violations(cur, dataset, settings) -> dict[str, int]:
    """Rows of the stored table that break a rule of the data model, per rule."""
    table = dataset.table
    found: dict[str, int] = {}

    def count(label: str, condition: str, params: dict | None = None) -> None:
        found[label] = cur.execute(f"select count(*) from {table} where {condition}", params or {}).fetchone()[0]

    for column in dataset.columns:
        stored = column.name
        if column.required:
            count(f"{stored} required", f"{stored} is null")
        if column.minimum is not None:
            count(f"{stored} >= {column.minimum}", f"{stored} < $v", {"v": column.minimum})
        if column.maximum is not None:
            count(f"{stored} <= {column.maximum}", f"{stored} > $v", {"v": column.maximum})
        choices = getattr(settings, column.choices_setting) if column.choices_setting else column.choices
        if choices:
            count(
                f"{stored} in choices",
                f"{stored} is not null and not list_contains($v, {stored})",
                {"v": list(choices)},
            )
        if column.kind == "village":
            count(
                f"{stored} in registry",
                f"{stored} is not null and (town, {stored}) not in (select (town, name) from villages)",
            )
    for check in dataset.checks:
        count(check.code + ":" + check.column, check.bad_when)
    key = ", ".join(dataset.key)
    found["key unique"] = cur.execute(
        f"select count(*) from (select {key} from {table} group by {key} having count(*) > 1)"
    ).fetchone()[0]
    return found


def test_the_generator_counts_its_tickets(county_db):
    """ticket_counts is filled in the generator's own transaction: every year, exactly."""
    with county_db.read() as cur:
        assert cur.execute("select sum(tickets) from ticket_counts").fetchone()[0] == SMALL_COUNTY.tickets
        assert ticket_counts.stale_years(cur) == []


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_generated_data_passes_the_import_rules(county_db, settings, dataset):
    with county_db.read() as cur:
        found = _violations(cur, DATASETS[dataset], settings)
    assert found, "no rule was checked"
    assert {rule: n for rule, n in found.items() if n} == {}


def test_the_rule_check_can_fail(county, settings, tmp_path):
    """The same checks find broken rows the schema's CHECKs let through: an unknown kind, an unknown village."""
    path = tmp_path / "broken.duckdb"
    shutil.copy2(county.path, path)
    broken = Database(path, settings.lock_wait_seconds)
    with broken.write() as con:
        con.execute(
            "update service_tickets set kind = '其他' where ticket_id = (select min(ticket_id) from service_tickets)"
        )
        con.execute(
            "update problems set village = '不存在村' where problem_id = (select min(problem_id) from problems)"
        )
    with broken.read() as cur:
        tickets = _violations(cur, DATASETS["tickets"], settings)
        problems = _violations(cur, DATASETS["problems"], settings)
    assert tickets["kind in choices"] == 1
    assert problems["village in registry"] == 1


def test_the_same_sizes_give_the_same_database(settings, tmp_path, county_db):
    again = scale.build(tmp_path / "again.duckdb", SMALL_COUNTY, settings)
    checksum = "select sum(hash(ticket_id, village, ordered_at, done_at, rating)) from service_tickets"
    with county_db.read() as cur:
        first = cur.execute(checksum).fetchone()
    with Database(again.path).read() as cur:
        second = cur.execute(checksum).fetchone()
    assert first == second


def test_a_rebuild_keeps_user_imports_unless_forced(demo_copy, settings):
    with demo_copy.write() as con:
        con.execute("update imports set imported_by = '张三' where import_id = 1")
    with pytest.raises(DemoRefused):
        scale.build(demo_copy.path, replace(SMALL_COUNTY, towns=2, tickets=100), settings)
    with demo_copy.read() as cur:
        assert cur.execute("select count(*) from imports").fetchone()[0] > 0


def test_town_rollup_adds_up_to_the_whole(county_db, settings):
    tiers = settings.tier_params()
    with county_db.read() as cur:
        rollup = run_query(cur, "town_rollup", year=2024, **ALL, t1=tiers["t1"], t3=tiers["t3"])
        tickets = run_query(cur, "ticket_resolution", year=2024, **ALL)
        totals = run_query(cur, "project_totals", year=2024, **ALL)
        one_town = rollup.iloc[3]
        stars = run_query(cur, "star_summary", year=2024, town=one_town["town"], area=None, villages=None)
    assert len(rollup) == SMALL_COUNTY.towns
    assert int(rollup["units"].sum()) == SMALL_COUNTY.units
    assert int(rollup["tickets"].sum()) == int(tickets["tickets"].iloc[0]) > 0
    assert int(rollup["projects"].sum()) == int(totals["projects"].iloc[0]) > 0
    assert rollup["planned_investment"].sum() == totals["planned_investment"].iloc[0]
    assert int(one_town["five_star"]) == int(stars["five_star"].iloc[0])


def _chart_points(app: AppTest) -> list[int]:
    """Data points per chart the page sends to the browser."""
    points = []
    for spec in app_charts.figures(app):
        total = 0
        for trace in spec.get("data", []):
            for axis in ("x", "y", "z", "values"):
                values = trace.get(axis)
                if isinstance(values, list):
                    total += sum(len(v) if isinstance(v, list) else 1 for v in values)
        points.append(total)
    return points


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_whole_county(county, monkeypatch, settings, page):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(county.path))
    app = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    town = app.selectbox(key="town")
    assert town.value == settings.town  # the configured town is one of the generated ones, and preselected
    town.select("全部镇(街道)").run()
    app.switch_page(page).run()
    assert not app.exception
    assert app.title[0].value
    if page != "views/presenter.py":
        assert "全域" in " ".join(c.value for c in app.caption)
    if page in PAGES[:6]:
        assert len(app.metric) >= 4
        points = _chart_points(app)
        assert points, "the page drew no chart"
        # 400 villages: every chart is cut to a ranking, a rollup or a search, never one bar per village
        assert max(points) < 400


MECHANISM_PAGES = ["views/points.py", "views/studios.py", "views/sages.py", "views/cadres.py"]


@pytest.mark.parametrize("page", MECHANISM_PAGES)
def test_every_mechanism_page_ranks_the_towns_of_the_county(county, monkeypatch, settings, page):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(county.path))
    app = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    app.selectbox(key="town").select("全部镇(街道)").run()
    app.switch_page(page).run()
    assert not app.exception
    assert "全域" in " ".join(c.value for c in app.caption)
    assert len(app.metric) >= 4
    assert not [m for m in app.metric if m.value.startswith("0")], "the generated county has data for every card"
    assert any(h.value.startswith("各镇(街道)排名") for h in app.subheader)
    points = _chart_points(app)
    assert points and max(points) < 400  # towns ranked, 20 shown; never one bar or line per branch
    # tables show a page of rows, with the town beside the village
    for table in app.dataframe:
        assert len(table.value) <= 200
        if "村(社区)" in table.value.columns or "所属支部" in table.value.columns:
            assert "镇(街道)" in table.value.columns


def test_the_report_workbook_is_built_on_click_with_every_table(county, monkeypatch, settings):
    """The 汇报导出 page previews without the detail tables; its Excel button builds them all."""
    import io
    from datetime import date

    import openpyxl

    from village_stats import ui
    from village_stats.queries import Scope

    monkeypatch.setenv("VILLAGE_STATS_DB", str(county.path))
    workbook = ui.report_workbook(2024, Scope(), date(2025, 6, 30))
    book = openpyxl.load_workbook(io.BytesIO(workbook()), read_only=True)
    sheets = book.sheetnames
    assert sheets[:2] == ["目录", "核心指标"]
    # the workbook's sections, in the order of the deck's (the test below reads the deck's)
    listed = list(dict.fromkeys(row[0] for row in book["目录"].iter_rows(min_row=3, values_only=True)))
    assert listed[0] == "村级集体经济发展情况" and len(listed) >= 8
    assert {"工单明细", "问题整改明细", "项目明细", "村财收入明细"} <= set(sheets)


@pytest.mark.parametrize(
    ("query", "columns"),
    [
        ("town_income", ["villages_t1", "t1_pct", "total_income"]),
        ("town_projects", ["projects", "planned_investment"]),
        ("town_stars", ["five_star", "weak_units"]),
        ("town_tickets", ["tickets", "satisfied_pct"]),
        ("town_problems", ["problems", "rectified_pct"]),
    ],
)
def test_each_page_town_ranking_agrees_with_the_overview_rollup(county_db, settings, query, columns):
    tiers = settings.tier_params()
    with county_db.read() as cur:
        rollup = run_query(cur, "town_rollup", year=2023, **ALL, t1=tiers["t1"], t3=tiers["t3"])
        params = {"t1": tiers["t1"]} if query == "town_income" else {}
        own = run_query(cur, query, year=2023, **ALL, **params)
    assert len(own) == SMALL_COUNTY.towns
    merged = rollup.set_index("town")[columns].astype(float)
    assert own.set_index("town")[columns].astype(float).equals(merged)


TICKET_QUERIES = [
    "ticket_resolution",
    "ticket_resolution_by_category",
    "ticket_resolution_by_village",
    "tickets_detail",
    "ticket_resolution_by_village_page",
]
# the queries that count tickets read ticket_counts (v9), kept by every writer of the tickets
COUNTING_QUERIES = ["tickets_by_kind", "ticket_funnel", "tickets_by_month", "town_tickets"]
# the scope as every ticket query joined it before scoped_tickets skipped the join, and the counts
# as the queries computed them from the tickets before ticket_counts
JOINED = """
create or replace temp macro joined_tickets(p_year, p_town, p_area, p_villages) as table
    select t.*
    from service_tickets as t
    inner join scoped_units(p_town, p_area, p_villages) as u on t.town = u.town and t.village = u.village
    where year(t.ordered_at) = p_year;
create or replace temp macro joined_ticket_counts(p_year, p_town, p_area, p_villages) as table
    select
        year(ordered_at)::integer as year, town, village, kind, month(ordered_at)::integer as month,
        count(*) as tickets, count(claimed_at) as claimed, count(dispatched_at) as dispatched,
        count(done_at) as done, count(rating) as rated, count(*) filter (where rating >= 3) as satisfied,
        coalesce(sum(rating), 0)::bigint as rating_sum
    from joined_tickets(p_year, p_town, p_area, p_villages)
    group by all;
"""


def four_scopes(cur) -> list[dict[str, object]]:
    """全部, one town, one 片区, and both: the scopes whose shortcuts a scoped_… macro takes or not."""
    town, area = cur.execute("select town, area from villages order by town, name limit 1").fetchone()
    return [ALL, {**ALL, "town": town}, {**ALL, "area": area}, {**ALL, "town": town, "area": area}]


def assert_as_joined(cur, query: str, macro: str, runs: list[dict[str, object]]) -> None:
    """`query`, which reads `macro` (a scoped_… table macro), gives exactly the rows it gives with the
    temp joined_… macro of the same name in its place, for each set of parameters in `runs`."""
    from village_stats.queries import load_query

    named = load_query(query)
    assert f"{macro}(" in named.sql
    reference = named.sql.replace(f"{macro}(", f"{macro.replace('scoped_', 'joined_')}(")
    for params in runs:
        got = run_query(cur, query, **params)
        expected = cur.execute(reference, params).df()
        assert len(got) > 0
        assert got.equals(expected), (query, params)


@pytest.mark.parametrize("query", TICKET_QUERIES + COUNTING_QUERIES)
def test_ticket_queries_without_the_registry_join_give_what_the_join_gives(county_db, query):
    """scoped_tickets and scoped_ticket_counts leave out the join to the registry when no 片区/村 filter is
    set, and the counts are read from ticket_counts: the same rows, exactly, as counting the joined tickets."""
    from village_stats.queries import load_query

    macro = "scoped_ticket_counts" if query in COUNTING_QUERIES else "scoped_tickets"
    with county_db.read() as cur:
        cur.execute(JOINED)
        runs = [{"year": 2023, **scope} for scope in four_scopes(cur)]
        if "limit" in load_query(query).params:  # a page that is not the first (a 片区 of one town has ~5 units)
            runs = [{**params, "limit": 50, "offset": 2 if "village" in query else 20} for params in runs]
        assert_as_joined(cur, query, macro, runs)


POINTS_QUERIES = [
    "points_by_branch",
    "points_distribution",
    "points_low",
    "points_summary",
    "points_top",
    "town_points",
]
# the points of a year and scope as the queries selected them before scoped_points (v10)
JOINED_POINTS = """
create or replace temp macro joined_points(p_year, p_town, p_area, p_villages) as table
    select p.*
    from member_points as p
    inner join scoped_units(p_town, p_area, p_villages) as u on p.town = u.town and p.village = u.village
    where left(p.period, 4) = cast(p_year as varchar)
"""


@pytest.mark.parametrize("query", POINTS_QUERIES)
def test_points_queries_without_the_registry_join_give_what_the_join_gives(county_db, query):
    """scoped_points leaves out the registry join without a 片区/村 filter and reads the year as a range of
    period: the same rows, exactly, as the join and left(period, 4) gave."""
    from village_stats.queries import load_query

    declared = load_query(query).params
    with county_db.read() as cur:
        cur.execute(JOINED_POINTS)
        found = cur.execute("select distinct left(period, 4)::integer from member_points order by 1").fetchall()
        years = [year for (year,) in found]
        assert len(years) >= 2  # a year with points after it: the range must not reach into the next year
        runs = [
            {k: v for k, v in {"year": year, **scope, "threshold": 70, "limit": 10}.items() if k in declared}
            for year in years
            for scope in four_scopes(cur)
        ]
        assert_as_joined(cur, query, "scoped_points", runs)


# every ticket of the scope and year, sorted as the detail table is and cut to one page: no shortcut
DETAIL_REFERENCE = """
select ticket_id, ordered_at, done_at
from joined_tickets($year, $town::varchar, $area::varchar, $villages::varchar[])
order by done_at is not null, ordered_at desc, ticket_id
limit $limit
offset $offset
"""


def test_ticket_detail_pages_are_the_fully_sorted_tickets_cut_there(county_db, settings):
    """tickets_detail reads only the days a page can come from; on a county's open and finished tickets,
    at the start, across the open/finished boundary, deep in the year and past its end, it equals a full sort."""
    last_year = SMALL_COUNTY.first_year + SMALL_COUNTY.years - 1
    with county_db.read() as cur:
        cur.execute(JOINED)
        town = cur.execute("select min(town) from villages").fetchone()[0]
        for year in (2023, last_year):
            for scope in (ALL, {**ALL, "town": town}):
                params = {"year": year, **scope}
                tickets, still_open = cur.execute(
                    "select count(*), count(*) - count(done_at) from joined_tickets($year, $town, $area, $villages)",
                    params,
                ).fetchone()
                if year == last_year and scope is ALL:
                    assert still_open > 200, "the generated last year has open tickets"
                cuts = [(200, 0), (200, 200), (50, max(still_open - 20, 0)), (1, still_open), (200, tickets // 2)]
                cuts += [(200, tickets - 150), (200, tickets), (1000, 0), (7, 1234)]
                for limit, offset in cuts:
                    page = {**params, "limit": limit, "offset": offset}
                    got = run_query(cur, "tickets_detail", **page)
                    expected = cur.execute(DETAIL_REFERENCE, page).df()
                    assert got["ticket_id"].tolist() == expected["ticket_id"].tolist(), (year, scope, limit, offset)
                    assert len(got) == max(0, min(limit, tickets - offset))


def test_the_village_page_query_is_the_whole_per_village_result_cut(county_db):
    with county_db.read() as cur:
        whole = run_query(cur, "ticket_resolution_by_village", year=2024, **ALL)
        assert len(whole) == SMALL_COUNTY.units
        for offset in (0, 200, SMALL_COUNTY.units - 50):
            page = run_query(cur, "ticket_resolution_by_village_page", year=2024, **ALL, limit=200, offset=offset)
            assert page["units"].tolist() == [len(whole)] * len(page)
            assert page.drop(columns="units").equals(whole.iloc[offset : offset + 200].reset_index(drop=True))


def test_the_report_across_towns_says_全域_not_全镇(county, monkeypatch, settings):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(county.path))
    app = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    app.selectbox(key="town").select("全部镇(街道)").run()
    app.switch_page("views/report.py").run()
    assert not app.exception
    shown = " ".join(m.value for m in app.main.markdown)  # the sidebar carries the app's own name
    year = app.selectbox(key="year").value
    assert f"**全域{year}年度村情工作汇报**" in shown
    assert f"{year}年全域" in shown  # the narrative
    assert "全镇" not in shown
    # a unit across towns is named 镇·村 (青溪镇·上田 in 存在的问题); the report itself is not the town's
    assert settings.town not in shown.replace(f"{settings.town}·", "")
    # one town of the county is still that town's report
    app.selectbox(key="town").select(settings.town).run()
    assert f"**{settings.town}{year}年度村情工作汇报**" in " ".join(m.value for m in app.main.markdown)


def test_across_towns_the_studio_target_is_each_towns_and_units_are_named_with_their_town(county_db, settings):
    from village_stats import mechanisms

    with county_db.read() as cur:
        coverage = run_query(cur, "studio_coverage", year=2025, **ALL).iloc[0]
        cadres = run_query(cur, "cadre_summary", year=2025, **ALL).iloc[0]
        town = cur.execute("select min(town) from villages").fetchone()[0]
        one_town = run_query(cur, "cadre_summary", year=2025, **{**ALL, "town": town}).iloc[0]
        stars = run_query(cur, "star_summary", year=2025, **ALL).iloc[0]
    # 20 towns of 20 units, a target of 25 a town: 400, not 25
    assert list(coverage["town_units"]) == [SMALL_COUNTY.villages_per_town] * SMALL_COUNTY.towns
    goal = mechanisms.studio_goal(settings.studio_target, coverage["town_units"])
    assert goal == SMALL_COUNTY.towns * min(settings.studio_target, SMALL_COUNTY.villages_per_town)
    names = str(cadres["without_reserve_names"]).split("、")
    assert len(names) == int(cadres["units_without_reserve"]) > 1
    assert all("·" in name for name in names) and len(set(names)) == len(names)
    weak = str(stars["weak_names"]).split("、")
    assert len(weak) == int(stars["weak_units"]) > 1 and all("·" in name for name in weak)
    if int(one_town["units_without_reserve"]):
        assert "·" not in str(one_town["without_reserve_names"])  # one town: plain short names


def test_report_slides_across_towns_show_the_top_units_named_with_their_town(county_db, settings):
    import io
    from datetime import date

    from pptx import Presentation

    from village_stats import reports
    from village_stats.queries import Scope

    requests = reports.report_requests(2024, settings, Scope(), date(2025, 6, 30), tables=False)
    with county_db.read() as cur:
        results = {role: run_query(cur, name, **params) for role, (name, params) in requests.items()}
    report = reports.build(2024, results, settings, Scope(), date(2025, 6, 30), spans_towns=True)
    slides = {chart.key: chart for chart in report.charts}
    for key, shown in (("income_ranking", reports.RANKING_BARS), ("points_branches", charts.MAX_COLUMNS)):
        assert len(slides[key].categories) == shown
        assert all("·" in name for name in slides[key].categories)
        assert f"最高的{shown}个" in slides[key].title
    assert slides["income_ranking"].kind == "bar"  # more than 12 names: horizontal bars, sorted
    assert "其余" in slides["income_ranking"].takeaway  # the rest summarised, not dropped in silence

    # the five outputs' sections agree for a county too (the pages are covered on the demo town)
    expected = report.section_titles()
    deck = Presentation(io.BytesIO(reports.to_pptx_bytes(report)))
    charted = [slide for slide in deck.slides if any(s.has_chart for s in slide.shapes)]
    titles = [
        next(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text) for slide in charted
    ]
    assert list(dict.fromkeys(titles)) == expected
    assert [s.title for s in report.screens() if s.section] == [s.title for s in report.slides() if s.section]
