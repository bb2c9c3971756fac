"""The snapshot of the database file that sandbox children open, never the file itself.

A query then holds no lock an import needs, however long it runs until it is killed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from glob import escape as glob_escape
from pathlib import Path

import duckdb

SNAPSHOT_INFIX = ".sandbox-"
PARTIAL = ".partial"
STALE_PARTIAL_SECONDS = 3600
_SNAPSHOT_LOCK = threading.Lock()


def _file_version(path: Path) -> str:
    """A name-safe token of the file's state, from the file system (as Database.version)."""
    token: list[object] = [str(path)]
    for part in (path, path.with_name(path.name + ".wal")):
        try:
            stat = part.stat()
            token += [stat.st_mtime_ns, stat.st_size]
        except FileNotFoundError:
            token += [0, 0]
    return hashlib.sha256(repr(token).encode()).hexdigest()[:16]


def snapshot_of(path: Path, hold_read_lock: Callable[[], duckdb.DuckDBPyConnection]) -> Path:
    """The snapshot for `path`, beside it; in a private temporary folder when the data folder is read-only.

    `hold_read_lock` opens a plain read-only connection to `path`: while it is open no process
    writes the file. OSError from copying is the caller's to explain.
    """
    try:
        return _snapshot(path, path.parent, hold_read_lock)
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        owner = os.getuid() if hasattr(os, "getuid") else "user"
        private = Path(tempfile.gettempdir()) / f"village_stats-{owner}"
        private.mkdir(mode=0o700, exist_ok=True)
        return _snapshot(path, private, hold_read_lock)


def _snapshot(path: Path, folder: Path, hold_read_lock: Callable[[], duckdb.DuckDBPyConnection]) -> Path:
    """The copy of `path` in `folder` for the file's present state.

    One copy per state of the file, named after it and made while a read lock keeps writers out
    (so the file and its .wal are consistent); older copies are removed (a child still
    reading one keeps it open on POSIX). The copy is written under a temporary name and
    renamed, so a child never opens half a copy.
    """
    with _SNAPSHOT_LOCK:
        target = folder / f"{path.name}{SNAPSHOT_INFIX}{_file_version(path)}"
        if target.exists():
            return target
        con = hold_read_lock()
        try:
            target = folder / f"{path.name}{SNAPSHOT_INFIX}{_file_version(path)}"  # final under the lock
            if not target.exists():
                wal = path.with_name(path.name + ".wal")
                if wal.exists():
                    _copy_whole(wal, target.with_name(target.name + ".wal"))
                _copy_whole(path, target)
        finally:
            con.close()
        for old in folder.glob(f"{glob_escape(path.name)}{SNAPSHOT_INFIX}*"):
            if not old.name.startswith(target.name) and not _in_flight(old):
                old.unlink(missing_ok=True)
        return target


def _copy_whole(source: Path, target: Path) -> None:
    """`source` copied to `target` under a name of this process's own, then renamed into place.

    Another process (the dashboard and a command-line query, or two queries) may be copying the
    same state at the same moment: each writes its own partial file, and the last rename wins
    with the same bytes, so no one renames a file another removed or opens half a copy.
    """
    partial = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}{PARTIAL}")
    try:
        shutil.copyfile(source, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _in_flight(path: Path) -> bool:
    """A partial copy another process may still be writing; one left by a killed process goes after an hour."""
    if not path.name.endswith(PARTIAL):
        return False
    try:
        return time.time() - path.stat().st_mtime < STALE_PARTIAL_SECONDS
    except FileNotFoundError:
        return True  # already renamed or removed by its writer
