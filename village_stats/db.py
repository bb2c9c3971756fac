"""The database file: where it lives, its schema and migrations, and how processes share it.

DuckDB lets one process hold a file read-write, or many processes hold it
read-only, never both at once. The dashboard and the CLI use the same file, so a
process never keeps the file open between pieces of work: `Database.read()` and
`Database.write()` lease a connection for one block (one page run, one import)
and close it when the last user leaves. A process that finds the file locked by
another one waits, up to `lock_wait_seconds`, and then says so in Chinese.
Inside one process, readers share one read-only connection (a cursor each, so
threads may read at once) and a writer waits for them to finish.

The dashboard's Database keeps its read-only connection open for `linger_seconds`
after the last reader leaves: a leader's next click usually comes within seconds,
and a connection opened anew reads every data block from the file again (at city
scale that is a sixth of a page run). A process waiting to write leaves a marker
file beside the database; while it is there the dashboard closes its connection after
every run, as it did before, so busy pages cannot keep a writer out for longer than
they did. A writer in this process closes the idle connection at once.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from village_stats.account_store import adopt_accounts, store_path
from village_stats.errors import VillageStatsError
from village_stats.queries import MACROS_PATH
from village_stats.settings import REPO_ROOT

DEFAULT_DB_PATH = REPO_ROOT / "data" / "village.duckdb"
# the fictional demo town has a file of its own, so trying the demo never mixes with a town's real data
DEFAULT_DEMO_DB_PATH = REPO_ROOT / "data" / "demo.duckdb"
SCHEMA_PATH = Path(__file__).with_name("schema.sql")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseBusy(VillageStatsError, RuntimeError):
    """Another process held the file for longer than we were willing to wait."""

    code = "database-busy"


class DatabaseMissing(VillageStatsError, RuntimeError):
    """Reading was asked of a database file that does not exist yet."""

    code = "database-missing"


def default_db_path() -> Path:
    """The town's own database: $VILLAGE_STATS_DB, else data/village.duckdb."""
    return Path(os.environ.get("VILLAGE_STATS_DB", DEFAULT_DB_PATH))


def demo_db_path() -> Path:
    """The demo town's database: $VILLAGE_STATS_DEMO_DB, else data/demo.duckdb."""
    return Path(os.environ.get("VILLAGE_STATS_DEMO_DB", DEFAULT_DEMO_DB_PATH))


