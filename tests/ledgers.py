"""Ledger files shaped like the ones town staff keep, for tests.

A real 台账 has a merged title row, a `填报单位：…　单位：万元` line, a header
(sometimes two rows: `投资情况（万元）` merged over `计划总投资 | 已完成投资`),
a 序号 column, blank rows, 合计/小计 rows and a footer (`填表人：… 审核人：…`,
`注：…`). `Ledger` describes one such sheet; `write_xlsx` and `write_csv` put
it in a file, and `Ledger.excel_row` says which row number Excel shows for a
data row, so tests can assert on the row an issue points at.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter

Cell = str | int | float | dt.date | dt.datetime | None

FOOTER = (
    "单位负责人：陈建国　统计负责人：李明　填表人：王丽　审核人：陈建国　报出日期：2024年1月10日",
    "注：1.本表金额单位为万元；2.数据以镇农经站年报为准。",
)


@dataclass
class Ledger:
    """One sheet as staff fill it in. `rows` hold data cells only (no 序号); None is a blank row."""

    columns: list[str]
    rows: list[list[Cell] | None] = field(default_factory=list)
    title: str | None = "青溪镇2023年度村级集体经济收入统计表"
    unit_line: str | None = "填报单位：青溪镇农业农村办　　单位：万元"
    # two-row header: group label → the lower-row columns it spans (adjacent, in `columns` order)
    groups: dict[str, list[str]] = field(default_factory=dict)
    serial: bool = True
    totals: list[list[Cell]] = field(default_factory=list)  # e.g. [None, "全镇合计", 1234.5]
    footer: tuple[str | list[Cell], ...] = FOOTER  # a line of text (merged across), or a whole row
    sheet: str = "Sheet1"
    hidden: tuple[int, ...] = ()  # positions in `columns` of columns hidden in the workbook (not in CSV)

    @property
    def width(self) -> int:
        return len(self.columns) + (1 if self.serial else 0)

    @property
    def first_header_row(self) -> int:
        """Excel row number of the (first) header row."""
        return 1 + (self.title is not None) + (self.unit_line is not None)

    @property
    def header_row(self) -> int:
        """Excel row number of the last header row."""
        return self.first_header_row + (1 if self.groups else 0)

    def excel_row(self, index: int) -> int:
        """The row number Excel shows for `rows[index]`."""
        return self.header_row + 1 + index

    def total_row(self, index: int) -> int:
        return self.header_row + 1 + len(self.rows) + index

    def _header_rows(self) -> list[list[Cell]]:
        columns = (["序号"] if self.serial else []) + list(self.columns)
        if not self.groups:
            return [columns]
        group_of = {column: label for label, members in self.groups.items() for column in members}
        upper: list[Cell] = []
        lower: list[Cell] = []
        for column in columns:
            label = group_of.get(column)
            if label is None:
                upper.append(column)  # merged over both header rows
                lower.append(None)
            else:
                upper.append(label if self.groups[label][0] == column else None)
                lower.append(column)
        return [upper, lower]

    def grid(self) -> list[list[Cell]]:
        """Every row of the sheet, as written (row i is Excel row i + 1)."""
        grid: list[list[Cell]] = []
        if self.title is not None:
            grid.append([self.title])
        if self.unit_line is not None:
            grid.append([self.unit_line])
        grid += self._header_rows()
        serial = 0
        for row in self.rows:
            if row is None:
                grid.append([])
                continue
            serial += 1
            grid.append(([serial] if self.serial else []) + list(row))
        for total in self.totals:
            grid.append(([None] if self.serial else []) + list(total))
        if self.footer:
            grid.append([])
            grid += [[line] if isinstance(line, str) else list(line) for line in self.footer]
        return grid

    def merges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges (first_row, first_col, last_row, last_col), 0-based, as real forms merge them."""
        last_col = self.width - 1
        found = []
        row = 0
        for line in (self.title, self.unit_line):
            if line is not None:
                found.append((row, 0, row, last_col))
                row += 1
        if self.groups:
            upper, lower = self._header_rows()
            for col, (top, bottom) in enumerate(zip(upper, lower, strict=True)):
                if top is not None and bottom is None:
                    found.append((row, col, row + 1, col))
            columns = (["序号"] if self.serial else []) + list(self.columns)
            for members in self.groups.values():
                first, last = columns.index(members[0]), columns.index(members[-1])
                if last > first:
                    found.append((row, first, row, last))
        footer_start = len(self.grid()) - len(self.footer)
        for offset, line in enumerate(self.footer):
            if isinstance(line, str):
                found.append((footer_start + offset, 0, footer_start + offset, last_col))
        return [(r1, c1, r2, c2) for r1, c1, r2, c2 in found if (r1, c1) != (r2, c2)]  # no one-cell merges


