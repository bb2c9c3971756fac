"""The report as an Excel workbook: 目录, 核心指标 (numbers as numbers) and each section's sheets."""

from __future__ import annotations

import pandas as pd

from village_stats import exports
from village_stats.reports.model import Report


def kpi_sheet(report: Report) -> pd.DataFrame:
    """The 核心指标 as the workbook holds them: numbers in number cells, each row's unit in a column of its own."""
    change = [None if k.figure is None or k.before is None else round(k.figure - k.before, 2) for k in report.kpis]
    return pd.DataFrame(
        {
            "指标": [k.label for k in report.kpis],
            "单位": [k.unit for k in report.kpis],
            f"{report.year}年": [k.figure for k in report.kpis],
            f"{report.year - 1}年": [k.before for k in report.kpis],
            "较上年增减": change,
            "说明": [k.note or "" for k in report.kpis],
        }
    )


def contents_sheet(report: Report) -> pd.DataFrame:
    """The workbook's 目录: each section's title and its sheets, in the report's order."""
    rows = [("核心指标", "核心指标")] if report.kpis else []
    rows += [(s.title, sheet) for s in report.outline for sheet in s.sheets if sheet in report.tables]
    return pd.DataFrame(rows, columns=["部分", "工作表"])


def to_xlsx_bytes(report: Report) -> bytes:
    """目录, 核心指标 and each section's tables in report order: numbers as numbers, dates as dates."""
    sheets = {"目录": contents_sheet(report)} | ({"核心指标": kpi_sheet(report)} if report.kpis else {})
    for section in report.outline:
        sheets |= {sheet: report.tables[sheet] for sheet in section.sheets if sheet in report.tables}
    return exports.to_xlsx_sheets_bytes(sheets)
