"""`python -m village_stats` end to end, in subprocesses, on database files under tmp.

Each command costs a Python start-up (pandas, DuckDB), so the scenarios below run
side by side: the read-only commands share one demo file, and every scenario that
writes works on its own copy. Tests then assert on what each command printed and
on what the file holds afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
DATA_TABLES = ("villages", "village_income", "projects", "star_ratings", "service_tickets", "problems")
ALL_TABLES = (*DATA_TABLES, "imports", "import_rows")
CSV_TITLE = "青溪镇2023年度村级集体经济收入统计表"


# ---- helpers -----------------------------------------------------------------------------


def cli(*args: object, env_db: Path, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI; VILLAGE_STATS_DB always points into tmp so nothing can touch the repo's data."""
    command = [sys.executable, "-m", "village_stats", *map(str, args)]
    if db is not None:
        command += ["--db", str(db)]
    env = {**os.environ, "VILLAGE_STATS_DB": str(env_db), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)


def snapshot(path: Path, tables: tuple[str, ...] = ALL_TABLES) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def income(path: Path, year: int, village: str) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select total_income, operating_income from village_income where year = $y and village = $v",
            {"y": year, "v": village},
        ).fetchone()
    finally:
        con.close()


def copy_db(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy2(source, target)
    return target


def income_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A 村级集体经济收入 ledger as the town saves it from Excel: GBK, title, unit line, 合计 row, footer."""
    lines = [CSV_TITLE, "填报单位：青溪镇农业农村办", "单位：万元", "序号,村(社区)名称,村集体经济总收入,经营性收入"]
    lines += [f"{i},{name},{total},{operating}" for i, (name, total, operating) in enumerate(rows, start=1)]
    total = sum(float(r[1]) for r in rows)
    operating = sum(float(r[2]) for r in rows)
    lines += [f"合计,,{total:.2f},{operating:.2f}", "填表人：王丽　审核人：陈建国"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


GOOD_ROWS = [("北垞村", "190.00", "140.00"), ("竹秀村", "150.50", "120.00")]
# Excel rows: 1 title, 2 填报单位, 3 unit, 4 header, 5 竹秀村, 6 北坨村 (a typo for 北垞村)
BAD_ROWS = [("竹秀村", "150.50", "120.00"), ("北坨村", "190.00", "140.00")]
BAD_ROW_NUMBER = 6


def no_traceback(result: subprocess.CompletedProcess[str]) -> bool:
    return "Traceback" not in result.stderr and "Traceback" not in result.stdout


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ---- the scenarios, run side by side -----------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


def read_only_commands(path: Path, work: Path) -> dict[str, Callable[[], subprocess.CompletedProcess[str]]]:
    elsewhere = work / "not-this-one.duckdb"
    return {
        "summary_2023": lambda: cli("summary", "--year", 2023, db=path, env_db=elsewhere),
        "summary_2024": lambda: cli("summary", "--year", 2024, db=path, env_db=elsewhere),
        "summary_2021": lambda: cli("summary", "--year", 2021, db=path, env_db=elsewhere),
        "tiers_json": lambda: cli(
            "query", "income_tiers_cumulative", "--param", "year=2023", "--format", "json", db=path, env_db=elsewhere
        ),
        "tiers_villages": lambda: cli(
            "query",
            "income_tiers_cumulative",
            "--param",
            "year=2023",
            "--param",
            "villages=北垞村,凤岗社区",
            "--format",
            "json",
            db=path,
            env_db=elsewhere,
        ),
        "unknown_query": lambda: cli("query", "no_such_query", db=path, env_db=elsewhere),
        "unknown_param": lambda: cli(
            "query", "income_tiers_cumulative", "--param", "yaer=2023", db=path, env_db=elsewhere
        ),
        "bad_year": lambda: cli("query", "income_tiers_cumulative", "--param", "year=abc", db=path, env_db=elsewhere),
        "env_db": lambda: cli(
            "query", "income_tiers_cumulative", "--param", "year=2023", "--format", "json", env_db=path
        ),
        "tiers_csv": lambda: cli(
            "query", "income_tiers_cumulative", "--param", "year=2023", "--format", "csv", db=path, env_db=elsewhere
        ),
        "tiers_csv_file": lambda: cli(
            "query",
            "income_tiers_cumulative",
            "--param",
            "year=2023",
            "--format",
            "csv",
            "-o",
            work / "分档.csv",
            db=path,
            env_db=elsewhere,
        ),
    }


def scenario_import_history_undo(demo_path: Path, folder: Path) -> dict[str, object]:
    db = copy_db(demo_path, folder)
    env_db = folder / "unused.duckdb"
    csv = income_csv(folder / "2023年村集体经济收入.csv", GOOD_ROWS)
    out: dict[str, object] = {"before": snapshot(db), "income_before": income(db, 2023, "北垞村")}
    out["import"] = cli("import", csv, db=db, env_db=env_db)
    out["after"] = snapshot(db)
    out["income_after"] = income(db, 2023, "北垞村")
    # the file now holds one of the user's own imports: rebuilding the demo over it is refused
    out["demo_refused"] = cli("demo", db=db, env_db=env_db)
    out["after_refusal"] = snapshot(db)
    out["history"] = cli("history", db=db, env_db=env_db)
    out["undo"] = cli("undo", db=db, env_db=env_db)
    out["undone"] = snapshot(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        out["undone_at"] = con.execute("select undone_at from imports order by import_id desc limit 1").fetchone()[0]
    finally:
        con.close()
    return out


def scenario_dry_run(demo_path: Path, folder: Path) -> dict[str, object]:
    db = copy_db(demo_path, folder)
    csv = income_csv(folder / "收入.csv", GOOD_ROWS)
    before = snapshot(db)
    result = cli("import", "--dry-run", csv, db=db, env_db=folder / "unused.duckdb")
    return {"result": result, "before": before, "after": snapshot(db)}


def scenario_bad_file(demo_path: Path, folder: Path) -> dict[str, object]:
    db = copy_db(demo_path, folder)
    csv = income_csv(folder / "收入有误.csv", BAD_ROWS)
    before = snapshot(db)
    result = cli("import", csv, db=db, env_db=folder / "unused.duckdb")
    return {"result": result, "before": before, "after": snapshot(db)}


def scenario_demo_again(demo_path: Path, folder: Path) -> dict[str, object]:
    db = copy_db(demo_path, folder)
    result = cli("demo", db=db, env_db=folder / "unused.duckdb")
    return {
        "result": result,
        "first": snapshot(demo_path, DATA_TABLES),
        "second": snapshot(db, DATA_TABLES),
        "first_imports": snapshot(demo_path, ("imports",)),
        "second_imports": snapshot(db, ("imports",)),
    }


def scenario_demo(folder: Path) -> dict[str, object]:
    path = folder / "village.duckdb"
    result = cli("demo", db=path, env_db=folder / "unused.duckdb")
    return {"result": result, "path": path, "exists": path.exists()}


@pytest.fixture(scope="module")
def runs(demo_db_path, work) -> dict[str, object]:
    """Every scenario's outcome, by name; they run concurrently, each on its own file.

    The scenarios start from the session's demo database (built by the same `build_demo`
    the `demo` command calls), so they need not wait for the `demo` command's own run.
    """
    path = copy_db(demo_db_path, work / "shared")
    jobs: dict[str, Callable[[], object]] = dict(read_only_commands(path, work))
    jobs["demo"] = lambda: scenario_demo(work / "demo")
    scenarios = {
        "import_history_undo": scenario_import_history_undo,
        "dry_run": scenario_dry_run,
        "bad_file": scenario_bad_file,
        "demo_again": scenario_demo_again,
    }
    for name, scenario in scenarios.items():
        jobs[name] = lambda scenario=scenario, name=name: scenario(path, work / name)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


# ---- demo --------------------------------------------------------------------------------


def test_demo_creates_the_database(runs):
    run = runs["demo"]
    result = run["result"]
    assert result.returncode == 0, result.stderr
    assert run["exists"]
    assert "演示数据库已建立" in result.stdout
    counts = {t: len(rows) for t, rows in snapshot(run["path"], DATA_TABLES).items()}
    assert counts["villages"] == 25
    assert all(counts.values()), counts


def test_demo_twice_is_idempotent(runs):
    run = runs["demo_again"]
    assert run["result"].returncode == 0, run["result"].stderr
    assert {t: len(r) for t, r in run["second"].items()} == {t: len(r) for t, r in run["first"].items()}
    assert run["second"] == run["first"]
    assert len(run["second_imports"]["imports"]) == len(run["first_imports"]["imports"])


def test_demo_refuses_to_overwrite_own_imports_without_force(runs):
    run = runs["import_history_undo"]
    assert run["import"].returncode == 0, run["import"].stderr
    refused = run["demo_refused"]
    assert refused.returncode != 0
    assert "--force" in refused.stderr and has_chinese(refused.stderr)
    assert no_traceback(refused)
    assert run["after_refusal"] == run["after"]


# ---- summary -----------------------------------------------------------------------------


def test_summary_2023_prints_the_seed_sentence(runs):
    result = runs["summary_2023"]
    assert result.returncode == 0, result.stderr
    assert "2023年全镇21个村村财收入超过20万元，占比91.3%" in result.stdout
    assert "12个村村财收入超过50万元，占比52.2%" in result.stdout
    assert "其中北垞、竹秀、岑下3个村超过100万元" in result.stdout
    assert "群众建议6件、支部派单15件次、服务代办178人次" in result.stdout


def test_summary_2024(runs):
    result = runs["summary_2024"]
    assert result.returncode == 0, result.stderr
    assert "149个" in result.stdout
    assert "14.53亿元" in result.stdout
    assert "五星级14个、四星级3个" in result.stdout


def test_summary_says_which_domains_a_year_lacks(runs):
    result = runs["summary_2021"]
    assert result.returncode == 0, result.stderr
    assert "2021年全镇15个村村财收入超过20万元" in result.stdout
    assert (
        "2021年暂无揭榜挂帅项目、达标创星评定、五单闭环服务工单、问题整改台账、"
        "党员量化积分、书记工作室、乡贤参与、村干部队伍数据"
    ) in result.stdout
    assert "项目0个" not in result.stdout and "0件" not in result.stdout


# ---- query -------------------------------------------------------------------------------


def test_query_json(runs):
    result = runs["tiers_json"]
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["villages"] for r in rows] == [21, 12, 3]
    assert rows[0]["share_pct"] == 91.3
    assert rows[2]["short_names"] == "北垞、竹秀、岑下"


def test_query_list_parameter(runs):
    result = runs["tiers_villages"]
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    # 北垞村 (≥100万 in 2023, a seed figure) in every tier; 凤岗社区 is a community and is not counted
    assert [r["villages"] for r in rows] == [1, 1, 1]
    assert [r["villages_with_income"] for r in rows] == [1, 1, 1]


def test_query_csv_to_a_file_has_a_bom_and_to_the_terminal_none(runs, work):
    """Excel opens a UTF-8 CSV with Chinese correctly only with a BOM, as the page's download writes it."""
    printed, written = runs["tiers_csv"], runs["tiers_csv_file"]
    assert printed.returncode == 0 and written.returncode == 0, (printed.stderr, written.stderr)
    data = (work / "分档.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert not printed.stdout.startswith("\ufeff")
    assert data[3:].decode("utf-8").splitlines() == printed.stdout.splitlines()
    assert "北垞、竹秀、岑下" in printed.stdout


@pytest.mark.parametrize(("run", "words"), [("unknown_query", "没有名为"), ("unknown_param", "没有参数 yaer")])
def test_query_mistakes_get_a_chinese_message(runs, run, words):
    result = runs[run]
    assert result.returncode != 0
    assert words in result.stderr
    assert no_traceback(result)


def test_query_bad_parameter_value_gets_a_chinese_message(runs):
    result = runs["bad_year"]
    assert result.returncode != 0
    assert no_traceback(result)
    assert has_chinese(result.stderr)


def test_env_var_names_the_database(runs, work):
    result = runs["env_db"]
    assert result.returncode == 0, result.stderr
    assert [r["villages"] for r in json.loads(result.stdout)] == [21, 12, 3]
    assert not (work / "not-this-one.duckdb").exists(), "--db wins over VILLAGE_STATS_DB"


# ---- import, history, undo ---------------------------------------------------------------


def test_import_good_csv_changes_the_values(runs):
    run = runs["import_history_undo"]
    result = run["import"]
    assert result.returncode == 0, result.stderr + result.stdout
    assert re.search(r"更新\D{0,3}2", result.stdout), result.stdout
    assert run["income_before"] != run["income_after"]
    assert run["income_after"] == (Decimal("1900000.00"), Decimal("1400000.00"))  # 190.00万, 140.00万
    changed = set(run["after"]["village_income"]) - set(run["before"]["village_income"])
    assert {(r[0], r[2]) for r in changed} == {(2023, "北垞村"), (2023, "竹秀村")}
    assert len(run["after"]["imports"]) == len(run["before"]["imports"]) + 1


def test_history_lists_the_import(runs):
    result = runs["import_history_undo"]["history"]
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert "2023年村集体经济收入.csv" in first
    assert "村级集体经济收入" in first and "2023年" in first
    assert re.search(r"更新\D{0,3}2", first), first


def test_undo_restores_the_previous_values_exactly(runs):
    run = runs["import_history_undo"]
    assert run["undo"].returncode == 0, run["undo"].stderr
    assert "已撤销" in run["undo"].stdout
    for table in DATA_TABLES:
        assert run["undone"][table] == run["before"][table], table
    assert run["undone_at"] is not None, "the import is marked undone in the history"


def test_dry_run_changes_nothing(runs):
    run = runs["dry_run"]
    result = run["result"]
    assert result.returncode == 0, result.stderr
    assert re.search(r"更新\D{0,3}2", result.stdout), result.stdout
    changes = [line for line in result.stdout.splitlines() if "→" in line]
    assert any("北垞村" in line for line in changes) and any("竹秀村" in line for line in changes)
    assert run["after"] == run["before"]


def test_dry_run_shows_money_in_the_unit_it_names(runs):
    lines = [
        line for line in runs["dry_run"]["result"].stdout.splitlines() if "竹秀村" in line and "经营性收入" in line
    ]
    assert lines
    assert "119.21" in lines[0] and "1192100" not in lines[0]


def test_bad_file_is_refused_with_row_column_and_suggestion(runs):
    run = runs["bad_file"]
    result = run["result"]
    assert result.returncode == 1
    assert no_traceback(result)
    assert f"第{BAD_ROW_NUMBER}行" in result.stderr
    assert "村(社区)名称" in result.stderr
    assert "北坨村" in result.stderr and "北垞村" in result.stderr
    assert run["after"] == run["before"], "nothing written, not even the good 竹秀村 row"


def test_the_command_line_starts_without_pandas_or_arrow():
    """An import or a query needs neither at start-up; loading them costs most of a second per command."""
    probe = (
        "import sys, village_stats.cli; "
        "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'plotly', 'streamlit') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
