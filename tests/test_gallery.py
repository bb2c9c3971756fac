"""The 自助查询 page's content: example questions run on the demo town, menus build safe SQL,
saved queries round-trip, the table browser describes every column, quick charts draw."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from village_stats import charts, gallery, sandbox
from village_stats.gallery import EXAMPLES, BuildError, Filter, build_query
from village_stats.sandbox import Limits, Result, SandboxRefused, run_sql

LIMITS = Limits(seconds=20)
KEY_QUESTION = "哪些村村财收入不足20万且今年没有项目"


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory, demo_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sandbox's locked-down connection, opened in this process on a private copy of the demo town.

    Running the sandbox's own code here (check, connect, fetch) spares a child process per query;
    tests/test_sandbox.py covers the process around it.
    """
    path = tmp_path_factory.mktemp("gallery") / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    con = sandbox._connect(path, LIMITS)
    yield con
    con.close()


def sandboxed(con: duckdb.DuckDBPyConnection, sql: str) -> Result:
    return sandbox._table_result(sandbox._fetch(con, sandbox.check_statement(sql), LIMITS))


@pytest.fixture(scope="module")
def answers(locked: duckdb.DuckDBPyConnection) -> dict[str, Result]:
    return {example.title: sandboxed(locked, example.sql) for example in EXAMPLES}


# ---- example questions --------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title for e in EXAMPLES])
def test_every_example_runs_in_the_sandbox_on_the_demo_town(answers, example):
    answer = answers[example.title]
    assert not answer.truncated and len(answer.frame.columns) >= 2
    assert example.sql.startswith("-- "), "each example opens with its question as a comment"


def test_examples_have_distinct_titles_and_the_key_question_comes_first():
    titles = [e.title for e in EXAMPLES]
    assert len(set(titles)) == len(titles)
    assert titles[0] == KEY_QUESTION


def test_examples_answer_with_rows_on_the_demo_town(answers):
    empty = [title for title, answer in answers.items() if title != KEY_QUESTION and answer.rows == 0]
    assert empty == []


def test_the_key_question_finds_a_poor_village_without_projects(demo_copy):
    example = EXAMPLES[0]
    # on the demo town every village under 20万 in 2024 (only 荷塘村) has projects: nothing to list
    assert run_sql(demo_copy.path, example.sql, LIMITS).rows == 0
    with demo_copy.write() as con:
        con.execute("delete from projects where year = 2024 and village = '荷塘村'")
    answer = run_sql(demo_copy.path, example.sql, LIMITS).frame
    assert list(answer.columns) == ["年度", "村", "村财收入(万元)"]
    assert answer.to_dict("records") == [{"年度": 2024, "村": "荷塘村", "村财收入(万元)": 15.6}]


def test_the_income_ranking_example_matches_the_seed(answers):
    ranking = answers["最近一年各村(社区)村财收入排名"].frame
    assert list(ranking["村(社区)"][:3]) == ["北垞村", "竹秀村", "岑下村"]


# ---- menus --------------------------------------------------------------------------------------


def test_menus_answer_which_villages_are_under_20_wan(locked):
    sql = build_query(
        "village_income",
        [Filter("year", "=", "2024"), Filter("total_income", "<", "20")],
    )
    assert "total_income < 200000" in sql  # typed in 万元, stored in 元
    frame = sandboxed(locked, sql).frame
    assert list(frame["村(社区)名称"]) == ["荷塘村"]
    assert list(frame["村集体经济总收入(万元)"]) == [15.6]


def test_menus_group_and_sum_like_the_projects_page(demo_db, locked):
    sql = build_query("projects", [Filter("year", "=", "2024")], ["arena"], "sum", "planned_investment")
    frame = sandboxed(locked, sql).frame
    with demo_db.read() as cur:
        total = cur.execute("select sum(planned_investment) / 10000 from projects where year = 2024").fetchone()[0]
    assert len(frame) == 5
    assert frame["计划总投资合计(万元)"].sum() == pytest.approx(float(total), abs=0.05)
    assert frame["计划总投资合计(万元)"].is_monotonic_decreasing


def test_menus_count_per_group_without_an_aggregate(locked):
    sql = build_query("star_ratings", [Filter("year", "=", "2024")], ["stars"])
    frame = sandboxed(locked, sql).frame
    assert dict(zip(frame["星级"], frame["记录数"], strict=True))[5] == 14


def test_menus_filter_timestamps_by_year_and_text_by_contains(locked):
    tickets = build_query("service_tickets", [Filter("ordered_at", "year", "2023")], [], "count")
    assert sandboxed(locked, tickets).frame["记录数"][0] == 6 + 15 + 178
    villages = build_query("villages", [Filter("name", "contains", "社区")], [], "count")
    assert sandboxed(locked, villages).frame["记录数"][0] == 2


def test_a_typed_value_never_becomes_sql(locked):
    sneaky = "北垞村'; drop table villages; --"
    sql = build_query("villages", [Filter("name", "=", sneaky)])
    assert "'北垞村''; drop table villages; --'" in sql
    assert sandboxed(locked, sql).rows == 0
    with pytest.raises(BuildError, match="要填数字"):
        build_query("village_income", [Filter("total_income", "<", "20 or 1=1")])
    with pytest.raises(BuildError, match="日期"):
        build_query("problems", [Filter("deadline", "<", "明天")])
    with pytest.raises(BuildError, match="是”或“否"):
        build_query("star_ratings", [Filter("weak", "=", "true or 1=1")])


