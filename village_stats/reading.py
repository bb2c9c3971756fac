"""Spreadsheets and CSV files → located tables of text cells.

A ledger as town staff keep it has a title, a `填报单位/单位：万元` line, a
header (sometimes two rows, merged), a 序号 column, data, 合计 rows and a
footer. This module finds the header, decides which dataset the sheet holds,
and hands on the data rows as text with the row numbers Excel shows. It does
not judge values: validation does.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from village_stats.datasets import DATASETS, UNIT_FACTORS, Column, Dataset
from village_stats.errors import VillageStatsError

if TYPE_CHECKING:
    import pyarrow as pa

HEADER_SCAN_ROWS = 30
BULK_SHEET_ROWS = 20_000  # a sheet longer than this comes from the workbook reader as Arrow columns
UNIT_WORDS = {*UNIT_FACTORS, "人", "户", "个", "分", "星", "件", "次", "人次", "件次", "条", "名", "%"}
FOOTER_PREFIXES = (
    "填表人",
    "审核人",
    "单位负责人",
    "统计负责人",
    "负责人",
    "制表",
    "报出日期",
    "注",
    "填报说明",
    "备注：",
)
# 合计, 全镇合计, 北片小计 … (a short qualifier, then the word)
TOTAL_PATTERN = r".{0,6}(合计|总计|小计)|(合计|总计|小计).{0,8}"  # 北片小计, 全镇合计, 合计（万元）
TOTAL_RE = re.compile(TOTAL_PATTERN)
# the unit line, but not the 填报单位/制表单位 before it (“填报单位：元氏县…” names an office)
UNIT_LINE_RE = re.compile(r"(?<!填报)(?<!制表)(?<!编制)(?<!报送)单位[:：]\s*(亿元|万元|元)")
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
BARE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
YEAR_RANGE_RE = re.compile(r"(?:19|20)\d{2}\s*年?\s*[-—–~至到]+\s*(?:19|20)\d{2}")
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


class UnreadableFile(VillageStatsError, ValueError):
    """The file as a whole cannot be read; the message is Chinese and names the file."""

    code = "unreadable-file"


@dataclass(frozen=True)
class RawSheet:
    name: str
    rows: list[list[str | None]]  # rows[i] is Excel row i + 1; for a bulk CSV only the first rows
    hidden: bool = False
    csv_path: Path | None = None  # a bulk CSV: the whole table, as UTF-8, for DuckDB's reader
    csv_quoted: bool = False  # it has quoted cells (which may hold line breaks)
    cells: pa.Table | None = None  # a long sheet: text columns c0, c1 …; row i is Excel row i + 1
    hidden_columns: frozenset[int] = frozenset()  # 0-based positions of columns hidden in the workbook

    @property
    def bulk(self) -> bool:
        """Its body is read by validation, in SQL, not from `rows`."""
        return self.csv_path is not None or self.cells is not None


@dataclass
class LocatedColumn:
    index: int  # 0-based position in the sheet
    column: Column
    written: str  # the header as the file writes it, for messages
    unit: str | None  # unit from the header itself
    hidden: bool = False  # hidden in the workbook

    @property
    def letter(self) -> str:
        """The column's letter as Excel shows it (A, B … AA)."""
        return column_letter(self.index)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class HeaderMatch:
    """What one header row says: the column read for each field, and the columns that are not."""

    columns: list[LocatedColumn]  # per field the visible column (a hidden one only when no column is visible)
    clashes: list[list[LocatedColumn]]  # fields two or more visible columns claim
    passed_over: list[tuple[LocatedColumn, LocatedColumn]]  # (hidden column, the visible one read instead)


@dataclass
class LocatedTable:
    file_name: str
    sheet: str
    dataset: Dataset
    header_row: int  # Excel row number of the (last) header row
    columns: list[LocatedColumn]
    rows: list[tuple[int, list[str | None]]]  # (Excel row number, cells)
    unit_line: str | None = None  # 单位：万元 above the header
    year_hint: int | None = None  # from the title, sheet name or file name
    total_rows: list[tuple[int, list[str | None]]] = field(default_factory=list)
    csv_path: Path | None = None  # rows and total_rows are then read by validation, in SQL
    csv_quoted: bool = False
    cells: pa.Table | None = None  # likewise, a long sheet's cells
    width: int = 0  # columns of a bulk CSV
    clashes: list[list[LocatedColumn]] = field(default_factory=list)  # see HeaderMatch: an error, nothing is read
    notes: list[str] = field(default_factory=list)  # what the clerk should know (hidden columns)

    @property
    def bulk(self) -> bool:
        return self.csv_path is not None or self.cells is not None

    def money_factor(self, located: LocatedColumn) -> Decimal:
        unit = located.unit if located.unit in UNIT_FACTORS else self.unit_line or self.dataset.default_money_unit
        return UNIT_FACTORS[unit]


