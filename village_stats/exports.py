"""Query results → files people open in Excel/WPS: CSV (UTF-8 with BOM) and XLSX (pure).

`present` turns a query result into the table people see: Chinese headers,
money in 万元. Pages show it and the downloads write the same thing, so what is
downloaded is what was on screen. Text that a spreadsheet would run as a formula
(= + - @ at the start, or a tab/CR/LF) is neutralised: in CSV with a leading
apostrophe (a CSV cell has no type), in XLSX by writing it as a string cell with
Excel's quote-prefix flag, so the workbook shows the text itself (`+1个`, not `'+1个`).
"""

from __future__ import annotations

import io
import numbers
from decimal import Decimal

import numpy as np
import pandas as pd

from village_stats import kpis

# English query columns → (Chinese header, kind); kind says how to show the values
COLUMNS: dict[str, tuple[str, str]] = {
    "town": ("镇(街道)", "text"),
    "village": ("村(社区)", "text"),
    "short_name": ("简称", "text"),
    "name": ("名称", "text"),
    "kind": ("类型", "text"),
    "area": ("片区", "text"),
    "year": ("年度", "int"),
    "tier_label": ("分档", "text"),
    "bin_label": ("收入区间", "text"),
    "villages": ("村数", "int"),
    "villages_with_income": ("有收入数据的村数", "int"),
    "share_pct": ("占比(%)", "pct"),
    "short_names": ("村名", "text"),
    "total_income": ("村集体经济总收入(万元)", "money"),
    "operating_income": ("经营性收入(万元)", "money"),
    "previous_income": ("上年总收入(万元)", "money"),
    "change": ("同比增减(万元)", "money"),
    "change_pct": ("同比增幅(%)", "pct"),
    "movement": ("变化", "text"),
    "rank_in_kind": ("排名", "int"),
    "reason": ("原因", "text"),
    "project_id": ("项目编号", "text"),
    "arena": ("擂台", "text"),
    "status": ("状态", "text"),
    "projects": ("项目数(个)", "int"),
    "planned_investment": ("计划总投资(万元)", "money"),
    "completed_investment": ("已完成投资(万元)", "money"),
    "completion_pct": ("完成率(%)", "pct"),
    "planned_share_pct": ("占计划总投资(%)", "pct"),
    "leader": ("揭榜人", "text"),
    "start_date": ("开工日期", "date"),
    "stars": ("星级", "int"),
    "star_label": ("星级", "text"),
    "units": ("村(社区)数", "int"),
    "score": ("评分", "number"),
    "weak": ("软弱涣散", "bool"),
    "previous_year": ("上一评定年度", "int"),
    "previous_stars": ("上一评定星级", "int"),
    "ticket_id": ("工单编号", "text"),
    "grid": ("网格", "text"),
    "category": ("类别", "text"),
    "content": ("诉求内容", "text"),
    "ordered_at": ("点单时间", "datetime"),
    "claimed_at": ("领单时间", "datetime"),
    "dispatched_at": ("派单时间", "datetime"),
    "done_at": ("晒单时间", "datetime"),
    "rating": ("评单", "int"),
    "stage": ("环节", "text"),
    "hours": ("办结用时(小时)", "number"),
    "tickets": ("工单数", "int"),
    "done": ("已办结", "int"),
    "open": ("未办结", "int"),
    "median_hours": ("办结用时中位数(小时)", "number"),
    "average_rating": ("平均评分", "number"),
    "satisfied_pct": ("满意率(%)", "pct"),
    "problem_id": ("问题编号", "text"),
    "source": ("问题来源", "text"),
    "description": ("问题描述", "text"),
    "responsible": ("责任人", "text"),
    "deadline": ("整改时限", "date"),
    "rectified_on": ("整改完成日期", "date"),
    "overdue": ("逾期", "bool"),
    "days_overdue": ("逾期天数", "int"),
    "problems": ("问题数(条)", "int"),
    "rectified": ("已整改", "int"),
    "in_progress": ("整改中", "int"),
    "not_started": ("未整改", "int"),
    "rectified_pct": ("整改率(%)", "pct"),
    "month": ("月份", "int"),
    "step_label": ("环节", "text"),
    "pct_of_ordered": ("占点单(%)", "pct"),
    "dropped": ("较上一环节减少", "int"),
    # the seed's other mechanisms
    "period": ("积分周期", "text"),
    "member": ("党员姓名", "text"),
    "members": ("党员数(名)", "int"),
    "points_rank": ("名次", "int"),
    "total_points": ("总积分", "number"),
    "bonus_points": ("加分", "number"),
    "deducted_points": ("扣分", "number"),
    "average_points": ("平均积分", "number"),
    "median_points": ("积分中位数", "number"),
    "max_points": ("最高分", "number"),
    "min_points": ("最低分", "number"),
    "low_members": ("低于提醒线(名)", "int"),
    "studio_name": ("工作室名称", "text"),
    "level": ("级别", "text"),
    "established_on": ("成立日期", "date"),
    "focus": ("工作重点", "text"),
    "sage": ("乡贤", "text"),
    "sage_rank": ("名次", "int"),
    "sage_villages": ("参与村(社区)", "text"),
    "opinions": ("收集民意(条)", "int"),
    "disputes": ("化解纠纷(起)", "int"),
    "other_items": ("其他事项(项)", "int"),
    "activities": ("活动次数", "int"),
    "quantity": ("事项数量", "int"),
    "committee": ("两委干部(人)", "int"),
    "reserves": ("后备干部(人)", "int"),
    "clerks": ("党务专员(人)", "int"),
    "committee_average_age": ("两委平均年龄(岁)", "number"),
    "committee_college": ("两委大专及以上(人)", "int"),
    "upgrading": ("参加学历提升(人)", "int"),
    "trainings": ("参训(人次)", "int"),
    "no_reserve": ("无后备干部", "bool"),
    "t1_pct": ("达最低档线占比(%)", "pct"),
    "weak_units": ("软弱涣散(个)", "int"),
    **kpis.headers(),  # 收入达最低档线的村数, 五星级(个) …: declared with their figures
}

