"""Sheets of text cells → located tables: the header found, the dataset decided, the body split.

A ledger as town staff keep it has a title, a `填报单位/单位：万元` line, a
header (sometimes two rows, merged), a 序号 column, data, 合计 rows and a
footer. This module finds the header, decides which dataset the sheet holds,
and hands on the data rows as text with the row numbers Excel shows. It does
not judge values (validation does) and does not open files: `sheets` picks the
reader (`workbooks` or `csv_files`), and those readers depend on this module, not
it on them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from village_stats.datasets import DATASETS, UNIT_FACTORS, Column, Dataset
from village_stats.errors import VillageStatsError

if TYPE_CHECKING:
    from concurrent.futures import Future

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
    # the reader saw every byte and found no control character (ESC, backspace …): that rule cannot fire
    control_free: bool = False
    # a streamed CSV's checks still running beside DuckDB's read (csv_files.stream_bulk_csv):
    # its result is whether the file may hold a control character
    checking: Future[bool] | None = None
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
    control_free: bool = False  # see RawSheet
    checking: Future[bool] | None = None  # see RawSheet: validation waits for it
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


MAX_CSV_LINE_BYTES = 64 * 1024 * 1024  # one record (a 1 MB cell of Chinese is 3 MB); DuckDB's default is 2 MB


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
        control_free=sheet.control_free,
        checking=sheet.checking,
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
