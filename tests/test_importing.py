"""Importing: all or nothing, dry runs, history, archive and undo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from decimal import Decimal
from pathlib import Path

import pytest

from tests import ledgers
from tests.ledgers import write_csv, write_xlsx
from village_stats.db import Database
from village_stats.importing import FileOutcome, UndoRefused, history, import_file, undo_import
from village_stats.validation import errors_in

WAN = Decimal(10_000)


def snapshot(database: Database, *, history_too: bool = True) -> dict[str, list[tuple]]:
    """Every table's full content, in a stable order."""
    with database.read() as cur:
        tables = [
            r[0]
            for r in cur.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        if not history_too:
            tables = [t for t in tables if t not in ("imports", "import_rows")]
        return {t: cur.execute(f'select * from "{t}" order by all').fetchall() for t in tables}


def differences(after: dict[str, list[tuple]], before: dict[str, list[tuple]]) -> dict[str, dict[str, list]]:
    """Rows gone and rows added per table: empty when the snapshots are equal; readable when not."""
    found = {}
    for table in sorted(set(after) | set(before)):
        old, new = before.get(table, []), after.get(table, [])
        if old != new:
            found[table] = {"gone": [r for r in old if r not in new], "added": [r for r in new if r not in old]}
    return found


def archived(database: Database) -> set[str]:
    folder = database.path.parent / "archive"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def imports_count(database: Database) -> int:
    with database.read() as cur:
        return cur.execute("select count(*) from imports").fetchone()[0]


def income_2023(database: Database, village: str) -> list:
    """The demo's 2023 row of `village` as a ledger row in 万元, exactly as stored."""
    with database.read() as cur:
        row = cur.execute(
            "select year, village, total_income, operating_income, contract_income, investment_income, "
            "subsidy_income, other_income from village_income where year = 2023 and village = $v",
            {"v": village},
        ).fetchone()
    year, name, *money = row
    return [year, name, *[None if m is None else str(m / WAN) for m in money]]


def assert_refused(outcome: FileOutcome, code: str, file_name: str) -> None:
    assert not outcome.ok and not outcome.committed
    (issue,) = outcome.issues
    assert issue.code == code and issue.file == file_name and issue.row is None
    assert any("\u4e00" <= ch <= "\u9fff" for ch in issue.message), issue.message


# ---- nothing is written unless everything is right ------------------------------------------


def test_a_file_with_one_bad_row_changes_nothing(demo_copy, settings, tmp_path):
    before, files_before = snapshot(demo_copy), archived(demo_copy)
    changed = income_2023(demo_copy, "北垞村")
    changed[2] = "999"
    sheet = ledgers.income([changed, [2030, "竹秀村", 150, None, None, None, None, None], [2023, "北坨村", 1]])

    outcome = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", sheet), settings)

    assert [(i.row, i.code) for i in errors_in(outcome.issues)] == [(6, "unknown-village")]
    assert not outcome.committed
    assert differences(snapshot(demo_copy), before) == {}
    assert archived(demo_copy) == files_before


def test_a_two_sheet_workbook_with_an_error_in_one_sheet_imports_neither(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy)
    good = ledgers.income([[2030, "北垞村", 200, 150, None, None, None, None]])
    bad = ledgers.stars([[2030, "北垞村", "五星级", 96, "否"], [2030, "竹秀村", "五星级", 101, "否"]])

    outcome = import_file(demo_copy, write_xlsx(tmp_path / "台账.xlsx", good, bad), settings)

    assert [(i.sheet, i.row, i.code) for i in outcome.issues] == [("达标创星", 5, "out-of-range")]
    assert not outcome.committed and "未导入任何数据" in outcome.summary()
    assert differences(snapshot(demo_copy), before) == {}


def test_dry_run_reports_counts_and_changed_values_and_changes_nothing(demo_copy, settings, tmp_path):
    before, files_before = snapshot(demo_copy), archived(demo_copy)
    unchanged = income_2023(demo_copy, "竹秀村")
    changed = income_2023(demo_copy, "北垞村")
    old_total = changed[2]
    changed[2] = "190.5"
    new = [2030, "岑下村", 130, 100, None, None, None, None]
    sheet = ledgers.income([unchanged, changed, new])

    outcome = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", sheet), settings, dry_run=True)

    assert outcome.ok and not outcome.committed
    (table,) = outcome.tables
    assert (table.inserted, table.updated, table.unchanged) == (1, 1, 1)
    assert table.years == [2023, 2030]
    assert table.changes == [
        ("2023 / 青溪镇 / 北垞村", "村集体经济总收入(万元)", f"{Decimal(old_total):.2f}", "190.50")
    ]
    assert "预览（未写入），新增 1 行，更新 1 行，未变 1 行" in outcome.summary()
    assert differences(snapshot(demo_copy), before) == {}
    assert archived(demo_copy) == files_before


def test_reimporting_an_unchanged_file_changes_nothing_and_records_no_history(demo_copy, settings, tmp_path):
    sheet = ledgers.income([[2030, "北垞村", 200, 150, None, None, None, None], income_2023(demo_copy, "竹秀村")])
    path = write_xlsx(tmp_path / "收入.xlsx", sheet)
    first = import_file(demo_copy, path, settings)
    assert first.committed
    before, count = snapshot(demo_copy), imports_count(demo_copy)

    again = import_file(demo_copy, path, settings)

    assert again.ok and not again.committed
    assert (again.tables[0].inserted, again.tables[0].updated, again.tables[0].unchanged) == (0, 0, 2)
    assert imports_count(demo_copy) == count
    assert differences(snapshot(demo_copy), before) == {}


# ---- history and archive ---------------------------------------------------------------------


def test_history_records_file_sheet_dataset_year_and_counts(demo_copy, settings, tmp_path):
    changed = income_2023(demo_copy, "北垞村")
    changed[3] = "140"
    sheet = ledgers.income(
        [changed, income_2023(demo_copy, "竹秀村"), income_2023(demo_copy, "岑下村")], sheet="2023年"
    )
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "青溪镇村财收入.xlsx", sheet), settings, user="农经站")

    assert outcome.committed
    latest = history(demo_copy)[0]
    assert latest["import_id"] == outcome.tables[0].import_id
    assert {
        k: latest[k]
        for k in (
            "file_name",
            "sheet",
            "dataset",
            "year",
            "rows_inserted",
            "rows_updated",
            "rows_unchanged",
            "imported_by",
            "undone_at",
        )
    } == {
        "file_name": "青溪镇村财收入.xlsx",
        "sheet": "2023年",
        "dataset": "income",
        "year": 2023,
        "rows_inserted": 0,
        "rows_updated": 1,
        "rows_unchanged": 2,
        "imported_by": "农经站",
        "undone_at": None,
    }
    assert latest["dataset_title"] == "村级集体经济收入"


