"""Demo ledgers: ten spreadsheets for the fictional town of 青溪镇 (2021—2024).

The bundled demo has one job: when it is imported, the dashboard's own queries
must reproduce the figures of the speech the project comes from (21 of 23
villages above 20万, 149 projects worth 14.53亿元, 14 five-star organisations,
6 + 15 + 178 service tickets, 60 党建体检 problems …). Those headline figures
are therefore written down by hand below (income totals, plans and counts);
only the detail around them — names, dates, component splits — is drawn from a
seeded random generator. Every ledger gets its own generator, so changing one
ledger never shifts the numbers of another, and the output is byte-identical
from run to run.

The workbooks are shaped like the ledgers the town actually keeps (a merged
title, a 填报单位 line, the header row, the data, a footer), so the importer
meets realistic sheets from the very first run.

One module per family of ledgers, over two shared ones:
- town.py: the 25 units, their people, a seeded generator per ledger, the registry;
- sheets.py: `Ledger` and writing it as a workbook;
- economy.py: 村级集体经济收入, 揭榜挂帅项目 (and the units' strength order);
- governance.py: 达标创星, 五单服务工单, 问题整改台账;
- mechanisms.py: 党员积分存折, 书记工作室, 乡贤参与, 村干部与后备力量.
"""

from __future__ import annotations

from pathlib import Path

from village_stats.demo.economy import (
    ARENAS,
    INCOME_TOTALS,
    INCOME_YEARS,
    OPERATING_FLOOR_WAN,
    PROJECT_PLAN,
    SUBSIDY_DEPENDENT_VILLAGE,
    economy_ledgers,
    strength_order,
)
from village_stats.demo.governance import (
    INSPECTION_ROUNDS,
    OPEN_TICKETS,
    STAR_PLAN,
    STAR_TEXT,
    TICKET_PLAN,
    InspectionRound,
    governance_ledgers,
)
from village_stats.demo.mechanisms import mechanism_ledgers, points_branches
from village_stats.demo.sheets import CREATED, FOOTER, Column, Ledger, write_ledger
from village_stats.demo.town import GIVEN_NAMES, SEED, SURNAMES, UNITS, Town, Unit, build_town, registry_ledger

__all__ = [
    "ARENAS",
    "CREATED",
    "FOOTER",
    "GIVEN_NAMES",
    "INCOME_TOTALS",
    "INCOME_YEARS",
    "INSPECTION_ROUNDS",
    "OPEN_TICKETS",
    "OPERATING_FLOOR_WAN",
    "PROJECT_PLAN",
    "SEED",
    "STAR_PLAN",
    "STAR_TEXT",
    "SUBSIDY_DEPENDENT_VILLAGE",
    "SURNAMES",
    "TICKET_PLAN",
    "UNITS",
    "Column",
    "InspectionRound",
    "Ledger",
    "Town",
    "Unit",
    "demo_ledgers",
    "mechanism_ledgers",
    "points_branches",
    "strength_order",
    "write_demo_ledgers",
]


def demo_ledgers(town: Town) -> tuple[Ledger, ...]:
    """Every demo ledger of `town`, in the order they are written and imported."""
    return (registry_ledger(town), *economy_ledgers(town), *governance_ledgers(town), *mechanism_ledgers(town))


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------
def write_demo_ledgers(out_dir: Path, town: str = "青溪镇") -> list[Path]:
    """Write the demo ledgers (the six core ones, then the four mechanisms) into `out_dir`; their paths.

    The output is deterministic: the same arguments give byte-identical files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ledger in demo_ledgers(build_town(town)):
        path = out_dir / ledger.file_name
        write_ledger(path, ledger)
        paths.append(path)
    return paths
