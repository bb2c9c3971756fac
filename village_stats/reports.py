"""Query results → meeting material: PowerPoint, Word and Excel bytes, and the presenter's screens (pure).

`report_requests` declares the named queries a report needs (as
`narrative.summary_requests` does); the caller runs them through its own runner
(CLI: `Database.read()` + `queries.run_query`; pages: `ui.run_query`) and hands
the results to `build`. The resulting `Report` holds everything already worked
out — KPI cards, one `Chart` per slide with its one-line takeaway, the narrative
and the tables — so the PPTX, the DOCX, the XLSX, the preview page and presenter
mode all show the same figures.

Charts are native PowerPoint charts (python-pptx `CategoryChartData`): their
data travels inside the file, so a secretary can edit them in PowerPoint or WPS.
Every text run gets an explicit East Asian typeface (`a:ea` / `w:eastAsia`):
without one, PowerPoint and Word pick a Latin theme font for the run and the
Chinese falls back to whatever the machine has.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import plotly.graph_objects as go

from village_stats import alerts, charts, exports, kpis, narrative
from village_stats import formatting as fmt
from village_stats.mechanisms import about, period_label, studio_goal
from village_stats.queries import Scope
from village_stats.settings import Settings

Requests = narrative.Requests

# PowerPoint: 微软雅黑 is on every Chinese Windows and WPS maps it; LibreOffice substitutes a CJK sans.
SLIDE_FONT = "Microsoft YaHei"
# Word: the 公文 convention (GB/T 9704): 仿宋 body, 黑体 headings, 楷体 sub-headings, Times New Roman digits
DOC_BODY_FONT = "仿宋"
DOC_HEADING_FONT = "黑体"
DOC_SUBHEADING_FONT = "楷体"
DOC_TITLE_FONT = "宋体"
DOC_LATIN_FONT = "Times New Roman"

YI = Decimal(100_000_000)
WAN = Decimal(10_000)
CHINESE_NUMERALS = "一二三四五六七八九十"


# ---- what a report is ----------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    color: str | None = None


@dataclass(frozen=True)
class Chart:
    """One slide's chart: its data exactly as the slide embeds it, and what to say about it."""

    key: str
    title: str  # the slide title, with the unit: 五大擂台投资（亿元）
    kind: str  # column, stacked_column, bar, line, doughnut, pie
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str  # the values' unit: 个, 万元, 亿元, 单, 条
    takeaway: str
    number_format: str = "0"
    point_colors: tuple[str, ...] | None = None
    domain: str = ""  # the narrative.DOMAINS key of its section: income, projects, stars …


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    change: str | None = None  # +3个, 持平, +3.27亿元
    note: str | None = None  # 占91.3%, 满意率93.7%
    unit: str = ""  # the unit of `figure` and `before`: 个, 亿元, 件, %
    figure: float | None = None  # the value as a number in `unit`, for the workbook
    before: float | None = None  # last year's, in `unit`


# how a report names a scope of several towns (the sidebar's 全部镇(街道))
ALL_TOWNS_LABEL = "全域"


# Each section's heading, the same words on its slides, in the Word draft, the workbook's 目录,
# the 汇报导出 preview and 汇报模式 (the 汇报材料 register: 村级集体经济发展情况, not 村财收入)
SECTION_TITLES: dict[str, str] = {
    "income": "村级集体经济发展情况",
    "projects": "揭榜挂帅项目推进情况",
    "stars": "达标创星评定情况",
    "tickets": "五单闭环服务情况",
    "problems": "问题排查整改情况",
    "points": "党员量化积分管理情况",
    "studios": "书记工作室建设情况",
    "sages": "乡贤助力基层治理情况",
    "cadres": "村干部队伍建设情况",
}
CLOSING_TITLE = "存在的问题和下一步"


@dataclass(frozen=True, eq=False)
class Section:
    """One part of the report: what every output shows of one domain, in the same words."""

    key: str  # a narrative.DOMAINS key
    title: str  # SECTION_TITLES: the slide title, the Word heading, the preview's and presenter's heading
    text: str  # the narrative paragraph: the Word body, the speaker notes, 汇报文字
    charts: tuple[Chart, ...]  # one slide (and one presenter screen) each, in order
    table: tuple[str, pd.DataFrame] | None = field(default=None, repr=False)  # the Word table: caption, rows
    sheets: tuple[str, ...] = ()  # the workbook sheets of this section, in order

    @property
    def short(self) -> str:
        return narrative.SHORT_DOMAINS[self.key]


@dataclass(frozen=True)
class Finding:
    """A problem the report names and the work it proposes: 二、存在的问题 and 三、下一步工作打算."""

    key: str
    problem: str  # a sentence with its figure and the villages named
    next_step: str  # a data-derived target: 推动荷塘村村财收入突破20万元
    short_problem: str = ""  # ≤ ~40 characters, for a slide's bullet
    short_next_step: str = ""


@dataclass(frozen=True)
class Slide:
    """One slide of the deck (and, but for the title and agenda, one screen of 汇报模式)."""

    kind: str  # title, agenda, kpis, chart, closing
    title: str
    summary: str  # what it says, in a line (the preview's table)
    notes: str = ""  # the speaker notes
    section: Section | None = None
    chart: Chart | None = None


