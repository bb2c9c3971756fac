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

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei", sans-serif'
INK = "#1f2933"
GRID = "#e4e7eb"
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


def themed(figure: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """The house style; every chart goes through here."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17}} if title else None,
        font={"family": FONT, "size": 14, "color": INK},
        colorway=PALETTE,
        height=height,
        margin={"l": 10, "r": 20, "t": 50 if title else 20, "b": 10},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT, "size": 14}},
        legend={"orientation": "h", "y": -0.15, "x": 0, "font": {"size": 13}},
        separators=".,",
    )
    # Chinese readers expect 40,000 rather than 40k
    axes = {
        "gridcolor": GRID,
        "zerolinecolor": GRID,
        "automargin": True,
        "exponentformat": "none",
        "separatethousands": True,
    }
    figure.update_xaxes(**axes)
    figure.update_yaxes(**axes)
    return figure


def empty(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font={"size": 16, "color": GRAY})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return themed(figure, height=200)


def income_ranking(ranking: pd.DataFrame, thresholds_yuan: tuple[Decimal, ...], title: str | None = None) -> go.Figure:
    """Horizontal bars, highest first, coloured by tier, with the threshold lines."""
    rows = ranking.iloc[::-1]
    figure = go.Figure(
        go.Bar(
            x=_wan(rows["total_income"]),
            y=rows["village"],
            orientation="h",
            marker_color=[TIER_COLORS.get(int(t), GRAY) for t in rows["tier"]],
            text=[f"{v:.2f}" for v in _wan(rows["total_income"])],
            textposition="outside",
            customdata=rows["tier_label"],
            hovertemplate="%{y}<br>村集体经济总收入：%{x:.2f}万元<br>分档：%{customdata}<extra></extra>",
        )
    )
    for value in thresholds_yuan:
        line = float(value / 10_000)
        figure.add_vline(
            x=line,
            line_dash="dash",
            line_color=RED,
            line_width=1,
            annotation_text=f"{line:g}万",
            annotation_position="bottom right",
            annotation_font_color=RED,
        )
    figure.update_xaxes(title_text="万元")
    figure.update_traces(cliponaxis=False)
    return themed(figure, title, height=max(180, 24 * len(rows) + 100))


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
    return themed(figure, title)


def investment_bars(
    frame: pd.DataFrame, category: str, title: str | None = None, horizontal: bool = False
) -> go.Figure:
    """计划总投资 and 已完成投资 side by side per category, in 万元."""
    labels = frame[category].astype(str)
    figure = go.Figure()
    for column, name, color in (
        ("planned_investment", "计划总投资", NAVY),
        ("completed_investment", "已完成投资", TEAL),
    ):
        values = _wan(frame[column])
        figure.add_trace(
            go.Bar(
                x=values if horizontal else labels,
                y=labels if horizontal else values,
                orientation="h" if horizontal else "v",
                name=name,
                marker_color=color,
                customdata=frame["projects"],
                hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{name}：%{{{'x' if horizontal else 'y'}:,.2f}}万元"
                "<br>项目：%{customdata}个<extra></extra>",
            )
        )
    figure.update_layout(barmode="group")
    (figure.update_xaxes if horizontal else figure.update_yaxes)(title_text="万元")
    if horizontal:
        figure.update_yaxes(autorange="reversed")
    return themed(figure, title, height=max(360, 28 * len(frame) + 100) if horizontal else 380)


def donut(frame: pd.DataFrame, label: str, value: str, unit: str, title: str | None = None) -> go.Figure:
    figure = go.Figure(
        go.Pie(
            labels=frame[label],
            values=frame[value],
            hole=0.55,
            sort=False,
            textinfo="label+value",
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
    figure = go.Figure(
        go.Funnel(
            y=steps["step_label"],
            x=steps["tickets"],
            textinfo="value+percent initial",
            marker={"color": [NAVY, BLUE, TEAL, AMBER, "#c9a227"][: len(steps)]},
            hovertemplate="%{y}：%{x}单<extra></extra>",
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
    rows = frame.iloc[::-1]
    figure = go.Figure(
        go.Bar(
            x=rows[value],
            y=rows["village"],
            orientation="h",
            marker_color=color,
            text=rows[value],
            textposition="outside",
            hovertemplate=f"%{{y}}<br>{label}：%{{x}}{unit}<extra></extra>",
        )
    )
    figure.update_xaxes(title_text=f"{label}（{unit}）")
    return themed(figure, title, height=max(320, 24 * len(rows) + 80))


def problem_status(sources: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Stacked bars per source: 已整改 / 整改中 / 未整改."""
    grouped = sources.groupby("source", sort=False)[["rectified", "in_progress", "not_started"]].sum()
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
