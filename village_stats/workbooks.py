"""Untrusted workbooks are parsed in a child process, after a look at the zip.

A 5 KB xlsx whose sheet claims the range A1:XFD1048576 makes python-calamine
abort the whole process (SIGABRT, an allocation of hundreds of GB), and a zip
bomb can exhaust memory. Neither may take the dashboard server down, so:

1. the zip's declared sizes are checked (total and compression ratio) and an
   encrypted workbook is recognised by its OLE header, before any parsing;
2. a sheet whose declared dimension is enormous is read with openpyxl in
   read-only mode (it streams the rows that exist) instead of calamine;
3. parsing runs in `python -m village_stats.workbooks` with an address-space
   limit and a timeout; whatever happens there becomes one Chinese error.

The child returns the sheets as a pickle of text cells; it is our own code
talking to us, so unpickling its output is safe. `start_reading` starts it and
returns at once, so the caller can do its own preparations while the workbook
is parsed (calamine is single-threaded; the machine has a second core).

A long sheet whose first rows hold text cells only is read with fastexcel
straight to Arrow (no Python object per cell). fastexcel renders numbers to
nine decimals, booleans as true/false and dates with a time of day, unlike
`cell_text`, so a column holding anything that could be such a rendering sends
the sheet back to python-calamine: stored values never depend on the reader.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import pickle
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from village_stats import reading
from village_stats.reading import HEADER_SCAN_ROWS, RawSheet, UnreadableFile, cell_text, column_letter
from village_stats.threads import background

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pyarrow as pa
    import python_calamine

MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_MEMBERS = 10_000
MAX_CLAIMED_CELLS = 5_000_000  # beyond this calamine would allocate the whole claimed grid
CHILD_MEMORY_BYTES = 3 * 1024 * 1024 * 1024
CHILD_TIMEOUT_SECONDS = 300
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.decode():
        number = number * 26 + ord(letter) - 64
    return number


def choose_engine(name: str, data: bytes) -> str:
    """`calamine` or `openpyxl`, after refusing what must not be parsed at all."""
    suffix = Path(name).suffix.lower()
    if data.startswith(OLE_MAGIC):
        if suffix in (".xlsx", ".xlsm"):
            raise UnreadableFile(f"{name}：文件设置了打开密码（已加密），请在 Excel 中取消密码后再导入")
        return "calamine"  # .xls is an OLE file by nature
    if suffix == ".xls":
        raise UnreadableFile(f"{name}：不是有效的 xls 文件（文件损坏或扩展名不符）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableFile(f"{name}：文件已损坏或不是 Excel/WPS 表格（{error}）") from error
    if len(members) > MAX_MEMBERS:
        raise UnreadableFile(f"{name}：文件内部结构异常（包含 {len(members)} 个部件），已拒绝读取")
    declared = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    bomb_like = declared / packed > MAX_COMPRESSION_RATIO and declared > 50 * 1024 * 1024
    if declared > MAX_UNCOMPRESSED_BYTES or bomb_like:
        raise UnreadableFile(
            f"{name}：文件解压后达 {declared / 1048576:.0f} MB（压缩比 {declared / packed:.0f} 倍），"
            "疑似压缩炸弹，已拒绝读取"
        )
    if suffix in (".xlsx", ".xlsm"):
        for member in members:
            if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                with archive.open(member) as stream:
                    head = stream.read(4096)
                match = _DIMENSION.search(head)
                if match and match.group(3):
                    rows = int(match.group(4)) - int(match.group(2)) + 1
                    columns = _column_number(match.group(3)) - _column_number(match.group(1)) + 1
                    if rows * columns > MAX_CLAIMED_CELLS:
                        return "openpyxl"
    return "calamine"


def _limit_child() -> None:  # runs in the child before exec (POSIX only)
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))


class PendingWorkbook:
    """A workbook being parsed in the child process; `result()` waits for its sheets."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        engine = choose_engine(name, data)
        # the child reads the workbook from a file, so starting it never waits for a pipe
        with tempfile.TemporaryFile() as source:
            source.write(data)
            source.seek(0)
            self._started = time.monotonic()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "village_stats.workbooks", engine, str(reading.BULK_SHEET_ROWS)],
                stdin=source,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=_limit_child if sys.platform != "win32" else None,
            )

    def result(self) -> list[RawSheet]:
        left = max(0.0, CHILD_TIMEOUT_SECONDS - (time.monotonic() - self._started))
        try:
            out, err = self._process.communicate(timeout=left)
        except subprocess.TimeoutExpired as error:
            self._process.kill()
            self._process.communicate()
            raise UnreadableFile(
                f"{self.name}：读取超过 {CHILD_TIMEOUT_SECONDS} 秒仍未完成，文件可能过大或已损坏"
            ) from error
        code = self._process.returncode
        if code != 0:
            detail = err.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail and code == 1 else f"读取进程异常退出（{code}）"
            raise UnreadableFile(f"{self.name}：无法读取该表格文件（文件损坏、加密、过大或并非表格）：{reason}")
        return pickle.loads(out)

    def cancel(self) -> None:
        """Stop the child and close its pipes; nothing once `result()` has waited for it."""
        if self._process.returncode is None:
            self._process.kill()  # a no-op for a child that has just ended by itself
            self._process.communicate()


