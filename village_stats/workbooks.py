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
talking to us, so unpickling its output is safe.
"""

from __future__ import annotations

import io
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from village_stats import reading
from village_stats.reading import HEADER_SCAN_ROWS, RawSheet, UnreadableFile, cell_text

if TYPE_CHECKING:
    import pyarrow as pa

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


def read_workbook(name: str, data: bytes) -> list[RawSheet]:
    """Every sheet of a workbook as text cells, parsed where a crash cannot hurt this process."""
    engine = choose_engine(name, data)
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "village_stats.workbooks", engine, str(reading.BULK_SHEET_ROWS)],
            input=data,
            capture_output=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            preexec_fn=_limit_child if sys.platform != "win32" else None,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise UnreadableFile(f"{name}：读取超过 {CHILD_TIMEOUT_SECONDS} 秒仍未完成，文件可能过大或已损坏") from error
    if finished.returncode != 0:
        detail = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail and finished.returncode == 1 else f"读取进程异常退出（{finished.returncode}）"
        raise UnreadableFile(f"{name}：无法读取该表格文件（文件损坏、加密、过大或并非表格）：{reason}")
    return pickle.loads(finished.stdout)


def _parse_calamine(data: bytes, bulk_rows: int) -> list[RawSheet]:
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = []
    for meta in workbook.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        grid = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        if len(grid) > bulk_rows:
            head = [[cell_text(v) for v in row] for row in grid[: HEADER_SCAN_ROWS + 1]]
            sheets.append(RawSheet(meta.name, head, hidden=hidden, cells=_columns(grid)))
        else:
            sheets.append(RawSheet(meta.name, [[cell_text(v) for v in row] for row in grid], hidden=hidden))
    return sheets


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
