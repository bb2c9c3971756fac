"""Long text sheets are read with fastexcel; what they give must equal the python-calamine path."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

import village_stats.reading as reading
from tests.ledgers import TICKET_COLUMNS
from village_stats import raw_rows, workbooks
from village_stats.db import Database
from village_stats.importing import import_file
from village_stats.settings import load_settings

BULK = 10  # rows beyond which a sheet is "long" in these tests


def ticket(number: int, village: str = "北垞村", ordered: str | None = None, rating: str = "满意") -> list[str]:
    day = 1 + number % 28
    return [
        f"WD2030-{number:04d}",
        village,
        f"{village}第1网格",
        "服务代办",
        "民生保障",
        "代办医保缴费",
        ordered or f"2030-03-{day:02d} 09:00",
        f"2030-03-{day:02d} 10:00",
        f"2030-03-{day:02d} 11:00",
        f"2030-03-{day:02d} 16:00",
        rating,
        "王丽",
    ]


BAD = {  # data row index → the ticket written there
    3: ticket(3, village="北坨村"),
    7: ticket(7, ordered="3月1日上午"),
    25: ticket(25, rating="一般"),  # below the blank row
}


def ticket_book(rows: int = 40, extra=None, bad: bool = True) -> bytes:
    """A tickets ledger as staff keep it, all text cells: two blank rows and a blank column A
    before the title, a unit line, the header, data with bad cells, a blank row, a 合计 row, a footer."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("五单服务工单")
    sheet.merge_range(2, 1, 2, 6, "青溪镇2030年“五单”闭环服务工单台账")
    sheet.write_string(3, 1, "填报单位：青溪镇党建办　　单位：件")
    sheet.write_row(4, 1, TICKET_COLUMNS)
    line = 5
    for index in range(rows):
        if index == rows // 2:
            line += 1  # a blank row inside the data
        sheet.write_row(line, 1, BAD.get(index, ticket(index)) if bad else ticket(index))
        line += 1
    sheet.write_row(line, 1, ["合计", "", "", "", "", "", "", "", "", "", "", f"{rows}件"])
    sheet.write_string(line + 1, 1, "填表人：王丽　　审核人：陈建国")
    sheet.write_row(line + 2, 1, ticket(999, village="不该读到村"))
    if extra:
        extra(book, sheet, line + 3)
    book.close()
    return buffer.getvalue()


def stored_tickets(database: Database, path: Path, columns: str, order: str) -> list[tuple]:
    """Import `path` (it must commit) and read back its WD2030 tickets."""
    result = import_file(database, path, load_settings())
    assert result.committed, [i.describe() for i in result.issues]
    with database.read() as cur:
        query = f"select {columns} from service_tickets where ticket_id like 'WD2030-%' order by {order}"
        return cur.execute(query).fetchall()


def both_paths(data: bytes, monkeypatch) -> tuple[list, list, list[str]]:
    """The sheets as the fast path gives them, as python-calamine gives them, and which sheets
    fastexcel kept (its check may hand a sheet back)."""
    kept: list[str] = []
    original = workbooks._fastexcel_sheet

    def spy(reader, name, *args):
        sheet = original(reader, name, *args)
        if sheet is not None:
            kept.append(name)
        return sheet

    monkeypatch.setattr(workbooks, "_fastexcel_sheet", spy)
    fast = workbooks._parse_calamine(data, BULK)
    monkeypatch.setattr(workbooks, "_long_textual_sheets", lambda data, bulk_rows: {})
    slow = workbooks._parse_calamine(data, BULK)
    return fast, slow, kept


def assert_same(fast, slow) -> None:
    assert [(s.name, s.hidden, s.rows) for s in fast] == [(s.name, s.hidden, s.rows) for s in slow]
    for a, b in zip(fast, slow, strict=True):
        assert (a.cells is None) == (b.cells is None)
        if a.cells is not None:
            assert a.cells.column_names == b.cells.column_names
            assert a.cells.to_pylist() == b.cells.to_pylist()