def start_reading(name: str, data: bytes) -> PendingWorkbook:
    """Start parsing a workbook in the child; raises UnreadableFile for what must not be parsed."""
    return PendingWorkbook(name, data)


def read_workbook(name: str, data: bytes) -> list[RawSheet]:
    """Every sheet of a workbook as text cells, parsed where a crash cannot hurt this process."""
    return start_reading(name, data).result()


def _parse_calamine(data: bytes, bulk_rows: int) -> list[RawSheet]:
    import python_calamine

    try:
        textual = _long_textual_sheets(data, bulk_rows)
    except MemoryError:
        raise
    except Exception:  # only a forecast: whatever confuses it, python-calamine reads as before
        textual = {}
    if not textual:
        return _sheets(python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)), {}, bulk_rows)
    # fastexcel parses without holding the GIL, so what else the child needs comes on threads
    # meanwhile: pyarrow (a quarter of a second to load) and python-calamine's own opening of the
    # workbook for the sheets' order and visibility (which reads the shared strings again)
    arrow = background(importlib.import_module, "pyarrow.compute")
    opened = background(python_calamine.CalamineWorkbook.from_filelike, io.BytesIO(data))
    try:
        fast = _fast_sheets(data, textual)
        return _sheets(opened.result(), fast, bulk_rows)
    finally:
        for future in (arrow, opened):
            future.exception()  # nothing is left running when the child exits


