"""报送 rounds on the demo registry: open, one template per unit, units fill and submit, status, 催报, close.

Templates are filled the way a village clerk would: openpyxl opens the generated
workbook, reads last year's grey reference beside each input cell and types this
year's figure into the yellow cell. The submissions go through the real importer
(one of them through the CLI in a subprocess).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests.test_cli_user import cli
from village_stats import access, importing, queries, rounds
from village_stats import db as db_module
from village_stats.db import Database

FIRST_ROW = 4  # Excel row of a template's data row (title, 填报单位 line, header above it)


def status(database: Database, round_id: int) -> dict[str, dict[str, object]]:
    with database.read() as cur:
        frame = queries.run_query(cur, "round_status", round_id=round_id)
    return {row["unit"]: row for row in frame.to_dict(orient="records")}


def progress(database: Database, round_id: int) -> dict[str, int]:
    with database.read() as cur:
        frame = queries.run_query(cur, "round_progress", round_id=round_id)
    return {k: int(v) for k, v in frame.iloc[0].items()}


def stored_income(database: Database, year: int) -> dict[str, Decimal]:
    with database.read() as cur:
        rows = cur.execute("select village, total_income from village_income where year = $y", {"y": year})
        return dict(rows.fetchall())


def import_count(database: Database) -> int:
    with database.read() as cur:
        return cur.execute("select count(*) from imports").fetchone()[0]


def fill(template: Path, target: Path, factor: float = 1.1, extra_rows: list[list[object]] = ()) -> Path:
    """This year's figures = last year's grey reference × factor, typed into the cells left of it."""
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[FIRST_ROW - 1]]
    for index, header in enumerate(headers):
        if isinstance(header, str) and header.endswith("（参考）"):
            reference = sheet.cell(FIRST_ROW, index + 1).value
            if isinstance(reference, int | float):
                sheet.cell(FIRST_ROW, index).value = round(reference * factor, 2)
    for offset, row in enumerate(extra_rows, start=1):
        for column, value in enumerate(row, start=1):
            sheet.cell(FIRST_ROW + offset, column).value = value
    book.save(target)
    return target


def submit(database, settings, path: Path, round_id: int, unit: str, confirm: bool = False, user: str = "报送员"):
    return importing.import_file(
        database, path, settings, user=user, submission=rounds.Submission(round_id, unit, confirm)
    )


@pytest.fixture
def income_round(demo_copy: Database, settings, tmp_path: Path) -> tuple[Database, rounds.Round, dict[str, Path]]:
    """An open 2025 income round on a copy of the demo town, its templates written."""
    due = date.today() + timedelta(days=30)
    opened = rounds.open_round(demo_copy, "income", 2025, due, settings.town, "镇农经站")
    written = rounds.write_templates(demo_copy, opened.round_id, tmp_path / "templates", settings)
    return demo_copy, opened, {path.name.removesuffix(".xlsx").split("_", 1)[1]: path for path in written}


def test_whole_round_on_the_demo_town(income_round, settings, tmp_path):
    database, opened, templates = income_round
    with database.read() as cur:
        units = rounds.units_of(cur, opened.town)
    assert len(units) == 25
    # one template per unit, named for it, the unit's name and the year filled in
    assert sorted(templates) == sorted(units)
    for unit, path in templates.items():
        assert path.name == f"2025年村级集体经济收入_{unit}.xlsx"
        sheet = openpyxl.load_workbook(path).worksheets[0]
        assert (sheet.cell(FIRST_ROW, 1).value, sheet.cell(FIRST_ROW, 2).value) == (2025, unit)
        assert sheet.protection.sheet, "the name and year cannot be typed over"
        assert not sheet.cell(FIRST_ROW, 3).protection.locked, "the figures can"

    missing = [units[i] for i in (0, 7, 15, 24)]
    reporting = [u for u in units if u not in missing]
    before = stored_income(database, 2025)
    assert not before
    # 20 units submit in process, one through the command line
    by_cli = reporting.pop()
    for unit in reporting:
        filled = fill(templates[unit], tmp_path / f"{unit}.xlsx")
        outcome = submit(database, settings, filled, opened.round_id, unit, user=f"{unit}报送员")
        assert outcome.committed, [i.describe() for i in outcome.issues]
    filled = fill(templates[by_cli], tmp_path / f"{by_cli}.xlsx")
    result = cli("import", filled, "--round", opened.round_id, "--unit", by_cli, "--by", "命令行代报", db=database.path)
    assert result.returncode == 0, result.stderr

    stored = stored_income(database, 2025)
    assert sorted(stored) == sorted([*reporting, by_cli])
    last_year = stored_income(database, 2024)
    assert all(abs(stored[u] - last_year[u] * Decimal("1.1")) < 100 for u in stored)  # within a yuan of rounding

    counts = progress(database, opened.round_id)
    assert (counts["units"], counts["reported"], counts["missing"]) == (25, 21, 4)
    by_unit = status(database, opened.round_id)
    assert sorted(u for u, row in by_unit.items() if row["status"] == "missing") == sorted(missing)
    assert by_unit[by_cli]["submitted_by"] == "命令行代报"
    assert by_unit[reporting[0]]["submitted_by"] == f"{reporting[0]}报送员"
    assert by_unit[reporting[0]]["row_count"] == 1

    text = rounds.reminder(opened, [u for u in units if u in missing], date.today(), settings.round_chase_days)
    due = f"{opened.due.month}月{opened.due.day}日"
    assert text.startswith(f"【催报】2025年村级集体经济收入报送截止{due}，以下4个村(社区)")
    for unit in missing:
        assert rounds.short_name(unit) in text
    for unit in reporting[:3]:
        assert rounds.short_name(unit) not in text

    status_json = cli("round", "status", opened.round_id, "--format", "json", db=database.path)
    assert status_json.returncode == 0, status_json.stderr
    assert '"missing"' in status_json.stdout and text.split("请于")[0] in status_json.stdout


def test_another_villages_row_is_refused_and_nothing_written(income_round, settings, tmp_path):
    database, opened, templates = income_round
    stranger = ["2025", "北垞村", 300]
    filled = fill(templates["竹秀村"], tmp_path / "竹秀村.xlsx", extra_rows=[stranger])
    imports_before, stored_before = import_count(database), stored_income(database, 2025)
    outcome = submit(database, settings, filled, opened.round_id, "竹秀村")
    assert not outcome.committed
    refused = [i for i in outcome.issues if i.code == "other-unit"]
    assert [(i.row, i.column, i.value) for i in refused] == [(FIRST_ROW + 1, "村(社区)名称", "北垞村")]
    assert "竹秀村" in refused[0].message and "北垞村" in refused[0].message
    assert import_count(database) == imports_before
    assert stored_income(database, 2025) == stored_before
    assert status(database, opened.round_id)["竹秀村"]["status"] == "missing"


def test_resubmission_replaces_and_undo_puts_back(income_round, settings, tmp_path):
    database, opened, templates = income_round
    first = submit(database, settings, fill(templates["竹秀村"], tmp_path / "a.xlsx", 1.1), opened.round_id, "竹秀村")
    second = submit(database, settings, fill(templates["竹秀村"], tmp_path / "b.xlsx", 1.2), opened.round_id, "竹秀村")
    assert first.committed and second.committed
    last_year = stored_income(database, 2024)["竹秀村"]
    assert abs(stored_income(database, 2025)["竹秀村"] - last_year * Decimal("1.2")) < 100
    row = status(database, opened.round_id)["竹秀村"]
    assert (row["status"], row["submissions"], row["row_count"]) == ("submitted", 2, 1)
    importing.undo_import(database, second.tables[0].import_id, user="镇农经站")
    assert abs(stored_income(database, 2025)["竹秀村"] - last_year * Decimal("1.1")) < 100
    importing.undo_import(database, first.tables[0].import_id, user="镇农经站")
    assert "竹秀村" not in stored_income(database, 2025)
    assert status(database, opened.round_id)["竹秀村"]["status"] == "missing"


def test_abnormal_change_needs_confirming(income_round, settings, tmp_path):
    database, opened, templates = income_round
    jumped = fill(templates["北垞村"], tmp_path / "北垞村.xlsx", factor=1.8)
    held = submit(database, settings, jumped, opened.round_id, "北垞村")
    assert not held.committed
    warnings = [i for i in held.issues if i.code == "abnormal-change"]
    assert warnings and all(i.severity == "warning" and i.row == FIRST_ROW for i in warnings)
    assert "村集体经济总收入(万元)" in [i.column for i in warnings]
    assert any(i.code == "unconfirmed-changes" and i.severity == "error" for i in held.issues)
    assert "北垞村" not in stored_income(database, 2025)
    confirmed = submit(database, settings, jumped, opened.round_id, "北垞村", confirm=True)
    assert confirmed.committed
    assert status(database, opened.round_id)["北垞村"]["changes_confirmed"] == len(warnings)
    # within the threshold nothing is asked
    calm = submit(database, settings, fill(templates["竹秀村"], tmp_path / "c.xlsx", 1.4), opened.round_id, "竹秀村")
    assert calm.committed and not [i for i in calm.issues if i.code == "abnormal-change"]


def test_close_locks_until_reopened(income_round, settings, tmp_path):
    database, opened, templates = income_round
    sent = submit(database, settings, fill(templates["竹秀村"], tmp_path / "a.xlsx"), opened.round_id, "竹秀村")
    rounds.set_closed(database, opened.round_id, True, "镇农经站")
    late = submit(database, settings, fill(templates["北垞村"], tmp_path / "b.xlsx"), opened.round_id, "北垞村")
    assert not late.committed and [i.code for i in late.issues] == ["round-closed"]
    with pytest.raises(importing.UndoRefused, match="已关闭"):
        importing.undo_import(database, sent.tables[0].import_id)
    # the town's own import of the locked year is refused too
    town_import = importing.import_file(database, tmp_path / "b.xlsx", settings, dataset="income")
    assert not town_import.committed and "round-closed" in [i.code for i in town_import.issues]
    result = cli("round", "reopen", opened.round_id, db=database.path)
    assert result.returncode == 0, result.stderr
    importing.undo_import(database, sent.tables[0].import_id)
    assert status(database, opened.round_id)["竹秀村"]["status"] == "missing"


def test_late_submission_is_marked_late(demo_copy, settings, tmp_path):
    opened = rounds.open_round(demo_copy, "income", 2025, date.today() - timedelta(days=1), settings.town, "镇")
    (path,) = [p for p in rounds.write_templates(demo_copy, opened.round_id, tmp_path, settings) if "北垞村" in p.name]
    assert submit(demo_copy, settings, fill(path, tmp_path / "f.xlsx"), opened.round_id, "北垞村").committed
    assert status(demo_copy, opened.round_id)["北垞村"]["status"] == "late"
    text = rounds.reminder(opened, ["竹秀村"], date.today(), 3)
    by = date.today() + timedelta(days=3)
    assert text.endswith(f"请于{by.month}月{by.day}日前报送。")


def test_multi_row_ledger_resubmission_removes_rows_and_undo_restores(demo_copy, settings, tmp_path):
    """Problems have many rows per unit: a resubmission without a row removes it; undo brings it back."""
    opened = rounds.open_round(demo_copy, "problems", 2025, date.today() + timedelta(days=9), settings.town, "镇")
    (path,) = [p for p in rounds.write_templates(demo_copy, opened.round_id, tmp_path, settings) if "北垞村" in p.name]
    book = openpyxl.load_workbook(path)
    headers = [c.value for c in book.worksheets[0][FIRST_ROW - 1]]

    def sheet_with(ids: list[str], name: str) -> Path:
        book = openpyxl.load_workbook(path)
        sheet = book.worksheets[0]
        for offset, problem_id in enumerate(ids):
            values = {"问题编号": problem_id, "年度": 2025, "村(社区)名称": "北垞村", "问题来源": "党建体检"}
            values |= {"问题类型": "个性", "问题描述": f"问题{problem_id}", "整改状态": "整改中"}
            for column, header in enumerate(headers, start=1):
                if header in values:
                    sheet.cell(FIRST_ROW + offset, column).value = values[header]
        book.save(tmp_path / name)
        return tmp_path / name

    def stored() -> list[str]:
        with demo_copy.read() as cur:
            found = cur.execute("select problem_id from problems where year = 2025 and village = '北垞村' order by 1")
            return [r[0] for r in found.fetchall()]

    first = submit(demo_copy, settings, sheet_with(["P1", "P2", "P3"], "a.xlsx"), opened.round_id, "北垞村", True)
    assert first.committed, [i.describe() for i in first.issues]
    second = submit(demo_copy, settings, sheet_with(["P1", "P3"], "b.xlsx"), opened.round_id, "北垞村", True)
    assert second.committed and second.tables[0].removed == 1
    assert stored() == ["P1", "P3"]
    importing.undo_import(demo_copy, second.tables[0].import_id)
    assert stored() == ["P1", "P2", "P3"]


def test_migration_numbered_below_an_applied_one_still_runs(tmp_path, monkeypatch):
    """A file upgraded to v12 by a build that had no v11 yet gets v11 (the account store move) later."""
    from tests.test_schema import make_v1_file

    old = make_v1_file(tmp_path / "old.duckdb")
    without_v11 = tmp_path / "migrations"
    shutil.copytree(db_module.MIGRATIONS_DIR, without_v11)
    (without_v11 / "011_accounts_store.sql").unlink()
    real = db_module.MIGRATIONS_DIR
    monkeypatch.setattr(db_module, "MIGRATIONS_DIR", without_v11)
    applied = Database(old).migrate()
    assert 12 in applied and 11 not in applied
    monkeypatch.setattr(db_module, "MIGRATIONS_DIR", real)
    assert Database(old).migrate() == [11]
    con = duckdb.connect(str(old), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert "users" not in tables and {"rounds", "round_submissions"} <= tables
        assert {r[0] for r in con.execute("select version from schema_version").fetchall()} >= {10, 11, 12}
    finally:
        con.close()
    assert Database(old).migrate() == []


def test_round_commands_end_to_end(demo_copy, tmp_path):
    path = demo_copy.path
    due = (date.today() + timedelta(days=5)).isoformat()
    opened = cli("round", "open", "--dataset", "income", "--year", 2025, "--due", due, "--by", "镇农经站", db=path)
    assert opened.returncode == 0, opened.stderr
    again = cli("round", "open", "--dataset", "income", "--year", 2025, "--due", due, db=path)
    assert again.returncode == 2 and "已有进行中的报送任务 #1" in again.stderr
    registry = cli("round", "open", "--dataset", "villages", "--year", 2025, "--due", due, db=path)
    assert registry.returncode == 2 and "Traceback" not in registry.stderr

    listed = cli("round", "list", "--format", "json", db=path)
    assert listed.returncode == 0, listed.stderr
    (only,) = json.loads(listed.stdout)
    assert (only["id"], only["dataset"], only["year"], only["due"]) == (1, "income", 2025, due)

    made = cli("round", "templates", 1, "--out", tmp_path / "模板", db=path)
    assert made.returncode == 0, made.stderr
    assert len(list((tmp_path / "模板").glob("2025年村级集体经济收入_*.xlsx"))) == 25

    filled = fill(tmp_path / "模板" / "2025年村级集体经济收入_北垞村.xlsx", tmp_path / "北垞村.xlsx", factor=1.8)
    held = cli("import", filled, "--round", 1, "--unit", "北垞村", db=path)
    assert held.returncode == 1 and "--confirm-changes" in held.stderr
    sent = cli("import", filled, "--round", 1, "--unit", "北垞村", "--confirm-changes", db=path)
    assert sent.returncode == 0, sent.stderr
    wrong = cli("import", filled, "--round", 1, "--unit", "竹秀村", "--confirm-changes", db=path)
    assert wrong.returncode == 1 and "第4行" in wrong.stderr and "“村(社区)名称”列" in wrong.stderr

    table = cli("round", "status", 1, db=path)
    assert "25个村(社区)中1个已报送" in table.stdout and "【催报】" in table.stdout
    as_csv = cli("round", "status", 1, "--format", "csv", db=path)
    assert as_csv.stdout.splitlines()[0].startswith("村(社区),状态,报送时间")
    as_json = json.loads(cli("round", "status", 1, "--format", "json", db=path).stdout)
    mine = next(u for u in as_json["units"] if u["unit"] == "北垞村")
    assert (mine["status"], mine["rows"], mine["by"]) == ("submitted", 1, "测试员")
    assert as_json["reminder"].startswith("【催报】") and "以下24个村(社区)" in as_json["reminder"]

    assert cli("round", "close", 1, db=path).returncode == 0
    locked = cli("import", filled, "--round", 1, "--unit", "北垞村", "--confirm-changes", db=path)
    assert locked.returncode == 1 and "关闭，不能再报送" in locked.stderr
    assert "已关闭" in cli("round", "list", db=path).stdout
    assert cli("round", "reopen", 1, db=path).returncode == 0
    # a submitter's name that a spreadsheet would run is written as text
    by_formula = cli(
        "import", filled, "--round", 1, "--unit", "北垞村", "--confirm-changes", "--by", "=SUM(1)", db=path
    )
    assert by_formula.returncode == 0, by_formula.stderr
    assert ",'=SUM(1)," in cli("round", "status", 1, "--format", "csv", db=path).stdout


def test_village_accounts_from_the_command_line(demo_copy):
    path = demo_copy.path
    added = cli("user", "add", "北垞报送员", "--role", "village", "--unit", "北垞村", db=path, stdin="village-pass-1\n")
    assert added.returncode == 0, added.stderr
    assert "北垞村" in cli("user", "list", db=path).stdout
    unknown = cli("user", "add", "某人", "--role", "village", "--unit", "北坨村", db=path, stdin="village-pass-1\n")
    assert unknown.returncode == 2 and "不在村(社区)名录中" in unknown.stderr
    no_unit = cli("user", "add", "某人", "--role", "village", db=path, stdin="village-pass-1\n")
    assert no_unit.returncode == 2 and "--unit" in no_unit.stderr
    viewer_unit = cli("user", "add", "某人", "--role", "viewer", "--unit", "北垞村", db=path, stdin="x-pass-word\n")
    assert viewer_unit.returncode == 2 and "只用于村(社区)账号" in viewer_unit.stderr
    assert [a.name for a in access.accounts(demo_copy)] == ["北垞报送员"]


def test_village_sign_in_is_throttled_and_carries_its_unit(demo_copy):
    access.add_user(demo_copy, "北垞报送员", access.VILLAGE, "village-pass-1", by="测试", unit="北垞村")
    throttle = access.Throttle(per_name=2, window=timedelta(minutes=15))
    now = datetime(2026, 1, 5, 9, 0)
    for _ in range(2):
        assert access.sign_in(demo_copy, "北垞报送员", "wrong-password", throttle, now).account is None
    blocked = access.sign_in(demo_copy, "北垞报送员", "village-pass-1", throttle, now)
    assert blocked.account is None and "次数过多" in blocked.message
    later = access.sign_in(demo_copy, "北垞报送员", "village-pass-1", throttle, now + timedelta(minutes=16))
    assert later.account is not None and later.account.unit == "北垞村"
    # on a network as on loopback, a village account may view and may not change data outside its 报送
    for loopback in (True, False):
        rights = access.decide(access.accounts(demo_copy), later.account, loopback, viewers_must_sign_in=True)
        assert (rights.role, rights.unit, rights.may_view) == (access.VILLAGE, "北垞村", True)
        assert rights.refusal and "报送" in rights.refusal


def test_stars_template_has_drop_downs_and_round_trips(demo_copy, settings, tmp_path):
    opened = rounds.open_round(demo_copy, "stars", 2025, date.today() + timedelta(days=9), settings.town, "镇组织办")
    name, data = rounds.unit_template(demo_copy, opened.round_id, "竹秀村", settings)
    assert name == "2025年达标创星_竹秀村.xlsx"
    (tmp_path / name).write_bytes(data)
    book = openpyxl.load_workbook(tmp_path / name)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[FIRST_ROW - 1]]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    star_cell = f"{openpyxl.utils.get_column_letter(headers.index('星级') + 1)}{FIRST_ROW}"
    assert "五星级" in lists[star_cell], "the same drop-down as the blank template"
    with demo_copy.read() as cur:
        last = cur.execute("select stars from star_ratings where year = 2024 and village = '竹秀村'").fetchone()[0]
    assert sheet.cell(FIRST_ROW, headers.index("星级") + 2).value == last, "last year's stars beside the cell"
    sheet.cell(FIRST_ROW, headers.index("星级") + 1).value = "五星级"
    sheet.cell(FIRST_ROW, headers.index("评分") + 1).value = 95
    book.save(tmp_path / "filled.xlsx")
    sent = submit(demo_copy, settings, tmp_path / "filled.xlsx", opened.round_id, "竹秀村", confirm=True)
    assert sent.committed, [i.describe() for i in sent.issues]
    with demo_copy.read() as cur:
        assert cur.execute("select stars from star_ratings where year = 2025 and village = '竹秀村'").fetchone() == (5,)
