"""Ledger files → the database, all or nothing, with history and undo.

One file is one transaction: every sheet in it validates, or nothing is
written. Rows are upserted by the dataset's natural key; before a row is
changed its old values are kept in `import_rows`, so `undo` can put back
exactly what was there. The original file is archived by its sha256 beside
the database before the transaction commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

import duckdb

from village_stats import reading, rounds, ticket_counts
from village_stats.datasets import DATASETS, IMPORT_ORDER, Dataset
from village_stats.db import Database, DatabaseBusy, demo_db_path, record_town, storage_problem
from village_stats.errors import VillageStatsError
from village_stats.reading import (
    SPREADSHEET_SUFFIXES,
    LocatedTable,
    RawSheet,
    SheetNote,
    UnreadableFile,
    locate_table,
    read_sheets,
    stream_bulk_csv,
)
from village_stats.settings import REPO_ROOT, Settings
from village_stats.validation import Issue, errors_in, validate_table
from village_stats.workbooks import start_reading

log = logging.getLogger(__name__)
T = TypeVar("T")

CHANGE_SAMPLE = 50
IMPORT_MEMORY_LIMIT = "600MB"
PREVIEW_ROWS = 20
# the year a row of a dataset without a 年度 column belongs to
YEAR_OF = {
    "tickets": "year(ordered_at)",
    "member_points": "cast(left(period, 4) as integer)",
    "sages": "year(date)",
}


@dataclass
class TableOutcome:
    """What one sheet did (or, in a dry run, would do) to its table."""

    sheet: str
    dataset: Dataset
    years: list[int]
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)  # key, column, old, new
    import_id: int | None = None
    part: int = 0  # position of the sheet among the file's imported sheets
    header_row: int = 0  # Excel row number of the header
    money_unit: str = ""  # where amounts without their own unit were read in (万元 from “单位：万元” …)
    preview: list[dict[str, object]] = field(default_factory=list)  # first rows as they will be stored
    removed: int = 0  # a resubmission: the unit's stored rows of the year that the new sheet no longer has


@dataclass
class FileOutcome:
    file_name: str
    sha256: str | None = None
    tables: list[TableOutcome] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    submission: rounds.Submission | None = None  # a 报送: the round and unit this file was sent for

    @property
    def ok(self) -> bool:
        return not errors_in(self.issues) and bool(self.tables)

    @property
    def changes_anything(self) -> bool:
        return any(t.inserted or t.updated or t.removed for t in self.tables)

    def summary(self) -> str:
        """A Chinese line per sheet, as the CLI and the page print it."""
        if not self.ok:
            return f"{self.file_name}：发现 {len(errors_in(self.issues))} 处错误，未导入任何数据。"
        lines = []
        for t in self.tables:
            years = "、".join(str(y) for y in t.years)
            scope = f"（{years}年）" if years else ""
            counts = f"新增 {t.inserted} 行，更新 {t.updated} 行，未变 {t.unchanged} 行"
            if t.removed:
                counts += f"，删除 {t.removed} 行（本村上次报送有、本次没有）"
            if self.committed:
                lines.append(f"{self.file_name} · {t.sheet} → {t.dataset.title}{scope}：已导入，{counts}")
            elif self.dry_run:
                lines.append(f"{self.file_name} · {t.sheet} → {t.dataset.title}{scope}：预览（未写入），{counts}")
            else:
                lines.append(
                    f"{self.file_name} · {t.sheet} → {t.dataset.title}{scope}：内容与数据库一致，"
                    f"未做任何更改（{t.unchanged} 行）"
                )
        return "\n".join(lines)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(dataset: Dataset) -> list[str]:
    """The stored columns of a dataset's table, in schema order."""
    names = [c.name for c in dataset.columns]
    return ["project_key", *names] if dataset.name == "projects" else names


def _key_json(dataset: Dataset, alias: str) -> str:
    return "to_json([" + ", ".join(f"cast({alias}.{_quote(k)} as varchar)" for k in dataset.key) + "])"


def _row_json(dataset: Dataset, alias: str) -> str:
    return (
        "to_json({" + ", ".join(f"'{c}': cast({alias}.{_quote(c)} as varchar)" for c in table_columns(dataset)) + "})"
    )


