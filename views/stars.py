"""达标创星: distribution, change since the previous rating, the village × year grid, detail."""

import streamlit as st

from village_stats import charts, narrative, ui

empty = "{year}年暂无达标创星评定数据。"
filters, summary = ui.domain_page("达标创星", "star_summary", empty, count="rated_units", money=False)

row = summary.iloc[0]
has_previous = row["previous_year"] is not None and str(row["previous_year"]) != "<NA>"
cards = st.columns(4)
for column, label, name, before in (
    (cards[0], "五星级", "five_star", "previous_five_star"),
    (cards[1], "四星级", "four_star", "previous_four_star"),
    (cards[2], "软弱涣散", "weak_units", "previous_weak_units"),
):
    change = int(row[name]) - int(row[before]) if has_previous else None
    delta = None if change is None else ("持平" if change == 0 else f"{change:+d}个")
    color = "off" if change == 0 else ("inverse" if name == "weak_units" else "normal")
    column.metric(
        label,
        f"{int(row[name])}个",
        delta,
        delta_color=color,
        delta_arrow="off" if change == 0 else "auto",
        delta_description=f"较{int(row['previous_year'])}年" if has_previous else None,
        border=True,
    )
cards[3].metric("参评村(社区)", f"{int(row['rated_units'])}个", border=True)
if int(row["weak_units"]):
    weak = int(row["weak_units"])
    more = f"（共{weak}个，见下方明细）" if weak > narrative.NAMES_LISTED else ""
    st.warning(f"软弱涣散党组织：{ui.plain(narrative.weak_names(row['weak_names']))}{more}")

left, right = st.columns(2)
with left:
    distribution = ui.run_query("star_distribution", **filters.params())
    ui.chart(charts.star_distribution, distribution, "星级分布（个）", filename=f"{filters.year}年星级分布")
changes = ui.run_query("star_changes", **filters.params())
with right:
    st.markdown(f"**与{int(row['previous_year'])}年相比**" if has_previous else "**与上一评定年度相比**")
    moved = changes[changes["movement"].isin(["升星", "降星"])]
    if moved.empty:
        st.caption("星级没有变化。" if has_previous else "没有更早的评定数据，无法比较。")
    else:
        columns = ui.with_town(filters, ["village", "previous_stars", "stars", "movement"])
        ui.table_with_downloads(moved, f"{filters.year}年星级变化", "stars_moved", columns)

st.subheader("历年星级一览")
grid = ui.with_town_labels(ui.run_query("star_grid", **filters.scope.params()), filters.spans_towns)
# one row per village: of many, the strongest or weakest this year, or a search
shown, note = ui.chart_rows(ui.with_town_labels(changes, filters.spans_towns), "score", "stars_grid")
if note:
    grid = grid[grid["village"].isin(shown["village"])]
ui.chart(charts.star_grid, grid, filename="历年星级一览")
st.caption("▲ 表示当年被评为软弱涣散党组织。" + (f"{note}。" if note else ""))
ui.town_ranking(filters, "town_stars", "five_star", "五星级村(社区)数", "个", "stars_towns")

st.subheader("明细")
columns = ui.with_town(filters, ["village", "stars", "score", "weak", "previous_stars", "movement"])
ui.table_with_downloads(changes, f"{filters.year}年达标创星", "stars_detail", columns)
