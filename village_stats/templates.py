"""Blank ledger templates (.xlsx) generated from the data model, one per dataset (pure).

Each template has the Chinese headers the importer recognises first, one example
row, drop-down lists for every enumerated column, and a 填表说明 sheet that
explains every column: what it holds, whether it is required, its unit and the
other header names the importer also accepts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

from village_stats.datasets import Column, Dataset
from village_stats.settings import Settings

EXAMPLES: dict[str, str | int | float | date | datetime] = {
    "name": "示例村",
    "village": "北垞村",
    "kind": "村",
    "area": "北片",
    "households": 820,
    "population": 2460,
    "party_members": 86,
    "year": 2024,
    "total_income": 186.4,
    "operating_income": 120.5,
    "contract_income": 60.2,
    "investment_income": 60.3,
    "subsidy_income": 40.0,
    "other_income": 25.9,
    "project_id": "JB2024-001",
    "planned_investment": 1200,
    "completed_investment": 800,
    "leader": "张三",
    "start_date": date(2024, 3, 1),
    "stars": "五星级",
    "score": 96.5,
    "weak": "否",
    "ticket_id": "WD2024-0001",
    "grid": "北垞村第1网格",
    "category": "民生保障",
    "content": "村道路灯损坏，夜间出行不便",
    "ordered_at": datetime(2024, 5, 6, 9, 30),
    "claimed_at": datetime(2024, 5, 6, 10, 0),
    "dispatched_at": datetime(2024, 5, 6, 14, 0),
    "done_at": datetime(2024, 5, 8, 16, 30),
    "rating": "满意",
    "member": "李四",
    "problem_id": "WT2024-001",
    "source": "党建体检",
    "description": "三会一课记录不规范",
    "responsible": "王五",
    "deadline": date(2024, 6, 30),
    "status": "已整改",
    "rectified_on": date(2024, 6, 20),
    "period": "2024Q1",
    "base_points": 60,
    "bonus_points": 12.5,
    "deducted_points": 2,
    "total_points": 70.5,
    "studio_name": "北垞赵军书记工作室",
    "level": "市级示范点",
    "established_on": date(2022, 11, 9),
    "focus": "重点项目",
    "activity_id": "XX2024-001",
    "date": date(2024, 3, 5),
    "sage": "李浩",
    "quantity": 3,
    "role": "后备干部",
    "birth_year": "1995.06",
    "education": "本科",
    "upgrading": "否",
    "trainings": 3,
}
SPECIAL_EXAMPLES = {
    ("projects", "name"): "北垞村文化礼堂提升改造工程",
    ("tickets", "kind"): "服务代办",
    ("problems", "category"): "个性",
    ("projects", "status"): "在建",
    ("sages", "kind"): "民意收集",
    ("sages", "description"): "收集村道修缮意见",
    ("cadres", "name"): "赵小军",
    ("member_points", "member"): "王建华",
}
TEMPLATE_CHOICES = {
    "weak": ("是", "否"),
    "upgrading": ("是", "否"),
    "rating": ("满意", "基本满意", "不满意", "1", "2", "3", "4", "5"),
    "stars": ("五星级", "四星级", "三星级", "二星级", "一星级", "无星"),
}


BLANK_CLOSING = (
    "说明：第2行为示例，请删除或覆盖后再填写。可保留标题行、“单位：万元”行、序号列和合计行，导入时会自动识别。"
)


def _choices(dataset: Dataset, settings: Settings, name: str) -> tuple[str, ...]:
    column = dataset.column(name)
    if column.choices:
        return column.choices
    if column.choices_setting:
        return tuple(getattr(settings, column.choices_setting))
    return TEMPLATE_CHOICES.get(name, ())


def _choice_list(
    sheet: object, first_row: int, last_row: int, index: int, header: str, choices: tuple[str, ...]
) -> None:
    """A drop-down of the column's allowed values over its rows; a value typed outside it only warns."""
    if not choices:
        return
    sheet.data_validation(
        first_row,
        index,
        last_row,
        index,
        {
            "validate": "list",
            "source": list(choices),
            "error_type": "warning",
            "input_title": header[:32],
            "input_message": ("可选：" + "、".join(choices))[:255],
        },
    )


