"""ticket_counts (v9): the monthly ticket counts the pages read stay exactly what the tickets say,
through imports, a ticket moved to another year, undo, dry runs, the scale generator and migration."""

from __future__ import annotations

import datetime as dt

from tests import ledgers
from tests.ledgers import write_xlsx
from tests.test_importing import NEW_TICKET, differences, snapshot, stored_ticket
from village_stats import ticket_counts
from village_stats.db import Database
from village_stats.importing import import_file, undo_import


def counts(database: Database) -> dict[int, tuple[int, int, int]]:
    """Per year: rows of ticket_counts, tickets they count, tickets stored."""
    with database.read() as cur:
        found = cur.execute(
            "select c.year, c.rows, c.tickets, t.tickets from "
            "(select year, count(*) as rows, sum(tickets) as tickets from ticket_counts group by year) as c "
            "full join (select year(ordered_at) as year, count(*) as tickets from service_tickets group by 1) as t "
            "using (year) order by 1"
        ).fetchall()
    return {year: (rows, counted, stored) for year, rows, counted, stored in found}


def stale(database: Database) -> list[int]:
    with database.read() as cur:
        return ticket_counts.stale_years(cur)


def test_the_demo_town_is_counted(demo_db):
    found = counts(demo_db)
    assert found, "the demo has tickets"
    assert all(counted == stored and rows > 0 for rows, counted, stored in found.values()), found
    assert stale(demo_db) == []


def test_a_count_that_differs_from_the_tickets_is_found(demo_copy):
    with demo_copy.write() as con:
        con.execute("update ticket_counts set rated = rated + 1 where year = 2023 and month = 3")
    assert stale(demo_copy) == [2023]


def moved_to_next_year(database: Database) -> tuple[str, list]:
    """A 2023 demo ticket written as a ledger row with every time one year (366 days) later."""
    ticket = stored_ticket(database, "year(ordered_at) = 2023 and month(ordered_at) = 6 and rating is not null")
    row = list(ticket)
    row[6:10] = [t and (t + dt.timedelta(days=366)).strftime("%Y-%m-%d %H:%M") for t in row[6:10]]
    row[10] = "满意"
    return ticket[0], row


def test_an_import_moving_a_ticket_to_another_year_recounts_both_years_and_undo_puts_them_back(
    demo_copy, settings, tmp_path
):
    before = snapshot(demo_copy, history_too=False)
    was = counts(demo_copy)
    ticket_id, row = moved_to_next_year(demo_copy)

    outcome = import_file(demo_copy, write_xlsx(tmp_path / "工单.xlsx", ledgers.tickets([row, NEW_TICKET])), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    with demo_copy.read() as cur:
        moved = cur.execute("select year(ordered_at) from service_tickets where ticket_id = $id", {"id": ticket_id})
        assert moved.fetchall() == [(2024,)]
    now = counts(demo_copy)
    assert now[2023][1:] == (was[2023][1] - 1, was[2023][2] - 1)
    assert now[2024][1:] == (was[2024][1] + 1, was[2024][2] + 1)
    assert now[2030] == (1, 1, 1)
    assert stale(demo_copy) == []

    undo_import(demo_copy, outcome.tables[0].import_id)

    assert counts(demo_copy) == was
    assert differences(snapshot(demo_copy, history_too=False), before) == {}  # ticket_counts included


def test_a_dry_run_and_a_refused_file_leave_the_counts_alone(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy)
    _, row = moved_to_next_year(demo_copy)
    workbook = write_xlsx(tmp_path / "工单.xlsx", ledgers.tickets([row, NEW_TICKET]))
    assert import_file(demo_copy, workbook, settings, dry_run=True).ok
    unknown = [*NEW_TICKET[:1], "不存在村", *NEW_TICKET[2:]]
    refused = import_file(demo_copy, write_xlsx(tmp_path / "错.xlsx", ledgers.tickets([row, unknown])), settings)
    assert not refused.committed
    assert differences(snapshot(demo_copy), before) == {}