@dataclass(frozen=True, eq=False)
class Report:
    town: str
    year: int
    scope_label: str
    made_on: date
    kpis: tuple[Kpi, ...]
    outline: tuple[Section, ...]  # the report's sections, in report order: every output follows this list
    findings: tuple[Finding, ...] = ()
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # sheet name → presented table

    @property
    def title(self) -> str:
        scope = "" if self.scope_label in ("全镇", self.town) else self.scope_label
        return f"{self.town}{scope}{self.year}年度村情工作汇报"

    @property
    def date_text(self) -> str:
        return f"{self.made_on.year}年{self.made_on.month}月{self.made_on.day}日"

    @property
    def sections(self) -> dict[str, str]:
        """Domain → paragraph, in report order (domains with data only)."""
        return {section.key: section.text for section in self.outline}

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(chart for section in self.outline for chart in section.charts)

    @property
    def paragraphs(self) -> list[str]:
        return [section.text for section in self.outline]

    def section_titles(self) -> list[str]:
        return [section.title for section in self.outline]

    def slides(self) -> list[Slide]:
        """Every slide of the PPTX, in order: title, agenda, 核心指标, the sections' charts, the closing."""
        slides = [
            Slide("title", self.title, f"{self.scope_label} · {self.date_text}"),
            Slide("agenda", "汇报提纲", "、".join([*self.section_titles(), CLOSING_TITLE])),
        ]
        if self.kpis:
            summary = "、".join(f"{k.label}{k.value}" for k in self.kpis)
            slides.append(Slide("kpis", f"{self.year}年核心指标", summary, summary + "。"))
        for section in self.outline:
            for index, chart in enumerate(section.charts):
                # the section's paragraph in full under its first slide; the chart's own point under the rest
                notes = section.text if index == 0 else chart.takeaway + "。"
                slides.append(Slide("chart", section.title, chart.takeaway, notes, section, chart))
        slides.append(Slide("closing", CLOSING_TITLE, self.closing_summary(), self.closing_notes()))
        return slides

    def screens(self) -> list[Slide]:
        """汇报模式's screens: the deck without its title and agenda (the room sees them on the sidebar)."""
        return [slide for slide in self.slides() if slide.kind not in ("title", "agenda")]

    def slide_titles(self) -> list[str]:
        return [slide.title for slide in self.slides()]

    def closing_summary(self) -> str:
        if not self.findings:
            return "各项指标未触发预警"
        return "；".join(f.short_problem or f.problem for f in self.findings)

    def closing_notes(self) -> str:
        """The closing slide's speaker notes: every problem and every next step in full."""
        if not self.findings:
            return f"对照各项预警规则，{self.year}年{self.scope_label}暂未发现需要预警的问题。"
        problems = "".join(f"{CHINESE_NUMERALS[i]}是{f.problem}" for i, f in enumerate(self.findings[:10]))
        steps = "".join(f"{CHINESE_NUMERALS[i]}是{f.next_step}" for i, f in enumerate(self.findings[:10]))
        return f"存在的问题：{problems}\n下一步：{steps}"

    def chart_sections(self) -> dict[str, list[Chart]]:
        """The charts by section (a narrative.DOMAINS key), in slide order."""
        return {section.key: list(section.charts) for section in self.outline if section.charts}

    def sheet_names(self) -> list[str]:
        """Every sheet of the XLSX, in order: 目录, 核心指标, then each section's sheets."""
        names = ["目录"] + (["核心指标"] if self.kpis else [])
        return names + [sheet for section in self.outline for sheet in section.sheets if sheet in self.tables]


