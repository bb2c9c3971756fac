"""One ledger file → the database in one transaction: read, located, validated, upserted, archived.

Every sheet in the file validates, or nothing is written. A large CSV on disk is never held
in memory: the operating system copies it to the archive, where a thread hashes the copy,
while the original is checked a chunk at a time (a UTF-8 one beside DuckDB's read of it);
anything else is read whole.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from village_stats import csv_files, rounds, ticket_counts
from village_stats.archive import (
    ArchiveCopy,
    archive_early,
    archive_path,
    discard_archive,
    file_sha256,
    sha256_of,
)
from village_stats.datasets import DATASETS, Dataset
from village_stats.db import Database, DatabaseBusy, storage_problem
from village_stats.reading import (
    SPREADSHEET_SUFFIXES,
    LocatedTable,
    RawSheet,
    SheetNote,
    UnreadableFile,
    locate_table,
)
from village_stats.settings import Settings
from village_stats.sheets import read_sheets
from village_stats.threads import background
from village_stats.upserting import (
    FileOutcome,
    TableOutcome,
    key_json,
    next_import_id,
    quote,
    record_import,
    registry,
    rollback,
    row_json,
    upsert,
)
from village_stats.validation import Issue, errors_in, validate_table
from village_stats.workbooks import PendingWorkbook, start_reading

log = logging.getLogger(__name__)
T = TypeVar("T")

IMPORT_MEMORY_LIMIT = "600MB"


@dataclass(frozen=True)
class _Asked:
    """What the caller of `import_file` asked for, handed down whichever way the file is read."""

    settings: Settings
    dataset: str | None
    year: int | None
    dry_run: bool
    user: str
    report: Callable[[float, str], None]


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
    reading: PendingWorkbook | None = None,
) -> FileOutcome:
    """Read, validate and (unless `dry_run` or an error is found) commit one file.

    `progress(fraction, words)` is told how far the import has got, for a progress bar.
    With a `submission` the file is one unit's 报送 to a round (see rounds.py): only that
    unit's rows of the round's year are accepted, and they replace what the unit had.
    `reading`: a reading child already parsing `data`, a workbook (read_ahead.py); the caller
    cancels it should the import end before it is needed.
    """
    report = progress or (lambda fraction, words: None)
    asked = _Asked(settings, dataset, year, dry_run, user, report)
    file_name = file_name or path.name
    outcome = FileOutcome(file_name, submission=submission)
    if data is None and Path(file_name).suffix.lower() == ".csv":
        # an outcome of its own: a file found to need the Python reader half way starts again with this one
        streamed = _import_streamed(database, path, FileOutcome(file_name, submission=submission), asked)
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
    digest = background(sha256_of, data)  # hashing 200 MB takes a few tenths of a second
    try:
        return _read_and_import(database, on_disk, data, digest, outcome, asked, reading)
    finally:
        outcome.sha256 = digest.result()


def _read_and_import(
    database: Database,
    on_disk: Path | None,
    data: bytes,
    digest: Future[str],
    outcome: FileOutcome,
    asked: _Asked,
    reading: PendingWorkbook | None,
) -> FileOutcome:
    file_name = outcome.file_name
    asked.report(0.05, "正在读取文件")
    with tempfile.TemporaryDirectory(prefix="village-import-") as workdir:

        def attempt() -> FileOutcome:
            if Path(file_name).suffix.lower() in SPREADSHEET_SUFFIXES:
                sheets = (reading or start_reading(Path(file_name).name, data)).result()
            else:
                sheets = read_sheets(Path(file_name), data, workdir=Path(workdir), on_disk=on_disk)

            def archive(locate: Callable[[], Path]) -> tuple[Path, bool]:
                return archive_early(locate, data)

            return _import_sheets(database, sheets, outcome, archive, digest, asked)

        return _guarded(database, outcome, attempt)


def _import_streamed(
    database: Database,
    path: Path,
    outcome: FileOutcome,
    asked: _Asked,
) -> FileOutcome | None:
    """A large CSV on disk, never held in memory: copied to the archive and hashed on one thread,
    checked a chunk at a time on another (`csv_files.stream_bulk_csv`: for UTF-8, beside DuckDB's
    read, and validation waits for the verdict).

    Reading a 600 MB file whole (for the hash, the archive copy and the checks) while DuckDB
    reads it again from disk took the import past a gigabyte; copying it through Python took
    three times the operating system's own copy. None when the file is not such
    a CSV (small, not a regular file) or needs the Python path (blank lines, NUL bytes, an
    encoding it cannot decode): the caller then reads it whole, as before.
    """
    file_name = outcome.file_name
    try:
        size = path.stat().st_size
    except OSError:
        return None  # reading it whole says why it cannot be opened
    if not path.is_file() or size == 0 or size < csv_files.BULK_CSV_BYTES:
        return None
    limit = asked.settings.max_file_mb * 1024 * 1024
    if size > limit:
        return _too_large(outcome, size, asked.settings)
    copy = None if asked.dry_run else ArchiveCopy(database.path.parent / "archive")

    def copied_and_hashed() -> str:
        # the archive holds exactly the bytes its name is the hash of; DuckDB reads the original
        copied = None if copy is None else copy.copy_of(path)
        sha256 = file_sha256(copied or path)
        if copy is not None:
            copy.flush()  # on a thread of its own: the disk is waited on while DuckDB reads and checks
        return sha256

    # on a thread of its own, while this one checks the file: both read it from the page cache
    digest = background(copied_and_hashed)
    asked.report(0.05, "正在读取文件")
    try:
        with tempfile.TemporaryDirectory(prefix="village-import-") as workdir:

            def attempt() -> FileOutcome | None:
                sheet = csv_files.stream_bulk_csv(Path(file_name), path, Path(workdir), early=True)
                if sheet is None:
                    return None
                archive = None if copy is None else copy.place
                try:
                    imported = _import_sheets(database, [sheet], outcome, archive, digest, asked)
                    if sheet.checking is not None:
                        sheet.checking.result()  # a sheet never validated: its checks still decide the way
                except csv_files.ReadWhole:
                    return None  # nothing was committed: validation waits for the checks first
                imported.sha256 = digest.result()
                return imported

            return _guarded(database, outcome, attempt)
    finally:
        with contextlib.suppress(BaseException):
            digest.result()  # the copy is finished before it is discarded
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


def _import_sheets(
    database: Database,
    sheets: list[RawSheet],
    outcome: FileOutcome,
    archive: Callable[[Callable[[], Path]], tuple[Path, bool]] | None,
    digest: Future[str],
    asked: _Asked,
) -> FileOutcome:
    """Locate, validate and (unless told otherwise) commit the sheets of one file, in one transaction.

    `archive(locate)` keeps the original at `locate()` durably: (the archive, whether it created it);
    a dry run archives nothing.
    """
    file_name = outcome.file_name
    submission = outcome.submission
    settings, dataset, year, dry_run, report = asked.settings, asked.dataset, asked.year, asked.dry_run, asked.report
    if submission is not None:
        with database.read() as cur:
            sent_for = rounds.submission_round(cur, submission, file_name)
        if isinstance(sent_for, Issue):
            outcome.issues.append(sent_for)
            return outcome
        dataset, year = sent_for.dataset, sent_for.year

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

        archiving = None if dry_run or archive is None else background(archive, locate)
        try:
            first_id = next_import_id(con)
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
                applied = upsert(con, table, view, part=index, import_id=import_id)
                outcome.tables.append(applied)
                if round_ is not None:
                    applied.removed = _remove_unit_rows(con, table.dataset, view, round_, submission.unit, import_id)
                else:
                    _refuse_if_round_closed(con, applied, outcome)
            # a submission is recorded even when it changes nothing: the unit has reported
            unchanged = not outcome.changes_anything and submission is None
            if dry_run or not outcome.ok or unchanged:
                discard_archive(archiving)
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
                record_import(con, table_outcome, outcome, asked.user)
            if submission is not None:
                first = outcome.tables[0]
                rows = first.inserted + first.updated + first.unchanged
                rounds.record_submission(con, submission, first.import_id, asked.user, rows, confirmed)
            con.execute("commit")
            outcome.committed = True
            report(1.0, "导入完成")
        except BaseException:
            discard_archive(archiving)
            rollback(con)
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
    matches = " and ".join(f"i.{quote(k)} = t.{quote(k)}" for k in dataset.key)
    in_year = f" and {year} = $year" if year else ""
    con.execute(
        f"create or replace temp table leaving as select * from {target} as t "
        f"where town = $town and village = $unit{in_year} "
        f"and not exists (select 1 from {quote(view)} as i where {matches})",
        {"town": round_.town, "unit": unit} | ({"year": round_.year} if year else {}),
    )
    removed = con.execute("select count(*) from leaving").fetchone()[0]
    if not removed:
        return 0
    if import_id is not None:
        con.execute(
            f"insert into import_rows select {import_id}, '{target}', {key_json(dataset, 't')}, "
            f"{row_json(dataset, 't')} from leaving as t"
        )
    leaving_keys = f"select {key_json(dataset, 't')} from leaving as t"
    con.execute(f"delete from {target} where {key_json(dataset, target)} in ({leaving_keys})")
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
