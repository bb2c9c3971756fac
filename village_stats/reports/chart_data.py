"""Each section's charts as a slide embeds them (categories, series, unit) and the one-line takeaway
that goes with each: the same numbers on the slide, in the preview and in 汇报模式."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from village_stats import charts, narrative
from village_stats import formatting as fmt
from village_stats.mechanisms import about, period_label, studio_goal
from village_stats.reports.model import Chart, Results, Series, figure_in, missing, money_unit, wan_figure
from village_stats.settings import Settings


def _grew(first: int, last: int) -> str:
    return "增至" if last > first else ("减至" if last < first else "保持在")


def slide_charts(year: int, r: Results, settings: Settings) -> list[Chart]:
    found: list[tuple[str, Chart | None]] = [
        ("income", _income_bins(r("bins"), r("income"), r("income_previous"))),
        ("income", _income_trend(year, r("trend"))),
        ("income", _income_ranking(r("ranking"), r("income"), settings)),
        ("projects", _project_arenas(r("arenas"), r("projects"))),
        ("projects", _project_status(r("status"))),
        ("stars", _star_distribution(r("distribution"), r("stars"))),
        ("tickets", _ticket_funnel(r("funnel"), r("resolution"))),
        ("tickets", _ticket_kinds(r("tickets"), settings)),
        ("problems", _problem_sources(r("problem_sources"), r("problems"))),
        ("points", _points_branches(r("points_branches"), r("points"), settings)),
        ("studios", _studio_growth(year, r("studio_growth"), r("studios"), settings)),
        ("sages", _sage_kinds(r("sage_kinds"), r("sages"))),
        ("cadres", _cadre_ages(r("cadre_ages"), r("cadres"))),
    ]
    return [replace(chart, domain=domain) for domain, chart in found if chart is not None]


def _one_series(
    key: str,
    title: str,
    kind: str,
    categories: Iterable[object],
    name: str,
    values: Iterable[object],
    unit: str,
    takeaway: str,
    colors: Iterable[str] | None = None,
) -> Chart:
    """A chart of one series: the categories as text, the values as numbers, a colour per point if given."""
    labels, points = tuple(str(c) for c in categories), tuple(float(v) for v in values)
    shown = None if colors is None else tuple(colors)
    return Chart(key, title, kind, labels, (Series(name, points),), unit, takeaway, point_colors=shown)


def _palette(count: int) -> list[str]:
    """The palette's colours in turn, one per category: for categories with no colour of their own."""
    return [charts.PALETTE[i % len(charts.PALETTE)] for i in range(count)]


def _unit_labels(frame: pd.DataFrame) -> list[str]:
    """Unit names for a slide: 镇·村 when the rows span towns (names repeat across towns)."""
    if "town" in frame.columns and frame["town"].nunique() > 1:
        return [f"{t}·{v}" for t, v in zip(frame["town"], frame["village"], strict=True)]
    return [str(v) for v in frame["village"]]