# ---- the queries ---------------------------------------------------------------------------


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
    r = _Results(results)
    if spans_towns:
        scope_label = scope.area or ALL_TOWNS_LABEL
        town = ALL_TOWNS_LABEL
    else:
        scope_label = fmt.printable(scope.label(settings.town))
        town = fmt.printable(scope.town or settings.town)
    paragraphs = narrative.year_sections(year, results, settings, scope_label)
    charts_by_domain: dict[str, list[Chart]] = {}
    for chart in _charts(year, r, settings):
        charts_by_domain.setdefault(chart.domain, []).append(chart)
    workbook = _tables(r) if tables else {}
    outline = tuple(
        Section(
            key=domain,
            title=SECTION_TITLES[domain],
            text=text,
            charts=tuple(charts_by_domain.get(domain, ())),
            table=found if (found := _domain_table(domain, r)) is not None and not found[1].empty else None,
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


class _Results:
    def __init__(self, results: dict[str, pd.DataFrame]) -> None:
        self._results = results

    def __call__(self, role: str) -> pd.DataFrame:
        found = self._results.get(role)
        return found if found is not None else pd.DataFrame()


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value) or pd.isna(value)


def _round2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- KPI cards -----------------------------------------------------------------------------


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


def _kpi_note(kpi: kpis.Kpi, row: pd.Series) -> str | None:
    """占91.3% of the whole, or the second figure: 满意率93.7%, 共120条."""
    if kpi.share_of is not None:
        return f"占{fmt.share(int(row[kpi.column]), int(row[kpi.share_of]))}"
    if kpi.note is None or _missing(row[kpi.note[1]]):
        return None
    words, column, unit = kpi.note
    return f"{words}{fmt.pct(row[column])}" if unit == "%" else f"{words}{int(row[column])}{unit}"


def _kpi_figure(value: object, unit: str) -> float | None:
    """A card's value as the workbook's number: 元 → 亿元 (two decimals), a share to one decimal, a count."""
    if _missing(value):
        return None
    if unit == "亿元":
        return _in(value, YI)
    if unit == "%":
        return float(fmt.to_decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return float(int(value))


# ---- charts and their takeaways -----------------------------------------------------------


def _wan(value: object) -> float:
    return float(_round2(fmt.to_decimal(value) / WAN))


def _money_unit(values: list[object]) -> tuple[str, Decimal]:
    """亿元 when the largest amount reaches one 亿, else 万元; values shown with two decimals."""
    largest = max((abs(fmt.to_decimal(v)) for v in values if not _missing(v)), default=Decimal(0))
    return ("亿元", YI) if largest >= YI else ("万元", WAN)


def _in(value: object, divisor: Decimal) -> float:
    return 0.0 if _missing(value) else float(_round2(fmt.to_decimal(value) / divisor))


def _grew(first: int, last: int) -> str:
    return "增至" if last > first else ("减至" if last < first else "保持在")


def _charts(year: int, r: _Results, settings: Settings) -> list[Chart]:
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
    kind = "dots" if _far_from_zero(values) else "column"
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


def _far_from_zero(values: tuple[float, ...]) -> bool:
    """Dots rather than bars when the values sit far from zero: the smallest is more than twice the
    spread, so bars from zero would differ only in their last few percent (the screens' chart rule)."""
    if len(values) < 2 or min(values) <= 0:
        return False
    return min(values) > 2 * (max(values) - min(values))


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
    return Chart(
        key="sage_kinds",
        title="乡贤参与事项（各按其单位）",
        kind="column",
        categories=tuple(f"{k}（{SAGE_UNITS.get(str(k), '项')}）" for k in kinds["kind"]),
        series=(Series("数量", tuple(float(v) for v in kinds["quantity"])),),
        unit="条/起/项",
        takeaway=takeaway,
        point_colors=tuple(charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(kinds))),
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
    if not _missing(row["committee_average_age"]):
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
    return Chart(
        key="income_bins",
        title="村财收入分档（个）",
        kind="column",
        categories=tuple(str(label) for label in bins["bin_label"]),
        series=(Series("村数", tuple(float(v) for v in bins["villages"])),),
        unit="个",
        takeaway=takeaway,
        point_colors=tuple(colors),
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
        series=(Series("村集体经济总收入", tuple(_wan(v) for v in villages["total_income"])),),
        unit="万元",
        takeaway=takeaway,
        number_format="0.00",
        point_colors=tuple(charts.TIER_COLORS.get(int(t), charts.GRAY) for t in villages["tier"]),
    )


def _project_arenas(arenas: pd.DataFrame, totals: pd.DataFrame) -> Chart | None:
    if arenas.empty or totals.empty or int(totals["projects"].iloc[0]) == 0:
        return None
    unit, divisor = _money_unit(list(arenas["planned_investment"]) + list(arenas["completed_investment"]))
    row = totals.iloc[0]
    takeaway = f"{int(row['projects'])}个项目计划总投资{fmt.money(row['planned_investment'])}"
    if not _missing(row["completion_pct"]):
        takeaway += f"，已完成{fmt.money(row['completed_investment'])}，完成率{fmt.pct(row['completion_pct'])}"
    first = arenas.iloc[0]
    takeaway += f"；{first['arena']}擂台计划投资最多（{fmt.money(first['planned_investment'])}）"
    return Chart(
        key="project_arenas",
        title=f"五大擂台投资（{unit}）",
        kind="column",
        categories=tuple(str(a) for a in arenas["arena"]),
        series=(
            Series("计划总投资", tuple(_in(v, divisor) for v in arenas["planned_investment"]), charts.NAVY),
            Series("已完成投资", tuple(_in(v, divisor) for v in arenas["completed_investment"]), charts.TEAL),
        ),
        unit=unit,
        takeaway=takeaway,
        number_format="0.00",
    )


def _project_status(status: pd.DataFrame) -> Chart | None:
    if status.empty or int(status["projects"].sum()) == 0:
        return None
    listed = "、".join(f"{s.status}{int(s.projects)}个" for s in status.itertuples())
    return Chart(
        key="project_status",
        title="项目进度（个）",
        kind="doughnut",
        categories=tuple(str(s) for s in status["status"]),
        series=(Series("项目数", tuple(float(v) for v in status["projects"])),),
        unit="个",
        takeaway=f"{int(status['projects'].sum())}个项目中{listed}",
        point_colors=tuple(charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(status))),
    )


def _star_distribution(distribution: pd.DataFrame, summary: pd.DataFrame) -> Chart | None:
    if distribution.empty or summary.empty or int(summary["rated_units"].iloc[0]) == 0:
        return None
    row = summary.iloc[0]
    takeaway = (
        f"参评{int(row['rated_units'])}个村(社区)，五星级{int(row['five_star'])}个、四星级{int(row['four_star'])}个"
    )
    if not _missing(row["previous_year"]):
        takeaway += "，五星级" + fmt.change_words(int(row["five_star"]), int(row["previous_five_star"]), "个")[
            1:
        ].replace("上年", f"{int(row['previous_year'])}年")
    weak = int(row["weak_units"])
    takeaway += f"，软弱涣散村{weak}个（{narrative.weak_names(row['weak_names'])}）" if weak else "，无软弱涣散村"
    return Chart(
        key="star_distribution",
        title="达标创星星级分布（个）",
        kind="column",
        categories=tuple(str(s) for s in distribution["star_label"]),
        series=(Series("村(社区)数", tuple(float(v) for v in distribution["units"])),),
        unit="个",
        takeaway=takeaway,
        point_colors=tuple(charts.STAR_COLORS.get(int(s), charts.GRAY) for s in distribution["stars"]),
    )


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
    return Chart(
        key="ticket_funnel",
        title="五单闭环各环节工单数（单）",
        kind="bar",
        categories=tuple(str(s) for s in funnel["step_label"]),
        series=(Series("工单数", tuple(float(v) for v in funnel["tickets"])),),
        unit="单",
        takeaway=takeaway,
        point_colors=(charts.NAVY, charts.BLUE, charts.TEAL, charts.AMBER, "#c9a227")[: len(funnel)],
    )


def _ticket_kinds(kinds: pd.DataFrame, settings: Settings) -> Chart | None:
    """Each kind beside the others with its own unit (件, 件次, 人次): a pie would add them into one total."""
    if kinds.empty:
        return None
    counts = dict(zip(kinds["kind"], kinds["tickets"], strict=True))
    ordered = [k for k in settings.ticket_kinds if k in counts] + [k for k in counts if k not in settings.ticket_kinds]
    listed = "、".join(f"{k}{int(counts[k])}{settings.ticket_unit(k)}" for k in ordered)
    units = "/".join(dict.fromkeys(settings.ticket_unit(k) for k in ordered))
    return Chart(
        key="ticket_kinds",
        title="五单服务工单类型（各按其单位）",
        kind="column",
        categories=tuple(f"{k}（{settings.ticket_unit(k)}）" for k in ordered),
        series=(Series("数量", tuple(float(counts[k]) for k in ordered)),),
        unit=units,
        takeaway=f"共办理{listed}",
        point_colors=tuple(charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(ordered))),
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


# ---- tables for the workbook --------------------------------------------------------------

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


def _tables(r: _Results) -> dict[str, pd.DataFrame]:
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


def kpi_sheet(report: Report) -> pd.DataFrame:
    """The 核心指标 as the workbook holds them: numbers in number cells, each row's unit in a column of its own."""
    change = [None if k.figure is None or k.before is None else round(k.figure - k.before, 2) for k in report.kpis]
    return pd.DataFrame(
        {
            "指标": [k.label for k in report.kpis],
            "单位": [k.unit for k in report.kpis],
            f"{report.year}年": [k.figure for k in report.kpis],
            f"{report.year - 1}年": [k.before for k in report.kpis],
            "较上年增减": change,
            "说明": [k.note or "" for k in report.kpis],
        }
    )


def contents_sheet(report: Report) -> pd.DataFrame:
    """The workbook's 目录: each section's title and its sheets, in the report's order."""
    rows = [("核心指标", "核心指标")] if report.kpis else []
    rows += [(s.title, sheet) for s in report.outline for sheet in s.sheets if sheet in report.tables]
    return pd.DataFrame(rows, columns=["部分", "工作表"])


def to_xlsx_bytes(report: Report) -> bytes:
    """目录, 核心指标 and each section's tables in report order: numbers as numbers, dates as dates."""
    sheets = {"目录": contents_sheet(report)} | ({"核心指标": kpi_sheet(report)} if report.kpis else {})
    for section in report.outline:
        sheets |= {sheet: report.tables[sheet] for sheet in section.sheets if sheet in report.tables}
    return exports.to_xlsx_sheets_bytes(sheets)


# ---- plotly, for the preview page and presenter mode ---------------------------------------


def _label(value: float, number_format: str) -> str:
    places = len(number_format.partition(".")[2])
    return f"{value:.{places}f}"


# units of things counted: their zero matters, so their bars stay bars however close the counts
COUNT_UNITS = frozenset({"个", "单", "件", "件次", "人次", "名", "条", "条/起", "人"})


def _dots(chart: Chart) -> bool:
    """One series of a measure (not a count) far from zero: charts.marks_for says dots."""
    return (
        chart.kind in ("column", "bar")
        and len(chart.series) == 1
        and chart.unit not in COUNT_UNITS
        and charts.marks_for(list(chart.series[0].values)) == "dots"
    )


def _horizontal(chart: Chart) -> bool:
    """Bars, and columns of more than 12 categories: 25 village names never run together under columns."""
    columns = chart.kind in ("column", "stacked_column")
    return chart.kind == "bar" or (columns and charts.orientation_for(len(chart.categories)) == "h")


def figure(chart: Chart, font_size: int = 14, height: int = 420, title: str | None = None) -> go.Figure:
    """The slide's chart as a Plotly figure in the dashboard's style (the same numbers as the PPTX).

    The unit is in the chart's title; a vertical axis gets no title of its own
    (Plotly turns a Chinese axis title on its side).
    """
    fig = go.Figure()
    if chart.kind == "bar":
        height = max(height, 26 * len(chart.categories) + 100)  # a legible row per name, however many
    if chart.kind in ("doughnut", "pie"):
        fig.add_trace(
            go.Pie(
                labels=list(chart.categories),
                values=list(chart.series[0].values),
                hole=0.5 if chart.kind == "doughnut" else 0,
                sort=False,
                direction="clockwise",
                textposition="outside",
                automargin=True,
                texttemplate="%{label}<br>%{value}（%{percent:.1%}）",
                marker={"colors": list(chart.point_colors or charts.PALETTE)},
                hovertemplate=f"%{{label}}：%{{value}}{chart.unit}<extra></extra>",
            )
        )
        fig.update_layout(showlegend=False)
    elif chart.kind in ("line", "dots"):
        for s in chart.series:
            fig.add_trace(
                go.Scatter(
                    x=list(chart.categories),
                    y=list(s.values),
                    name=s.name,
                    mode="lines+markers+text" if chart.kind == "line" else "markers+text",
                    text=[_label(v, chart.number_format) for v in s.values],
                    textposition="top center",
                    cliponaxis=False,
                    line={"color": s.color, "width": 3},
                    marker={"size": 9 if chart.kind == "line" else 16, "color": s.color},
                    hovertemplate=f"%{{x}} {s.name}：%{{y}}{chart.unit}<extra></extra>",
                )
            )
    elif _dots(chart):
        # 积分 77–79: bars from zero would all look alike; dots on an axis that spans the values
        values = list(chart.series[0].values)
        fig.add_trace(
            go.Scatter(
                x=values,
                y=list(chart.categories),
                mode="markers+text",
                marker={"color": chart.series[0].color, "size": 14},
                text=[f"{v:g}" for v in values],
                textposition="middle right",
                cliponaxis=False,
                hovertemplate=f"%{{y}}：%{{x}}{chart.unit}<extra></extra>",
            )
        )
        low, high = min(values), max(values)
        pad = max(high - low, abs(high) * 0.01)
        fig.update_xaxes(range=[low - pad * 0.3, high + pad * 0.5], title_text=chart.unit, showgrid=True)
        fig.update_yaxes(autorange="reversed", showgrid=False)
    else:
        horizontal = _horizontal(chart)
        if horizontal:
            height = max(height, charts.bars_height(len(chart.categories)))
        for s in chart.series:
            color = list(chart.point_colors) if chart.point_colors and len(chart.series) == 1 else s.color
            fig.add_trace(
                go.Bar(
                    x=list(s.values) if horizontal else list(chart.categories),
                    y=list(chart.categories) if horizontal else list(s.values),
                    orientation="h" if horizontal else "v",
                    name=s.name,
                    marker_color=color,
                    text=[_label(v, chart.number_format) if v else "" for v in s.values],
                    textposition="inside" if chart.kind == "stacked_column" else "outside",
                    insidetextanchor="middle",
                    textangle=0,
                    cliponaxis=False,
                    hovertemplate=f"%{{{'y' if horizontal else 'x'}}} {s.name}：%{{{'x' if horizontal else 'y'}}}"
                    f"{chart.unit}<extra></extra>",
                )
            )
        fig.update_layout(barmode="stack" if chart.kind == "stacked_column" else "group", legend_traceorder="normal")
        if horizontal:
            fig.update_xaxes(title_text=chart.unit)
            fig.update_yaxes(autorange="reversed")
        elif any("（" in c for c in chart.categories):  # 民意收集（条）: the unit on a line of its own
            names = list(chart.categories)
            fig.update_xaxes(tickvals=names, ticktext=[c.replace("（", "<br>（", 1) for c in names])
        fig.update_layout(showlegend=len(chart.series) > 1)
    charts.themed(fig, title, height=height)
    if chart.kind == "dots":
        low, high = _dot_axis([v for s in chart.series for v in s.values])
        fig.update_yaxes(range=[low, high], title_text=f"纵轴自{low:g}{chart.unit}起")
    elif chart.kind not in ("doughnut", "pie"):
        # room above the tallest bar (or beside the longest) for its label
        stacked = chart.kind == "stacked_column"
        tops = [sum(values) for values in zip(*(s.values for s in chart.series), strict=True)] if stacked else []
        largest = max(tops or [v for s in chart.series for v in s.values] or [0]) or 1
        if not _dots(chart):
            value_axis = fig.update_xaxes if _horizontal(chart) else fig.update_yaxes
            value_axis(range=[0, largest * 1.15])
        # every name upright and every figure at the screen's size (never under 12 px)
        fig.update_traces(textfont={"size": font_size})
        fig.update_xaxes(tickfont={"size": max(font_size - 2, charts.MIN_FONT_PX)}, tickangle=0)
        fig.update_yaxes(tickfont={"size": max(font_size - 2, charts.MIN_FONT_PX)})
    if chart.unit in COUNT_UNITS:
        charts.zero_matters(fig)  # the funnel's 261 → 239 单: shares of the first step, bars from zero
    fig.update_layout(
        font={"size": font_size},
        legend={"font": {"size": font_size}},  # above the plot (charts.themed), never on an axis title
        margin={"l": 10, "r": 30, "t": 50 if title else 20, "b": 10},
    )
    return fig


# ---- PowerPoint ----------------------------------------------------------------------------


def to_pptx_bytes(report: Report) -> bytes:
    """16:9 slides, as `Report.slides` lists them: title, 汇报提纲, 核心指标, a native chart per slide of each
    section with its takeaway, and 存在的问题和下一步; each slide's full text in its speaker notes."""
    from pptx import Presentation
    from pptx.util import Emu

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12_192_000), Emu(6_858_000)  # PowerPoint's own 16:9, 33.867 × 19.05 cm
    deck.core_properties.title = report.title
    deck.core_properties.author = f"{report.town} · 村情看板"
    deck.core_properties.language = "zh-CN"
    slides = report.slides()
    total = len(slides)
    for slide in slides:
        if slide.kind == "title":
            made = _title_slide(deck, report)
        elif slide.kind == "agenda":
            made = _agenda_slide(deck, report, total)
        elif slide.kind == "kpis":
            made = _kpi_slide(deck, report, total)
        elif slide.kind == "chart":
            made = _chart_slide(deck, report, slide, total)
        else:
            made = _closing_slide(deck, report, total)
        if slide.notes:
            made.notes_slide.notes_text_frame.text = slide.notes
    for made in deck.slides:
        _cjk_fonts(made.shapes._spTree)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