def _notes_sheet(
    workbook: xlsxwriter.Workbook,
    dataset: Dataset,
    settings: Settings,
    columns: list,
    bold: object,
    closing: str = BLANK_CLOSING,
    extra: tuple[str, ...] = (),
) -> None:
    """The 填表说明 sheet: every column's meaning, whether required, unit, other names and choices."""
    notes = workbook.add_worksheet("填表说明")
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for index, title in enumerate(("列名", "说明", "是否必填", "单位", "也可写作", "可选值")):
        notes.write(0, index, title, bold)
    for row, column in enumerate(columns, start=1):
        unit = "金额：表头或“单位：”行注明元/万元/亿元，未注明按万元" if column.kind == "money" else (column.unit or "")
        notes.write_row(
            row,
            0,
            [
                column.header,
                column.description,
                "是" if column.required else "否",
                unit,
                "、".join(column.aliases),
                "、".join(_choices(dataset, settings, column.name)),
            ],
            wrap,
        )
    notes.set_column(0, 0, 24)
    notes.set_column(1, 1, 40)
    notes.set_column(2, 3, 14)
    notes.set_column(4, 5, 30)
    notes.write(
        len(columns) + 2,
        0,
        closing,
        wrap,
    )
    for offset, line in enumerate(extra, start=1):
        notes.write(len(columns) + 2 + offset, 0, line, wrap)


def template_bytes(dataset: Dataset, settings: Settings) -> bytes:
    """An .xlsx template for `dataset`: header row, example row, drop-downs, a notes sheet."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#dce6f2", "border": 1, "text_wrap": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = workbook.add_worksheet(dataset.title[:31])
    columns = [c for c in dataset.columns if c.name != "town"]
    for index, column in enumerate(columns):
        sheet.write(0, index, column.header, bold)
        sheet.set_column(index, index, max(12, len(column.header) * 2 + 2))
        example = SPECIAL_EXAMPLES.get((dataset.name, column.name), EXAMPLES.get(column.name))
        if dataset.name == "villages" and column.name == "name":
            example = "北垞村"
        if isinstance(example, datetime):
            sheet.write_datetime(1, index, example, time_format)
        elif isinstance(example, date):
            sheet.write_datetime(1, index, datetime.combine(example, datetime.min.time()), date_format)
        elif example is not None:
            sheet.write(1, index, example)
        _choice_list(sheet, 1, 5000, index, column.header, _choices(dataset, settings, column.name))
    sheet.freeze_panes(1, 0)

    _notes_sheet(workbook, dataset, settings, columns, bold)
    workbook.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class UnitSheet:
    """What one unit's 报送 template says beyond the data model: who, which year, and last year's figures."""

    unit: str
    town: str
    year: int
    title: str
    due: date
    last_year: dict[str, object] | None  # a dataset of one row per unit and year: last year's stored row
    last_year_rows: int | None  # other datasets: how many rows the unit had last year (or now, without years)
    with_town: bool = False  # a round of another town than the settings' own: the sheet names its town


REFERENCE_ROWS = 300  # input rows a multi-row template offers (drop-downs and unlocked cells)


def _reference_text(column: Column, value: object) -> object:
    """Last year's value as the grey reference cell shows it: money in 万元, 是/否 for booleans."""
    if value is None:
        return "—"
    if column.kind == "money":
        return float(Decimal(value) / 10_000)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return float(value)
    return value if isinstance(value, int | float) else str(value)


