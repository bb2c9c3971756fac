"""Query results → a `Report`: the named queries it needs, its KPI cards (kpis.KPIS), its sections
(narrative) and its findings (alerts), worked out once for every output."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from village_stats import alerts, kpis, narrative
from village_stats import formatting as fmt
from village_stats.queries import Scope
from village_stats.reports.chart_data import slide_charts
from village_stats.reports.model import (
    ALL_TOWNS_LABEL,
    SECTION_TITLES,
    WAN,
    YI,
    Chart,
    Finding,
    Kpi,
    Report,
    Results,
    Section,
    bullet,
    figure_in,
    missing,
)
from village_stats.reports.tables import TABLES, word_table, workbook_tables
from village_stats.settings import Settings

Requests = narrative.Requests


# a workbook sheet holds at most 1,048,576 rows; a city's year of problems or projects is far below this
REPORT_ROWS = {"limit": 100_000, "offset": 0}


def report_requests(year: int, settings: Settings, scope: Scope, today: date, tables: bool = True) -> Requests:
    """The named queries behind a report, keyed by role; `tables=False` leaves out the XLSX's detail tables."""
    base = {"year": year, **scope.params()}
    tiers = {**base, **settings.tier_params()}
    requests = narrative.summary_requests(year, settings, scope, today)
    requests |= {
        "overview": ("year_overview", {**scope.params(), **settings.tier_params()}),
        "bins": ("income_tier_bins", tiers),
        "trend": ("income_tier_trend", {**scope.params(), **settings.tier_params()}),
        "status": ("projects_by_status", base),
        "distribution": ("star_distribution", base),
        "points_branches": ("points_by_branch", {**base, "threshold": settings.points_low_threshold}),
        "sage_kinds": ("sage_by_kind", base),
        "studio_growth": ("studio_growth", scope.params()),
        "cadre_ages": ("cadre_age_structure", base),
    }
    # the overview's 预警 rules, under their own roles: 存在的问题 and 下一步工作打算 are those alerts
    requests |= {
        ALERT_ROLE + rule: request for rule, request in alerts.alert_requests(year, settings, scope, today).items()
    }
    if tables:
        floors = {
            "total_floor": settings.weak_total_below_wan * WAN,
            "operating_floor": settings.weak_operating_below_wan * WAN,
        }
        requests |= {
            "weak": ("weak_villages", {**base, **floors}),
            "largest": ("largest_projects", {**base, "limit": 10}),
            "projects_detail": ("projects_detail", {**base, **REPORT_ROWS}),
            "star_changes": ("star_changes", base),
            "tickets_villages": ("ticket_resolution_by_village", base),
            "tickets_detail": ("tickets_detail", {**base, "limit": 5000, "offset": 0}),
            "problems_detail": ("problems_detail", {**base, "today": today, **REPORT_ROWS}),
            "studio_list": ("studio_list", base),
            "sage_villages": ("sage_by_village", base),
            "cadre_villages": ("cadres_by_village", base),
        }
    return requests


def build(
    year: int,
    results: dict[str, pd.DataFrame],
    settings: Settings,
    scope: Scope,
    today: date,
    spans_towns: bool = False,
    tables: bool = True,
) -> Report:
    """The report from the results of `report_requests`; a role not run reads as no data.

    `spans_towns`: the scope is several towns of a county or city (全部镇(街道)), which the report
    calls 全域 — not 全镇, and not by the configured town's name.
    `tables=False` (as for `report_requests`): no workbook tables. The preview and presenter pages
    show none, and presenting a city's 3,000-row ranking for them cost ~0.3 s a run.
    """
    # names already in a database from before control characters were refused at import: PPTX and
    # DOCX are XML and cannot hold them, so they are shown as \x1b instead of failing the download
    results = {role: _printable(frame) for role, frame in results.items()}
    r = Results(results)
    if spans_towns:
        scope_label = scope.area or ALL_TOWNS_LABEL
        town = ALL_TOWNS_LABEL
    else:
        scope_label = fmt.printable(scope.label(settings.town))
        town = fmt.printable(scope.town or settings.town)
    paragraphs = narrative.year_sections(year, results, settings, scope_label)
    charts_by_domain: dict[str, list[Chart]] = {}
    for chart in slide_charts(year, r, settings):
        charts_by_domain.setdefault(chart.domain, []).append(chart)
    workbook = workbook_tables(r) if tables else {}
    outline = tuple(
        Section(
            key=domain,
            title=SECTION_TITLES[domain],
            text=text,
            charts=tuple(charts_by_domain.get(domain, ())),
            table=found if (found := word_table(domain, r)) is not None and not found[1].empty else None,
            sheets=tuple(sheet for sheet, table_domain, *_ in TABLES if table_domain == domain),
        )
        for domain, text in paragraphs.items()
    )
    return Report(
        town=town,
        year=year,
        scope_label=scope_label,
        made_on=today,
        kpis=tuple(_kpis(year, r("overview"), settings)),
        outline=outline,
        findings=tuple(_findings(year, results, settings, today, {section.key for section in outline})),
        tables=workbook,
    )


