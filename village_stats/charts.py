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
        "tickfont": {"size": 12, "color": MUTED},
        "title": {"font": {"size": 14, "color": MUTED}, "standoff": 16},
    }
    # gridlines across the values only, as the dashboard has always drawn them
    figure.update_xaxes(**axes, showgrid=False, zeroline=False)
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
    # years are labels: as numbers plotly would write 2,021 and put ticks between years
    figure.update_xaxes(type="category")
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
    rows = frame.iloc[::-1]
    figure = go.Figure(
        go.Bar(
            x=rows[value],
            y=rows["village"],
            orientation="h",
            marker_color=color,
            text=rows[value],
            textposition="outside",
            cliponaxis=False,  # the label of the longest bar stays whole (77.0, not "77.")
            hovertemplate=f"%{{y}}<br>{label}：%{{x}}{unit}<extra></extra>",
        )
    )
    figure.update_xaxes(title_text=f"{label}（{unit}）")
    themed(figure, title, height=max(320, 24 * len(rows) + 80))
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
    figure.add_hline(
        y=float(threshold),
        line={"color": RED, "dash": "dot", "width": 1},
        annotation_text=f"提醒线 {threshold}分",
        annotation_position="bottom right",
    )
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
    figure.add_hline(y=target, line={"color": GRAY, "dash": "dot", "width": 1}, annotation_text=f"目标 {target}个")
    figure.update_yaxes(title_text="书记工作室（个）", rangemode="tozero")
    figure.update_xaxes(tickformat="%Y年%-m月")  # not "Jan 2025": the axis speaks Chinese like the rest
    return themed(figure, title)