def test_a_long_text_sheet_is_read_by_fastexcel_exactly_as_by_calamine(monkeypatch):
    fast, slow, kept = both_paths(ticket_book(), monkeypatch)
    assert kept == ["五单服务工单"]
    assert_same(fast, slow)
    cells = fast[0].cells
    assert cells.column_names[0] == "c0" and cells.column("c0").null_count == cells.num_rows  # blank column A kept
    assert fast[0].rows[2][1] == "青溪镇2030年“五单”闭环服务工单台账"  # Excel row 3, column B
    assert cells.column("c2").to_pylist()[8] == "北坨村"  # data row 3 is Excel row 9


def test_other_sheets_keep_their_reader(monkeypatch):
    def more(book, sheet, line):
        hidden = book.add_worksheet("隐藏")
        for row in range(BULK + 5):
            hidden.write_row(row, 0, ticket(row))
        hidden.hide()
        short = book.add_worksheet("短表")
        short.write_row(0, 0, ["村(社区)名称", "户数"])
        short.write_row(1, 0, ["北垞村", 120])
        chart = book.add_chart({"type": "column"})
        chart.add_series({"values": "=短表!$B$2:$B$2"})
        book.add_chartsheet("图表").set_chart(chart)

    fast, slow, kept = both_paths(ticket_book(extra=more), monkeypatch)
    assert kept == ["五单服务工单", "隐藏"]
    assert_same(fast, slow)
    assert [(s.name, s.hidden, s.cells is None) for s in fast] == [
        ("五单服务工单", False, False),
        ("隐藏", True, False),
        ("短表", False, True),
    ]
    assert fast[2].rows[1] == ["北垞村", "120"]


DATE = {"num_format": "yyyy-mm-dd"}
STAMP = {"num_format": "yyyy-mm-dd hh:mm"}
CLOCK = {"num_format": "hh:mm"}

LOOKED_UP = {  # fastexcel renders these unlike cell_text: the cells are looked up in the sheet XML
    "integer": lambda b, s, r: s.write_number(r, 2, 20),
    "a third": lambda b, s, r: s.write_number(r, 2, 1 / 3),
    "float sum": lambda b, s, r: s.write_number(r, 2, 0.1 + 0.2),
    "huge": lambda b, s, r: s.write_number(r, 2, 1e20),
    "negative": lambda b, s, r: s.write_number(r, 2, -3.5),
    "boolean": lambda b, s, r: s.write_boolean(r, 2, True),
    "false": lambda b, s, r: s.write_boolean(r, 2, False),
    "date": lambda b, s, r: s.write_datetime(r, 2, dt.datetime(2023, 5, 6), b.add_format(DATE)),
    "midnight": lambda b, s, r: s.write_datetime(r, 2, dt.datetime(2023, 5, 6), b.add_format(STAMP)),
    "time": lambda b, s, r: s.write_datetime(r, 2, dt.time(14, 30), b.add_format(CLOCK)),
    "milliseconds": lambda b, s, r: s.write_number(r, 2, 45052.5000001, b.add_format(STAMP)),
    "formula": lambda b, s, r: s.write_formula(r, 2, "=1+1", None, 2),
    "number as text": lambda b, s, r: s.write_string(r, 2, "50"),
    "text like true": lambda b, s, r: s.write_string(r, 2, "true"),
    "text like a date": lambda b, s, r: s.write_string(r, 2, "2023-05-06 00:00:00"),
    "inline text like a number": lambda b, s, r: s.write_formula(r, 2, '="7"', None, "7"),
}
HANDED_BACK = {  # cells settled neither way: python-calamine reads the sheet
    "duration": lambda b, s, r: s.write_number(r, 2, 1.5, b.add_format({"num_format": "[h]:mm:ss"})),
    "1900": lambda b, s, r: s.write_number(r, 2, 1.25, b.add_format(STAMP)),
}
KEPT = {  # cells both readers give alike: fastexcel keeps the sheet
    "empty string": lambda b, s, r: s.write_string(r, 2, ""),
    "spaces": lambda b, s, r: s.write_string(r, 2, "  北垞村 "),
    "full-width": lambda b, s, r: s.write_string(r, 2, "　北垞村　ＡＢ１２"),
    "date and time": lambda b, s, r: s.write_datetime(r, 2, dt.datetime(2023, 5, 6, 14, 30), b.add_format(STAMP)),
    "chinese date format": lambda b, s, r: s.write_datetime(
        r, 2, dt.datetime(2023, 5, 6, 14, 30), b.add_format({"num_format": 'yyyy"年"m"月"d"日" hh:mm'})
    ),
    "slashes": lambda b, s, r: s.write_datetime(
        r, 2, dt.datetime(2023, 5, 6, 8, 5), b.add_format({"num_format": "yyyy/m/d h:mm"})
    ),
    "text formula": lambda b, s, r: s.write_formula(r, 2, '="北"&"垞村"', None, "北垞村"),
    "error": lambda b, s, r: s.write_formula(r, 2, "=1/0", None, "#DIV/0!"),
}