def _points_branches(branches: pd.DataFrame, summary: pd.DataFrame, settings: Settings) -> Chart | None:
    """Each branch's average as a dot on an axis around the values: the averages sit within a few
    points of each other (77–79), where bars from zero would all look the same length."""
    if branches.empty or summary.empty or int(summary["members"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    latest = period_label(str(row["latest_period"]))
    labels = _unit_labels(branches)
    threshold = fmt.to_decimal(settings.points_low_threshold).normalize()
    takeaway = (
        f"{latest}{int(row['members'])}名党员平均积分{fmt.to_decimal(row['latest_average']).normalize():f}分，"
        f"{fmt.short_name(labels[0])}最高（{fmt.to_decimal(branches['average_points'].iloc[0]).normalize():f}分）；"
        f"低于{threshold:f}分的{int(row['low_members'])}名"
    )
    title = f"{latest}各支部平均积分（分）"
    if len(branches) > charts.MAX_COLUMNS:
        # a county or city: the best dozen (the query orders by average); the rest are in the workbook
        branches, labels = branches.head(charts.MAX_COLUMNS), labels[: charts.MAX_COLUMNS]
        title = f"{latest}平均积分最高的{charts.MAX_COLUMNS}个支部（分）"
    values = tuple(float(v) for v in branches["average_points"])
    kind = "dots" if charts.marks_for(values) == "dots" else "column"  # the 积分 page's own rule
    return Chart(
        key="points_branches",
        title=title,
        kind=kind,
        categories=tuple(labels),
        series=(Series("平均积分", values, charts.NAVY),),
        unit="分",
        takeaway=takeaway,
        number_format="0.0",
    )


SAGE_UNITS = {"民意收集": "条", "矛盾调解": "起"}  # the rest are 项 (献言献策, 政策宣传, 回乡创业)


def _sage_kinds(kinds: pd.DataFrame, summary: pd.DataFrame) -> Chart | None:
    """Each kind beside the others with its own unit (条 of opinions, 起 of disputes): never added up."""
    if kinds.empty or summary.empty or int(summary["activities"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    takeaway = (
        f"收集村情民意{about(int(row['opinions']), '条')}，化解矛盾纠纷{about(int(row['disputes']), '起')}，"
        f"参与乡贤{int(row['sages'])}名"
    )
    names = [f"{k}（{SAGE_UNITS.get(str(k), '项')}）" for k in kinds["kind"]]
    title = "乡贤参与事项（各按其单位）"
    return _one_series(
        "sage_kinds", title, "column", names, "数量", kinds["quantity"], "条/起/项", takeaway, _palette(len(kinds))
    )


def _studio_growth(year: int, growth: pd.DataFrame, coverage: pd.DataFrame, settings: Settings) -> Chart | None:
    """Studios built by each year's end, beside the target: how far the town still has to go."""
    if growth.empty or coverage.empty or int(coverage["studios"].iloc[0]) == 0:
        return None
    row = coverage.iloc[0]
    ends = growth[growth["quarter_end"].map(lambda d: pd.Timestamp(d).year) <= year]
    by_year = ends.groupby(ends["quarter_end"].map(lambda d: pd.Timestamp(d).year))["studios"].last()
    goal = studio_goal(settings.studio_target, row["town_units"])
    studios = int(row["studios"])
    categories = [f"{y}年底" for y in by_year.index] + [f"{settings.studio_deadline.year}年目标"]
    values = [float(v) for v in by_year] + [float(goal)]
    takeaway = f"已建成书记工作室{studios}个，覆盖率{fmt.pct(row['coverage_pct'])}"
    takeaway += f"，距目标还差{goal - studios}个" if goal > studios else "，已达到目标"
    return Chart(
        key="studio_growth",
        title="书记工作室建成数与目标（个）",
        kind="column",
        categories=tuple(categories),
        series=(Series("工作室数", tuple(values)),),
        unit="个",
        takeaway=takeaway,
        point_colors=tuple([charts.NAVY] * len(by_year) + [charts.GRAY]),
    )


def _cadre_ages(ages: pd.DataFrame, summary: pd.DataFrame) -> Chart | None:
    """两委 and 后备 cadres by age band, side by side (人)."""
    if ages.empty or summary.empty or int(summary["cadres"].iloc[0]) == 0:
        return None
    bands = list(dict.fromkeys(ages.sort_values("band_order")["age_band"]))
    series = []
    for role, color in (("两委干部", charts.NAVY), ("后备干部", charts.TEAL)):
        rows = ages[ages["role"] == role]
        counts = dict(zip(rows["age_band"], rows["cadres"], strict=True))
        if counts:
            series.append(Series(role, tuple(float(counts.get(b, 0)) for b in bands), color))
    if not series:
        return None
    row = summary.iloc[0]
    takeaway = f"两委干部{int(row['committee'])}人"
    if not missing(row["committee_average_age"]):
        takeaway += f"，平均年龄{fmt.to_decimal(row['committee_average_age']).normalize():f}岁"
    takeaway += f"；后备干部{int(row['reserves'])}人"
    without = int(row["units_without_reserve"])
    takeaway += f"，{without}个村(社区)尚无后备干部" if without else "，每个村(社区)都有后备干部"
    return Chart(
        key="cadre_ages",
        title="村干部年龄结构（人）",
        kind="column",
        categories=tuple(bands),
        series=tuple(series),
        unit="人",
        takeaway=takeaway,
    )


def _income_bins(bins: pd.DataFrame, tiers: pd.DataFrame, previous: pd.DataFrame) -> Chart | None:
    if bins.empty or tiers.empty or int(tiers["villages_with_income"].iloc[0]) == 0:
        return None
    low, high = tiers.iloc[0], tiers.iloc[2]
    has_previous = not previous.empty and int(previous["villages_with_income"].iloc[0]) > 0
    before = int(previous["villages"].iloc[0]) if has_previous else None
    takeaway = (
        f"{int(low['villages'])}个村超过{fmt.threshold(low['lower_bound'])}，占比{fmt.pct(low['share_pct'])}"
        + fmt.change_words(int(low["villages"]), before, "个")
    )
    if int(high["villages"]):
        takeaway += f"；{narrative.names(high['short_names'].split('、'))}超过{fmt.threshold(high['lower_bound'])}"
    colors = [charts.TIER_COLORS.get(i, charts.BLUE) for i in range(len(bins))]
    title = "村财收入分档（个）"
    return _one_series(
        "income_bins", title, "column", bins["bin_label"], "村数", bins["villages"], "个", takeaway, colors
    )


def _income_trend(year: int, trend: pd.DataFrame) -> Chart | None:
    if trend.empty:
        return None
    shown = trend[trend["year"] <= year]
    years = sorted({int(y) for y in shown["year"]})
    if len(years) < 2:
        return None
    series = []
    for index, (label, rows) in enumerate(shown.groupby("tier_label", sort=False)):
        by_year = dict(zip(rows["year"].astype(int), rows["villages"], strict=True))
        values = tuple(float(by_year.get(y, 0)) for y in years)
        series.append(Series(str(label), values, [charts.BLUE, charts.TEAL, charts.NAVY][index % 3]))
    first, last = series[0], series[-1]
    takeaway = (
        f"{first.name}的村由{years[0]}年{int(first.values[0])}个{_grew(first.values[0], first.values[-1])}"
        f"{years[-1]}年{int(first.values[-1])}个，{last.name}的村由{int(last.values[0])}个"
        f"{_grew(last.values[0], last.values[-1])}{int(last.values[-1])}个"
    )
    return Chart(
        key="income_trend",
        title="村财收入分档历年趋势（个）",
        kind="line",
        categories=tuple(f"{y}年" for y in years),
        series=tuple(series),
        unit="个",
        takeaway=takeaway,
    )


# a slide's horizontal bars: every village of a town (23 + communities) still has a legible row;
# beyond that (a county, a city) the top of the ranking, with the rest summarised in the takeaway
RANKING_BARS = 25


def _income_ranking(ranking: pd.DataFrame, tiers: pd.DataFrame, settings: Settings) -> Chart | None:
    if ranking.empty:
        return None
    villages = ranking[ranking["kind"] == "村"]
    if villages.empty:
        return None
    labels = _unit_labels(villages)
    takeaway = f"{labels[0]}以{fmt.wan(villages['total_income'].iloc[0])}居首"
    if not tiers.empty and int(tiers["villages"].iloc[2]):
        high = tiers.iloc[2]
        takeaway += f"，{int(high['villages'])}个村超过{fmt.threshold(high['lower_bound'])}"
    below = int((villages["tier"] == 0).sum())
    if below:
        takeaway += f"，{below}个村低于{fmt.threshold(settings.income_thresholds_yuan[0])}"
    title = "各村村财收入排名（万元）"
    if len(villages) > RANKING_BARS:
        rest = villages.iloc[RANKING_BARS:]
        villages, labels = villages.head(RANKING_BARS), labels[:RANKING_BARS]
        title = f"村财收入最高的{RANKING_BARS}个村（万元）"
        takeaway += f"；其余{len(rest)}个村合计{fmt.money(rest['total_income'].sum())}"
    return Chart(
        key="income_ranking",
        title=title,
        kind="bar" if len(villages) > charts.MAX_COLUMNS else "column",
        categories=tuple(labels),
        series=(Series("村集体经济总收入", tuple(wan_figure(v) for v in villages["total_income"])),),
        unit="万元",
        takeaway=takeaway,
        number_format="0.00",
        point_colors=tuple(charts.TIER_COLORS.get(int(t), charts.GRAY) for t in villages["tier"]),
    )


def _project_arenas(arenas: pd.DataFrame, totals: pd.DataFrame) -> Chart | None:
    if arenas.empty or totals.empty or int(totals["projects"].iloc[0]) == 0:
        return None
    unit, divisor = money_unit(list(arenas["planned_investment"]) + list(arenas["completed_investment"]))
    row = totals.iloc[0]
    takeaway = f"{int(row['projects'])}个项目计划总投资{fmt.money(row['planned_investment'])}"
    if not missing(row["completion_pct"]):
        takeaway += f"，已完成{fmt.money(row['completed_investment'])}，完成率{fmt.pct(row['completion_pct'])}"
    first = arenas.iloc[0]
    takeaway += f"；{first['arena']}擂台计划投资最多（{fmt.money(first['planned_investment'])}）"
    return Chart(
        key="project_arenas",
        title=f"五大擂台投资（{unit}）",
        kind="column",
        categories=tuple(str(a) for a in arenas["arena"]),
        series=(
            Series("计划总投资", tuple(figure_in(v, divisor) for v in arenas["planned_investment"]), charts.NAVY),
            Series("已完成投资", tuple(figure_in(v, divisor) for v in arenas["completed_investment"]), charts.TEAL),
        ),
        unit=unit,
        takeaway=takeaway,
        number_format="0.00",
    )


def _project_status(status: pd.DataFrame) -> Chart | None:
    if status.empty or int(status["projects"].sum()) == 0:
        return None
    listed = "、".join(f"{s.status}{int(s.projects)}个" for s in status.itertuples())
    takeaway = f"{int(status['projects'].sum())}个项目中{listed}"
    counts = status["status"], "项目数", status["projects"]
    return _one_series("project_status", "项目进度（个）", "doughnut", *counts, "个", takeaway, _palette(len(status)))


def _star_distribution(distribution: pd.DataFrame, summary: pd.DataFrame) -> Chart | None:
    if distribution.empty or summary.empty or int(summary["rated_units"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    takeaway = (
        f"参评{int(row['rated_units'])}个村(社区)，五星级{int(row['five_star'])}个、四星级{int(row['four_star'])}个"
    )
    if not missing(row["previous_year"]):
        takeaway += "，五星级" + fmt.change_words(int(row["five_star"]), int(row["previous_five_star"]), "个")[
            1:
        ].replace("上年", f"{int(row['previous_year'])}年")
    weak = int(row["weak_units"])
    takeaway += f"，软弱涣散村{weak}个（{narrative.weak_names(row['weak_names'])}）" if weak else "，无软弱涣散村"
    colors = [charts.STAR_COLORS.get(int(s), charts.GRAY) for s in distribution["stars"]]
    counts = distribution["star_label"], "村(社区)数", distribution["units"]
    return _one_series("star_distribution", "达标创星星级分布（个）", "column", *counts, "个", takeaway, colors)


def _ticket_funnel(funnel: pd.DataFrame, resolution: pd.DataFrame) -> Chart | None:
    if funnel.empty or int(funnel["tickets"].iloc[0]) == 0:
        return None
    steps = dict(zip(funnel["step"].astype(int), funnel["tickets"].astype(int), strict=True))
    takeaway = f"群众点单{steps[1]}单，党员晒单{steps.get(4, 0)}单，群众评单{steps.get(5, 0)}单"
    if not resolution.empty:
        row = resolution.iloc[0]
        takeaway += f"；办结率{fmt.pct(row['done_pct'])}"
        if int(row["rated"]):
            takeaway += f"，群众满意率{fmt.pct(row['satisfied_pct'])}"
    colors = (charts.NAVY, charts.BLUE, charts.TEAL, charts.AMBER, "#c9a227")[: len(funnel)]
    counts = funnel["step_label"], "工单数", funnel["tickets"]
    return _one_series("ticket_funnel", "五单闭环各环节工单数（单）", "bar", *counts, "单", takeaway, colors)


def _ticket_kinds(kinds: pd.DataFrame, settings: Settings) -> Chart | None:
    """Each kind beside the others with its own unit (件, 件次, 人次): a pie would add them into one total."""
    if kinds.empty:
        return None
    counts = dict(zip(kinds["kind"], kinds["tickets"], strict=True))
    ordered = [k for k in settings.ticket_kinds if k in counts] + [k for k in counts if k not in settings.ticket_kinds]
    listed = "、".join(f"{k}{int(counts[k])}{settings.ticket_unit(k)}" for k in ordered)
    units = "/".join(dict.fromkeys(settings.ticket_unit(k) for k in ordered))
    names = [f"{k}（{settings.ticket_unit(k)}）" for k in ordered]
    title, values = "五单服务工单类型（各按其单位）", [counts[k] for k in ordered]
    return _one_series(
        "ticket_kinds", title, "column", names, "数量", values, units, f"共办理{listed}", _palette(len(names))
    )


def _problem_sources(sources: pd.DataFrame, summary: pd.DataFrame) -> Chart | None:
    if sources.empty or summary.empty or int(summary["problems"].iloc[0]) == 0:
        return None
    grouped = sources.groupby("source", sort=False)[["rectified", "in_progress", "not_started"]].sum()
    row = summary.iloc[0]
    takeaway = (
        f"共梳理问题{int(row['problems'])}条，已整改{int(row['rectified'])}条，整改率{fmt.pct(row['rectified_pct'])}"
    )
    late = int(row["overdue"])
    takeaway += f"，逾期未整改{late}条" if late else "，无逾期未整改问题"
    return Chart(
        key="problem_sources",
        title="问题整改情况（条）",
        kind="stacked_column",
        categories=tuple(str(s) for s in grouped.index),
        series=tuple(
            Series(name, tuple(float(v) for v in grouped[column]), color)
            for column, name, color in (
                ("rectified", "已整改", charts.TEAL),
                ("in_progress", "整改中", charts.AMBER),
                ("not_started", "未整改", charts.RED),
            )
        ),
        unit="条",
        takeaway=takeaway,
    )
