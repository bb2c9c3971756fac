"""The account store: accounts live beside the analytics file, never in it, and moving them out leaves no trace.

A v10 file (accounts inside, as the program kept them until v11) is built through the real
migrations, given accounts whose hashes changed over time (so old versions sit in freed
blocks), and then opened by the current program. The raw bytes of the file and its .wal are
searched for every hash it ever held.
"""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.test_schema import make_v1_file
from village_stats import access
from village_stats.access import ADMIN, VIEWER, Throttle
from village_stats.account_store import AccountStore, store_path
from village_stats.db import ACCOUNTS_MOVED_OUT, Database, migrations, open_database

T0 = datetime(2026, 3, 2, 9, 0, 0)
THROTTLE = Throttle(per_name=5, window=timedelta(minutes=15), overall_factor=2)


def raw_bytes(database_path: Path) -> bytes:
    """Everything on disk that ad-hoc SQL could reach: the file and its write-ahead log."""
    wal = database_path.with_name(database_path.name + ".wal")
    return database_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def make_v10_file(path: Path) -> tuple[Path, list[str]]:
    """A v10 file with two accounts and failed sign-ins; returns it and every hash it ever stored."""
    make_v1_file(path)
    con = duckdb.connect(str(path))
    for version, script in migrations():
        if version < ACCOUNTS_MOVED_OUT:
            con.execute(script.read_text(encoding="utf-8"))
            con.execute("insert into schema_version (version) values ($v)", {"v": version})
    hashes = [access.hash_password(pw, n=2**10) for pw in ("old-admin-password", "admin-password-1", "viewer-pass-1")]
    insert = (
        "insert into users (name, role, password_hash, created_at, created_by, changed_at) values (?, ?, ?, ?, ?, ?)"
    )
    con.execute(insert, ["张书记", ADMIN, hashes[0], T0, "测试", T0])
    con.execute("checkpoint")  # the first hash goes to a data block
    # data after it, then a password change: the old hash is left in a block the file no longer uses
    con.execute("insert into import_rows select 1, 'village_income', '[\"' || range || '\"]', null from range(50000)")
    con.execute("update users set password_hash = ?, changed_at = ? where name = '张书记'", [hashes[1], T0])
    con.execute(insert, ["李干事", VIEWER, hashes[2], T0, "测试", T0])
    con.execute("insert into sign_in_failures values ('李干事', ?)", [T0 - timedelta(minutes=1)])
    con.execute("checkpoint")
    # more data after that, so the blocks the hashes were in are not at the end (an end is truncated)
    con.execute(
        "insert into imports (file_name, sha256, dataset, rows_inserted, rows_updated, rows_unchanged) "
        "select 'f' || range, 'x', 'income', 0, 0, 0 from range(50000)"
    )
    con.execute("checkpoint")
    con.close()
    assert all(h.encode() in raw_bytes(path) for h in hashes[1:])  # the file holds what the test looks for
    return path, hashes


@pytest.fixture
def migrated(tmp_path: Path) -> tuple[Database, list[str]]:
    path, hashes = make_v10_file(tmp_path / "village.duckdb")
    assert Database(path).schema_version() == 10
    return open_database(path), hashes


def secret_parts(stored: str) -> list[bytes]:
    """The whole hash and its salt and key on their own (base64), as a reader of raw bytes would look for them."""
    parts = stored.split("$")
    return [stored.encode(), parts[4].encode(), parts[5].encode()]


def test_migration_moves_the_accounts_and_leaves_no_hash_in_the_analytics_file(migrated):
    database, hashes = migrated
    with database.write() as con:  # as a later writer would: checkpoint and all
        con.execute("checkpoint")
    on_disk = raw_bytes(database.path)
    for stored in hashes:
        for part in secret_parts(stored):
            assert part not in on_disk
    with database.read() as cur:
        tables = {r[0] for r in cur.execute("select table_name from duckdb_tables()").fetchall()}
    assert not tables & {"users", "sign_in_failures"}
    # the accounts themselves came through whole: names, roles, the current password, the failures
    assert [(a.name, a.role) for a in access.accounts(database)] == [("张书记", ADMIN), ("李干事", VIEWER)]
    assert access.failure_count(database, "李干事") == 1
    assert access.sign_in(database, "张书记", "admin-password-1", THROTTLE, T0).account is not None
    assert access.sign_in(database, "张书记", "old-admin-password", THROTTLE, T0).account is None


def test_the_store_is_owner_only_and_the_analytics_file_never_gets_a_hash(empty_db):
    access.add_user(empty_db, "张书记", ADMIN, "admin-password-1", by="测试", now=T0)
    access.change_password(empty_db, "张书记", "admin-password-2", now=T0)
    store = store_path(empty_db.path)
    if os.name == "posix":
        assert stat.S_IMODE(store.stat().st_mode) == 0o600
    with AccountStore(store).read() as con:
        (stored,) = con.execute("select password_hash from users").fetchone()
    for part in secret_parts(stored):
        assert part not in raw_bytes(empty_db.path)


def test_a_store_that_exists_is_the_truth_when_an_old_backup_comes_back(migrated):
    """Restoring a pre-v11 backup migrates it again, but must not revive a removed account or an old password."""
    database, hashes = migrated
    backup = next((database.path.parent / "backups").glob("*before-v*.duckdb"))
    if os.name == "posix":
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # it still holds the hashes
    access.remove_user(database, "李干事")
    access.change_password(database, "张书记", "admin-password-2", now=T0)
    database.restore(backup)
    assert [a.name for a in access.accounts(database)] == ["张书记"]
    assert access.sign_in(database, "张书记", "admin-password-2", THROTTLE, T0).account is not None
    for stored in hashes:
        assert stored.encode() not in raw_bytes(database.path)


def describe(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {
            "tables": con.execute("select table_name, sql from duckdb_tables() order by 1").fetchall(),
            "macros": con.execute(
                "select function_name, macro_definition from duckdb_functions() "
                "where not internal and function_type like '%macro%' order by all"
            ).fetchall(),
            "sequences": con.execute("select sequence_name, last_value from duckdb_sequences() order by 1").fetchall(),
            "indexes": con.execute("select index_name, sql from duckdb_indexes() order by 1").fetchall(),
            "constraints": con.execute(
                "select table_name, constraint_type, constraint_text from duckdb_constraints() order by all"
            ).fetchall(),
        }
        out["rows"] = [
            (name, con.execute(f'select count(*), hash(list(t order by all)) from "{name}" t').fetchone())
            for name, _ in out["tables"]
        ]
    finally:
        con.close()
    return out


def test_a_rewrite_keeps_every_table_macro_sequence_and_row(demo_copy):
    before = describe(demo_copy.path)
    demo_copy.rewrite()
    assert describe(demo_copy.path) == before
    assert before["sequences"] and before["macros"] and before["rows"]
