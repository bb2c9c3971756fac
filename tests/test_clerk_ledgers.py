"""Ledgers as an office suite and a clerk leave them: US-style dates, hidden and doubled columns,
a missing village column. Each must import right or be refused with what the clerk needs to fix it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import village_stats.csv_files as csv_files
from tests import ledgers
from tests.ledgers import Ledger, write_csv, write_ods, write_xlsx
from village_stats.db import Database
from village_stats.importing import FileOutcome, import_file
from village_stats.validation import errors_in


def ticket(number: int, ordered: str, claimed: str, dispatched: str, done: str) -> list:
    where = ["北垞村", "北垞村第1网格", "服务代办", "民生保障", "代办医保缴费"]
    return [f"WD2030-{number:04d}", *where, ordered, claimed, dispatched, done, "满意", "王丽"]


# as an English-locale office suite re-saves a ledger: M/D/YYYY with seconds
US_TICKETS = [
    ticket(1, "12/20/2030 03:27:00", "12/20/2030 04:00:00", "12/20/2030 05:10:00", "12/21/2030 16:00:00"),
    ticket(2, "1/2/2030 09:00:00", "1/2/2030 10:00:00", "1/2/2030 11:00:00", "1/3/2030 08:00:00"),
    ticket(3, "3/4/2030 09:00", "3/4/2030 10:00", "3/4/2030 11:00", "3/5/2030"),
]
# the same with no number over 12: 3/4/2030 may be 4 March or 3 April
AMBIGUOUS_TICKETS = [
    ticket(1, "1/2/2030 09:00:00", "1/2/2030 10:00:00", "1/2/2030 11:00:00", "1/3/2030 08:00:00"),
    ticket(2, "3/4/2030 09:00:00", "3/4/2030 10:00:00", "3/4/2030 11:00:00", "3/5/2030 08:00:00"),
]


def us_ledger(rows: list[list]) -> Ledger:
    # no footer and no blank row, so a large copy goes to DuckDB's reader (which blank lines would stop)
    return ledgers.tickets(rows, footer=())


def imported(database: Database, settings, path: Path, **options) -> FileOutcome:
    return import_file(database, path, settings, **options)


def stored_times(database: Database) -> dict[str, tuple]:
    with database.read() as cur:
        rows = cur.execute(
            "select ticket_id, ordered_at, claimed_at, dispatched_at, done_at from service_tickets "
            "where ticket_id like 'WD2030-%' order by ticket_id"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def write_ledger(path: Path, ledger: Ledger) -> Path:
    return write_csv(path, ledger, "gbk") if path.suffix == ".csv" else write_xlsx(path, ledger)


@pytest.mark.parametrize(
    ("name", "bulk"),
    [("工单.csv", False), ("工单.csv", True), ("工单.xlsx", False)],
    ids=["csv", "csv-read-by-duckdb", "xlsx-text-cells"],
)
def test_us_dates_read_month_first_when_a_day_over_12_shows_it(demo_copy, settings, tmp_path, monkeypatch, name, bulk):
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0 if bulk else 10**12)
    outcome = imported(demo_copy, settings, write_ledger(tmp_path / name, us_ledger(US_TICKETS)))

    assert outcome.committed, [i.describe() for i in outcome.issues]
    times = stored_times(demo_copy)
    assert times["WD2030-0001"] == (
        dt.datetime(2030, 12, 20, 3, 27),
        dt.datetime(2030, 12, 20, 4, 0),
        dt.datetime(2030, 12, 20, 5, 10),
        dt.datetime(2030, 12, 21, 16, 0),
    )
    assert times["WD2030-0002"][0] == dt.datetime(2030, 1, 2, 9, 0)  # 2 January, not 1 February
    assert times["WD2030-0003"][3] == dt.datetime(2030, 3, 5)


@pytest.mark.parametrize(
    ("name", "bulk"),
    [("工单.csv", False), ("工单.csv", True), ("工单.xlsx", False)],
    ids=["csv", "csv-read-by-duckdb", "xlsx-text-cells"],
)
def test_us_dates_that_read_either_way_are_one_file_level_error(demo_copy, settings, tmp_path, monkeypatch, name, bulk):
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0 if bulk else 10**12)
    path = write_ledger(tmp_path / name, us_ledger(AMBIGUOUS_TICKETS))
    outcome = imported(demo_copy, settings, path, dry_run=True)

    errors = errors_in(outcome.issues)
    assert [(i.code, i.row) for i in errors] == [("ambiguous-date", None)], [i.describe() for i in errors]
    assert "点单时间" in errors[0].message and "月/日/年" in errors[0].message
    assert "2023-03-04" in errors[0].message  # says what to write instead


def test_day_first_dates_read_day_first_when_a_first_number_over_12_shows_it(demo_copy, settings, tmp_path):
    rows = [ticket(1, "20/12/2030 03:27", "20/12/2030 04:00", "20/12/2030 05:10", "21/12/2030 16:00")]
    rows.append(ticket(2, "1/2/2030 09:00", "1/2/2030 10:00", "1/2/2030 11:00", "3/2/2030 08:00"))
    outcome = imported(demo_copy, settings, write_ledger(tmp_path / "工单.csv", us_ledger(rows)))

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored_times(demo_copy)["WD2030-0002"][0] == dt.datetime(2030, 2, 1, 9, 0)


def test_a_file_without_its_village_column_names_what_is_missing_and_what_was_seen(demo_copy, settings, tmp_path):
    sheet = Ledger(["年度", "村财收入", "经营性收入"], [[2023, 1050.25, 300]], sheet="收入")
    outcome = imported(demo_copy, settings, write_xlsx(tmp_path / "收入.xlsx", sheet), dry_run=True)

    (issue,) = errors_in(outcome.issues)
    assert issue.code == "unknown-layout"
    assert "村级集体经济收入" in issue.message
    assert "缺少" in issue.message and "村(社区)名称" in issue.message
    assert "年度、村财收入、经营性收入" in issue.message


# ---- hidden and doubled columns, in .xlsx and as LibreOffice saves them in .ods ------------

STALE_HIDDEN = Ledger(  # 序号 | 村名 | 村财收入 (hidden, last year's) | 村财收入 | 经营性收入
    ["村名", "村财收入", "村财收入", "经营性收入"],
    [["北垞村", 980, 1050.25, 1000], ["竹秀村", 90, 142.75, 100]],
    sheet="收入",
    hidden=(1,),
)
UNREADABLE_VISIBLE = Ledger(
    ["村名", "村财收入", "村财收入", "经营性收入"],
    [["北垞村", 980, "一千零五十", 1000]],
    sheet="收入",
    hidden=(1,),
)
TWO_VISIBLE = Ledger(
    ["村名", "村财收入", "村集体经济总收入", "经营性收入"], [["北垞村", 980, 1050.25, 1000]], sheet="收入"
)
ONLY_HIDDEN = Ledger(["村名", "村财收入", "经营性收入"], [["北垞村", 1050.25, 1000]], sheet="收入", hidden=(1,))
CORPUS = {
    "隐藏旧列": STALE_HIDDEN,
    "隐藏旧列_可见列有误": UNREADABLE_VISIBLE,
    "两列同义": TWO_VISIBLE,
    "只有隐藏列": ONLY_HIDDEN,
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Each ledger as .xlsx (as Excel writes it) and .ods (as LibreOffice Calc writes it)."""
    folder = tmp_path_factory.mktemp("corpus")
    files = {}
    for name, ledger in CORPUS.items():
        files[f"{name}.xlsx"] = write_xlsx(folder / f"{name}.xlsx", ledger)
        files[f"{name}.ods"] = write_ods(folder / f"{name}.ods", ledger)
    return files


