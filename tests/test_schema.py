"""The schema guards the data model on its own, and an old (v1) file is upgraded in place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests import ledgers
from village_stats import ticket_counts
from village_stats.db import Database, current_schema_version, migrations, open_database
from village_stats.importing import import_file

V1_SCHEMA = Path(__file__).with_name("fixtures") / "schema_v1.sql"

# One row per table that every constraint accepts; each bad case below changes one thing.
GOOD = {
    "villages": {
        "town": "青溪镇",
        "name": "北垞村",
        "kind": "村",
        "area": "北片",
        "households": 812,
        "population": 2650,
        "party_members": 96,
    },
    "village_income": {
        "year": 2023,
        "town": "青溪镇",
        "village": "北垞村",
        "total_income": 1864000,
        "operating_income": 1396200,
        "contract_income": 1081700,
        "investment_income": -5000,
        "subsidy_income": 294400,
        "other_income": 173400,
    },
    "projects": {
        "project_key": "JB2024-001",
        "project_id": "JB2024-001",
        "year": 2024,
        "town": "青溪镇",
        "name": "北垞村村道提升工程",
        "village": "北垞村",
        "arena": "城镇建设",
        "planned_investment": 1200000,
        "completed_investment": 505000,
        "status": "在建",
        "leader": "王丽",
        "start_date": "2024-03-01",
    },
    "star_ratings": {"year": 2024, "town": "青溪镇", "village": "北垞村", "stars": 5, "score": 96.5, "weak": False},
    "service_tickets": {
        "ticket_id": "WD2023-0001",
        "town": "青溪镇",
        "village": "北垞村",
        "kind": "群众建议",
        "ordered_at": "2023-05-06 14:30",
        "claimed_at": "2023-05-06 15:00",
        "dispatched_at": "2023-05-06 16:00",
        "done_at": "2023-05-07 10:00",
        "rating": 5,
    },
    "problems": {
        "problem_id": "WT2024-001",
        "year": 2024,
        "town": "青溪镇",
        "village": "北垞村",
        "source": "党建体检",
        "category": "共性",
        "description": "三会一课记录不规范",
        "deadline": "2024-06-30",
        "status": "已整改",
        "rectified_on": "2024-05-10",
    },
}

BAD = [
    pytest.param("village_income", {"total_income": -1}, id="negative-total-income"),
    pytest.param("village_income", {"subsidy_income": -0.01}, id="negative-subsidy"),
    pytest.param("village_income", {"operating_income": 1864000.01}, id="operating-above-total"),
    pytest.param("village_income", {"year": 1999}, id="income-year-1999"),
    pytest.param("village_income", {"total_income": None}, id="income-total-missing"),
    pytest.param("projects", {"planned_investment": -100}, id="negative-planned-investment"),
    pytest.param("projects", {"status": "暂停"}, id="status-outside-the-three"),
    pytest.param("villages", {"kind": "居委会"}, id="village-kind"),
    pytest.param("villages", {"population": -1}, id="negative-population"),
    pytest.param("star_ratings", {"stars": 6}, id="stars-6"),
    pytest.param("star_ratings", {"stars": -1}, id="stars-negative"),
    pytest.param("star_ratings", {"score": 100.1}, id="score-above-100"),
    pytest.param("service_tickets", {"done_at": None}, id="rating-without-done-at"),
    pytest.param(
        "service_tickets",
        {"done_at": "2023-05-06 14:00", "claimed_at": None, "dispatched_at": None},
        id="done-before-ordered",
    ),
    pytest.param("service_tickets", {"claimed_at": "2023-05-06 14:29"}, id="claimed-before-ordered"),
    pytest.param("service_tickets", {"dispatched_at": "2023-05-06 14:45"}, id="dispatched-before-claimed"),
    pytest.param("service_tickets", {"rating": 0}, id="rating-0"),
    pytest.param("problems", {"rectified_on": None}, id="rectified-without-date"),
    pytest.param("problems", {"status": "已完成"}, id="problem-status"),
    pytest.param("problems", {"category": "其他"}, id="problem-category"),
]


def insert(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> None:
    columns = ", ".join(row)
    values = ", ".join(f"${name}" for name in row)
    con.execute(f"insert into {table} ({columns}) values ({values})", row)


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One empty database for the constraint tests; each test works in a transaction it rolls back."""
    database = open_database(tmp_path_factory.mktemp("schema") / "empty.duckdb")
    with database.write() as con:
        yield con


@pytest.fixture
def con(schema: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    schema.execute("begin transaction")
    yield schema
    schema.execute("rollback")


def test_every_good_row_is_accepted(con):
    for table, row in GOOD.items():
        insert(con, table, row)
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in GOOD}
    assert counts == dict.fromkeys(GOOD, 1)


@pytest.mark.parametrize(("table", "change"), BAD)
def test_checks_reject_a_bad_row_inserted_directly(con, table, change):
    with pytest.raises(duckdb.ConstraintException):
        insert(con, table, GOOD[table] | change)


@pytest.mark.parametrize(
    ("table", "change"),
    [
        pytest.param("villages", {"households": 1}, id="villages-town-name"),
        pytest.param("village_income", {"total_income": 1}, id="income-year-town-village"),
        pytest.param("star_ratings", {"stars": 4}, id="stars-year-town-village"),
        pytest.param("problems", {"village": "竹秀村"}, id="problem-id"),
        pytest.param("projects", {"name": "另一个项目"}, id="project-key"),
        pytest.param("projects", {"project_key": "2024|青溪镇|另一个项目"}, id="project-id-unique"),
    ],
)
def test_keys_reject_duplicates(con, table, change):
    insert(con, table, GOOD[table])
    with pytest.raises(duckdb.ConstraintException):
        insert(con, table, GOOD[table] | change)


