"""要点与预警: the rules that tell a leader what to act on, as sentences in the register of the town's reports.

Pure, like narrative.py: `alert_requests` says which named queries the rules need
(one per rule, queries/alert_*.sql and the studio queries); the caller runs them and
hands the DataFrames to `from_results`. `alerts(source, …)` does both for a Database,
a DuckDB cursor or a `run_query`-like callable (the dashboard passes its cached one).

Every figure an alert states comes from one of those results; the rules only compare
figures with the thresholds in settings ([alerts] in settings.toml). The same Alerts
feed the overview's callouts and the report's 存在的问题 / 下一步工作打算, so an
alert carries both its finding (`sentence`) and a target derived from the data
(`next_step`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd

from village_stats import formatting as fmt
from village_stats import queries
from village_stats.mechanisms import studio_goal, studio_pace
from village_stats.narrative import names
from village_stats.queries import Scope
from village_stats.settings import Settings

Runner = Callable[..., pd.DataFrame]
Requests = dict[str, tuple[str, dict[str, object]]]

WARNING = "warning"  # act now: money below the line, problems past their deadline, a rate that fell
NOTICE = "notice"  # plan for it: gaps in the ranks and in the studio network


@dataclass(frozen=True)
class Alert:
    key: str  # the rule (settings.ALERT_RULES): low_income, overdue_problems …
    importance: int  # 0 is the most important: the rule's place in settings.alert_rules
    severity: str  # WARNING or NOTICE
    title: str  # a callout's heading: 逾期未整改问题10条
    sentence: str  # the finding, as a report states it, figures and villages included
    figure: int | Decimal  # the headline figure (the count, or the fall in 个百分点)
    figures: dict[str, object] = field(default_factory=dict)  # every other figure the sentences state
    villages: tuple[str, ...] = ()  # short names (镇·村 across towns), every one, not only those listed
    page: str = "views/overview.py"  # the page that shows the details
    page_label: str = ""  # that page's title in the navigation
    next_step: str = ""  # 下一步: a target derived from the figures (推动荷塘村村财收入突破20万元。)


def alert_requests(year: int, settings: Settings, scope: Scope, today: date) -> Requests:
    """The named queries (name and parameters) the enabled rules read, keyed by role."""
    base = {"year": year, **scope.params()}
    wanted: Requests = {
        "low_income": (
            "alert_low_income",
            {
                **base,
                "t1": settings.tier_params()["t1"],
                "total_floor": settings.weak_total_below_wan * fmt.WAN,
                "operating_floor": settings.weak_operating_below_wan * fmt.WAN,
            },
        ),
        "overdue_problems": ("alert_overdue_problems", {**base, "today": today}),
        "rectification_fall": ("alert_rectification_change", base),
        "satisfaction_fall": ("alert_satisfaction_change", base),
        "stale_tickets": ("alert_stale_tickets", {**base, "today": today, "days": settings.ticket_open_days}),
        "no_reserve_cadre": ("alert_no_reserve_cadre", scope.params()),
        "studio_candidates": ("studio_candidates", base),
        # the pace toward the deadline is about today's network, whichever year the page shows
        "studio_pace": ("studio_coverage", {**base, "year": max(year, today.year)}),
    }
    return {rule: wanted[rule] for rule in settings.alert_rules if rule in wanted}


def alerts(source: object, year: int, scope: Scope, settings: Settings, today: date) -> list[Alert]:
    """The alerts that fire for `year` in `scope`, most important first (all of them: callers cut)."""
    requests = alert_requests(year, settings, scope, today)
    return from_results(year, _run_all(source, requests), settings, today)


def _run_all(source: object, requests: Requests) -> dict[str, pd.DataFrame]:
    if hasattr(source, "read"):  # a Database: one read lease for all the rules
        with source.read() as cur:
            return {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
    if hasattr(source, "execute"):  # a DuckDB connection or cursor
        return {role: queries.run_query(source, name, **params) for role, (name, params) in requests.items()}
    run: Runner = source  # a run_query(name, **params) callable
    return {role: run(name, **params) for role, (name, params) in requests.items()}


def from_results(year: int, results: dict[str, pd.DataFrame], settings: Settings, today: date) -> list[Alert]:
    """The alerts the results fire, in the order of settings.alert_rules."""
    found = []
    for importance, rule in enumerate(settings.alert_rules):
        frame = results.get(rule)
        if frame is None or frame.empty:
            continue
        alert = _RULES[rule](year, frame.iloc[0] if rule != "studio_candidates" else frame, settings, today)
        if alert is not None:
            found.append(_ranked(alert, importance))
    return found


def _ranked(alert: Alert, importance: int) -> Alert:
    return Alert(**{**alert.__dict__, "importance": importance})


# ---- the rules: one result in, an Alert or None out ---------------------------------------


def _present(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _quarter(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def _labels(value: object) -> list[str]:
    """A query's list of names (a numpy array in a DataFrame cell) as a Python list."""
    if not pd.api.types.is_list_like(value):  # NULL: None, NaN or pd.NA depending on the column
        return []
    return [str(v) for v in value]


