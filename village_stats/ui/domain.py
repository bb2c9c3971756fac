"""The frame of a domain page (header, filters, empty state) and the rankings and reports pages share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from village_stats import charts, queries
from village_stats import formatting as fmt
from village_stats.queries import Scope
from village_stats.ui.figures import chart, chart_rows, ranked_chart
from village_stats.ui.signin import current_access
from village_stats.ui.state import Filters, database, run_query, settings, today, town_rollup
from village_stats.ui.state import filters as chosen_filters
from village_stats.ui.widgets import page_header, plain

if TYPE_CHECKING:  # reports loads python-pptx and python-docx: only the pages that report import it
    from village_stats import reports


def empty_state(message: str) -> None:
    rights = current_access()
    if rights.local:  # the admin at this computer, who can run the command line
        where = "可在“数据导入”页面上传台账，或在命令行运行 `python -m village_stats import 文件`。"
    else:
        where = "可在“数据导入”页面上传台账。" if rights.refusal is None else "管理员可在“数据导入”页面上传台账。"
    st.info(f"{plain(message)}  \n{where}", icon=":material/inbox:")


def domain_page(
    title: str, query: str, empty: str, count: str | None = None, money: bool = True, **params: object
) -> tuple[Filters, pd.DataFrame]:
    """The opening every domain page shares: the title over the filters, the year's headline query, and
    the empty state (which ends the run) when the year holds none of the domain's records.

    Returns the filters and the headline result. `empty` is the empty state's words, `{year}` standing
    for the year; `count` names the headline row's column that counts the records (without it, no rows
    means none); `params` go to the query beside the filters' own.
    """
    shown = chosen_filters()
    page_header(title, shown, money=money)
    frame = run_query(query, **shown.params(**params)) if shown.year else None
    if frame is None or (frame.empty if count is None else int(frame[count].iloc[0]) == 0):
        empty_state(empty.format(year=shown.year or ""))
        st.stop()
    return shown, frame


def town_ranking(
    filters: Filters, query: str, column: str, label: str, unit: str, key: str, money: bool = False
) -> None:
    """Towns ranked by one column of a per-town query (town_income, town_tickets …), when the scope spans towns.

    Each page asks its own domain's query, so a page never pays for another domain's scan.
    """
    if not filters.spans_towns or not filters.year:
        return
    rollup = town_rollup(filters, query)
    frame = rollup[["town", column]].dropna().rename(columns={"town": "village"})
    if frame.empty:
        return
    if money:  # 万元, or 亿元 once a town reaches 1亿 (a city's towns do)
        unit, divisor = charts.money_axis_unit(frame[column].max())
        frame[column] = [round(float(v) / divisor, 2) for v in frame[column]]
    st.subheader(f"各镇(街道)排名：{label}")
    title, filename = f"各镇(街道){label}（{unit}）", f"{filters.year}年各镇(街道){label}"
    ranked_chart(
        frame, column, key, charts.village_bars, column, label, unit, title, filename=filename, noun="镇(街道)"
    )


def town_level_projects(town_level: pd.DataFrame, filters: Filters) -> None:
    """镇级项目 on a card of their own (rows of projects_by_village with town_level): one town's sums, or per town."""
    with st.container(border=True):
        st.markdown("**镇级项目**")
        if len(town_level) == 1:
            row = town_level.iloc[0]
            st.metric("镇级项目数", f"{int(row['projects'])}个")
            st.metric("镇级计划投资", fmt.money(row["planned_investment"]))
            st.metric("镇级已完成投资", fmt.money(row["completed_investment"]))
            return
        towns = town_level.drop(columns="village").rename(columns={"town": "village"})
        rows, note = chart_rows(towns, "planned_investment", "projects_town_level", "镇(街道)")
        chart(
            charts.investment_bars,
            rows.reset_index(drop=True),
            "village",
            "各镇(街道)镇级项目投资（万元）",
            horizontal=True,
            filename=f"{filters.year}年各镇(街道)镇级项目投资",
        )
        if note:
            st.caption(note)


def report_page(title: str, header_first: bool = False) -> tuple[Filters, reports.Report]:
    """The opening the 汇报 pages share: the filters and the year's report, or the empty state (which
    ends the run) when the database holds no ledger at all. `header_first`: the title over the filters
    whatever the data (汇报导出); 汇报模式 and the wall show their title only when there is nothing to show.
    """
    shown = chosen_filters()
    if header_first:
        page_header(title, shown)
    if shown.year is None:
        if not header_first:
            page_header(title)
        empty_state("数据库中还没有任何台账数据。")
        st.stop()
    return shown, year_report(shown)


def year_report(filters: Filters) -> reports.Report:
    """The year's report for the chosen scope, as 汇报导出, 汇报模式 and the wall show it: without the
    workbook's detail tables (the Excel button builds them when clicked)."""
    from village_stats import reports

    current, day = settings(), today()
    requests = reports.report_requests(filters.year, current, filters.scope, day, tables=False)
    results = {role: run_query(name, **params) for role, (name, params) in requests.items()}
    return reports.build(filters.year, results, current, filters.scope, day, filters.spans_towns, tables=False)


def report_workbook(year: int, scope: Scope, today: date, spans_towns: bool = False) -> Callable[[], bytes]:
    """The report's XLSX, made on click: its detail tables are whole years of rows, too many to present per rerun."""
    db, current = database(), settings()

    def workbook() -> bytes:
        from village_stats import reports

        requests = reports.report_requests(year, current, scope, today)
        with db.read() as cur:
            results = {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
        return reports.to_xlsx_bytes(reports.build(year, results, current, scope, today, spans_towns))

    return workbook
