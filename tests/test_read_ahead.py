"""`python -m village_stats import BOOK.xlsx`: the workbook's reading child starts before the rest
of the package (DuckDB, pandas, our modules) loads, and the import uses what it read."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.test_workbooks_fast import ticket_book
from village_stats import read_ahead, reading
from village_stats.db import Database

REPO = Path(__file__).resolve().parent.parent

# the real `python -m village_stats`, with every child process it starts noted: for the
# workbook reader, whether DuckDB had been loaded by then
SPY = """
import runpy, subprocess, sys

seen = []


class Spy(subprocess.Popen):
    def __init__(self, args, *rest, **options):
        if "village_stats.workbooks" in args:
            seen.append("duckdb" in sys.modules)
        super().__init__(args, *rest, **options)


subprocess.Popen = Spy
sys.argv = ["village_stats", *sys.argv[1:]]
try:
    runpy.run_module("village_stats", run_name="__main__", alter_sys=True)
except SystemExit as end:
    print("READERS", seen, "EXIT", end.code, "PANDAS", "pandas" in sys.modules)
"""


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-c", SPY, *map(str, args)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_the_workbook_is_read_before_duckdb_loads_and_imported(demo_copy: Database, demo_dir: Path, tmp_path: Path):
    book = tmp_path / "五单服务工单 (1).xlsx"  # a name as a browser's second download gives it
    shutil.copyfile(demo_dir / "五单服务工单.xlsx", book)
    with duckdb.connect(str(demo_copy.path)) as con:
        con.execute("delete from service_tickets")

    done = run_cli("import", book, "--db", demo_copy.path)

    assert "READERS [False] EXIT 0 " in done.stdout, done.stdout + done.stderr
    with duckdb.connect(str(demo_copy.path), read_only=True) as con:
        stored = con.execute("select count(*) from service_tickets").fetchone()[0]
        sha256 = con.execute("select sha256 from imports order by import_id desc limit 1").fetchone()[0]
    assert stored > 0
    assert sha256 == hashlib.sha256(book.read_bytes()).hexdigest()


def test_a_long_workbook_is_imported_without_loading_pandas(demo_copy: Database, tmp_path: Path):
    """pandas costs a fresh CLI half a second of CPU, taken from the child's parse on a 2-core PC."""
    book = tmp_path / "五单工单2030.xlsx"
    book.write_bytes(ticket_book(rows=reading.BULK_SHEET_ROWS + 5_000, bad=False))
    assert book.stat().st_size > 1 << 20  # large enough that the CLI used to warm pandas up

    done = run_cli("import", book, "--db", demo_copy.path)

    assert "READERS [False] EXIT 0 PANDAS False" in done.stdout, done.stdout + done.stderr
    with duckdb.connect(str(demo_copy.path), read_only=True) as con:
        stored = con.execute("select count(*) from service_tickets where ticket_id like 'WD2030-%'").fetchone()[0]
    assert stored == reading.BULK_SHEET_ROWS + 5_000


def test_options_before_the_file_and_a_second_workbook_are_read_in_turn(
    demo_copy: Database, demo_dir: Path, tmp_path: Path
):
    books = [demo_dir / "五单服务工单.xlsx", demo_dir / "问题整改台账.xlsx"]

    done = run_cli("import", "--db", demo_copy.path, "--by", "王会计", *books)

    # the first is read ahead, the second started when its turn comes (after DuckDB loaded)
    assert "READERS [False, True] EXIT 0 " in done.stdout, done.stdout + done.stderr


def test_a_workbook_read_ahead_but_never_imported_is_stopped(demo_copy: Database, demo_dir: Path):
    # --unit without --round: the command fails before any file is imported
    done = run_cli("import", demo_dir / "五单服务工单.xlsx", "--unit", "北垞村", "--db", demo_copy.path)

    assert "READERS [False] EXIT 2 " in done.stdout, done.stdout + done.stderr
    assert "--round" in done.stderr


def test_start_reads_only_the_first_workbook_an_import_names(demo_dir: Path, tmp_path: Path):
    csv = tmp_path / "收入.csv"
    csv.write_text("村(社区)名称,年度\n", encoding="utf-8")
    assert read_ahead.start(["query", str(demo_dir / "达标创星.xlsx")]) is None
    assert read_ahead.start(["import", str(csv)]) is None
    assert read_ahead.start(["import", str(tmp_path / "不存在.xlsx")]) is None

    started = read_ahead.start(["import", "--by", "王会计", str(csv), str(demo_dir / "达标创星.xlsx")])
    try:
        assert started is not None
        assert started.path == demo_dir / "达标创星.xlsx"
        assert started.data == started.path.read_bytes()
        assert read_ahead.take(csv) is None
        assert read_ahead.take(started.path) is started
        assert read_ahead.take(started.path) is None  # handed over once
        assert [sheet.name for sheet in started.reading.result()]
    finally:
        started.reading.cancel() if started else None


def test_what_is_not_taken_is_cancelled(demo_dir: Path):
    started = read_ahead.start(["import", str(demo_dir / "村级集体经济收入.xlsx")])
    assert started is not None

    read_ahead._cancel_untaken()

    assert started.reading._process.returncode is not None
    assert read_ahead.take(started.path) is None


def test_a_refused_workbook_is_left_for_the_import_to_explain(tmp_path: Path):
    fake = tmp_path / "加密.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # an encrypted workbook's OLE header

    assert read_ahead.start(["import", str(fake)]) is None


@pytest.fixture(autouse=True)
def nothing_left_started():
    yield
    read_ahead._cancel_untaken()
