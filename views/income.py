"""村财收入: tiers, ranking, trend, movers and the detail table."""

import streamlit as st

from village_stats import charts, exports, ui
from village_stats import formatting as fmt

current = ui.settings()
tier_params = current.tier_params()
empty = "{year}年暂无村级集体经济收入数据。"
filters, ranking = ui.domain_page("村级集体经济收入", "income_ranking", empty, **tier_params)

villages = ranking[ranking["kind"] == "村"]
communities = ranking[ranking["kind"] == "社区"]
cumulative = ui.run_query("income_tiers_cumulative", **filters.params(), **tier_params)
total_floor, operating_floor = current.weak_total_below_wan * 10_000, current.weak_operating_below_wan * 10_000
weak = ui.run_query("weak_villages", **filters.params(), total_floor=total_floor, operating_floor=operating_floor)
tiers = [
    (f"≥{fmt.threshold(t.lower_bound)}", f"{t.villages}个", f"占比 {fmt.pct(t.share_pct)}")
    for t in cumulative.itertuples()
]
ui.cards(*tiers, ("经济薄弱村", f"{len(weak)}个", "总收入或经营性收入低于标准"))

view = st.segmented_control("分档方式", ["区间分档", "累计分档"], default="区间分档", key="income_tier_view")
left, right = st.columns([2, 3])
with left:
    if view == "累计分档":
        title = "达到各分档线的村数"
        ui.chart(charts.tier_bars, cumulative, "tier_label", title, filename=f"{filters.year}年村财收入累计分档")
    else:
        bins = ui.run_query("income_tier_bins", **filters.params(), **tier_params)
        ui.chart(charts.tier_bars, bins, "bin_label", "各收入区间的村数", filename=f"{filters.year}年村财收入区间分档")
    trend = ui.run_query("income_tier_trend", **filters.scope.params(), **tier_params)
    ui.chart(charts.tier_trend, trend, "历年分档趋势（个）", filename="村财收入分档趋势")
lines = current.income_thresholds_yuan
with right:
    shown = ui.with_town_labels(villages, filters.spans_towns)
    title, name = "各村村财收入排名（万元）", f"{filters.year}年村财收入排名"
    ui.ranked_chart(shown, "total_income", "income_rank", charts.income_ranking, lines, title, noun="村", filename=name)
if not communities.empty:
    st.subheader("社区（不计入分档）")
    shown, name = ui.with_town_labels(communities, filters.spans_towns), f"{filters.year}年社区收入"
    ui.ranked_chart(
        shown, "total_income", "income_communities", charts.income_ranking, lines, noun="社区", filename=name
    )
ui.town_ranking(filters, "town_income", "t1_pct", f"村财≥{fmt.threshold(lines[0])}的村占比", "%", "income_towns")

st.subheader("升档、降档的村")
movers = villages[villages["movement"].isin(["升档", "降档"])]
if movers.empty:
    st.caption("与上年相比，没有村跨过分档线。" if villages["movement"].notna().any() else "上年无收入数据，无法比较。")
else:
    columns = ui.with_town(filters, ["village", "previous_income", "total_income", "change", "tier_label", "movement"])
    ui.table_with_downloads(movers, f"{filters.year}年村财收入升降档", "income_movers", columns)

if not weak.empty:
    st.subheader("经济薄弱村")
    columns = ui.with_town(filters, ["village", "total_income", "operating_income", "reason"])
    ui.table_with_downloads(weak, f"{filters.year}年经济薄弱村", "income_weak", columns)

st.subheader("明细")
columns = ui.with_town(filters, exports.INCOME_DETAIL_COLUMNS)
ui.table_with_downloads(ranking, f"{filters.year}年村级集体经济收入", "income_detail", columns)
