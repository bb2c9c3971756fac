"""Large CSVs go to DuckDB's reader; it must find exactly what the Python path finds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import village_stats.csv_files as csv_files
import village_stats.reading as reading
from village_stats.db import Database
from village_stats.importing import import_file

LEDGER = [
    "青溪镇2023年度村级集体经济收入统计表,,,",
    "填报单位：青溪镇农业农村办　　单位：万元,,,",
    "序号,村(社区)名称,村集体经济总收入,经营性收入",
    "1,北垞村,101,10",
    "2,北垞村,102,10",
    "3,北坨村,12,3",
    "4,竹秀村,-3,",
    '5,"岑下 村","1,083,000元",20',
    "北片小计,,999,",
    "合计,,1000,",
    "填表人：王丽　审核人：陈建国,,,",
    "6,不该读到村,1,1",
]


def outcome(demo_db_path: Path, tmp_path: Path, text: str, bulk: bool, monkeypatch, encoding="gbk", dry_run=True):
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0 if bulk else 10**12)
    path = tmp_path / ("bulk" if bulk else "python") / "village.duckdb"
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        shutil.copy2(demo_db_path, path)
    database = Database(path)
    return database, import_file(
        database, Path("收入2023.csv"), _settings(), data=text.encode(encoding), dry_run=dry_run
    )


def _settings():
    from village_stats.settings import load_settings

    return load_settings()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_bulk_and_python_paths_report_the_same_issues(demo_db_path, tmp_path, monkeypatch, encoding):
    text = "\r\n".join(LEDGER) + "\r\n"
    found = {}
    for bulk in (False, True):
        _, result = outcome(demo_db_path, tmp_path, text, bulk, monkeypatch, encoding)
        found[bulk] = [(i.row, i.column, i.value, i.code) for i in result.issues]
    assert found[True] == found[False]
    assert (5, "村(社区)名称", None, "duplicate-key") in found[True]
    assert (6, "村(社区)名称", "北坨村", "unknown-village") in found[True]
    assert (7, "村集体经济总收入", "-3", "out-of-range") in found[True]
    assert (10, "村集体经济总收入", "1000", "total-mismatch") in found[True]  # 合计 checked, 小计 left alone


def test_bulk_path_stores_what_the_python_path_stores(demo_db_path, tmp_path, monkeypatch):
    good = [line for line in LEDGER if not line.startswith(("2,", "3,", "4,", "北片", "合计"))]
    text = "\n".join(good) + "\n"
    stored = {}
    for bulk in (False, True):
        database, result = outcome(demo_db_path, tmp_path, text, bulk, monkeypatch, dry_run=False)
        assert result.committed, [i.describe() for i in result.issues]
        with database.read() as cur:
            stored[bulk] = cur.execute(
                "select village, total_income, operating_income from village_income where year = 2023 order by all"
            ).fetchall()
    assert stored[True] == stored[False]
    assert ("岑下村", 1083000, 200000) in [(v, int(t), int(o)) for v, t, o in stored[True]]


def test_a_file_with_blank_lines_keeps_the_python_path(tmp_path):
    data = "\n".join(["村(社区)名称,类型", "北垞村,村", "", "竹秀村,村"]).encode()
    assert csv_files.bulk_csv(Path("名录.csv"), data, tmp_path) is None
    assert csv_files.bulk_csv(Path("名录.csv"), data.replace(b"\n\n", b"\n"), tmp_path) is not None


AWKWARD = [
    "青溪镇2023年度村级集体经济收入统计表,,,",
    "单位：万元,,,",
    "序号,村(社区)名称,村集体经济总收入,经营性收入",
    "1,北垞村,101,10",
    "  ,   ,,",  # only spaces: a blank row
    ",,合计（北片）,",  # a label in the third column, no figures
    "2,竹秀村,50,5",
    "　合 计,,1000,",  # full-width space before, a space inside
    "3,岑下村,30,3",
    " 注：本表由各村填报,,,",  # a footer after a leading space: it and all below are cut
    "4,不该读到村,1,1",
]


def test_bulk_and_python_paths_agree_on_spaces_labels_and_footers(demo_db_path, tmp_path, monkeypatch):
    text = "\n".join(AWKWARD) + "\n"
    found = {}
    for bulk in (False, True):
        _, result = outcome(demo_db_path, tmp_path, text, bulk, monkeypatch, encoding="utf-8")
        assert result.ok, [i.describe() for i in result.issues]
        found[bulk] = (
            [(i.row, i.column, i.value, i.code) for i in result.issues],
            [(r["village"], r["total_income"]) for r in result.tables[0].preview],
        )
    assert found[True] == found[False]
    issues, stored = found[True]
    assert [v for v, _ in stored] == ["北垞村", "竹秀村", "岑下村"]
    assert (8, "村集体经济总收入", "1000", "total-mismatch") in issues


def test_a_utf8_file_with_gbk_lines_names_the_first_such_row(demo_db_path, tmp_path, monkeypatch):
    """The head decides UTF-8; DuckDB's reader then checks every line, and the row is named."""
    rows = 20_000  # past the 256 KB head that decides the encoding
    good = "\n".join(LEDGER[:3] + ["1,北垞村,101,10"] * rows) + "\n"
    data = good.encode("utf-8") + "6,竹秀村,12,3\n".encode("gbk")
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0)
    database = Database(tmp_path / "village.duckdb")
    shutil.copy2(demo_db_path, database.path)
    before = database.version()
    result = import_file(database, Path("收入2023.csv"), _settings(), data=data)
    assert not result.committed
    assert [(i.row, i.code) for i in result.issues] == [(3 + rows + 1, "mixed-encoding")]
    assert "另存为" in result.issues[0].message
    assert database.version() == before


