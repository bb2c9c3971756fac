"""The account store: accounts, password hashes and failed sign-ins, in their own file beside the database.

Ad-hoc SQL opens the analytics file, so nothing secret may live in it: any byte of it
(its freed blocks and `.wal` included) is one file reader away from a user. The store is
a SQLite file, `<database>.accounts`, readable and writable by the owner only (0600),
that the sandbox never opens. SQLite rather than a second DuckDB file because several
processes (the dashboard, a CLI `user add`) must write it at once without the
one-writer-process lock DuckDB has, and because `BEGIN IMMEDIATE` gives the sign-in
throttle one serialised transaction per attempt across threads and processes.
`secure_delete` zeroes a replaced hash's bytes in the file. See docs/decisions.md,
"Account store".

The store's schema has its own short migration list (`MIGRATIONS`, version in
`PRAGMA user_version`), independent of the analytics schema's numbered files: a new
column is one entry appended there.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

STORE_SUFFIX = ".accounts"
BUSY_SECONDS = 30.0

# (version, script); append only. Roles are checked in Python (access.ROLES), not by a CHECK
# constraint, so a new role needs no table rebuild (SQLite cannot alter a constraint).
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        create table users (
            name text primary key check (length(trim(name)) > 0),
            role text not null,
            password_hash text not null check (password_hash like 'scrypt$%'),
            created_at text not null,  -- ISO 8601 local time, as access.py writes it
            created_by text not null default '本机用户',
            -- set whenever the password or the role changes: sessions signed in before it end
            changed_at text not null
        );
        create table sign_in_failures (
            user_name text not null,
            failed_at text not null
        );
        create index sign_in_failures_by_time on sign_in_failures (failed_at);
        """,
    ),
    # a village account (role village) reports for one village or community of the registry
    (2, "alter table users add column unit text"),
]


def store_path(database_path: Path | str) -> Path:
    """Where the accounts of the database at `database_path` live."""
    path = Path(database_path)
    return path.with_name(path.name + STORE_SUFFIX)


def as_text(moment: datetime) -> str:
    """How the store writes a moment: fixed-width ISO text, so comparing the text orders the moments."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def _owner_only(path: Path) -> None:
    """Create the file 0600 if it is missing, and make an existing one owner-only (POSIX; a no-op elsewhere)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)


class AccountStore:
    """One file; a connection per operation (opening SQLite costs well under a millisecond)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @classmethod
    def beside(cls, database_path: Path | str) -> AccountStore:
        return cls(store_path(database_path))

    def version(self) -> tuple[int, int]:
        """A cheap token that changes when the file does: cache account lists on it."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_size)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _owner_only(self.path)
        con = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        # rollback journal (not WAL): the journal inherits the file's 0600 and is gone after each commit
        con.execute("pragma journal_mode = delete")
        con.execute("pragma secure_delete = on")
        con.execute("pragma foreign_keys = on")
        self._migrate(con)
        return con

    @staticmethod
    def _migrate(con: sqlite3.Connection) -> None:
        found = con.execute("pragma user_version").fetchone()[0]
        if found >= MIGRATIONS[-1][0]:
            return
        con.execute("begin immediate")
        try:
            found = con.execute("pragma user_version").fetchone()[0]  # another process may have done it
            for version, script in MIGRATIONS:
                if version > found:
                    for statement in script.split(";"):
                        if statement.strip():
                            con.execute(statement)
                    con.execute(f"pragma user_version = {int(version)}")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): concurrent ones wait their turn."""
        con = self._connect()
        try:
            con.execute("begin immediate")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")
        finally:
            con.close()


def adopt_accounts(analytics: Any, path: Path) -> int:
    """Copy the accounts and failed sign-ins of an older analytics file (a DuckDB connection inside the
    migration that then drops them) into the store at `path`; returns how many accounts were copied.

    Only a store that does not exist yet adopts: once it exists it is the truth, so restoring an old
    backup cannot bring back an account removed since, or an old password.
    """
    if path.exists():
        return 0
    users = analytics.execute(
        "select name, role, password_hash, created_at, created_by, changed_at from users"
    ).fetchall()
    failures = analytics.execute("select user_name, failed_at from sign_in_failures").fetchall()
    store = AccountStore(path)
    with store.transaction() as con:
        con.executemany(
            "insert or ignore into users (name, role, password_hash, created_at, created_by, changed_at) "
            "values (?, ?, ?, ?, ?, ?)",
            [(n, r, h, as_text(c), b, as_text(ch)) for n, r, h, c, b, ch in users],
        )
        con.executemany("insert into sign_in_failures values (?, ?)", [(n, as_text(t)) for n, t in failures])
    return len(users)
