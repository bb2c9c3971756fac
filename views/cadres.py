"""村干部: age and education structure (两委 vs 后备), reserve cadres per village, 学历提升, trainings."""

import streamlit as st

from village_stats import charts, narrative, ui

empty = "暂无村干部与后备力量花名册数据。"
filters, summary = ui.domain_page("村干部与后备力量", "cadre_summary", empty, count="cadres", money=False)

row = summary.iloc[0]
st.caption(f"花名册为当前名单；年龄按{filters.year}年计算。")
ui.cards(
    (
        f"两委干部（平均{row['committee_average_age']}岁）",
        f"{int(row['committee'])}人",
        f"大专及以上{row['committee_college_pct']}%",
    ),
    (
        f"后备干部（平均{row['reserve_average_age']}岁）",
        f"{int(row['reserves'])}人",
        f"大专及以上{row['reserve_college_pct']}%",
    ),
    ("参加学历提升", f"{int(row['upgrading'])}人", f"大专以下{int(row['below_college'])}人"),
    ("参训", f"{int(row['trainings'])}人次", f"人均{row['average_trainings']}次"),
)
if int(row["units_without_reserve"]):
    st.warning(
        f"{int(row['units_without_reserve'])}个村(社区)尚无后备干部："
        f"{narrative.weak_names(str(row['without_reserve_names']))}"
        f"{'（见下方各村表格）' if int(row['units_without_reserve']) > narrative.NAMES_LISTED else ''}。",
        icon=":material/person_off:",
    )

left, right = st.columns(2)
with left:
    ages = ui.run_query("cadre_age_structure", **filters.params())
    ui.chart(charts.stacked_bars, ages, "role", "age_band", "cadres", "人", "年龄结构", filename="村干部年龄结构")
with right:
    education = ui.run_query("cadre_education_structure", **filters.scope.params())
    ui.chart(charts.stacked_bars, education, "role", "education", "cadres", "人", "学历结构", filename="村干部学历结构")

ui.town_ranking(filters, "town_cadres", "units_without_reserve", "尚无后备干部的村(社区)数", "个", "cadres_towns")

st.subheader("各村(社区)干部队伍（无后备干部的在前）")
by_village = ui.run_query("cadres_by_village", **filters.params())
listed = ["village", "committee", "reserves", "clerks", "committee_average_age", "committee_college", "upgrading"]
columns = ui.with_town(filters, [*listed, "trainings", "no_reserve"])
ui.table_with_downloads(by_village, "各村干部队伍", "cadres_villages", columns)
