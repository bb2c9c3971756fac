"""Ad-hoc SQL by allowlist: every function DuckDB has is decided, the escapes are refused by name,
what a statistician writes still runs, and member names below the threshold stay hidden."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from village_stats import gallery, mechanisms, sandbox, sql_allowlist
from village_stats.sandbox import SandboxError, SandboxRefused, check_statement, run_sql

FAST = sandbox.Limits(seconds=3.0, memory="256MB")
EXPRESSION_KINDS = ("scalar", "aggregate", "window", "macro")
TABLE_KINDS = ("table", "table_macro")


def functions(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("select distinct function_name, function_type from duckdb_functions()").fetchall())


def test_every_function_duckdb_has_is_allowed_or_denied(demo_db_path):
    """A DuckDB upgrade that adds a function fails here until someone decides about it."""
    con = duckdb.connect(str(demo_db_path), read_only=True)  # built-ins and our own macros
    try:
        found = functions(con)
    finally:
        con.close()
    undecided = sorted(
        (name, kind)
        for name, kind in found
        if not (
            (kind in EXPRESSION_KINDS and name in sql_allowlist.ALLOWED_FUNCTIONS | sql_allowlist.DENIED_FUNCTIONS)
            or (
                kind in TABLE_KINDS
                and name in sql_allowlist.ALLOWED_TABLE_FUNCTIONS | sql_allowlist.DENIED_TABLE_FUNCTIONS
            )
            or (kind == "pragma" and name in sql_allowlist.DENIED_PRAGMAS)
        )
    )
    assert undecided == []
    assert not sql_allowlist.ALLOWED_FUNCTIONS & sql_allowlist.DENIED_FUNCTIONS
    assert not sql_allowlist.ALLOWED_TABLE_FUNCTIONS & sql_allowlist.DENIED_TABLE_FUNCTIONS


def test_our_macros_are_the_ones_listed_and_the_allowed_ones_read_no_table(demo_db_path):
    """A macro added to queries/_macros.sql must be decided here; an allowed one must not read a table,
    or a statistician could reach around the table allowlist through it."""
    con = duckdb.connect(str(demo_db_path), read_only=True)
    try:
        ours = con.execute(
            "select function_name, function_type, macro_definition from duckdb_functions() "
            "where not internal and function_type in ('macro', 'table_macro')"
        ).fetchall()
    finally:
        con.close()
    assert {name for name, kind, _ in ours if kind == "macro"} == sql_allowlist.OUR_SCALAR_MACROS
    assert {name for name, kind, _ in ours if kind == "table_macro"} == sql_allowlist.OUR_TABLE_MACROS
    reading = [name for name, kind, body in ours if kind == "macro" and re.search(r"\b(select|from)\b", body, re.I)]
    assert reading == []


# The kinds of escape the issue lists: readers of the database file, functions that run SQL text,
# error-message exfiltration, server paths and settings, sleeps, logging and profiling, things
# hidden behind a WITH name, and tables that are not the user's.
ESCAPES = {
    "read_blob of the file": "select * from read_blob('village.duckdb')",
    "hex of the file": "select regexp_extract_all(hex(content), '736372797074') from read_blob('village.duckdb.wal')",
    "read_text": "select * from read_text('village.duckdb')",
    "read_csv": "select * from read_csv('village.duckdb', all_varchar = true)",
    "read_duckdb": "select * from read_duckdb('village.duckdb')",
    "read_parquet": "select * from read_parquet('x.parquet')",
    "parquet metadata": "select * from parquet_metadata('x.parquet')",
    "sniff_csv": "select * from sniff_csv('village.duckdb')",
    "glob": "select * from glob('*')",
    "path as table": "select * from 'village.duckdb'",
    "destroy_external_resource": "from destroy_external_resource('query', 'select error(password_hash) from users')",
    "query": "select * from query('select 1')",
    "query_table": "select * from query_table('villages')",
    "json_execute_serialized_sql": "select * from json_execute_serialized_sql(json_serialize_sql('select 1'))",
    "json_serialize_plan": "select json_serialize_plan('select 1')",
    "error with data": "select error(name) from villages",
    "current_setting": "select current_setting('allowed_paths')",
    "duckdb_settings": "from duckdb_settings()",
    "duckdb_databases": "from duckdb_databases()",
    "duckdb_tables as a view": "from duckdb_tables",
    "information_schema": "select * from information_schema.tables",
    "sqlite_master": "select * from sqlite_master",
    "pragma_database_list": "from pragma_database_list",
    "pragma_storage_info": "from pragma_storage_info('villages')",
    "current_database": "select current_database()",
    "version": "select version()",
    "show tables": "show tables",
    "show all tables": "show all tables",
    "sleep_ms": "select sleep_ms(100000)",
    "pg_sleep": "select pg_sleep(40)",
    "write_log": "select write_log('x')",
    "enable_profiling": "from enable_profiling()",
    "enable_logging": "from enable_logging()",
    "duckdb_logs": "from duckdb_logs()",
    "checkpoint": "from checkpoint()",
    "test_all_types": "select * from test_all_types()",
    "list_aggregate by name": "select list_aggregate([1, 2], 'sum')",
    "histogram over a named table": "select * from histogram(villages, name)",
    "getvariable": "select getvariable('x')",
    "nextval": "select nextval('import_id_seq')",
    "our table macro around the views": "select * from scoped_points(2024, null, null, null)",
    "the undo log": "select before from import_rows",
    "schema bookkeeping": "select * from schema_version",
    "accounts": "select * from users",
    "catalog-qualified": "select * from village.main.member_points",
    "system-qualified function": "select system.main.version()",
    "WITH hides a view before it is defined": "with a as (from duckdb_settings), duckdb_settings as (select 1) from a",
    "WITH over itself": "with sqlite_master as (select * from sqlite_master) select * from sqlite_master",
    "subquery WITH does not cover the outer": "select * from (with t as (select 1) from t), duckdb_tables",
    "lambda reaching a reader": "select list_transform([1], x -> (select count(*) from read_blob('village.duckdb')))",
    "scalar subquery": "select (select content from read_text('village.duckdb'))",
    "in a CTE": "with a as (select * from read_text('village.duckdb')) select * from a",
    "in a join": "select * from villages join read_csv('x.csv') on true",
    "in a window": "select sum(sleep_ms(1)) over () from villages",
    "pivot (multi-statement)": "pivot villages on kind using count(*)",
    "delete in a CTE": "with a as (delete from villages returning *) select * from a",
    "insert in a CTE": "with a as (insert into villages (name) values ('x') returning *) select * from a",
    "update in a CTE": "with a as (update villages set name = 'x' returning *) select * from a",
}


@pytest.mark.parametrize("sql", ESCAPES.values(), ids=ESCAPES.keys())
def test_escapes_are_refused_before_anything_runs(sql):
    with pytest.raises((SandboxRefused, SandboxError)) as refused:
        check_statement(sql)
    assert "Traceback" not in str(refused.value)


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("select * from read_blob('village.duckdb')", "read_blob"),
        ("from destroy_external_resource('query', 'select 1')", "destroy_external_resource"),
        ("select current_setting('allowed_paths')", "current_setting"),
        ("select sleep_ms(100000)", "sleep_ms"),
        ("select * from duckdb_databases", "duckdb_databases"),
        ("select * from import_rows", "import_rows"),
    ],
)
def test_a_refusal_names_what_it_refused_in_chinese(sql, named):
    with pytest.raises(SandboxRefused) as refused:
        check_statement(sql)
    assert named in refused.value.message and "自助查询" in refused.value.message


STATISTICS = [
    "select village, sum(total_income) / 10000 as wan from village_income where year = 2023 group by all",
    "with a as (select * from villages), b as (select * from a) select count(*) from b",
    "with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select * from r",
    "select [x * 2 for x in range(3)], list_transform([1], lambda a: a + 1), {'a': 1}, 1 between 0 and 2",
    "select case when households > 100 then '大' else '小' end, coalesce(area, '无'), name || town from villages",
    "select row_number() over (partition by town order by name), rank() over w from villages window w as (order by 1)",
    "select extract(year from date '2024-01-01'), date_trunc('month', now()), strftime(today(), '%Y')",
    "select unnest([1, 2])",
    "from range(3)",
    "select * from generate_series(1, 3)",
    "summarize villages",
    "describe villages",
    "select village, count(*) filter (where stars = 5), median(score), quantile_cont(score, 0.9) "
    "from star_ratings group by grouping sets ((village), ())",
    "select name like '%村', regexp_matches(name, '村$'), levenshtein(name, '北垞村') from villages",
    "select v.name, i.total_income from villages as v join village_income as i on v.name = i.village "
    "qualify row_number() over () < 3",
    "values (1), (2)",
    "select columns('.*income') from village_income",
    "select * exclude (town) from villages",
    "select main.villages.name from main.villages",
    "select share_pct(1, 3)",
    "select corr(total_income, operating_income), stddev_samp(total_income) from village_income",
    "select grouping(town), count(*) from villages group by rollup(town)",
]


@pytest.mark.parametrize("sql", STATISTICS)
def test_what_a_statistician_writes_is_allowed(sql):
    assert check_statement(sql)


@pytest.mark.parametrize("example", gallery.EXAMPLES, ids=[e.title for e in gallery.EXAMPLES])
def test_every_example_question_passes_the_allowlist(example):
    assert check_statement(example.sql)


def test_an_expression_of_thousands_of_terms_is_refused_without_a_traceback():
    for terms in (300, 999, 2000):
        with pytest.raises((SandboxRefused, SandboxError)) as refused:
            check_statement("select " + " + ".join(["1"] * terms))
        assert "嵌套" in refused.value.message or "语法" in refused.value.message


# ---- privacy: the same rule as the 党员积分 page -------------------------------------------------


LOW = Decimal(60)


def low_scorers(path: Path) -> set[tuple[str, str]]:
    """(village, member) of everyone who scored below 60 in some period (two people may share a name)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return set(con.execute("select village, member from member_points where total_points < 60").fetchall())
    finally:
        con.close()


