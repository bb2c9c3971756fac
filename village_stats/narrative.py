"""Query results → sentences in the register of the town's own reports (pure functions).

`summary_requests` says which named queries a year's summary needs; the caller
runs them (CLI, page, export) and hands the DataFrames to `year_summary`. Every
number in a sentence comes from one of those results. A domain without data
gives a sentence saying so, never a zero stated as a fact.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from village_stats import formatting as fmt
from village_stats.queries import Scope
from village_stats.settings import Settings

Requests = dict[str, tuple[str, dict[str, object]]]


def summary_requests(year: int, settings: Settings, scope: Scope, today: date) -> Requests:
    """The queries (name and parameters) behind `year_summary`, keyed by their role."""
    base = {"year": year, **scope.params()}
    tiers = {**base, **settings.tier_params()}
    return {
        "income": ("income_tiers_cumulative", tiers),
        "income_previous": ("income_tiers_cumulative", {**tiers, "year": year - 1}),
        "projects": ("project_totals", base),
        "arenas": ("projects_by_arena", base),
        "stars": ("star_summary", base),
        "tickets": ("tickets_by_kind", base),
        "resolution": ("ticket_resolution", base),
        "problems": ("problem_summary", {**base, "today": today}),
        "problem_sources": ("problems_by_source", base),
    }


def year_summary(year: int, results: dict[str, pd.DataFrame], settings: Settings, scope_label: str) -> list[str]:
    """One paragraph per domain, in the order the town's reports use."""
    return [
        income_sentence(year, results["income"], results["income_previous"], scope_label),
        project_sentence(year, results["projects"], results["arenas"], settings, scope_label),
        star_sentence(year, results["stars"], scope_label),
        ticket_sentence(year, results["tickets"], results["resolution"], settings, scope_label),
        problem_sentence(year, results["problems"], results["problem_sources"], scope_label),
    ]


def income_sentence(year: int, tiers: pd.DataFrame, previous: pd.DataFrame, scope_label: str) -> str:
    """2023年全镇21个村村财收入超过20万元，占比91.3%，…；其中北垞、竹秀、岑下3个村超过100万元。"""
    if tiers.empty or int(tiers["villages_with_income"].iloc[0]) == 0:
        return f"{year}年{scope_label}暂无村级集体经济收入数据。"
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
        text += f"；其中{high['short_names']}{top}个村超过{fmt.threshold(high['lower_bound'])}"
    else:
        text += f"；暂无村超过{fmt.threshold(high['lower_bound'])}"
    return text + "。"


def project_sentence(
    year: int, totals: pd.DataFrame, arenas: pd.DataFrame, settings: Settings, scope_label: str
) -> str:
    """2024年全镇共实施揭榜挂帅项目149个，计划总投资14.53亿元，其中…"""
    if totals.empty or int(totals["projects"].iloc[0]) == 0:
        return f"{year}年{scope_label}暂无揭榜挂帅项目数据。"
    row = totals.iloc[0]
    text = (
        f"{year}年{scope_label}共实施揭榜挂帅项目{int(row['projects'])}个，"
        f"计划总投资{fmt.money(row['planned_investment'])}"
    )
    if not arenas.empty:
        order = {name: i for i, name in enumerate(settings.arenas)}
        ranked = sorted(arenas.itertuples(), key=lambda a: order.get(a.arena, len(order)))
        text += "，其中" + "、".join(f"{a.arena}擂台{int(a.projects)}个" for a in ranked)
    if not pd.isna(row["completion_pct"]):
        text += f"；已完成投资{fmt.money(row['completed_investment'])}，完成率{fmt.pct(row['completion_pct'])}"
    return text + "。"


def star_sentence(year: int, summary: pd.DataFrame, scope_label: str) -> str:
    """2024年达标创星评定五星级14个、四星级3个，无软弱涣散村。"""
    if summary.empty or int(summary["rated_units"].iloc[0]) == 0:
        return f"{year}年{scope_label}暂无达标创星评定数据。"
    row = summary.iloc[0]
    previous = None if pd.isna(row["previous_year"]) else int(row["previous_five_star"])
    five = int(row["five_star"])
    text = f"{year}年{scope_label}达标创星评定五星级{five}个、四星级{int(row['four_star'])}个"
    if previous is not None:
        text += "，五星级" + fmt.change_words(five, previous, "个")[1:].replace(
            "上年", f"{int(row['previous_year'])}年"
        )
    weak = int(row["weak_units"])
    text += f"，软弱涣散村{weak}个（{row['weak_names']}）" if weak else "，无软弱涣散村"
    return text + "。"


def ticket_sentence(
    year: int, kinds: pd.DataFrame, resolution: pd.DataFrame, settings: Settings, scope_label: str
) -> str:
    """2023年全镇五单闭环共办理群众建议6件、支部派单15件次、服务代办178人次，…"""
    if kinds.empty:
        return f"{year}年{scope_label}暂无五单闭环服务工单数据。"
    counts = dict(zip(kinds["kind"], kinds["tickets"], strict=True))
    ordered = [k for k in settings.ticket_kinds if k in counts] + [k for k in counts if k not in settings.ticket_kinds]
    listed = "、".join(f"{k}{int(counts[k])}{settings.ticket_unit(k)}" for k in ordered)
    text = f"{year}年{scope_label}五单闭环共办理{listed}"
    if not resolution.empty:
        row = resolution.iloc[0]
        if int(row["open"]) == 0:
            text += "，全部办结"
        else:
            text += f"，办结率{fmt.pct(row['done_pct'])}，尚有{int(row['open'])}单在办"
        if int(row["rated"]) > 0:
            text += f"，群众满意率{fmt.pct(row['satisfied_pct'])}"
    return text + "。"


def problem_sentence(year: int, summary: pd.DataFrame, sources: pd.DataFrame, scope_label: str) -> str:
    """2024年全镇共梳理问题84条，其中党建体检查摆60条（共性…），…整改率…"""
    if summary.empty or int(summary["problems"].iloc[0]) == 0:
        return f"{year}年{scope_label}暂无问题整改台账数据。"
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
    text = f"{year}年{scope_label}共梳理问题{int(row['problems'])}条，其中" + "；".join(parts)
    text += f"。已整改{int(row['rectified'])}条，整改率{fmt.pct(row['rectified_pct'])}"
    overdue = int(row["overdue"])
    text += f"，逾期未整改{overdue}条" if overdue else "，无逾期未整改问题"
    return text + "。"
