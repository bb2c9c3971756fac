"""How a Database shares its file: a read connection kept for the next reader, and let go.

The dashboard keeps its read-only connection open for a few seconds after a page run
(`linger_seconds`); while it is open no other process can write the file, once it has
been idle that long it is closed, and a writer in the same process never waits for it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from village_stats.db import Database

WRITE_FROM_ANOTHER_PROCESS = """
import sys, duckdb
try:
    duckdb.connect(sys.argv[1]).close()
except duckdb.IOException as error:
    print("locked" if "lock" in str(error).lower() else error)
else:
    print("written")
"""


def another_process_writes(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", WRITE_FROM_ANOTHER_PROCESS, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def still_open_here(path: Path) -> bool:
    """Whether this process still has the file open read-only (DuckDB refuses a read-write twin)."""
    try:
        duckdb.connect(str(path)).close()
    except duckdb.ConnectionException:
        return True
    return False


def villages(database: Database) -> int:
    with database.read() as cur:
        return cur.execute("select count(*) from villages").fetchone()[0]


def test_without_linger_the_file_is_free_as_soon_as_the_reading_ends(demo_copy):
    villages(demo_copy)
    assert another_process_writes(demo_copy.path) == "written"


def test_a_lingering_read_connection_keeps_other_writers_out_then_lets_go(demo_copy):
    database = Database(demo_copy.path, lock_wait_seconds=5, linger_seconds=10)
    villages(database)
    assert another_process_writes(database.path) == "locked"  # a Python start-up is well within 10 s
    deadline = time.monotonic() + 30
    while (outcome := another_process_writes(database.path)) == "locked" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert outcome == "written"


def test_a_reader_within_the_linger_keeps_the_connection(demo_copy):
    database = Database(demo_copy.path, lock_wait_seconds=5, linger_seconds=1.0)
    counted = villages(database)
    for _ in range(4):  # each read restarts the clock: 4 × 0.4 s is longer than the linger
        time.sleep(0.4)
        assert villages(database) == counted
    assert still_open_here(database.path)
    deadline = time.monotonic() + 30  # idle for longer than the linger, it is closed
    while still_open_here(database.path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not still_open_here(database.path)


def test_a_writer_in_the_same_process_does_not_wait_for_the_linger(demo_copy):
    database = Database(demo_copy.path, lock_wait_seconds=5, linger_seconds=600)
    before = villages(database)
    with database.write() as con:  # would wait ten minutes if it waited for the idle connection
        con.execute("delete from villages where name = (select min(name) from villages)")
    assert villages(database) == before - 1  # a new read connection sees the write


WRITE_WITH_A_WAIT = """
import sys
from pathlib import Path
from village_stats.db import Database
with Database(Path(sys.argv[1]), lock_wait_seconds=20).write() as con:
    con.execute("create table written_while_pages_ran (x integer)")
print("written")
"""


def test_pages_running_back_to_back_still_let_a_waiting_writer_in(demo_copy):
    """Readers that never pause would keep a lingering connection open for ever; a waiting writer's
    marker makes the dashboard close it after each run, so the writer gets in as it did before."""
    database = Database(demo_copy.path, lock_wait_seconds=5, linger_seconds=10)
    stop = threading.Event()

    def pages() -> None:
        while not stop.is_set():
            villages(database)
            time.sleep(0.05)

    reader = threading.Thread(target=pages)
    reader.start()
    try:
        time.sleep(0.3)
        done = subprocess.run(
            [sys.executable, "-c", WRITE_WITH_A_WAIT, str(database.path)],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        stop.set()
        reader.join()
    assert done.stdout.strip() == "written", done.stderr[-2000:]
    assert not database.write_wanted_path.exists()