def test_import_numbers_have_no_gaps_after_refused_files_and_previews(demo_copy, settings, tmp_path):
    """Staff read the history by number: a refused file or a preview must not use one up."""
    good = write_xlsx(tmp_path / "收入.xlsx", ledgers.income([[2031, "北垞村", 200, None, None, None, None, None]]))
    bad = write_xlsx(tmp_path / "错.xlsx", ledgers.income([[2031, "没有这个村", 200, None, None, None, None, None]]))
    with demo_copy.read() as cur:
        last = cur.execute("select max(import_id) from imports").fetchone()[0]

    assert not import_file(demo_copy, bad, settings).committed
    assert not import_file(demo_copy, good, settings, dry_run=True).committed
    outcome = import_file(demo_copy, good, settings)

    assert outcome.committed and outcome.tables[0].import_id == last + 1
    assert history(demo_copy)[0]["import_id"] == last + 1


def test_the_original_file_is_archived_by_sha256_beside_the_database(demo_copy, settings, tmp_path):
    path = write_xlsx(tmp_path / "收入.xlsx", ledgers.income([[2030, "北垞村", 200, None, None, None, None, None]]))
    csv_path = write_csv(tmp_path / "星级.csv", ledgers.stars([[2030, "北垞村", "五星级", 96, "否"]]), "gbk")

    outcomes = [import_file(demo_copy, p, settings) for p in (path, csv_path)]

    for outcome, source in zip(outcomes, (path, csv_path), strict=True):
        data = source.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        assert outcome.committed and outcome.sha256 == sha
        copy = demo_copy.path.parent / "archive" / f"{sha}{source.suffix}"
        assert copy.read_bytes() == data
    with demo_copy.read() as cur:
        assert cur.execute("select sha256 from imports order by import_id desc limit 2").fetchall() == [
            (outcomes[1].sha256,),
            (outcomes[0].sha256,),
        ]


