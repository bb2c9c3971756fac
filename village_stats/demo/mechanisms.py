"""Demo ledgers for the seed's other mechanisms: 党员积分存折, 书记工作室, 乡贤, 村干部.

Same rules as the core ledgers: figures the speech states are written down by hand
(民意 90+ and 纠纷 60+ in 2024, one 市级示范点 first, studios growing toward all
25 units), the detail comes from a seeded generator per ledger, and the output
is byte-identical from run to run. The town, its people and the ledger writer
are the package's own (town.py, sheets.py), so these sheets look like the other six.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from village_stats.demo.economy import strength_order
from village_stats.demo.sheets import Column, Ledger
from village_stats.demo.town import GIVEN_NAMES, SURNAMES, Town, rng_for

# ---------------------------------------------------------------------------
# 7. 党员量化积分：试点的凤岗社区和北片六个村，2024年每季度，全体党员
# ---------------------------------------------------------------------------
POINTS_PILOT = "凤岗社区"
POINTS_AREA = "北片"
POINTS_YEAR = 2024
QUARTER_WORDS = ("第一季度", "第二季度", "第三季度", "第四季度")
BASE_POINTS = Decimal(60)
# members whose quarter went badly (出出汗): a few per branch, with deductions
LOW_SCORER_SHARE = 0.04


def _members(rng: random.Random, count: int) -> list[str]:
    names = [surname + given for surname in SURNAMES for given in GIVEN_NAMES]
    rng.shuffle(names)
    return names[:count]


def points_branches(town: Town) -> list[str]:
    """The branches that keep 积分存折 in the demo: the pilot first, then 北片's villages."""
    return [POINTS_PILOT, *(u.name for u in town.units if u.area == POINTS_AREA and u.name != POINTS_PILOT)]


