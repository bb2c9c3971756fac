"""Which year the dashboard opens on, and what a newer year holds so far (pure).

Ledgers arrive at different times: every January one ledger of the new year is
imported weeks before the others. Opening on the newest year any ledger mentions
would show a leader a year of blanks; the dashboard opens on the latest year in
which all five core ledgers have data, and says what the newer year has so far.
"""

from __future__ import annotations

import pandas as pd

# the five core ledgers (data_years' dataset names), with the names the pages give them
CORE = {
    "income": "村财收入",
    "projects": "项目投资",
    "stars": "达标创星",
    "tickets": "五单服务",
    "problems": "问题整改",
}


def core_ledgers_by_year(data_years: pd.DataFrame) -> dict[int, list[str]]:
    """Year → the core ledgers (data_years names, in CORE's order) that have data that year."""
    found: dict[int, set[str]] = {}
    for dataset, year in zip(data_years["dataset"], data_years["year"], strict=True):
        if dataset in CORE and pd.notna(year):
            found.setdefault(int(year), set()).add(str(dataset))
    return {year: [d for d in CORE if d in sets] for year, sets in found.items()}


def default_year(data_years: pd.DataFrame) -> int | None:
    """The latest year with all five core ledgers; failing that, the latest of those with the most of them;
    failing that (only other ledgers), the newest year of any; None for an empty database."""
    by_year = core_ledgers_by_year(data_years)
    if by_year:
        most = max(len(ledgers) for ledgers in by_year.values())
        return max(year for year, ledgers in by_year.items() if len(ledgers) == most)
    years = [int(y) for y in data_years["year"] if pd.notna(y)]
    return max(years) if years else None


def imported_later(data_years: pd.DataFrame, shown: int | None) -> list[str]:
    """`2025年已导入：村财收入` for each year after `shown` that has some but not all core ledgers, newest first."""
    if shown is None:
        return []
    by_year = core_ledgers_by_year(data_years)
    return [
        f"{year}年已导入：{'、'.join(CORE[d] for d in ledgers)}"
        for year, ledgers in sorted(by_year.items(), reverse=True)
        if year > shown and len(ledgers) < len(CORE)
    ]


def missing_core(data_years: pd.DataFrame, year: int | None) -> list[str]:
    """The core ledgers (page names) with no data in `year`."""
    if year is None:
        return []
    present = set(core_ledgers_by_year(data_years).get(int(year), []))
    return [title for dataset, title in CORE.items() if dataset not in present]