@pytest.mark.parametrize("write", LOOKED_UP.values(), ids=LOOKED_UP.keys())
def test_a_cell_fastexcel_renders_otherwise_is_looked_up(monkeypatch, write):
    fast, slow, kept = both_paths(ticket_book(rows=2000, extra=write), monkeypatch)
    assert kept == ["五单服务工单"]
    assert_same(fast, slow)


@pytest.mark.parametrize("write", HANDED_BACK.values(), ids=HANDED_BACK.keys())
def test_a_cell_fastexcel_would_render_otherwise_hands_the_sheet_back(monkeypatch, write):
    fast, slow, kept = both_paths(ticket_book(rows=2000, extra=write), monkeypatch)
    assert kept == []
    assert_same(fast, slow)


@pytest.mark.parametrize("write", KEPT.values(), ids=KEPT.keys())
def test_cells_both_readers_give_alike_keep_the_fast_path(monkeypatch, write):
    fast, slow, kept = both_paths(ticket_book(rows=2000, extra=write), monkeypatch)
    assert kept == ["五单服务工单"]
    assert_same(fast, slow)


def test_an_iso_date_cell_hands_the_sheet_back(monkeypatch):
    # t="d" cells (Excel's strict format): fastexcel keeps the ISO 'T', python-calamine does not
    data = ticket_book(rows=2000, extra=lambda b, s, r: s.write_number(r, 2, 12345))
    data = _rewritten(data, b"><v>12345</v>", b' t="d"><v>2023-05-06T14:30:00</v>')
    fast, slow, kept = both_paths(data, monkeypatch)
    assert kept == []
    assert_same(fast, slow)
    assert "2023-05-06 14:30:00" in slow[0].cells.column("c2").to_pylist()


