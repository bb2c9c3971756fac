"""kill -9 during a large import: the database is always exactly the state before or after it.

A reduced run (3 trials, 40,000 tickets); the full run is `python scripts/crash_test.py`
(20 trials, 100,000 tickets), or set CRASH_TRIALS / CRASH_ROWS here.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

from scripts import crash_test

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


@pytest.fixture(scope="module")
def prepared(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> crash_test.Prepared:
    rows = int(os.environ.get("CRASH_ROWS", "40000"))
    return crash_test.prepare(demo_db_path, tmp_path_factory.mktemp("crash"), rows)


def test_the_reference_import_both_adds_and_changes_rows(prepared):
    before, after = prepared.before, prepared.after
    assert after["service_tickets"][0] > before["service_tickets"][0]
    assert after["imports"][0] == before["imports"][0] + 1
    # rows it changed keep their before-images for undo, rows it added a null one
    assert (
        after["import_rows"][0] - before["import_rows"][0] > after["service_tickets"][0] - before["service_tickets"][0]
    )


def test_a_kill_at_random_moments_leaves_before_or_after(prepared, tmp_path):
    trials = int(os.environ.get("CRASH_TRIALS", "3"))
    chance = random.Random(os.environ.get("CRASH_SEED", "7"))
    seconds = prepared.import_seconds
    # early (reading/validating), in the write-and-commit stretch, and past the end
    # ("past the end" leaves room for a slower run than the reference on a loaded machine)
    delays = [chance.uniform(0.05, 0.5) * seconds, chance.uniform(0.7, 1.0) * seconds, 3 * seconds + 2]
    delays += [chance.uniform(0, 1.1 * seconds) for _ in range(max(0, trials - 3))]
    results = [crash_test.run_trial(prepared, tmp_path / f"trial-{n}", d) for n, d in enumerate(delays[:trials])]
    for trial in results:
        assert trial.check.ok, (trial.delay, trial.check.problems)
        assert trial.recovered, trial.delay
    if trials >= 3:
        assert results[0].killed and results[0].check.state == "before"
        assert not results[2].killed and results[2].check.state == "after"


def test_the_check_notices_a_state_between_before_and_after(prepared, tmp_path):
    # the check must be able to fail: delete one imported row behind the importer's back
    import duckdb

    database = tmp_path / "village.duckdb"
    crash_test._copy_state(prepared.start_dir, tmp_path)
    crash_test.subprocess.run(crash_test.import_command(database, prepared.ledger), check=True, cwd=crash_test.REPO)
    with duckdb.connect(str(database)) as con:
        con.execute("delete from service_tickets where ticket_id = 'CR00000001'")
    check = crash_test.check_database(database, prepared.before, prepared.after)
    assert check.state == "neither" and not check.ok


def test_the_check_notices_a_history_row_without_its_original(prepared, tmp_path):
    database = tmp_path / "village.duckdb"
    crash_test._copy_state(prepared.start_dir, tmp_path)
    crash_test.subprocess.run(crash_test.import_command(database, prepared.ledger), check=True, cwd=crash_test.REPO)
    archived = [p for p in (tmp_path / "archive").iterdir() if p.suffix == ".csv"]
    archived[0].write_bytes(archived[0].read_bytes()[:100])
    check = crash_test.check_database(database, prepared.before, prepared.after)
    assert check.state == "after" and any("damaged" in p for p in check.problems)