# a text slide's bullets: at most this many, each at most this long; the rest goes to the notes
SLIDE_BULLETS = 5
BULLET_CHARS = 40


def bullet(text: str, limit: int = BULLET_CHARS, names: tuple[str, ...] = ()) -> str:
    """A sentence cut to a slide bullet: whole clauses up to `limit` characters, no closing 。;
    when even the first clause is too long, without its bracketed asides, then without the list of
    `names` (`推动甲、乙、丙等88个村…` → `推动88个村…`), and only then cut short."""
    text = text.strip().rstrip("。；，")
    if len(text) <= limit:
        return text
    kept = ""
    for clause in _clauses(text):
        if len(kept) + len(clause) > limit:
            break
        kept += clause
    if kept:
        return kept.rstrip("，；、")
    plain = re.sub(r"（[^（）]*）", "", text)
    if plain != text:
        return bullet(plain, limit, names)
    unnamed = _without_names(text, names)
    return bullet(unnamed, limit) if unnamed != text else text[: limit - 1] + "…"


def _without_names(text: str, names: tuple[str, ...]) -> str:
    """`推动甲、乙、丙等88个村` → `推动88个村`: a listed run of names dropped, its count kept."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(f"{name}、", "").replace(f"{name}等", "等")
    return re.sub(r"等(\d+个)", r"\1", text)


def _clauses(text: str) -> list[str]:
    """`甲，乙；丙` → [`甲，`, `乙；`, `丙`]: pieces that end at a comma or semicolon (not inside brackets)."""
    pieces, current, depth = [], "", 0
    for ch in text:
        current += ch
        depth += (ch in "（(") - (ch in "）)")
        if ch in "，；。" and depth == 0:
            pieces.append(current)
            current = ""
    return pieces + ([current] if current else [])


def _rgb(color: str) -> object:
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(color.lstrip("#").upper())


def _cjk_fonts(element: object, typeface: str = SLIDE_FONT) -> None:
    """Give every run (and default run properties) under `element` a Latin and an East Asian typeface."""
    from pptx.oxml.ns import qn

    for tag in ("a:rPr", "a:defRPr", "a:endParaRPr"):
        for properties in element.iter(qn(tag)):
            latin = properties.get_or_add_latin() if hasattr(properties, "get_or_add_latin") else None
            if latin is None:
                continue
            latin.set("typeface", typeface)
            ea = properties.find(qn("a:ea"))
            if ea is None:
                ea = latin.makeelement(qn("a:ea"), {})
                latin.addnext(ea)
            ea.set("typeface", typeface)
            if tag == "a:rPr":
                properties.set("lang", "zh-CN")
                properties.set("altLang", "en-US")


def _text(
    slide: object,
    box: tuple[float, float, float, float],
    runs: list[list[tuple[str, dict[str, object]]]],
    size: float = 18,
    color: str = charts.INK,
    align: str = "left",
    anchor: str = "top",
    spacing: float = 1.15,
    after: float = 0,
) -> object:
    """A text box; `runs` is a list of paragraphs, each a list of (text, style) with bold/size/color."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_textbox(*(Inches(v) for v in box))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = Inches(0.05)
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[anchor]
    for index, parts in enumerate(runs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}[align]
        paragraph.line_spacing = spacing
        paragraph.space_after = Pt(after)
        for text, style in parts:
            run = paragraph.add_run()
            run.text = text
            run.font.size = Pt(float(style.get("size", size)))
            run.font.bold = bool(style.get("bold", False))
            run.font.color.rgb = _rgb(str(style.get("color", color)))
    return shape


