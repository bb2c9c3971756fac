"""Crash safety: kill -9 a large import at random moments; the database must be the state before or after.

    python scripts/crash_test.py                 # 20 trials, 100,000-ticket import
    python scripts/crash_test.py --trials 50 --rows 200000 --seed 7

Each trial copies the same starting database (the demo town) and its archive,
starts `python -m village_stats import FILE` on the copy, sends SIGKILL after a
random delay of up to 110 % of an uninterrupted import's duration, and
then checks the copy (every other trial kills in the last third of the
import, where rows are written, the original archived and the transaction
committed):

1. it opens read-only (as the dashboard does) and read-write (as the next
   import does), and its schema version is the program's;
2. every table is scanned in full (`pragma database_size` plus a content hash
   of every row of every table) without error;
3. the table contents equal exactly the state before the import or the state
   after it (timestamps the database fills in itself are left out of the hash);
4. every import in the history has its original in `archive/`, and that file's
   sha256 is its name. An archive file without a history row is allowed: the
   original is archived just before the transaction commits, so a kill in
   between leaves it behind; it is harmless and the next import of the same
   file reuses it.

Then the import is run again on the copy and must finish in the after state.
Exit status 0 when every trial passes. The test suite runs a reduced form
(tests/test_crash_safety.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from village_stats.db import Database, current_schema_version  # noqa: E402

# columns the database fills with the clock: they differ between two runs of the same import
CLOCK_COLUMNS = {"imported_at", "applied_at", "created_at"}


def write_ticket_ledger(database: Path, destination: Path, rows: int) -> Path:
    """A ticket CSV for the villages in `database`: `rows` new tickets and every stored ticket changed.

    Large enough (over 2 MB) to take the bulk CSV path, and it both inserts and
    updates, so undo before-images are written too.
    """
    con = duckdb.connect(str(database), read_only=True)
    try:
        con.execute(
            f"""
            copy (
                with villages as (
                    select name, row_number() over (order by name) - 1 as n, count(*) over () as total
                    from villages
                ),
                new_tickets as (
                    select
                        'CR' || lpad(i::varchar, 8, '0') as 工单编号,
                        v.name as "村(社区)名称",
                        '第' || (i % 5 + 1) || '网格' as 网格,
                        ['群众建议', '支部派单', '服务代办'][i % 3 + 1] as 类型,
                        ['民生保障', '基础设施', '住房安全'][i % 3 + 1] as 诉求类别,
                        '压力测试诉求（第' || i || '号）' as 诉求内容,
                        strftime(timestamp '2024-01-02 08:30' + to_minutes(i % 400000), '%Y-%m-%d %H:%M') as 点单时间,
                        strftime(timestamp '2024-01-02 09:30' + to_minutes(i % 400000), '%Y-%m-%d %H:%M') as 领单时间,
                        null as 派单时间,
                        strftime(timestamp '2024-01-03 16:30' + to_minutes(i % 400000), '%Y-%m-%d %H:%M') as 晒单时间,
                        ['满意', '基本满意', '不满意'][i % 3 + 1] as 评单,
                        '党员' || (i % 300) as 承办党员
                    from range({int(rows)}) as r (i)
                    join villages as v on v.n = i % v.total
                ),
                changed as (
                    select
                        ticket_id, village, grid, kind, category,
                        coalesce(content, '') || '（已复核）',
                        strftime(ordered_at, '%Y-%m-%d %H:%M'),
                        strftime(claimed_at, '%Y-%m-%d %H:%M'),
                        strftime(dispatched_at, '%Y-%m-%d %H:%M'),
                        strftime(done_at, '%Y-%m-%d %H:%M'),
                        cast(rating as varchar),
                        member
                    from service_tickets
                    -- the seconds are not in the file: only tickets stored on the minute stay unchanged in time
                    where second(ordered_at) = 0 and coalesce(second(claimed_at), 0) = 0
                        and coalesce(second(dispatched_at), 0) = 0 and coalesce(second(done_at), 0) = 0
                )
                select * from new_tickets
                union all
                select * from changed
            ) to '{destination}' (header, delimiter ',')
            """
        )
    finally:
        con.close()
    return destination


def table_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and a content hash of every table, read in full; clock-filled columns left out."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    ]
    found: dict[str, tuple[int, str]] = {}
    for table in tables:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'main' "
                "and table_name = $t order by ordinal_position",
                {"t": table},
            ).fetchall()
            if r[0] not in CLOCK_COLUMNS
        ]
        row = ", ".join(f'coalesce(cast("{c}" as varchar), chr(0))' for c in columns)
        count, digest = con.execute(
            f"select count(*), md5(coalesce(string_agg(r, chr(1) order by r), '')) "
            f'from (select concat_ws(chr(2), {row}) as r from "{table}")'
        ).fetchone()
        found[table] = (int(count), str(digest))
    return found


@dataclass
class Check:
    state: str  # "before", "after" or "neither"
    problems: list[str]
    orphan_archives: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and self.state in ("before", "after")


def check_database(path: Path, before: dict, after: dict) -> Check:
    """Open the file as the dashboard and the next import would, scan everything, compare, check the archive."""
    problems: list[str] = []
    database = Database(path, lock_wait_seconds=5)
    try:
        with database.read() as cur:  # read-only first: the dashboard is what meets the file next
            version = cur.execute("select max(version) from schema_version").fetchone()[0]
            if version != current_schema_version():
                problems.append(f"schema_version {version} != {current_schema_version()}")
            cur.execute("pragma database_size").fetchall()
            read_only_hashes = table_hashes(cur)
        with database.write() as con:  # then read-write, which replays and checkpoints the WAL
            con.execute("checkpoint")
            hashes = table_hashes(con)
            history = con.execute("select import_id, sha256, file_name from imports").fetchall()
    except duckdb.Error as error:
        return Check("neither", [f"database does not open or scan: {error}"])
    if read_only_hashes != hashes:
        problems.append("read-only and read-write opens see different contents")
    state = "before" if hashes == before else "after" if hashes == after else "neither"
    if state == "neither":
        differing = sorted(t for t in hashes if hashes[t] != before.get(t) and hashes[t] != after.get(t))
        problems.append(f"contents are neither before nor after; tables: {differing}")
    archive = path.parent / "archive"
    referenced = set()
    for import_id, sha256, file_name in history:
        stored = archive / f"{sha256}{Path(file_name).suffix.lower()}"
        referenced.add(stored.name)
        if not stored.exists():
            problems.append(f"import {import_id} has no archived original")
        elif hashlib.sha256(stored.read_bytes()).hexdigest() != sha256:
            problems.append(f"import {import_id}: archived original is damaged")
    present = {p.name for p in archive.iterdir()} if archive.exists() else set()
    return Check(state, problems, orphan_archives=len(present - referenced))


def import_command(database: Path, ledger: Path) -> list[str]:
    return [sys.executable, "-m", "village_stats", "import", str(ledger), "--db", str(database)]


def _copy_state(source_dir: Path, target_dir: Path) -> Path:
    if target_dir.exists():
        shutil.rmtree(target_dir)
    target_dir.mkdir(parents=True)
    shutil.copy2(source_dir / "village.duckdb", target_dir / "village.duckdb")
    if (source_dir / "archive").exists():
        shutil.copytree(source_dir / "archive", target_dir / "archive")
    return target_dir / "village.duckdb"


@dataclass
class Prepared:
    start_dir: Path
    ledger: Path
    before: dict
    after: dict
    import_seconds: float


def prepare(start_db: Path, workdir: Path, rows: int) -> Prepared:
    """The starting state, the ledger, and the after state from one uninterrupted import."""
    start_dir = workdir / "start"
    _copy_state(start_db.parent, start_dir)
    ledger = write_ticket_ledger(start_dir / "village.duckdb", workdir / "工单压力测试.csv", rows)
    with duckdb.connect(str(start_dir / "village.duckdb")) as con:
        before = table_hashes(con)
    reference = _copy_state(start_dir, workdir / "reference")
    started = time.monotonic()
    subprocess.run(import_command(reference, ledger), check=True, capture_output=True, cwd=REPO)
    seconds = time.monotonic() - started
    with duckdb.connect(str(reference)) as con:
        after = table_hashes(con)
    if after == before:
        raise RuntimeError("the reference import changed nothing; the crash test would prove nothing")
    return Prepared(start_dir, ledger, before, after, seconds)


@dataclass
class Trial:
    delay: float
    killed: bool  # False: the import had already finished
    check: Check
    recovered: bool


def run_trial(prepared: Prepared, trial_dir: Path, delay: float) -> Trial:
    database = _copy_state(prepared.start_dir, trial_dir)
    process = subprocess.Popen(
        import_command(database, prepared.ledger), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(delay)
    killed = process.poll() is None
    if killed:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    check = check_database(database, prepared.before, prepared.after)
    # the same import, run again, must finish in the after state
    rerun = subprocess.run(import_command(database, prepared.ledger), cwd=REPO, capture_output=True)
    recovered = rerun.returncode == 0 and check_database(database, prepared.before, prepared.after).state == "after"
    return Trial(delay, killed, check, recovered)


def run(start_db: Path, trials: int, rows: int, seed: int, workdir: Path, report=print) -> list[Trial]:
    prepared = prepare(start_db, workdir, rows)
    report(f"uninterrupted import of {rows:,} tickets: {prepared.import_seconds:.1f} s")
    chance = random.Random(seed)
    results = []
    for number in range(trials):
        # every other kill lands in the last third, where rows are written and the transaction commits
        low = 0.0 if number % 2 == 0 else 0.65 * prepared.import_seconds
        delay = chance.uniform(low, prepared.import_seconds * 1.1)
        trial = run_trial(prepared, workdir / f"trial-{number}", delay)
        results.append(trial)
        words = "killed" if trial.killed else "finished first"
        report(
            f"trial {number + 1:2}: kill after {delay:5.2f} s ({words}) -> {trial.check.state}"
            f"{'' if trial.check.ok else ' PROBLEMS: ' + '; '.join(trial.check.problems)}"
            f"; orphan archive files {trial.check.orphan_archives}; re-import {'ok' if trial.recovered else 'FAILED'}"
        )
        shutil.rmtree(workdir / f"trial-{number}", ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    from village_stats.importing import build_demo
    from village_stats.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="crash-test-") as folder:
        workdir = Path(folder)
        start = workdir / "demo" / "village.duckdb"
        start.parent.mkdir()
        build_demo(start, load_settings())
        results = run(start, args.trials, args.rows, args.seed, workdir)
    states = {s: sum(1 for t in results if t.check.state == s) for s in ("before", "after", "neither")}
    killed = sum(1 for t in results if t.killed)
    failed = [t for t in results if not t.check.ok or not t.recovered]
    print(
        f"{len(results)} trials, {killed} killed mid-import: before {states['before']}, after {states['after']}, "
        f"neither {states['neither']}; failures {len(failed)}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
