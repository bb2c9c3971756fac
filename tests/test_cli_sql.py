"""`python -m village_stats sql`: the sandbox from the command line, end to end in subprocesses.

The runs are independent and only read, so they share one demo file and run side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

RUNS: dict[str, tuple[list[str], str | None]] = {
    "table": (["select name, kind from villages where name = '北垞村'"], None),
    "csv_capped": (["select range as n from range(20000)", "--format", "csv"], None),
    "json_stdin": (
        ["-", "--format", "json"],
        "select year, round(total_income / 10000, 2) as wan from village_income where village = '北垞村' order by year",
    ),
    "copy": (["copy villages to '/tmp/village_stats_cli_sql.csv'"], None),
    "read_file": (["select * from read_text('/etc/passwd')"], None),
    # values Python cannot hold, and parser depth: one Chinese line or a result, never a traceback
    "odd_values": (
        [
            "select date '10000-01-01' as far, 'infinity'::date as endless, time '24:00:00' as midnight, "
            "[date '10000-01-01'] as listed, 'infinity'::timestamp as forever"
        ],
        None,
    ),
    "all_types": (["select * from test_all_types()"], None),
    "deep": (["select " + " + ".join(["1"] * 2000)], None),
    "formulas_csv": (
        [
            "select '=cmd|'' /C calc''!A0' as a, '@SUM(1+1)' as b, '=HYPERLINK(\"http://x\")' as c, "
            "'+1' as d, chr(9) || 'x' as e, '北垞村' as f",
            "--format",
            "csv",
        ],
        None,
    ),
}


@pytest.fixture(scope="module")
def runs(demo_db_path: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "VILLAGE_STATS_DB": str(demo_db_path), "PYTHONIOENCODING": "utf-8"}

    def run(args: list[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "village_stats", "sql", *args],
            cwd=REPO,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run, *spec) for name, spec in RUNS.items()}
    return {name: future.result() for name, future in futures.items()}


def test_a_select_prints_a_table(runs):
    done = runs["table"]
    assert done.returncode == 0, done.stderr
    assert "北垞村" in done.stdout


def test_csv_output_and_a_capped_result_says_so_on_stderr(runs):
    done = runs["csv_capped"]
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "n" and len(lines) == 10_000 + 1
    assert "只显示前 10,000 行" in done.stderr


def test_json_output_of_a_statement_from_stdin(runs):
    done = runs["json_stdin"]
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["year"] for r in rows] == [2021, 2022, 2023, 2024]
    assert rows[2]["wan"] == 186.4


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("copy", "已拒绝：自助查询只能查询数据（SELECT），不能读写文件（COPY）"),
        ("read_file", "已拒绝：自助查询不能使用表函数 read_text"),
    ],
)
def test_a_refusal_exits_2_in_chinese_without_a_traceback(runs, name, words):
    done = runs[name]
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not Path("/tmp/village_stats_cli_sql.csv").exists()


def test_values_python_cannot_hold_are_printed_as_text(runs):
    done = runs["odd_values"]
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for shown in ("10000-01-01", "infinity", "24:00:00"):
        assert shown in done.stdout


@pytest.mark.parametrize("name", ["all_types", "deep"])
def test_no_statement_ends_in_a_traceback(runs, name):
    done = runs[name]
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("已拒绝：")


def test_csv_on_the_terminal_neutralises_formulas_like_the_page(runs):
    done = runs["formulas_csv"]
    assert done.returncode == 0, done.stderr
    import csv
    import io

    header, row = list(csv.reader(io.StringIO(done.stdout)))
    assert header == ["a", "b", "c", "d", "e", "f"]
    assert row == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", '\'=HYPERLINK("http://x")', "'+1", "'\tx", "北垞村"]


def test_named_query_csv_neutralises_formulas_too(demo_db_path, tmp_path):
    import shutil

    import duckdb

    db = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, db)
    con = duckdb.connect(str(db))
    con.execute("insert into villages (town, name, kind) values ('青溪镇', '=HYPERLINK(\"http://x\",\"点我\")', '村')")
    con.close()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "village_stats", "query", "units", "--format", "csv", "--db", str(db)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "'=HYPERLINK" in done.stdout and "\n=HYPERLINK" not in done.stdout and ",=HYPERLINK" not in done.stdout


def test_every_duckdb_type_converts_for_the_page_and_the_cli():
    """test_all_types() holds each type's minimum, maximum and NULL: none may raise on the way to pandas."""
    import duckdb

    from village_stats import sandbox

    con = duckdb.connect()
    try:
        table = sandbox._fetch(con, "select * from test_all_types()", sandbox.LIMITS)
    finally:
        con.close()
    result = sandbox._table_result(table)
    assert result.rows == 3 and len(result.frame.columns) == table.num_columns
    assert result.frame.to_csv(index=False) and result.frame.to_string()