def write_xlsx(path: Path, *ledgers: Ledger) -> Path:
    """A workbook with one sheet per ledger, merged cells and all, written by xlsxwriter."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    plain = workbook.add_format({"border": 1})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "border": 1})
    day = workbook.add_format({"num_format": "yyyy-mm-dd", "border": 1})
    for ledger in ledgers:
        sheet = workbook.add_worksheet(ledger.sheet)
        for position in ledger.hidden:
            column = position + (1 if ledger.serial else 0)
            sheet.set_column(column, column, None, None, {"hidden": True})
        grid = ledger.grid()
        merged_cells = set()
        for first_row, first_col, last_row, last_col in ledger.merges():
            value = grid[first_row][first_col] if first_col < len(grid[first_row]) else None
            sheet.merge_range(first_row, first_col, last_row, last_col, "" if value is None else value, bold)
            merged_cells |= {(r, c) for r in range(first_row, last_row + 1) for c in range(first_col, last_col + 1)}
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if (r, c) in merged_cells or value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, when)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value, plain)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value, plain)
                else:
                    sheet.write_string(r, c, str(value), plain)
    workbook.close()
    return path


def write_ods(path: Path, *ledgers: Ledger) -> Path:
    """An OpenDocument spreadsheet shaped as LibreOffice Calc saves one: column styles with
    repeats, hidden columns as `table:visibility="collapse"`, merged cells spanned and covered,
    numbers as floats and dates as date values. (Written directly: LibreOffice Calc and odfpy
    are not part of the test environment.)"""
    tables = "".join(_ods_table(ledger) for ledger in ledgers)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {_ODS_NAMESPACES} office:version="1.3">'
        '<office:automatic-styles><style:style style:name="co1" style:family="table-column">'
        '<style:table-column-properties style:column-width="2.258cm"/></style:style></office:automatic-styles>'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


_ODS_NAMESPACES = " ".join(
    f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{name}"'
    for prefix, name in [
        ("office", "office:1.0"),
        ("style", "style:1.0"),
        ("text", "text:1.0"),
        ("table", "table:1.0"),
        ("fo", "xsl-fo-compatible:1.0"),
    ]
)


def _ods_table(ledger: Ledger) -> str:
    hidden = {p + (1 if ledger.serial else 0) for p in ledger.hidden}
    columns = []
    run = 0
    for index in range(ledger.width):  # runs of alike columns are one element, as LibreOffice writes them
        run += 1
        if index + 1 == ledger.width or (index in hidden) != (index + 1 in hidden) or index in hidden:
            repeated = f' table:number-columns-repeated="{run}"' if run > 1 else ""
            collapsed = ' table:visibility="collapse"' if index in hidden else ""
            columns.append(f'<table:table-column table:style-name="co1"{repeated}{collapsed}/>')
            run = 0
    spans = {(r, c): (r2 - r + 1, c2 - c + 1) for r, c, r2, c2 in ledger.merges()}
    covered = {
        (row, col)
        for (r, c), (rows, cols) in spans.items()
        for row in range(r, r + rows)
        for col in range(c, c + cols)
        if (row, col) != (r, c)
    }
    rows = []
    for r, line in enumerate(ledger.grid()):
        cells = []
        for c in range(max(len(line), max((col + 1 for row, col in covered if row == r), default=0))):
            if (r, c) in covered:
                cells.append("<table:covered-table-cell/>")
                continue
            value = line[c] if c < len(line) else None
            span = spans.get((r, c))
            spanned = f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"' if span else ""
            cells.append(_ods_cell(value, spanned))
        rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    name = escape(ledger.sheet, {'"': "&quot;"})
    return f'<table:table table:name="{name}">{"".join(columns)}{"".join(rows)}</table:table>'


def _ods_cell(value: Cell, spanned: str) -> str:
    if value is None:
        return f"<table:table-cell{spanned}/>"
    if isinstance(value, dt.datetime | dt.date):
        return f'<table:table-cell{spanned} office:value-type="date" office:date-value="{value.isoformat()}"/>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (
            f'<table:table-cell{spanned} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    text = escape(str(value))
    return f'<table:table-cell{spanned} office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def csv_text(ledger: Ledger) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in ledger.grid():
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def write_csv(path: Path, ledger: Ledger, encoding: str = "utf-8") -> Path:
    """CSV as Excel or WPS saves it: `utf-8`, `utf-8-sig` (with BOM), `gbk` or `gb18030`."""
    path.write_bytes(csv_text(ledger).encode(encoding))
    return path


# Template headers, as written on the town's forms (no 所属镇 column: one town).
INCOME_COLUMNS = [
    "年度",
    "村(社区)名称",
    "村集体经济总收入(万元)",
    "经营性收入(万元)",
    "发包及上交收入(万元)",
    "投资收益(万元)",
    "补助收入(万元)",
    "其他收入(万元)",
]
STARS_COLUMNS = ["年度", "村(社区)名称", "星级", "评分", "软弱涣散"]
PROJECT_COLUMNS = [
    "项目编号",
    "年度",
    "项目名称",
    "所属村(社区)",
    "擂台",
    "计划总投资(万元)",
    "已完成投资(万元)",
    "项目状态",
    "揭榜人",
    "开工日期",
]
TICKET_COLUMNS = [
    "工单编号",
    "村(社区)名称",
    "网格",
    "类型",
    "诉求类别",
    "诉求内容",
    "点单时间",
    "领单时间",
    "派单时间",
    "晒单时间",
    "评单",
    "承办党员",
]
PROBLEM_COLUMNS = [
    "问题编号",
    "年度",
    "村(社区)名称",
    "问题来源",
    "问题类型",
    "问题描述",
    "责任人",
    "整改时限",
    "整改状态",
    "整改完成日期",
]
VILLAGE_COLUMNS = ["村(社区)名称", "类型", "片区", "户数", "人口", "党员数"]


def income(rows: list[list[Cell] | None], **kw) -> Ledger:
    """村级集体经济收入, template columns, title `青溪镇2023年度…`, 单位：万元."""
    kw.setdefault("sheet", "村级集体经济收入")
    return Ledger(INCOME_COLUMNS, rows, **kw)


def stars(rows: list[list[Cell] | None], **kw) -> Ledger:
    kw.setdefault("title", "青溪镇村（社区）党组织“达标创星”评定结果汇总表")
    kw.setdefault("unit_line", "填报单位：青溪镇党建办")
    kw.setdefault("sheet", "达标创星")
    return Ledger(STARS_COLUMNS, rows, **kw)


def projects(rows: list[list[Cell] | None], **kw) -> Ledger:
    kw.setdefault("title", "青溪镇2024年度“揭榜挂帅”项目汇总表")
    kw.setdefault("unit_line", "填报单位：青溪镇项目推进办　　单位：万元")
    kw.setdefault("sheet", "揭榜挂帅项目")
    return Ledger(PROJECT_COLUMNS, rows, **kw)


def tickets(rows: list[list[Cell] | None], **kw) -> Ledger:
    kw.setdefault("title", "青溪镇“五单”闭环服务工单台账")
    kw.setdefault("unit_line", "填报单位：青溪镇党建办")
    kw.setdefault("sheet", "五单服务工单")
    return Ledger(TICKET_COLUMNS, rows, **kw)


def problems(rows: list[list[Cell] | None], **kw) -> Ledger:
    kw.setdefault("title", "青溪镇问题清单与整改台账")
    kw.setdefault("unit_line", "填报单位：青溪镇党建办")
    kw.setdefault("sheet", "问题整改台账")
    return Ledger(PROBLEM_COLUMNS, rows, **kw)


def villages(rows: list[list[Cell] | None], **kw) -> Ledger:
    kw.setdefault("title", "青溪镇村（社区）基本情况名录")
    kw.setdefault("unit_line", "填报单位：青溪镇党建办")
    kw.setdefault("sheet", "村社区名录")
    return Ledger(VILLAGE_COLUMNS, rows, **kw)
