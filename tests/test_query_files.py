"""Every queries/*.sql file: its header, its parameters, its style, and that it runs on the demo."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from village_stats.queries import QUERIES_DIR, QueryError, load_query, run_query

SQL_FILES = sorted(QUERIES_DIR.glob("[!_]*.sql"))  # _macros.sql is not a query
TODAY = date(2025, 6, 30)
KNOWN_TYPES = ("integer", "varchar", "varchar[]", "decimal", "date")
UPPER_KEYWORDS = re.compile(
    r"\b(SELECT|FROM|WHERE|JOIN|GROUP\s+BY|ORDER\s+BY|HAVING|WITH|UNION|LIMIT|CASE|WHEN|THEN|ELSE|END"
    r"|AND|OR|NOT|AS|ON|IN|IS|NULL|DISTINCT|OVER|PARTITION\s+BY|FILTER|INNER|LEFT)\b"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def code_only(sql: str) -> str:
    """The SQL with comments removed and every string literal emptied to ''."""
    out: list[str] = []
    i = 0
    while i < len(sql):
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = len(sql) if end < 0 else end + 2
        elif sql[i] in "'\"":
            quote, j = sql[i], i + 1
            while j < len(sql):
                if sql[j] == quote and sql.startswith(quote * 2, j):
                    j += 2
                elif sql[j] == quote:
                    break
                else:
                    j += 1
            out.append(quote * 2)
            i = j + 1
        else:
            out.append(sql[i])
            i += 1
    return "".join(out)


def header_lines(sql: str) -> list[str]:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line)
    return lines


def plausible_params(settings, year: int) -> dict[str, object]:
    return {
        "year": year,
        "town": None,
        "area": None,
        "villages": None,
        "today": TODAY,
        "limit": 10,
        "threshold": settings.points_low_threshold,
        "offset": 0,
        "round_id": 1,
        "unit": "北垞村",
        "total_floor": settings.weak_total_below_wan * 10_000,
        "operating_floor": settings.weak_operating_below_wan * 10_000,
        "days": settings.ticket_open_days,
        **settings.tier_params(),
    }


def test_there_are_query_files():
    assert len(SQL_FILES) >= 20


def test_code_only_strips_comments_and_strings():
    assert code_only("select 'A -- b' as x -- SELECT\nfrom t") == "select '' as x \nfrom t"
    assert code_only("select 'it''s {x}' /* FROM */, \"Col\"") == "select '' , \"\""
    assert UPPER_KEYWORDS.search(code_only("select a FROM t -- WHERE"))
    assert not UPPER_KEYWORDS.search(code_only("select 'SELECT' as x from t -- GROUP BY"))


@pytest.fixture(params=SQL_FILES, ids=lambda p: p.stem)
def sql_file(request) -> Path:
    return request.param


def test_header(sql_file):
    sql = sql_file.read_text(encoding="utf-8")
    header = header_lines(sql)
    assert header, "the file starts with a comment header"
    assert header[0].startswith("-- ") and CJK.search(header[0]), "the first line is a Chinese title"
    assert any(line.startswith("-- params:") for line in header), "a `-- params:` line"
    assert any(line.startswith("-- grain:") for line in header), "a `-- grain:` line"
    query = load_query(sql_file.stem)
    assert query.title == header[0][2:].strip()
    assert query.grain


def test_declared_params_are_used_params(sql_file):
    query = load_query(sql_file.stem)
    params_line = next(line for line in header_lines(query.sql) if line.startswith("-- params:"))
    if not query.params:
        assert params_line.split(":", 1)[1].strip() == "none"
    assert len(set(query.params)) == len(query.params), "each parameter declared once"
    assert set(query.params) == query.used_params
    for name in query.params:
        assert query.param_types[name] in KNOWN_TYPES, f"${name} has a known type"


def test_one_statement(sql_file):
    sql = sql_file.read_text(encoding="utf-8")
    assert len(duckdb.extract_statements(sql)) == 1
    body = code_only(sql).rstrip()
    assert ";" not in body.removesuffix(";"), "no `;` except a trailing one"


def test_lowercase_keywords(sql_file):
    found = UPPER_KEYWORDS.findall(code_only(sql_file.read_text(encoding="utf-8")))
    assert not found, f"upper-case keywords outside comments and strings: {sorted(set(found))}"


def test_no_python_formatting(sql_file):
    code = code_only(sql_file.read_text(encoding="utf-8"))
    for marker in ("{", "}", "%s", "%(", "?"):
        assert marker not in code, f"{marker!r} outside string literals: parameters are $name, bound by DuckDB"


@pytest.fixture(scope="module")
def demo_cursor(demo_db):
    with demo_db.read() as cur:
        yield cur


@pytest.mark.parametrize("year", [2023, 2024])
def test_runs_on_demo(sql_file, demo_cursor, settings, year):
    query = load_query(sql_file.stem)
    pool = plausible_params(settings, year)
    missing = set(query.params) - set(pool)
    assert not missing, f"no plausible value for {missing}"
    frame = run_query(demo_cursor, query.name, **{name: pool[name] for name in query.params})
    assert isinstance(frame, pd.DataFrame)
    assert len(frame.columns) > 0
    assert not frame.columns.duplicated().any()
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in frame.columns), "snake_case English column names"


def test_run_query_missing_parameter(demo_db, settings):
    with demo_db.read() as cur, pytest.raises(QueryError, match="缺少参数 year"):
        run_query(cur, "income_tiers_cumulative", town=None, area=None, villages=None, **settings.tier_params())


def test_run_query_extra_parameter(demo_db, settings):
    with demo_db.read() as cur, pytest.raises(QueryError, match="多余参数 month"):
        run_query(
            cur,
            "income_tiers_cumulative",
            year=2023,
            month=1,
            town=None,
            area=None,
            villages=None,
            **settings.tier_params(),
        )


def test_run_query_parameter_typo(demo_db):
    with demo_db.read() as cur, pytest.raises(QueryError) as caught:
        run_query(cur, "tickets_by_kind", yaer=2023, town=None, area=None, villages=None)
    assert "year" in str(caught.value) and "yaer" in str(caught.value)


@pytest.mark.parametrize("name", ["no_such_query", "../db", "Tickets_By_Kind", ""])
def test_run_query_unknown_name(demo_db, name):
    with demo_db.read() as cur, pytest.raises(QueryError, match="没有名为"):
        run_query(cur, name)