def _fast_sheets(data: bytes, textual: dict[str, str]) -> dict[str, RawSheet | None]:
    """The `textual` sheets (name → zip member) through fastexcel; None for one it cannot read
    as python-calamine would (python-calamine then reads it)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
    except MemoryError:
        raise
    except Exception:  # fastexcel refusing what python-calamine may read: let it try
        return {}
    found: dict[str, RawSheet | None] = {}
    for name, member in textual.items():
        try:
            found[name] = _fastexcel_sheet(reader, name, data, member)
        except MemoryError:
            raise
        except Exception:
            found[name] = None
    return found


def _sheets(
    workbook: python_calamine.CalamineWorkbook, fast: dict[str, RawSheet | None], bulk_rows: int
) -> list[RawSheet]:
    """Every worksheet, in order: those fastexcel has read, the rest by python-calamine."""
    import python_calamine

    sheets = []
    for meta in workbook.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        read = fast.get(meta.name)
        if read is not None:
            sheets.append(dataclasses.replace(read, hidden=hidden))
            continue
        grid = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        if len(grid) > bulk_rows:
            head = [[cell_text(v) for v in row] for row in grid[: HEADER_SCAN_ROWS + 1]]
            sheets.append(RawSheet(meta.name, head, hidden=hidden, cells=_columns(grid)))
        else:
            sheets.append(RawSheet(meta.name, [[cell_text(v) for v in row] for row in grid], hidden=hidden))
    return sheets


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_TEXT_TYPE = re.compile(rb'\bt="(s|str|inlineStr|e)"')
_NUMBER_TYPE = re.compile(rb'\bt="n"')
_ANY_TYPE = re.compile(rb'\bt="')
_STYLE = re.compile(rb'\bs="(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_DATE_1904 = re.compile(rb'date1904="(1|true)"')
_DURATION_FORMAT = re.compile(r"\[[hms]", re.IGNORECASE)
PEEK_BYTES = 64 * 1024
# what fastexcel makes of a number, a boolean, or a date/time it would render unlike cell_text
# (text cells reading like this are rare; the sheet then simply goes the python-calamine way)
_RENDERED = (
    r"^(-?[0-9]+(\.[0-9]+)?|true|false|"
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]*| 00:00:00|T.*)|"
    r"(1899|190[0-4])-.*|P[0-9TYMWDHS.,]+)$"
)


def _styles(archive: zipfile.ZipFile) -> tuple[set[int], bool] | None:
    """The cell styles showing a date or time, and whether any shows a duration ([h]:mm …:
    python-calamine gives a timedelta, fastexcel a date in 1900). None: unreadable styles."""
    try:
        styles = ET.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return set(), False
    except ET.ParseError:
        return None
    codes = {el.get("numFmtId"): el.get("formatCode", "") for el in styles.iter() if el.tag.endswith("}numFmt")}
    if any(_DURATION_FORMAT.search(code) for code in codes.values()):
        return set(), True
    dates: set[int] = set()
    for box in (el for el in styles.iter() if el.tag.endswith("}cellXfs")):
        for index, xf in enumerate(x for x in box if x.tag.endswith("}xf")):
            number_format = xf.get("numFmtId", "0")
            if number_format == "46":
                return set(), True
            code = codes.get(number_format)
            if (code is None and number_format in _DATE_FORMAT_IDS) or (code is not None and _date_code(code)):
                dates.add(index)
    return dates, False


_DATE_FORMAT_IDS = {str(i) for i in (*range(14, 23), 45, 47)}
_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]')


def _date_code(code: str) -> bool:
    """Roughly calamine's test for a date format (only speed depends on it, never values)."""
    return bool(re.search(r"[dmyhs]", _LITERALS.sub("", code.split(";")[0]), re.IGNORECASE))


def _long_textual_sheets(data: bytes, bulk_rows: int) -> dict[str, str]:
    """The .xlsx sheets (name → zip member) that claim more than `bulk_rows` rows and whose
    first 64 KB hold only text cells and date-times with a time of day: those fastexcel renders
    as `cell_text` does. It is only a forecast; `_fastexcel_sheet` checks every cell again."""
    names: dict[str, str] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        styles = _styles(archive)
    except (KeyError, zipfile.BadZipFile, ET.ParseError):
        return names
    if styles is None or styles[1] or _DATE_1904.search(archive.read("xl/workbook.xml")[:PEEK_BYTES]):
        return names
    dates = styles[0]
    for name, member in _sheet_members(book, rels).items():
        try:
            with archive.open(member) as stream:
                head = stream.read(PEEK_BYTES)
        except (KeyError, zipfile.BadZipFile, OSError):
            continue
        match = _DIMENSION.search(head)
        if not match or not match.group(3) or int(match.group(4)) <= bulk_rows:
            continue
        cells = [m for m in _CELL.finditer(head) if m.group(2) is not None]
        if cells and all(_text_or_date_time(m.group(1), m.group(2), dates) for m in cells):
            names[name] = member
    return names


