"""书记工作室: coverage over time against the target and deadline, the pace still needed, who has one, candidates."""

import streamlit as st

from village_stats import charts, mechanisms, ui

current = ui.settings()
empty = "截至{year}年底暂无书记工作室数据。"
filters, coverage = ui.domain_page("书记工作室", "studio_coverage", empty, count="studios", money=False)

row = coverage.iloc[0]
today = ui.today()
deadline = current.studio_deadline
goal = mechanisms.studio_goal(current.studio_target, row["town_units"])
pace = mechanisms.studio_pace(int(row["studios"]), int(row["units"]), goal, deadline, today)
ui.cards(
    (f"截至{filters.year}年底已建", f"{int(row['studios'])}个", f"当年新建{int(row['new_this_year'])}个"),
    ("覆盖率", f"{row['coverage_pct']}%", f"共{int(row['units'])}个村(社区)"),
    (
        "其中市级示范点",
        f"{int(row['city_level'])}个",
        f"县级{int(row['county_level'])}个 · 镇级{int(row['town_level'])}个",
    ),
    (
        f"距{deadline:%Y年%m月%d日}目标",
        f"还差{pace.remaining}个" if pace.remaining else "已完成",
        f"每季度需新建{pace.per_quarter}个" if pace.remaining else None,
    ),
)
if pace.overdue:
    st.error(f"已过{deadline:%Y年%m月%d日}的截止日期，仍有{pace.remaining}个村(社区)未建书记工作室。")
elif pace.remaining:
    st.caption(
        f"目标：{deadline:%Y年%m月%d日}前建成{pace.target}个"
        f"（{'每个镇(街道)' if filters.spans_towns else ''}{current.studio_target}个，不超过单位数；"
        "设置文件 studios.target / deadline）。"
        f"截至{today:%Y年%m月%d日}还剩{pace.quarters_left}个季度（含本季度），"
        f"按期完成每季度需新建{pace.per_quarter}个。"
    )

growth = ui.run_query("studio_growth", **filters.scope.params())
ui.chart(charts.studio_growth, growth, pace.target, deadline, "书记工作室逐季累计（个）", filename="书记工作室覆盖进度")

ui.town_ranking(filters, "town_studios", "coverage_pct", "书记工作室覆盖率", "%", "studios_towns")

left, right = st.columns([3, 2])
with left:
    st.subheader("已建工作室")
    studios = ui.run_query("studio_list", **filters.params())
    columns = ui.with_town(filters, ["village", "studio_name", "level", "established_on", "focus", "stars"])
    ui.table_with_downloads(studios, f"截至{filters.year}年底书记工作室", "studios_list", columns)
with right:
    st.subheader("下一步培育对象")
    st.caption(f"{filters.year}年评为五星级、尚未建工作室的村(社区)：按“在五星级组织中优先培育”的要求列出。")
    candidates = ui.run_query("studio_candidates", **filters.params())
    if candidates.empty:
        st.success("五星级村(社区)都已建立书记工作室。")
    else:
        columns = ui.with_town(filters, ["village", "area", "score"])
        ui.table_with_downloads(candidates, f"{filters.year}年书记工作室培育对象", "studios_candidates", columns)