def test_a_csv_on_disk_is_read_where_it_lies_and_left_as_it_was(demo_db_path, tmp_path, monkeypatch):
    good = [line for line in LEDGER if not line.startswith(("2,", "3,", "4,", "北片", "合计"))]
    source = tmp_path / "收入2023.csv"
    source.write_bytes(b"\xef\xbb\xbf" + ("\n".join(good) + "\n").encode("utf-8"))
    original = source.read_bytes()
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0)
    database = Database(tmp_path / "village.duckdb")
    shutil.copy2(demo_db_path, database.path)
    result = import_file(database, source, _settings())
    assert result.committed, [i.describe() for i in result.issues]
    assert source.read_bytes() == original
    with database.read() as cur:
        stored = cur.execute("select total_income from village_income where year = 2023 and village = '岑下村'")
        assert int(stored.fetchone()[0]) == 1083000


@pytest.mark.parametrize("stored_before", [0, 1])
def test_a_csv_longer_than_a_row_group_is_stored_in_the_order_of_its_lines(
    demo_db_path, tmp_path, monkeypatch, stored_before
):
    """DuckDB reads a table of more than 122,880 rows (one row group) on every core. The rows are stored
    in the file's order all the same (a join to match the villages, or one to find which rows are
    stored already, put them out of order), and each row's village is matched."""
    from tests.ledgers import TICKET_COLUMNS

    villages = ["北垞村", "竹秀村", "岑下村"]
    rows = 130_000
    numbers = [(index * 7919) % rows for index in range(rows)]  # not sorted, so no order can pass by chance
    lines = [",".join(TICKET_COLUMNS)] + [
        f"WD2030-{n:06d},{villages[n % 3]},,服务代办,民生保障,代办医保缴费,2030-03-01 09:00,,,,,王丽" for n in numbers
    ]
    database = Database(tmp_path / "village.duckdb")
    shutil.copy2(demo_db_path, database.path)
    settings = _settings()
    # a ticket of the file already stored, changed since: the import then joins with what is stored
    before = [[lines[0], lines[1].replace("代办医保缴费", "代办社保缴费")]] if stored_before else []
    for text in [*before, lines]:
        monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0 if text is lines else 10**12)
        result = import_file(database, Path("工单2030.csv"), settings, data=("\n".join(text) + "\n").encode())
        assert result.committed, [i.describe() for i in result.issues[:5]]
    with database.read() as cur:
        stored = cur.execute(
            "select ticket_id, village from service_tickets where ticket_id like 'WD2030-%' order by rowid"
        ).fetchall()
    assert stored == [(f"WD2030-{n:06d}", villages[n % 3]) for n in numbers]


