"""Query results → Plotly figures (pure; no Streamlit).

One theme for every chart: a restrained palette that survives a meeting-room
projector, a CJK font stack, 万元 on money axes and units in every hover text.
Figures are built with graph_objects: at a few thousand bars plotly.express
costs ten times as much to build and adds nothing here.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from village_stats import formatting

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


def _wan(values: pd.Series) -> list[float]:
    return [None if pd.isna(v) else float(Decimal(str(v)) / 10_000) for v in values]


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


def income_ranking(ranking: pd.DataFrame, thresholds_yuan: tuple[Decimal, ...], title: str | None = None) -> go.Figure:
    """Horizontal bars, highest first, coloured by tier, with the threshold lines labelled at the top edge."""
    rows = ranking.iloc[::-1]
    values = _wan(rows["total_income"])
    figure = go.Figure(
        go.Bar(
            x=values,
            y=rows["village"],
            orientation="h",
            marker_color=[TIER_COLORS.get(int(t), GRAY) for t in rows["tier"]],
            text=[f"{v:.2f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            customdata=rows["tier_label"],
            hovertemplate="%{y}<br>村集体经济总收入：%{x:.2f}万元<br>分档：%{customdata}<extra></extra>",
        )
    )
    lines = [float(v / 10_000) for v in thresholds_yuan]
    for line in lines:
        threshold_line(figure, line, f"{line:g}万")
    figure.update_xaxes(title_text="万元")
    themed(figure, title, height=bars_height(len(rows), minimum=180))
    zero_matters(figure)
    # every threshold line stays in view, and the longest bar's label inside the frame
    largest = max((v for v in values if v is not None), default=0)
    return figure.update_xaxes(range=[0, max([largest * 1.15, *(line * 1.05 for line in lines)])])


def tier_bars(tiers: pd.DataFrame, label: str, title: str | None = None) -> go.Figure:
    """Villages per tier (cumulative or bins), with the share in the label."""
    figure = go.Figure(
        go.Bar(
            x=tiers[label],
            y=tiers["villages"],
            marker_color=[TIER_COLORS.get(i, BLUE) for i in range(len(tiers))] if label == "bin_label" else BLUE,
            text=[
                f"{int(v)}个<br>{p:.1f}%" if not pd.isna(p) else f"{int(v)}个"
                for v, p in zip(tiers["villages"], tiers["share_pct"], strict=True)
            ],
            textposition="outside",
            textfont={"size": 14},
            cliponaxis=False,
            hovertemplate="%{x}：%{y}个村<extra></extra>",
        )
    )
    figure.update_yaxes(title_text="村数（个）", rangemode="tozero")
    figure.update_xaxes(tickangle=0)
    return themed(figure, title)


def tier_trend(trend: pd.DataFrame, title: str | None = None) -> go.Figure:
    figure = go.Figure()
    for index, (label, rows) in enumerate(trend.groupby("tier_label", sort=False)):
        figure.add_trace(
            go.Scatter(
                x=rows["year"].astype(str),
                y=rows["villages"],
                name=label,
                mode="lines+markers+text",
                text=rows["villages"],
                textposition="top center",
                line={"color": [BLUE, TEAL, NAVY][index % 3], "width": 3},
                hovertemplate=f"%{{x}}年 {label}：%{{y}}个村<extra></extra>",
            )
        )
    figure.update_yaxes(title_text="村数（个）", rangemode="tozero")
    # years are labels: as numbers plotly would write 2,021 and put ticks between years
    figure.update_xaxes(type="category")
    return themed(figure, title)


def investment_bars(
    frame: pd.DataFrame, category: str, title: str | None = None, horizontal: bool = False
) -> go.Figure:
    """计划总投资 and 已完成投资 side by side per category, in 万元, or 亿元 from 1亿 up."""
    labels = frame[category].astype(str)
    unit, divisor = money_axis_unit(frame["planned_investment"].max() if len(frame) else 0)
    horizontal = horizontal or orientation_for(len(frame)) == "h"
    figure = go.Figure()
    for column, name, color in (
        ("planned_investment", "计划总投资", NAVY),
        ("completed_investment", "已完成投资", TEAL),
    ):
        values = in_unit(frame[column], divisor)
        figure.add_trace(
            go.Bar(
                x=values if horizontal else labels,
                y=labels if horizontal else values,
                orientation="h" if horizontal else "v",
                name=name,
                marker_color=color,
                customdata=frame["projects"],
                hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{name}："
                f"%{{{'x' if horizontal else 'y'}:,.2f}}{unit}<br>项目：%{{customdata}}个<extra></extra>",
            )
        )
    figure.update_layout(barmode="group")
    (figure.update_xaxes if horizontal else figure.update_yaxes)(title_text=unit)
    if horizontal:
        figure.update_yaxes(autorange="reversed")
    # the page's title names the unit it expected; the data decides it
    shown = title.replace("万元", unit) if title else title
    return themed(figure, shown, height=bars_height(len(frame), minimum=360) if horizontal else 380)


def donut(frame: pd.DataFrame, label: str, value: str, unit: str, title: str | None = None) -> go.Figure:
    """Labels outside the ring, with room made for them: a thin slice (回乡创业) keeps its whole name."""
    figure = go.Figure(
        go.Pie(
            labels=frame[label],
            values=frame[value],
            hole=0.55,
            sort=False,
            textinfo="label+value",
            textposition="outside",
            automargin=True,
            marker={"colors": PALETTE},
            hovertemplate=f"%{{label}}：%{{value}}{unit}（%{{percent}}）<extra></extra>",
        )
    )
    figure.update_layout(showlegend=False)
    return themed(figure, title)


def star_distribution(distribution: pd.DataFrame, title: str | None = None) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=distribution["star_label"],
            y=distribution["units"],
            marker_color=[STAR_COLORS.get(int(s), GRAY) for s in distribution["stars"]],
            text=[f"{int(v)}个" for v in distribution["units"]],
            textposition="outside",
            hovertemplate="%{x}：%{y}个村(社区)<extra></extra>",
        )
    )
    figure.update_yaxes(title_text="村(社区)数（个）", rangemode="tozero")
    return themed(figure, title)


def star_grid(grid: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Village × year heat map of stars; 软弱涣散 marked with ▲."""
    table = grid.pivot(index="village", columns="year", values="stars")
    # strongest first, by the latest rating, then the one before
    table = table.sort_values(by=list(table.columns[::-1]), ascending=False, na_position="last")
    weak = grid.pivot(index="village", columns="year", values="weak").reindex_like(table)
    text = [
        ["" if pd.isna(s) else f"{int(s)}★" + (" ▲" if w is True else "") for s, w in zip(srow, wrow, strict=True)]
        for srow, wrow in zip(table.values, weak.values, strict=True)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=table.values,
            x=[f"{y}年" for y in table.columns],
            y=table.index,
            text=text,
            texttemplate="%{text}",
            colorscale=_star_scale(),
            zmin=-0.5,
            zmax=5.5,
            showscale=False,
            hovertemplate="%{y} %{x}：%{z}星<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    return themed(figure, title, height=max(360, 24 * len(table) + 80))


def _star_scale() -> list[list[object]]:
    """A stepped scale: each whole star count gets its own colour from STAR_COLORS."""
    scale: list[list[object]] = []
    for stars in range(6):
        color = STAR_COLORS[stars] if stars != 4 else "#f0c27a"
        scale += [[stars / 6, color], [(stars + 1) / 6, color]]
    return scale


def funnel(steps: pd.DataFrame, title: str | None = None) -> go.Figure:
    # the labels are written here: Plotly's own would say 1M and 900.365k at city scale
    counts = [int(n) for n in steps["tickets"]]
    first = counts[0] if counts else 0
    labels = [f"{formatting.count(n, '单')}<br>{formatting.share(n, first)}" for n in counts]
    figure = go.Figure(
        go.Funnel(
            y=steps["step_label"],
            x=counts,
            text=labels,
            texttemplate="%{text}",
            marker={"color": [NAVY, BLUE, TEAL, AMBER, "#c9a227"][: len(steps)]},
            hovertemplate="%{y}：%{x:,}单<extra></extra>",
        )
    )
    return themed(figure, title)


def monthly(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    figure = go.Figure()
    for kind, rows in frame.groupby("kind", sort=False):
        figure.add_trace(
            go.Bar(
                x=[f"{int(m)}月" for m in rows["month"]],
                y=rows["tickets"],
                name=str(kind),
                hovertemplate=f"%{{x}} {kind}：%{{y}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(categoryorder="array", categoryarray=[f"{m}月" for m in range(1, 13)])
    figure.update_yaxes(title_text="工单数", rangemode="tozero")
    return themed(figure, title)


def village_bars(
    frame: pd.DataFrame, value: str, label: str, unit: str, title: str | None = None, color: str = BLUE
) -> go.Figure:
    """A ranking, first at the top: bars, or dots on a zoomed axis when the values sit far from zero (积分 77–79)."""
    rows = frame.iloc[::-1]
    values = pd.to_numeric(rows[value], errors="coerce")
    dots = marks_for(values) == "dots"
    common = {
        "x": rows[value],
        "y": rows["village"],
        "text": rows[value],
        "cliponaxis": False,  # the label of the longest bar stays whole (77.0, not "77.")
        "hovertemplate": f"%{{y}}<br>{label}：%{{x}}{unit}<extra></extra>",
    }
    if dots:
        trace = go.Scatter(
            **common, mode="markers+text", marker={"color": color, "size": 12}, textposition="middle right"
        )
    else:
        trace = go.Bar(**common, orientation="h", marker_color=color, textposition="outside")
    figure = go.Figure(trace)
    figure.update_xaxes(title_text=f"{label}（{unit}）")
    themed(figure, title, height=bars_height(len(rows), minimum=320, chrome=80))
    if dots:  # the axis spans the values, with room for the labels right of the largest
        low, high = float(values.min()), float(values.max())
        pad = max(high - low, abs(high) * 0.01)
        figure.update_xaxes(range=[low - pad * 0.3, high + pad * 0.45], showgrid=True, gridcolor=GRID)
    return figure.update_layout(margin_r=60)  # room for the labels beyond the longest bar


def problem_status(sources: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Stacked bars per source (rows of problem_status_by_source): 已整改 / 整改中 / 未整改."""
    grouped = sources.set_index("source")
    figure = go.Figure()
    for column, name, color in (
        ("rectified", "已整改", TEAL),
        ("in_progress", "整改中", AMBER),
        ("not_started", "未整改", RED),
    ):
        figure.add_trace(
            go.Bar(
                x=grouped.index,
                y=grouped[column],
                name=name,
                marker_color=color,
                hovertemplate=f"%{{x}} {name}：%{{y}}条<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title_text="问题数（条）", rangemode="tozero")
    return themed(figure, title)


QUICK_KINDS = {"bar": "柱状图", "line": "折线图", "pie": "饼图", "scatter": "散点图", "treemap": "矩形树图"}
COUNT = "行数"  # the y axis when no value column is chosen: rows per x (and colour)


def quick_chart(
    frame: pd.DataFrame, kind: str, x: str, y: str | None = None, color: str | None = None, title: str | None = None
) -> go.Figure:
    """Any query result as a chart: `x` against `y` (None: the number of rows), one trace per `color` value."""
    if kind not in QUICK_KINDS:
        raise ValueError(f"unknown chart kind {kind!r}")
    if frame.empty:
        return empty("没有数据，无法作图")
    data = pd.DataFrame({"x": frame[x].reset_index(drop=True)})
    data["group"] = frame[color].astype(str).reset_index(drop=True) if color and kind != "pie" else ""
    if y is None:
        data["y"] = 1.0
        data = data.groupby(["group", "x"], sort=False, dropna=False, as_index=False)["y"].sum()
    else:
        data["y"] = pd.to_numeric(frame[y].reset_index(drop=True), errors="coerce").astype(float)
        if data["y"].isna().all():
            return empty(f"“{y}”列不是数字，请换一列作为数值")
    y_label = y or COUNT
    categorical = kind in ("bar", "pie", "treemap") or (kind == "line" and not _continuous(data["x"]))
    if kind == "line":
        data = data.sort_values("x", kind="stable")
    if categorical:
        data["x"] = data["x"].map(lambda v: "（空）" if pd.isna(v) else str(v))
    figure = go.Figure()
    if kind == "pie":
        figure.add_trace(
            go.Pie(
                labels=data["x"],
                values=data["y"].clip(lower=0),
                hole=0.45,
                marker={"colors": PALETTE},
                hovertemplate=f"{x}：%{{label}}<br>{y_label}：%{{value:,}}（%{{percent}}）<extra></extra>",
            )
        )
    elif kind == "treemap":
        figure.add_trace(_treemap(data, x, y_label))
    else:
        if kind == "bar" and orientation_for(data["x"].nunique()) == "h":
            return _ranked_bars(data, x, y_label, title, bool(color))
        for group, rows in data.groupby("group", sort=False):
            common = {"x": rows["x"], "y": rows["y"], "name": str(group) or y_label}
            hover = f"{x}：%{{x}}<br>{y_label}：%{{y:,}}<extra>{group}</extra>"
            if kind == "bar":
                figure.add_trace(go.Bar(**common, hovertemplate=hover))
            else:
                mode = "lines+markers" if kind == "line" else "markers"
                figure.add_trace(go.Scatter(**common, mode=mode, hovertemplate=hover))
        figure.update_layout(barmode="group", showlegend=bool(color))
        figure.update_xaxes(title_text=x, type="category" if categorical else None)
        figure.update_yaxes(title_text=y_label)
    return themed(figure, title, height=420)


def quick_defaults(frame: pd.DataFrame) -> tuple[str, str, str | None]:
    """The chart a query result starts with: (kind, x, y), y None for a count of rows.

    X is a text, date or year column that varies (years and dates draw a line, text
    bars); Y the first figure that is not a year. A result of numbers only is a scatter
    of the first two; text only, a bar of row counts.
    """
    names = list(frame.columns)
    varying = [n for n in names if frame[n].nunique(dropna=True) > 1]
    timeline = [n for n in names if pd.api.types.is_datetime64_any_dtype(frame[n]) or _years(frame[n])]
    text = [n for n in names if not pd.api.types.is_numeric_dtype(frame[n]) and n not in timeline]
    axes = [n for n in names if n in timeline or n in text]
    x = next((n for n in axes if n in varying), axes[0] if axes else None)
    figures = [n for n in names if pd.api.types.is_numeric_dtype(frame[n]) and n not in timeline and n != x]
    if x is None:  # numbers only
        x = names[0]
        y = next((n for n in figures if n != x), None)
        return ("scatter" if y else "bar"), x, y
    y = figures[0] if figures else None
    return ("line" if x in timeline else "bar"), x, y


def _years(values: pd.Series) -> bool:
    """Whole numbers that all read as years (2021 … 2024)."""
    numbers = values.dropna()
    return pd.api.types.is_integer_dtype(values) and not numbers.empty and bool(numbers.between(1900, 2100).all())


def _ranked_bars(data: pd.DataFrame, x: str, y_label: str, title: str | None, grouped: bool) -> go.Figure:
    """More than 12 bars: horizontal, largest total first, stacked by colour group, as tall as the rows."""
    order = data.groupby("x", sort=False)["y"].sum().sort_values(ascending=False, kind="stable").index
    figure = go.Figure()
    for group, rows in data.groupby("group", sort=False):
        hover = f"{x}：%{{y}}<br>{y_label}：%{{x:,}}<extra>{group}</extra>"
        figure.add_trace(
            go.Bar(x=rows["y"], y=rows["x"], orientation="h", name=str(group) or y_label, hovertemplate=hover)
        )
    figure.update_layout(barmode="stack", showlegend=grouped)
    figure.update_yaxes(title_text=x, type="category", categoryorder="array", categoryarray=list(order))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title_text=y_label)
    return themed(figure, title, height=bars_height(len(order)))


def _continuous(values: pd.Series) -> bool:
    """Dates and numbers that are not years: a line over them is drawn to scale."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if not pd.api.types.is_numeric_dtype(values):
        return False
    return not _years(values)


def _treemap(data: pd.DataFrame, x: str, y_label: str) -> go.Treemap:
    """Boxes per x, inside a box per colour group when there are groups; negative values cannot be drawn."""
    rows = data[data["y"] > 0]
    sums = rows.groupby(["group", "x"], sort=False, as_index=False)["y"].sum()
    ids, labels, parents, values = [], [], [], []
    if (sums["group"] != "").any():
        for group, total in sums.groupby("group", sort=False)["y"].sum().items():
            ids.append(f"g:{group}")
            labels.append(str(group))
            parents.append("")
            values.append(total)
    for row in sums.itertuples():
        ids.append(f"g:{row.group}/x:{row.x}")
        labels.append(row.x)
        parents.append(f"g:{row.group}" if row.group != "" else "")
        values.append(row.y)
    return go.Treemap(
        ids=ids,
        labels=labels,
        parents=parents,
        values=values,
        branchvalues="total",
        marker={"colors": [PALETTE[i % len(PALETTE)] for i in range(len(ids))]},
        hovertemplate=f"%{{label}}<br>{y_label}：%{{value:,}}<extra></extra>",
    )


# ---- the seed's other mechanisms -------------------------------------------------------------


def stacked_bars(
    frame: pd.DataFrame,
    x: str,
    series: str,
    value: str,
    unit: str,
    title: str | None = None,
    x_order: list[str] | None = None,
    horizontal: bool = False,
) -> go.Figure:
    """One bar per `x`, stacked by `series` (rows already aggregated by the query, in series order)."""
    figure = go.Figure()
    category, amount = ("y", "x") if horizontal else ("x", "y")
    for name in dict.fromkeys(frame[series]):
        rows = frame[frame[series] == name]
        bar = go.Bar(name=str(name), hovertemplate=f"%{{{category}}} {name}：%{{{amount}}}{unit}<extra></extra>")
        if horizontal:
            bar.update(x=rows[value], y=rows[x], orientation="h")
        else:
            bar.update(x=rows[x], y=rows[value])
        figure.add_trace(bar)
    figure.update_layout(barmode="stack")
    values_axis = figure.update_xaxes if horizontal else figure.update_yaxes
    values_axis(title_text=unit, rangemode="tozero")
    if x_order:
        category_axis = figure.update_yaxes if horizontal else figure.update_xaxes
        category_axis(categoryorder="array", categoryarray=x_order[::-1] if horizontal else x_order)
    height = max(320, 26 * frame[x].nunique() + 100) if horizontal else 380
    return themed(figure, title, height=height)


def monthly_values(frame: pd.DataFrame, value: str, unit: str, title: str | None = None) -> go.Figure:
    """Stacked monthly bars per `kind` (rows of a *_by_month query)."""
    months = frame.assign(month_label=[f"{int(m)}月" for m in frame["month"]])
    figure = stacked_bars(months, "month_label", "kind", value, unit, title, [f"{m}月" for m in range(1, 13)])
    return figure


def points_distribution(distribution: pd.DataFrame, threshold: Decimal, title: str | None = None) -> go.Figure:
    """Members per branch stacked by 10-point band: bands below the reminder line warm, the rest blues."""
    figure = stacked_bars(distribution, "village", "band_label", "members", "名", title, horizontal=True)
    starts = dict(zip(distribution["band_label"], distribution["band_start"], strict=False))
    high = [b for b in starts if starts[b] >= threshold]
    blues = ["#c6dbef", "#8fb8e8", BLUE, NAVY, "#0b2a4a"]
    for trace in figure.data:
        start = starts[trace.name]
        if start < threshold:
            trace.marker.color = RED if start + 10 <= threshold - 10 else AMBER
        else:
            trace.marker.color = blues[min(high.index(trace.name), len(blues) - 1)]
    figure.update_layout(legend={"traceorder": "normal"})
    return figure


def points_trend(trend: pd.DataFrame, threshold: Decimal, title: str | None = None) -> go.Figure:
    """One line per branch through the periods, with the reminder line."""
    figure = go.Figure()
    for village in dict.fromkeys(trend["village"]):
        rows = trend[trend["village"] == village]
        figure.add_trace(
            go.Scatter(
                x=rows["period"],
                y=[float(v) for v in rows["average_points"]],
                name=str(village),
                mode="lines+markers",
                hovertemplate=f"{village} %{{x}}：平均%{{y}}分<extra></extra>",
            )
        )
    threshold_line(figure, float(threshold), f"提醒线 {threshold}分", axis="y")
    figure.update_xaxes(type="category", categoryorder="category ascending")
    figure.update_yaxes(title_text="平均积分（分）")
    return themed(figure, title)


def studio_growth(growth: pd.DataFrame, target: int, deadline: object, title: str | None = None) -> go.Figure:
    """Studios built by each quarter's end, and the straight line from today's count to the target."""
    figure = go.Figure(
        go.Scatter(
            x=growth["quarter_end"],
            y=growth["studios"],
            name="已建成",
            mode="lines+markers",
            line={"shape": "hv", "color": NAVY, "width": 3},
            customdata=growth["quarter_label"],
            hovertemplate="%{customdata}末：%{y}个<extra></extra>",
        )
    )
    if not growth.empty:
        last = growth.iloc[-1]
        figure.add_trace(
            go.Scatter(
                x=[last["quarter_end"], deadline],
                y=[int(last["studios"]), target],
                name=f"按期建成{target}个所需进度",
                mode="lines+markers",
                line={"dash": "dash", "color": AMBER},
                hovertemplate="%{x|%Y-%m-%d}：%{y}个<extra></extra>",
            )
        )
    threshold_line(figure, target, f"目标 {target}个", axis="y", color=GRAY)
    figure.update_yaxes(title_text="书记工作室（个）", rangemode="tozero")
    figure.update_xaxes(tickformat="%Y年%-m月")  # not "Jan 2025": the axis speaks Chinese like the rest
    return themed(figure, title)


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


# ---- the chart rules, once --------------------------------------------------------------------
# Small pure functions the dashboard's builders, 汇报模式, the wall and the PPT charts all call,
# and `rule_breaks`, which checks a finished figure's JSON against them (tests walk every page).

MAX_COLUMNS = 12  # more names than this no longer fit side by side under columns on a 1366 screen
MIN_FONT_PX = 12
SMALL_SLICE = 0.05  # a slice this thin has no room for its label inside the ring
ROW_PX = 26  # one horizontal bar's row, name and label legible
YI = 100_000_000
WAN = 10_000
TOWN_LEVEL = "镇级项目"  # the 镇级 aggregate row of projects_by_village


def orientation_for(n_categories: int) -> str:
    """ "v" (columns) for up to 12 categories, "h" (sorted horizontal bars) beyond: names stay readable."""
    return "v" if n_categories <= MAX_COLUMNS else "h"


def bars_height(n_categories: int, minimum: int = 320, chrome: int = 100) -> int:
    """A horizontal bar chart's height: it grows with the rows, so 25 names never run together."""
    return max(minimum, ROW_PX * n_categories + chrome)


def money_axis_unit(max_yuan: object) -> tuple[str, int]:
    """("亿元", 1亿) from 1亿 up, else ("万元", 1万): an axis reads 4.0 亿元, never 40,000 万元."""
    largest = 0.0 if max_yuan is None or pd.isna(max_yuan) else abs(float(max_yuan))
    return ("亿元", YI) if largest >= YI else ("万元", WAN)


def in_unit(values: pd.Series | list, divisor: int) -> list[float | None]:
    """Yuan in 万元 or 亿元, exactly (Decimal), with missing values kept missing."""
    return [None if v is None or pd.isna(v) else float(Decimal(str(v)) / divisor) for v in values]


def marks_for(values: pd.Series | list) -> str:
    """ "bars", or "dots" when the values sit far from zero (积分 77–79): bars would all look the same length.

    Far from zero: the smallest value is more than four times the spread, so the differences would be
    the last fifth of each bar or less.
    """
    numbers = [float(v) for v in values if v is not None and not pd.isna(v)]
    if len(numbers) < 2 or min(numbers) <= 0:
        return "bars"
    low, high = min(numbers), max(numbers)
    return "dots" if low > 4 * (high - low) else "bars"


def slice_text_positions(values: pd.Series | list) -> list[str]:
    """Per slice, "inside" or "outside": a slice under 5% gets its label outside the ring."""
    numbers = [max(float(v), 0.0) if v is not None and not pd.isna(v) else 0.0 for v in values]
    total = sum(numbers) or 1.0
    return ["inside" if n / total >= SMALL_SLICE else "outside" for n in numbers]


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


def rule_breaks(figure: go.Figure | dict) -> list[str]:
    """The chart rules a figure breaks, in words; checked on its JSON, as the browser receives it."""
    if isinstance(figure, go.Figure):
        figure = json.loads(figure.to_json())
    layout = figure.get("layout", {})
    traces = figure.get("data", [])
    title = ((layout.get("title") or {}).get("text")) or "（无标题）"
    breaks = [
        *_small_fonts(figure),
        *_crowded_columns(traces, layout),
        *_money_in_wan(traces, layout),
        *_bars_far_from_zero(traces, layout),
        *_small_slices_inside(traces),
        *_town_level_beside_villages(traces),
        *_threshold_labels_inside(layout),
        *_axis_title_on_legend(traces, layout),
        *_labels_outside_frame(traces, layout),
    ]
    return [f"{title}: {b}" for b in breaks]


def _small_fonts(node: object, path: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict):
                sizes = value.get("size")
                for size in sizes if isinstance(sizes, list) else [sizes]:
                    if isinstance(size, int | float) and size < MIN_FONT_PX:
                        found.append(f"{path}{key}.size {size} < {MIN_FONT_PX}px")
            found += _small_fonts(value, f"{path}{key}.")
    elif isinstance(node, list):
        for item in node:
            found += _small_fonts(item, path)
    return found


def _bar_axes(trace: dict) -> tuple[str, str]:
    """(category field, value field) of a bar trace."""
    return ("y", "x") if trace.get("orientation") == "h" else ("x", "y")


def _decoded(values: object) -> list:
    """A trace field as a list, whether JSON or Plotly's typed array ({"dtype", "bdata"})."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return values if isinstance(values, list) else []


def _numbers(values: object) -> list[float]:
    return [float(v) for v in _decoded(values) if isinstance(v, int | float) and not isinstance(v, bool) and v == v]


def _axis(layout: dict, trace: dict, field: str) -> dict:
    ref = trace.get(f"{field}axis", field)
    return layout.get(f"{field}axis{ref[1:]}", {}) or {}


def _axis_title(axis: dict) -> str:
    title = axis.get("title") or {}
    return (title.get("text") if isinstance(title, dict) else str(title)) or ""


def _crowded_columns(traces: list[dict], layout: dict) -> list[str]:
    bars = [t for t in traces if t.get("type") == "bar"]
    if not bars:
        return []
    category, value = _bar_axes(bars[0])
    names = list(dict.fromkeys(n for t in bars for n in (t.get(category) or [])))
    if len(names) <= MAX_COLUMNS:
        return []
    if category == "x":
        return [f"{len(names)} categories drawn as columns; more than {MAX_COLUMNS} must be horizontal bars"]
    found = []
    if (layout.get("height") or 450) < ROW_PX * len(names) * 0.9:
        found.append(f"{len(names)} horizontal bars in {layout.get('height')}px: the height must grow with the rows")
    stacked = layout.get("barmode") in ("stack", "relative")
    order = _category_order(layout, bars[0], category, names)
    totals = dict.fromkeys(order, 0.0)
    for trace in bars if stacked else bars[:1]:
        for name, amount in zip(_decoded(trace.get(category)), _decoded(trace.get(value)), strict=False):
            if isinstance(amount, int | float) and amount == amount and name in totals:
                totals[name] += amount
    sequence = list(totals.values())
    if sequence != sorted(sequence) and sequence != sorted(sequence, reverse=True):
        found.append(f"{len(names)} horizontal bars not sorted by value")
    return found


def _category_order(layout: dict, trace: dict, category: str, names: list) -> list:
    axis = _axis(layout, trace, category)
    if axis.get("categoryorder") == "array" and axis.get("categoryarray"):
        return [n for n in axis["categoryarray"] if n in set(names)]
    return names


def _money_in_wan(traces: list[dict], layout: dict) -> list[str]:
    found = []
    for trace in traces:
        for field in ("x", "y"):
            if "万元" not in _axis_title(_axis(layout, trace, field)):
                continue
            largest = max((abs(v) for v in _numbers(trace.get(field))), default=0)
            if largest >= YI / WAN:
                found.append(f"{field} axis in 万元 reaches {largest:,.0f}: from 1亿 it must read 亿元")
    return found


def zero_matters(figure: go.Figure) -> go.Figure:
    """Marks bars whose length from zero is the point however close the values: counts (工单 along a
    funnel: shares of the first step) and amounts read against threshold lines (村财 and its 20/50/100万)."""
    meta = figure.layout.meta if isinstance(figure.layout.meta, dict) else {}
    return figure.update_layout(meta={**meta, "zero_matters": True})


def _bars_far_from_zero(traces: list[dict], layout: dict) -> list[str]:
    if layout.get("barmode") in ("stack", "relative") or (layout.get("meta") or {}).get("zero_matters"):
        return []
    found = []
    for trace in traces:
        if trace.get("type") != "bar":
            continue
        values = _numbers(trace.get(_bar_axes(trace)[1]))
        if marks_for(values) == "dots":
            found.append(f"bars from zero for values {min(values):g}–{max(values):g}: draw dots instead")
    return found


def _small_slices_inside(traces: list[dict]) -> list[str]:
    found = []
    for trace in traces:
        if trace.get("type") != "pie" or trace.get("textinfo") == "none":
            continue
        values = _numbers(trace.get("values"))
        positions = trace.get("textposition", "auto")
        positions = positions if isinstance(positions, list) else [positions] * len(values)
        total = sum(values) or 1
        for label, value, position in zip(trace.get("labels") or [], values, positions, strict=False):
            if value / total < SMALL_SLICE and position in ("inside", "auto"):
                found.append(f"slice {label} ({value / total:.1%}) labelled inside: under 5% goes outside")
        if {"outside", "auto"} & set(positions) and not trace.get("automargin"):
            found.append("labels outside the ring without automargin: they are clipped at the frame")
    return found


def _town_level_beside_villages(traces: list[dict]) -> list[str]:
    for trace in traces:
        if trace.get("type") not in ("bar", "scatter"):
            continue
        names = [n for field in ("x", "y") for n in (trace.get(field) or []) if isinstance(n, str)]
        if TOWN_LEVEL in names and len(set(names)) > 1:
            return [f"{TOWN_LEVEL} shares an axis with villages: it gets its own card"]
    return []


def _threshold_labels_inside(layout: dict) -> list[str]:
    """A label that belongs to a reference line must sit outside the plot area, where no value label is."""
    if not layout.get("shapes"):
        return []
    found = []
    for note in layout.get("annotations") or []:
        xref, yref = note.get("xref", "x"), note.get("yref", "y")
        above = yref in ("paper", "y domain") and note.get("y", 0) >= 1 and note.get("yanchor") == "bottom"
        beside = xref in ("paper", "x domain") and note.get("x", 0) >= 1 and note.get("xanchor") == "left"
        if not (above or beside):
            found.append(f"threshold label {note.get('text')!r} inside the plot, where value labels are")
    return found


def _legend_shown(traces: list[dict], layout: dict) -> bool:
    if layout.get("showlegend") is False:
        return False
    shown = [t for t in traces if t.get("showlegend") is not False and t.get("type") != "pie"]
    return len(shown) > 1 or any(t.get("showlegend") is True for t in traces)


def _axis_title_on_legend(traces: list[dict], layout: dict) -> list[str]:
    if not _legend_shown(traces, layout):
        return []
    legend = layout.get("legend") or {}
    if legend.get("y", 1) >= 0:
        return []
    if _axis_title(layout.get("xaxis") or {}):
        return ["legend below the plot, on the x axis title"]
    return []


def _labels_outside_frame(traces: list[dict], layout: dict) -> list[str]:
    """Labels above (or beyond) the largest bar need room inside the value axis, or they are cut off."""
    if layout.get("barmode") in ("stack", "relative"):
        return []
    found = []
    for trace in traces:
        outside = trace.get("textposition") == "outside" or (
            trace.get("type") == "scatter"
            and "text" in str(trace.get("mode"))
            and "top" in str(trace.get("textposition"))
        )
        if not outside or not trace.get("text"):
            continue
        field = _bar_axes(trace)[1] if trace.get("type") == "bar" else "y"
        largest = max(_numbers(trace.get(field)), default=0)
        axis_range = _axis(layout, trace, field).get("range")
        # room of 8% of the axis' span above the largest value (an axis from zero: 1.08 × the largest)
        low = axis_range[0] if axis_range and axis_range[0] is not None else 0
        needed = largest + (largest - low) * 0.08
        if largest > 0 and not (axis_range and axis_range[1] is not None and axis_range[1] >= needed):
            found.append(f"value labels beyond the largest value {largest:g} with no room left on the {field} axis")
    return found
