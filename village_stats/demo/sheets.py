"""Writing a demo ledger: a workbook shaped like the town's own (title, 填报单位, header, data, footer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# Fixed workbook metadata: xlsxwriter stamps 'created' into docProps, and a
# fixed value keeps the files byte-identical between runs.
CREATED = datetime(2025, 1, 10, 9, 0)
FOOTER = "填表人：王丽　审核人：陈建国　报出日期：2025年1月10日"


# ---------------------------------------------------------------------------
# Writing a ledger
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, int, money, score, date, datetime
    width: float = 10


@dataclass(frozen=True)
class Ledger:
    file_name: str
    title: str
    issuer: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    total_row: tuple | None = None


NUMBER_FORMATS = {
    "int": "0",
    "money": "0.00",
    "score": "0.0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


def _cell_formats(workbook: xlsxwriter.Workbook) -> dict[tuple[str, bool], Format]:
    """One format per (column kind, bold) pair; bold is for the total row."""
    formats: dict[tuple[str, bool], Format] = {}
    for kind in ("text", *NUMBER_FORMATS):
        for bold in (False, True):
            properties: dict[str, object] = {"bold": bold}
            if kind in NUMBER_FORMATS:
                properties["num_format"] = NUMBER_FORMATS[kind]
            formats[kind, bold] = workbook.add_format(properties)
    return formats


def _write_cell(sheet: Worksheet, row: int, col: int, kind: str, value: object, fmt: Format) -> None:
    """Numbers as numbers, dates as Excel dates, missing values as truly empty cells."""
    if value is None:
        return
    if kind in ("date", "datetime"):
        assert isinstance(value, date)
        moment = value if isinstance(value, datetime) else datetime.combine(value, time())
        sheet.write_datetime(row, col, moment, fmt)
    elif kind == "text":
        sheet.write_string(row, col, str(value), fmt)
    else:
        assert isinstance(value, int | Decimal)
        sheet.write_number(row, col, float(value), fmt)


def write_ledger(path: Path, ledger: Ledger) -> None:
    """Title, 填报单位 line, header, data (numbered 序号), optional total, footer."""
    columns = (Column("序号", "int", 6), *ledger.columns)
    last_col = len(columns) - 1
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": ledger.title, "author": "王丽", "created": CREATED})
    sheet = workbook.add_worksheet(Path(ledger.file_name).stem)
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    note_format = workbook.add_format({"align": "left", "valign": "vcenter"})
    header_format = workbook.add_format(
        {
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "border": 1,
        }
    )
    formats = _cell_formats(workbook)

    sheet.set_row(0, 28)
    sheet.merge_range(0, 0, 0, last_col, ledger.title, title_format)
    sheet.merge_range(1, 0, 1, last_col, ledger.issuer, note_format)
    sheet.set_row(2, 32)
    for col, column in enumerate(columns):
        sheet.write_string(2, col, column.header, header_format)
        sheet.set_column(col, col, column.width)

    row = 3
    numbered_rows = [(number, *values) for number, values in enumerate(ledger.rows, start=1)]
    total_rows = [(None, *ledger.total_row)] if ledger.total_row else []
    for values, bold in [(v, False) for v in numbered_rows] + [(v, True) for v in total_rows]:
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            _write_cell(sheet, row, col, column.kind, value, formats[column.kind, bold])
        row += 1

    footer_row = row + 1  # one blank row, as on the paper forms
    sheet.merge_range(footer_row, 0, footer_row, last_col, FOOTER, note_format)
    sheet.freeze_panes(3, 0)
    workbook.close()