@dataclass
class SheetNote:
    sheet: str
    message: str


_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Full-width → half-width and no white space: how headers and names are compared."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def split_unit(header: str) -> tuple[str, str | None]:
    """`收入(万元)` → (`收入`, `万元`); brackets that are not a unit stay (`村(社区)名称`)."""
    text = normalize_text(header).replace("【", "[").replace("】", "]")
    match = re.match(r"^(.*?)[(\[]([^()\[\]]*)[)\]]$", text)
    if match and match.group(2) in UNIT_WORDS:
        return match.group(1), match.group(2)
    return text, None


def _header_lookup(dataset: Dataset) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in dataset.columns:
        for name in (column.header, *column.aliases):
            lookup.setdefault(split_unit(name)[0], column)
    return lookup


HEADER_LOOKUPS = {name: _header_lookup(dataset) for name, dataset in DATASETS.items()}


def cell_text(value: object) -> str | None:
    """One cell as the text validation parses; numbers keep all their digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def read_sheets(
    path: Path, data: bytes | None = None, workdir: Path | None = None, on_disk: Path | None = None
) -> list[RawSheet]:
    """Every sheet of a workbook, or the one table of a CSV file, as text cells.

    Given a `workdir`, a large CSV is not parsed here: it is handed to DuckDB's own
    reader as UTF-8 (see `_bulk_csv`), and only its first rows come back. `on_disk`
    is a file holding exactly `data`, which DuckDB may read instead of a copy.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = data if data is not None else path.read_bytes()
        if workdir is not None and len(data) >= BULK_CSV_BYTES:
            bulk = _bulk_csv(path, data, workdir, on_disk)
            if bulk is not None:
                return [bulk]
        return [RawSheet(path.stem, _read_csv(path, data))]
    if suffix not in SPREADSHEET_SUFFIXES:
        raise UnreadableFile(f"{path.name}：不支持的文件类型“{suffix or '无扩展名'}”，请使用 xlsx、xls、ods 或 csv")
    from village_stats.workbooks import read_workbook

    return read_workbook(path.name, data if data is not None else path.read_bytes())


BULK_CSV_BYTES = 2 * 1024 * 1024  # below this Python's csv module is quick enough
MAX_CSV_LINE_BYTES = 64 * 1024 * 1024  # one record (a 1 MB cell of Chinese is 3 MB); DuckDB's default is 2 MB
HEAD_BYTES = 256 * 1024
_CHUNK = 8 * 1024 * 1024


def _decoded(data: bytes, encoding: str) -> Iterator[str]:
    """`data` decoded strictly, chunk by chunk, so no second copy of a large file is held."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        yield decoder.decode(view[start : start + _CHUNK])
    yield decoder.decode(b"", final=True)


def _valid(data: bytes, encoding: str) -> bool:
    """Whether `data` decodes strictly."""
    try:
        for _ in _decoded(data, encoding):
            pass
    except UnicodeDecodeError:
        return False
    return True


def _chinese_utf8_head(body: bytes) -> bool:
    """The first 256 KB are UTF-8 with Chinese (or other non-ASCII) text in them.

    GBK text is practically never valid UTF-8 over that length, so such a file is
    taken as UTF-8 without decoding all of it here: DuckDB's reader checks every line
    and a line in another encoding is reported with its row number (validation.py).
    An all-ASCII head says nothing, and the whole file is checked.
    """
    head = body[:HEAD_BYTES]
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not head.isascii()


def _bulk_csv(path: Path, data: bytes, workdir: Path, on_disk: Path | None = None) -> RawSheet | None:
    """A large CSV as a UTF-8 file for DuckDB, plus its first rows for finding the header.

    DuckDB's reader skips blank lines, which would shift the row numbers errors
    must name, so a file with blank lines returns None and is parsed in Python.
    UTF-8 (DuckDB skips a BOM itself) is read where it is, `on_disk`, or from one
    copy; GB18030/GBK is transcoded chunk by chunk (DuckDB reads UTF-8 only).
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b"\x00" in body or b"\n\n" in body or b"\n\r\n" in body or body.startswith((b"\n", b"\r\n")):
        return None
    target = _utf8_target(path, workdir)
    if _chinese_utf8_head(body) or _valid(body, "utf-8"):
        if on_disk is not None:
            target = on_disk
        else:
            target.write_bytes(data)
    elif not _transcode(body, "gb18030", target):
        return None  # the Python path refuses it with the usual message
    return _bulk_sheet(path, target, quoted=b'"' in body)


