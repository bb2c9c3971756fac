"""The headline figures (核心指标), declared once: the overview's cards, the report's 核心指标 slide,
汇报模式's and the wall's first screen, the workbook's 核心指标 sheet and the export headers read this list.

Each figure is one column of `year_overview` (one row per year). Adding a figure here, with its column
in that query, is all it takes for it to show on the overview, in the report and in presenter mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from village_stats import formatting as fmt
from village_stats.settings import Settings


@dataclass(frozen=True)
class Definition:
    column: str  # the year_overview column; also the key
    label: str  # the report's words; {low} {mid} {high} are the income thresholds: 村财收入≥{low}
    unit: str  # 个, 亿元 (of 元 amounts), 件, % (of percentages): fmt.kpi_text formats by it
    card_label: str = ""  # the overview card's shorter words (a quarter of a 1366 px page), if any
    better: str | None = "up"  # which way the change is good: "up", "down", or None (the delta stays grey)
    share_of: str | None = None  # the column of the whole: the card notes 占91.3%
    note: tuple[str, str, str] | None = None  # (words, column, unit) of a second figure: 满意率93.7%
    reported: tuple[str, str, str] | None = None  # (reporting column, whole column, noun): 23个村中3个已报送
    # the export header and kind (exports.COLUMNS) of a column that exists for this figure; a column
    # other tables share too (projects, tickets …) keeps its header among exports' own
    header: tuple[str, str] | None = None

    @property
    def key(self) -> str:
        return self.column

    def title(self, settings: Settings, card: bool = False) -> str:
        """The label with the configured income thresholds in it: 村财收入≥50万元."""
        low, mid, high = (fmt.threshold(t) for t in settings.income_thresholds_yuan)
        return ((self.card_label or self.label) if card else self.label).format(low=low, mid=mid, high=high)


# the villages over an income line: a share of those with income, and how many have reported
_TIER = {"share_of": "villages_with_income", "reported": ("villages_with_income", "scope_villages", "村")}

# in card order: two rows of four on the overview, the report's 核心指标 in the same order
KPIS: tuple[Definition, ...] = (
    Definition("villages_t1", "村财收入≥{low}", "个", "村财≥{low}", header=("收入达最低档线的村数", "int"), **_TIER),
    Definition("villages_t2", "村财收入≥{mid}", "个", "村财≥{mid}", **_TIER),
    Definition("villages_t3", "村财收入≥{high}", "个", "村财≥{high}", header=("收入达最高档线的村数", "int"), **_TIER),
    Definition(
        "five_star",
        "五星级村(社区)",
        "个",
        reported=("rated_units", "scope_units", "村(社区)"),
        header=("五星级(个)", "int"),
    ),
    Definition("projects", "揭榜挂帅项目", "个"),
    Definition("planned_investment", "计划总投资", "亿元"),
    # more tickets is neither good nor bad: the delta stays grey
    Definition(
        "tickets",
        "五单服务工单",
        "件",
        "五单工单",
        better=None,
        note=("满意率", "satisfied_pct", "%"),
    ),
    Definition("rectified_pct", "问题整改率", "%", note=("共", "problems", "条")),
)


def headers() -> dict[str, tuple[str, str]]:
    """The export headers of the columns that exist for a KPI (exports.COLUMNS takes them from here)."""
    return {kpi.column: kpi.header for kpi in KPIS if kpi.header is not None}