# ---- undo ------------------------------------------------------------------------------------


def test_undo_restores_exact_decimals_and_removes_new_rows(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy, history_too=False)
    changed = income_2023(demo_copy, "北垞村")
    changed[2:8] = ["190.01", "140.99", None, "-3.5", "29.44", "0.07"]  # a loss, and an emptied cell
    sheet = ledgers.income([changed, [2030, "凤岗社区", 35.6, 12.34, None, None, None, None]])
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", sheet), settings)
    assert outcome.committed and outcome.tables[0].updated == 1 and outcome.tables[0].inserted == 1
    assert snapshot(demo_copy, history_too=False) != before

    undone = undo_import(demo_copy, outcome.tables[0].import_id)

    assert undone == outcome.tables[0].import_id
    assert differences(snapshot(demo_copy, history_too=False), before) == {}
    with demo_copy.read() as cur:
        assert cur.execute("select count(*) from village_income where year = 2030").fetchone() == (0,)
        assert cur.execute(
            "select undone_at is not null from imports where import_id = $id", {"id": undone}
        ).fetchone() == (True,)


def stored_ticket(database: Database, where: str) -> tuple:
    """The first stored ticket (by id) matching `where`, its columns in the ledger's order."""
    with database.read() as cur:
        return cur.execute(
            "select ticket_id, village, grid, kind, category, content, ordered_at, claimed_at, dispatched_at, "
            f"done_at, rating, member from service_tickets where {where} order by ticket_id limit 1"
        ).fetchone()


def ticket_as_written(database: Database) -> tuple[tuple, list]:
    """A rated 2023 demo ticket as stored, and as a ledger row with its 晒单时间 and 评单 changed."""
    ticket = stored_ticket(database, "year(ordered_at) = 2023 and rating is not null and claimed_at is not null")
    row = list(ticket)
    row[6:10] = [t and t.strftime("%Y-%m-%d %H:%M") for t in row[6:10]]
    row[9] = (ticket[9] + dt.timedelta(hours=5, minutes=7)).strftime("%Y/%m/%d %H:%M")
    row[10] = "不满意" if ticket[10] != 1 else "满意"
    return ticket, row


NEW_TICKET = [
    "WD2030-9001",
    "竹秀村",
    None,
    "群众建议",
    None,
    "修路灯",
    "2030-01-02 08:00",
    None,
    None,
    None,
    None,
    None,
]
NEW_PROBLEM = ["WT2030-001", 2030, "北垞村", "党建体检", "个性", "台账不全", None, "2030-06-30", "整改中", None]


def test_undo_restores_exact_timestamps_and_ratings(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy, history_too=False)
    ticket, row = ticket_as_written(demo_copy)
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "工单.xlsx", ledgers.tickets([row, NEW_TICKET])), settings)
    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert (outcome.tables[0].inserted, outcome.tables[0].updated) == (1, 1)
    with demo_copy.read() as cur:
        assert cur.execute(
            "select done_at, rating from service_tickets where ticket_id = $id", {"id": ticket[0]}
        ).fetchone() != (ticket[9], ticket[10])

    undo_import(demo_copy, outcome.tables[0].import_id)

    assert differences(snapshot(demo_copy, history_too=False), before) == {}