# the income detail table, as the page shows it and the report's workbook writes it
INCOME_DETAIL_COLUMNS = (
    "rank_in_kind",
    "village",
    "kind",
    "area",
    "total_income",
    "operating_income",
    "tier_label",
    "previous_income",
    "change",
    "change_pct",
    "movement",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def present(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The displayed table: chosen columns, Chinese headers, money in 万元, booleans as 是/否."""
    chosen = columns or [c for c in frame.columns if c in COLUMNS]
    shown = pd.DataFrame(index=frame.index)
    for name in chosen:
        header, kind = COLUMNS.get(name, (name, "text"))
        values = frame[name]
        if kind == "money":
            values = values.map(lambda v: float("nan") if pd.isna(v) else round(float(Decimal(str(v)) / 10_000), 2))
        elif kind in ("pct", "number", "int"):
            values = values.map(lambda v: float("nan") if pd.isna(v) else float(v))
        elif kind == "bool":
            values = values.map(lambda v: "" if pd.isna(v) else ("是" if v else "否"))
        elif kind == "datetime":
            values = values.map(lambda v: "" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d %H:%M"))
        elif kind == "date":
            values = values.map(lambda v: "" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d"))
        shown[header] = values
    return shown.reset_index(drop=True)


def number_formats(frame: pd.DataFrame) -> dict[str, str]:
    """printf formats for a presented table's numeric headers: money with 2 decimals, shares with 1."""
    formats = {"money": "%.2f", "pct": "%.1f", "number": "%.1f", "int": "%d"}
    by_header = {header: formats[kind] for header, kind in COLUMNS.values() if kind in formats}
    return {header: by_header[header] for header in frame.columns if header in by_header}


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    safe.columns = [neutralise(str(c)) for c in frame.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    return safe


def to_csv_text(frame: pd.DataFrame) -> str:
    """CSV text for a terminal or a pipe, formulas neutralised as in the page's downloads."""
    return _safe(frame).to_csv(index=False)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel on Windows opens the Chinese correctly."""
    return _safe(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "数据") -> bytes:
    """One sheet, bold header, sensible widths; strings are never written as formulas."""
    return to_xlsx_sheets_bytes({sheet: frame})


# printf formats of `number_formats` → Excel number formats
_EXCEL_FORMATS = {"%.2f": "#,##0.00", "%.1f": "0.0", "%d": "0"}
# dates as the town's documents write them; Excel and WPS show 2024年3月1日 and sort and filter them as dates
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'


def _cell_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Presented header → `date` or `datetime` for the columns `present` wrote as date text."""
    by_header = {header: kind for header, kind in COLUMNS.values() if kind in ("date", "datetime")}
    return {header: by_header[header] for header in frame.columns if header in by_header}


def to_xlsx_sheets_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """Several presented tables, one sheet each (name ≤ 31 characters): bold shaded header, frozen, filtered.

    Each cell keeps its type: text as a string cell (never a formula; text that Excel would run when
    retyped carries Excel's own quote-prefix flag rather than a literal apostrophe), numbers as numbers
    with the unit in the header (money two decimals, shares one), dates as date cells.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    styles = {
        "header": book.add_format({"bold": True, "bg_color": "#DCE6F2", "border": 1, "text_wrap": True}),
        "date": book.add_format({"num_format": DATE_FORMAT}),
        "datetime": book.add_format({"num_format": DATETIME_FORMAT}),
        "formula_like": book.add_format({"quote_prefix": True}),
    } | {excel: book.add_format({"num_format": excel}) for excel in _EXCEL_FORMATS.values()}
    used: set[str] = set()
    for name, frame in tables.items():
        sheet = _sheet_name(name)
        while sheet in used:  # two names that clean to the same sheet name
            sheet = sheet[:29] + f"_{len(used)}"
        used.add(sheet)
        _write_sheet(book.add_worksheet(sheet), frame, styles)
    book.close()
    return buffer.getvalue()


def _write_sheet(worksheet: object, frame: pd.DataFrame, styles: dict[str, object]) -> None:
    numbers = number_formats(frame)
    dates = _cell_kinds(frame)
    for index, header in enumerate(frame.columns):
        text = str(header)
        worksheet.write_string(0, index, text, styles["header"])
        column = frame.iloc[:, index]
        kind = dates.get(header)
        if kind:
            column = pd.to_datetime(column.replace("", None), errors="coerce")
        style = styles[kind] if kind else (styles[_EXCEL_FORMATS[numbers[header]]] if header in numbers else None)
        for row, value in enumerate(column, start=1):
            _write_cell(worksheet, row, index, value, style, styles)
        longest = max([len(text)] + [len(str(v)) for v in frame.iloc[:200, index]])
        width = 18 if kind == "datetime" else 14 if kind == "date" else min(max(8, longest * 1.6), 60)
        worksheet.set_column(index, index, width, None if kind else style)
    worksheet.freeze_panes(1, 0)
    if len(frame):
        worksheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)


def _write_cell(worksheet: object, row: int, column: int, value: object, style: object, styles: dict) -> None:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return  # an empty cell, never a 0 or the text "nan"
    if isinstance(value, pd.Timestamp):
        worksheet.write_datetime(row, column, value.to_pydatetime(), style)
    elif isinstance(value, bool | np.bool_):
        worksheet.write_string(row, column, "是" if value else "否")
    elif isinstance(value, numbers.Number | Decimal):
        worksheet.write_number(row, column, float(value), style)
    else:
        text = str(value)
        formula_like = text.startswith(_FORMULA_START)
        worksheet.write_string(row, column, text, styles["formula_like"] if formula_like else None)


def _sheet_name(name: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and anything past 31 characters."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")
    return (cleaned or "数据")[:31]