def test_a_fresh_database_is_at_the_current_version(empty_db):
    assert empty_db.schema_version() == current_schema_version() >= 2


# ---- migration from v1 ----------------------------------------------------------------------


def columns(database: Database) -> set[tuple[str, str, str, str]]:
    with database.read() as cur:
        return set(
            cur.execute(
                "select table_name, column_name, data_type, is_nullable from information_schema.columns "
                "where table_schema = 'main'"
            ).fetchall()
        )


def contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    tables = [t for t in GOOD] + ["import_rows"]
    return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


def make_v1_file(path: Path) -> Path:
    """A database file as version 1 of the program left it, with data and one import in its history."""
    con = duckdb.connect(str(path))
    con.execute(V1_SCHEMA.read_text(encoding="utf-8"))
    for table, row in GOOD.items():
        insert(con, table, row)
    insert(con, "villages", GOOD["villages"] | {"name": "凤岗社区", "kind": "社区", "area": "东片"})
    insert(
        con,
        "projects",
        GOOD["projects"]
        | {"project_key": "2024|青溪镇|镇级项目", "project_id": None, "name": "镇级项目", "village": None},
    )
    con.execute(
        "insert into imports (file_name, sha256, dataset, sheet, year, rows_inserted, rows_updated, rows_unchanged) "
        "values ('村财收入.xlsx', 'abc', 'income', '2023年', 2023, 1, 0, 0)"
    )
    con.execute('insert into import_rows values (1, \'village_income\', \'["2023","青溪镇","北垞村"]\', null)')
    con.close()
    return path


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[tuple]], Database]:
    """A v1 file, its contents before, and the Database open_database() made of it (read-only from here on)."""
    path = make_v1_file(tmp_path_factory.mktemp("v1") / "village.duckdb")
    assert Database(path).schema_version() == 1
    con = duckdb.connect(str(path), read_only=True)
    before = contents(con)
    con.close()
    return path, before, open_database(path)


def test_the_v1_fixture_lacks_what_migration_002_adds(tmp_path):
    con = duckdb.connect(str(make_v1_file(tmp_path / "v1.duckdb")), read_only=True)
    try:
        names = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = 'imports'"
            ).fetchall()
        }
        macros = con.execute("select count(*) from duckdb_functions() where function_name like 'scoped_%'").fetchone()
    finally:
        con.close()
    assert "imported_by" not in names and "file_name" in names
    assert macros == (0,)


def test_a_v1_file_is_migrated_in_place_without_losing_rows(migration):
    path, before, database = migration

    assert database.path == path
    assert database.schema_version() == current_schema_version()
    with database.read() as cur:
        assert contents(cur) == before
        assert cur.execute(
            "select import_id, file_name, sha256, dataset, sheet, year, rows_inserted, imported_by from imports"
        ).fetchall() == [(1, "村财收入.xlsx", "abc", "income", "2023年", 2023, 1, "本机用户")]
        # every migration ran once, in order (numbers are reserved per branch, so they may have gaps)
        assert [v for (v,) in cur.execute("select version from schema_version order by 1").fetchall()] == [
            1,
            *(version for version, _ in migrations()),
        ]


def test_a_migrated_file_has_the_columns_of_a_fresh_one(migration, empty_db):
    # Compared as sets: ALTER TABLE … ADD COLUMN puts imports.imported_by last, schema.sql third.
    assert columns(migration[2]) == columns(empty_db)


def test_a_migrated_file_has_working_scope_macros(migration):
    with migration[2].read() as cur:
        units = cur.execute("select village, kind from scoped_units(null, null, null) order by village").fetchall()
        north = cur.execute("select village from scoped_units('青溪镇', '北片', null)").fetchall()
        projects = cur.execute("select name from scoped_projects(2024, null, null, null) order by name").fetchall()
        village_only = cur.execute("select name from scoped_projects(2024, null, null, ['北垞村'])").fetchall()
    assert units == [("凤岗社区", "社区"), ("北垞村", "村")]
    assert north == [("北垞村",)]
    assert projects == [("北垞村村道提升工程",), ("镇级项目",)]
    assert village_only == [("北垞村村道提升工程",)]


def test_a_backup_of_the_v1_file_is_written_before_migrating(migration):
    path, before, _ = migration

    (backup,) = (path.parent / "backups").glob("*.duckdb")
    assert Database(backup).schema_version() == 1
    con = duckdb.connect(str(backup), read_only=True)
    try:
        assert contents(con) == before
    finally:
        con.close()


def test_a_migrated_file_keeps_numbering_imports(settings, tmp_path):
    database = open_database(make_v1_file(tmp_path / "village.duckdb"))
    sheet = ledgers.income([[2024, "北垞村", 200, 150, None, None, None, None]])
    outcome = import_file(database, ledgers.write_xlsx(tmp_path / "收入.xlsx", sheet), settings, user="农经站")

    assert outcome.committed, [i.describe() for i in outcome.issues]
    with database.read() as cur:
        assert cur.execute("select import_id, imported_by from imports order by 1").fetchall() == [
            (1, "本机用户"),
            (2, "农经站"),
        ]


def test_opening_a_current_file_changes_nothing(empty_db):
    assert empty_db.migrate() == []
    assert not (empty_db.path.parent / "backups").exists()


def test_a_migrated_file_counts_its_tickets(migration):
    """Migration 009 fills ticket_counts from the tickets already stored."""
    with migration[2].read() as cur:
        stored = cur.execute("select count(*) from service_tickets").fetchone()[0]
        assert stored > 0
        assert cur.execute("select sum(tickets) from ticket_counts").fetchone()[0] == stored
        assert ticket_counts.stale_years(cur) == []