def _awkward_workbook(path: Path) -> Path:
    """The income ledger above as Excel keeps it: numbers as numbers, a blank row, 合计, a footer."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("2023年")
    sheet.merge_range(0, 0, 0, 3, "青溪镇2023年度村级集体经济收入统计表")
    sheet.write(1, 0, "单位：万元")
    sheet.write_row(2, 0, ["序号", "村(社区)名称", "村集体经济总收入", "经营性收入"])
    sheet.write_row(3, 0, [1, "北垞村", 101.5, 10])
    sheet.write_row(5, 0, [2, " 竹秀村 ", "50", 5.25])  # row 5 left blank
    sheet.write_row(6, 0, [3, "北坨村", -3, None])  # an unknown village, a negative figure
    sheet.write_row(7, 0, ["合计", None, 1000, None])
    sheet.write_row(8, 0, [4, "岑下村", 30, 3])
    sheet.write(9, 0, "填表人：王丽")
    sheet.write_row(10, 0, [5, "不该读到村", 1, 1])
    book.close()
    return path


def test_a_long_sheet_read_as_columns_gives_what_the_row_path_gives(demo_db_path, tmp_path, monkeypatch):
    """Sheets longer than BULK_SHEET_ROWS come from the workbook reader as Arrow columns and
    go through the same SQL as a bulk CSV; row numbers, issues and values must not change."""
    path = _awkward_workbook(tmp_path / "收入2023.xlsx")
    found = {}
    for bulk in (False, True):
        monkeypatch.setattr(reading, "BULK_SHEET_ROWS", 0 if bulk else 10**9)
        database = Database(tmp_path / f"{bulk}.duckdb")
        shutil.copy2(demo_db_path, database.path)
        result = import_file(database, path, _settings(), dry_run=True)
        found[bulk] = (
            [(i.row, i.column, i.value, i.code) for i in result.issues],
            [(r["village"], r["total_income"], r["operating_income"]) for t in result.tables for r in t.preview],
        )
    assert found[True] == found[False]
    issues, _ = found[True]
    assert (7, "村(社区)名称", "北坨村", "unknown-village") in issues
    assert (7, "村集体经济总收入", "-3", "out-of-range") in issues
    assert not [i for i in issues if i[0] in (6, 11)]  # the blank row and what follows the footer


def test_a_long_sheet_stores_what_the_row_path_stores(demo_db_path, tmp_path, monkeypatch):
    import xlsxwriter

    path = tmp_path / "收入2023.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("2023年")
    sheet.write(0, 0, "单位：万元")
    sheet.write_row(1, 0, ["村(社区)名称", "村集体经济总收入", "经营性收入"])
    sheet.write_row(2, 0, ["北垞村", 101.5, 10])
    sheet.write_row(3, 0, [" 竹秀村 ", "50", 5.25])
    book.close()
    stored = {}
    for bulk in (False, True):
        monkeypatch.setattr(reading, "BULK_SHEET_ROWS", 0 if bulk else 10**9)
        database = Database(tmp_path / f"stored-{bulk}.duckdb")
        shutil.copy2(demo_db_path, database.path)
        assert import_file(database, path, _settings()).committed
        with database.read() as cur:
            stored[bulk] = cur.execute(
                "select village, total_income, operating_income from village_income "
                "where year = 2023 and village in ('北垞村', '竹秀村') order by all"
            ).fetchall()
    assert stored[True] == stored[False]
    assert [(v, float(t), float(o)) for v, t, o in stored[True]] == [
        ("北垞村", 1015000.0, 100000.0),
        ("竹秀村", 500000.0, 52500.0),
    ]


TICKETS = [
    "工单编号,所属镇,村(社区)名称,网格,类型,诉求类别,诉求内容,点单时间,领单时间,派单时间,晒单时间,评单,承办党员",
    "WD001,青溪镇,北垞村,第1网格,服务代办,民生保障,路灯  损坏,2024-03-01 08:30,2024-03-01 09:30,,,,王芳",
    "WD002,青溪镇,北垞村,第1网格,服务代办,民生保障,路灯\t损坏,2024-03-01 08:30,,,,,王芳",
    'WD003,青溪镇,竹秀村,第2网格,服务代办,民生保障,"路灯\n损坏",2024-03-01 08:30,,,,,王芳',
    "WD004,青溪镇,竹秀村,第2网格,服务代办,民生保障,　路灯损坏,2024-03-01 08:30,,,,,王芳\u00a0",
    'WD005,青溪镇,岑下村,第3网格,服务代办,民生保障,"灯坏了, 请修",2024-03-01 08:30,,,,,王芳',
    " WD006,青溪镇,岑下村,第3网格,服务代办,民生保障,路灯损坏,2024-03-01 08:30,2024-03-01 09:30,"
    "2024-03-01 10:30,2024-03-02 10:30,满意,李四 ",
    "WD007,青溪镇,岑下村,第3网格,服务代办,民生保障,路灯损坏 ,2024-03-01 08:30,2024-03-01 09:30,"
    "2024-03-01 10:30,2024-03-02 10:30, 满意,",
    "WD008,青溪镇,岑下村,第3网格,服务代办,民生保障,路灯损坏,2024-03-01 08:30,,,,,赵六",
]


def test_bulk_and_python_paths_agree_on_spaces_inside_and_around_text(demo_db_path, tmp_path, monkeypatch):
    """Doubled spaces, tabs and quoted line breaks collapse, edge spaces of every kind go, on both
    paths: the bulk path tests a row's cells only when the row as a whole could hold them."""
    data = ("\n".join(TICKETS) + "\n").encode("utf-8")
    stored = {}
    for bulk in (False, True):
        monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0 if bulk else 10**12)
        database = Database(tmp_path / f"{bulk}.duckdb")
        shutil.copy2(demo_db_path, database.path)
        result = import_file(database, Path("工单2024.csv"), _settings(), data=data, dataset="tickets", dry_run=True)
        assert result.ok, [i.describe() for i in result.issues]
        stored[bulk] = [(r["ticket_id"], r["content"], r["member"], r["rating"]) for r in result.tables[0].preview]
    assert stored[True] == stored[False]
    assert stored[True] == [
        ("WD001", "路灯 损坏", "王芳", None),
        ("WD002", "路灯 损坏", "王芳", None),
        ("WD003", "路灯 损坏", "王芳", None),
        ("WD004", "路灯损坏", "王芳", None),
        ("WD005", "灯坏了, 请修", "王芳", None),
        ("WD006", "路灯损坏", "李四", 5),
        ("WD007", "路灯损坏", None, 5),
        ("WD008", "路灯损坏", "赵六", None),
    ]
