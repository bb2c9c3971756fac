"""Chart labels speak as a statistical table does, whatever the scale."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from village_stats import charts, reports


def test_funnel_labels_write_counts_in_wan_with_the_share_of_the_first_step():
    steps = pd.DataFrame({"step_label": ["群众点单", "网格领单", "群众评单"], "tickets": [1_000_000, 900_365, 4_321]})
    (trace,) = charts.funnel(steps, "五单闭环").data
    assert list(trace.text) == ["100万单<br>100.0%", "90.04万单<br>90.0%", "4,321单<br>0.4%"]
    assert trace.texttemplate == "%{text}" and ":," in trace.hovertemplate  # never Plotly's 1M / 900.365k


# ---- 自助查询: what the quick chart starts with ---------------------------------------------


def test_quick_defaults_put_years_on_x_and_a_count_on_y():
    frame = pd.DataFrame({"年度": [2021, 2022, 2023, 2024], "村数": [18, 19, 21, 22]})
    assert charts.quick_defaults(frame) == ("line", "年度", "村数")


def test_quick_defaults_put_a_text_column_on_x_and_the_first_figure_on_y():
    frame = pd.DataFrame(
        {"year": [2023] * 3, "village": ["北垞村", "竹秀村", "岑下村"], "income": [186.4, 142.7, 120.0]}
    )
    assert charts.quick_defaults(frame) == ("bar", "village", "income")  # one year: nothing to draw over time


def test_quick_defaults_draw_dates_as_a_line():
    frame = pd.DataFrame({"day": pd.to_datetime(["2024-03-01", "2024-03-02"]), "tickets": [5, 7], "kind": ["a", "b"]})
    assert charts.quick_defaults(frame) == ("line", "day", "tickets")


def test_quick_defaults_of_numbers_only_are_a_scatter():
    frame = pd.DataFrame({"population": [1200, 3400, 2100], "members": [40, 96, 61]})
    assert charts.quick_defaults(frame) == ("scatter", "population", "members")


def test_quick_defaults_of_text_only_count_rows():
    frame = pd.DataFrame({"kind": ["群众建议", "服务代办", "服务代办"], "village": ["北垞村", "竹秀村", "北垞村"]})
    assert charts.quick_defaults(frame) == ("bar", "kind", None)


# ---- the chart rules (charts.rule_breaks), and each defect the town saw on its screens ----------------


def breaks(figure) -> list[str]:
    return charts.rule_breaks(figure)


def test_columns_turn_into_horizontal_bars_beyond_twelve_categories():
    assert [charts.orientation_for(n) for n in (1, 12, 13, 25)] == ["v", "v", "h", "h"]
    assert charts.bars_height(25) >= 25 * charts.ROW_PX > charts.bars_height(3) - 100


def test_money_axes_read_yi_from_one_yi_up():
    assert charts.money_axis_unit(99_999_999) == ("万元", 10_000)
    assert charts.money_axis_unit(100_000_000) == ("亿元", 100_000_000)
    assert charts.money_axis_unit(None) == ("万元", 10_000)


def test_values_far_from_zero_are_dots_and_spread_values_bars():
    assert charts.marks_for([77.0, 78.6, 79.1]) == "dots"
    assert charts.marks_for([15.6, 94.2, 212.6]) == "bars"
    assert charts.marks_for([0, 5, 6]) == "bars"


def test_slices_under_five_percent_are_labelled_outside():
    assert charts.slice_text_positions([96, 63, 24, 15, 5]) == ["inside"] * 4 + ["outside"]


def test_the_rule_check_finds_each_broken_rule():
    """The checker itself can fail: one figure per rule that breaks it."""
    villages = [f"村{i}" for i in range(25)]
    crowded = go.Figure(go.Bar(x=villages, y=list(range(25))))
    unsorted = go.Figure(go.Bar(y=villages, x=[i % 7 for i in range(25)], orientation="h"))
    wan = go.Figure(go.Bar(x=["镇级"], y=[78_346.0])).update_yaxes(title_text="万元")
    near = go.Figure(go.Bar(x=["甲", "乙", "丙"], y=[77.0, 78.6, 79.1]))
    ring = go.Figure(go.Pie(labels=["民意收集", "回乡创业"], values=[96, 2]))
    mixed = go.Figure(go.Bar(y=["镇级项目", "北垞村"], x=[7.8, 0.3], orientation="h"))
    line = charts.themed(go.Figure(go.Bar(y=["甲"], x=[15.6], orientation="h")))
    line.add_vline(x=20, annotation_text="20万", annotation_position="bottom right")
    legend = go.Figure([go.Bar(x=[1], y=["甲"], name="a"), go.Bar(x=[2], y=["甲"], name="b")])
    legend.update_layout(legend={"orientation": "h", "y": -0.15}).update_xaxes(title_text="名")
    tiny = go.Figure(go.Bar(x=["甲"], y=[1])).update_layout(font={"size": 8})
    clipped = go.Figure(go.Bar(x=["甲", "乙"], y=[212.6, 3], text=["212.6", "3"], textposition="outside"))
    found = {
        "columns": breaks(crowded),
        "sorted": breaks(unsorted),
        "亿元": breaks(wan),
        "dots": breaks(near),
        "slice": breaks(ring),
        "card": breaks(mixed),
        "threshold": breaks(line),
        "legend": breaks(legend),
        "font": breaks(tiny),
        "frame": breaks(clipped),
    }
    assert {rule: bool(found[rule]) for rule in found} == dict.fromkeys(found, True), found
    assert any("not sorted" in b for b in found["sorted"])
    assert any("more than 12" in b for b in found["columns"])


def test_income_ranking_threshold_labels_sit_above_the_plot_not_on_the_values():
    ranking = pd.DataFrame(
        {
            "village": ["北垞村", "竹秀村", "东溪村"],
            "total_income": [2_126_000, 500_000, 156_000],
            "tier": [3, 2, 0],
            "tier_label": ["100万元以上", "50万元以上", "20万元以下"],
        }
    )
    figure = charts.income_ranking(ranking, (Decimal(200_000), Decimal(500_000), Decimal(1_000_000)), "排名")
    assert breaks(figure) == []
    labels = [a for a in figure.layout.annotations if a.text in ("20万", "50万", "100万")]
    assert len(labels) == 3 and all(a.yref == "paper" and a.y >= 1 and a.yanchor == "bottom" for a in labels)
    assert figure.layout.xaxis.range[1] >= 212.6 * 1.1  # "212.6" inside the frame


def test_donut_labels_go_outside_with_room_made_for_them():
    kinds = pd.DataFrame(
        {"kind": ["民意收集", "矛盾调解", "献言献策", "政策宣传", "回乡创业"], "n": [96, 63, 24, 15, 5]}
    )
    figure = charts.donut(kinds, "kind", "n", "条/起", "乡贤参与事项")
    assert breaks(figure) == []
    assert figure.data[0].automargin is True


def test_points_distribution_legend_is_off_the_axis_title():
    distribution = pd.DataFrame(
        {
            "village": ["北垞村", "北垞村", "竹秀村"],
            "band_label": ["60-69分", "70-79分", "70-79分"],
            "band_start": [60, 70, 70],
            "members": [3, 12, 9],
        }
    )
    figure = charts.points_distribution(distribution, Decimal(60), "积分分布")
    assert figure.layout.xaxis.title.text and figure.layout.legend.y >= 1
    assert breaks(figure) == []


def test_project_investment_reads_yi_once_a_bar_reaches_one_yi():
    arenas = pd.DataFrame(
        {
            "arena": ["党建引领", "产业发展"],
            "planned_investment": [450_530_000, 26_145_000],
            "completed_investment": [261_000_000, 9_000_000],
            "projects": [30, 12],
        }
    )
    figure = charts.investment_bars(arenas, "arena", "五大擂台投资（万元）")
    assert figure.layout.title.text == "五大擂台投资（亿元）" and figure.layout.yaxis.title.text == "亿元"
    assert list(figure.data[0].y) == [4.5053, 0.26145]
    assert breaks(figure) == []


def test_a_ranking_of_points_is_dots_on_an_axis_that_spans_them():
    branches = pd.DataFrame({"village": ["甲村", "乙村", "丙村"], "points": [79.1, 78.6, 77.0]})
    figure = charts.village_bars(branches, "points", "平均积分", "分", "各支部平均积分")
    assert figure.data[0].type == "scatter" and figure.layout.xaxis.range[0] > 70
    assert breaks(figure) == []


def test_report_chart_of_25_villages_is_sorted_horizontal_bars_in_legible_type():
    villages = tuple(f"村{i:02d}" for i in range(25))
    chart = reports.Chart(
        key="income_ranking",
        title="各村村财收入排名（万元）",
        kind="column",
        categories=villages,
        series=(reports.Series("总收入", tuple(float(250 - 9 * i) for i in range(25)), charts.NAVY),),
        unit="万元",
        takeaway="",
    )
    figure = reports.figure(chart, height=320)
    assert figure.data[0].orientation == "h" and figure.layout.height >= 25 * charts.ROW_PX
    assert breaks(figure) == []


def test_a_quick_chart_of_many_categories_is_ranked_horizontal_bars():
    frame = pd.DataFrame({"村": [f"村{i:02d}" for i in range(20)], "收入": [float((i * 7) % 20) for i in range(20)]})
    figure = charts.quick_chart(frame, "bar", "村", "收入")
    assert figure.data[0].orientation == "h"
    assert breaks(figure) == []
    few = charts.quick_chart(frame.head(5), "bar", "村", "收入")
    assert few.data[0].orientation != "h" and breaks(few) == []
