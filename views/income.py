"""村财收入: tiers, ranking, trend, movers and the detail table."""

import streamlit as st

from village_stats import charts, exports, ui
from village_stats import formatting as fmt

current = ui.settings()
filters = ui.filters()
ui.page_header("村级集体经济收入", filters)
tier_params = current.tier_params()
ranking = ui.run_query("income_ranking", **filters.params(), **tier_params) if filters.year else None
if ranking is None or ranking.empty:
    ui.empty_state(f"{filters.year or ''}年暂无村级集体经济收入数据。")
    st.stop()

villages = ranking[ranking["kind"] == "村"]
communities = ranking[ranking["kind"] == "社区"]
cumulative = ui.run_query("income_tiers_cumulative", **filters.params(), **tier_params)
columns = st.columns(len(cumulative) + 1)
for column, tier in zip(columns, cumulative.itertuples(), strict=False):
    column.metric(
        f"≥{fmt.threshold(tier.lower_bound)}",
        f"{tier.villages}个",
        f"占比 {fmt.pct(tier.share_pct)}",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
weak = ui.run_query(
    "weak_villages",
    **filters.params(),
    total_floor=current.weak_total_below_wan * 10_000,
    operating_floor=current.weak_operating_below_wan * 10_000,
)
columns[-1].metric(
    "经济薄弱村", f"{len(weak)}个", "总收入或经营性收入低于标准", delta_color="off", delta_arrow="off", border=True
)

view = st.segmented_control("分档方式", ["区间分档", "累计分档"], default="区间分档", key="income_tier_view")
left, right = st.columns([2, 3])
with left:
    if view == "累计分档":
        ui.chart(
            charts.tier_bars,
            cumulative,
            "tier_label",
            "达到各分档线的村数",
            filename=f"{filters.year}年村财收入累计分档",
        )
    else:
        bins = ui.run_query("income_tier_bins", **filters.params(), **tier_params)
        ui.chart(charts.tier_bars, bins, "bin_label", "各收入区间的村数", filename=f"{filters.year}年村财收入区间分档")
    trend = ui.run_query("income_tier_trend", **filters.scope.params(), **tier_params)
    ui.chart(charts.tier_trend, trend, "历年分档趋势（个）", filename="村财收入分档趋势")
with right:
    shown, note = ui.chart_rows(ui.with_town_labels(villages, filters.spans_towns), "total_income", "income_rank", "村")
    ui.chart(
        charts.income_ranking,
        shown,
        current.income_thresholds_yuan,
        "各村村财收入排名（万元）",
        filename=f"{filters.year}年村财收入排名",
    )
    if note:
        st.caption(note)
if not communities.empty:
    st.subheader("社区（不计入分档）")
    shown, note = ui.chart_rows(
        ui.with_town_labels(communities, filters.spans_towns), "total_income", "income_communities", "社区"
    )
    ui.chart(charts.income_ranking, shown, current.income_thresholds_yuan, filename=f"{filters.year}年社区收入")
    if note:
        st.caption(note)
low = fmt.threshold(current.income_thresholds_yuan[0])
ui.town_ranking(filters, "town_income", "t1_pct", f"村财≥{low}的村占比", "%", "income_towns")

st.subheader("升档、降档的村")
movers = villages[villages["movement"].isin(["升档", "降档"])]
if movers.empty:
    st.caption("与上年相比，没有村跨过分档线。" if villages["movement"].notna().any() else "上年无收入数据，无法比较。")
else:
    ui.table_with_downloads(
        movers,
        f"{filters.year}年村财收入升降档",
        "income_movers",
        ui.with_town(filters, ["village", "previous_income", "total_income", "change", "tier_label", "movement"]),
    )

if not weak.empty:
    st.subheader("经济薄弱村")
    ui.table_with_downloads(
        weak,
        f"{filters.year}年经济薄弱村",
        "income_weak",
        ui.with_town(filters, ["village", "total_income", "operating_income", "reason"]),
    )

st.subheader("明细")
ui.table_with_downloads(
    ranking,
    f"{filters.year}年村级集体经济收入",
    "income_detail",
    ui.with_town(filters, exports.INCOME_DETAIL_COLUMNS),
)
