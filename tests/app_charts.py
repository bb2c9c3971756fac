"""The charts an AppTest page drew: each is a `village_plot` component carrying a Plotly figure's JSON."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def charts(app: AppTest) -> list:
    return [e for e in app.get("bidi_component") if e.proto.component_name == "village_plot"]


def specs(app: AppTest) -> list[str]:
    """Each chart's figure as Plotly's JSON text, in page order."""
    return [json.dumps(json.loads(json.loads(e.proto.json))["figure"], ensure_ascii=False) for e in charts(app)]


def figures(app: AppTest) -> list[dict]:
    return [json.loads(spec) for spec in specs(app)]