def test_ticket_ids_stay_unique_without_a_key_index(demo_copy, settings, tmp_path):
    """service_tickets has no primary key index (v7): the importer alone keeps ids unique."""
    _, row = ticket_as_written(demo_copy)
    changed = [*NEW_TICKET[:5], "修路灯（已补充说明）", *NEW_TICKET[6:]]
    for number, rows in enumerate(([row, NEW_TICKET], [row, NEW_TICKET], [changed])):
        outcome = import_file(demo_copy, write_xlsx(tmp_path / f"工单{number}.xlsx", ledgers.tickets(rows)), settings)
        assert outcome.ok, [i.describe() for i in outcome.issues]
    with demo_copy.read() as cur:
        total, distinct = cur.execute("select count(*), count(distinct ticket_id) from service_tickets").fetchone()
        content = cur.execute("select content from service_tickets where ticket_id = $id", {"id": NEW_TICKET[0]})
        assert content.fetchall() == [("修路灯（已补充说明）",)]
    assert total == distinct


def test_undo_restores_every_sheet_of_a_two_sheet_workbook(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy, history_too=False)
    _, row = ticket_as_written(demo_copy)
    workbook = write_xlsx(tmp_path / "台账.xlsx", ledgers.tickets([row, NEW_TICKET]), ledgers.problems([NEW_PROBLEM]))
    outcome = import_file(demo_copy, workbook, settings)
    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert [(t.dataset.name, t.inserted, t.updated) for t in outcome.tables] == [("tickets", 1, 1), ("problems", 1, 0)]

    for table in reversed(outcome.tables):
        undo_import(demo_copy, table.import_id)

    assert differences(snapshot(demo_copy, history_too=False), before) == {}


def test_undo_of_an_import_a_later_import_touched_is_refused_until_that_one_is_undone(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy, history_too=False)

    def income(total: int, name: str) -> int:
        sheet = ledgers.income([[2030, "北垞村", total, None, None, None, None, None]])
        outcome = import_file(demo_copy, write_xlsx(tmp_path / name, sheet), settings)
        assert outcome.committed
        return outcome.tables[0].import_id

    first = income(100, "一.xlsx")
    second = income(120, "二.xlsx")

    with pytest.raises(UndoRefused) as refused:
        undo_import(demo_copy, first)
    assert f"第 {second} 次导入" in str(refused.value)

    undo_import(demo_copy, second)
    with demo_copy.read() as cur:
        assert cur.execute("select total_income from village_income where year = 2030").fetchall() == [
            (Decimal("1000000.00"),)
        ]
    undo_import(demo_copy, first)
    assert differences(snapshot(demo_copy, history_too=False), before) == {}


def test_undo_without_an_id_undoes_the_latest_and_twice_is_refused(demo_copy, settings, tmp_path):
    sheet = ledgers.stars([[2030, "北垞村", "五星级", 96, "否"]])
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "星级.xlsx", sheet), settings)
    latest = outcome.tables[0].import_id

    assert undo_import(demo_copy) == latest
    with demo_copy.read() as cur:
        assert cur.execute("select count(*) from star_ratings where year = 2030").fetchone() == (0,)

    with pytest.raises(UndoRefused) as refused:
        undo_import(demo_copy, latest)
    assert "撤销过" in str(refused.value)


