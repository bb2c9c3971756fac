"""Any query result as a chart (自助查询): a chart kind, an x, a value column or a count of rows."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from village_stats.chart_rules import bars_height, orientation_for
from village_stats.chart_theme import PALETTE, empty, themed

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
