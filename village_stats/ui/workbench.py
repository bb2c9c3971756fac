"""The 自助查询 page: ad-hoc SQL in the sandbox, the table browser, saved queries."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import partial

import pandas as pd
import streamlit as st

from village_stats import access, charts, exports, gallery, mechanisms, sandbox
from village_stats.errors import VillageStatsError
from village_stats.ui.figures import plot
from village_stats.ui.signin import admin_refusal, current_role, current_user, may_change_data
from village_stats.ui.state import database, settings
from village_stats.ui.widgets import plain, show_refusal

_CHART_KEYS = ("explore_chart_kind", "explore_chart_x", "explore_chart_y", "explore_chart_color")


@st.cache_resource
def _sandbox(location: str, lock_wait_seconds: float) -> sandbox.Sandbox:
    return sandbox.Sandbox(location, sandbox.Limits(lock_wait_seconds=lock_wait_seconds))


def run_explore(sql: str, title: str = "") -> None:
    """Run user SQL in the sandbox and keep the outcome (a Result, or the refusal to show) for the page."""
    try:
        outcome: object = _sandbox(str(database().path), settings().lock_wait_seconds).run(sql, names_hidden_below())
    except VillageStatsError as error:
        outcome = error
    st.session_state["explore_outcome"] = outcome
    st.session_state["explore_ran_sql"] = sql
    st.session_state["explore_title"] = title
    for key in _CHART_KEYS:  # the new result may not have the old result's columns
        st.session_state.pop(key, None)


def sandbox_error(error: VillageStatsError) -> None:
    show_refusal(error, icon=":material/block:")
    detail = getattr(error, "detail", None)  # the sandbox's errors carry DuckDB's own words
    if detail:
        st.caption("DuckDB 原始信息")
        st.code(detail, language=None, wrap_lines=True)


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
    except VillageStatsError as refused:
        return refused.message


def build_query(table: str, filters: list, group_by: list, aggregate: str | None, measure: str | None) -> str:
    """The menus' SQL, or the reason there is none yet shown as a warning (returns "")."""
    try:
        return gallery.build_query(table, filters, group_by, aggregate, measure)
    except VillageStatsError as problem:
        st.warning(plain(problem.message), icon=":material/edit_note:")
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


def menu_query() -> None:
    """菜单查询: a table, up to three conditions, a grouping and a summary picked from menus; the SQL they
    make is shown (to learn from) with a button that runs it."""
    st.caption("不用写 SQL：选表、筛选条件、分组和汇总方式，下面会显示拼出的 SQL，可以照着学。")
    ledgers = {d.table: d for d in gallery.menu_tables()}
    table = st.selectbox("表", list(ledgers), format_func=lambda t: ledgers[t].title, key="explore_menu_table")
    dataset = ledgers[table]
    columns = {c.name: c for c in dataset.columns}
    filters = []
    for number in range(3):
        left, middle, right = st.columns([2, 1.3, 2])
        name = left.selectbox(
            f"条件{number + 1}",
            list(columns),
            index=None,
            placeholder="（不筛选）",
            format_func=lambda n: columns[n].header,
            key=f"explore_f{number}_{dataset.name}",
        )
        if name:
            operator = middle.selectbox(
                "方式",
                gallery.operators_for(columns[name]),
                key=f"explore_op{number}",
                format_func=gallery.OPERATORS.get,
            )
            value = None
            if operator not in ("is null", "is not null"):
                value = right.text_input(
                    "值", key=f"explore_v{number}", placeholder=gallery.value_hint(columns[name], operator)
                )
            filters.append(gallery.Filter(name, operator, value))
    left, middle, right = st.columns([2, 1.3, 2])
    group_by = left.multiselect(
        "分组",
        [n for n, c in columns.items() if gallery.groupable(c)],
        format_func=lambda n: columns[n].header,
        key=f"explore_group_{dataset.name}",
        placeholder="（不分组）",
    )
    summary = middle.selectbox(
        "汇总",
        ["rows", *gallery.AGGREGATES],
        key="explore_aggregate",
        format_func=lambda a: "列出明细" if a == "rows" else gallery.AGGREGATES[a],
    )
    aggregate = None if summary == "rows" else summary
    measure = None
    if aggregate not in (None, "count"):
        choices = [n for n, c in columns.items() if aggregate == "count_distinct" or gallery.measurable(c)]
        measure = right.selectbox(
            "汇总的列", choices, format_func=lambda n: columns[n].header, key=f"explore_measure_{dataset.name}"
        )
    built = build_query(dataset.table, filters, group_by, aggregate, measure)
    if built:
        st.code(built, language="sql")
        st.button(
            "查询",
            type="primary",
            key="explore_menu_run",
            icon=":material/play_arrow:",
            on_click=run_explore,
            args=(built, dataset.title),
        )


def quick_chart(frame: pd.DataFrame, title: str) -> None:
    """快速图表: a chart of the result, its kind and columns picked from menus (charts.quick_defaults first)."""
    st.subheader("快速图表")
    names = list(frame.columns)
    numbers = list(frame.select_dtypes("number").columns)
    first_kind, first_x, first_y = charts.quick_defaults(frame)
    kind_box, x_box, y_box, color_box = st.columns(4)
    kind = kind_box.selectbox(
        "图表类型",
        list(charts.QUICK_KINDS),
        index=list(charts.QUICK_KINDS).index(first_kind),
        format_func=charts.QUICK_KINDS.get,
        key="explore_chart_kind",
    )
    x = x_box.selectbox("X（类别）", names, index=names.index(first_x), key="explore_chart_x")
    y = y_box.selectbox(
        "Y（数值）",
        [None, *numbers],
        index=[None, *numbers].index(first_y),
        key="explore_chart_y",
        format_func=lambda n: "行数（计数）" if n is None else n,
    )
    color = color_box.selectbox(
        "颜色（分组）",
        [None, *names],
        key="explore_chart_color",
        format_func=lambda n: "（不分组）" if n is None else n,
    )
    plot(charts.quick_chart(frame, kind, x, y, color), f"{title or '自助查询'}图表", key="explore_chart")


def save_form(title: str) -> None:
    """保存这条查询: the last SQL run, named and described, saved for everyone (admins only)."""
    saving = st.expander("保存这条查询（所有人可见）", icon=":material/bookmark_add:")
    with saving:
        allowed = may_change_data("保存查询")
    if allowed:
        with saving, st.form("explore_save_form", border=False):
            name = st.text_input("名称", value=title, key="explore_save_name")
            description = st.text_area("说明", key="explore_save_description", height=80)
            if st.form_submit_button("保存", key="explore_save"):
                saved = save_query(name, description, st.session_state.get("explore_ran_sql", ""))
                if isinstance(saved, int):
                    st.success(f"已保存为第 {saved} 号查询，链接：[?q={saved}](?q={saved})")
                else:
                    st.error(plain(saved))
