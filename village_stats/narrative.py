"""Query results → sentences in the register of the town's own reports (pure functions).

`summary_requests` says which named queries a year's summary needs; the caller
runs them (CLI, page, export) and hands the DataFrames to `year_sections` (or
`year_summary`, the same paragraphs as a list). Every number in a sentence comes
from one of those results. A domain without data gives no paragraph at all —
never a zero stated as a fact — and the caller shows an empty state for it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from village_stats import formatting as fmt
from village_stats.mechanisms import about, period_label, studio_goal
from village_stats.queries import Scope
from village_stats.settings import Settings

Requests = dict[str, tuple[str, dict[str, object]]]

# the paragraphs' keys, in the order the town's reports use, with what a missing one is called
DOMAINS: dict[str, str] = {
    "income": "村级集体经济收入",
    "projects": "揭榜挂帅项目",
    "stars": "达标创星评定",
    "tickets": "五单闭环服务工单",
    "problems": "问题整改台账",
    "points": "党员量化积分",
    "studios": "书记工作室",
    "sages": "乡贤参与",
    "cadres": "村干部队伍",
}
# the same domains as the dashboard's pages name them (tabs and short labels)
SHORT_DOMAINS: dict[str, str] = {
    "income": "村财收入",
    "projects": "项目投资",
    "stars": "达标创星",
    "tickets": "五单服务",
    "problems": "问题整改",
    "points": "党员积分",
    "studios": "书记工作室",
    "sages": "乡贤参与",
    "cadres": "村干部",
}
# names listed in full up to this many; longer lists read "甲、乙、丙等N个村"
NAMES_LISTED = 5


def summary_requests(year: int, settings: Settings, scope: Scope, today: date) -> Requests:
    """The queries (name and parameters) behind `year_summary`, keyed by their role."""
    base = {"year": year, **scope.params()}
    previous = {**base, "year": year - 1}
    tiers = {**base, **settings.tier_params()}
    return {
        "income": ("income_tiers_cumulative", tiers),
        "income_previous": ("income_tiers_cumulative", {**tiers, "year": year - 1}),
        "ranking": ("income_ranking", tiers),
        "projects": ("project_totals", base),
        "projects_previous": ("project_totals", previous),
        "arenas": ("projects_by_arena", base),
        "stars": ("star_summary", base),
        "tickets": ("tickets_by_kind", base),
        "tickets_previous": ("tickets_by_kind", previous),
        "resolution": ("ticket_resolution", base),
        "funnel": ("ticket_funnel", base),
        "problems": ("problem_summary", {**base, "today": today}),
        "problem_sources": ("problems_by_source", base),
        "overdue": ("problems_overdue", {**base, "today": today}),
        "points": ("points_summary", {**base, "threshold": settings.points_low_threshold}),
        "studios": ("studio_coverage", base),
        "studio_candidates": ("studio_candidates", base),
        "sages": ("sage_summary", base),
        "cadres": ("cadre_summary", base),
        "data_years": ("data_years", {}),
    }


def _frame(results: dict[str, pd.DataFrame], role: str) -> pd.DataFrame:
    """A result by role; a role the caller did not run reads as no data."""
    found = results.get(role)
    return found if found is not None else pd.DataFrame()


def year_sections(year: int, results: dict[str, pd.DataFrame], settings: Settings, scope_label: str) -> dict[str, str]:
    """Domain → paragraph, in report order; a domain without data has no entry."""
    r = lambda role: _frame(results, role)  # noqa: E731
    paragraphs = {
        "income": income_sentence(year, r("income"), r("income_previous"), scope_label, r("ranking")),
        "projects": project_sentence(year, r("projects"), r("arenas"), settings, scope_label, r("projects_previous")),
        "stars": star_sentence(year, r("stars"), scope_label),
        "tickets": ticket_sentence(
            year, r("tickets"), r("resolution"), settings, scope_label, r("tickets_previous"), r("funnel")
        ),
        "problems": problem_sentence(year, r("problems"), r("problem_sources"), scope_label, r("overdue")),
        "points": points_sentence(year, r("points"), settings, scope_label),
        "studios": studio_sentence(year, r("studios"), r("studio_candidates"), settings, scope_label),
        "sages": sage_sentence(year, r("sages"), scope_label),
        "cadres": cadre_sentence(r("cadres"), scope_label) if _is_latest(year, r("data_years")) else None,
    }
    return {domain: text for domain, text in paragraphs.items() if text}


def _is_latest(year: int, years: pd.DataFrame) -> bool:
    """Whether `year` is the newest year with data: the undated cadre roster is the current one,
    so only the newest year's report describes it."""
    return years.empty or year >= int(years["year"].max())


