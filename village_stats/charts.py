"""Query results → Plotly figures (pure; no Streamlit).

One theme for every chart: a restrained palette that survives a meeting-room
projector, a CJK font stack, 万元 on money axes and units in every hover text.
Figures are built with graph_objects: at a few thousand bars plotly.express
costs ten times as much to build and adds nothing here.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from village_stats import formatting
from village_stats.chart_rules import (
    MAX_COLUMNS,
    MIN_FONT_PX,
    ROW_PX,
    SMALL_SLICE,
    TOWN_LEVEL,
    WAN,
    YI,
    bars_height,
    in_unit,
    marks_for,
    money_axis_unit,
    orientation_for,
    rule_breaks,
    slice_text_positions,
    zero_matters,
)
from village_stats.chart_theme import (
    AMBER,
    BLUE,
    DARK_GRID,
    DARK_INK,
    DARK_MUTED,
    DARK_PAPER,
    FONT,
    GRAY,
    GRID,
    INK,
    LEGEND_LINE_PX,
    MUTED,
    NAVY,
    PALETTE,
    RED,
    STAR_COLORS,
    TEAL,
    TIER_COLORS,
    as_text,
    empty,
    on_dark,
    themed,
    threshold_line,
)
from village_stats.quick_charts import COUNT, QUICK_KINDS, quick_chart, quick_defaults

# the builders below are re-exported with the theme, the rules and the quick charts: pages, reports and
# tests keep writing charts.themed, charts.MAX_COLUMNS, charts.quick_chart
__all__ = [
    "AMBER",
    "BLUE",
    "COUNT",
    "DARK_GRID",
    "DARK_INK",
    "DARK_MUTED",
    "DARK_PAPER",
    "FONT",
    "GRAY",
    "GRID",
    "INK",
    "LEGEND_LINE_PX",
    "MAX_COLUMNS",
    "MIN_FONT_PX",
    "MONTHS",
    "MUTED",
    "NAVY",
    "PALETTE",
    "QUICK_KINDS",
    "RED",
    "ROW_PX",
    "SMALL_SLICE",
    "STAR_COLORS",
    "TEAL",
    "TIER_COLORS",
    "TOWN_LEVEL",
    "WAN",
    "YI",
    "as_text",
    "bars_height",
    "donut",
    "empty",
    "funnel",
    "in_unit",
    "income_ranking",
    "investment_bars",
    "marks_for",
    "money_axis_unit",
    "monthly",
    "monthly_values",
    "on_dark",
    "orientation_for",
    "points_distribution",
    "points_trend",
    "problem_status",
    "quick_chart",
    "quick_defaults",
    "rule_breaks",
    "slice_text_positions",
    "stacked_bars",
    "star_distribution",
    "star_grid",
    "studio_growth",
    "themed",
    "threshold_line",
    "tier_bars",
    "tier_trend",
    "village_bars",
    "zero_matters",
]

MONTHS = [f"{m}月" for m in range(1, 13)]


def _month_labels(months: pd.Series) -> list[str]:
    return [f"{int(m)}月" for m in months]


def income_ranking(ranking: pd.DataFrame, thresholds_yuan: tuple[Decimal, ...], title: str | None = None) -> go.Figure:
    """Horizontal bars, highest first, coloured by tier, with the threshold lines labelled at the top edge."""
    rows = ranking.iloc[::-1]
    values = in_unit(rows["total_income"], WAN)
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
                x=_month_labels(rows["month"]),
                y=rows["tickets"],
                name=str(kind),
                hovertemplate=f"%{{x}} {kind}：%{{y}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(categoryorder="array", categoryarray=MONTHS)
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
    height = bars_height(frame[x].nunique()) if horizontal else 380
    return themed(figure, title, height=height)


def monthly_values(frame: pd.DataFrame, value: str, unit: str, title: str | None = None) -> go.Figure:
    """Stacked monthly bars per `kind` (rows of a *_by_month query)."""
    months = frame.assign(month_label=_month_labels(frame["month"]))
    return stacked_bars(months, "month_label", "kind", value, unit, title, MONTHS)


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
