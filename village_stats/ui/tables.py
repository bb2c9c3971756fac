"""Tables a page at a time, with CSV and Excel downloads of every row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

import pandas as pd
import streamlit as st

from village_stats import exports, queries
from village_stats.db import Database
from village_stats.ui.state import Filters, database, run_query
from village_stats.ui.widgets import MISSING

PAGE_ROWS = 200  # rows per page of a table; its downloads hold every row
DOWNLOAD_ROWS = 100_000  # a paged table's download holds at most this many rows


def table_with_downloads(frame: pd.DataFrame, name: str, key: str, columns: list[str] | None = None) -> None:
    """The table as shown, a page of PAGE_ROWS rows at a time, and all of it as CSV (UTF-8 BOM) and XLSX.

    Presenting (Chinese headers, 万元) costs ~0.1 ms a row in Python, so only the page shown is presented.
    """
    page = _page_picker(len(frame), key)
    start = (page - 1) * PAGE_ROWS
    _show_table(exports.present(frame.iloc[start : start + PAGE_ROWS], columns))
    _page_caption(page, len(frame))
    # files are made on click, not on every rerun (an XLSX of a few thousand rows takes a second)
    _downloads(partial(exports.present, frame, columns), name, key)


def _page_picker(total: int, key: str) -> int:
    pages = max(1, -(-total // PAGE_ROWS))
    if pages == 1:
        return 1
    label = f"页码（共 {pages:,} 页，每页 {PAGE_ROWS} 行）"
    return int(st.number_input(label, 1, pages, 1, step=1, key=f"{key}_page", width=240))


def _page_caption(page: int, total: int) -> None:
    if total > PAGE_ROWS:
        first = (page - 1) * PAGE_ROWS + 1
        last = min(total, page * PAGE_ROWS)
        more = f"下载的文件包含前 {DOWNLOAD_ROWS:,} 行；更多请用“自助查询”或命令行。" if total > DOWNLOAD_ROWS else ""
        st.caption(f"第 {first:,}–{last:,} 行，共 {total:,} 行。{more}")


def paged_table(
    query: str, params: dict[str, object], total: int, name: str, key: str, columns: list[str] | None = None
) -> None:
    """A large detail result one page at a time: each page is its own bounded query ($limit/$offset).

    The downloads run the query again on click, for at most DOWNLOAD_ROWS rows.
    """
    page = _page_picker(total, key)
    frame = run_query(query, **params, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
    _show_table(exports.present(frame, columns))
    _page_caption(page, total)
    # the callable runs on click, outside the script run: it gets the Database, not the cached query runner
    _downloads(partial(_all_rows, database(), query, params, columns), name, key)


def counted_table(
    query: str, params: dict[str, object], total: str, name: str, key: str, columns: list[str] | None = None
) -> None:
    """`paged_table` for a bounded query that counts its own rows: column `total` of each row holds the
    number of rows of all pages (a per-village result whose medians only the page shown should pay for).

    The page asked for is the picker's value from the last run; the picker is drawn once the count is known,
    and if it then says another page (fewer pages than before), that page is fetched.
    """
    wanted = st.session_state.get(f"{key}_page", 1)
    page = wanted if isinstance(wanted, int) and wanted >= 1 else 1
    frame = _page_rows(query, params, page)
    if frame.empty and page > 1:  # the last run's page is past this result's end
        page = 1
        frame = _page_rows(query, params, page)
    rows = int(frame[total].iloc[0]) if not frame.empty else 0
    shown_page = _page_picker(rows, key)
    if shown_page != page:
        frame = _page_rows(query, params, shown_page)
    _show_table(exports.present(frame, columns))
    _page_caption(shown_page, rows)
    _downloads(partial(_all_rows, database(), query, params, columns), name, key)


def _page_rows(query: str, params: dict[str, object], page: int) -> pd.DataFrame:
    return run_query(query, **params, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)


def _all_rows(db: Database, query: str, params: dict[str, object], columns: list[str] | None) -> pd.DataFrame:
    with db.read() as cur:
        frame = queries.run_query(cur, query, **params, limit=DOWNLOAD_ROWS, offset=0)
    return exports.present(frame, columns)


def _show_table(shown: pd.DataFrame) -> None:
    formats = {h: st.column_config.NumberColumn(h, format=f) for h, f in exports.number_formats(shown).items()}
    if len(shown.columns):
        # the name column stays in view while a phone scrolls the other columns inside the table
        first = shown.columns[0]
        number = exports.number_formats(shown).get(first)
        formats[first] = (
            st.column_config.NumberColumn(first, format=number, pinned=True)
            if number
            else st.column_config.Column(first, pinned=True)
        )
    st.dataframe(shown, hide_index=True, width="stretch", column_config=formats, placeholder=MISSING)


def _downloads(table: Callable[[], pd.DataFrame], name: str, key: str) -> None:
    stamp = datetime.now().strftime("%Y%m%d")
    buttons = st.container(horizontal=True)
    buttons.download_button(
        "下载 CSV",
        lambda: exports.to_csv_bytes(table()),
        f"{name}_{stamp}.csv",
        "text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    buttons.download_button(
        "下载 Excel",
        lambda: exports.to_xlsx_bytes(table(), name),
        f"{name}_{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )


def with_town(filters: Filters, columns: list[str] | tuple[str, ...]) -> list[str]:
    """A table's columns, with 镇(街道) before 村(社区) when the scope spans towns."""
    if not filters.spans_towns or "village" not in columns:
        return list(columns)
    at = list(columns).index("village")
    return [*columns[:at], "town", *columns[at:]]