def _one_or_names(labels: list[str], one_suffix: str, unit: str) -> str:
    """荷塘村 for one village (its name in full), 荷塘、横山2个村 for several."""
    if len(labels) == 1:
        name = labels[0]
        return name if name.endswith(one_suffix) or "社区" in name else f"{name}{one_suffix}"
    return names(labels, unit)


def _low_income(year: int, row: pd.Series, settings: Settings, today: date) -> Alert | None:
    below, weak_only = _labels(row["below_line_villages"]), _labels(row["weak_only_villages"])
    if not below and not weak_only:
        return None
    line = fmt.threshold(settings.tier_params()["t1"])
    operating = fmt.threshold(settings.weak_operating_below_wan * fmt.WAN)
    total_floor = settings.weak_total_below_wan * fmt.WAN
    why = (
        f"经营性收入低于{operating}"
        if total_floor <= settings.tier_params()["t1"]
        else f"总收入低于{fmt.threshold(total_floor)}或经营性收入低于{operating}"
    )
    sentences, steps = [], []
    if below:
        lowest = fmt.wan(row["lowest_income"])
        figure = f"（{lowest}）" if len(below) == 1 else f"，最低的为{lowest}"
        sentences.append(f"{year}年{_one_or_names(below, '村', '个村')}村集体经济收入低于{line}{figure}")
        gap = fmt.wan(row["largest_gap"])
        gap_words = f"（尚差{gap}）" if len(below) == 1 else f"（差距最大的尚差{gap}）"
        steps.append(f"推动{_one_or_names(below, '村', '个村')}村财收入突破{line}{gap_words}")
    if weak_only:
        lead = "另有" if below else f"{year}年"
        sentences.append(f"{lead}{_one_or_names(weak_only, '村', '个村')}{why}，属经济薄弱村")
        steps.append(f"帮助{_one_or_names(weak_only, '村', '个村')}发展经营性收入")
    title = f"{len(below)}个村村财收入低于{line}" if below else f"经济薄弱村{len(weak_only)}个"
    return Alert(
        key="low_income",
        importance=0,
        severity=WARNING,
        title=title,
        sentence="；".join(sentences) + "。",
        figure=len(below) or len(weak_only),
        figures={
            "below_line": int(row["below_line"]),
            "weak": int(row["weak"]),
            "weak_only": int(row["weak_only"]),
            "villages_with_income": int(row["villages_with_income"]),
            "lowest_income": row["lowest_income"] if below else None,
            "largest_gap": row["largest_gap"] if below else None,
        },
        villages=tuple(below + weak_only),
        page="views/income.py",
        page_label="村财收入",
        next_step="；".join(steps) + "。",
    )


def _overdue_problems(year: int, row: pd.Series, settings: Settings, today: date) -> Alert | None:
    overdue = int(row["overdue"])
    if overdue == 0:
        return None
    units = _labels(row["overdue_villages"])
    unrectified = int(row["unrectified"])
    rest = unrectified - overdue
    step = (
        f"督促逾期的{overdue}条问题限期整改到位，其余{rest}条按期整改"
        if rest > 0
        else f"督促剩余{overdue}条问题限期整改到位"
    )
    return Alert(
        key="overdue_problems",
        importance=0,
        severity=WARNING,
        title=f"逾期未整改问题{overdue}条",
        sentence=(
            f"{year}年问题清单中逾期未整改{overdue}条，涉及{_one_or_names(units, '村', '个村(社区)')}，"
            f"最长已逾期{int(row['longest_overdue_days'])}天。"
        ),
        figure=overdue,
        figures={
            "problems": int(row["problems"]),
            "unrectified": unrectified,
            "longest_overdue_days": int(row["longest_overdue_days"]),
        },
        villages=tuple(units),
        page="views/problems.py",
        page_label="问题整改",
        next_step=step + "。",
    )