def registry(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for town, name in con.execute("select town, name from villages order by town, name").fetchall():
        names.setdefault(town, []).append(name)
    return names


def archive_path(database: Database, sha256: str, suffix: str) -> Path:
    return database.path.parent / "archive" / f"{sha256}{suffix.lower()}"


def import_file(
    database: Database,
    path: Path,
    settings: Settings,
    dataset: str | None = None,
    year: int | None = None,
    dry_run: bool = False,
    user: str = "本机用户",
    data: bytes | None = None,
    file_name: str | None = None,
    progress: Callable[[float, str], None] | None = None,
    submission: rounds.Submission | None = None,
) -> FileOutcome:
    """Read, validate and (unless `dry_run` or an error is found) commit one file.

    `progress(fraction, words)` is told how far the import has got, for a progress bar.
    With a `submission` the file is one unit's 报送 to a round (see rounds.py): only that
    unit's rows of the round's year are accepted, and they replace what the unit had.
    """
    report = progress or (lambda fraction, words: None)
    file_name = file_name or path.name
    outcome = FileOutcome(file_name, submission=submission)
    if data is None and Path(file_name).suffix.lower() == ".csv":
        streamed = _import_streamed(database, path, outcome, settings, dataset, year, dry_run, user, report)
        if streamed is not None:
            return streamed
    on_disk = path if data is None else None  # a bulk CSV may then be read where it lies
    try:
        data = data if data is not None else path.read_bytes()
    except OSError as error:
        outcome.issues.append(Issue(file_name, None, None, None, None, "unreadable-file", f"无法打开文件：{error}"))
        return outcome
    limit = settings.max_file_mb * 1024 * 1024
    if len(data) > limit:
        return _too_large(outcome, len(data), settings)
    if not data:
        outcome.issues.append(Issue(file_name, None, None, None, None, "empty-file", "文件为空"))
        return outcome
    digest = _background(_sha256, data)  # hashing 200 MB takes a few tenths of a second
    try:
        return _read_and_import(
            database, on_disk, data, digest, outcome, settings, dataset, year, dry_run, user, report
        )
    finally:
        outcome.sha256 = digest.result()


def _read_and_import(
    database: Database,
    on_disk: Path | None,
    data: bytes,
    digest: Future[str],
    outcome: FileOutcome,
    settings: Settings,
    dataset: str | None,
    year: int | None,
    dry_run: bool,
    user: str,
    report: Callable[[float, str], None],
) -> FileOutcome:
    file_name = outcome.file_name
    report(0.05, "正在读取文件")
    with tempfile.TemporaryDirectory(prefix="village-import-") as workdir:

        def attempt() -> FileOutcome:
            if Path(file_name).suffix.lower() in SPREADSHEET_SUFFIXES:
                sheets = _read_workbook_meanwhile(Path(file_name).name, data)
            else:
                sheets = read_sheets(Path(file_name), data, workdir=Path(workdir), on_disk=on_disk)

            def archive(locate: Callable[[], Path]) -> tuple[Path, bool]:
                return _archive_early(locate, data)

            return _import_sheets(
                database, sheets, outcome, archive, digest, settings, dataset, year, dry_run, user, report
            )

        return _guarded(database, outcome, attempt)


def _import_streamed(
    database: Database,
    path: Path,
    outcome: FileOutcome,
    settings: Settings,
    dataset: str | None,
    year: int | None,
    dry_run: bool,
    user: str,
    report: Callable[[float, str], None],
) -> FileOutcome | None:
    """A large CSV on disk, its bytes read once: hashed, copied to the archive and checked in one pass.

    Reading a 600 MB file whole (for the hash, the archive copy and the checks) while DuckDB
    reads it again from disk took the import past a gigabyte. None when the file is not such
    a CSV (small, not a regular file) or needs the Python path (blank lines, NUL bytes, an
    encoding it cannot decode): the caller then reads it whole, as before.
    """
    file_name = outcome.file_name
    try:
        size = path.stat().st_size
    except OSError:
        return None  # reading it whole says why it cannot be opened
    if not path.is_file() or size == 0 or size < reading.BULK_CSV_BYTES:
        return None
    limit = settings.max_file_mb * 1024 * 1024
    if size > limit:
        return _too_large(outcome, size, settings)
    hasher = hashlib.sha256()
    copy = None if dry_run else _ArchiveCopy(database.path.parent / "archive")
    sinks = [hasher.update] if copy is None else [hasher.update, copy.write]
    report(0.05, "正在读取文件")
    try:
        with tempfile.TemporaryDirectory(prefix="village-import-") as workdir:

            def attempt() -> FileOutcome | None:
                sheet = stream_bulk_csv(Path(file_name), path, Path(workdir), sinks)
                if sheet is None:
                    return None
                outcome.sha256 = hasher.hexdigest()
                digest: Future[str] = Future()
                digest.set_result(outcome.sha256)
                if copy is not None:
                    copy.flush()  # on its own thread, while DuckDB reads and checks the file
                archive = None if copy is None else copy.place
                return _import_sheets(
                    database, [sheet], outcome, archive, digest, settings, dataset, year, dry_run, user, report
                )

            return _guarded(database, outcome, attempt)
    finally:
        if copy is not None:
            copy.discard()


def _too_large(outcome: FileOutcome, size: int, settings: Settings) -> FileOutcome:
    message = f"文件大小 {size / 1048576:.1f} MB，超过上限 {settings.max_file_mb} MB（可在设置中调整）"
    outcome.issues.append(Issue(outcome.file_name, None, None, None, None, "file-too-large", message))
    return outcome


def _guarded(database: Database, outcome: FileOutcome, attempt: Callable[[], T]) -> T | FileOutcome:
    """`attempt()`, what it raises turned into an issue naming the file (or raised, if the database is busy)."""
    file_name = outcome.file_name
    try:
        return attempt()
    except UnreadableFile as error:
        outcome.issues.append(Issue(file_name, None, None, None, None, "unreadable-file", str(error)))
        return outcome
    except DatabaseBusy:
        raise
    except Exception as error:
        if outcome.committed:  # the commit went through; closing the file afterwards failed
            log.warning("closing the database after importing %s failed: %s", file_name, error)
            return outcome
        # the transaction was rolled back (or never committed): nothing of this file is in the database
        outcome.tables = []
        outcome.committed = False
        problem = storage_problem(error, database.path.parent)
        if problem is not None:
            outcome.issues.append(Issue(file_name, None, None, None, None, "write-failed", problem))
            return outcome
        # a case the reader and validator do not know yet: a bug to fix, but the user gets a sentence
        log.exception("import of %s failed", file_name)
        words = f"导入时发生未预料的错误，未写入任何数据（{type(error).__name__}: {str(error)[:300]}）"
        outcome.issues.append(Issue(file_name, None, None, None, None, "internal-error", words))
        return outcome


def _read_workbook_meanwhile(file_name: str, data: bytes) -> list[RawSheet]:
    """The workbook's sheets, parsed in the reading child while this process gets ready.

    The child's parse is single-threaded; the parent would otherwise sit idle and then
    pay for importing pandas, which DuckDB does when a long sheet's Arrow columns are
    registered (half a second in a fresh CLI process). A workbook under a megabyte
    has no long sheet, and its rows go in without Arrow, so it skips the warm-up.
    """
    pending = start_reading(file_name, data)
    if len(data) > 1 << 20:
        try:
            import pandas  # noqa: F401  (already loaded in the dashboard; only the CLI pays, in parallel)
        except BaseException:
            pending.cancel()
            raise
    return pending.result()


def _import_sheets(
    database: Database,
    sheets: list[RawSheet],
    outcome: FileOutcome,
    archive: Callable[[Callable[[], Path]], tuple[Path, bool]] | None,
    digest: Future[str],
    settings: Settings,
    dataset: str | None,
    year: int | None,
    dry_run: bool,
    user: str,
    report: Callable[[float, str], None],
) -> FileOutcome:
    """Locate, validate and (unless told otherwise) commit the sheets of one file, in one transaction.

    `archive(locate)` keeps the original at `locate()` durably: (the archive, whether it created it);
    a dry run archives nothing.
    """
    file_name = outcome.file_name
    submission = outcome.submission
    if submission is not None:
        with database.read() as cur:
            asked = rounds.submission_round(cur, submission, file_name)
        if isinstance(asked, Issue):
            outcome.issues.append(asked)
            return outcome
        dataset, year = asked.dataset, asked.year

    chosen = DATASETS[dataset] if dataset else None
    located: list[LocatedTable] = []
    for sheet in sheets:
        found = locate_table(sheet, file_name, chosen)
        if isinstance(found, SheetNote):
            outcome.notes.append(found.message)
        else:
            located.append(found)
            outcome.notes += found.notes
    if not located:
        message = "未在任何工作表中找到可识别的台账表头；" + "；".join(outcome.notes)
        outcome.issues.append(Issue(file_name, None, None, None, None, "unknown-layout", message))
        return outcome
    if submission is not None and len(located) > 1:
        names = "、".join(f"“{t.sheet}”" for t in located)
        message = f"一个报送文件只能有一张{located[0].dataset.title}表，此文件有 {len(located)} 张：{names}"
        outcome.issues.append(Issue(file_name, None, None, None, None, "several-sheets", message))
        return outcome

    outcome.dry_run = dry_run
    with database.write() as con:
        # a million-row file must not take the server's memory: DuckDB spills beyond this
        con.execute(f"set memory_limit = '{IMPORT_MEMORY_LIMIT}'")
        con.execute("begin transaction")
        # the original goes to disk (and is flushed) while DuckDB reads and checks it
        suffix = Path(file_name).suffix

        def locate() -> Path:
            return archive_path(database, digest.result(), suffix)

        archiving = None if dry_run or archive is None else _background(archive, locate)
        try:
            first_id = _next_import_id(con)
            round_ = None
            if submission is not None:  # checked again under the write lease: the town may have just closed it
                round_ = rounds.submission_round(con, submission, file_name)
                if isinstance(round_, Issue):
                    outcome.issues.append(round_)
                    located = []
            confirmed = 0
            for index, table in enumerate(located):
                view = f"typed_{index}"
                report(0.3 + 0.5 * index / len(located), f"正在校验工作表“{table.sheet}”")
                validated = validate_table(con, table, settings, registry(con), year, view)
                outcome.issues += validated.issues
                if not validated.ok:
                    continue
                if round_ is not None:
                    found = _submission_issues(con, table, view, round_, submission, settings)
                    outcome.issues += found
                    if errors_in([i for i in found if i.code != "unconfirmed-changes"]):
                        continue
                    confirmed = sum(1 for i in found if i.code == "abnormal-change")
                # a dry run keeps no before-images: it is rolled back whatever happens
                import_id = None if dry_run else first_id + len(outcome.tables)
                applied = _apply(con, table, view, part=index, import_id=import_id)
                outcome.tables.append(applied)
                if round_ is not None:
                    applied.removed = _remove_unit_rows(con, table.dataset, view, round_, submission.unit, import_id)
                else:
                    _refuse_if_round_closed(con, applied, outcome)
            # a submission is recorded even when it changes nothing: the unit has reported
            unchanged = not outcome.changes_anything and submission is None
            if dry_run or not outcome.ok or unchanged:
                _discard_archive(archiving)
                con.execute("rollback")
                for table_outcome in outcome.tables:
                    table_outcome.import_id = None  # nothing was recorded
                report(1.0, "检查完成")
                return outcome
            report(0.85, "正在写入数据库")
            if archiving is not None:
                archiving.result()
            outcome.sha256 = digest.result()
            for table_outcome in outcome.tables:
                _record(con, table_outcome, outcome, user)
            if submission is not None:
                first = outcome.tables[0]
                rows = first.inserted + first.updated + first.unchanged
                rounds.record_submission(con, submission, first.import_id, user, rows, confirmed)
            con.execute("commit")
            outcome.committed = True
            report(1.0, "导入完成")
        except BaseException:
            _discard_archive(archiving)
            _rollback(con)
            raise
    return outcome


def _submission_issues(
    con: duckdb.DuckDBPyConnection,
    table: LocatedTable,
    view: str,
    round_: rounds.Round,
    submission: rounds.Submission,
    settings: Settings,
) -> list[Issue]:
    """Rows outside the unit, town or year (errors), then 异常波动 against last year (warnings to confirm)."""
    where = (table.file_name, table.sheet)
    headers = {c.column.name: c.written for c in table.columns}
    scoped = rounds.scope_issues(con, view, headers, round_, submission.unit, where)
    if scoped:
        return scoped
    changes = rounds.abnormal_changes(con, view, round_, submission.unit, settings.round_change_warning_pct)
    return rounds.change_issues(changes, headers, round_.year, submission.confirm_changes, where)


def _remove_unit_rows(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    view: str,
    round_: rounds.Round,
    unit: str,
    import_id: int | None,
) -> int:
    """A resubmission replaces the unit's rows of the year: stored rows the new sheet lacks go, kept for undo."""
    target = dataset.table
    year = rounds.year_sql(dataset)
    matches = " and ".join(f"i.{_quote(k)} = t.{_quote(k)}" for k in dataset.key)
    in_year = f" and {year} = $year" if year else ""
    con.execute(
        f"create or replace temp table leaving as select * from {target} as t "
        f"where town = $town and village = $unit{in_year} "
        f"and not exists (select 1 from {_quote(view)} as i where {matches})",
        {"town": round_.town, "unit": unit} | ({"year": round_.year} if year else {}),
    )
    removed = con.execute("select count(*) from leaving").fetchone()[0]
    if not removed:
        return 0
    if import_id is not None:
        con.execute(
            f"insert into import_rows select {import_id}, '{target}', {_key_json(dataset, 't')}, "
            f"{_row_json(dataset, 't')} from leaving as t"
        )
    leaving_keys = f"select {_key_json(dataset, 't')} from leaving as t"
    con.execute(f"delete from {target} where {_key_json(dataset, target)} in ({leaving_keys})")
    if target == "service_tickets" and import_id is not None:
        ticket_counts.refresh(con, [round_.year])
    return removed


def _refuse_if_round_closed(con: duckdb.DuckDBPyConnection, table: TableOutcome, outcome: FileOutcome) -> None:
    """A town import may not change a year that a closed round has locked."""
    closed = rounds.closed_round_for(con, table.dataset.name, table.years)
    if closed is not None and (table.inserted or table.updated):
        message = (
            f"{closed.title}的报送任务 #{closed.round_id} 已关闭（数据已锁定），不能再导入或修改该年度数据；"
            "如需更正请先重新打开报送任务"
        )
        outcome.issues.append(Issue(outcome.file_name, table.sheet, None, None, None, "round-closed", message))


def _background(function: Callable[..., T], *args: object) -> Future[T]:
    """`function(*args)` on a thread of its own; `.result()` waits, then returns or raises what it did."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, name=function.__name__, daemon=True).start()
    return future


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()  # hashlib lets go of the GIL: this runs beside the reading


def _archive_early(locate: Callable[[], Path], data: bytes) -> tuple[Path, bool]:
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


def _discard_archive(archiving: Future[tuple[Path, bool]] | None) -> None:
    """An import that ends without a commit (refused, unchanged) removes the archive it created,
    as the old order (archive just before the commit) never wrote one."""
    if archiving is not None and archiving.exception() is None:
        archived, created = archiving.result()
        if created:
            with contextlib.suppress(OSError):
                archived.unlink(missing_ok=True)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open; a failed commit (full disk) has already ended it."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")


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


class _ArchiveCopy:
    """The original copied into the archive folder as it is read, named by its sha256 once that is known.

    As in `archive_original`: written to a temporary name, flushed to disk, then renamed, so
    a kill leaves at most a `.partial` file that nothing refers to. A failed write (full
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

    def write(self, chunk: bytes) -> None:
        if self.error is not None:
            return
        try:
            if self.handle is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                descriptor, name = tempfile.mkstemp(prefix=".incoming.", suffix=".partial", dir=self.folder)
                self.partial, self.handle = Path(name), os.fdopen(descriptor, "wb")
            self.handle.write(chunk)
            self.size += len(chunk)
        except OSError as error:
            self.error = error
            self._close()

    def flush(self) -> None:
        """Start flushing the copy to disk, on a thread of its own: the disk is waited on while DuckDB works."""
        self.flushed = _background(self._flush_and_close)

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


def _next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    """The number the next recorded import gets.

    Taken as max + 1 inside the write transaction (there is one writer at a time), not
    from a sequence: DuckDB sequences do not roll back, and a refused or previewed file
    must not leave a gap in the numbers the history shows.
    """
    row = con.execute("select coalesce(max(import_id), 0) + 1 from imports").fetchone()
    return int(row[0]) if row else 1


def _apply(
    con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str, part: int, import_id: int | None
) -> TableOutcome:
    """Classify incoming rows as new/changed/unchanged, keep before-images under `import_id`, upsert."""
    dataset = table.dataset
    target = dataset.table
    columns = table_columns(dataset)
    on = " and ".join(f"t.{_quote(k)} = i.{_quote(k)}" for k in dataset.key)
    # a column the file does not have keeps what is stored: a sheet of 总收入 alone must not wipe 补助收入
    absent = _absent_columns(table)
    exists = f"t.{_quote(dataset.key[0])} is not null"
    merged = ", ".join(
        f"case when {exists} then t.{_quote(c)} else i.{_quote(c)} end as {_quote(c)}"
        if c in absent
        else f"i.{_quote(c)}"
        for c in columns
    )
    # one join classifies every row and keeps the stored values of the rows it will change
    # (a sheet of key columns only changes nothing)
    differs = (
        " or ".join(
            f"t.{_quote(c)} is distinct from i.{_quote(c)}" for c in columns if c not in dataset.key and c not in absent
        )
        or "false"
    )
    change = f"case when not {exists} then 'new' when {differs} then 'changed' else 'unchanged' end"
    before = (
        f"case when {exists} and ({differs}) then {_row_json(dataset, 't')} end" if import_id is not None else "null"
    )
    # a semi join hashes its right side: hash the smaller (a month of tickets, or a city's five million)
    stored, arriving = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in (target, _quote(view)))
    incoming_side, stored_side = f"{_quote(view)} as i", f"{target} as t"
    pair = (
        f"{incoming_side} semi join {stored_side}" if stored < arriving else f"{stored_side} semi join {incoming_side}"
    )
    if con.execute(f"select exists (select 1 from {pair} on {on})").fetchone()[0]:
        con.execute(
            f"create or replace temp table incoming_rows as select i._row, {merged}, {change} as _change, "
            f"{before} as _before from {_quote(view)} as i left join {target} as t on {on}"
        )
        con.execute("create or replace temp view incoming as select * from incoming_rows")
    else:
        # every row is new (a new year's ledger, a month of new tickets): nothing to classify
        # or keep, and copying a million typed rows into a third table would cost a second
        fresh = ", ".join(f"i.{_quote(c)}" for c in columns)
        con.execute(
            f"create or replace temp view incoming as select i._row, {fresh}, 'new' as _change, "
            f"cast(null as json) as _before from {_quote(view)} as i"
        )
    counts = dict(con.execute("select _change, count(*) from incoming group by _change").fetchall())
    years = []
    if "year" in columns:
        years = [r[0] for r in con.execute("select distinct year from incoming order by 1").fetchall()]
    elif dataset.name in YEAR_OF:
        found = con.execute(f"select distinct {YEAR_OF[dataset.name]} from incoming order by 1").fetchall()
        years = [r[0] for r in found]
    outcome = TableOutcome(
        table.sheet,
        dataset,
        years,
        counts.get("new", 0),
        counts.get("changed", 0),
        counts.get("unchanged", 0),
        part=part,
        import_id=import_id,
    )
    outcome.changes = _changed_values(con, dataset, target, on, columns)
    outcome.header_row = table.header_row
    outcome.money_unit = _money_unit(table)
    preview = con.execute(
        f"select {', '.join(_quote(c) for c in columns)}, _change from incoming order by _row limit {PREVIEW_ROWS}"
    )
    names = [d[0] for d in preview.description]
    outcome.preview = [dict(zip(names, row, strict=True)) for row in preview.fetchall()]
    if import_id is not None:
        # what undo needs: the old values of changed rows, the keys of new ones
        con.execute(
            f"insert into import_rows select {import_id}, '{target}', {_key_json(dataset, 'i')}, i._before "
            f"from incoming as i where i._change in ('new', 'changed')"
        )
    keys = " and ".join(f"{target}.{_quote(k)} = i.{_quote(k)}" for k in dataset.key)
    con.execute(f"delete from {target} using incoming as i where {keys} and i._change = 'changed'")
    column_list = ", ".join(_quote(c) for c in columns)
    con.execute(
        f"insert into {target} ({column_list}) select {column_list} from incoming where _change in ('new', 'changed')"
    )
    if target == "service_tickets" and import_id is not None:  # a dry run is rolled back: nothing to count
        # a changed ticket may have moved to another year: its old year is counted again too
        moved = con.execute(
            "select distinct year(cast(_before->>'ordered_at' as timestamp)) from incoming where _change = 'changed'"
        ).fetchall()
        ticket_counts.refresh(con, [*years, *(row[0] for row in moved)])
    return outcome


def _absent_columns(table: LocatedTable) -> set[str]:
    """Stored columns this sheet says nothing about (not in its header, not derived, not the key)."""
    written = {c.column.name for c in table.columns}
    derived = {"town", "year", "project_key"} | ({"kind"} if table.dataset.name == "villages" else set())
    derived |= {name for name, _ in table.dataset.computed}
    return {c.name for c in table.dataset.columns} - written - derived - set(table.dataset.key)


def _money_unit(table: LocatedTable) -> str:
    """How amounts were read: 表头单位, the sheet's 单位 line, or the dataset's default."""
    money = [c for c in table.columns if c.column.kind == "money"]
    if not money:
        return ""
    own = sorted({c.unit for c in money if c.unit})
    if own:
        return "表头注明：" + "、".join(own)
    if table.unit_line:
        return f"按表上“单位：{table.unit_line}”"
    return f"表中未注明，按{table.dataset.default_money_unit}"


def _changed_values(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, target: str, on: str, columns: list[str]
) -> list[tuple[str, str, str | None, str | None]]:
    headers = {c.name: c.header for c in dataset.columns}
    money = {c.name for c in dataset.columns if c.kind == "money"}

    def shown(value: str, column: str) -> str:
        # money is stored in 元 but labelled (万元) like the template header
        return f"printf('%.2f', {value} / 10000)" if column in money else f"cast({value} as varchar)"

    compared = [c for c in columns if c not in dataset.key]
    if not compared:
        return []
    # one join of the changed rows with what is stored (it was one per column: at city scale
    # that was a dozen hash joins over five million tickets). Every changed row differs in at
    # least one column, so the first CHANGE_SAMPLE differences come from the first CHANGE_SAMPLE
    # changed rows by key: only those are joined, not all of a city's 100,000 changed tickets.
    key = f"array_to_string([{', '.join(f'cast({_quote(k)} as varchar)' for k in dataset.key)}], ' / ')"
    first = f"(select {key} as k, * from incoming where _change = 'changed' order by k limit {CHANGE_SAMPLE}) as i"
    olds_news = ", ".join(f"t.{_quote(c)} as {_quote('o_' + c)}, i.{_quote(c)} as {_quote('n_' + c)}" for c in compared)
    parts = [
        f"select k, '{headers.get(c, c)}' as col, {shown(_quote('o_' + c), c)} as old, "
        f"{shown(_quote('n_' + c), c)} as new from pairs where {_quote('o_' + c)} is distinct from {_quote('n_' + c)}"
        for c in compared
    ]
    return con.execute(
        f"with pairs as materialized (select i.k, {olds_news} from {first} join {target} as t on {on}) "
        f"select * from ({' union all '.join(parts)}) order by k limit {CHANGE_SAMPLE}"
    ).fetchall()


def _record(con: duckdb.DuckDBPyConnection, table: TableOutcome, outcome: FileOutcome, user: str) -> None:
    """The history row of one imported sheet (its before-images are already under its number)."""
    warnings = [i.describe() for i in outcome.issues if i.severity == "warning" and i.sheet == table.sheet]
    con.execute(
        "insert into imports (import_id, imported_by, file_name, sha256, dataset, sheet, year, rows_inserted, "
        "rows_updated, rows_unchanged, warnings) values ($id, $user, $file, $sha, $dataset, $sheet, $year, $ins, "
        "$upd, $same, $warn)",
        {
            "id": table.import_id,
            "user": user,
            "file": outcome.file_name,
            "sha": outcome.sha256,
            "dataset": table.dataset.name,
            "sheet": table.sheet,
            "year": table.years[0] if len(table.years) == 1 else None,
            "ins": table.inserted,
            "upd": table.updated,
            "same": table.unchanged,
            "warn": json.dumps(warnings, ensure_ascii=False),
        },
    )


class UndoRefused(VillageStatsError, RuntimeError):
    """The import cannot be undone as asked; the message is Chinese."""

    code = "undo-refused"


def undo_import(database: Database, import_id: int | None = None, user: str = "本机用户") -> int:
    """Put back exactly the rows an import changed; the latest live import when no id is given.

    `user` is recorded as who undid it (undone_by), beside when (undone_at).
    """
    with database.write() as con:
        con.execute("begin transaction")
        try:
            import_id = _undo(con, import_id, user)
            con.execute("commit")
        except BaseException:
            _rollback(con)
            raise
    return import_id


def _undo(con: duckdb.DuckDBPyConnection, import_id: int | None, user: str) -> int:
    if import_id is None:
        row = con.execute("select max(import_id) from imports where undone_at is null").fetchone()
        if not row or row[0] is None:
            raise UndoRefused("没有可撤销的导入记录")
        import_id = int(row[0])
    found = con.execute("select dataset, undone_at from imports where import_id = $id", {"id": import_id}).fetchone()
    if found is None:
        raise UndoRefused(f"没有编号为 {import_id} 的导入记录")
    if found[1] is not None:
        raise UndoRefused(f"第 {import_id} 次导入已于 {found[1]:%Y-%m-%d %H:%M} 撤销过")
    later = [
        r[0]
        for r in con.execute(
            "select distinct later.import_id from import_rows as mine "
            "join import_rows as later using (table_name, row_key) "
            "join imports as i on i.import_id = later.import_id "
            "where mine.import_id = $id and later.import_id > $id and i.undone_at is null order by 1",
            {"id": import_id},
        ).fetchall()
    ]
    if later:
        ids = "、".join(str(i) for i in later)
        raise UndoRefused(f"第 {import_id} 次导入之后，第 {ids} 次导入又修改了其中的数据，请先撤销后者")
    dataset = DATASETS[found[0]]
    if dataset.name == "villages":
        _refuse_if_villages_in_use(con, import_id)
    _refuse_if_locked(con, import_id, dataset)
    target = dataset.table
    columns = table_columns(dataset)
    if target == "service_tickets":  # the years of the tickets taken out and of those put back
        touched = con.execute(
            f"select distinct year(ordered_at) from {target} where {_key_json(dataset, target)} in "
            "(select row_key from import_rows where import_id = $id) "
            "union select distinct year(cast(before->>'ordered_at' as timestamp)) from import_rows "
            "where import_id = $id and before is not null",
            {"id": import_id},
        ).fetchall()
    con.execute(
        f"delete from {target} where {_key_json(dataset, target)} in "
        f"(select row_key from import_rows where import_id = $id)",
        {"id": import_id},
    )
    kinds = {c.name: c.sql_type for c in dataset.columns} | {"project_key": "varchar"}
    restored = ", ".join(f"cast(before->>'{c}' as {kinds[c]})" for c in columns)
    con.execute(
        f"insert into {target} ({', '.join(_quote(c) for c in columns)}) "
        f"select {restored} from import_rows where import_id = $id and before is not null",
        {"id": import_id},
    )
    if target == "service_tickets":
        ticket_counts.refresh(con, (row[0] for row in touched))
    con.execute(
        "update imports set undone_at = current_timestamp, undone_by = $user where import_id = $id",
        {"id": import_id, "user": user},
    )
    return import_id


def _refuse_if_locked(con: duckdb.DuckDBPyConnection, import_id: int, dataset: Dataset) -> None:
    """A submission to a closed round, or an import of a year a closed round has locked, stays."""
    submitted_to = rounds.round_of_import(con, import_id)
    year = con.execute("select year from imports where import_id = $id", {"id": import_id}).fetchone()[0]
    closed = submitted_to if submitted_to and submitted_to.closed else None
    closed = closed or rounds.closed_round_for(con, dataset.name, [year] if year else [])
    if closed is not None:
        raise UndoRefused(
            f"第 {import_id} 次导入属于已关闭的报送任务“{closed.title}”（#{closed.round_id}），数据已锁定；"
            "如需撤销请先重新打开该报送任务"
        )


def _refuse_if_villages_in_use(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Undoing a 名录 import removes the villages it added; ledgers naming them would be orphaned."""
    added = (
        "select before_key->>0 as town, before_key->>1 as name from "
        "(select row_key::json as before_key from import_rows where import_id = $id and before is null)"
    )
    used = []
    for dataset in DATASETS.values():
        if not dataset.has_village:
            continue
        row = con.execute(
            f"select count(*) from {dataset.table} as d join ({added}) as a on d.town = a.town and d.village = a.name",
            {"id": import_id},
        ).fetchone()
        if row and row[0]:
            used.append(f"{dataset.title} {row[0]} 行")
    if used:
        raise UndoRefused(
            f"第 {import_id} 次导入新增的村(社区)已被其他台账使用（{'、'.join(used)}），"
            "撤销会使这些数据失去所属村(社区)；请先撤销或删除引用它们的导入"
        )


def history(database: Database) -> list[dict[str, object]]:
    """Every import, newest first, as plain dicts for the CLI and the page."""
    with database.read() as cur:
        frame = cur.execute(
            "select import_id, imported_at, imported_by, file_name, dataset, sheet, year, rows_inserted, "
            "rows_updated, rows_unchanged, undone_at, undone_by from imports order by import_id desc"
        ).fetchall()
        names = [d[0] for d in cur.description]
    records = [dict(zip(names, row, strict=True)) for row in frame]
    for record in records:
        record["dataset_title"] = DATASETS[str(record["dataset"])].title
    return records


DEMO_DIR = REPO_ROOT / "data" / "demo"
DEMO_USER = "演示数据"
DEMO_TOWN = "青溪镇"  # the fictional town of data/demo/; its database records it like any town's
TOWN_NAME_MAX = 30


class TownRefused(VillageStatsError, RuntimeError):
    """A town database cannot be started here (bad name, or the file already holds the user's data)."""

    code = "town-refused"


def import_order(paths: list[Path]) -> list[Path]:
    """The registry (村(社区)名录) first: every other ledger is matched against it."""

    def rank(path: Path) -> int:
        try:
            for sheet in read_sheets(path):
                found = locate_table(sheet, path.name)
                if isinstance(found, LocatedTable):
                    return IMPORT_ORDER.index(found.dataset.name)
        except UnreadableFile:
            pass
        return len(IMPORT_ORDER)

    return sorted(paths, key=lambda p: (rank(p), p.name))


class DemoRefused(VillageStatsError, RuntimeError):
    """Rebuilding the demo would throw away data that did not come from the demo."""

    code = "demo-refused"


def refuse_if_user_data(path: Path, settings: Settings, force: bool) -> None:
    """Raise DemoRefused when rebuilding `path` would throw away imports of the user's own ledgers."""
    if force or not path.exists():
        return
    existing = Database(path, settings.lock_wait_seconds)
    if existing.schema_version() == 0:
        return
    with existing.read() as cur:
        own = cur.execute(
            "select count(*) from imports where imported_by <> $demo and undone_at is null",
            {"demo": DEMO_USER},
        ).fetchone()
    if own and own[0]:
        raise DemoRefused(
            f"{path.name} 中已有 {own[0]} 次非演示数据的导入，重建演示库会丢弃它们；"
            "如确需重建，请加 --force，或用 --db 指定另一个文件"
        )


def build_demo(path: Path, settings: Settings, demo_dir: Path = DEMO_DIR, force: bool = False) -> list[FileOutcome]:
    """(Re)build the demo database at `path` from the ledgers in `demo_dir`, atomically.

    The new file is built beside the old one and moved into place only when every
    ledger imported cleanly. A file holding imports of the user's own ledgers is
    not replaced unless `force` is given.
    """
    refuse_if_user_data(path, settings, force)
    building = path.with_name(path.name + ".building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    database = Database(building, settings.lock_wait_seconds)
    database.migrate()
    with database.write() as con:
        record_town(con, DEMO_TOWN)
    files = import_order(sorted(demo_dir.glob("*.xlsx")))
    if not files:
        raise DemoRefused(f"演示数据目录 {demo_dir} 中没有 xlsx 文件")
    demo_settings = settings.for_town(DEMO_TOWN)
    outcomes = [import_file(database, file, demo_settings, user=DEMO_USER) for file in files]
    failed = [o for o in outcomes if not o.ok]
    if failed:
        building.unlink(missing_ok=True)
        details = "\n".join(i.describe() for o in failed for i in o.issues[:20])
        raise DemoRefused(f"演示数据导入失败，原数据库未改动：\n{details}")
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    building.replace(path)
    return outcomes


def check_town_name(name: str) -> str:
    """A town's name as it will be recorded (trimmed); TownRefused when it cannot be one."""
    town = name.strip()
    if not town:
        raise TownRefused("请填写本镇（街道）名称，如：河东镇")
    if len(town) > TOWN_NAME_MAX or any(not ch.isprintable() for ch in town):
        raise TownRefused(f"镇（街道）名称须为 {TOWN_NAME_MAX} 字以内的一行文字：{town!r}")
    return town


def start_town(path: Path, town: str, settings: Settings) -> Database:
    """An empty database for `town` at `path`, the town recorded in it: the clean start of a real town.

    A file that holds only the demo (an earlier version built the demo into the town's file)
    is replaced, since the demo can be rebuilt at any time; one holding the town's own
    imports is never touched. An empty file only has its town name recorded (or corrected).
    """
    town = check_town_name(town)
    if path.resolve() == demo_db_path().resolve():
        raise TownRefused(f"{path} 是演示数据库，不能用作本镇数据库；本镇数据库默认为 data/village.duckdb。")
    try:
        refuse_if_user_data(path, settings, force=False)
    except DemoRefused as error:
        raise TownRefused(
            f"{path} 中已有本镇导入的数据，不能重新开始。如确需从头开始，请先备份（python -m village_stats backup）"
            "后把该文件移走，或用 --db 指定另一个文件。"
        ) from error
    if path.exists() and Database(path, settings.lock_wait_seconds).schema_version() > 0 and holds_demo(path, settings):
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    database = Database(path, settings.lock_wait_seconds)
    database.migrate()
    with database.write() as con:
        record_town(con, town)
    return database


def holds_demo(path: Path, settings: Settings) -> bool:
    """Whether the file at `path` holds (active) imports of the demo ledgers."""
    with Database(path, settings.lock_wait_seconds).read() as cur:
        found = cur.execute(
            "select count(*) from imports where imported_by = $demo and undone_at is null", {"demo": DEMO_USER}
        ).fetchone()
    return bool(found and found[0])
