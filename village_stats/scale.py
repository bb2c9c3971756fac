"""County- and city-sized synthetic databases for the scale benchmarks (`demo --scale`).

The bundled demo town is built through the importer from spreadsheets. A city
(150 towns, 3,000 villages, 5,000,000 tickets) is not: `scale.sql` generates
every table inside DuckDB with SQL over `range()` and hash-based pseudo-random
values, which takes minutes instead of hours. The tables, constraints and
vocabularies are the real ones (schema.sql, datasets.py, settings), so every
page and query runs on it unchanged; tests/test_scale.py checks the data against
the same rules an import applies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from village_stats import ticket_counts
from village_stats.datasets import DATASETS
from village_stats.db import Database
from village_stats.importing import refuse_if_user_data
from village_stats.settings import Settings

SCALE_SQL = Path(__file__).with_name("scale.sql")


@dataclass(frozen=True)
class Scale:
    towns: int
    villages_per_town: int
    first_year: int
    years: int
    projects: int  # in all years together
    tickets: int
    problems: int
    points_members: int = 15  # 党员 per unit in the points ledger, quarterly for the last two years
    sages_per_unit_year: int = 6  # 乡贤 activities per unit and year

    @property
    def units(self) -> int:
        return self.towns * self.villages_per_town


# The city has ~3,000 units; the county ~400, with the city's density per unit.
SCALES: dict[str, Scale] = {
    "county": Scale(
        towns=20, villages_per_town=20, first_year=2021, years=5, projects=6_700, tickets=670_000, problems=13_500
    ),
    "city": Scale(
        towns=150, villages_per_town=20, first_year=2021, years=5, projects=50_000, tickets=5_000_000, problems=100_000
    ),
}


@dataclass(frozen=True)
class Built:
    path: Path
    seconds: float
    rows: dict[str, int]

    def summary(self) -> str:
        counts = "，".join(f"{table} {count:,}行" for table, count in self.rows.items())
        return f"用时 {self.seconds:.1f} 秒：{counts}"


TABLES = tuple(dataset.table for dataset in DATASETS.values())  # every ledger, in import order


def build(path: Path, scale: Scale, settings: Settings, force: bool = False) -> Built:
    """A fresh database at `path` with `scale`'s synthetic data, moved into place when complete."""
    refuse_if_user_data(path, settings, force)
    started = time.perf_counter()
    building = path.with_name(path.name + ".building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    database = Database(building, settings.lock_wait_seconds)
    database.migrate()
    variables: dict[str, object] = {
        "towns": scale.towns,
        "villages_per_town": scale.villages_per_town,
        "first_year": scale.first_year,
        "years": scale.years,
        "projects": scale.projects,
        "tickets": scale.tickets,
        "problems": scale.problems,
        "points_members": scale.points_members,
        "sages_per_unit_year": scale.sages_per_unit_year,
        "arenas": list(settings.arenas),
        "ticket_kinds": list(settings.ticket_kinds),
    }
    with database.write() as con:
        for name, value in variables.items():
            # names come from the dict above, values are bound
            con.execute(f"set variable {name} = $value", {"value": value})
        con.execute("begin transaction")
        con.execute(SCALE_SQL.read_text(encoding="utf-8"))
        ticket_counts.refresh_all(con)
        con.execute("commit")
        con.execute("checkpoint")
        rows = {table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES}
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    building.replace(path)
    return Built(path, time.perf_counter() - started, rows)
