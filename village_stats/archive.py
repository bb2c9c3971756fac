"""The originals of imported files, kept by their sha256 beside the database.

An original is written under a temporary name, flushed to disk and renamed before the
import that brought it commits, so the archive never holds half a file under a real name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

from village_stats.db import Database
from village_stats.threads import background


def archive_path(database: Database, sha256: str, suffix: str) -> Path:
    return database.path.parent / "archive" / f"{sha256}{suffix.lower()}"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()  # hashlib lets go of the GIL: this runs beside the reading


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read a quarter megabyte at a time (hashlib lets go of the GIL)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def archive_early(locate: Callable[[], Path], data: bytes) -> tuple[Path, bool]:
    """`archive_original`, started when the import begins: (the archive, whether this call created it).

    Writing and flushing a 200 MB original takes about two seconds of waiting on the
    disk, which used to come after all the checking; now it overlaps it. Its result is
    awaited before the commit, which keeps the order crash safety needs (archive, then
    commit) and raises what the write raised. Started under the write lease, so no other
    import can be archiving the same file.
    """
    archived = locate()  # the name is the file's sha256, which another thread computes
    existed = archived.exists()
    archive_original(archived, data)
    return archived, not existed


def discard_archive(archiving: Future[tuple[Path, bool]] | None) -> None:
    """An import that ends without a commit (refused, unchanged) removes the archive it created,
    as the old order (archive just before the commit) never wrote one."""
    if archiving is not None and archiving.exception() is None:
        archived, created = archiving.result()
        if created:
            with contextlib.suppress(OSError):
                archived.unlink(missing_ok=True)


def archive_original(archived: Path, data: bytes) -> None:
    """Keep the original file under its sha256, durably, before the import commits.

    Written to a temporary name, flushed to disk and renamed, so the archive never
    holds a half-written file under a real name (a kill or a full disk mid-write
    leaves at most a `.partial` file, which nothing refers to). A file already
    there with the wrong size (left by an older version) is written again.
    """
    if archived.exists() and archived.stat().st_size == len(data):
        return
    archived.parent.mkdir(parents=True, exist_ok=True)
    partial = archived.with_name(f".{archived.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, archived)
    finally:
        partial.unlink(missing_ok=True)
    _sync_directory(archived.parent)


class ArchiveCopy:
    """The original copied into the archive folder before it is read, named by its sha256 once that is known.

    As in `archive_original`: written to a temporary name, flushed to disk, then renamed, so
    a kill leaves at most a `.partial` file that nothing refers to. A failed copy (full
    disk, read-only folder) does not stop the reading: it is raised by `place`, where the
    import would commit, so a refused file still gets its errors listed, as before.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.partial: Path | None = None
        self.handle: BinaryIO | None = None
        self.error: OSError | None = None
        self.size = 0
        self.flushed: Future[None] | None = None

    def copy_of(self, source: Path) -> Path | None:
        """`source` copied into the folder under a temporary name by the operating system's own copy
        (no byte passes through Python: a third of the time of writing them from here); the copy, or
        None when copying failed, which `place` then raises."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(prefix=".incoming.", suffix=".partial", dir=self.folder)
            os.close(descriptor)
            self.partial = Path(name)
            shutil.copyfile(source, self.partial)
            self.handle = self.partial.open("rb+")  # kept open for the flush to disk
            self.size = self.handle.seek(0, os.SEEK_END)
        except OSError as error:
            self.error = error
            self._close()
            return None
        return self.partial

    def flush(self) -> None:
        """Start flushing the copy to disk, on a thread of its own: the disk is waited on while DuckDB works."""
        self.flushed = background(self._flush_and_close)

    def _flush_and_close(self) -> None:
        if self.handle is not None:
            try:
                self.handle.flush()
                os.fsync(self.handle.fileno())
            finally:
                self._close()

    def place(self, locate: Callable[[], Path]) -> tuple[Path, bool]:
        """Give the flushed copy its name `locate()`: (the archive, whether this import created it)."""
        archived = locate()
        if self.flushed is not None:
            self.flushed.result()  # raises what the flush raised
        if self.error is not None:
            raise self.error
        if self.partial is None:
            raise RuntimeError("the archive copy was placed before the file was read")
        existed = archived.exists()
        if existed and archived.stat().st_size == self.size:
            self.discard()
            return archived, False
        os.replace(self.partial, archived)
        _sync_directory(archived.parent)
        return archived, not existed

    def discard(self) -> None:
        """Remove the copy if it was not placed (a refused import, a dry run, a failure)."""
        if self.flushed is not None:
            with contextlib.suppress(BaseException):
                self.flushed.result()
        self._close()
        if self.partial is not None:
            with contextlib.suppress(OSError):
                self.partial.unlink(missing_ok=True)

    def _close(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()
            self.handle = None


def _sync_directory(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
