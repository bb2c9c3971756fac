"""What a report is: its sections, KPI cards, charts, findings and slides, the same for every output.

`Report` is the one definition the PPTX, the DOCX, the XLSX, 汇报导出, 汇报模式 and the wall read;
the small numeric and text rules every part of it shares (万元/亿元 figures, a slide bullet) sit here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from village_stats import formatting as fmt
from village_stats import narrative

YI = Decimal(100_000_000)
WAN = Decimal(10_000)
CHINESE_NUMERALS = "一二三四五六七八九十"


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


class Results:
    """The query results by role; a role not run reads as an empty frame (no data)."""

    def __init__(self, results: dict[str, pd.DataFrame]) -> None:
        self._results = results

    def __call__(self, role: str) -> pd.DataFrame:
        found = self._results.get(role)
        return found if found is not None else pd.DataFrame()


# ---- the numbers every part shares ----------------------------------------------------------


def missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value) or pd.isna(value)


def round2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def wan_figure(value: object) -> float:
    return float(round2(fmt.to_decimal(value) / WAN))


def money_unit(values: list[object]) -> tuple[str, Decimal]:
    """亿元 when the largest amount reaches one 亿, else 万元; values shown with two decimals."""
    largest = max((abs(fmt.to_decimal(v)) for v in values if not missing(v)), default=Decimal(0))
    return ("亿元", YI) if largest >= YI else ("万元", WAN)


def figure_in(value: object, divisor: Decimal) -> float:
    return 0.0 if missing(value) else float(round2(fmt.to_decimal(value) / divisor))


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
