"""Plotly figures drawn in the browser by the plotly.js build in `static/`, not by st.plotly_chart.

st.plotly_chart loads Streamlit's PlotlyChart chunk: all of plotly.js, 4.7 MB, whose module run
alone took 1.5–1.6 s of a cold page open on the 2-core server. The dashboard draws six trace
types; `static/plotly-village.min.js` holds only those (1.3 MB, built by
scripts/plotly-bundle, the same plotly.js version as the Python package's) plus the Chinese
locale for the mode bar. A Streamlit component (no iframe) loads it once per tab from the app's
static folder (`server.enableStaticServing`) and draws the figure's JSON with Plotly.react.
The figures are the same graph_objects figures as before.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import streamlit as st

from village_stats.settings import REPO_ROOT

BUNDLE = "plotly-village.min.js"
LATER_MS = 1500  # a chart off screen is drawn this long after it arrives (or when it comes near the screen)
BUNDLE_PATH = REPO_ROOT / "static" / BUNDLE

# The trace types the bundle holds (scripts/plotly-bundle/index.js; scatter comes with the core).
TRACES = frozenset({"bar", "scatter", "pie", "funnel", "heatmap", "treemap"})

# The page's URL ends in the page's own path (/, /income, /base/income behind a proxy): the app's
# static folder is beside it. One script element per tab, however many charts.
_JS = f"""
function plotly() {{
  if (!window.__villagePlotly) {{
    window.__villagePlotly = new Promise((resolve, reject) => {{
      const script = document.createElement('script');
      script.src = new URL('app/static/{BUNDLE}', window.location.href).href;
      const failed = () => {{ window.__villagePlotly = null; reject(new Error('plotly.js')); }};
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : failed());
      script.onerror = failed;
      document.head.appendChild(script);
    }});
  }}
  return window.__villagePlotly;
}}

export default function (component) {{
  const {{ data, parentElement }} = component;
  let div = parentElement.querySelector('.village-plot');
  if (!div) {{
    div = document.createElement('div');
    div.className = 'village-plot';
    parentElement.appendChild(div);
  }}
  const {{ figure, config }} = JSON.parse(data);
  div.style.height = (figure.layout.height || 450) + 'px';
  let live = true;
  const draw = () => plotly().then(
    (Plotly) => {{
      if (!live) return;
      Plotly.react(div, figure.data, figure.layout, config);
      div.dataset.drawn = '1';
    }},
    () => {{ div.textContent = '图表未能加载（plotly-village.min.js），请刷新页面。'; }},
  );
  // drawn first if it is near the screen: the charts a visitor sees do not queue behind the page's
  // others for the two cores (the overview has two on screen, five below); the others follow after
  // LATER_MS or as soon as they come near, so every chart is drawn without scrolling
  let started = false;
  const once = () => {{
    if (started) return;
    started = true;
    if (near) near.disconnect();
    clearTimeout(later);
    draw();
  }};
  const near = window.IntersectionObserver
    ? new IntersectionObserver((entries) => {{ if (entries.some((e) => e.isIntersecting)) once(); }},
        {{ rootMargin: '200px' }})
    : null;
  // a chart drawn before (a rerun, a filter change) is drawn again at once, as it always was
  const later = setTimeout(once, near && !div.dataset.drawn ? {LATER_MS} : 0);
  if (near) near.observe(div);
  return () => {{
    live = false;
    clearTimeout(later);
    if (near) near.disconnect();
    if (window.Plotly) window.Plotly.purge(div);
  }};
}}
"""

_component = st.components.v2.component("village_plot", js=_JS, isolate_styles=False)


def payload(figure: go.Figure, config: dict[str, object], height: int | None = None) -> str:
    """The JSON the browser receives: the figure as Plotly serialises it, and the plot's config.

    `height` draws the figure that many pixels high without changing it (figures are shared).
    """
    unknown = {trace.type for trace in figure.data} - TRACES
    if unknown:  # would draw nothing in the browser: the bundle lacks these
        raise ValueError(f"plotly-village.min.js has no {sorted(unknown)} traces; add them to scripts/plotly-bundle")
    text = figure.to_json()
    if height is not None:
        drawn = json.loads(text)
        drawn.setdefault("layout", {})["height"] = height
        text = json.dumps(drawn, ensure_ascii=False)
    return f'{{"figure":{text},"config":{json.dumps({"locale": "zh-CN", **config})}}}'


def show(figure: go.Figure, config: dict[str, object], key: str | None = None, height: int | None = None) -> None:
    _component(data=payload(figure, config, height), key=key, width="stretch")