def _utf8_target(path: Path, workdir: Path) -> Path:
    """Where a CSV in another encoding is written as UTF-8 for DuckDB."""
    return workdir / f"{path.stem[:40]}.utf8.csv"


def _bulk_sheet(path: Path, target: Path, quoted: bool) -> RawSheet:
    """The bulk sheet of the UTF-8 file `target`: its first rows (for finding the header) and where it is."""
    with target.open("r", encoding="utf-8-sig", errors="replace", newline="") as stream:
        head = stream.read(HEAD_BYTES)
    complete = head[: head.rfind("\n") + 1] if len(head) == HEAD_BYTES else head
    rows = [[v.strip() or None for v in row] for row in csv.reader(io.StringIO(complete))]
    return RawSheet(path.stem, rows[: HEADER_SCAN_ROWS + 1], csv_path=target, csv_quoted=quoted)


def stream_bulk_csv(
    path: Path, on_disk: Path, workdir: Path, sinks: Sequence[Callable[[bytes], None]]
) -> RawSheet | None:
    """`_bulk_csv` of the file `on_disk`, reading its bytes once, a chunk at a time, never all at once.

    Every byte read is handed to each of `sinks` in order (the importer hashes it and copies it
    to the archive in the same pass). The checks are `_bulk_csv`'s, made chunk by chunk: NUL
    bytes and blank lines (also across a chunk's edge), the encoding decided on the first
    HEAD_BYTES, UTF-8 validated as it streams past, GB18030 transcoded into the UTF-8 file
    DuckDB reads. None when the file needs the Python path: the sinks then saw only part of it.
    A failure to read `on_disk` is an UnreadableFile saying so, as when it is read whole.
    """
    scan = _StreamScan(_utf8_target(path, workdir))
    try:
        with _opened(on_disk) as source:
            while chunk := _read_chunk(source):
                for sink in sinks:
                    sink(chunk)
                if not scan.feed(chunk):
                    return None
        if not scan.finish(on_disk):
            return None
    finally:
        scan.close()
    return _bulk_sheet(path, scan.target or on_disk, scan.quoted)


STREAM_CHUNK = 4 * 1024 * 1024  # bytes read at a time from a CSV on disk (tests make it small)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    try:
        source = path.open("rb")
    except OSError as error:
        raise UnreadableFile(f"无法打开文件：{error}") from error
    with source:
        yield source


def _read_chunk(source: BinaryIO) -> bytes:
    try:
        return source.read(STREAM_CHUNK)
    except OSError as error:
        raise UnreadableFile(f"无法打开文件：{error}") from error