def _fallen(row: pd.Series, settings: Settings, rate: str) -> Decimal | None:
    """How many points `rate` fell since last year, when by more than settings allow; else None."""
    change = row["change_points"]
    if not _present(change) or not _present(row[f"previous_{rate}"]):
        return None
    fall = -fmt.to_decimal(change)
    return fall if fall > settings.rate_fall_points else None


def _rectification_fall(year: int, row: pd.Series, settings: Settings, today: date) -> Alert | None:
    fall = _fallen(row, settings, "rectified_pct")
    if fall is None:
        return None
    now, before = fmt.pct(row["rectified_pct"]), fmt.pct(row["previous_rectified_pct"])
    sentence = f"{year}年问题整改率{now}（{int(row['rectified'])}/{int(row['problems'])}条），"
    return _rate_fall(
        ("rectification_fall", "问题整改率", "rectified_pct"),
        row,
        fall,
        f"{sentence}比上年的{before}下降{fall}个百分点。",
        {"rectified": int(row["rectified"]), "problems": int(row["problems"])},
        ("views/problems.py", "问题整改"),
        f"加快问题整改进度，推动整改率回升至上年的{before}以上。",
    )


def _satisfaction_fall(year: int, row: pd.Series, settings: Settings, today: date) -> Alert | None:
    fall = _fallen(row, settings, "satisfied_pct")
    if fall is None:
        return None
    now, before = fmt.pct(row["satisfied_pct"]), fmt.pct(row["previous_satisfied_pct"])
    return _rate_fall(
        ("satisfaction_fall", "工单满意率", "satisfied_pct"),
        row,
        fall,
        f"{year}年五单服务工单群众满意率{now}，比上年的{before}下降{fall}个百分点。",
        {"rated": int(row["rated"])},
        ("views/tickets.py", "五单服务"),
        f"对不满意工单逐件回访整改，推动群众满意率回升至{before}以上。",
    )


def _rate_fall(
    rule: tuple[str, str, str],
    row: pd.Series,
    fall: Decimal,
    sentence: str,
    counts: dict[str, int],
    page: tuple[str, str],
    next_step: str,
) -> Alert:
    """A rate that fell: rule = (key, the rate's name, its column); the figures are the rate this year
    and last, then `counts`; page = (the page, its title)."""
    key, name, rate = rule
    return Alert(
        key=key,
        importance=0,
        severity=WARNING,
        title=f"{name}下降{fall}个百分点",
        sentence=sentence,
        figure=fall,
        figures={rate: row[rate], f"previous_{rate}": row[f"previous_{rate}"], **counts},
        page=page[0],
        page_label=page[1],
        next_step=next_step,
    )


def _stale_tickets(year: int, row: pd.Series, settings: Settings, today: date) -> Alert | None:
    stale = int(row["stale"])
    if stale == 0:
        return None
    units = _labels(row["stale_villages"])
    days = settings.ticket_open_days
    return Alert(
        key="stale_tickets",
        importance=0,
        severity=WARNING,
        title=f"超期未办结工单{stale}件",
        sentence=(
            f"{year}年有{stale}件工单点单超过{days}天仍未办结，涉及{_one_or_names(units, '村', '个村(社区)')}，"
            f"最长已{int(row['longest_open_days'])}天。"
        ),
        figure=stale,
        figures={"open_tickets": int(row["open_tickets"]), "longest_open_days": int(row["longest_open_days"])},
        villages=tuple(units),
        page="views/tickets.py",
        page_label="五单服务",
        next_step=f"督促{stale}件超期工单尽快办结晒单，并回访群众。",
    )