def test_undo_of_a_registry_import_whose_villages_are_in_use_is_refused(demo_copy, settings, tmp_path):
    """Undoing the 名录 import that added 新设村 would orphan the income rows naming it."""
    registry = import_file(
        demo_copy,
        write_xlsx(tmp_path / "名录.xlsx", ledgers.villages([["新设村", "村", "东片", 120, 400, 30]])),
        settings,
    )
    income = import_file(
        demo_copy,
        write_xlsx(tmp_path / "收入.xlsx", ledgers.income([[2030, "新设村", 25, None, None, None, None, None]])),
        settings,
    )
    assert registry.committed and income.committed

    with pytest.raises(UndoRefused) as refused:
        undo_import(demo_copy, registry.tables[0].import_id)
    assert "村级集体经济收入 1 行" in str(refused.value)

    undo_import(demo_copy, income.tables[0].import_id)
    undo_import(demo_copy, registry.tables[0].import_id)
    with demo_copy.read() as cur:
        assert cur.execute("select count(*) from villages where name = '新设村'").fetchone() == (0,)


def test_undo_of_an_unknown_import_is_refused(demo_copy):
    with pytest.raises(UndoRefused) as refused:
        undo_import(demo_copy, 9999)
    assert "9999" in str(refused.value)


def test_undo_with_no_imports_at_all_is_refused(empty_db):
    with pytest.raises(UndoRefused):
        undo_import(empty_db)


# ---- files refused as a whole ---------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy)
    path = write_xlsx(tmp_path / "收入.xlsx", ledgers.income([[2030, "北垞村", 200, None, None, None, None, None]]))

    outcome = import_file(demo_copy, path, dataclasses.replace(settings, max_file_mb=0))

    assert_refused(outcome, "file-too-large", "收入.xlsx")
    assert "MB" in outcome.issues[0].message
    assert differences(snapshot(demo_copy), before) == {}


@pytest.mark.parametrize("name", ["空表.xlsx", "空表.csv"])
def test_an_empty_file_is_refused(demo_copy, settings, tmp_path, name):
    before = snapshot(demo_copy)
    path = tmp_path / name
    path.write_bytes(b"")

    outcome = import_file(demo_copy, path, settings)

    assert_refused(outcome, "empty-file", name)
    assert differences(snapshot(demo_copy), before) == {}


def test_random_bytes_named_xlsx_are_refused(demo_copy, settings, tmp_path):
    before, files_before = snapshot(demo_copy), archived(demo_copy)
    path = tmp_path / "村财收入.xlsx"
    path.write_bytes(random.Random(11).randbytes(4096))

    outcome = import_file(demo_copy, path, settings)

    assert_refused(outcome, "unreadable-file", "村财收入.xlsx")
    assert "村财收入.xlsx" in outcome.issues[0].message
    assert differences(snapshot(demo_copy), before) == {}
    assert archived(demo_copy) == files_before


def test_a_workbook_without_any_ledger_is_refused(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy)
    sheet = ledgers.Ledger(["姓名", "电话"], [["王丽", "13800000000"]], title="通讯录", unit_line=None)

    outcome = import_file(demo_copy, write_xlsx(tmp_path / "通讯录.xlsx", sheet), settings)

    assert_refused(outcome, "unknown-layout", "通讯录.xlsx")
    assert differences(snapshot(demo_copy), before) == {}


def test_a_csv_in_an_unsupported_encoding_is_refused(demo_copy, settings, tmp_path):
    path = tmp_path / "收入.csv"
    path.write_bytes(bytes([0x80, 0xFF]) * 64)

    outcome = import_file(demo_copy, path, settings)

    assert_refused(outcome, "unreadable-file", "收入.csv")
    assert "编码" in outcome.issues[0].message


def test_a_missing_file_is_reported_not_raised(demo_copy, settings, tmp_path):
    outcome = import_file(demo_copy, tmp_path / "不存在.xlsx", settings)

    assert_refused(outcome, "unreadable-file", "不存在.xlsx")