def _rect(slide: object, box: tuple[float, float, float, float], fill: str, rounded: bool = False) -> object:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.oxml.ns import qn
    from pptx.util import Inches

    shape = slide.shapes.add_shape(
        MSO_SHAPE.ROUNDED_RECTANGLE if rounded else MSO_SHAPE.RECTANGLE, *(Inches(v) for v in box)
    )
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(fill)
    shape.line.fill.background()
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    if rounded:
        shape.adjustments[0] = 0.08
    return shape


def _blank(deck: object) -> object:
    return deck.slides.add_slide(deck.slide_layouts[6])


def _chrome(deck: object, report: Report, title: str, total: int) -> object:
    """A content slide: the title with a navy mark, a footer with the town, the date and the page number."""
    slide = _blank(deck)
    _rect(slide, (0.55, 0.42, 0.09, 0.52), charts.NAVY)
    _text(slide, (0.78, 0.3, 11.8, 0.76), [[(title, {"bold": True})]], size=28, anchor="middle")
    _rect(slide, (0.55, 7.0, 12.23, 0.015), charts.GRID)
    footer = f"{report.town} · {report.year}年度村情工作汇报 · {report.scope_label}"
    _text(slide, (0.55, 7.03, 8.5, 0.36), [[(footer, {})]], size=11, color="#7b8794", anchor="middle")
    number = f"{report.date_text}　{len(deck.slides)} / {total}"
    _text(slide, (8.6, 7.03, 4.18, 0.36), [[(number, {})]], size=11, color="#7b8794", align="right", anchor="middle")
    return slide


def _title_slide(deck: object, report: Report) -> object:
    slide = _blank(deck)
    _rect(slide, (0, 0, 13.333, 4.6), charts.NAVY)
    _rect(slide, (0.9, 3.95, 1.4, 0.07), charts.AMBER)
    _text(slide, (0.9, 1.35, 11.5, 1.3), [[(report.title, {"bold": True})]], size=40, color="#ffffff")
    subtitle = f"{report.scope_label} · {len(report.outline)}个方面工作情况及下一步打算"
    _text(slide, (0.9, 2.75, 11.5, 0.9), [[(subtitle, {})]], size=22, color="#d5e3f3")
    _text(
        slide,
        (0.9, 5.0, 11.5, 1.4),
        [[(report.town, {"bold": True, "size": 28})], [(report.date_text, {})]],
        size=22,
        color=charts.INK,
        spacing=1.4,
    )
    _text(
        slide,
        (0.9, 6.7, 11.5, 0.4),
        [[(f"数据来源：村情看板各口径台账（截至{report.date_text}）", {})]],
        size=12,
        color="#7b8794",
    )
    return slide


