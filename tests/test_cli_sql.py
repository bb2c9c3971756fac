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
