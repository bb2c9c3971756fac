"""五单服务: counts by kind, the five-step funnel, monthly volume, speed and satisfaction; the tables in lazy tabs."""

import streamlit as st

from village_stats import charts, ui
from village_stats import formatting as fmt

current = ui.settings()
# the monthly counts carry each kind's total for the cards: one scan of the year's tickets, not two
empty = "{year}年暂无五单闭环服务工单数据。"
filters, months = ui.domain_page("五单闭环服务", "tickets_by_month", empty, money=False)

resolution = ui.run_query("ticket_resolution", **filters.params()).iloc[0]
counts = dict(zip(months["kind"], months["kind_tickets"], strict=True))
cards = st.columns(len(current.ticket_kinds) + 2)
for column, kind in zip(cards, current.ticket_kinds, strict=False):
    number, unit = int(counts.get(kind, 0)), current.ticket_unit(kind)
    label, figure = fmt.count_card(kind, number, unit)
    ui.card(column, label, figure, help=f"{number:,}{unit}" if label != kind else None)
done, rated = resolution["done"], resolution["rated"]
hours = f"{resolution['median_hours']:.0f}小时" if done else "—"
ui.card(cards[-2], "办结用时中位数", hours, f"P90 {resolution['p90_hours']:.0f}小时" if done else None)
rating = f"平均{resolution['average_rating']:.1f}分" if rated else None
ui.card(cards[-1], "群众满意率", f"{resolution['satisfied_pct']}%" if rated else "—", rating)

left, right = st.columns(2)
with left:
    steps = ui.run_query("ticket_funnel", **filters.params())
    ui.chart(charts.funnel, steps, "五单闭环：各环节工单数", filename=f"{filters.year}年五单闭环")
with right:
    ui.chart(charts.monthly, months, "每月点单数", filename=f"{filters.year}年每月工单")

if int(resolution["open"]):
    st.warning(f"尚有 {int(resolution['open']):,} 单未办结（见“工单明细”，未办结的在前）。")

# Only the chosen tab runs (lazy tabs, bound to the URL like the filters): across a city each table costs
# a query over the year's million tickets, and a reader looks at one of them at a time. The labels stay
# the same when the town filter changes (new labels would be new tabs, back on the first one).
# Across towns the towns are compared first (the issue: town-level rankings for multi-town data).
labels = ["按诉求类别", "各村(社区)", *(["各镇(街道)"] if filters.several_towns else []), "工单明细"]
first = "各镇(街道)" if filters.spans_towns else None
tabs = dict(zip(labels, st.tabs(labels, default=first, key="tickets_tab", bind="query-params"), strict=True))

params = filters.params()
measures = ["tickets", "done", "median_hours", "average_rating", "satisfied_pct"]
with tabs["按诉求类别"]:
    if tabs["按诉求类别"].open:
        categories, name = ui.run_query("ticket_resolution_by_category", **params), f"{filters.year}年各类诉求办理"
        ui.table_with_downloads(categories, name, "tickets_categories", ["category", *measures])

with tabs["各村(社区)"]:
    if tabs["各村(社区)"].open:
        name, columns = f"{filters.year}年各村工单办理", ui.with_town(filters, ["village", *measures])
        ui.counted_table("ticket_resolution_by_village_page", params, "units", name, "tickets_villages", columns)

if "各镇(街道)" in tabs:
    with tabs["各镇(街道)"]:
        if tabs["各镇(街道)"].open and filters.spans_towns:
            ui.town_ranking(filters, "town_tickets", "satisfied_pct", "群众满意率", "%", "tickets_towns")
        elif tabs["各镇(街道)"].open:
            st.caption("在侧栏“镇(街道)”中选择“全部镇(街道)”，可比较各镇(街道)。")

detail = ["ticket_id", "village", "kind", "category", "content", "stage", "ordered_at", "done_at", "hours", "rating"]
with tabs["工单明细"]:
    if tabs["工单明细"].open:
        name, total = f"{filters.year}年五单服务工单", int(resolution["tickets"])
        ui.paged_table("tickets_detail", params, total, name, "tickets_detail", ui.with_town(filters, detail))
