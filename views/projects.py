"""项目投资: totals, the five arenas, status, villages, the largest projects and the detail table."""

import streamlit as st

from village_stats import charts, ui
from village_stats import formatting as fmt

filters = ui.filters()
ui.page_header("揭榜挂帅项目投资", filters)
totals = ui.run_query("project_totals", **filters.params()) if filters.year else None
if totals is None or int(totals["projects"].iloc[0]) == 0:
    ui.empty_state(f"{filters.year or ''}年暂无揭榜挂帅项目数据。")
    st.stop()

row = totals.iloc[0]
cards = st.columns(4)
cards[0].metric(
    "项目数",
    f"{int(row['projects'])}个",
    f"其中镇级 {int(row['town_level_projects'])}个",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
cards[1].metric("计划总投资", fmt.money(row["planned_investment"]), border=True)
cards[2].metric("已完成投资", fmt.money(row["completed_investment"]), border=True)
cards[3].metric(
    "投资完成率",
    "—" if row["completion_pct"] is None else fmt.pct(row["completion_pct"]),
    f"完工 {int(row['finished_projects'])}个 · 在建 {int(row['ongoing_projects'])}个",
    delta_color="off",
    delta_arrow="off",
    border=True,
)

left, right = st.columns([3, 2])
with left:
    arenas = ui.run_query("projects_by_arena", **filters.params())
    ui.chart(charts.investment_bars, arenas, "arena", "五大擂台投资（万元）", filename=f"{filters.year}年五大擂台投资")
with right:
    status = ui.run_query("projects_by_status", **filters.params())
    ui.chart(charts.donut, status, "status", "projects", "个", "项目进度（个）", filename=f"{filters.year}年项目进度")

by_village = ui.run_query("projects_by_village", **filters.params())
# 镇级项目 are one town's sums, many times a village's: on the villages' axis they squash every village to a sliver
town_level = by_village[by_village["town_level"]]
villages = by_village[~by_village["town_level"]]
# one town's 镇级 sums fit a card beside the villages; several towns' get a ranking of their own below
beside = len(town_level) == 1
chart_column, card_column = st.columns([3, 1]) if beside else (st.container(), st.container())
with chart_column:
    shown, note = ui.chart_rows(
        ui.with_town_labels(villages, filters.spans_towns), "planned_investment", "projects_rank"
    )
    ui.chart(
        charts.investment_bars,
        shown,
        "village",
        "各村(社区)项目投资（万元）",
        horizontal=True,
        filename=f"{filters.year}年各村项目投资",
    )
    if note:
        st.caption(note)
if not town_level.empty:
    with card_column:
        ui.town_level_projects(town_level, filters)
ui.town_ranking(filters, "town_projects", "planned_investment", "计划总投资", "万元", "projects_towns", money=True)

st.subheader("投资最大的10个项目")
largest = ui.run_query("largest_projects", **filters.params(), limit=10)
ui.table_with_downloads(
    largest,
    f"{filters.year}年投资最大项目",
    "projects_largest",
    ui.with_town(
        filters,
        ["project_id", "name", "village", "arena", "status", "planned_investment", "completed_investment", "leader"],
    ),
)

st.subheader("项目明细")
ui.paged_table(
    "projects_detail",
    filters.params(),
    int(row["projects"]),
    f"{filters.year}年揭榜挂帅项目",
    "projects_detail",
    ui.with_town(
        filters,
        [
            "project_id",
            "name",
            "village",
            "arena",
            "status",
            "planned_investment",
            "completed_investment",
            "completion_pct",
            "leader",
            "start_date",
        ],
    ),
)