def _sheet_members(book: ET.Element, rels: ET.Element) -> dict[str, str]:
    """An .xlsx's sheet names → their zip members, from xl/workbook.xml and its relationships."""
    targets = {r.get("Id"): r.get("Target", "") for r in rels if r.tag.endswith("Relationship")}
    members = {}
    for element in book.iter():
        if element.tag.endswith("}sheet"):
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            members[element.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return members


# ---- hidden columns: calamine does not report them, so they are read from the XML -----------

_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:.-]+)="([^"]*)"')
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
MAX_COLUMN_XML = 4 * 1024 * 1024  # <cols> comes before the cells; no need to look further
_ODS_TABLE = re.compile(rb"<table:table\s([^>]*)>")  # not table-row, table-column …
_ODS_COLUMN = re.compile(rb"<table:table-column\b([^>]*)>")


def with_hidden_columns(sheets: list[RawSheet], data: bytes) -> list[RawSheet]:
    """`sheets` knowing which of their columns the workbook hides (.xlsx and .ods; .xls is not read).

    Only a forecast of safety, never of values: a workbook whose XML this cannot follow keeps
    its sheets as they are.
    """
    import dataclasses

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            hidden = _xlsx_hidden_columns(archive)
        elif "content.xml" in names:
            hidden = _ods_hidden_columns(archive, {s.name for s in sheets})
        else:
            return sheets
    except (zipfile.BadZipFile, KeyError, OSError, ET.ParseError, ValueError):
        return sheets
    return [
        dataclasses.replace(s, hidden_columns=frozenset(hidden[s.name])) if hidden.get(s.name) else s for s in sheets
    ]


def _xlsx_hidden_columns(archive: zipfile.ZipFile) -> dict[str, set[int]]:
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    found: dict[str, set[int]] = {}
    for name, member in _sheet_members(book, rels).items():
        head = b""
        with archive.open(member) as stream:
            while len(head) < MAX_COLUMN_XML and not _SHEET_DATA.search(head, max(0, len(head) - PEEK_BYTES - 16)):
                chunk = stream.read(PEEK_BYTES)
                if not chunk:
                    break
                head += chunk
        end = _SHEET_DATA.search(head)
        for tag in _COL.finditer(head, 0, end.start() if end else len(head)):
            attributes = dict(_ATTRIBUTE.findall(tag.group(1)))
            if attributes.get(b"hidden") in (b"1", b"true"):
                first, last = int(attributes.get(b"min", b"1")), int(attributes.get(b"max", b"1"))
                found.setdefault(name, set()).update(range(first - 1, min(last, first + 16384)))
    return found


def _ods_hidden_columns(archive: zipfile.ZipFile, names: set[str]) -> dict[str, set[int]]:
    """A table's table:table-column elements come before its first row; `visibility="collapse"`
    hides one. content.xml is read as a stream and left once every sheet in `names` is seen:
    a one-sheet ledger costs its first chunk, not the whole (decompressed) file."""
    found: dict[str, set[int]] = {}
    pending = b""
    with archive.open("content.xml") as stream:
        while names:
            table = pending.find(b"<table:table ")
            row = pending.find(b"<table:table-row", table) if table >= 0 else -1
            if row < 0:
                chunk = stream.read(_ODS_CHUNK)
                if chunk:  # keep what may still hold a table's start or its columns
                    pending = (pending[table:] if table >= 0 else pending[-32:]) + chunk
                    continue
                if table < 0:
                    break
                row = len(pending)
            name, hidden = _ods_table_columns(pending[table:row])
            names.discard(name)
            if hidden:
                found[name] = hidden
            pending = pending[row:]
    return found


_ODS_CHUNK = 1024 * 1024