def _points_ledger(town: Town) -> Ledger:
    rng = rng_for("member_points")
    rows = []
    for branch in points_branches(town):
        unit = town.unit(branch)
        members = _members(rng, unit.party_members)
        # a member's engagement is steady over the year: the same people lead the 晒分 list
        engagement = {m: rng.betavariate(2.2, 2.0) for m in members}
        strugglers = set(rng.sample(members, max(1, round(len(members) * LOW_SCORER_SHARE))))
        for quarter, words in enumerate(QUARTER_WORDS, start=1):
            for member in members:
                bonus = Decimal(round(engagement[member] * 30 + rng.uniform(-3, 3) + quarter * 0.8)).max(Decimal(0))
                deducted = Decimal(0)
                if member in strugglers and rng.random() < 0.8:
                    deducted = Decimal(rng.choice((10, 12, 15, 20)))
                    bonus = min(bonus, Decimal(3))
                elif rng.random() < 0.05:
                    deducted = Decimal(rng.choice((2, 3, 5)))
                half = Decimal("0.5") if rng.random() < 0.3 else Decimal(0)
                bonus += half
                total = BASE_POINTS + bonus - deducted
                rows.append((f"{POINTS_YEAR}年{words}", branch, member, BASE_POINTS, bonus, deducted, total))
    return Ledger(
        file_name="党员积分存折.xlsx",
        title=f"{town.name}党员量化积分（积分存折）汇总表（{POINTS_YEAR}年）",
        issuer=f"填报单位：{town.name}党建办　　单位：分",
        columns=(
            Column("积分周期", width=14),
            Column("所属支部", width=12),
            Column("党员姓名", width=10),
            Column("基础分", "score", 8),
            Column("加分", "score", 8),
            Column("扣分", "score", 8),
            Column("总积分", "score", 8),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# 8. 书记工作室：2022年第一个市级示范点，逐年在五星级组织中培育
# ---------------------------------------------------------------------------
# established per year; the first of 2022 is the city-level 示范点
STUDIO_PLAN = {2022: 1, 2023: 4, 2024: 7}
STUDIO_FOCUS = ("重点项目", "乡村振兴", "基层治理", "提升服务")
STUDIO_SKIPS = 3  # strong units passed over so far: the page's next candidates


def _studio_ledger(town: Town) -> Ledger:
    rng = rng_for("studios")
    order = strength_order(town)
    # the strongest first, but a few strong ones are still waiting (the page names them as candidates)
    waiting = set(order[6 : 6 + STUDIO_SKIPS])
    chosen = [name for name in order if name not in waiting]
    rows = []
    index = 0
    for year, count in STUDIO_PLAN.items():
        for _ in range(count):
            name = chosen[index]
            unit = town.unit(name)
            first = index == 0
            level = "市级示范点" if first else ("县级" if index < 5 else "镇级")
            day = date(year, 3, 1) + timedelta(days=rng.randrange(0, 270))
            short = name.removesuffix("村")
            rows.append((name, f"{short}{unit.secretary}书记工作室", level, day, STUDIO_FOCUS[index % 4]))
            index += 1
    return Ledger(
        file_name="书记工作室.xlsx",
        title=f"{town.name}村（社区）书记工作室建设情况表",
        issuer=f"填报单位：{town.name}党建办",
        columns=(
            Column("村(社区)名称", width=12),
            Column("工作室名称", width=22),
            Column("级别", width=10),
            Column("成立日期", "date", 12),
            Column("工作重点", width=10),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# 9. 乡贤参与：2024年收集民意90余条、化解纠纷60余起
# ---------------------------------------------------------------------------
# (year, kind) → total quantity; activities are split into 1–4 items each
SAGE_PLAN = {
    2023: {"民意收集": 71, "矛盾调解": 44, "献言献策": 18, "政策宣传": 12, "回乡创业": 3},
    2024: {"民意收集": 96, "矛盾调解": 63, "献言献策": 24, "政策宣传": 15, "回乡创业": 5},
}
SAGES_PER_TOWN = 18
SAGE_TOPICS = {
    "民意收集": ("收集村道修缮意见", "收集农村养老需求", "走访收集环境整治意见", "收集农产品销售难题"),
    "矛盾调解": ("调解邻里宅基地纠纷", "调解土地流转纠纷", "调解家庭赡养纠纷", "调解山林权属纠纷"),
    "献言献策": ("为村庄规划建言", "为乡村旅游发展献策", "为集体经济项目出点子"),
    "政策宣传": ("宣讲乡村振兴政策", "宣传移风易俗", "宣讲反诈知识"),
    "回乡创业": ("回乡投资民宿", "回乡创办农业合作社"),
}


def _split(total: int, rng: random.Random) -> list[int]:
    parts = []
    while total > 0:
        part = min(total, rng.choice((1, 1, 2, 2, 3, 4)))
        parts.append(part)
        total -= part
    return parts


def _sage_ledger(town: Town) -> Ledger:
    rng = rng_for("sages")
    sages = [(name, rng.choice(town.units).name) for name in _members(rng, SAGES_PER_TOWN)]
    weights = [rng.paretovariate(1.6) for _ in sages]  # a few sages do most of the work
    rows = []
    for year, plan in SAGE_PLAN.items():
        activities = []
        for kind, total in plan.items():
            for quantity in _split(total, rng):
                sage, home = rng.choices(sages, weights=weights)[0]
                village = home if rng.random() < 0.75 else rng.choice(town.units).name
                day = date(year, 1, 1) + timedelta(days=rng.randrange(0, 365))
                activities.append((day, village, sage, kind, quantity, rng.choice(SAGE_TOPICS[kind])))
        activities.sort()
        for number, activity in enumerate(activities, start=1):
            rows.append((f"XX{year}-{number:03d}", *activity))
    return Ledger(
        file_name="乡贤参与.xlsx",
        title=f"{town.name}乡贤参与基层治理工作台账（2023—2024年）",
        issuer=f"填报单位：{town.name}统战办",
        columns=(
            Column("编号", width=11),
            Column("日期", "date", 12),
            Column("村(社区)名称", width=12),
            Column("乡贤姓名", width=10),
            Column("类型", width=10),
            Column("数量", "int", 6),
            Column("内容", width=24),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# 10. 村干部与后备力量：每个村(社区)的两委、后备干部和党务专员
# ---------------------------------------------------------------------------
EDUCATION_WEIGHTS = {"初中及以下": 8, "高中/中专": 30, "大专": 35, "本科": 25, "研究生": 2}
NO_RESERVE = ("横山村", "双溪村", "新塘村")  # villages without a reserve cadre, flagged on the page


def _birth_text(year: int, month: int, rng: random.Random) -> str:
    """出生年月 as clerks write it: 1985.06, 1985年6月 or just 1985."""
    style = rng.random()
    if style < 0.5:
        return f"{year}.{month:02d}"
    if style < 0.8:
        return f"{year}年{month}月"
    return str(year)


def _cadre_ledger(town: Town) -> Ledger:
    rng = rng_for("cadres")
    secretaries = {unit.secretary for unit in town.units}
    people = iter(name for name in _members(rng, len(town.units) * 14) if name not in secretaries)
    education = list(EDUCATION_WEIGHTS)
    weights = list(EDUCATION_WEIGHTS.values())
    rows = []
    for unit in town.units:
        committee = [unit.secretary, *(next(people) for _ in range(rng.randint(4, 6)))]
        reserves = [] if unit.name in NO_RESERVE else [next(people) for _ in range(rng.randint(1, 3))]
        clerks = [next(people)] if rng.random() < 0.7 else []
        for role, names, born in (
            ("两委干部", committee, (1962, 1992)),
            ("后备干部", reserves, (1988, 2001)),
            ("党务专员", clerks, (1990, 2000)),
        ):
            for name in names:
                year = rng.randint(*born)
                level = rng.choices(education, weights=weights)[0]
                if role != "两委干部" and level == "初中及以下":
                    level = "大专"
                upgrading = "是" if level in ("初中及以下", "高中/中专", "大专") and rng.random() < 0.35 else "否"
                trainings = rng.randint(1, 6) if role != "党务专员" else rng.randint(2, 8)
                rows.append(
                    (unit.name, name, role, _birth_text(year, rng.randint(1, 12), rng), level, upgrading, trainings)
                )
    return Ledger(
        file_name="村干部与后备力量.xlsx",
        title=f"{town.name}村（社区）干部及后备力量花名册（2024年）",
        issuer=f"填报单位：{town.name}组织办",
        columns=(
            Column("村(社区)名称", width=12),
            Column("姓名", width=9),
            Column("身份", width=10),
            Column("出生年月", width=11),
            Column("学历", width=11),
            Column("学历提升", width=9),
            Column("参训次数", "int", 9),
        ),
        rows=rows,
    )


def mechanism_ledgers(town: Town) -> tuple[Ledger, ...]:
    return (_points_ledger(town), _studio_ledger(town), _sage_ledger(town), _cadre_ledger(town))
