"""The house style every figure goes through: palette, CJK fonts, margins made for labels and legends.

Also the dark copy for the hall's big screen (大屏), the dashed threshold line with its label
at the plot's edge, and the escaping that keeps names from ledgers literal.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from village_stats.chart_rules import MIN_FONT_PX

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif'
INK = "#1f2933"
GRID = "#e4e7eb"
MUTED = "#66717e"  # tick labels and axis titles: quieter than the data
NAVY = "#1f4e79"
BLUE = "#3b7dd8"
TEAL = "#2a9d8f"
AMBER = "#e9a23b"
RED = "#c8553d"
GRAY = "#9aa5b1"
PALETTE = [NAVY, TEAL, AMBER, BLUE, RED, "#7b5ea7", GRAY]
TIER_COLORS = {0: GRAY, 1: "#8fb8e8", 2: BLUE, 3: NAVY}
STAR_COLORS = {5: "#c9a227", 4: AMBER, 3: TEAL, 2: BLUE, 1: GRAY, 0: "#cbd2d9"}


# trace fields whose strings come from the data; Plotly reads <a href>, <b>, <br> … in them as markup
_DATA_TEXT_FIELDS = ("x", "y", "labels", "name", "customdata", "ids", "parents")


def _as_text(value: object) -> object:
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        if any(isinstance(v, list | tuple | str) for v in items):
            return [_as_text(v) for v in items]
    return value


def as_text(figure: go.Figure) -> go.Figure:
    """Names from ledgers shown literally: a village called <a href=…>…</a> must not become a link.

    Only data fields are escaped (as HTML entities, which Plotly turns back into
    the characters); our own hover templates and labels keep their <br>.
    """
    for trace in figure.data:
        for field in _DATA_TEXT_FIELDS:
            if field in trace and trace[field] is not None:
                escaped = _as_text(trace[field])
                if escaped is not trace[field]:
                    trace[field] = escaped
    return figure


def themed(figure: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """The house style; every chart goes through here."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17, "weight": 600}} if title else None,
        font={"family": FONT, "size": 14, "color": INK},
        colorway=PALETTE,
        height=height,
        margin={"l": 10, "r": 20, "t": 50 if title else 20, "b": 10, "pad": 8},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT, "size": 14, "color": INK}, "bgcolor": "white", "bordercolor": GRID},
        # above the plot, under the title: below it the legend sat on the x axis's title
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 13}},
        separators=".,",
        # a label that fits its bar only below 12 px is hidden (its value is in the hover), never shrunk
        uniformtext={"minsize": MIN_FONT_PX, "mode": "hide"},
    )
    # Chinese readers expect 40,000 rather than 40k
    axes = {
        "gridcolor": GRID,
        "zerolinecolor": GRID,
        "automargin": True,
        "exponentformat": "none",
        "separatethousands": True,
        "tickfont": {"size": 12, "color": MUTED},
        "title": {"font": {"size": 14, "color": MUTED}, "standoff": 16},
    }
    # gridlines across the values only, as the dashboard has always drawn them
    figure.update_xaxes(**axes, showgrid=False, zeroline=False)
    figure.update_yaxes(**axes)
    # a label beyond its bar keeps its size; Plotly would shrink it to the bar's thickness
    figure.update_traces(constraintext="inside", selector={"type": "bar"})
    _room_for_labels(figure)
    _room_for_edge_labels(figure)
    _room_for_legend(figure)
    return figure


LEGEND_LINE_PX = 300  # a phone's plot width: the legend above the plot wraps at about this