def test_bytes_given_directly_are_imported_under_the_given_name(demo_copy, settings, tmp_path):
    """As the upload page does: bytes in memory, a file name from the browser."""
    path = write_xlsx(tmp_path / "x.xlsx", ledgers.income([[2030, "北垞村", 200, None, None, None, None, None]]))

    outcome = import_file(demo_copy, Path("上传.xlsx"), settings, data=path.read_bytes(), file_name="上传.xlsx")

    assert outcome.committed
    assert history(demo_copy)[0]["file_name"] == "上传.xlsx"


def test_a_star_sheet_without_the_weak_column_imports_with_its_default(demo_copy, settings, tmp_path):
    # the absent 软弱涣散 column used to be cast('否' as boolean) in SQL, a conversion error
    path = tmp_path / "达标创星.csv"
    path.write_text("年度,村(社区)名称,星级\n2025,北垞村,3\n", encoding="utf-8")
    outcome = import_file(demo_copy, path, settings)
    assert outcome.committed, [i.describe() for i in outcome.issues]
    with demo_copy.read() as cur:
        row = cur.execute("select stars, weak from star_ratings where year = 2025 and village = '北垞村'").fetchone()
    assert row == (3, False)


def test_the_changed_values_sample_is_the_first_changes_by_key_when_many_rows_change(demo_copy, settings, tmp_path):
    """Only the first CHANGE_SAMPLE changed rows are compared with what is stored (a city changes
    100,000); the sample must still be exactly the first differences in key order."""
    from village_stats.importing import CHANGE_SAMPLE

    with demo_copy.read() as cur:
        stored = cur.execute(
            "select ticket_id, village, grid, kind, category, content, ordered_at, claimed_at, dispatched_at, "
            "done_at, rating, member from service_tickets order by ticket_id desc"
        ).fetchall()
    assert len(stored) > 2 * CHANGE_SAMPLE
    rows, expected = [], []
    for number, (ticket, village, grid, kind, category, content, *stamps, rating, member) in enumerate(stored):
        new_content = f"{content}（复核）"
        new_grid = f"{grid}（调整）" if number % 3 == 0 and grid else grid
        times = [None if t is None else f"{t:%Y-%m-%d %H:%M:%S}" for t in stamps]
        rows.append([ticket, village, new_grid, kind, category, new_content, *times, rating, member])
        expected.append((ticket, "诉求内容", content, new_content))
        if new_grid != grid:
            expected.append((ticket, "网格", grid, new_grid))

    outcome = import_file(demo_copy, write_xlsx(tmp_path / "工单.xlsx", ledgers.tickets(rows)), settings, dry_run=True)

    assert outcome.ok, [i.describe() for i in outcome.issues[:3]]
    (table,) = outcome.tables
    assert table.updated == len(stored)
    assert len(table.changes) == CHANGE_SAMPLE
    assert set(table.changes) <= set(expected)
    first_keys = sorted({key for key, *_ in expected})[:CHANGE_SAMPLE]
    assert {key for key, *_ in table.changes} <= set(first_keys)
    assert [key for key, *_ in table.changes] == sorted(key for key, *_ in table.changes)


def test_a_project_list_without_a_village_column_is_the_towns_own_projects(demo_copy, settings, tmp_path):
    """所属村(社区) may be left out of a project list: every project is then the town's own (no village),
    as a blank cell in that column says; it used to fail with an unexpected error."""
    columns = [c for c in ledgers.PROJECT_COLUMNS if c != "所属村(社区)"]
    rows = [["XM-T1", 2031, "镇区路灯改造", "城镇建设", 120, 30, "在建", "王丽", "2031-03-01"]]
    path = write_xlsx(tmp_path / "镇级项目2031.xlsx", ledgers.Ledger(columns, rows, sheet="揭榜挂帅项目"))
    outcome = import_file(demo_copy, path, settings)
    assert outcome.committed, [i.describe() for i in outcome.issues]
    with demo_copy.read() as cur:
        stored = cur.execute("select name, village from projects where project_id = 'XM-T1'").fetchall()
    assert stored == [("镇区路灯改造", None)]
