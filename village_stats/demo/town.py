"""The demo town: its 25 units, their people, one seeded generator per ledger, and the registry."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from village_stats.demo.sheets import Column, Ledger

SEED = "village-stats-demo-v1"

# ---------------------------------------------------------------------------
# The town: 2 communities and 23 villages in four 片区, in registry order.
# ---------------------------------------------------------------------------
UNITS: tuple[tuple[str, str], ...] = (
    ("青溪社区", "南片"),
    ("凤岗社区", "东片"),
    ("溪口村", "东片"),
    ("石门村", "东片"),
    ("桃源村", "东片"),
    ("白沙村", "东片"),
    ("双溪村", "东片"),
    ("梅岭村", "南片"),
    ("枫林村", "南片"),
    ("龙潭村", "南片"),
    ("芝田村", "南片"),
    ("下湾村", "南片"),
    ("荷塘村", "南片"),
    ("上畈村", "西片"),
    ("柳塘村", "西片"),
    ("金竹村", "西片"),
    ("新塘村", "西片"),
    ("鹤溪村", "西片"),
    ("杨家村", "西片"),
    ("北垞村", "北片"),
    ("竹秀村", "北片"),
    ("岑下村", "北片"),
    ("后陈村", "北片"),
    ("横山村", "北片"),
    ("茶坪村", "北片"),
)

SURNAMES = "王陈张李吴周徐朱胡何郑叶方金楼应汪蒋杨黄俞章邵傅钱沈孙潘洪倪毛施童郭林程姚许丁赵"
GIVEN_NAMES = (
    "建华", "国强", "丽娟", "卫东", "海燕", "志刚", "伟", "敏", "秀英", "军",
    "勇", "杰", "芳", "静", "晓东", "春燕", "永明", "建军", "红梅", "立新",
    "文斌", "小平", "玉兰", "俊", "亚萍", "宏伟", "爱华", "国平", "美琴", "雪芬",
    "金水", "荣根", "彩凤", "跃进", "鑫", "浩", "佳慧", "一鸣", "晨", "丽萍",
)  # fmt: skip
TICKET_MEMBERS_PER_UNIT = 4
TOWN_OFFICIALS = 6


# ---------------------------------------------------------------------------
# The town's people and units
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """A village or community with the people the other ledgers refer to."""

    name: str
    area: str
    households: int
    population: int
    party_members: int
    secretary: str
    members: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "社区" if self.name.endswith("社区") else "村"

    @property
    def grids(self) -> int:
        return max(2, math.ceil(self.households / 350))


@dataclass(frozen=True)
class Town:
    name: str
    units: tuple[Unit, ...]
    officials: tuple[str, ...]

    def unit(self, name: str) -> Unit:
        return next(unit for unit in self.units if unit.name == name)

    def position(self, name: str) -> int:
        return next(i for i, unit in enumerate(self.units) if unit.name == name)


def rng_for(ledger: str) -> random.Random:
    """A generator per ledger; string seeds are stable across processes."""
    return random.Random(f"{SEED}:{ledger}")


def _people(rng: random.Random, count: int) -> list[str]:
    """Distinct plausible Chinese names (surname + given name)."""
    names = [surname + given for surname in SURNAMES for given in GIVEN_NAMES]
    rng.shuffle(names)
    return names[:count]


def build_town(town: str) -> Town:
    """Sizes and people of every unit, shared by all ledgers."""
    rng = rng_for("town")
    people = iter(_people(rng, len(UNITS) * (1 + TICKET_MEMBERS_PER_UNIT) + TOWN_OFFICIALS))
    units = []
    for name, area in UNITS:
        households = rng.randint(1100, 1500) if name.endswith("社区") else rng.randint(320, 1480)
        population = round(households * rng.uniform(2.75, 3.25))
        party_members = min(150, max(30, round(households * rng.uniform(0.075, 0.105))))
        secretary = next(people)
        members = tuple(next(people) for _ in range(TICKET_MEMBERS_PER_UNIT))
        units.append(Unit(name, area, households, population, party_members, secretary, members))
    officials = tuple(next(people) for _ in range(TOWN_OFFICIALS))
    return Town(town, tuple(units), officials)


# ---------------------------------------------------------------------------
# 1. 村(社区)名录
# ---------------------------------------------------------------------------
def registry_ledger(town: Town) -> Ledger:
    """The registry every other ledger's village names must match."""
    rows = [
        (
            unit.name,
            unit.kind,
            unit.area,
            unit.households,
            unit.population,
            unit.party_members,
        )
        for unit in town.units
    ]
    return Ledger(
        file_name="村社区名录.xlsx",
        title=f"{town.name}村（社区）基本情况名录",
        issuer=f"填报单位：{town.name}党建办",
        columns=(
            Column("村(社区)名称", width=14),
            Column("类型", width=8),
            Column("片区", width=8),
            Column("户数", "int", 8),
            Column("人口", "int", 8),
            Column("党员数", "int", 8),
        ),
        rows=rows,
    )
