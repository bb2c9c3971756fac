"""`python -m village_stats init`: a town's clean start, without the demo, its name recorded in the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from village_stats import cli
from village_stats.db import demo_db_path
from village_stats.importing import DEMO_DIR

REPO = Path(__file__).resolve().parent.parent


def run(*args: object, folder: Path) -> subprocess.CompletedProcess[str]:
    """The CLI with both default databases pointed into tmp, so nothing can touch the repo's data."""
    env = {
        **os.environ,
        "VILLAGE_STATS_DB": str(folder / "unused.duckdb"),
        "VILLAGE_STATS_DEMO_DB": str(folder / "unused-demo.duckdb"),
        "PYTHONIOENCODING": "utf-8",
    }
    command = [sys.executable, "-m", "village_stats", *map(str, args)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)


def rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_init_gives_an_empty_database_that_records_the_town(tmp_path):
    path = tmp_path / "河东镇" / "village.duckdb"
    result = run("init", "--town", " 河东镇 ", "--db", path, folder=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "已为河东镇建立数据库" in result.stdout and "村(社区)名录" in result.stdout
    assert rows(path, "select key, value from app_settings") == [("town", "河东镇")]
    for table in ("villages", "village_income", "service_tickets", "imports"):
        assert rows(path, f"select count(*) from {table}") == [(0,)]
    assert not (tmp_path / "unused.duckdb").exists() and not (tmp_path / "unused-demo.duckdb").exists()


def test_summary_on_an_init_database_says_there_is_no_data_yet(tmp_path):
    path = tmp_path / "village.duckdb"
    assert run("init", "--town", "河东镇", "--db", path, folder=tmp_path).returncode == 0
    result = run("summary", "--db", path, folder=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("河东镇的数据库中还没有任何台账数据")
    assert "先导入村(社区)名录" in result.stdout


def test_ledgers_imported_into_an_init_database_belong_to_its_town(tmp_path):
    path = tmp_path / "village.duckdb"
    assert run("init", "--town", "河东镇", "--db", path, folder=tmp_path).returncode == 0
    result = run("import", DEMO_DIR / "村社区名录.xlsx", "--db", path, folder=tmp_path)
    assert result.returncode == 0, result.stderr
    # the registry has no 所属镇(街道) column: its villages go to the town the database records
    assert rows(path, "select distinct town from villages") == [("河东镇",)]


def test_init_refuses_a_file_holding_the_towns_own_imports(demo_copy, tmp_path):
    with demo_copy.write() as con:
        con.execute("update imports set imported_by = '王丽' where import_id = (select min(import_id) from imports)")
    before = rows(demo_copy.path, "select count(*) from villages")
    result = run("init", "--town", "河东镇", "--db", demo_copy.path, folder=tmp_path)
    assert result.returncode == 2
    assert "已有本镇导入的数据，不能重新开始" in result.stderr
    assert rows(demo_copy.path, "select count(*) from villages") == before


def test_init_replaces_a_file_holding_only_the_demo(demo_copy, tmp_path):
    # an earlier version built the demo into data/village.duckdb: starting the town's own data replaces it
    result = run("init", "--town", "河东镇", "--db", demo_copy.path, folder=tmp_path)
    assert result.returncode == 0, result.stderr
    assert rows(demo_copy.path, "select count(*) from villages") == [(0,)]
    assert rows(demo_copy.path, "select value from app_settings") == [("河东镇",)]


@pytest.mark.parametrize("town", ["", "   ", "河东镇\n西岭镇", "镇" * 31])
def test_init_refuses_a_name_that_is_no_town(tmp_path, town):
    path = tmp_path / "village.duckdb"
    result = run("init", "--town", town, "--db", path, folder=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("错误：")
    assert not path.exists()


def test_the_demo_is_built_into_its_own_file_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(tmp_path / "village.duckdb"))
    monkeypatch.delenv("VILLAGE_STATS_DEMO_DB", raising=False)
    parser = cli._parser()
    assert cli._db_path(parser.parse_args(["demo"])) == demo_db_path() == REPO / "data" / "demo.duckdb"
    assert cli._db_path(parser.parse_args(["summary"])) == tmp_path / "village.duckdb"
    assert cli._db_path(parser.parse_args(["demo", "--db", str(tmp_path / "x.duckdb")])) == tmp_path / "x.duckdb"


def test_the_demo_database_records_its_fictional_town(demo_db_path):
    assert rows(demo_db_path, "select value from app_settings where key = 'town'") == [("青溪镇",)]


def test_init_never_turns_the_demo_file_into_a_town(tmp_path):
    demo = tmp_path / "unused-demo.duckdb"  # run() points VILLAGE_STATS_DEMO_DB here
    result = run("init", "--town", "河东镇", "--db", demo, folder=tmp_path)
    assert result.returncode == 2 and "是演示数据库" in result.stderr
    assert not demo.exists()