def pairs(frame) -> set[tuple[str, str]]:
    return set(zip(frame["village"], frame["member"], strict=True))


@pytest.mark.parametrize(
    ("setting", "role", "hidden"),
    [("admin", "viewer", LOW), ("admin", "admin", None), ("everyone", "viewer", None), ("nobody", "admin", LOW)],
)
def test_the_rule_is_the_pages_rule(setting, role, hidden):
    assert mechanisms.low_scorers_hidden_below(setting, role, LOW) == hidden
    assert (hidden is None) == mechanisms.may_name_low_scorers(setting, role)


@pytest.mark.parametrize(
    "sql",
    [
        "select village, member, total_points from member_points where total_points < 60",
        "select village, member, total_points from main.member_points where total_points < 60",
        "with m as (select * from member_points) select village, member from m where total_points < 60",
        "select distinct village, member from member_points",
    ],
)
def test_a_viewer_cannot_read_the_names_the_page_hides(demo_db_path, sql):
    hidden = low_scorers(demo_db_path)
    assert hidden  # the demo has low scorers
    frame = run_sql(demo_db_path, sql, FAST, hide_names_below=LOW).frame
    assert not pairs(frame) & hidden
    if "< 60" in sql:
        assert set(frame["member"]) == {sandbox.HIDDEN_NAME}


def test_an_admin_allowed_by_the_setting_sees_them(demo_db_path):
    sql = "select village, member from member_points where total_points < 60"
    assert pairs(run_sql(demo_db_path, sql, FAST).frame) == low_scorers(demo_db_path)


def test_the_table_browser_lists_only_what_ad_hoc_sql_may_query_and_hides_names(demo_db):
    with demo_db.read() as cur:
        tables = {t.name: t for t in gallery.catalog(cur)}
        points = gallery.sample(cur, tables["member_points"], rows=10_000, hide_names_below=LOW)
    assert set(tables) == sandbox.USER_TABLES
    assert set(gallery.OTHER_TABLES) - {"import_rows", "schema_version"} <= sandbox.USER_TABLES
    assert not pairs(points) & low_scorers(demo_db.path) and sandbox.HIDDEN_NAME in set(points["member"])
