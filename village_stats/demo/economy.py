"""Demo ledgers of the town's economy: 村级集体经济收入 and 揭榜挂帅项目.

The 2023 incomes also rank the units from strongest to weakest (`strength_order`),
which the star ratings, the studios and the other ledgers follow.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from village_stats.demo.sheets import Column, Ledger
from village_stats.demo.town import Town, Unit, rng_for

CENT = Decimal("0.01")

# ---------------------------------------------------------------------------
# 村级集体经济收入: totals in 万元 for 2021, 2022, 2023, 2024.
# Tier counts over the 23 villages (≥20 / ≥50 / ≥100):
#   2021: 15 / 6 / 1    2022: 18 / 9 / 2    2023: 21 / 12 / 3    2024: 22 / 14 / 4
# 2023 is the speech's year: exactly 北垞 > 竹秀 > 岑下 reach 100万.
# 白沙村 falls below 50万 in 2023 and recovers; 双溪村 hits exactly 50.00 in
# 2024 (inclusive bound); 横山村 passes 20万 on subsidies alone, so it stays
# 经济薄弱 by operating income (< 10万).
# ---------------------------------------------------------------------------
INCOME_YEARS = (2021, 2022, 2023, 2024)
INCOME_TOTALS: dict[str, tuple[str, str, str, str]] = {
    "青溪社区": ("22.80", "25.40", "28.15", "30.90"),
    "凤岗社区": ("35.20", "38.60", "41.75", "45.30"),
    "北垞村": ("128.50", "158.20", "186.40", "212.60"),
    "竹秀村": ("94.80", "116.40", "142.75", "158.30"),
    "岑下村": ("78.30", "92.35", "108.30", "121.45"),
    "溪口村": ("70.15", "84.60", "96.20", "103.80"),
    "梅岭村": ("62.40", "76.90", "88.65", "94.20"),
    "石门村": ("55.60", "68.25", "79.40", "85.75"),
    "枫林村": ("48.25", "60.70", "72.15", "78.60"),
    "桃源村": ("46.10", "55.15", "66.80", "71.30"),
    "龙潭村": ("40.35", "48.90", "61.35", "65.90"),
    "上畈村": ("37.80", "45.30", "57.90", "60.45"),
    "柳塘村": ("35.20", "43.75", "53.60", "57.20"),
    "金竹村": ("32.65", "41.20", "50.85", "54.35"),
    "白沙村": ("44.70", "51.20", "47.30", "52.80"),
    "双溪村": ("28.90", "36.80", "42.15", "50.00"),
    "新塘村": ("24.15", "33.45", "38.70", "44.60"),
    "鹤溪村": ("19.60", "28.60", "34.25", "39.15"),
    "芝田村": ("18.35", "25.30", "30.60", "35.20"),
    "后陈村": ("16.80", "21.85", "27.45", "31.70"),
    "横山村": ("15.25", "18.40", "24.80", "26.40"),
    "杨家村": ("14.10", "17.25", "22.35", "25.10"),
    "茶坪村": ("12.45", "15.60", "20.40", "23.85"),
    "下湾村": ("10.30", "12.80", "16.75", "21.30"),
    "荷塘村": ("8.60", "9.75", "12.30", "15.60"),
}
SUBSIDY_DEPENDENT_VILLAGE = "横山村"
OPERATING_FLOOR_WAN = Decimal(10)

# ---------------------------------------------------------------------------
# 揭榜挂帅项目: per year the project count and planned investment (万元).
# 2024 is the speech's year: 149 projects, 14.53亿元.
# ---------------------------------------------------------------------------
ARENAS = ("党建引领", "产业发展", "城镇建设", "社会事业", "乡村振兴")
PROJECT_PLAN: dict[int, tuple[int, Decimal]] = {
    2022: (96, Decimal("86200.00")),
    2023: (121, Decimal("112600.00")),
    2024: (149, Decimal("145300.00")),
}
VILLAGE_PROJECT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "党建引领": (
        "{village}党群服务中心提升改造",
        "{village}红色教育阵地建设",
        "{village}党建引领共富工坊建设",
        "{village}清廉村居示范点建设",
        "{village}党员先锋站建设",
    ),
    "产业发展": (
        "{village}强村公司标准厂房建设",
        "{village}农产品加工中心建设",
        "{village}茶园提质扩面工程",
        "{village}屋顶分布式光伏项目",
        "{village}精品民宿集聚区培育",
        "{village}物业经济用房建设",
        "{village}农旅融合示范基地建设",
    ),
    "城镇建设": (
        "{village}村道拓宽改造工程",
        "{village}危桥改造工程",
        "{village}公共停车场建设",
        "{village}农房风貌整治提升",
        "{village}雨污分流改造工程",
        "{village}供水管网改造工程",
    ),
    "社会事业": (
        "{village}文化礼堂提升改造工程",
        "{village}居家养老服务照料中心建设",
        "{village}卫生室规范化建设",
        "{village}老年食堂建设",
        "{village}体育健身广场建设",
        "{village}儿童之家建设",
    ),
    "乡村振兴": (
        "{village}未来乡村建设",
        "{village}美丽庭院示范片区创建",
        "{village}高标准农田建设",
        "{village}山塘除险加固工程",
        "{village}全域土地综合整治",
        "{village}溪道生态修复工程",
    ),
}
# Town-level projects (镇级项目, no village) are the big ones; the figure is
# a rough size in 万元 before the year is scaled to its planned total.
TOWN_PROJECTS: dict[int, tuple[tuple[str, str, int], ...]] = {
    2022: (
        ("城镇建设", "{town}小城镇环境综合整治提升工程", 12000),
        ("乡村振兴", "{town}农村生活污水治理提标改造", 9000),
        ("产业发展", "{town}工业功能区基础设施配套工程", 11000),
        ("社会事业", "{town}中心小学改扩建工程", 7000),
        ("党建引领", "{town}党群服务中心迁建工程", 3000),
    ),
    2023: (
        ("城镇建设", "{town}集镇主干道综合改造工程", 13000),
        ("乡村振兴", "{town}全域土地综合整治与生态修复工程", 15000),
        ("产业发展", "{town}农产品冷链物流中心建设", 6000),
        ("社会事业", "{town}区域性居家养老服务中心建设", 5000),
        ("城镇建设", "{town}农贸市场改造提升工程", 3500),
        ("乡村振兴", "{town}美丽河湖建设工程", 8000),
        ("党建引领", "{town}红色研学基地建设", 4000),
    ),
    2024: (
        ("城镇建设", "{town}污水零直排区建设", 9000),
        ("产业发展", "{town}小微企业园建设", 15000),
        ("城镇建设", "{town}集镇有机更新工程", 12000),
        ("社会事业", "{town}卫生院迁建工程", 8000),
        ("乡村振兴", "{town}未来乡村示范带建设", 6000),
        ("产业发展", "{town}文旅综合体建设", 10000),
        ("城镇建设", "{town}过境公路改线工程", 14000),
        ("社会事业", "{town}公办幼儿园新建工程", 5000),
        ("乡村振兴", "{town}高标准农田连片建设工程", 4000),
        ("党建引领", "{town}党建综合体建设", 3000),
    ),
}
# By the report date older projects are mostly finished; 2024 still has
# projects in planning (谋划).
PROJECT_STATUS_WEIGHTS: dict[int, dict[str, float]] = {
    2022: {"谋划": 0.0, "在建": 0.12, "完工": 0.88},
    2023: {"谋划": 0.0, "在建": 0.30, "完工": 0.70},
    2024: {"谋划": 0.12, "在建": 0.50, "完工": 0.38},
}
IN_PROGRESS_SHARE: dict[int, tuple[float, float]] = {
    2022: (0.60, 0.95),
    2023: (0.40, 0.90),
    2024: (0.10, 0.80),
}


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


# ---------------------------------------------------------------------------
# 2. 村级集体经济收入
# ---------------------------------------------------------------------------
def _operating_share(name: str, total: Decimal, rng: random.Random) -> float:
    """Share of operating income in the total: richer villages earn, poorer ones are subsidised.

    Only the subsidy-dependent village may fall under the operating-income floor
    while its total is above 20万, so the demo has exactly one village that is
    经济薄弱 by operating income alone.
    """
    if name == SUBSIDY_DEPENDENT_VILLAGE:
        return rng.uniform(0.28, 0.34)
    if total < 20:
        return rng.uniform(0.25, 0.45)
    if total >= 100:
        return rng.uniform(0.72, 0.85)
    return max(
        rng.uniform(0.45, 0.75),
        float(OPERATING_FLOOR_WAN + Decimal("0.5")) / float(total),
    )


def _income_components(name: str, total: Decimal, rng: random.Random) -> tuple[Decimal, ...]:
    """Split a total into (经营性, 发包及上交, 投资收益, 补助, 其他).

    The four components add up to the total to the cent; 经营性收入 is
    发包及上交 + 投资收益, so it never exceeds the total.
    """
    total_cents = int(total * 100)
    operating = round(total_cents * _operating_share(name, total, rng))
    contract = round(operating * rng.uniform(0.55, 0.85))
    investment = operating - contract
    rest = total_cents - operating
    subsidy = round(rest * rng.uniform(0.60, 0.90))
    other = rest - subsidy
    return tuple(_money(cents) for cents in (operating, contract, investment, subsidy, other))


def _income_ledger(town: Town) -> Ledger:
    """Four years of 村财收入 for every unit, with a 全镇合计 row as on the official form."""
    rng = rng_for("income")
    rows = []
    for index, year in enumerate(INCOME_YEARS):
        for unit in town.units:
            total = Decimal(INCOME_TOTALS[unit.name][index])
            rows.append((year, unit.name, total, *_income_components(unit.name, total, rng)))
    money_columns = list(zip(*(row[2:] for row in rows), strict=True))
    total_row = (
        None,
        "全镇合计",
        *(sum(column, Decimal("0.00")) for column in money_columns),
    )
    first, last = INCOME_YEARS[0], INCOME_YEARS[-1]
    return Ledger(
        file_name="村级集体经济收入.xlsx",
        title=f"{town.name}村级集体经济收入统计表（{first}—{last}年）",
        issuer=f"填报单位：{town.name}农业农村办　　单位：万元",
        columns=(
            Column("年度", "int", 8),
            Column("村(社区)名称", width=14),
            Column("村集体经济总收入(万元)", "money", 14),
            Column("经营性收入(万元)", "money", 12),
            Column("发包及上交收入(万元)", "money", 13),
            Column("投资收益(万元)", "money", 11),
            Column("补助收入(万元)", "money", 11),
            Column("其他收入(万元)", "money", 11),
        ),
        rows=rows,
        total_row=total_row,
    )


# ---------------------------------------------------------------------------
# 3. 揭榜挂帅项目
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectDraft:
    arena: str
    name: str
    village: Unit | None
    size: float  # relative size before scaling to the year's total


def _village_project_size(rng: random.Random) -> float:
    """Mostly small village projects, some medium, a few large ones (万元, unscaled)."""
    draw = rng.random()
    if draw < 0.55:
        return rng.uniform(30, 300)
    if draw < 0.90:
        return rng.uniform(300, 1000)
    return rng.uniform(1000, 3000)


def _round_investment(amount: float) -> Decimal:
    """Planned investments are round figures: whole 万元, or 0.1万 for small ones."""
    step = Decimal("0.1") if amount < 100 else Decimal(1)
    return Decimal(repr(amount)).quantize(step, ROUND_HALF_UP).quantize(CENT)


def _scale_to_total(sizes: Sequence[float], total: Decimal) -> list[Decimal]:
    """Scale relative sizes so the rounded amounts add up to exactly `total`.

    The rounding difference goes to the largest project, where it is invisible.
    """
    factor = float(total) / sum(sizes)
    amounts = [_round_investment(size * factor) for size in sizes]
    largest = max(range(len(amounts)), key=amounts.__getitem__)
    amounts[largest] += total - sum(amounts)
    return amounts


def _project_drafts(year: int, town: Town, rng: random.Random, used_names: set[str]) -> list[ProjectDraft]:
    """The year's town-level projects plus village projects up to the planned count.

    Names are unique across all years, so a project never seems to repeat.
    """
    count, _ = PROJECT_PLAN[year]
    drafts = [
        ProjectDraft(arena, template.format(town=town.name), None, size * rng.uniform(0.9, 1.1))
        for arena, template, size in TOWN_PROJECTS[year]
    ]
    while len(drafts) < count:
        arena = rng.choice(ARENAS)
        unit = rng.choice(town.units)
        name = rng.choice(VILLAGE_PROJECT_TEMPLATES[arena]).format(village=unit.name)
        if name not in used_names:
            used_names.add(name)
            drafts.append(ProjectDraft(arena, name, unit, _village_project_size(rng)))
    return drafts


def _project_progress(year: int, planned: Decimal, rng: random.Random) -> tuple[str, Decimal | None, date | None]:
    """Status, completed investment and start date, consistent with each other."""
    weights = PROJECT_STATUS_WEIGHTS[year]
    status = rng.choices(list(weights), weights=list(weights.values()))[0]
    if status == "谋划":
        return status, (Decimal("0.00") if rng.random() < 0.5 else None), None
    if status == "完工":
        share = 1.0 if rng.random() < 0.3 else rng.uniform(0.96, 1.0)
        latest_month = 8
    else:
        share = rng.uniform(*IN_PROGRESS_SHARE[year])
        latest_month = 11
    completed = (planned * Decimal(repr(share))).quantize(CENT, ROUND_DOWN)
    started = date(year, rng.randint(1, latest_month), rng.randint(1, 28))
    return status, completed, started


def _project_ledger(town: Town) -> Ledger:
    """揭榜挂帅 projects of 2022—2024; each year's planned total is exact."""
    rng = rng_for("projects")
    used_names: set[str] = set()
    projects = []
    for year, (_, total) in PROJECT_PLAN.items():
        drafts = _project_drafts(year, town, rng, used_names)
        for draft, planned in zip(drafts, _scale_to_total([d.size for d in drafts], total), strict=True):
            status, completed, started = _project_progress(year, planned, rng)
            if draft.village is None:
                leader = rng.choice(town.officials)
            elif rng.random() < 0.6:
                leader = draft.village.secretary
            else:
                leader = rng.choice(draft.village.members)
            village = draft.village.name if draft.village else None
            projects.append(
                (
                    year,
                    draft.name,
                    village,
                    draft.arena,
                    planned,
                    completed,
                    status,
                    leader,
                    started,
                )
            )

    def listing_order(project: tuple) -> tuple:
        year, name, village, arena = project[:4]
        village_position = -1 if village is None else town.position(village)
        return year, ARENAS.index(arena), village_position, name

    projects.sort(key=listing_order)
    rows = []
    numbers: dict[int, int] = {}
    for project in projects:
        year = project[0]
        numbers[year] = numbers.get(year, 0) + 1
        rows.append((f"JB{year}-{numbers[year]:03d}", *project))
    return Ledger(
        file_name="揭榜挂帅项目.xlsx",
        title=f"{town.name}“揭榜挂帅”项目汇总表（2022—2024年）",
        issuer=f"填报单位：{town.name}项目推进办　　单位：万元",
        columns=(
            Column("项目编号", width=12),
            Column("年度", "int", 7),
            Column("项目名称", width=36),
            Column("所属村(社区)", width=12),
            Column("擂台", width=10),
            Column("计划总投资(万元)", "money", 12),
            Column("已完成投资(万元)", "money", 12),
            Column("项目状态", width=9),
            Column("揭榜人", width=9),
            Column("开工日期", "date", 12),
        ),
        rows=rows,
    )


def strength_order(town: Town) -> list[str]:
    """Units from strongest to weakest: villages by 2023 income, communities mid-table."""
    villages = [unit.name for unit in town.units if unit.kind == "村"]
    villages.sort(key=lambda name: Decimal(INCOME_TOTALS[name][2]), reverse=True)
    communities = [unit.name for unit in town.units if unit.kind == "社区"]
    return villages[:6] + communities[1:] + villages[6:12] + communities[:1] + villages[12:]


def economy_ledgers(town: Town) -> tuple[Ledger, ...]:
    return (_income_ledger(town), _project_ledger(town))
