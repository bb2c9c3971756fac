"""问题整改: by source and 共性/个性, rectification rate, overdue list, by village, detail."""

import streamlit as st

from village_stats import charts, ui

today = ui.today()
empty = "{year}年暂无问题整改台账数据。"
filters, summary = ui.domain_page(
    "问题清单与整改", "problem_summary", empty, count="problems", money=False, today=today
)

row = summary.iloc[0]
ui.cards(
    (
        "问题总数",
        f"{int(row['problems'])}条",
        f"共性 {int(row['common_problems'])} · 个性 {int(row['individual_problems'])}",
    ),
    ("已整改", f"{int(row['rectified'])}条"),
    ("整改率", f"{row['rectified_pct']}%"),
    ("逾期未整改", f"{int(row['overdue'])}条", f"截至 {today:%Y-%m-%d}"),
)

left, right = st.columns(2)
with left:
    status = ui.run_query("problem_status_by_source", **filters.params())
    ui.chart(charts.problem_status, status, "按来源的整改情况（条）", filename=f"{filters.year}年问题整改")
with right:
    by_village = ui.with_town_labels(ui.run_query("problems_by_village", **filters.params()), filters.spans_towns)
    shown = by_village.head(15) if not filters.spans_towns else by_village
    title, name = "问题最多的村(社区)", f"{filters.year}年各村问题数"
    ui.ranked_chart(
        shown, "problems", "problems_rank", charts.village_bars, "problems", "问题数", "条", title, filename=name
    )
ui.town_ranking(filters, "town_problems", "rectified_pct", "问题整改率", "%", "problems_towns")

overdue = ui.run_query("problems_overdue", **filters.params(), today=today)
st.subheader(f"逾期未整改（{len(overdue)}条）")
if overdue.empty:
    st.success("没有逾期未整改的问题。")
else:
    columns = ui.with_town(
        filters, ["problem_id", "village", "description", "responsible", "deadline", "status", "days_overdue"]
    )
    ui.table_with_downloads(overdue, f"{filters.year}年逾期未整改问题", "problems_overdue", columns)

st.subheader("按来源与类型")
sources = ui.run_query("problems_by_source", **filters.params())
ui.table_with_downloads(sources, f"{filters.year}年问题来源", "problems_sources")
st.subheader("明细")
listed = ["problem_id", "village", "source", "category", "description", "responsible", "deadline", "status"]
name, total = f"{filters.year}年问题整改台账", int(row["problems"])
columns = ui.with_town(filters, [*listed, "rectified_on", "overdue"])
ui.paged_table("problems_detail", filters.params(today=today), total, name, "problems_detail", columns)
