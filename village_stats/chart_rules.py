"""The chart rules, once: what every chart on a page, on 汇报模式, on the wall and in the PPT keeps to.

Small pure functions the builders call (columns or bars, a bar chart's height, 万元 or
亿元, bars or dots, where a slice's label goes) and `rule_breaks`, which checks a
finished figure's JSON against them (tests walk every figure of every page with it).
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

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


def zero_matters(figure: go.Figure) -> go.Figure:
    """Marks bars whose length from zero is the point however close the values: counts (工单 along a
    funnel: shares of the first step) and amounts read against threshold lines (村财 and its 20/50/100万)."""
    meta = figure.layout.meta if isinstance(figure.layout.meta, dict) else {}
    return figure.update_layout(meta={**meta, "zero_matters": True})


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
