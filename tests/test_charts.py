"""Chart labels speak as a statistical table does, whatever the scale."""

from __future__ import annotations

import pandas as pd

from village_stats import charts


def test_funnel_labels_write_counts_in_wan_with_the_share_of_the_first_step():
    steps = pd.DataFrame({"step_label": ["群众点单", "网格领单", "群众评单"], "tickets": [1_000_000, 900_365, 4_321]})
    (trace,) = charts.funnel(steps, "五单闭环").data
    assert list(trace.text) == ["100万单<br>100.0%", "90.04万单<br>90.0%", "4,321单<br>0.4%"]
    assert trace.texttemplate == "%{text}" and ":," in trace.hovertemplate  # never Plotly's 1M / 900.365k
