"""乡贤: 民意 and 纠纷 by village and month, by kind, the most active sages, the report sentence."""

import streamlit as st

from village_stats import charts, narrative, ui

empty = "{year}年暂无乡贤参与数据。"
filters, summary = ui.domain_page("乡贤参与", "sage_summary", empty, count="activities", money=False)

row = summary.iloc[0]
ui.cards(
    ("收集村情民意", f"{int(row['opinions'])}条"),
    ("化解矛盾纠纷", f"{int(row['disputes'])}起"),
    ("其他参与事项", f"{int(row['other_items'])}项", "献言献策、政策宣传等"),
    ("参与乡贤", f"{int(row['sages'])}名", f"涉及{int(row['villages'])}个村(社区)"),
)
sentence = narrative.sage_sentence(filters.year, summary, filters.scope_label)
if sentence:
    ui.paragraphs([sentence])

left, right = st.columns(2)
with left:
    months = ui.run_query("sage_by_month", **filters.params())
    title, name = "每月乡贤参与事项", f"{filters.year}年乡贤参与月度"
    ui.chart(charts.monthly_values, months, "quantity", "条/起", title, filename=name)
with right:
    kinds = ui.run_query("sage_by_kind", **filters.params())
    ui.chart(charts.donut, kinds, "kind", "quantity", "条/起", "按类型", filename=f"{filters.year}年乡贤参与类型")

ui.town_ranking(filters, "town_sages", "opinions_and_disputes", "收集民意与化解纠纷", "条/起", "sages_towns")

st.subheader("各村(社区)民意与纠纷")
by_village = ui.run_query("sage_by_village", **filters.params())
columns = ui.with_town(filters, ["village", "opinions", "disputes", "other_items", "activities"])
ui.table_with_downloads(by_village, f"{filters.year}年各村乡贤参与", "sages_villages", columns)

st.subheader("最活跃的乡贤")
top = ui.run_query("sage_top", **filters.params(limit=10))
# a sage is named within a town (names repeat across towns)
town = ["town"] if filters.spans_towns else []
columns = ["sage_rank", "sage", *town, "sage_villages", "activities", "quantity", "opinions", "disputes"]
ui.table_with_downloads(top, f"{filters.year}年最活跃的乡贤", "sages_top", columns)