def _ods_table_columns(head: bytes) -> tuple[str, set[int]]:
    """A table's name and its hidden column positions, from its start tag up to its first row."""
    import html

    table = _ODS_TABLE.match(head)
    attributes = dict(_ATTRIBUTE.findall(table.group(1))) if table else {}
    name = html.unescape(attributes.get(b"table:name", b"").decode())
    hidden: set[int] = set()
    position = 0
    for column in _ODS_COLUMN.finditer(head):
        attributes = dict(_ATTRIBUTE.findall(column.group(1)))
        repeated = min(int(attributes.get(b"table:number-columns-repeated", b"1")), 16384)
        if attributes.get(b"table:visibility") in (b"collapse", b"filter"):
            hidden.update(range(position, position + repeated))
        position += repeated
    return name, hidden


def _text_or_date_time(attributes: bytes, body: bytes, dates: set[int]) -> bool:
    if _TEXT_TYPE.search(attributes):
        return True
    if _ANY_TYPE.search(attributes) and not _NUMBER_TYPE.search(attributes):
        return False
    style = _STYLE.search(attributes)
    value = _VALUE.search(body)
    if not style or int(style.group(1)) not in dates or not value:
        return not value  # an empty cell with a style only
    try:
        number = float(value.group(1))
    except ValueError:
        return False
    return number >= 1 and not number.is_integer()  # a date alone or a time alone renders otherwise


def _fastexcel_sheet(reader: object, name: str, data: bytes, member: str) -> RawSheet | None:
    """A long sheet through fastexcel, cells as `_columns` would give them; None to have
    python-calamine read it instead.

    A cell whose rendering could be fastexcel's own (see `_RENDERED`: numbers, true/false,
    dates at midnight …) is looked up in the sheet's XML and written as `cell_text` would
    write python-calamine's value; a cell that cannot be settled that way hands the sheet back.
    """
    # skip_rows=0 keeps leading blank rows (row i is Excel row i + 1); leading blank columns
    # are dropped, but each column knows its absolute position
    sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")  # type: ignore[attr-defined]
    import pyarrow as pa  # after the parse: _parse_calamine has it loading meanwhile
    import pyarrow.compute as pc

    table = sheet.to_arrow()
    positions = [c.absolute_index for c in sheet.available_columns()]
    width = max(positions, default=-1) + 1
    raw: list[pa.Array | None] = [None] * width
    for position, values in zip(positions, table.columns, strict=True):
        values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        raw[position] = values.cast(pa.string()) if values.type != pa.string() else values
    rows = table.num_rows
    blank = pa.nulls(rows, pa.string())

    def cleaned(values: pa.Array | None) -> pa.Array:
        return blank if values is None else _blank_as_null(pc.utf8_trim_whitespace(values))

    # Arrow's kernels let go of the GIL: two columns at a time, on both cores
    with ThreadPoolExecutor(2) as pool:
        marked = pool.map(_rendered_rows, [raw[position] for position in positions])
        suspects = {position: found for position, found in zip(positions, marked, strict=True) if found}
        if suspects:
            if sum(len(found) for found in suspects.values()) > MAX_LOOKED_UP:
                return None
            resolved = _looked_up(_member_xml(data, member), suspects, raw)
            if resolved is None:
                return None
            for position, texts in resolved.items():
                raw[position] = _replaced(raw[position], texts)  # type: ignore[arg-type]
        columns = {f"c{index}": values for index, values in enumerate(pool.map(cleaned, raw))}
    head_rows = min(rows, HEADER_SCAN_ROWS + 1)
    head_columns = [v.slice(0, head_rows).to_pylist() if v is not None else [None] * head_rows for v in raw]
    head = [[cell_text(v) for v in row] for row in zip(*head_columns, strict=True)] if width else []
    # hidden or not: python-calamine says
    return RawSheet(name, head, cells=pa.table(columns), control_free=not _may_hold_control(columns.values()))


def _may_hold_control(columns: Iterable[pa.Array]) -> bool:
    """Whether a cell of these text columns may hold a control character (ESC, backspace …);
    False is certain, and spares the parent the rule that tests every text cell for one.

    The bytes of each column's values lie in one buffer: it is tested whole, as a CSV's bytes are
    (a few milliseconds for 100,000 rows), whatever way the XML wrote the character.
    """
    from village_stats.csv_files import may_hold_control  # only the child needs it

    return any(may_hold_control(_value_bytes(values), "utf-8") for values in columns)


