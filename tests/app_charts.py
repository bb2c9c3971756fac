"""The charts an AppTest page drew: each is a `village_plot` component carrying a Plotly figure's JSON."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def charts(app: AppTest) -> list:
    return [e for e in app.get("bidi_component") if e.proto.component_name == "village_plot"]


def figures(app: AppTest) -> list[dict]:
    """Each chart's Plotly figure, in page order (the component's data is plotly_view.payload's JSON text)."""
    return [json.loads(json.loads(e.proto.json))["figure"] for e in charts(app)]


def specs(app: AppTest) -> list[str]:
    """Each chart's figure as JSON text, for searching the strings a page sends."""
    return [json.dumps(figure, ensure_ascii=False) for figure in figures(app)]