def test_menus_accept_only_ledger_tables_and_their_columns():
    with pytest.raises(BuildError):
        build_query("saved_queries")
    with pytest.raises(BuildError, match="没有列"):
        build_query("villages", [Filter("name; drop table villages", "=", "x")])
    with pytest.raises(BuildError, match="不能按"):
        build_query("villages", [Filter("population", "contains", "1")])
    with pytest.raises(BuildError, match="不能按"):
        build_query("village_income", group_by=["total_income"])
    with pytest.raises(BuildError, match="不是数字"):
        build_query("villages", aggregate="sum", measure="name")


def test_every_menu_column_exists_in_the_database(demo_db):
    with demo_db.read() as cur:
        tables = {t.name: {c.name for c in t.columns} for t in gallery.catalog(cur)}
    for dataset in gallery.menu_tables():
        assert {c.name for c in dataset.columns} <= tables[dataset.table]


# ---- saved queries ------------------------------------------------------------------------------


def test_saved_queries_round_trip(demo_copy):
    first = gallery.save_query(demo_copy, " 五星级村 ", "最近一年", EXAMPLES[6].sql, "农经站")
    second = gallery.save_query(demo_copy, "村数", "", "select count(*) from villages", "本机用户")
    with demo_copy.read() as cur:
        listed = gallery.saved_queries(cur)
        found = gallery.saved_query(cur, str(first))
        assert gallery.saved_query(cur, "abc") is None
        assert gallery.saved_query(cur, "999") is None
    assert [q.id for q in listed] == [second, first]
    assert (found.name, found.description, found.created_by) == ("五星级村", "最近一年", "农经站")
    assert found.sql == EXAMPLES[6].sql.strip()
    assert list(gallery.saved_frame(listed)["链接"]) == [f"?q={second}", f"?q={first}"]


@pytest.mark.parametrize(
    ("name", "sql", "refusal"),
    [
        ("  ", "select 1", gallery.SaveRefused),
        ("改数据", "delete from villages", SandboxRefused),
        ("两条", "select 1; select 2", SandboxRefused),
    ],
)
def test_a_query_that_cannot_run_is_not_saved(demo_copy, name, sql, refusal):
    with pytest.raises(refusal):
        gallery.save_query(demo_copy, name, "", sql, "本机用户")
    with demo_copy.read() as cur:
        assert gallery.saved_queries(cur) == []


# ---- the table browser --------------------------------------------------------------------------


def test_the_catalog_lists_every_table_with_counts_and_chinese_descriptions(demo_db):
    with demo_db.read() as cur:
        tables = gallery.catalog(cur)
        counts = {t: cur.execute(f"select count(*) from {t}").fetchone()[0] for t in ("villages", "projects")}
        sample = gallery.sample(cur, tables[0])
    names = [t.name for t in tables]
    assert names[:6] == ["villages", "village_income", "projects", "star_ratings", "service_tickets", "problems"]
    assert {"saved_queries", "imports"} <= set(names)
    # only what ad-hoc SQL may query: not the undo log (it keeps whole old rows) nor bookkeeping
    assert set(names) == sandbox.USER_TABLES and not {"import_rows", "schema_version"} & set(names)
    by_name = {t.name: t for t in tables}
    assert by_name["villages"].rows == counts["villages"] == 25
    assert by_name["projects"].rows == counts["projects"]
    assert by_name["village_income"].title == "村级集体经济收入"
    undescribed = [(t.name, c.name) for t in tables for c in t.columns if not c.description]
    assert undescribed == []
    income = {c.name: c for c in by_name["village_income"].columns}
    assert income["total_income"].label == "村集体经济总收入(元)"
    assert "除以 10000 为万元" in income["total_income"].description
    assert len(sample) == 5 and list(sample.columns) == [c.name for c in tables[0].columns]


# ---- quick charts -------------------------------------------------------------------------------

FRAME = pd.DataFrame(
    {
        "年度": pd.array([2022, 2023, 2024, 2024], dtype="Int64"),
        "片区": ["东片", "西片", "东片", "西片"],
        "收入": [12.5, 20.0, 31.2, 8.0],
    }
)


@pytest.mark.parametrize("kind", list(charts.QUICK_KINDS))
@pytest.mark.parametrize("color", [None, "片区"])
def test_quick_charts_draw_every_kind_in_the_house_style(kind, color):
    figure = charts.quick_chart(FRAME, kind, "年度", "收入", color)
    assert figure.layout.font.family == charts.FONT
    expected = {"bar": "bar", "line": "scatter", "pie": "pie", "scatter": "scatter", "treemap": "treemap"}[kind]
    assert {trace.type for trace in figure.data} == {expected}
    if kind in ("bar", "line", "scatter"):
        assert len(figure.data) == (2 if color else 1)


def test_quick_chart_years_are_categories_and_counts_need_no_value_column():
    figure = charts.quick_chart(FRAME, "bar", "年度", None, None)
    assert list(figure.data[0].x) == ["2022", "2023", "2024"]
    assert list(figure.data[0].y) == [1, 1, 2]
    assert figure.layout.yaxis.title.text == charts.COUNT


def test_quick_chart_explains_what_it_cannot_draw():
    assert "不是数字" in charts.quick_chart(FRAME, "bar", "年度", "片区").layout.annotations[0].text
    assert "没有数据" in charts.quick_chart(FRAME.iloc[:0], "pie", "年度", "收入").layout.annotations[0].text
