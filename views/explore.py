"""自助查询: the tables, example questions, SQL or menus, results with a quick chart, saved queries.

Every statement runs in village_stats.sandbox: read-only, one SELECT, bounded in time,
memory and rows; see docs/decisions.md.
"""

import streamlit as st

from village_stats import gallery, sandbox, ui
from village_stats.errors import VillageStatsError

ui.page_header("自助查询")
st.caption(
    f"只能查询、不能修改数据：每次运行一条 SELECT 语句，最多返回 {sandbox.LIMITS.rows:,} 行，"
    f"超过 {sandbox.LIMITS.seconds:g} 秒自动中止。金额在库中以元存储，除以 10000 为万元。"
)
ui.open_linked_query()

browser, work = st.columns([1.3, 2], gap="large")

with browser:
    st.subheader("数据表")
    st.caption("展开一张表查看各列含义和前 5 行；点击表名或列名插入到 SQL 编辑器。")
    tables, samples = ui.table_catalog()
    for table in tables:
        with st.expander(f"{table.title} · {table.rows:,}行"):
            st.button(
                table.name,
                key=f"explore_table_{table.name}",
                on_click=ui.insert_sql,
                args=(table.name,),
                icon=":material/table:",
                help="插入表名",
            )
            st.pills(
                "插入列名",
                [c.name for c in table.columns],
                key=f"explore_columns_{table.name}",
                on_change=ui.insert_picked,
                args=(f"explore_columns_{table.name}",),
            )
            st.dataframe(table.columns_frame(), hide_index=True, width="stretch")
            st.caption("前 5 行")
            st.dataframe(samples[table.name], hide_index=True, width="stretch")

with work:
    st.session_state.setdefault("explore_mode", "写 SQL")  # callbacks switch it; a default would clash
    mode = st.segmented_control("查询方式", ["写 SQL", "菜单查询"], key="explore_mode")
    if mode == "菜单查询":
        ui.menu_query()
    else:
        st.selectbox(
            "示例问题",
            range(len(gallery.EXAMPLES)),
            index=None,
            key="explore_example",
            format_func=lambda i: gallery.EXAMPLES[i].title,
            on_change=ui.load_example,
            placeholder="选一个问题，看它的 SQL 和答案",
        )
        st.text_area("SQL", key="explore_sql", height=280, placeholder="select * from villages")
        st.button(
            "运行",
            type="primary",
            key="explore_run",
            icon=":material/play_arrow:",
            on_click=lambda: ui.run_explore(st.session_state.get("explore_sql", "")),
        )

    outcome = st.session_state.get("explore_outcome")
    if outcome is None:
        st.info(
            "选一个示例问题，或写一条 SELECT 后点“运行”；结果、图表和下载会出现在这里。", icon=":material/lightbulb:"
        )
    elif isinstance(outcome, VillageStatsError):
        ui.sandbox_error(outcome)
    elif outcome is not None:
        title = st.session_state.get("explore_title", "")
        st.subheader(f"结果：{ui.plain(title)}" if title else "查询结果")
        took = f"查询本身的用时；连同启动查询进程共 {outcome.wall:.1f} 秒"
        ui.cards(
            ("行数", f"{outcome.rows:,}"),
            ("用时", f"{outcome.elapsed:.2f}秒", None, took),
            ("列数", f"{len(outcome.frame.columns)}"),
        )
        if outcome.truncated:
            st.warning(outcome.note, icon=":material/content_cut:")
        if outcome.rows == 0:
            st.info("查询完成，没有符合条件的记录。", icon=":material/search_off:")
        else:
            ui.result_with_downloads(outcome.frame, title or "自助查询", "explore_download")
            ui.quick_chart(outcome.frame, title)

        ui.save_form(title)

    saved_list = ui.saved_queries()
    if saved_list:
        st.subheader("已保存的查询")
        st.selectbox(
            "打开",
            [q.id for q in saved_list],
            index=None,
            key="explore_saved",
            on_change=ui.open_saved,
            format_func=lambda i: next(f"#{q.id} {q.name}" for q in saved_list if q.id == i),
            placeholder="选一条已保存的查询，载入并运行",
        )
        st.dataframe(
            gallery.saved_frame(saved_list),
            hide_index=True,
            width="stretch",
            column_config={"链接": st.column_config.LinkColumn("链接", display_text=r"(\?q=\d+)")},
        )