def _room_for_legend(figure: go.Figure) -> None:
    """The legend sits above the plot: the title goes to the top and the margin holds both, even wrapped.

    Plotly moves the plot down for the legend but not for the title, so a legend wrapped onto a
    second line on a phone would otherwise cover the title.
    """
    if figure.layout.showlegend is False:
        return
    legends = [t for t in figure.data if t.type in ("bar", "scatter", "funnel") and t.showlegend is not False]
    names = [t.name for t in legends if t.name]
    if len(names) < 2:
        return
    width = sum(13 * len(str(name)) + 40 for name in names)
    lines = -(-width // LEGEND_LINE_PX)
    titled = bool(figure.layout.title.text)
    figure.layout.margin.t = max(figure.layout.margin.t or 0, (46 if titled else 8) + 24 * lines)
    if titled:
        figure.update_layout(title={"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 12}})


def _room_for_labels(figure: go.Figure) -> None:
    """The value axis reaches 15% past the largest labelled value: "212.6" stays inside the frame."""
    if figure.layout.barmode in ("stack", "relative"):
        return
    for trace in figure.data:
        if trace.type == "bar" and trace.textposition == "outside" and trace.text is not None:
            field = "x" if trace.orientation == "h" else "y"
        elif trace.type == "scatter" and trace.text is not None and "top" in str(trace.textposition):
            field = "y"
        else:
            continue
        values = pd.to_numeric(pd.Series(trace[field]), errors="coerce").dropna()
        axis = figure.layout.xaxis if field == "x" else figure.layout.yaxis
        if values.empty or values.max() <= 0 or (axis.range is not None and axis.range[1] is not None):
            continue
        top = float(values.max()) * 1.15
        (figure.update_xaxes if field == "x" else figure.update_yaxes)(range=[min(0.0, float(values.min())), top])


def _room_for_edge_labels(figure: go.Figure) -> None:
    """Margins for the threshold labels at the plot's edge (annotations do not push Plotly's margins)."""
    margin = figure.layout.margin
    for note in figure.layout.annotations:
        if note.xref == "paper" and note.x is not None and note.x >= 1 and note.xanchor == "left":
            margin.r = max(margin.r or 0, 14 * len(str(note.text)) + 16)
        if note.yref == "paper" and note.y is not None and note.y >= 1 and note.yanchor == "bottom":
            margin.t = max(margin.t or 0, (50 if figure.layout.title.text else 20) + 24)


def empty(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font={"size": 16, "color": GRAY})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return themed(figure, height=200)


def threshold_line(figure: go.Figure, value: float, text: str, axis: str = "x", color: str = RED) -> go.Figure:
    """A dashed reference line whose label sits at the plot's edge (top for x, right for y).

    At the edge it cannot land on a bar's value label, as "20万" once did on "15.60".
    """
    line = {"color": color, "dash": "dash", "width": 1}
    under = {"layer": "below", "line": line}  # under the bars, so a value label it crosses stays on top
    label = {"text": text, "showarrow": False, "font": {"color": color, "size": 13}}
    if axis == "x":
        figure.add_shape(type="line", x0=value, x1=value, y0=0, y1=1, xref="x", yref="paper", **under)
        figure.add_annotation(x=value, y=1, xref="x", yref="paper", xanchor="center", yanchor="bottom", **label)
    else:
        figure.add_shape(type="line", x0=0, x1=1, y0=value, y1=value, xref="paper", yref="y", **under)
        figure.add_annotation(x=1, y=value, xref="paper", yref="y", xanchor="left", yanchor="middle", **label)
    return figure


# ---- the hall's big screen (大屏) -----------------------------------------------------------------

DARK_PAPER = "#0e1b2c"
DARK_INK = "#e8edf3"
DARK_MUTED = "#a9b6c6"
DARK_GRID = "#26394f"


def on_dark(figure: go.Figure) -> go.Figure:
    """A copy of a themed figure for the 大屏's dark background (the shared original stays as it is)."""
    dark = go.Figure(figure)
    dark.update_layout(
        paper_bgcolor=DARK_PAPER,
        plot_bgcolor=DARK_PAPER,
        font_color=DARK_INK,
        legend_font_color=DARK_INK,
        hoverlabel={"bgcolor": DARK_PAPER, "font": {"color": DARK_INK}},
    )
    axes = {
        "gridcolor": DARK_GRID,
        "zerolinecolor": DARK_GRID,
        "tickfont_color": DARK_MUTED,
        "title_font_color": DARK_MUTED,
    }
    dark.update_xaxes(**axes)
    dark.update_yaxes(**axes)
    # labels beside or above the bars are drawn in the ink colour; inside a coloured bar white reads best
    for trace in dark.data:
        if trace.type in ("bar", "scatter", "funnel") and trace.textposition != "inside":
            trace.textfont.color = DARK_INK
        if trace.type == "pie":
            trace.outsidetextfont.color = DARK_INK
    return dark
