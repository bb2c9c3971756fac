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

// a projector's chart: every font grows with the screen's width (1366 px is the dashboard's own size)
function scaleFonts(node, factor) {{
  if (Array.isArray(node)) {{ node.forEach((item) => scaleFonts(item, factor)); return; }}
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {{
    if (key.endsWith('font') && value && typeof value.size === 'number') value.size = Math.round(value.size * factor);
    scaleFonts(value, factor);
  }}
}}

// The legend sits above the plot, under the title; on a narrow screen it wraps onto more lines than the
// server could know, and Plotly grows the margin for the legend but not for the title: move the plot
// down by what the two overlap.
function clearTitle(Plotly, div) {{
  const title = div.querySelector('.gtitle');
  const legend = div.querySelector('.legend');
  if (!title || !legend) return Promise.resolve();
  const overlap = title.getBoundingClientRect().bottom + 6 - legend.getBoundingClientRect().top;
  if (overlap <= 0) return Promise.resolve();
  return Plotly.relayout(div, {{ 'margin.t': div._fullLayout._size.t + overlap }});
}}

export default function (component) {{
  const {{ data, parentElement }} = component;
  let div = parentElement.querySelector('.village-plot');
  if (!div) {{
    div = document.createElement('div');
    div.className = 'village-plot';
    parentElement.appendChild(div);
  }}
  const {{ figure, config, fit }} = JSON.parse(data);
  // tests and the wall wait on this: "true" once this very figure is on screen, never a guess
  div.dataset.drawn = 'false';
  div.dataset.renders = String(Number(div.dataset.renders || 0) + 1);
  if (fit && fit.height) {{
    div.style.height = fit.height;  // CSS: the chart fills its share of the viewport
    delete figure.layout.height;
  }} else {{
    div.style.height = (figure.layout.height || 450) + 'px';
  }}
  if (fit && fit.fontScale) {{
    const factor = Math.min(Math.max(window.innerWidth / 1366, 1), 1.6);
    scaleFonts(figure, factor);
    // the title sits in the top margin: a larger title needs a margin grown with it, or it leaves the frame
    const margin = figure.layout.margin;
    if (margin && typeof margin.t === 'number') margin.t = Math.round(margin.t * factor);
  }}
  // on a touch screen the mode bar covers the chart's title and no one downloads a PNG from a phone
  const touch = window.matchMedia('(hover: none) and (pointer: coarse)').matches;
  const shown = touch || (fit && fit.modeBar === false) ? {{ ...config, displayModeBar: false }} : config;
  let live = true;
  const draw = () => plotly().then(
    (Plotly) => {{
      if (!live) return;
      Plotly.react(div, figure.data, figure.layout, shown)
        .then(() => clearTitle(Plotly, div))
        .then(() => {{ if (live) div.dataset.drawn = 'true'; }});
    }},
    () => {{ div.textContent = '图表未能加载（plotly-village.min.js），请刷新页面。'; div.dataset.drawn = 'failed'; }},
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
  const later = setTimeout(once, near && div.dataset.renders === '1' ? {LATER_MS} : 0);
  if (near) near.observe(div);
  return () => {{
    live = false;
    div.dataset.drawn = 'false';
    clearTimeout(later);
    if (near) near.disconnect();
    if (window.Plotly) window.Plotly.purge(div);
  }};
}}
"""

_component = st.components.v2.component("village_plot", js=_JS, isolate_styles=False)


def payload(
    figure: go.Figure, config: dict[str, object], fit: dict[str, object] | None = None, height: int | None = None
) -> str:
    """The JSON the browser receives: the figure as Plotly serialises it, the plot's config, and how
    it fits the screen (`fit`: a CSS `height` instead of the figure's pixels, `fontScale` with the width).

    `height` draws the figure that many pixels high without changing it (figures are shared).
    """
    unknown = {trace.type for trace in figure.data} - TRACES
    if unknown:  # would draw nothing in the browser: the bundle lacks these
        raise ValueError(f"plotly-village.min.js has no {sorted(unknown)} traces; add them to scripts/plotly-bundle")
    config = {"locale": "zh-CN", "responsive": True, **config}  # responsive: a turned phone redraws to its width
    text = figure.to_json()
    if height is not None:
        drawn = json.loads(text)
        drawn.setdefault("layout", {})["height"] = height
        text = json.dumps(drawn, ensure_ascii=False)
    sent = f'{{"figure":{text},"config":{json.dumps(config)}'
    return sent + (f',"fit":{json.dumps(fit)}}}' if fit else "}")


def show(
    figure: go.Figure,
    config: dict[str, object],
    key: str | None = None,
    fit: dict | None = None,
    height: int | None = None,
) -> None:
    _component(data=payload(figure, config, fit, height), key=key, width="stretch")
