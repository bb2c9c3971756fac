"""The 自助查询 page: ad-hoc SQL in the sandbox, the table browser, saved queries."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import partial

import pandas as pd
import streamlit as st

from village_stats import access, exports, gallery, mechanisms, sandbox
from village_stats.ui.signin import admin_refusal, current_role, current_user
from village_stats.ui.state import database, settings
from village_stats.ui.widgets import plain

_CHART_KEYS = ("explore_chart_kind", "explore_chart_x", "explore_chart_y", "explore_chart_color")


@st.cache_resource
def _sandbox(location: str, lock_wait_seconds: float) -> sandbox.Sandbox:
    return sandbox.Sandbox(location, sandbox.Limits(lock_wait_seconds=lock_wait_seconds))


def run_explore(sql: str, title: str = "") -> None:
    """Run user SQL in the sandbox and keep the outcome (a Result, or the refusal to show) for the page."""
    try:
        outcome: object = _sandbox(str(database().path), settings().lock_wait_seconds).run(sql, names_hidden_below())
    except (sandbox.SandboxRefused, sandbox.SandboxError) as error:
        outcome = error
    st.session_state["explore_outcome"] = outcome
    st.session_state["explore_ran_sql"] = sql
    st.session_state["explore_title"] = title
    for key in _CHART_KEYS:  # the new result may not have the old result's columns
        st.session_state.pop(key, None)


def sandbox_error(error: sandbox.SandboxRefused | sandbox.SandboxError) -> None:
    st.error(plain(error.message), icon=":material/block:")
    if error.detail:
        st.caption("DuckDB 原始信息")
        st.code(error.detail, language=None, wrap_lines=True)


def load_example() -> None:
    """Callback of the example picker: the question's SQL into the editor, and its answer."""
    index = st.session_state.get("explore_example")
    if index is not None:
        example = gallery.EXAMPLES[index]
        st.session_state["explore_sql"] = example.sql
        run_explore(example.sql, example.title)


def insert_sql(text: str) -> None:
    """Callback of the table browser: append a table or column name to the editor."""
    current = st.session_state.get("explore_sql", "")
    gap = "" if not current or current.endswith((" ", "\n", "(", ",")) else " "
    st.session_state["explore_sql"] = f"{current}{gap}{text}"
    st.session_state["explore_mode"] = "写 SQL"


def insert_picked(key: str) -> None:
    """Callback of a column picker: insert the picked column, then clear the pick."""
    if st.session_state.get(key):
        insert_sql(st.session_state[key])
        st.session_state[key] = None


def open_linked_query() -> None:
    """`?q=<id>` in the address: that saved query in the editor, with its results, once per id."""
    wanted = st.query_params.get("q")
    if not wanted or st.session_state.get("explore_loaded") == wanted:
        return
    st.session_state["explore_loaded"] = wanted
    saved = next((q for q in saved_queries() if str(q.id) == wanted), None)
    if saved is None:
        st.session_state["explore_outcome"] = sandbox.SandboxRefused(f"没有编号为 {wanted} 的已保存查询。")
        return
    st.session_state["explore_sql"] = saved.sql
    st.session_state["explore_mode"] = "写 SQL"
    run_explore(saved.sql, saved.name)


def open_saved() -> None:
    """Callback of the saved-query picker: the same as following its link."""
    chosen = st.session_state.get("explore_saved")
    if chosen is not None:
        st.query_params["q"] = str(chosen)
        st.session_state["explore_saved"] = None


@st.cache_data(show_spinner=False, max_entries=20)
def _catalog(
    path: str, version: tuple[int, ...], hidden: Decimal | None
) -> tuple[list[gallery.TableInfo], dict[str, pd.DataFrame]]:
    with database().read() as cur:
        tables = gallery.catalog(cur)
        return tables, {table.name: gallery.sample(cur, table, hide_names_below=hidden) for table in tables}


def names_hidden_below() -> Decimal | None:
    """The points below which members' names are hidden from this session (privacy.low_scorer_names)."""
    current = settings()
    return mechanisms.low_scorers_hidden_below(current.low_scorer_names, current_role(), current.points_low_threshold)


def table_catalog() -> tuple[list[gallery.TableInfo], dict[str, pd.DataFrame]]:
    """Every table ad-hoc SQL may query: columns described, row counts, first rows; cached until the file changes."""
    db = database()
    return _catalog(str(db.path), db.version(), names_hidden_below())


@st.cache_data(show_spinner=False, max_entries=20)
def _saved(path: str, version: tuple[int, ...]) -> list[gallery.SavedQuery]:
    with database().read() as cur:
        return gallery.saved_queries(cur)


def saved_queries() -> list[gallery.SavedQuery]:
    db = database()
    return _saved(str(db.path), db.version())


def save_query(name: str, description: str, sql: str) -> int | str:
    """The new saved query's id, or why it was not saved (Chinese)."""
    refusal = admin_refusal()
    if refusal:
        return refusal
    try:
        return gallery.save_query(database(), name, description, sql, current_user() or access.LOCAL_USER)
    except (gallery.SaveRefused, sandbox.SandboxRefused, sandbox.SandboxError) as refused:
        return str(refused)


def build_query(table: str, filters: list, group_by: list, aggregate: str | None, measure: str | None) -> str:
    """The menus' SQL, or the reason there is none yet shown as a warning (returns "")."""
    try:
        return gallery.build_query(table, filters, group_by, aggregate, measure)
    except gallery.BuildError as problem:
        st.warning(plain(problem), icon=":material/edit_note:")
        return ""


_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')


def result_with_downloads(frame: pd.DataFrame, name: str, key: str) -> None:
    """A result exactly as the query returned it, and the same as CSV (UTF-8 BOM) and XLSX."""
    st.dataframe(frame, hide_index=True, width="stretch", height=min(420, 38 + 35 * max(len(frame), 1)))
    stem = f"{_UNSAFE_FILE_CHARS.sub('_', name).strip('_') or '自助查询'}_{datetime.now():%Y%m%d}"
    buttons = st.container(horizontal=True)
    # files are made on click, not on every rerun (an XLSX of 10,000 rows takes a second)
    buttons.download_button(
        "下载 CSV",
        partial(exports.to_csv_bytes, frame),
        f"{stem}.csv",
        "text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    buttons.download_button(
        "下载 Excel",
        partial(exports.to_xlsx_bytes, frame, "查询结果"),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )
