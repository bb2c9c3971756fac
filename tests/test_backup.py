"""backup / restore: a consistent copy, a verified restore, and nothing lost on the way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from village_stats.db import Database

REPO = Path(__file__).resolve().parents[1]


def tables(database: Database) -> dict[str, list[tuple]]:
    with database.read() as cur:
        listed = cur.execute("select table_name from information_schema.tables where table_schema = 'main'")
        names = [r[0] for r in listed.fetchall()]
        return {n: cur.execute(f"select * from {n} order by all").fetchall() for n in sorted(names)}


def test_restore_brings_back_exactly_the_backed_up_state(demo_copy, tmp_path):
    before = tables(demo_copy)
    saved = demo_copy.backup(tmp_path / "备份.duckdb")
    with demo_copy.write() as con:
        con.execute("delete from village_income where year = 2023")
        con.execute("update villages set area = '改动' where name = '北垞村'")
    assert tables(demo_copy) != before

    safety = demo_copy.restore(saved)
    assert tables(demo_copy) == before
    # the state just before the restore was kept too
    assert tables(Database(safety))["village_income"] != before["village_income"]


def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(demo_copy, tmp_path):
    before = tables(demo_copy)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(ValueError, match=r"junk\.duckdb"):
        demo_copy.restore(junk)
    other = Database(tmp_path / "other.duckdb")
    with other.write() as con:
        con.execute("create table t (x integer)")
    with pytest.raises(ValueError, match="不是村情看板的数据库备份"):
        demo_copy.restore(other.path)
    assert tables(demo_copy) == before


def test_cli_backup_then_restore(demo_copy, tmp_path):
    target = tmp_path / "copy.duckdb"
    run = [sys.executable, "-m", "village_stats"]
    done = subprocess.run(
        [*run, "backup", "--db", str(demo_copy.path), "--to", str(target)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "已备份到" in done.stdout
    done = subprocess.run(
        [*run, "restore", "--db", str(demo_copy.path), str(target)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "已用 copy.duckdb 恢复数据库" in done.stdout
    refused = subprocess.run(
        [*run, "restore", "--db", str(demo_copy.path), str(tmp_path / "none.duckdb")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and "错误" in refused.stderr
