"""Chart labels speak as a statistical table does, whatever the scale."""

from __future__ import annotations

import pandas as pd

from village_stats import charts


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