def unit_template_bytes(dataset: Dataset, settings: Settings, sheet_info: UnitSheet) -> bytes:
    """One unit's 报送 workbook: its name and year filled in and locked, drop-downs, last year's figures
    in grey beside the cells (one row per unit and year), and a 填表说明 sheet. It imports as it is filled."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#dce6f2", "border": 1, "text_wrap": True})
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    fixed = workbook.add_format({"bg_color": "#f2f2f2", "border": 1, "locked": True})
    grey_head = workbook.add_format(
        {"bold": True, "font_color": "#808080", "bg_color": "#f7f7f7", "border": 1, "text_wrap": True}
    )
    grey = workbook.add_format({"font_color": "#808080", "bg_color": "#f7f7f7", "border": 1, "num_format": "0.00"})
    grey_text = workbook.add_format({"font_color": "#808080", "bg_color": "#f7f7f7", "border": 1})
    open_cell = workbook.add_format({"locked": False, "border": 1, "bg_color": "#fffbe6"})
    open_date = workbook.add_format({"locked": False, "border": 1, "bg_color": "#fffbe6", "num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(dataset.title[:31])
    # printed for signing before it is sent back: one page wide, landscape, as a 报表 is
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    info = sheet_info
    columns = [c for c in dataset.columns if c.name != "town" or info.with_town]
    one_row = info.last_year_rows is None
    # layout: the columns in order; after each value column of a one-row ledger, its grey 上年 reference
    layout: list[tuple[Column, bool]] = []
    for column in columns:
        layout.append((column, False))
        if one_row and column.name not in dataset.key:
            layout.append((column, True))
    sheet.merge_range(
        0, 0, 0, max(len(layout) - 1, 1), f"{info.town}{info.year}年度{dataset.title}报送表", title_format
    )
    sheet.write(1, 0, f"填报单位：{info.unit}")
    sheet.write(1, 3 if len(layout) > 3 else 1, f"截止日期：{info.due:%Y年%m月%d日}")
    header_row, first_row = 2, 3
    last_row = first_row if one_row else first_row + REFERENCE_ROWS - 1
    fixed_values = {"year": info.year, "village": info.unit, "town": info.town}
    for index, (column, reference) in enumerate(layout):
        if reference:
            sheet.write(header_row, index, f"{info.year - 1}年（参考）", grey_head)
            sheet.set_column(index, index, 12)
            value = (info.last_year or {}).get(column.name)
            shown = _reference_text(column, value)
            sheet.write(first_row, index, shown, grey if isinstance(shown, float) else grey_text)
            continue
        sheet.write(header_row, index, column.header, bold)
        sheet.set_column(index, index, max(12, len(column.header) * 2 + 2))
        if column.name in fixed_values:
            if one_row:
                sheet.write(first_row, index, fixed_values[column.name], fixed)
            else:  # many rows: a one-item drop-down, the rows are filled as the unit writes them
                for row in range(first_row, last_row + 1):
                    sheet.write_blank(row, index, None, open_cell)
                sheet.data_validation(
                    first_row,
                    index,
                    last_row,
                    index,
                    {"validate": "list", "source": [str(fixed_values[column.name])]},
                )
            continue
        cell_format = open_date if column.kind in ("date", "timestamp") else open_cell
        for row in range(first_row, last_row + 1):
            sheet.write_blank(row, index, None, cell_format)
        _choice_list(sheet, first_row, last_row, index, column.header, _choices(dataset, settings, column.name))
    sheet.freeze_panes(first_row, 0)
    # locked cells (name, year, references, headers) cannot be typed over; no password: it guards slips, not people
    sheet.protect("", {"format_columns": True, "format_rows": True})

    if one_row:
        closing = (
            f"说明：年度和村(社区)名称已填好并锁定，请在黄色单元格中填写{info.year}年数据；"
            f"灰色列为本村{info.year - 1}年已报数据，仅供对照，不会导入。"
        )
    else:
        closing = (
            f"说明：请从第{first_row + 1}行起逐行填写，每行的年度和村(社区)名称只能选{info.year}、{info.unit}；"
            "不要填写其他村(社区)的数据。"
        )
    extra = [f"本表由镇里的报送任务“{info.title}”生成，截止日期 {info.due:%Y年%m月%d日}。"]
    if info.last_year_rows is not None:
        extra.append(f"对照：本村上年（{info.year - 1}年）共报 {info.last_year_rows} 行。")
    extra.append("数值与上年相比变化超过设置的幅度时，报送时需确认（异常波动提醒）。")
    _notes_sheet(workbook, dataset, settings, columns, bold, closing, tuple(extra))
    workbook.close()
    return buffer.getvalue()