def _rewritten(data: bytes, old: bytes, new: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename.startswith("xl/worksheets/"):
                assert content.count(old) == 1
                content = content.replace(old, new)
            target.writestr(member, content)
    return buffer.getvalue()


def test_date_time_cells_keep_the_fast_path(monkeypatch):
    """Staff type times into Excel, which stores date-time numbers: both readers give them alike."""

    def with_times(book, sheet, line):
        stamp = book.add_format(STAMP)
        for row in range(5, 45):
            sheet.write_datetime(row, 7, dt.datetime(2030, 3, 1 + row % 28, 9, row % 60), stamp)

    data = ticket_book(extra=with_times)
    assert list(workbooks._long_textual_sheets(data, BULK)) == ["五单服务工单"]
    fast, slow, kept = both_paths(data, monkeypatch)
    assert kept == ["五单服务工单"]
    assert_same(fast, slow)
    assert fast[0].cells.column("c7").to_pylist()[6] == "2030-03-07 09:06:00"  # 点单时间, Excel row 7


def test_a_long_sheet_with_numbers_in_its_first_rows_goes_straight_to_calamine():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("收入")
    for row in range(BULK + 5):
        sheet.write_row(row, 0, ["北垞村", row * 1.5])
    book.close()
    assert workbooks._long_textual_sheets(buffer.getvalue(), BULK) == {}
    assert list(workbooks._long_textual_sheets(ticket_book(), BULK)) == ["五单服务工单"]
    assert workbooks._long_textual_sheets(ticket_book(), 10**6) == {}  # short: calamine, as before


@pytest.mark.parametrize("batch_rows", [raw_rows.ARROW_BATCH_ROWS, 4])
def test_a_long_ticket_ledger_imports_as_the_short_path_does(demo_db_path, tmp_path, monkeypatch, batch_rows):
    """Through the reading child: the same issues, Excel rows and headers, and the same stored rows
    (also when DuckDB reads the cells in many batches, on both cores)."""
    monkeypatch.setattr(raw_rows, "ARROW_BATCH_ROWS", batch_rows)
    path = tmp_path / "五单工单2030.xlsx"
    path.write_bytes(ticket_book())
    found = {}
    for bulk in (False, True):
        monkeypatch.setattr(reading, "BULK_SHEET_ROWS", BULK if bulk else 10**9)
        database = Database(tmp_path / f"{bulk}.duckdb")
        shutil.copy2(demo_db_path, database.path)
        result = import_file(database, path, load_settings())
        assert not result.committed
        issues = [(i.row, i.column, i.value, i.code) for i in result.issues if i.row]
        clean = tmp_path / f"clean-{bulk}.xlsx"
        clean.write_bytes(ticket_book(bad=False))
        found[bulk] = (issues, stored_tickets(database, clean, "*", "ticket_id"))
    assert found[True] == found[False]
    issues, rows = found[True]
    assert (9, "村(社区)名称", "北坨村", "unknown-village") in issues  # data row 3 = Excel row 9
    assert (13, "点单时间", "3月1日上午", "bad-date") in issues
    assert (32, "评单", "一般", "bad-rating") in issues  # data row 25, below the blank row
    assert not [i for i in issues if i[0] >= 47]  # the 合计 row, the footer and what follows
    assert len(rows) == 40


def test_a_long_sheet_is_stored_in_the_order_of_its_rows(demo_db_path, tmp_path, monkeypatch):
    """The rows of a long sheet are read on both cores, a batch at a time; they are stored as the sheet
    lists them (a join to match the villages put the batches out of order), and each matched."""
    monkeypatch.setattr(raw_rows, "ARROW_BATCH_ROWS", 4)
    monkeypatch.setattr(reading, "BULK_SHEET_ROWS", BULK)
    villages = ["北垞村", "竹秀村", "岑下村"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("五单服务工单")
    sheet.write_row(0, 0, TICKET_COLUMNS)
    numbers = [(index * 7919) % 2000 for index in range(2000)]  # not sorted, so no order can pass by chance
    for line, number in enumerate(numbers, start=1):
        sheet.write_row(line, 0, ticket(number, village=villages[number % 3]))
    book.close()
    path = tmp_path / "五单工单2030.xlsx"
    path.write_bytes(buffer.getvalue())
    database = Database(tmp_path / "order.duckdb")
    shutil.copy2(demo_db_path, database.path)
    stored = stored_tickets(database, path, "ticket_id, village", "rowid")
    assert stored == [(f"WD2030-{n:04d}", villages[n % 3]) for n in numbers]


def test_fastexcel_failing_leaves_the_sheet_to_python_calamine(monkeypatch):
    data = ticket_book()
    expected = workbooks._parse_calamine(data, BULK)

    def broken(*args):
        raise ValueError("fastexcel could not read this")

    monkeypatch.setattr(workbooks, "_fastexcel_sheet", broken)
    assert_same(workbooks._parse_calamine(data, BULK), expected)
    monkeypatch.setattr(workbooks, "_long_textual_sheets", broken)
    assert_same(workbooks._parse_calamine(data, BULK), expected)


def _rewritten(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with `old` replaced by `new` in every part, as another writer would have written it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, source.read(member).replace(old, new))
    return buffer.getvalue()


# `&#0;` is left out: no XML may hold it, and python-calamine refuses the whole workbook
C0_WAYS = [(c, way) for c in ("\x1b", "\x00", "\x08", "\x0b", "\x1f") for way in ("escaped", "reference", "raw")]
C0_WAYS.remove(("\x00", "reference"))


@pytest.mark.parametrize(("control", "written"), [*C0_WAYS, ("\x7f", "raw"), ("\x85", "raw"), ("\x9f", "raw")])
def test_a_control_character_in_a_long_sheet_is_noticed_however_the_xml_writes_it(control, written, monkeypatch):
    """xlsxwriter writes C0 as Excel does (`_x001B_`), DEL and C1 as they are; other writers use a
    character reference or the bare character. Whatever reaches a cell keeps the sheet from being
    called control-free (a writer's XML that fastexcel refuses goes to python-calamine, never control-free)."""
    cells = ticket(5)
    cells[5] = f"代办{control}医保缴费"
    monkeypatch.setitem(BAD, 5, cells)
    data = ticket_book()
    if written != "escaped" and ord(control) < 0x20:
        escape = f"_x{ord(control):04X}_".encode()
        assert escape in zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml")
        data = _rewritten(data, escape, f"&#{ord(control)};".encode() if written == "reference" else control.encode())
    assert [s.control_free for s in workbooks._parse_calamine(data, BULK)] == [False]


def test_a_workbook_of_plain_text_gives_no_control_character(monkeypatch):
    assert [s.control_free for s in workbooks._parse_calamine(ticket_book(bad=False), BULK)] == [True]
    plain = ticket(5)
    plain[5] = "代办_x001B_医保&#27;缴费\t换行\n"  # written out as text, and a tab and a line break
    monkeypatch.setitem(BAD, 5, plain)
    assert [s.control_free for s in workbooks._parse_calamine(ticket_book(), BULK)] == [True]


def test_a_columns_bytes_are_its_values_and_no_more():
    """A column's buffer may hold bytes of values outside it (a slice) or none at all (all blank)."""
    import pyarrow as pa

    values = pa.array(["代办\x1b", "医保", "缴费", "\x1b"])
    assert workbooks._value_bytes(values.slice(1, 2)) == "医保缴费".encode()
    assert workbooks._value_bytes(pa.nulls(3, pa.string())) == b""
    assert workbooks._value_bytes(pa.array(["a", None, "b"], pa.large_string())) == b"ab"


def test_a_control_character_in_a_long_sheet_is_still_found(demo_db_path, tmp_path, monkeypatch):
    """The fast path may leave the control-character rule out only when no cell can hold one."""
    escaped = ticket(5)
    escaped[5] = "代办\x1b医保缴费"  # xlsxwriter writes it as Excel does: _x001B_
    monkeypatch.setitem(BAD, 5, escaped)
    data = ticket_book()
    assert [s.control_free for s in workbooks._parse_calamine(data, BULK)] == [False]

    monkeypatch.setattr(reading, "BULK_SHEET_ROWS", BULK)
    path = tmp_path / "五单工单2030.xlsx"
    path.write_bytes(data)
    database = Database(tmp_path / "village.duckdb")
    shutil.copy2(demo_db_path, database.path)
    result = import_file(database, path, load_settings())

    assert not result.committed
    assert (11, "诉求内容", "control-character") in [(i.row, i.column, i.code) for i in result.issues]
