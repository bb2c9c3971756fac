"""`ticket_counts`, the monthly counts of service tickets that the dashboard reads instead of the tickets.

A city has a million tickets a year; counting them by kind, month, step and town
for every page run cost most of the 五单服务 page (docs/decisions.md). The counts
per year, town, village, kind and month are about a tenth as many rows. They are
derived, never imported: every writer of `service_tickets` (an import, an undo, the
scale generator; a migration fills them once) recomputes here, in its own
transaction, the years it touched, so the counts commit or roll back with the
tickets. The statement that counts is the schema's `counted_tickets` macro, so
there is one definition of each figure.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb


def refresh(con: duckdb.DuckDBPyConnection, years: Iterable[int | None]) -> None:
    """Recompute the counts of these years (a year of a city's tickets takes ~0.2 s)."""
    for year in sorted({int(y) for y in years if y is not None}):
        con.execute("delete from ticket_counts where year = $year", {"year": year})
        con.execute("insert into ticket_counts select * from counted_tickets($year, $year)", {"year": year})


def refresh_all(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every year's counts (after the scale generator has written all its tickets)."""
    con.execute("delete from ticket_counts")
    con.execute(
        "insert into ticket_counts select * from counted_tickets("
        "(select min(year(ordered_at)) from service_tickets)::integer, "
        "(select max(year(ordered_at)) from service_tickets)::integer) "
        "order by year"  # each year's rows together, as refresh() leaves them: pages read one year
    )


def stale_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years whose stored counts differ from the tickets (none, unless a writer forgot to refresh)."""
    found = con.execute(
        "select distinct year from ("
        "(select * from ticket_counts except all select * from counted_tickets(0, 9999)) "
        "union all "
        "(select * from counted_tickets(0, 9999) except all select * from ticket_counts)"
        ") order by year"
    ).fetchall()
    return [row[0] for row in found]