ALERT_ROLE = "alert:"


def _short_problem(problem: str, alert: alerts.Alert) -> str:
    """The slide's bullet: the sentence's leading clauses when they still state the alert's figure,
    else the alert's own heading (逾期未整改问题10条, 书记工作室还差13个)."""
    cut = bullet(problem, names=alert.villages)
    return cut if cut == bullet(problem, len(problem)) or str(alert.figure) in cut else alert.title


# an alert's page → the report section it belongs to
ALERT_SECTIONS = {
    "views/income.py": "income",
    "views/projects.py": "projects",
    "views/stars.py": "stars",
    "views/tickets.py": "tickets",
    "views/problems.py": "problems",
    "views/points.py": "points",
    "views/studios.py": "studios",
    "views/sages.py": "sages",
    "views/cadres.py": "cadres",
}


def _findings(
    year: int, results: dict[str, pd.DataFrame], settings: Settings, today: date, covered: set[str]
) -> list[Finding]:
    """二、存在的问题 and 三、下一步工作打算: the overview's 预警 (alerts.py, the one copy of the rules),
    most important first, each problem with its figure and villages and the target derived from it."""
    ran = {role.removeprefix(ALERT_ROLE): frame for role, frame in results.items() if role.startswith(ALERT_ROLE)}
    found = []
    for alert in alerts.from_results(year, ran, settings, today):
        if ALERT_SECTIONS.get(alert.page) not in covered:
            continue  # a 2021 report has no 书记工作室 section: today's studio gap is not its problem
        problem = alert.sentence
        if not problem.startswith(f"{year}年评定"):  # the report is the year's: no need to say it again
            problem = problem.removeprefix(f"{year}年")
        found.append(
            Finding(
                key=alert.key,
                problem=problem,
                next_step=alert.next_step,
                short_problem=_short_problem(problem, alert),
                short_next_step=bullet(alert.next_step, names=alert.villages),
            )
        )
    return found


def _printable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with control characters in its text made visible; the same frame when it has none."""
    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    if not text_columns:
        return frame
    cleaned = frame.copy()
    for column in text_columns:
        cleaned[column] = cleaned[column].map(_printable_value)
    return cleaned


def _printable_value(value: object) -> object:
    if isinstance(value, str):
        return fmt.printable(value)
    if isinstance(value, list | tuple) or type(value).__name__ == "ndarray":  # lists of names (weak_names)
        return [_printable_value(v) for v in value]
    return value


def _kpis(year: int, overview: pd.DataFrame, settings: Settings) -> list[Kpi]:
    """The 核心指标 cards (kpis.KPIS, in their order) of the year, each with its change on the year before."""
    if overview.empty:
        return []
    now = overview[overview["year"] == year]
    before = overview[overview["year"] == year - 1]
    if now.empty:
        return []
    row = now.iloc[0]
    last = before.iloc[0] if not before.empty else None
    cards = []
    for kpi in kpis.KPIS:
        column, unit = kpi.column, kpi.unit
        value, change = fmt.kpi_text(row[column], None if last is None else last[column], unit)
        if value == "—":
            continue  # no data: no card, never a zero
        figures = _kpi_figure(row[column], unit), None if last is None else _kpi_figure(last[column], unit)
        cards.append(Kpi(kpi.title(settings), value, change, _kpi_note(kpi, row), unit, *figures))
    return cards


def _kpi_note(kpi: kpis.Definition, row: pd.Series) -> str | None:
    """占91.3% of the whole, or the second figure: 满意率93.7%, 共120条."""
    if kpi.share_of is not None:
        return f"占{fmt.share(int(row[kpi.column]), int(row[kpi.share_of]))}"
    if kpi.note is None or missing(row[kpi.note[1]]):
        return None
    words, column, unit = kpi.note
    return f"{words}{fmt.pct(row[column])}" if unit == "%" else f"{words}{int(row[column])}{unit}"


def _kpi_figure(value: object, unit: str) -> float | None:
    """A card's value as the workbook's number: 元 → 亿元 (two decimals), a share to one decimal, a count."""
    if missing(value):
        return None
    if unit == "亿元":
        return figure_in(value, YI)
    if unit == "%":
        return float(fmt.to_decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return float(int(value))
