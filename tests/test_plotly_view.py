"""The charts' plotly.js build: the traces it holds, its version, and what the browser is sent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs_version

from village_stats import charts, plotly_view

BUNDLE_SOURCE = Path(__file__).resolve().parents[1] / "scripts" / "plotly-bundle"


def test_the_bundle_is_the_plotly_js_of_the_installed_plotly_package():
    """A figure from plotly.py is drawn by the plotly.js it was written for: upgrading plotly means
    rebuilding static/plotly-village.min.js (scripts/plotly-bundle/README.md)."""
    banner = plotly_view.BUNDLE_PATH.read_text(encoding="utf-8")[:200]
    version = get_plotlyjs_version()
    assert f"plotly.js v{version} " in banner
    package = json.loads((BUNDLE_SOURCE / "package.json").read_text(encoding="utf-8"))
    assert package["devDependencies"]["plotly.js"] == version
    assert f"plotly.js v{version} " in package["scripts"]["build"]


def test_the_bundle_registers_exactly_the_traces_the_python_side_allows():
    source = (BUNDLE_SOURCE / "index.js").read_text(encoding="utf-8")
    registered = set(re.findall(r"require\('plotly\.js/lib/([a-z0-9]+)'\)", source)) - {"core"}
    assert registered | {"scatter"} == set(plotly_view.TRACES)  # scatter comes with the core


def test_payload_carries_the_figure_and_a_chinese_mode_bar():
    tiers = pd.DataFrame({"tier_label": ["20万元以上"], "villages": [3], "share_pct": [50.0]})
    figure = charts.tier_bars(tiers, "tier_label", "分档")
    sent = json.loads(plotly_view.payload(figure, {"displaylogo": False}))
    assert sent["config"] == {"locale": "zh-CN", "responsive": True, "displaylogo": False}
    assert sent["figure"]["data"][0]["type"] == "bar"
    assert sent["figure"]["data"][0]["x"] == ["20万元以上"]
    assert sent["figure"]["layout"]["title"]["text"] == "分档"


def test_a_trace_the_bundle_lacks_is_refused_on_the_server():
    """Otherwise the browser would draw an empty box without a word."""
    figure = go.Figure(go.Sunburst(labels=["镇", "村"], parents=["", "镇"], values=[2, 1]))
    with pytest.raises(ValueError, match="sunburst"):
        plotly_view.payload(figure, {})