def migrations() -> list[tuple[int, Path]]:
    """Migration scripts as (version, path), oldest first; `NNN_name.sql`."""
    found = []
    for path in MIGRATIONS_DIR.glob("*.sql"):
        match = re.match(r"(\d+)_", path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


# v11 moves the accounts out of this file into their own store (account_store.py): before its
# script drops the tables, their rows are copied there, and after it the file is rewritten so
# that no freed block still holds a password hash.
ACCOUNTS_MOVED_OUT = 11


def current_schema_version() -> int:
    """The version schema.sql describes: the newest migration's number (1 when there is none)."""
    return max((version for version, _ in migrations()), default=1)


# Up to v10 migrations were numbered one after another and a file recorded only the newest it had
# (a new file: just schema.sql's version). From v11 on, features are built side by side and a
# number may arrive after a higher one (v12 before v11): each later migration is applied exactly
# when the file's schema_version table lacks its number, and a new file records every number.
LINEAR_UNTIL = 10


def pending_migrations(applied: set[int]) -> list[tuple[int, Path]]:
    """The migrations a file with these recorded versions still needs, oldest first."""
    linear = max((version for version in applied if version <= LINEAR_UNTIL), default=0)
    return [
        (version, path)
        for version, path in migrations()
        if version not in applied and not (version <= LINEAR_UNTIL and version <= linear)
    ]


# The macros (metric rules, scopes, rollups) live in queries/_macros.sql, every one `create or replace`.
# A file records the SHA-256 of the text last applied to it; `migrate` applies the text again whenever
# it differs, after any pending migration and in the same transaction, so editing a rule needs no
# migration. DuckDB stores macros in the file, so read-only connections and the sandbox's snapshot
# copies have them without doing anything.
MACROS_TABLE = "applied_macros"


def macros_text() -> str:
    return MACROS_PATH.read_text(encoding="utf-8")


def macros_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_macros(con: duckdb.DuckDBPyConnection, text: str | None = None) -> None:
    """Create or replace every macro of queries/_macros.sql, and record its digest; in the caller's transaction."""
    text = macros_text() if text is None else text
    con.execute(text)
    con.execute(
        f"create table if not exists {MACROS_TABLE} ("
        "sha256 varchar not null, applied_at timestamp not null default current_timestamp)"
    )
    con.execute(f"delete from {MACROS_TABLE}")
    con.execute(f"insert into {MACROS_TABLE} (sha256) values ($digest)", {"digest": macros_digest(text)})


def applied_macros_digest(cur: duckdb.DuckDBPyConnection) -> str | None:
    """The digest of the macros text last applied to the file; None when none was."""
    if not _has_table(cur, MACROS_TABLE):
        return None
    row = cur.execute(f"select sha256 from {MACROS_TABLE}").fetchone()
    return str(row[0]) if row else None


# what a failed write says, as errno (OSError) or in DuckDB's message text, → the Chinese reason
_STORAGE_REASONS = (
    (errno.ENOSPC, "no space left on device", "磁盘空间已满"),
    (errno.EDQUOT, "disk quota exceeded", "磁盘配额已用完"),
    (errno.EFBIG, "file too large", "文件超过了系统允许的大小（磁盘空间或配额不足）"),
    (errno.EROFS, "read-only file system", "所在磁盘为只读"),
    (errno.EACCES, "permission denied", "没有写入权限（文件夹或文件为只读）"),
    (errno.EPERM, "operation not permitted", "没有写入权限（文件夹或文件为只读）"),
)


def storage_problem(error: BaseException, folder: Path) -> str | None:
    """A Chinese sentence for a write that failed because of the disk or permissions; None for anything else.

    Both Python (OSError with an errno) and DuckDB (IOException with the system's
    message in its text) report these, and both must reach the user as one clear line.
    """
    text = str(error).lower()
    for number, words, reason in _STORAGE_REASONS:
        if (isinstance(error, OSError) and error.errno == number) or words in text:
            return (
                f"无法写入数据文件夹“{folder}”：{reason}。本次操作没有写入任何数据，数据库保持原样；"
                "请清理磁盘空间或检查该文件夹的写入权限后重试。"
            )
    return None


# A process waiting to write leaves `<file>.write-wanted` while it waits: a dashboard that keeps
# its read connection open between page runs then closes it after each run instead. A marker
# left by a killed process stops counting after a while (a writer waits lock_wait_seconds).
WRITE_WANTED_SUFFIX = ".write-wanted"
WRITE_WANTED_FRESH_SECONDS = 300


def _touch(path: Path) -> bool:
    try:
        path.touch()
    except OSError:  # a read-only folder: the writer simply waits as before
        return False
    return True


def _is_lock_conflict(error: duckdb.Error) -> bool:
    """Another process holds the file, or another Database of this process holds it the other way
    (read-only against read-write: DuckDB refuses that within one process without a file lock)."""
    text = str(error).lower()
    return "lock" in text or "different configuration" in text


class Database:
    """One per process; see the module docstring for the leasing rules."""

    def __init__(self, path: Path | str, lock_wait_seconds: float = 30.0, linger_seconds: float = 0.0) -> None:
        self.path = Path(path)
        self.lock_wait_seconds = lock_wait_seconds
        self.linger_seconds = linger_seconds
        self._state = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._mode: str | None = None  # None, "read" or "write"
        self._users = 0
        self._closer: threading.Timer | None = None  # closes an idle read connection after linger_seconds

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def write_wanted_path(self) -> Path:
        """The marker a process waiting to write leaves beside the file (see WRITE_WANTED_SUFFIX)."""
        return self.path.with_name(self.path.name + WRITE_WANTED_SUFFIX)

    def version(self) -> tuple[int, ...]:
        """A cheap token that changes whenever the file changes: cache results on it.

        It is read from the file system, so checking it opens nothing and never waits.
        """
        token: list[int] = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                stat = path.stat()
                token += [stat.st_mtime_ns, stat.st_size]
            except FileNotFoundError:
                token += [0, 0]
        return tuple(token)

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_wait_seconds
        delay = 0.05
        wanted = self.write_wanted_path
        marked = False
        try:
            while True:
                try:
                    return duckdb.connect(str(self.path), read_only=read_only)
                except (duckdb.IOException, duckdb.ConnectionException) as error:
                    if not _is_lock_conflict(error) or time.monotonic() >= deadline:
                        if _is_lock_conflict(error):
                            raise DatabaseBusy(
                                f"数据库文件 {self.path.name} 正被另一个程序（看板或命令行导入）占用，"
                                f"已等待 {self.lock_wait_seconds:.0f} 秒仍未释放，请稍后再试。"
                            ) from error
                        raise
                    if not read_only and not marked:
                        marked = _touch(wanted)  # a dashboard keeping its read connection lets go of it
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
        finally:
            if marked:
                wanted.unlink(missing_ok=True)

    def _write_wanted(self) -> bool:
        """Another process is waiting to write (its marker is fresh): keep nothing open for the next reader."""
        try:
            age = time.time() - self.write_wanted_path.stat().st_mtime
        except OSError:
            return False
        return age < WRITE_WANTED_FRESH_SECONDS

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on a shared read-only connection, for one block of reading."""
        if not self.exists():
            raise DatabaseMissing(f"数据库文件 {self.path} 不存在，请先导入数据或运行 python -m village_stats demo")
        with self._state:
            self._state.wait_for(lambda: self._mode != "write")
            self._stop_closer()
            if self._con is None:
                self._con = self._open(read_only=True)
                self._mode = "read"
            self._users += 1
            cursor = self._con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            self._release()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The process's only read-write connection, for one block of writing."""
        with self._state:
            self._take_over()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = self._open(read_only=False)
            self._mode = "write"
            self._users = 1
        try:
            yield self._con
        finally:
            self._release()

    def _release(self) -> None:
        with self._state:
            self._users -= 1
            if self._users or self._con is None:
                return
            if self._mode == "read" and self.linger_seconds > 0 and not self._write_wanted():
                self._closer = threading.Timer(self.linger_seconds, self._close_if_idle)
                self._closer.daemon = True
                self._closer.start()
            else:
                self._close()

    def _take_over(self) -> None:
        """Wait (holding `_state`) until no lease is held; close a read connection left open for the next reader."""
        self._state.wait_for(lambda: self._mode is None or (self._mode == "read" and self._users == 0))
        if self._con is not None:
            self._close()

    def close_idle(self) -> None:
        """Close the read connection kept for the next reader, once no lease is held: before the file is
        replaced (Windows refuses to delete or rename a file that is still open)."""
        with self._state:
            self._take_over()

    def _close_if_idle(self) -> None:
        with self._state:
            if self._users == 0 and self._mode == "read" and self._closer is threading.current_thread():
                self._close()

    def _stop_closer(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None

    def _close(self) -> None:
        self._stop_closer()
        if self._con is not None:
            self._con.close()
        self._con = None
        self._mode = None
        self._state.notify_all()

    def schema_version(self) -> int:
        """0 for a file without our schema (new or foreign), else the version recorded in it."""
        if not self.exists():
            return 0
        with self.read() as cur:
            return _schema_version(cur)

    def migrate(self) -> list[int]:
        """Create the schema in a new file, or upgrade an older file in place.

        Before an upgrade the file is copied to `backups/` beside it, so a failed
        migration can be undone by hand. queries/_macros.sql is applied after the
        migrations, and on its own whenever it changed since it was last applied
        (no backup for that: every macro is replaced whole). Returns the versions applied.
        """
        target = current_schema_version()
        recorded, digest = self._recorded_state()
        found = max(recorded, default=0)
        if found > target:
            raise RuntimeError(f"数据库文件版本 v{found} 比本程序 (v{target}) 新，请升级程序")
        pending = pending_migrations(recorded) if found else []
        macros = macros_text()
        if found and not pending:
            if digest != macros_digest(macros):
                with self.write() as con:
                    con.execute("begin transaction")
                    apply_macros(con, macros)
                    con.execute("commit")
            return []
        if found:
            saved = self.backup(label=f"before-v{target}")
            if any(version == ACCOUNTS_MOVED_OUT for version, _ in pending) and os.name == "posix":
                saved.chmod(0o600)  # it still holds the password hashes
        applied: list[int] = []
        with self.write() as con:
            con.execute("begin transaction")
            if found == 0:
                con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
                versions = sorted({target, *(version for version, _ in migrations())})
                for version in versions:
                    con.execute("insert into schema_version (version) values ($v)", {"v": version})
                applied.append(target)
            else:
                for version, path in pending:
                    if version == ACCOUNTS_MOVED_OUT:
                        adopt_accounts(con, store_path(self.path))
                    con.execute(path.read_text(encoding="utf-8"))
                    con.execute("insert into schema_version (version) values ($v)", {"v": version})
                    applied.append(version)
            apply_macros(con, macros)
            con.execute("commit")
        if ACCOUNTS_MOVED_OUT in applied:
            self.rewrite()
        return applied

    def recorded_versions(self) -> set[int]:
        """The versions the file's schema_version table records; empty for a new or foreign file."""
        return self._recorded_state()[0]

    def _recorded_state(self) -> tuple[set[int], str | None]:
        """The recorded versions and the digest of the macros applied, read under one lease."""
        if not self.exists():
            return set(), None
        with self.read() as cur:
            if not _schema_version(cur):
                return set(), None
            versions = {int(row[0]) for row in cur.execute("select version from schema_version").fetchall()}
            return versions, applied_macros_digest(cur)

    def rewrite(self) -> None:
        """Copy every object and row into a fresh file and put it in place of this one.

        DuckDB reuses freed blocks but does not clear them (measured: a dropped table's strings
        stay in the file after CHECKPOINT and VACUUM), so bytes that must not stay readable in the
        file (the accounts before v11) leave it only by a rewrite. `COPY FROM DATABASE` keeps
        tables, constraints, indexes, macros and sequence values (checked in tests/test_account_store.py).
        """
        staging = self.path.with_name(self.path.name + ".rewriting")
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        with self._state:
            self._take_over()
            con = self._open(read_only=False)
            try:
                source = con.execute("select current_database()").fetchone()[0]
                quoted_path = str(staging).replace("'", "''")
                con.execute(f"attach '{quoted_path}' as rewritten")
                con.execute(f'copy from database "{source.replace(chr(34), chr(34) * 2)}" to rewritten')
                con.execute("detach rewritten")
            except BaseException:
                con.close()
                staging.unlink(missing_ok=True)
                raise
            con.close()
            self.path.with_name(self.path.name + ".wal").unlink(missing_ok=True)
            staging.replace(self.path)

    def backup(self, destination: Path | None = None, label: str = "backup") -> Path:
        """A consistent copy of the file, taken while holding the write lease."""
        if destination is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            destination = self.path.parent / "backups" / f"{self.path.stem}-{label}-{stamp}.duckdb"
        destination.parent.mkdir(parents=True, exist_ok=True)
        with self.write() as con:
            con.execute("checkpoint")
            shutil.copy2(self.path, destination)
        return destination

    def restore(self, source: Path) -> Path:
        """Put a backup in place of the file; the current file is backed up first. Returns that backup.

        The source is checked (a 村情看板 database of this or an older version) before
        anything changes, and an older one is migrated after it is in place.
        """
        found = Database(source, self.lock_wait_seconds)
        try:
            version = found.schema_version() if source.is_file() else 0
        except duckdb.Error as error:
            raise ValueError(f"{source.name} 不是可用的数据库文件：{error}") from error
        if version == 0:
            raise ValueError(f"{source.name} 不是村情看板的数据库备份")
        if version > current_schema_version():
            raise ValueError(f"{source.name} 的版本 v{version} 比本程序新，请先升级程序")
        safety = self.backup(label="before-restore")
        staging = self.path.with_name(self.path.name + ".restoring")
        shutil.copy2(source, staging)
        with self._state:
            self._take_over()
            # holding the file lock for a moment proves no other process is inside a lease
            self._open(read_only=False).close()
            self.path.with_name(self.path.name + ".wal").unlink(missing_ok=True)
            staging.replace(self.path)
        self.migrate()
        return safety


TOWN_KEY = "town"


def recorded_town(cur: duckdb.DuckDBPyConnection) -> str | None:
    """The town this database belongs to, as `init` (or the demo build) recorded it; None when none is."""
    if not _has_table(cur, "app_settings"):
        return None
    row = cur.execute("select value from app_settings where key = $key", {"key": TOWN_KEY}).fetchone()
    return str(row[0]) if row else None


def record_town(con: duckdb.DuckDBPyConnection, town: str) -> None:
    con.execute(
        "insert or replace into app_settings (key, value, changed_at) values ($key, $value, current_timestamp)",
        {"key": TOWN_KEY, "value": town},
    )


def _has_table(cur: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = cur.execute("select count(*) from information_schema.tables where table_name = $name", {"name": name})
    row = found.fetchone()
    return bool(row and row[0])


def _schema_version(cur: duckdb.DuckDBPyConnection) -> int:
    if not _has_table(cur, "schema_version"):
        return 0
    row = cur.execute("select max(version) from schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def open_database(path: Path | str | None = None, lock_wait_seconds: float = 30.0) -> Database:
    """A Database for `path` (default: $VILLAGE_STATS_DB or data/village.duckdb), schema up to date."""
    database = Database(path or default_db_path(), lock_wait_seconds=lock_wait_seconds)
    database.migrate()
    return database
