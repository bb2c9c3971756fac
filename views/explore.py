"""自助查询: the tables, example questions, SQL or menus, results with a quick chart, saved queries.

Every statement runs in village_stats.sandbox: read-only, one SELECT, bounded in time,
memory and rows; see docs/decisions.md.
"""

import streamlit as st

from village_stats import charts, gallery, sandbox, ui

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
        built = ui.build_query(dataset.table, filters, group_by, aggregate, measure)
        if built:
            st.code(built, language="sql")
            st.button(
                "查询",
                type="primary",
                key="explore_menu_run",
                icon=":material/play_arrow:",
                on_click=ui.run_explore,
                args=(built, dataset.title),
            )
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
    elif isinstance(outcome, sandbox.SandboxRefused | sandbox.SandboxError):
        ui.sandbox_error(outcome)
    elif outcome is not None:
        title = st.session_state.get("explore_title", "")
        st.subheader(f"结果：{ui.plain(title)}" if title else "查询结果")
        counts = st.columns(3)
        counts[0].metric("行数", f"{outcome.rows:,}", border=True)
        counts[1].metric(
            "用时",
            f"{outcome.elapsed:.2f}秒",
            border=True,
            help=f"查询本身的用时；连同启动查询进程共 {outcome.wall:.1f} 秒",
        )
        counts[2].metric("列数", f"{len(outcome.frame.columns)}", border=True)
        if outcome.truncated:
            st.warning(outcome.note, icon=":material/content_cut:")
        if outcome.rows == 0:
            st.info("查询完成，没有符合条件的记录。", icon=":material/search_off:")
        else:
            ui.result_with_downloads(outcome.frame, title or "自助查询", "explore_download")

            st.subheader("快速图表")
            names = list(outcome.frame.columns)
            numbers = list(outcome.frame.select_dtypes("number").columns)
            first_kind, first_x, first_y = charts.quick_defaults(outcome.frame)
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
            ui.plot(
                charts.quick_chart(outcome.frame, kind, x, y, color), f"{title or '自助查询'}图表", key="explore_chart"
            )

        saving = st.expander("保存这条查询（所有人可见）", icon=":material/bookmark_add:")
        with saving:
            allowed = ui.may_change_data("保存查询")
        if allowed:
            with saving, st.form("explore_save_form", border=False):
                name = st.text_input("名称", value=title, key="explore_save_name")
                description = st.text_area("说明", key="explore_save_description", height=80)
                if st.form_submit_button("保存", key="explore_save"):
                    saved = ui.save_query(name, description, st.session_state.get("explore_ran_sql", ""))
                    if isinstance(saved, int):
                        st.success(f"已保存为第 {saved} 号查询，链接：[?q={saved}](?q={saved})")
                    else:
                        st.error(ui.plain(saved))

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