def _no_reserve_cadre(year: int, row: pd.Series, settings: Settings, today: date) -> Alert | None:
    missing = _labels(row["without_reserve_villages"])
    if not missing:
        return None
    units, reported = int(row["units"]), int(row["reported_units"])
    coverage = f"（{units}个村(社区)中{reported}个已报送干部花名册）" if reported < units else ""
    return Alert(
        key="no_reserve_cadre",
        importance=0,
        severity=NOTICE,
        title=f"{len(missing)}个村(社区)无后备干部",
        sentence=f"{_one_or_names(missing, '村', '个村(社区)')}尚无后备干部{coverage}。",
        figure=len(missing),
        figures={"units": units, "reported_units": reported},
        villages=tuple(missing),
        page="views/cadres.py",
        page_label="村干部",
        next_step=f"为{_one_or_names(missing, '村', '个村(社区)')}各储备至少1名后备干部。",
    )


def _studio_candidates(year: int, frame: pd.DataFrame, settings: Settings, today: date) -> Alert | None:
    several_towns = frame["town"].nunique() > 1
    short = [
        (f"{town}·" if several_towns else "") + fmt.short_name(str(village))
        for town, village in zip(frame["town"], frame["village"], strict=True)
    ]
    listed = _one_or_names(short, "村", "个村(社区)")
    return Alert(
        key="studio_candidates",
        importance=0,
        severity=NOTICE,
        title=f"{len(short)}个五星级村(社区)未建书记工作室",
        sentence=f"{year}年评定的五星级组织中，{listed}尚未建立书记工作室。",
        figure=len(short),
        villages=tuple(short),
        page="views/studios.py",
        page_label="书记工作室",
        next_step=f"优先在{listed}培育书记工作室。",
    )


def _studio_pace(year: int, row: pd.Series, settings: Settings, today: date) -> Alert | None:
    built, units = int(row["studios"]), int(row["units"])
    if units == 0:
        return None
    goal = studio_goal(settings.studio_target, _labels(row["town_units"]))
    pace = studio_pace(built, goal, goal, settings.studio_deadline, today)
    if pace.remaining == 0:
        return None
    first = row["first_established_on"]
    # the pace so far: studios per quarter since the first one; none yet is behind by definition
    if built and _present(first):
        quarters_so_far = _quarter(today) - _quarter(pd.Timestamp(first).date()) + 1
        achieved = Decimal(built) / max(1, quarters_so_far)
        if not pace.overdue and achieved >= pace.per_quarter:
            return None
    deadline = settings.studio_deadline
    whole = "，实现全覆盖" if goal == units else f"，达到{goal}个的目标"
    if pace.overdue:
        finding = f"建成{goal}个的目标期限（{deadline.year}年{deadline.month}月底）已过，仍差{pace.remaining}个"
        step = f"尽快新建工作室{pace.remaining}个{whole}"
    else:
        due = f"{deadline.year}年{deadline.month}月底"
        finding = f"距{due}建成{goal}个的目标还差{pace.remaining}个，按目前进度难以如期完成"
        step = (
            f"年内新建工作室{pace.remaining}个{whole.replace('，', '以')}"
            if deadline.year == today.year
            else f"每季度新建工作室{pace.per_quarter}个，{deadline.year}年{deadline.month}月底前建成{goal}个"
        )
    return Alert(
        key="studio_pace",
        importance=0,
        severity=NOTICE,
        title=f"书记工作室还差{pace.remaining}个",
        sentence=f"书记工作室已建成{built}个，覆盖率{fmt.pct(row['coverage_pct'])}，{finding}。",
        figure=pace.remaining,
        figures={
            "studios": built,
            "units": units,
            "goal": goal,
            "coverage_pct": row["coverage_pct"],
            "per_quarter": pace.per_quarter,
        },
        page="views/studios.py",
        page_label="书记工作室",
        next_step=step + "。",
    )


_RULES: dict[str, Callable[..., Alert | None]] = {
    "low_income": _low_income,
    "overdue_problems": _overdue_problems,
    "rectification_fall": _rectification_fall,
    "satisfaction_fall": _satisfaction_fall,
    "stale_tickets": _stale_tickets,
    "no_reserve_cadre": _no_reserve_cadre,
    "studio_candidates": _studio_candidates,
    "studio_pace": _studio_pace,
}
