"""项目投资: totals, the five arenas, status, villages, the largest projects and the detail table."""

import streamlit as st

from village_stats import charts, ui
from village_stats import formatting as fmt

empty = "{year}年暂无揭榜挂帅项目数据。"
filters, totals = ui.domain_page("揭榜挂帅项目投资", "project_totals", empty, count="projects")

row = totals.iloc[0]
ui.cards(
    ("项目数", f"{int(row['projects'])}个", f"其中镇级 {int(row['town_level_projects'])}个"),
    ("计划总投资", fmt.money(row["planned_investment"])),
    ("已完成投资", fmt.money(row["completed_investment"])),
    (
        "投资完成率",
        "—" if row["completion_pct"] is None else fmt.pct(row["completion_pct"]),
        f"完工 {int(row['finished_projects'])}个 · 在建 {int(row['ongoing_projects'])}个",
    ),
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
villages = ui.with_town_labels(by_village[~by_village["town_level"]], filters.spans_towns)
# one town's 镇级 sums fit a card beside the villages; several towns' get a ranking of their own below
beside = len(town_level) == 1
chart_column, card_column = st.columns([3, 1]) if beside else (st.container(), st.container())
with chart_column:
    title, name = "各村(社区)项目投资（万元）", f"{filters.year}年各村项目投资"
    ui.ranked_chart(
        villages,
        "planned_investment",
        "projects_rank",
        charts.investment_bars,
        "village",
        title,
        horizontal=True,
        filename=name,
    )
if not town_level.empty:
    with card_column:
        ui.town_level_projects(town_level, filters)
ui.town_ranking(filters, "town_projects", "planned_investment", "计划总投资", "万元", "projects_towns", money=True)

st.subheader("投资最大的10个项目")
largest = ui.run_query("largest_projects", **filters.params(), limit=10)
listed = ["project_id", "name", "village", "arena", "status", "planned_investment", "completed_investment"]
columns = ui.with_town(filters, [*listed, "leader"])
ui.table_with_downloads(largest, f"{filters.year}年投资最大项目", "projects_largest", columns)

st.subheader("项目明细")
columns = ui.with_town(filters, [*listed, "completion_pct", "leader", "start_date"])
name = f"{filters.year}年揭榜挂帅项目"
ui.paged_table("projects_detail", filters.params(), int(row["projects"]), name, "projects_detail", columns)