def stored_income(database: Database, village: str) -> tuple:
    with database.read() as cur:
        return cur.execute(
            "select total_income, operating_income from village_income where year = 2023 and village = $v",
            {"v": village},
        ).fetchone()


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_hidden_stale_column_never_supplies_what_a_visible_one_does(demo_copy, settings, corpus, suffix):
    outcome = imported(demo_copy, settings, corpus[f"隐藏旧列{suffix}"])

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored_income(demo_copy, "北垞村") == (Decimal("10502500.00"), Decimal("10000000.00"))
    assert stored_income(demo_copy, "竹秀村")[0] == Decimal("1427500.00")
    assert any("隐藏列" in note and "C列" in note and "D列" in note for note in outcome.notes), outcome.notes


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_an_error_in_the_visible_twin_points_at_its_column(demo_copy, settings, corpus, suffix):
    outcome = imported(demo_copy, settings, corpus[f"隐藏旧列_可见列有误{suffix}"], dry_run=True)

    found = [(i.code, i.column, i.value) for i in errors_in(outcome.issues)]
    assert found == [("bad-number", "村财收入（D列）", "一千零五十")]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_two_visible_columns_for_one_field_are_an_error_naming_both(demo_copy, settings, corpus, suffix):
    outcome = imported(demo_copy, settings, corpus[f"两列同义{suffix}"], dry_run=True)

    (issue,) = errors_in(outcome.issues)
    assert issue.code == "duplicate-column" and issue.row == 3  # the header row
    assert "C列“村财收入”" in issue.message and "D列“村集体经济总收入”" in issue.message
    assert not outcome.tables


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_hidden_column_alone_is_read_and_said(demo_copy, settings, corpus, suffix):
    outcome = imported(demo_copy, settings, corpus[f"只有隐藏列{suffix}"])

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored_income(demo_copy, "北垞村")[0] == Decimal("10502500.00")
    assert any("隐藏列" in note and "C列" in note for note in outcome.notes), outcome.notes


def test_two_columns_for_one_field_in_a_csv_are_an_error_too(demo_copy, settings, tmp_path):
    outcome = imported(demo_copy, settings, write_csv(tmp_path / "收入.csv", TWO_VISIBLE), dry_run=True)

    assert [i.code for i in errors_in(outcome.issues)] == ["duplicate-column"]


@pytest.mark.parametrize("writer", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_hidden_columns_are_found_on_every_sheet(tmp_path, writer):
    from village_stats.workbooks import read_workbook

    first = Ledger(["村名", "村财收入"], [["北垞村", 1]], sheet="甲")
    second = Ledger(
        ["村名", "村财收入", "村财收入", "经营性收入"], [["北垞村", 1, 2, 1]], sheet="乙 & 丙", hidden=(1, 3)
    )
    path = writer(tmp_path / f"两表{'.xlsx' if writer is write_xlsx else '.ods'}", first, second)

    sheets = {s.name: s.hidden_columns for s in read_workbook(path.name, path.read_bytes())}
    assert sheets == {"甲": frozenset(), "乙 & 丙": frozenset({2, 4})}  # after the 序号 column