def year_summary(year: int, results: dict[str, pd.DataFrame], settings: Settings, scope_label: str) -> list[str]:
    """One paragraph per domain that has data, in the order the town's reports use."""
    return list(year_sections(year, results, settings, scope_label).values())


def missing_domains(sections: dict[str, str]) -> list[str]:
    """What the year has no data for (`村级集体经济收入` …), for the caller's empty state."""
    return [title for domain, title in DOMAINS.items() if domain not in sections]


def names(short_names: list[str], unit: str = "个村") -> str:
    """`北垞、竹秀、岑下3个村`; past NAMES_LISTED, `北垞、竹秀、岑下、溪口、梅岭等7个村`."""
    shown = "、".join(short_names[:NAMES_LISTED])
    more = "等" if len(short_names) > NAMES_LISTED else ""
    return f"{shown}{more}{len(short_names)}{unit}"


def weak_names(joined: str) -> str:
    """The 软弱涣散 list of star_summary (甲、乙、丙): a city has dozens, so the first few and 等."""
    listed = joined.split("、")
    more = "等" if len(listed) > NAMES_LISTED else ""
    return "、".join(listed[:NAMES_LISTED]) + more


def income_sentence(
    year: int, tiers: pd.DataFrame, previous: pd.DataFrame, scope_label: str, ranking: pd.DataFrame | None = None
) -> str | None:
    """2023年全镇21个村村财收入超过20万元，占比91.3%，…；其中北垞、竹秀、岑下3个村超过100万元。"""
    if tiers.empty or int(tiers["villages_with_income"].iloc[0]) == 0:
        return None
    has_previous = not previous.empty and int(previous["villages_with_income"].iloc[0]) > 0
    low, mid, high = (tiers.iloc[i] for i in range(3))
    parts = []
    for i, tier in enumerate((low, mid)):
        before = int(previous["villages"].iloc[i]) if has_previous else None
        line = (
            f"{int(tier['villages'])}个村村财收入超过{fmt.threshold(tier['lower_bound'])}，"
            f"占比{fmt.pct(tier['share_pct'])}"
        )
        parts.append(line + fmt.change_words(int(tier["villages"]), before, "个"))
    text = f"{year}年{scope_label}" + "，".join(parts)
    top = int(high["villages"])
    if top:
        text += f"；其中{names(high['short_names'].split('、'))}超过{fmt.threshold(high['lower_bound'])}"
    else:
        text += f"；暂无村超过{fmt.threshold(high['lower_bound'])}"
    text += "。"
    if ranking is not None and not ranking.empty:
        text += _income_movement(ranking, fmt.threshold(low["lower_bound"]))
    return text


def _income_movement(ranking: pd.DataFrame, floor: str) -> str:
    """升档/降档 on last year, the villages that fell below the lowest line, and those below it now."""
    villages = ranking[ranking["kind"] == "村"]
    text = ""
    if villages["movement"].notna().any():
        up = list(villages.loc[villages["movement"] == "升档", "short_name"])
        down = villages[villages["movement"] == "降档"]
        fell = list(down.loc[down["tier"] == 0, "short_name"])
        parts = [f"{names(up)}升档"] if up else []
        if not down.empty:
            parts.append(f"{names(list(down['short_name']))}降档")
        if fell:
            parts.append(f"其中{names(fell)}降至{floor}以下")
        if parts:
            text += "与上年相比，" + "，".join(parts) + "。"
    below = list(villages.loc[villages["tier"] == 0, "short_name"])
    if below:
        text += f"尚有{names(below)}村财收入低于{floor}。"
    return text


def _money_change(current: object, previous: object) -> str:
    """`，比上年增加3.27亿元` / `，比上年减少…` / `，与上年持平` for 元 amounts."""
    delta = fmt.to_decimal(current) - fmt.to_decimal(previous)
    if delta > 0:
        return f"，比上年增加{fmt.money(delta)}"
    if delta < 0:
        return f"，比上年减少{fmt.money(-delta)}"
    return "，与上年持平"


def project_sentence(
    year: int,
    totals: pd.DataFrame,
    arenas: pd.DataFrame,
    settings: Settings,
    scope_label: str,
    previous: pd.DataFrame | None = None,
) -> str | None:
    """2024年全镇共实施揭榜挂帅项目149个，计划总投资14.53亿元，其中…"""
    if totals.empty or int(totals["projects"].iloc[0]) == 0:
        return None
    row = totals.iloc[0]
    before = None
    if previous is not None and not previous.empty and int(previous["projects"].iloc[0]) > 0:
        before = previous.iloc[0]
    text = f"{year}年{scope_label}共实施揭榜挂帅项目{int(row['projects'])}个"
    if before is not None:
        text += fmt.change_words(int(row["projects"]), int(before["projects"]), "个")
    text += f"，计划总投资{fmt.money(row['planned_investment'])}"
    if before is not None:
        text += _money_change(row["planned_investment"], before["planned_investment"])
    if not arenas.empty:
        order = {name: i for i, name in enumerate(settings.arenas)}
        ranked = sorted(arenas.itertuples(), key=lambda a: order.get(a.arena, len(order)))
        text += "，其中" + "、".join(f"{a.arena}擂台{int(a.projects)}个" for a in ranked)
    if not pd.isna(row["completion_pct"]):
        text += f"；已完成投资{fmt.money(row['completed_investment'])}，完成率{fmt.pct(row['completion_pct'])}"
    return text + "。"


