"""党员积分: distribution per branch, branch averages and trend, the 晒分 top list, low scorers as privacy allows."""

import streamlit as st

from village_stats import charts, mechanisms, ui

current = ui.settings()
threshold = current.points_low_threshold
empty = "{year}年暂无党员量化积分数据。"
filters, summary = ui.domain_page(
    "党员积分存折", "points_summary", empty, count="members", money=False, threshold=threshold
)

row = summary.iloc[0]
latest = mechanisms.period_label(str(row["latest_period"]))
ui.cards(
    ("参与积分的党员", f"{int(row['members'])}名", f"{int(row['branches'])}个支部"),
    (f"{latest}平均积分", f"{row['latest_average']}分"),
    ("全年平均积分", f"{row['average_points']}分", f"{int(row['periods'])}个积分周期"),
    (f"低于{threshold}分（出出汗）", f"{int(row['low_members'])}名", f"{latest}"),
)

if filters.spans_towns:
    # one bar or line per branch is thousands across towns: towns are ranked instead, branches listed below
    ui.town_ranking(filters, "town_points", "average_points", f"{latest}平均积分", "分", "points_towns")
    low_label = f"{latest}积分低于{threshold}分的党员占比"
    ui.town_ranking(filters, "town_points", "low_pct", low_label, "%", "points_towns_low")
else:
    left, right = st.columns(2)
    with left:
        distribution = ui.run_query("points_distribution", **filters.params())
        title, name = f"{latest}各支部积分分布（名）", f"{filters.year}年党员积分分布"
        ui.chart(charts.points_distribution, distribution, threshold, title, filename=name)
    with right:
        trend = ui.run_query("points_trend", **filters.scope.params())
        ui.chart(charts.points_trend, trend, threshold, "各支部平均积分走势", filename="各支部平均积分走势")

st.subheader(f"晒分榜 · 露露脸（{latest}前{current.points_top}名）")
top = ui.run_query("points_top", **filters.params(limit=current.points_top))
columns = ui.with_town(filters, ["points_rank", "village", "member", "total_points", "bonus_points"])
ui.table_with_downloads(top, f"{filters.year}年晒分榜", "points_top", columns)

st.subheader(f"出出汗 · 低于{threshold}分的党员（{latest}）")
branches = ui.run_query("points_by_branch", **filters.params(threshold=threshold))
if int(row["low_members"]) == 0:
    st.success(f"{latest}没有党员积分低于{threshold}分。")
elif mechanisms.may_name_low_scorers(current.low_scorer_names, ui.current_role()):
    low = ui.run_query("points_low", **filters.params(threshold=threshold))
    columns = ui.with_town(filters, ["village", "member", "total_points", "deducted_points"])
    ui.table_with_downloads(low, f"{filters.year}年积分偏低党员", "points_low", columns)
else:
    st.info(
        f"{latest}共有{int(row['low_members'])}名党员积分低于{threshold}分。按隐私设置，姓名不对当前用户显示，"
        "以下为各支部人数。",
        icon=":material/lock:",
    )

st.subheader("各支部积分情况")
listed = ["village", "members", "average_points", "median_points", "max_points", "min_points", "low_members"]
ui.table_with_downloads(branches, f"{filters.year}年各支部积分", "points_branches", ui.with_town(filters, listed))
