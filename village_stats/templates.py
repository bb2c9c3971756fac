"""Blank ledger templates (.xlsx) generated from the data model, one per dataset (pure).

Each template has the Chinese headers the importer recognises first, one example
row, drop-down lists for every enumerated column, and a 填表说明 sheet that
explains every column: what it holds, whether it is required, its unit and the
other header names the importer also accepts.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import xlsxwriter

from village_stats.datasets import Dataset
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


def _choices(dataset: Dataset, settings: Settings, name: str) -> tuple[str, ...]:
    column = dataset.column(name)
    if column.choices:
        return column.choices
    if column.choices_setting:
        return tuple(getattr(settings, column.choices_setting))
    return TEMPLATE_CHOICES.get(name, ())


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
        choices = _choices(dataset, settings, column.name)
        if choices:
            sheet.data_validation(
                1,
                index,
                5000,
                index,
                {
                    "validate": "list",
                    "source": list(choices),
                    "error_type": "warning",
                    "input_title": column.header[:32],
                    "input_message": ("可选：" + "、".join(choices))[:255],
                },
            )
    sheet.freeze_panes(1, 0)

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
        "说明：第2行为示例，请删除或覆盖后再填写。可保留标题行、“单位：万元”行、序号列和合计行，导入时会自动识别。",
        wrap,
    )
    workbook.close()
    return buffer.getvalue()