def _value_bytes(values: pa.Array) -> bytes:
    """The bytes of a text column's values, and no more (its buffer may hold other bytes past them)."""
    import pyarrow as pa

    if values.null_count == len(values):
        return b""
    _, offsets, data = values.buffers()
    bounds = memoryview(offsets).cast("q" if pa.types.is_large_string(values.type) else "i")
    return bytes(memoryview(data)[bounds[values.offset] : bounds[values.offset + len(values)]])


def _rendered_rows(values: pa.Array) -> list[int]:
    """The rows of a column whose text could be fastexcel's rendering of something else (`_RENDERED`)."""
    import pyarrow.compute as pc

    marked = pc.match_substring_regex(values, _RENDERED)
    return pc.indices_nonzero(marked).to_pylist() if pc.any(marked).as_py() else []


MAX_LOOKED_UP = 200_000  # cells looked up in the XML; beyond this python-calamine is quicker
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_NUMBER_SHOWN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_STAMP_SHOWN = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?")


def _member_xml(data: bytes, member: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(member)


def _looked_up(xml: bytes, suspects: dict[int, list[int]], raw: list) -> dict[int, list[tuple[int, str]]] | None:
    """For each suspect cell (column position → row indexes) the text `cell_text` gives for
    python-calamine's value, found from the cell's type and value in the sheet XML."""
    found: dict[int, list[tuple[int, str]]] = {}
    wanted = sorted((row, position) for position, rows in suspects.items() for row in rows)
    start = end = 0
    current = -1
    for row, position in wanted:
        if row != current:
            start = xml.find(b'<row r="%d"' % (row + 1), end)
            end = xml.find(b"</row>", start) if start >= 0 else -1
            if end < 0:
                return None
            current = row
        at = xml.find(b'r="%s%d"' % (column_letter(position).encode(), row + 1), start, end)
        cell = _CELL.match(xml, xml.rfind(b"<c", start, at)) if at >= 0 else None
        if cell is None or cell.group(2) is None:
            return None
        text = _calamine_text(cell.group(1), cell.group(2), raw[position][row].as_py())
        if text is None:
            return None
        found.setdefault(position, []).append((row, text))
    return found


def _calamine_text(attributes: bytes, body: bytes, shown: str) -> str | None:
    """`cell_text` of python-calamine's value for a cell fastexcel rendered as `shown`;
    None when this cannot be settled here."""
    kind = _TYPE.search(attributes)
    kind_name = kind.group(1) if kind else b"n"
    if kind_name in (b"s", b"str", b"inlineStr"):
        return shown  # text that merely looks like a number or a date
    value = _VALUE.search(body)
    if value is None:
        return None
    if kind_name == b"b":
        return {b"1": "是", b"0": "否"}.get(value.group(1).strip())
    if kind_name != b"n":
        return None
    try:
        number = float(value.group(1))
    except ValueError:
        return None
    if _NUMBER_SHOWN.fullmatch(shown):
        return cell_text(number)
    stamp = _STAMP_SHOWN.fullmatch(shown)
    if stamp is None or number < 61:  # 1900's phantom 29 February and time-only values near it
        return _time_of_day(stamp, number)
    day, clock, fraction = stamp.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if clock == "00:00:00" and not micro:
        return day if number.is_integer() else None  # python-calamine gives a date
    return f"{day} {clock}" + (f".{micro:06d}" if micro else "")


def _time_of_day(stamp: re.Match[str] | None, number: float) -> str | None:
    """A value below one day that python-calamine gives as a time (shown on 1899-12-31)."""
    if stamp is None or not 0 < number < 1 or stamp.group(1) != "1899-12-31":
        return None
    micro = int((stamp.group(3) or "0")[:6].ljust(6, "0"))
    return stamp.group(2) + (f".{micro:06d}" if micro else "")


def _replaced(values: pa.Array, texts: list[tuple[int, str]]) -> pa.Array:
    """`values` with the given rows replaced; built from buffers, as converting Python
    objects would make pyarrow import pandas (half a second) in the reading child."""
    from array import array

    import pyarrow as pa
    import pyarrow.compute as pc

    count = len(values)
    order = array("q", range(count))
    offsets = array("i", [0])
    encoded = []
    for number, (row, text) in enumerate(texts):
        order[row] = count + number
        encoded.append(text.encode())
        offsets.append(offsets[-1] + len(encoded[-1]))
    extra = pa.StringArray.from_buffers(len(texts), pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(encoded)))
    indices = pa.Array.from_buffers(pa.int64(), count, [None, pa.py_buffer(order.tobytes())])
    return pc.take(pa.concat_arrays([values, extra]), indices)


