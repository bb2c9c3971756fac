"""The pages' own tables, presented as on screen: the workbook's sheets by section and the one
table each section carries in the Word draft."""

from __future__ import annotations

import pandas as pd

from village_stats import exports
from village_stats.reports.model import Report, Results

# sheet name → (section, role, the columns the page shows, a row filter); the pages' own tables, in report order
TABLES: tuple[tuple[str, str, str, list[str] | None, tuple[str, tuple[str, ...]] | None], ...] = (
    ("村财收入明细", "income", "ranking", list(exports.INCOME_DETAIL_COLUMNS), None),
    (
        "升降档的村",
        "income",
        "ranking",
        ["village", "previous_income", "total_income", "change", "tier_label", "movement"],
        ("movement", ("升档", "降档")),
    ),
    ("经济薄弱村", "income", "weak", ["village", "total_income", "operating_income", "reason"], None),
    ("五大擂台", "projects", "arenas", None, None),
    (
        "投资最大项目",
        "projects",
        "largest",
        ["project_id", "name", "village", "arena", "status", "planned_investment", "completed_investment", "leader"],
        None,
    ),
    ("项目明细", "projects", "projects_detail", None, None),
    ("星级分布", "stars", "distribution", None, None),
    (
        "星级变化",
        "stars",
        "star_changes",
        ["village", "previous_stars", "stars", "movement"],
        ("movement", ("升星", "降星")),
    ),
    (
        "达标创星明细",
        "stars",
        "star_changes",
        ["village", "stars", "score", "weak", "previous_stars", "movement"],
        None,
    ),
    ("五单闭环", "tickets", "funnel", None, None),
    (
        "各村工单办理",
        "tickets",
        "tickets_villages",
        ["village", "tickets", "done", "median_hours", "average_rating", "satisfied_pct"],
        None,
    ),
    (
        "工单明细",
        "tickets",
        "tickets_detail",
        ["ticket_id", "village", "kind", "category", "content", "stage", "ordered_at", "done_at", "hours", "rating"],
        None,
    ),
    (
        "逾期未整改",
        "problems",
        "overdue",
        ["problem_id", "village", "description", "responsible", "deadline", "status", "days_overdue"],
        None,
    ),
    ("问题来源", "problems", "problem_sources", None, None),
    ("问题整改明细", "problems", "problems_detail", None, None),
    (
        "各支部党员积分",
        "points",
        "points_branches",
        ["village", "period", "members", "average_points", "median_points", "max_points", "min_points", "low_members"],
        None,
    ),
    (
        "书记工作室",
        "studios",
        "studio_list",
        ["village", "studio_name", "level", "established_on", "focus", "stars"],
        None,
    ),
    ("工作室培育对象", "studios", "studio_candidates", ["village", "area", "score"], None),
    ("乡贤参与分类", "sages", "sage_kinds", ["kind", "quantity", "activities"], None),
    (
        "各村乡贤参与",
        "sages",
        "sage_villages",
        ["village", "opinions", "disputes", "other_items", "activities"],
        None,
    ),
    (
        "各村干部队伍",
        "cadres",
        "cadre_villages",
        ["village", "committee", "reserves", "clerks", "committee_average_age", "upgrading", "trainings", "no_reserve"],
        None,
    ),
)


def workbook_tables(r: Results) -> dict[str, pd.DataFrame]:
    """Each page table that has rows, presented as on screen (Chinese headers, 万元)."""
    tables: dict[str, pd.DataFrame] = {}
    for sheet, _domain, role, columns, keep in TABLES:
        frame = r(role)
        if frame.empty:
            continue
        if role == "ranking":
            frame = frame[frame["kind"] == "村"] if sheet != "村财收入明细" else frame
        if keep is not None:
            column, values = keep
            frame = frame[frame[column].isin(values)]
        if not frame.empty:
            tables[sheet] = exports.present(frame, columns)
    return tables


def kpi_table(report: Report) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "指标": [k.label for k in report.kpis],
            f"{report.year}年": [k.value for k in report.kpis],
            "较上年": [k.change or "" for k in report.kpis],
            "说明": [k.note or "" for k in report.kpis],
        }
    )


def word_table(domain: str, results: Results) -> tuple[str, pd.DataFrame] | None:
    """The key figures behind a domain's paragraph, as the table under it."""
    if domain == "income":
        frame = results("income")
        return "村财收入分档情况", exports.present(frame, ["tier_label", "villages", "share_pct"])
    if domain == "projects":
        frame = results("arenas")
        columns = ["arena", "projects", "planned_investment", "completed_investment", "planned_share_pct"]
        return "五大擂台项目情况", exports.present(frame, columns)
    if domain == "stars":
        return "达标创星星级分布", exports.present(results("distribution"), ["star_label", "units", "share_pct"])
    if domain == "tickets":
        return "五单闭环各环节工单数", exports.present(results("funnel"), ["step_label", "tickets", "pct_of_ordered"])
    if domain == "points":
        columns = ["village", "members", "average_points", "low_members"]
        return "各支部党员积分情况", exports.present(results("points_branches"), columns)
    if domain == "sages":
        return "乡贤参与事项分类", exports.present(results("sage_kinds"), ["kind", "quantity", "activities"])
    if domain == "problems":
        frame = results("problem_sources")
        columns = ["source", "category", "problems", "rectified", "in_progress", "not_started", "rectified_pct"]
        return "问题整改情况", exports.present(frame, columns)
    return None
