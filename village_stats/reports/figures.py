"""A report chart as a Plotly figure, for the 汇报导出 preview, 汇报模式 and the wall."""

from __future__ import annotations

import plotly.graph_objects as go

from village_stats import charts
from village_stats.reports.layout import dot_axis, value_label
from village_stats.reports.model import Chart

# units of things counted: their zero matters, so their bars stay bars however close the counts
COUNT_UNITS = frozenset({"个", "单", "件", "件次", "人次", "名", "条", "条/起", "人"})


def _dots(chart: Chart) -> bool:
    """One series of a measure (not a count) far from zero: charts.marks_for says dots."""
    return (
        chart.kind in ("column", "bar")
        and len(chart.series) == 1
        and chart.unit not in COUNT_UNITS
        and charts.marks_for(list(chart.series[0].values)) == "dots"
    )


def _horizontal(chart: Chart) -> bool:
    """Bars, and columns of more than 12 categories: 25 village names never run together under columns."""
    columns = chart.kind in ("column", "stacked_column")
    return chart.kind == "bar" or (columns and charts.orientation_for(len(chart.categories)) == "h")


def figure(chart: Chart, font_size: int = 14, height: int = 420, title: str | None = None) -> go.Figure:
    """The slide's chart as a Plotly figure in the dashboard's style (the same numbers as the PPTX).

    The unit is in the chart's title; a vertical axis gets no title of its own
    (Plotly turns a Chinese axis title on its side).
    """
    fig = go.Figure()
    if chart.kind == "bar":
        height = max(height, 26 * len(chart.categories) + 100)  # a legible row per name, however many
    if chart.kind in ("doughnut", "pie"):
        fig.add_trace(
            go.Pie(
                labels=list(chart.categories),
                values=list(chart.series[0].values),
                hole=0.5 if chart.kind == "doughnut" else 0,
                sort=False,
                direction="clockwise",
                textposition="outside",
                automargin=True,
                texttemplate="%{label}<br>%{value}（%{percent:.1%}）",
                marker={"colors": list(chart.point_colors or charts.PALETTE)},
                hovertemplate=f"%{{label}}：%{{value}}{chart.unit}<extra></extra>",
            )
        )
        fig.update_layout(showlegend=False)
    elif chart.kind in ("line", "dots"):
        for s in chart.series:
            fig.add_trace(
                go.Scatter(
                    x=list(chart.categories),
                    y=list(s.values),
                    name=s.name,
                    mode="lines+markers+text" if chart.kind == "line" else "markers+text",
                    text=[value_label(v, chart.number_format) for v in s.values],
                    textposition="top center",
                    cliponaxis=False,
                    line={"color": s.color, "width": 3},
                    marker={"size": 9 if chart.kind == "line" else 16, "color": s.color},
                    hovertemplate=f"%{{x}} {s.name}：%{{y}}{chart.unit}<extra></extra>",
                )
            )
    elif _dots(chart):
        # 积分 77–79: bars from zero would all look alike; dots on an axis that spans the values
        values = list(chart.series[0].values)
        fig.add_trace(
            go.Scatter(
                x=values,
                y=list(chart.categories),
                mode="markers+text",
                marker={"color": chart.series[0].color, "size": 14},
                text=[f"{v:g}" for v in values],
                textposition="middle right",
                cliponaxis=False,
                hovertemplate=f"%{{y}}：%{{x}}{chart.unit}<extra></extra>",
            )
        )
        low, high = min(values), max(values)
        pad = max(high - low, abs(high) * 0.01)
        fig.update_xaxes(range=[low - pad * 0.3, high + pad * 0.5], title_text=chart.unit, showgrid=True)
        fig.update_yaxes(autorange="reversed", showgrid=False)
    else:
        horizontal = _horizontal(chart)
        if horizontal:
            height = max(height, charts.bars_height(len(chart.categories)))
        for s in chart.series:
            color = list(chart.point_colors) if chart.point_colors and len(chart.series) == 1 else s.color
            fig.add_trace(
                go.Bar(
                    x=list(s.values) if horizontal else list(chart.categories),
                    y=list(chart.categories) if horizontal else list(s.values),
                    orientation="h" if horizontal else "v",
                    name=s.name,
                    marker_color=color,
                    text=[value_label(v, chart.number_format) if v else "" for v in s.values],
                    textposition="inside" if chart.kind == "stacked_column" else "outside",
                    insidetextanchor="middle",
                    textangle=0,
                    cliponaxis=False,
                    hovertemplate=f"%{{{'y' if horizontal else 'x'}}} {s.name}：%{{{'x' if horizontal else 'y'}}}"
                    f"{chart.unit}<extra></extra>",
                )
            )
        fig.update_layout(barmode="stack" if chart.kind == "stacked_column" else "group", legend_traceorder="normal")
        if horizontal:
            fig.update_xaxes(title_text=chart.unit)
            fig.update_yaxes(autorange="reversed")
        elif any("（" in c for c in chart.categories):  # 民意收集（条）: the unit on a line of its own
            names = list(chart.categories)
            fig.update_xaxes(tickvals=names, ticktext=[c.replace("（", "<br>（", 1) for c in names])
        fig.update_layout(showlegend=len(chart.series) > 1)
    charts.themed(fig, title, height=height)
    if chart.kind == "dots":
        low, high = dot_axis([v for s in chart.series for v in s.values])
        fig.update_yaxes(range=[low, high], title_text=f"纵轴自{low:g}{chart.unit}起")
    elif chart.kind not in ("doughnut", "pie"):
        # room above the tallest bar (or beside the longest) for its label
        stacked = chart.kind == "stacked_column"
        tops = [sum(values) for values in zip(*(s.values for s in chart.series), strict=True)] if stacked else []
        largest = max(tops or [v for s in chart.series for v in s.values] or [0]) or 1
        if not _dots(chart):
            value_axis = fig.update_xaxes if _horizontal(chart) else fig.update_yaxes
            value_axis(range=[0, largest * 1.15])
        # every name upright and every figure at the screen's size (never under 12 px)
        fig.update_traces(textfont={"size": font_size})
        fig.update_xaxes(tickfont={"size": max(font_size - 2, charts.MIN_FONT_PX)}, tickangle=0)
        fig.update_yaxes(tickfont={"size": max(font_size - 2, charts.MIN_FONT_PX)})
    if chart.unit in COUNT_UNITS:
        charts.zero_matters(fig)  # the funnel's 261 → 239 单: shares of the first step, bars from zero
    fig.update_layout(
        font={"size": font_size},
        legend={"font": {"size": font_size}},  # above the plot (charts.themed), never on an axis title
        margin={"l": 10, "r": 30, "t": 50 if title else 20, "b": 10},
    )
    return fig