class _StreamScan:
    """What `_bulk_csv` decides about a whole file, decided while its chunks stream past.

    The first HEAD_BYTES of the body are held until the encoding is decided on them, as
    `_chinese_utf8_head` does: then either nothing more is decoded (UTF-8 with Chinese in
    its head), or UTF-8 is validated incrementally (an ASCII head), or the body is transcoded
    from GB18030 (a head that is not UTF-8). An ASCII head followed by GBK text is
    transcoded after the pass, from the file on disk.
    """

    def __init__(self, transcoded: Path) -> None:
        self.transcoded = transcoded
        self.head = b""  # the first bytes, until the encoding is decided
        self.started = False
        self.tail = b""  # the last two bytes of the body so far: a blank line may straddle chunks
        self.quoted = False
        self.bom = False
        self.utf8: codecs.IncrementalDecoder | None = None  # validating UTF-8
        self.utf8_failed = False
        self.gb18030: codecs.IncrementalDecoder | None = None  # transcoding into `target`
        self.out: io.TextIOWrapper | None = None
        self.target: Path | None = None  # the UTF-8 file DuckDB reads, when it is not the original

    def feed(self, chunk: bytes) -> bool:
        """False once the file is known to need the Python path."""
        if self.started:
            return self._body(chunk)
        self.head += chunk
        if len(self.head) < 3 + HEAD_BYTES:
            return True
        return self._start()

    def finish(self, on_disk: Path) -> bool:
        if not self.started and not self._start():
            return False
        if self.utf8 is not None:
            try:
                self.utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_failed = True
        if self.gb18030 is not None and self.out is not None:
            try:
                self.out.write(self.gb18030.decode(b"", final=True))
            except UnicodeDecodeError:
                return False
            self.out.close()
        if self.utf8_failed:  # an ASCII head, then not UTF-8: GB18030 from the start, as `_bulk_csv` would
            return self._transcode_again(on_disk)
        return True

    def close(self) -> None:
        """Let go of the transcoded file; it is removed unless the pass succeeded."""
        if self.out is not None and not self.out.closed:
            self.out.close()
            self.transcoded.unlink(missing_ok=True)

    def _start(self) -> bool:
        self.started = True
        data, self.head = self.head, b""
        self.bom = data.startswith(b"\xef\xbb\xbf")
        body = data[3:] if self.bom else data
        if body.startswith((b"\n", b"\r\n")):
            return False
        if _chinese_utf8_head(body):
            pass  # DuckDB's reader checks every line and names the row of one in another encoding
        elif body[:HEAD_BYTES].isascii():
            self.utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        else:
            self._transcode_into_target()
        return self._body(body)

    def _transcode_into_target(self) -> tuple[codecs.IncrementalDecoder, io.TextIOWrapper]:
        self.gb18030 = codecs.getincrementaldecoder("gb18030")("strict")
        self.target = self.transcoded
        self.out = self.transcoded.open("w", encoding="utf-8", newline="")
        return self.gb18030, self.out

    def _body(self, chunk: bytes) -> bool:
        joined = self.tail + chunk
        if b"\x00" in chunk or b"\n\n" in joined or b"\n\r\n" in joined:
            return False
        self.tail = joined[-2:]
        self.quoted = self.quoted or b'"' in chunk
        if self.utf8 is not None and not self.utf8_failed:
            try:
                self.utf8.decode(chunk)
            except UnicodeDecodeError:
                self.utf8_failed = True  # the checks go on: a blank line still sends it to the Python path
        if self.gb18030 is not None and self.out is not None:
            try:
                self.out.write(self.gb18030.decode(chunk))
            except UnicodeDecodeError:
                return False
        return True

    def _transcode_again(self, on_disk: Path) -> bool:
        """The rare file whose GBK text starts after an ASCII head: a second, streamed read of it."""
        decoder, out = self._transcode_into_target()
        try:
            with _opened(on_disk) as source:
                source.seek(3 if self.bom else 0)
                while chunk := _read_chunk(source):
                    out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            return False
        out.close()
        return True


def _transcode(body: bytes, encoding: str, target: Path) -> bool:
    """Write `body` decoded strictly from `encoding` to `target` as UTF-8; False if it does not decode."""
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            for text in _decoded(body, encoding):
                out.write(text)
    except UnicodeDecodeError:
        target.unlink(missing_ok=True)
        return False
    return True