def star_sentence(year: int, summary: pd.DataFrame, scope_label: str) -> str | None:
    """2024年达标创星评定五星级14个、四星级3个，无软弱涣散村。"""
    if summary.empty or int(summary["rated_units"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    previous = None if pd.isna(row["previous_year"]) else int(row["previous_five_star"])
    five = int(row["five_star"])
    text = f"{year}年{scope_label}达标创星评定五星级{five}个、四星级{int(row['four_star'])}个"
    if previous is not None:
        text += "，五星级" + fmt.change_words(five, previous, "个")[1:].replace(
            "上年", f"{int(row['previous_year'])}年"
        )
    weak = int(row["weak_units"])
    text += f"，软弱涣散村{weak}个（{weak_names(row['weak_names'])}）" if weak else "，无软弱涣散村"
    return text + "。"


def ticket_sentence(
    year: int,
    kinds: pd.DataFrame,
    resolution: pd.DataFrame,
    settings: Settings,
    scope_label: str,
    previous: pd.DataFrame | None = None,
    funnel: pd.DataFrame | None = None,
) -> str | None:
    """2023年全镇五单闭环共办理群众建议6件、支部派单15件次、服务代办178人次，…"""
    if kinds.empty:
        return None
    counts = dict(zip(kinds["kind"], kinds["tickets"], strict=True))
    ordered = [k for k in settings.ticket_kinds if k in counts] + [k for k in counts if k not in settings.ticket_kinds]
    listed = "、".join(f"{k}{int(counts[k])}{settings.ticket_unit(k)}" for k in ordered)
    text = f"{year}年{scope_label}五单闭环共办理{listed}"
    total = int(kinds["tickets"].sum())
    if len(counts) > 1:
        text += f"，合计{total}件"
    if previous is not None and not previous.empty:
        text += fmt.change_words(total, int(previous["tickets"].sum()), "件")
    if not resolution.empty:
        row = resolution.iloc[0]
        if int(row["open"]) == 0:
            text += "，全部办结"
        else:
            text += f"，办结率{fmt.pct(row['done_pct'])}，尚有{int(row['open'])}单在办"
        if int(row["rated"]) > 0:
            text += f"，群众满意率{fmt.pct(row['satisfied_pct'])}"
    text += "。"
    if funnel is not None and not funnel.empty and int(funnel["tickets"].iloc[0]) > 0:
        steps = "、".join(f"{s.step_label}{int(s.tickets)}单" for s in funnel.itertuples())
        text += f"五个环节依次为{steps}"
        if not resolution.empty and int(resolution.iloc[0]["done"]) > 0:
            text += f"；办结用时中位数{fmt.to_decimal(resolution.iloc[0]['median_hours']).normalize():f}小时"
        text += "。"
    return text


def problem_sentence(
    year: int, summary: pd.DataFrame, sources: pd.DataFrame, scope_label: str, overdue: pd.DataFrame | None = None
) -> str | None:
    """2024年全镇共梳理问题84条，其中党建体检查摆60条（共性…），…整改率…"""
    if summary.empty or int(summary["problems"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    by_source: dict[str, dict[str, int]] = {}
    for _, s in sources.iterrows():
        entry = by_source.setdefault(str(s["source"]), {"problems": 0, "rectified": 0})
        entry["problems"] += int(s["problems"])
        entry["rectified"] += int(s["rectified"])
        entry[str(s["category"])] = int(s["problems"])
    parts = []
    for source, entry in sorted(by_source.items(), key=lambda item: -item[1]["problems"]):
        detail = "、".join(f"{c}问题{entry[c]}条" for c in ("共性", "个性") if entry.get(c))
        done = "，已全部整改" if entry["rectified"] == entry["problems"] else ""
        parts.append(f"{source}发现{entry['problems']}条" + (f"（{detail}）" if detail else "") + done)
    text = f"{year}年{scope_label}共梳理问题{int(row['problems'])}条"
    if parts:
        text += "，其中" + "；".join(parts)
    text += f"。已整改{int(row['rectified'])}条，整改率{fmt.pct(row['rectified_pct'])}"
    late = int(row["overdue"])
    if not late:
        return text + "，无逾期未整改问题。"
    text += f"，逾期未整改{late}条"
    if overdue is not None and not overdue.empty:
        units = list(dict.fromkeys(fmt.short_name(str(v)) for v in overdue["village"]))
        text += f"，涉及{names(units, '个村(社区)')}"
    return text + "。"


def points_sentence(year: int, summary: pd.DataFrame, settings: Settings, scope_label: str) -> str | None:
    """2024年全镇7个党支部602名党员实行积分存折管理，2024年第四季度平均积分78.1分，低于60分的19名。

    No names: a report goes to everyone, and who scored low is for the privacy setting to reveal.
    """
    if summary.empty or int(summary["members"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    threshold = fmt.to_decimal(settings.points_low_threshold).normalize()
    text = (
        f"{year}年{scope_label}{int(row['branches'])}个党支部{int(row['members'])}名党员实行积分存折管理，"
        f"{period_label(str(row['latest_period']))}平均积分{fmt.to_decimal(row['latest_average']).normalize():f}分"
    )
    low = int(row["low_members"])
    text += f"，{low}名党员积分低于{threshold:f}分，需提醒帮带" if low else f"，无党员积分低于{threshold:f}分"
    return text + "。"


def studio_sentence(
    year: int, coverage: pd.DataFrame, candidates: pd.DataFrame, settings: Settings, scope_label: str
) -> str | None:
    """截至2024年底全镇已建成书记工作室12个（其中市级示范点1个），覆盖率48.0%，距…还差13个；…可优先培育。"""
    if coverage.empty or int(coverage["studios"].iloc[0]) == 0:
        return None
    row = coverage.iloc[0]
    studios, units = int(row["studios"]), int(row["units"])
    text = f"截至{year}年底{scope_label}已建成书记工作室{studios}个"
    if int(row["city_level"]):
        text += f"（其中市级示范点{int(row['city_level'])}个）"
    if int(row["new_this_year"]):
        text += f"，当年新建{int(row['new_this_year'])}个"
    text += f"，覆盖{units}个村(社区)中的{studios}个，覆盖率{fmt.pct(row['coverage_pct'])}"
    goal = studio_goal(settings.studio_target, row["town_units"])
    if studios >= goal:
        text += "，已实现全覆盖" if goal == units else f"，已达到{goal}个的目标"
    else:
        deadline = settings.studio_deadline
        text += f"，距{deadline.year}年{deadline.month}月底建成{goal}个的目标还差{goal - studios}个"
    if not candidates.empty:
        short = [fmt.short_name(str(v)) for v in candidates["village"]]
        text += f"；{names(short, '个')}五星级组织尚未建立工作室，可优先培育"
    return text + "。"


def sage_sentence(year: int, summary: pd.DataFrame, scope_label: str) -> str | None:
    """2024年全镇通过乡贤助力共收集村情民意90余条，协助化解矛盾纠纷60余起，…"""
    if summary.empty or int(summary["activities"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    parts = []
    if int(row["opinions"]):
        parts.append(f"共收集村情民意{about(int(row['opinions']), '条')}")
    if int(row["disputes"]):
        parts.append(f"协助化解矛盾纠纷{about(int(row['disputes']), '起')}")
    if int(row["other_items"]):
        parts.append(f"献言献策、政策宣传等{int(row['other_items'])}项")
    text = f"{year}年{scope_label}通过乡贤助力" + "，".join(parts)
    if int(row["sages"]):
        text += f"，参与乡贤{int(row['sages'])}名，涉及{int(row['villages'])}个村(社区)"
    return text + "。"


def cadre_sentence(summary: pd.DataFrame, scope_label: str) -> str | None:
    """全镇现有村两委干部154人，平均年龄46.6岁，大专及以上学历占57.1%；后备干部39人，…"""
    if summary.empty or int(summary["cadres"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    text = f"{scope_label}现有村(社区)两委干部{int(row['committee'])}人"
    if not pd.isna(row["committee_average_age"]):
        text += f"，平均年龄{fmt.to_decimal(row['committee_average_age']).normalize():f}岁"
    if not pd.isna(row["committee_college_pct"]):
        text += f"，大专及以上学历占{fmt.pct(row['committee_college_pct'])}"
    text += f"；后备干部{int(row['reserves'])}人"
    without = int(row["units_without_reserve"])
    if without:
        text += f"，{names(str(row['without_reserve_names']).split('、'), '个村(社区)')}尚无后备干部"
    else:
        text += "，每个村(社区)都有后备干部"
    if int(row["upgrading"]):
        text += f"；{int(row['upgrading'])}人参加学历提升"
    if not pd.isna(row["average_trainings"]):
        text += f"，人均参训{fmt.to_decimal(row['average_trainings']).normalize():f}次"
    return text + "。"
