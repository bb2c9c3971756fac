"""Layout rules shared by the Plotly figures and the native PowerPoint charts."""

from __future__ import annotations


def value_label(value: float, number_format: str) -> str:
    """A bar's or dot's figure with the decimals of the chart's number format ("0.00" → 15.60)."""
    places = len(number_format.partition(".")[2])
    return f"{value:.{places}f}"


def dot_axis(values: list[float]) -> tuple[float, float]:
    """A dot plot's axis: whole numbers a little beyond the values, so no dot sits on the frame."""
    import math

    low, high = min(values), max(values)
    pad = max(1.0, (high - low) * 0.5)
    return float(math.floor(low - pad)), float(math.ceil(high + pad))