def decode_text(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030/GBK, decided by strict decoding; never mojibake.

    GB18030 accepts almost any byte sequence, so text with NUL bytes (UTF-16,
    binary files) is refused before it is tried.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if b"\x00" in data:
        raise UnreadableFile(
            f"{name}：文件不是 UTF-8 或 GBK 编码的文本（可能是 UTF-16 或二进制文件），"
            "请在 Excel 中另存为“CSV UTF-8”或 xlsx"
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{name}：无法识别文件编码（仅支持 UTF-8 与 GBK/GB18030），请在 Excel 中另存为 CSV 或 xlsx")


def _read_csv(path: Path, data: bytes) -> list[list[str | None]]:
    text = decode_text(path.name, data)
    # Python's csv module stops at 128 KiB cells; allow what DuckDB's reader allows on the bulk path
    if csv.field_size_limit() < MAX_CSV_LINE_BYTES:
        csv.field_size_limit(MAX_CSV_LINE_BYTES)
    try:
        # csv yields str only: strip, and an empty cell is None, as cell_text would say
        return [[v.strip() or None for v in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise UnreadableFile(f"{path.name}：CSV 文件格式有误，无法读取（{error}）") from error


def _first_text(cells: list[str | None]) -> str | None:
    """The row's first non-empty cell, normalised; None for a blank row."""
    return next((normalize_text(c) for c in cells if c), None)


def _match_header(cells: list[str | None], dataset: Dataset, hidden: frozenset[int] = frozenset()) -> HeaderMatch:
    """The dataset's columns in one header row.

    A hidden column never supplies a field a visible column supplies (a stale copy kept for
    reference, left of the current one); two visible columns for one field are a clash,
    which the importer refuses rather than guess.
    """
    lookup = HEADER_LOOKUPS[dataset.name]
    claims: dict[str, list[LocatedColumn]] = {}
    for index, cell in enumerate(cells):
        if not cell:
            continue
        name, unit = split_unit(cell)
        column = lookup.get(name)
        if column:
            claims.setdefault(column.name, []).append(LocatedColumn(index, column, cell, unit, index in hidden))
    match = HeaderMatch([], [], [])
    for claimants in claims.values():
        visible = [c for c in claimants if not c.hidden]
        if len(visible) > 1:
            match.clashes.append(visible)
        chosen = visible[0] if visible else claimants[0]
        match.columns.append(chosen)
        match.passed_over += [(c, chosen) for c in claimants if c.hidden and c is not chosen]
        if len(visible) < 2 and any(c.written == chosen.written for c in claimants if c is not chosen):
            chosen.written = f"{chosen.written}（{chosen.letter}列）"  # the same header twice: errors say which
    match.columns.sort(key=lambda c: c.index)
    return match


def _merge_header_rows(upper: list[str | None], lower: list[str | None]) -> list[str | None]:
    """A two-row header: the lower cell names the column, a merged upper cell may give its unit."""
    width = max(len(upper), len(lower))
    upper = upper + [None] * (width - len(upper))
    lower = lower + [None] * (width - len(lower))
    merged: list[str | None] = []
    carried: str | None = None
    for top, bottom in zip(upper, lower, strict=True):
        carried = top if top else (carried if bottom else None)
        if bottom:
            _, unit = split_unit(bottom)
            top_unit = split_unit(carried)[1] if carried else None
            merged.append(f"{bottom}({top_unit})" if unit is None and top_unit else bottom)
        else:
            merged.append(top)
    return merged


def _required_present(dataset: Dataset, columns: list[LocatedColumn]) -> bool:
    return not _required_missing(dataset, columns)


def _required_missing(dataset: Dataset, columns: list[LocatedColumn]) -> list[Column]:
    names = {c.column.name for c in columns}
    return [c for c in dataset.columns if c.required and c.kind != "year" and c.name not in names]


def locate_table(sheet: RawSheet, file_name: str, dataset: Dataset | None = None) -> LocatedTable | SheetNote:
    """Find the header and the dataset of one sheet, or say why the sheet is skipped."""
    if sheet.hidden:
        return SheetNote(sheet.name, f"工作表“{sheet.name}”是隐藏的工作表，已跳过（如需导入请先在 Excel 中取消隐藏）")
    candidates = [dataset] if dataset else list(DATASETS.values())
    best: tuple[int, int, Dataset, HeaderMatch] | None = None
    tied: list[Dataset] = []
    partial: tuple[int, Dataset, HeaderMatch, list[str | None]] | None = None  # a header short of a required column
    for row_index, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        following = sheet.rows[row_index + 1] if row_index + 1 < len(sheet.rows) else []
        merged = _merge_header_rows(cells, following) if following else cells
        for candidate in candidates:
            # a header may be one row, or two rows with merged group cells above (投资情况（万元）)
            for header_index, header_cells in ((row_index, cells), (row_index + 1, merged)):
                match = _match_header(header_cells, candidate, sheet.hidden_columns)
                score = len(match.columns)
                if score < 2:
                    continue
                if not _required_present(candidate, match.columns):
                    if partial is None or score > partial[0]:
                        partial = (score, candidate, match, header_cells)
                    continue
                if best is None or score > best[0]:
                    best, tied = (score, header_index, candidate, match), [candidate]
                elif score == best[0] and header_index == best[1] and candidate not in tied:
                    tied.append(candidate)
    if best is None:
        return _no_header(sheet, dataset, partial)
    if len(tied) > 1:
        names = "、".join(d.title for d in tied)
        return SheetNote(sheet.name, f"工作表“{sheet.name}”可能是 {names}，无法确定，请指定数据集")
    _, header_index, found, match = best
    above = [c for row in sheet.rows[:header_index] for c in row if c]
    body = {"rows": [], "total_rows": []} if sheet.bulk else _split_body(sheet.rows, header_index + 1)
    return LocatedTable(
        file_name=file_name,
        sheet=sheet.name,
        dataset=found,
        header_row=header_index + 1,
        columns=match.columns,
        unit_line=_unit_line(above),
        year_hint=_year_hint(above, [sheet.name, Path(file_name).stem]),
        csv_path=sheet.csv_path,
        csv_quoted=sheet.csv_quoted,
        cells=sheet.cells,
        width=sheet.cells.num_columns if sheet.cells is not None else max((len(r) for r in sheet.rows), default=0),
        clashes=match.clashes,
        notes=[_passed_over_note(sheet.name, hidden, read) for hidden, read in match.passed_over]
        + [_hidden_read_note(sheet.name, c) for c in match.columns if c.hidden],
        **body,
    )


def _no_header(
    sheet: RawSheet, dataset: Dataset | None, partial: tuple[int, Dataset, HeaderMatch, list[str | None]] | None
) -> SheetNote:
    """Why no table was found: the required columns a near-miss header lacks and the headers it has."""
    if partial is None:
        wanted = f"“{dataset.title}”" if dataset else "任何一种台账"
        return SheetNote(sheet.name, f"工作表“{sheet.name}”未找到{wanted}的表头，已跳过")
    _, candidate, match, cells = partial
    missing = "；".join(
        f"“{c.header}”" + (f"（也可写作：{'、'.join(c.aliases)}）" if c.aliases else "")
        for c in _required_missing(candidate, match.columns)
    )
    seen = "、".join(str(c) for c in cells if c)
    return SheetNote(
        sheet.name,
        f"工作表“{sheet.name}”像是“{candidate.title}”，但缺少必填列 {missing}；表头中看到的列：{seen}。已跳过",
    )


def _passed_over_note(sheet: str, hidden: LocatedColumn, read: LocatedColumn) -> str:
    return (
        f"工作表“{sheet}”的隐藏列“{hidden.written}”（{hidden.letter}列）未导入，"
        f"已按可见的{_named(read)}导入（隐藏列常是留作参考的旧数据）"
    )


def _named(column: LocatedColumn) -> str:
    """“村财收入”（C列): the header and where it stands."""
    suffix = f"（{column.letter}列）"
    return f"“{column.written}”" if column.written.endswith(suffix) else f"“{column.written}”{suffix}"


def _hidden_read_note(sheet: str, column: LocatedColumn) -> str:
    return f"工作表“{sheet}”的{_named(column)}是隐藏列，表中没有可见的同类列，已按其内容导入，请核对"


def _unit_line(texts: list[str]) -> str | None:
    for text in texts:
        match = UNIT_LINE_RE.search(normalize_text(text))
        if match:
            return match.group(1)
    return None


def _year_hint(titles: list[str], names: list[str]) -> int | None:
    """`2023年` in a title row, else a year in the sheet or file name (`2023`, `村财收入2023`)."""
    for texts, pattern in ((titles, YEAR_RE), (names, YEAR_RE), (names, BARE_YEAR_RE)):
        for text in texts:
            if YEAR_RANGE_RE.search(text):
                continue
            match = pattern.search(text)
            if match:
                return int(match.group(1))
    return None


def _split_body(rows: list[list[str | None]], start: int) -> dict[str, list[tuple[int, list[str | None]]]]:
    """Data rows and 合计 rows below the header; blank rows are skipped, a footer ends the table."""
    data: list[tuple[int, list[str | None]]] = []
    totals: list[tuple[int, list[str | None]]] = []
    for index in range(start, len(rows)):
        cells = rows[index]
        first = _first_text(cells)
        if first is None:
            continue
        if first.startswith(FOOTER_PREFIXES):
            break
        # a 合计 label stands in one of the first columns (or is the row's first text)
        leading = [normalize_text(c) for c in cells[:3] if c]
        if any(TOTAL_RE.fullmatch(text) for text in [first, *leading]):
            totals.append((index + 1, cells))
            continue
        data.append((index + 1, cells))
    return {"rows": data, "total_rows": totals}
