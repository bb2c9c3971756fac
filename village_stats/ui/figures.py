"""Charts: built once per distinct input, escaped, downloadable as a slide-sharp PNG."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from village_stats import charts, plotly_view
from village_stats.ui.widgets import present

FIRST_SCREEN_CHART = 280  # px: the overview's charts, two of them within a 1366×768 screen
CHART_ROWS = 30  # a village chart with more rows than this shows the top/bottom N or a search instead


def glance(
    this_year: pd.DataFrame,
    count_column: str,
    domain: str,
    page: str,
    link: str,
    figure: Callable[[], go.Figure],
    year: int | None = None,
    height: int | None = None,
) -> None:
    """One small overview chart for a domain, or a line saying the year has none; then a link to its page.

    `count_column` is the year_overview column that counts the domain's records that year;
    `figure` runs only when the year has some, and returns a `ui.figure(...)` (escaped, shared).
    With `year`, a year without the domain's ledger says so and links to 数据导入.
    `height` draws the chart that many pixels high (the overview's first screen is short).
    """
    row = this_year.iloc[0] if not this_year.empty else None
    if row is not None and present(row[count_column]) and row[count_column] > 0:
        shared = figure()
        title = shared.layout.title.text or domain
        _show(shared, f"{int(row['year'])}年{title}", height=height)
    elif year is not None:
        st.caption(f"{year}年尚未导入{domain}数据。")
        st.page_link("views/data_import.py", label="去数据导入 →")
        return
    else:
        shown = "" if row is None else f"{int(row['year'])}年"
        st.caption(f"{shown}暂无{domain}数据。")
    st.page_link(page, label=link)


def plot(figure: go.Figure, filename: str, key: str | None = None, fit: dict | None = None) -> None:
    """A chart whose PNG download is sharp enough for a slide and named in Chinese.

    Prefer `chart`: a figure built here is built again on every rerun. `fit` (plotly_view.payload):
    a CSS height and fonts grown with the screen, for 汇报模式 and the wall.
    """
    _show(charts.as_text(figure), filename, key, fit)


def chart(
    builder: Callable[..., go.Figure], *args: object, filename: str, key: str | None = None, **kwargs: object
) -> None:
    """`plot(builder(*args, **kwargs))`, with the figure built once per distinct input (see `figure`)."""
    _show(figure(builder, *args, **kwargs), filename, key)


def figure(builder: Callable[..., go.Figure], *args: object, **kwargs: object) -> go.Figure:
    """`builder(*args, **kwargs)` with names escaped (charts.as_text), built once per distinct input.

    Building a figure is Plotly's validation of every property: 30–70 ms for a three-bar chart, far
    more than the cached query under it, and the overview has seven. The inputs are query results,
    hashed by Streamlit (a new import gives new results, hence a new figure). The figure is shared
    by every session: never change it (plotly_view.show only serialises it).
    """
    return _figure(builder, f"{builder.__module__}.{builder.__qualname__}", args, kwargs)


# a figure is a few KB (7 KB for 50 bars): 500 of them are nothing beside the memory target
@st.cache_resource(show_spinner=False, max_entries=500)
def _figure(_builder: Callable[..., go.Figure], name: str, args: tuple, kwargs: dict[str, object]) -> go.Figure:
    return charts.as_text(_builder(*args, **kwargs))


def _show(
    figure: go.Figure, filename: str, key: str | None = None, fit: dict | None = None, height: int | None = None
) -> None:
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 3},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }
    plotly_view.show(figure, config, key=key, fit=fit, height=height)


def with_town_labels(frame: pd.DataFrame, spans_towns: bool) -> pd.DataFrame:
    """Village names are unique only within a town: across towns a chart labels them 镇·村."""
    if not spans_towns or frame.empty:
        return frame
    return frame.assign(village=frame["town"] + "·" + frame["village"].astype(str))


def chart_rows(frame: pd.DataFrame, value: str, key: str, noun: str = "村(社区)") -> tuple[pd.DataFrame, str]:
    """The rows a ranking chart draws: all of a few; of many, the top or bottom N by `value`, or a search.

    Returns the rows (in the order to draw, first at the top) and a note that says what they are.
    Sorting and cutting a query result is presentation, not aggregation: the query did the sums.
    """
    if len(frame) <= CHART_ROWS:
        return frame, ""
    left, middle, right = st.columns([1.2, 1, 2.5], vertical_alignment="bottom")
    end = left.segmented_control("显示", ["最高", "最低"], default="最高", key=f"{key}_end") or "最高"
    count = middle.selectbox("个数", [10, 20, 30, 50], index=1, key=f"{key}_count")
    search = right.text_input(f"搜索{noun}", key=f"{key}_search", placeholder="输入名称中的字，如 青溪、北垞")
    ranked = frame.sort_values(value, ascending=end == "最低", kind="stable", na_position="last")
    if search.strip():
        ranked = ranked[ranked["village"].astype(str).str.contains(search.strip(), regex=False)]
        note = f"共 {len(frame):,} 个{noun}，名称含“{search.strip()}”的 {len(ranked):,} 个"
        note += f"，图中显示其中{end}的 {count} 个" if len(ranked) > count else ""
    else:
        note = f"共 {len(frame):,} 个{noun}，图中显示{end}的 {min(count, len(ranked))} 个；可改为最低或搜索"
    return ranked.head(count), note


def ranked_chart(
    frame: pd.DataFrame,
    value: str,
    key: str,
    builder: Callable[..., go.Figure],
    *args: object,
    filename: str,
    noun: str = "村(社区)",
    **kwargs: object,
) -> None:
    """`chart(builder, rows, *args, …)` of the rows `chart_rows` picks by `value` (all of a few; of many,
    the top or bottom N, or a search), with its note under the chart."""
    rows, note = chart_rows(frame, value, key, noun)
    chart(builder, rows, *args, filename=filename, **kwargs)
    if note:
        st.caption(note)