def _agenda_slide(deck: object, report: Report, total: int) -> object:
    """汇报提纲: one numbered tile per section and one for 存在的问题和下一步, in two rows."""
    slide = _chrome(deck, report, "汇报提纲", total)
    items = [s.title for s in report.outline] + [CLOSING_TITLE]
    rows = 1 if len(items) <= 5 else 2  # a short report's tiles fill the slide's height instead of half of it
    columns = -(-len(items) // rows)
    gap = 0.2
    width = (12.23 - gap * (columns - 1)) / columns
    height = 5.2 if rows == 1 else 2.45
    for index, item in enumerate(items):
        row, column = divmod(index, columns)
        x, y = 0.55 + column * (width + gap), 1.5 + row * 2.75
        closing = index == len(items) - 1
        color = charts.AMBER if closing else charts.NAVY
        _rect(slide, (x, y, width, height), "#fdf3e3" if closing else "#f1f5fa", rounded=True)
        _rect(slide, (x, y + 0.3, 0.08, 0.6), color)
        _text(
            slide, (x + 0.25, y + 0.2, width - 0.4, 0.8), [[(f"{index + 1:02d}", {"bold": True})]], size=30, color=color
        )
        size = 19 if rows == 2 else 24
        _text(slide, (x + 0.25, y + 1.05, width - 0.4, 1.3), [[(item, {"bold": True})]], size=size, color=charts.INK)
    return slide


def _closing_slide(deck: object, report: Report, total: int) -> object:
    """存在的问题 beside 下一步: at most five short bullets each; every finding in full in the notes."""
    slide = _chrome(deck, report, CLOSING_TITLE, total)
    shown = report.findings[:SLIDE_BULLETS]
    problems = [bullet(f.short_problem or f.problem) for f in shown] or [f"{report.year}年各项指标未触发预警"]
    steps = [bullet(f.short_next_step or f.next_step) for f in shown] or ["保持各项工作常态长效推进"]
    for x, heading, lines, color in (
        (0.55, "存在的问题", problems, charts.RED),
        (6.8, "下一步", steps, charts.TEAL),
    ):
        _rect(slide, (x, 1.35, 5.98, 5.45), "#f6f8fb", rounded=True)
        _rect(slide, (x, 1.35, 5.98, 0.09), color)
        _text(slide, (x + 0.3, 1.55, 5.4, 0.6), [[(heading, {"bold": True})]], size=24, color=color)
        paragraphs = [[("● ", {"color": color, "size": 16}), (line, {})] for line in lines]
        size = 20 if len(lines) <= 3 else 18
        _text(slide, (x + 0.3, 2.3, 5.45, 4.4), paragraphs, size=size, spacing=1.25, after=14)
    if len(report.findings) > SLIDE_BULLETS:
        more = f"另有{len(report.findings) - SLIDE_BULLETS}项见备注及书面汇报"
        _text(slide, (0.55, 6.6, 12.23, 0.35), [[(more, {})]], size=12, color="#7b8794", align="right")
    return slide


def _kpi_slide(deck: object, report: Report, total: int) -> object:
    slide = _chrome(deck, report, f"{report.year}年核心指标", total)
    columns = min(4, len(report.kpis))
    rows = -(-len(report.kpis) // columns)
    gap = 0.21
    width = (12.23 - gap * (columns - 1)) / columns
    # one row of cards fills the slide's height, its figures larger and centred in it
    height = 2.55 if rows > 1 else 5.3
    inner = (height - 2.55) / 2
    for index, kpi in enumerate(report.kpis):
        row, column = divmod(index, columns)
        x = 0.55 + column * (width + gap)
        y = 1.45 + row * (height + 0.3)
        _rect(slide, (x, y, width, height), "#f1f5fa", rounded=True)
        _rect(slide, (x, y + inner + 0.25, 0.07, 0.5), charts.NAVY)
        label = [[(kpi.label, {})]]
        _text(
            slide, (x + 0.22, y + inner + 0.15, width - 0.35, 0.7), label, size=17 if rows > 1 else 22, color="#52606d"
        )
        _text(
            slide,
            (x + 0.22, y + inner + 0.75, width - 0.3, 0.9),
            [[(kpi.value, {"bold": True})]],
            size=32 if rows > 1 else 44,
            color=charts.NAVY,
            anchor="middle",
        )
        below = [[(part, {})] for part in (kpi.note, kpi.change and f"较上年{kpi.change}") if part]
        if below:
            box = (x + 0.22, y + inner + 1.7, width - 0.3, 0.75)
            _text(slide, box, below, size=14 if rows > 1 else 18, color="#52606d")
    return slide


def _takeaway(slide: object, text: str) -> None:
    _rect(slide, (0.55, 1.2, 12.23, 0.9), "#eaf1fb", rounded=True)
    _rect(slide, (0.55, 1.2, 0.09, 0.9), charts.AMBER)
    _text(slide, (0.85, 1.2, 11.8, 0.9), [[(text, {"bold": True})]], size=20, color=charts.NAVY, anchor="middle")


def _chart_slide(deck: object, report: Report, shown: Slide, total: int) -> object:
    chart = shown.chart
    slide = _chrome(deck, report, shown.title, total)
    _takeaway(slide, chart.takeaway)
    _text(slide, (0.55, 2.2, 12.23, 0.42), [[(chart.title, {"bold": True})]], size=16, color="#52606d")
    if chart.kind in ("doughnut", "pie"):
        # a ring fills a square: beside it, each slice's figure as a card, so the right half says something
        _native_chart(slide, chart, (0.55, 2.62, 6.4, 4.3))
        _slice_cards(slide, chart, (7.25, 2.75, 5.53, 4.0))
    elif chart.kind == "bar" and len(chart.categories) > charts.MAX_COLUMNS:
        # a town's 23 villages: two columns of bars (1–12, 13–23) on one scale, so every name stays legible
        half = -(-len(chart.categories) // 2)
        top = _round_up(max(v for s in chart.series for v in s.values) * 1.15)
        for index, part in enumerate((slice(0, half), slice(half, None))):
            piece = replace(
                chart,
                categories=chart.categories[part],
                series=tuple(replace(s, values=s.values[part]) for s in chart.series),
                point_colors=chart.point_colors[part] if chart.point_colors else None,
            )
            _native_chart(slide, piece, (0.55 + index * 6.17, 2.62, 6.06, 4.3), value_max=top)
    else:
        _native_chart(slide, chart, (0.55, 2.62, 12.23, 4.3))
    return slide


def _round_up(value: float) -> float:
    """An axis end a reader can read: 244.5 → 250, 0.87 → 0.9."""
    import math

    step = 10 ** math.floor(math.log10(value)) / 2 if value > 0 else 1
    return math.ceil(value / step) * step


def _native_chart(
    slide: object, chart: Chart, box: tuple[float, float, float, float], value_max: float | None = None
) -> object:
    """An editable PowerPoint chart of `chart` in `box` (inches); its data travels inside the file."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches, Pt

    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    for s in chart.series:
        data.add_series(s.name, list(s.values))
    kind = {
        "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
        "stacked_column": XL_CHART_TYPE.COLUMN_STACKED,
        "bar": XL_CHART_TYPE.BAR_CLUSTERED,
        "line": XL_CHART_TYPE.LINE_MARKERS,
        "dots": XL_CHART_TYPE.LINE_MARKERS,
        "doughnut": XL_CHART_TYPE.DOUGHNUT,
        "pie": XL_CHART_TYPE.PIE,
    }[chart.kind]
    frame = slide.shapes.add_chart(kind, *(Inches(v) for v in box), data)
    native = frame.chart
    native.font.size = Pt(14)
    native.font.color.rgb = _rgb(charts.INK)
    native.has_title = False
    plot = native.plots[0]
    plot.has_data_labels = True
    dense = len(chart.categories) > charts.MAX_COLUMNS
    plot.data_labels.font.size = Pt(11 if dense else 15)
    if chart.kind in ("doughnut", "pie"):
        _style_round(plot, chart)
        native.has_legend = False
    else:
        _style_cartesian(native, plot, chart, dense)
        if value_max is not None:
            native.value_axis.maximum_scale = value_max  # halves of one ranking: one scale, comparable lengths
    _cjk_fonts(native._chartSpace)
    return native


def _slice_cards(slide: object, chart: Chart, box: tuple[float, float, float, float]) -> None:
    """Each slice of a pie or ring as a row: its colour, its name, its figure with the unit and its share."""
    x, y, width, height = box
    values = chart.series[0].values
    total = sum(values) or 1
    rows = len(chart.categories)
    step = min(1.3, height / max(rows, 1))
    for index, (name, value) in enumerate(zip(chart.categories, values, strict=True)):
        top = y + index * step
        color = (chart.point_colors or charts.PALETTE)[index % len(chart.point_colors or charts.PALETTE)]
        _rect(slide, (x, top, width, step - 0.15), "#f1f5fa", rounded=True)
        _rect(slide, (x, top + 0.2, 0.1, step - 0.55), color)
        _text(slide, (x + 0.3, top, 1.9, step - 0.15), [[(name, {})]], size=20, color=charts.INK, anchor="middle")
        figure = f"{_label(value, chart.number_format)}{chart.unit}"
        share = f"占{fmt.share(int(value), int(total))}" if float(total).is_integer() else ""
        _text(
            slide,
            (x + 2.1, top, width - 2.25, step - 0.15),
            [[(figure, {"bold": True, "size": 28, "color": charts.NAVY}), (f"　{share}", {"color": "#52606d"})]],
            size=16,
            align="right",
            anchor="middle",
        )


def _fill(format_: object, color: str) -> None:
    format_.fill.solid()
    format_.fill.fore_color.rgb = _rgb(color)


def _style_round(plot: object, chart: Chart) -> None:
    """Pie/doughnut: each slice its colour, labelled `谋划` / `12` (category and value, one per line)."""
    from pptx.enum.chart import XL_LABEL_POSITION
    from pptx.oxml.ns import qn

    labels = plot.data_labels
    labels.number_format = chart.number_format
    labels.number_format_is_linked = False
    labels.show_category_name = True
    labels.show_value = True
    labels.show_percentage = False
    if chart.kind == "pie":
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
    else:
        # inside a doughnut's ring the label sits on the slice colour
        labels.font.color.rgb = _rgb("#ffffff")
        labels.font.bold = True
    separator = labels._element.makeelement(qn("c:separator"), {})
    separator.text = "\n"
    labels._element.find(qn("c:showBubbleSize")).addnext(separator)
    for point, color in zip(plot.series[0].points, chart.point_colors or (), strict=False):
        _fill(point.format, color)


def _style_cartesian(native: object, plot: object, chart: Chart, dense: bool) -> None:
    """Bars, columns, lines and dots: labels on the data, a light grid, the unit beside the value axis.

    The value axis starts at zero, except for dots: their position, not a length, carries the value,
    so the axis spans the values (77–79 on 76–80) and says where it starts.
    """
    from pptx.enum.chart import XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    labels = plot.data_labels
    # zero slices of a stack get no label: the format's third (zero) section is empty
    labels.number_format = f"{chart.number_format};-{chart.number_format};;"
    labels.number_format_is_linked = False
    labels.position = {
        "stacked_column": XL_LABEL_POSITION.CENTER,
        "line": XL_LABEL_POSITION.ABOVE,
        "dots": XL_LABEL_POSITION.RIGHT,
    }.get(chart.kind, XL_LABEL_POSITION.OUTSIDE_END)
    if chart.kind not in ("line", "dots"):
        plot.gap_width = 30 if dense else 55
    for s, series in zip(chart.series, plot.series, strict=True):
        if chart.kind in ("line", "dots"):
            color = s.color or charts.BLUE
            series.smooth = False
            _fill(series.marker.format, color)
            series.marker.format.line.color.rgb = _rgb(color)
            if chart.kind == "dots":
                series.format.line.fill.background()  # no line between branches: they are not a sequence
                series.marker.style = XL_MARKER_STYLE.CIRCLE
                series.marker.size = 16
            else:
                series.format.line.color.rgb = _rgb(color)
                series.format.line.width = Pt(3)
                series.marker.size = 9
        elif s.color:
            _fill(series.format, s.color)
    if chart.point_colors and len(chart.series) == 1 and chart.kind not in ("line", "dots"):
        for point, color in zip(plot.series[0].points, chart.point_colors, strict=False):
            _fill(point.format, color)

    value_axis = native.value_axis
    unit = chart.unit
    if chart.kind == "dots":
        values = [v for s in chart.series for v in s.values]
        low, high = _dot_axis(values)
        value_axis.minimum_scale, value_axis.maximum_scale = low, high
        unit = f"{chart.unit}（纵轴自{low:g}{chart.unit}起）"
    else:
        value_axis.minimum_scale = 0  # never a truncated bar: 239 of 261 must not look like a third
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = _rgb(charts.GRID)
    value_axis.format.line.fill.background()
    value_axis.tick_labels.font.size = Pt(12)
    value_axis.tick_labels.number_format = "#,##0"
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = unit
    title_run = value_axis.axis_title.text_frame.paragraphs[0].runs[0]
    title_run.font.size = Pt(12)
    title_run.font.bold = False
    # horizontal text: a rotated 万元 reads sideways
    value_axis.axis_title._title.find(qn("c:tx")).find(qn("c:rich")).find(qn("a:bodyPr")).set("rot", "0")

    category_axis = native.category_axis
    category_axis.tick_labels.font.size = Pt(11 if dense else 14)
    category_axis.format.line.color.rgb = _rgb(charts.GRAY)
    if dense:
        # every village's name, not every other one, and upright
        skip = category_axis._element.makeelement(qn("c:tickLblSkip"), {"val": "1"})
        category_axis._element.find(qn("c:noMultiLvlLbl")).addprevious(skip)
        category_axis._element.find(qn("c:txPr")).find(qn("a:bodyPr")).attrib.update({"rot": "0", "vert": "horz"})
    if chart.kind == "bar":
        # first row at the top, as the dashboard lists it, with the value axis kept at the bottom
        category_axis.reverse_order = True
        value_axis._element.find(qn("c:crosses")).set("val", "max")
    native.has_legend = len(chart.series) > 1
    if native.has_legend:
        native.legend.position = XL_LEGEND_POSITION.TOP
        native.legend.include_in_layout = False
        native.legend.font.size = Pt(14)


def _dot_axis(values: list[float]) -> tuple[float, float]:
    """A dot plot's axis: whole numbers a little beyond the values, so no dot sits on the frame."""
    import math

    low, high = min(values), max(values)
    pad = max(1.0, (high - low) * 0.5)
    return float(math.floor(low - pad)), float(math.ceil(high + pad))


# ---- Word ----------------------------------------------------------------------------------


def _docx_fonts(run: object, east_asian: str, size: float, bold: bool = False) -> None:
    """A Word run in the 公文 style: the East Asian face for Chinese, Times New Roman for digits."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = DOC_LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    properties = run._element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), DOC_LATIN_FONT)
    fonts.set(qn("w:hAnsi"), DOC_LATIN_FONT)


def _doc_paragraph(
    document: object,
    text: str,
    font: str = DOC_BODY_FONT,
    size: float = 16,
    bold: bool = False,
    align: str = "justify",
    indent: bool = True,
    exact: float | None = 28,
    keep_with_next: bool = False,
) -> object:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    layout = paragraph.paragraph_format
    layout.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }[align]
    layout.space_before = layout.space_after = Pt(0)
    if exact:
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = Pt(exact)
    layout.keep_with_next = keep_with_next
    if indent:
        layout.first_line_indent = Pt(size * 2)  # 首行缩进两字
    _docx_fonts(paragraph.add_run(text), font, size, bold)
    return paragraph


def _doc_table(document: object, caption: str, frame: pd.DataFrame) -> None:
    """表N caption above, then the table: 黑体 header, 仿宋 cells, numbers right-aligned."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    caption_paragraph = _doc_paragraph(
        document, caption, DOC_HEADING_FONT, 14, align="center", indent=False, exact=None, keep_with_next=True
    )
    caption_paragraph.paragraph_format.space_before = Pt(6)
    formats = exports.number_formats(frame)
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = ""
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        _docx_fonts(paragraph.add_run(str(header)), DOC_HEADING_FONT, 12)
    for index, values in enumerate(frame.itertuples(index=False), start=1):
        cells = table.add_row().cells
        for cell, header, value in zip(cells, frame.columns, values, strict=True):
            number = header in formats and isinstance(value, int | float) and not _missing(value)
            text = "" if _missing(value) else (formats[header] % value if number else str(value))
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if number else WD_ALIGN_PARAGRAPH.CENTER
            # a short table stays on one page with its caption
            paragraph.paragraph_format.keep_with_next = index < len(frame) and len(frame) <= 15
            _docx_fonts(paragraph.add_run(text), DOC_BODY_FONT, 12)
    _rows_stay_whole(table)
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)


def _rows_stay_whole(table: object) -> None:
    """No row broken across a page, and the header row repeated on the next page of a long table."""
    from docx.oxml import OxmlElement

    for index, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if index == 0:
            properties.append(OxmlElement("w:tblHeader"))


def _page_number_footer(section: object) -> None:
    """`— 1 —` centred at the foot of every page, as 公文 number their pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_fonts(paragraph.add_run("— "), DOC_TITLE_FONT, 14)
    run = paragraph.add_run()
    _docx_fonts(run, DOC_TITLE_FONT, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _docx_fonts(paragraph.add_run(" —"), DOC_TITLE_FONT, 14)


def _domain_table(domain: str, results: _Results) -> tuple[str, pd.DataFrame] | None:
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


def to_docx_bytes(report: Report) -> bytes:
    """A 汇报材料 draft in the town's register: 一、主要做法及成效 (the sections, each with its table),
    二、存在的问题 and 三、下一步工作打算 (the findings), on a 公文 page."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _page_number_footer(section)
    document.core_properties.title = report.title
    document.core_properties.author = f"{report.town} · 村情看板"
    document.core_properties.language = "zh-CN"

    _doc_paragraph(document, report.title, DOC_TITLE_FONT, 22, bold=True, align="center", indent=False, exact=36)
    _doc_paragraph(
        document,
        f"（{report.scope_label} · {report.date_text}）",
        DOC_SUBHEADING_FONT,
        16,
        align="center",
        indent=False,
    )
    _doc_paragraph(document, "", indent=False)
    if not report.outline:
        _doc_paragraph(document, f"{report.year}年{report.scope_label}暂无可汇报的台账数据。")
    else:
        covered = "、".join(s.short for s in report.outline)
        _doc_paragraph(
            document,
            f"根据村情看板截至{report.date_text}的台账数据，现将{report.year}年{report.scope_label}{covered}"
            "等方面工作情况、存在的问题及下一步工作打算汇报如下。",
        )
        tables = _doc_achievements(document, report)
        _doc_findings(document, report, tables)
    _doc_paragraph(document, "", indent=False)
    _doc_paragraph(document, report.town, align="right", indent=False)
    _doc_paragraph(document, report.date_text, align="right", indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _doc_heading(document: object, text: str) -> None:
    _doc_paragraph(document, text, DOC_HEADING_FONT, 16, keep_with_next=True)


def _doc_achievements(document: object, report: Report) -> int:
    """一、主要做法及成效: 核心指标, then （一）… per section with its paragraph and its table; the tables' count."""
    _doc_heading(document, "一、主要做法及成效")
    tables = 0
    if report.kpis:
        tables += 1
        lead = f"{report.year}年，{report.scope_label}各项重点工作有序推进，主要指标见表{tables}。"
        _doc_paragraph(document, lead, keep_with_next=True)
        _doc_table(document, f"表{tables}　{report.year}年核心指标", kpi_table(report))
    for number, part in enumerate(report.outline, start=1):
        _doc_paragraph(document, f"（{_numeral(number)}）{part.title}", DOC_SUBHEADING_FONT, 16, keep_with_next=True)
        # the paragraph stays with the table it introduces, and both with their heading
        _doc_paragraph(document, part.text, keep_with_next=part.table is not None)
        if part.table is not None:
            caption, frame = part.table
            tables += 1
            _doc_table(document, f"表{tables}　{caption}", frame)
    return tables


def _doc_findings(document: object, report: Report, tables: int) -> None:
    """二、存在的问题 and 三、下一步工作打算: one 一是… paragraph per finding, in the same order."""
    _doc_heading(document, "二、存在的问题")
    if not report.findings:
        _doc_paragraph(document, f"对照各项预警规则，{report.year}年{report.scope_label}暂未发现需要预警的问题。")
    else:
        _doc_paragraph(document, "对照年度目标和各项预警规则，当前工作中还存在以下问题：", keep_with_next=True)
        for index, finding in enumerate(report.findings, start=1):
            _doc_paragraph(document, f"{_numeral(index)}是{finding.problem}")
    _doc_heading(document, "三、下一步工作打算")
    if not report.findings:
        _doc_paragraph(document, "下一步，将继续对照年度目标，压实工作责任，推动各项工作常态长效。")
    else:
        _doc_paragraph(document, "针对上述问题，下一步将重点抓好以下工作：", keep_with_next=True)
        for index, finding in enumerate(report.findings, start=1):
            _doc_paragraph(document, f"{_numeral(index)}是{finding.next_step}")


def _numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二 (a report has at most a few dozen parts)."""
    if number <= 10:
        return CHINESE_NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else CHINESE_NUMERALS[tens - 1]) + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")
