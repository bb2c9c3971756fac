"""问题整改: by source and 共性/个性, rectification rate, overdue list, by village, detail."""

import streamlit as st

from village_stats import charts, ui

filters = ui.filters()
ui.page_header("问题清单与整改", filters, money=False)
today = ui.today()
summary = ui.run_query("problem_summary", **filters.params(), today=today) if filters.year else None
if summary is None or int(summary["problems"].iloc[0]) == 0:
    ui.empty_state(f"{filters.year or ''}年暂无问题整改台账数据。")
    st.stop()

row = summary.iloc[0]
cards = st.columns(4)
cards[0].metric(
    "问题总数",
    f"{int(row['problems'])}条",
    f"共性 {int(row['common_problems'])} · 个性 {int(row['individual_problems'])}",
    delta_color="off",
    delta_arrow="off",
    border=True,
)
cards[1].metric("已整改", f"{int(row['rectified'])}条", border=True)
cards[2].metric("整改率", f"{row['rectified_pct']}%", border=True)
cards[3].metric(
    "逾期未整改",
    f"{int(row['overdue'])}条",
    f"截至 {today:%Y-%m-%d}",
    delta_color="off",
    delta_arrow="off",
    border=True,
)

left, right = st.columns(2)
with left:
    status = ui.run_query("problem_status_by_source", **filters.params())
    ui.chart(charts.problem_status, status, "按来源的整改情况（条）", filename=f"{filters.year}年问题整改")
with right:
    by_village = ui.with_town_labels(ui.run_query("problems_by_village", **filters.params()), filters.spans_towns)
    shown, note = ui.chart_rows(
        by_village.head(15) if not filters.spans_towns else by_village, "problems", "problems_rank"
    )
    ui.chart(
        charts.village_bars,
        shown,
        "problems",
        "问题数",
        "条",
        "问题最多的村(社区)",
        filename=f"{filters.year}年各村问题数",
    )
    if note:
        st.caption(note)
ui.town_ranking(filters, "town_problems", "rectified_pct", "问题整改率", "%", "problems_towns")

overdue = ui.run_query("problems_overdue", **filters.params(), today=today)
st.subheader(f"逾期未整改（{len(overdue)}条）")
if overdue.empty:
    st.success("没有逾期未整改的问题。")
else:
    ui.table_with_downloads(
        overdue,
        f"{filters.year}年逾期未整改问题",
        "problems_overdue",
        ui.with_town(
            filters, ["problem_id", "village", "description", "responsible", "deadline", "status", "days_overdue"]
        ),
    )

st.subheader("按来源与类型")
sources = ui.run_query("problems_by_source", **filters.params())
ui.table_with_downloads(sources, f"{filters.year}年问题来源", "problems_sources")
st.subheader("明细")
ui.paged_table(
    "problems_detail",
    filters.params(today=today),
    int(row["problems"]),
    f"{filters.year}年问题整改台账",
    "problems_detail",
    ui.with_town(
        filters,
        [
            "problem_id",
            "village",
            "source",
            "category",
            "description",
            "responsible",
            "deadline",
            "status",
            "rectified_on",
            "overdue",
        ],
    ),
)