def _blank_as_null(text: pa.Array) -> pa.Array:
    """Empty strings become NULL, as `cell_text` makes them; the strings are not copied.
    (No Python scalars here: converting one makes pyarrow import pandas.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths = pc.binary_length(text)
    if not len(text) or (pc.min(lengths).as_py() or 0) > 0 or lengths.null_count == len(text):
        return text
    filled = pc.cast(lengths, pa.bool_())  # length 0 → false
    if text.offset:  # the validity bitmap below starts at 0, so the strings must too
        return pc.if_else(filled, text, pa.nulls(len(text), pa.string()))
    valid = pc.coalesce(filled, pc.is_valid(filled))  # a NULL cell stays NULL
    offsets, data = text.buffers()[1:]
    return pa.StringArray.from_buffers(len(text), offsets, data, valid.buffers()[1], offset=text.offset)


def _columns(grid: list[list[object]]) -> pa.Table:
    """A long sheet as Arrow text columns c0, c1 …, the cells made text as `cell_text` makes them.

    A column of text only (most are) is trimmed in Arrow; a column holding numbers,
    dates or booleans goes cell by cell through `cell_text`, so both paths agree.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    width = max((len(row) for row in grid), default=0)
    # calamine's grid is rectangular; zip turns it into columns without a Python loop per cell
    if any(len(row) != width for row in grid):
        grid = [[*row, *[None] * (width - len(row))] for row in grid]
    columns = {}
    for index, values in enumerate(zip(*grid, strict=True)):
        try:
            text = pc.utf8_trim_whitespace(pa.array(values, pa.string()))
            columns[f"c{index}"] = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[f"c{index}"] = pa.array([cell_text(v) for v in values], pa.string())
    return pa.table(columns)


def _parse_openpyxl(data: bytes) -> list[RawSheet]:
    import openpyxl  # with defusedxml installed, openpyxl refuses XML entity tricks

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = []
    for worksheet in workbook.worksheets:
        worksheet.reset_dimensions()  # ignore the claimed range; stream the rows that exist
        rows = [_trimmed([cell_text(v) for v in row]) for row in worksheet.iter_rows(values_only=True)]
        sheets.append(RawSheet(worksheet.title, rows, hidden=worksheet.sheet_state != "visible"))
    return sheets


def _trimmed(cells: list[str | None]) -> list[str | None]:
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _child(engine: str, bulk_rows: int) -> int:
    data = sys.stdin.buffer.read()
    try:
        sheets = _parse_openpyxl(data) if engine == "openpyxl" else _parse_calamine(data, bulk_rows)
        sheets = with_hidden_columns(sheets, data)
    except MemoryError:
        print("文件内容过大，超出读取时允许的内存", file=sys.stderr)
        return 1
    except Exception as error:  # every kind of damage in a third-party parser ends here, as one line
        print(f"{type(error).__name__}: {error}".replace("\n", " ")[:500], file=sys.stderr)
        return 1
    sys.stdout.buffer.write(pickle.dumps(sheets, protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else reading.BULK_SHEET_ROWS))
