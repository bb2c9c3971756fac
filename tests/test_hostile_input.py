"""Hostile input to the reader and the importer: never a traceback, never a partial write.

The hypothesis example counts are modest so CI stays fast (profile "ci", the
default); `HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_hostile_input.py`
runs many more.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tomllib
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.crash_test import table_hashes
from village_stats.datasets import DATASETS
from village_stats.db import Database
from village_stats.importing import import_file
from village_stats.reading import UnreadableFile
from village_stats.sheets import read_sheets
from village_stats.validation import errors_in

REPO = Path(__file__).resolve().parents[1]

settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# every header the data model knows, so random tables often look like real ledgers
KNOWN_HEADERS = sorted({h for d in DATASETS.values() for c in d.columns for h in (c.header, *c.aliases)})
NASTY_CELLS = [
    "",
    "北垞村",
    "竹秀村",
    "=1+2",
    '=HYPERLINK("http://example.invalid","点我")',
    "+SUM(A1:A9)",
    "-3",
    "@cmd",
    "合计",
    "单位：万元",
    "35.6万",
    "１２３",
    "1e309",
    "-0",
    "NaN",
    "2024-02-30",
    "2023年13月1日",
    "★★★★★★★",
    "<script>alert(1)</script>",
    "[点我](http://example.invalid)",
    "'; drop table villages; --",
    '"quoted, with comma"',
    "line\nbreak",
    "\x00",
    "\ufeff",
    "9" * 40,
]
cell = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=12), st.integers(-(10**20), 10**20).map(str))
header = st.one_of(st.sampled_from(KNOWN_HEADERS), st.text(max_size=8))


@pytest.fixture
def database(demo_db_path: Path, tmp_path: Path) -> Database:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    return Database(path)


def contents(database: Database) -> dict:
    with database.read() as cur:
        return table_hashes(cur)


def import_checked(database: Database, name: str, data: bytes, app_settings, before: dict) -> dict:
    """Import `data`; it either commits whole or changes nothing. Returns the contents now."""
    outcome = import_file(database, Path(name), app_settings, data=data, file_name=name)
    after = contents(database)
    if outcome.committed:
        assert outcome.ok and after != before
        assert after["imports"][0] == before["imports"][0] + len(outcome.tables)
    else:
        assert after == before, [i.describe() for i in outcome.issues]
    for issue in outcome.issues:
        assert issue.message and issue.code  # every problem is reported in words
        assert issue.code != "internal-error", issue.message  # the safety net must not be what caught it
    if not outcome.ok:
        assert errors_in(outcome.issues) or not outcome.tables
    return after


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".ods", ".txt"]))
def test_random_bytes_are_a_file_error_never_a_traceback(data, suffix):
    try:
        read_sheets(Path(f"随机{suffix}"), data)
    except UnreadableFile as error:
        assert f"随机{suffix}" in str(error)


@given(
    headers=st.lists(header, min_size=1, max_size=8),
    rows=st.lists(st.lists(cell, max_size=8), max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
    title=st.sampled_from([[], ["青溪镇2024年度台账"], ["单位：万元"]]),
)
def test_random_csv_tables_import_whole_or_not_at_all(database, settings, headers, rows, encoding, title):
    before = contents(database)
    data = csv_bytes([title, headers, *rows] if title else [headers, *rows], encoding)
    import_checked(database, "随机台账.csv", data, settings, before)


@settings(max_examples=4)
@given(
    headers=st.lists(header, min_size=1, max_size=6),
    rows=st.lists(st.lists(st.one_of(cell, st.floats(allow_nan=True), st.booleans()), max_size=6), max_size=6),
    hidden=st.booleans(),
)
def test_random_xlsx_tables_import_whole_or_not_at_all(database, settings, headers, rows, hidden):
    # each workbook is parsed in a child process (~1 s), so few examples
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "nan_inf_to_errors": True})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, headers)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    if hidden:
        book.add_worksheet("可见").write(0, 0, "说明")
        sheet.hide()
    book.close()
    import_checked(database, "随机台账.xlsx", buffer.getvalue(), settings, contents(database))


# ---- specific cases ----------------------------------------------------------------


def test_the_upload_limit_and_the_import_limit_agree(settings):
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == settings.max_file_mb


def test_a_file_one_byte_over_the_limit_is_refused_without_reading_it(database, settings):
    import dataclasses

    small = dataclasses.replace(settings, max_file_mb=1)
    before = contents(database)
    data = b"\xff" * (1024 * 1024 + 1)  # not even valid text: the size is checked first
    outcome = import_file(database, Path("大文件.csv"), small, data=data)
    assert [i.code for i in outcome.issues] == ["file-too-large"]
    assert contents(database) == before


def registry_rows(names: list[str]) -> list[list[str]]:
    return [["村(社区)名称", "类型", "片区"], *[[name, "村", "北片"] for name in names]]


def test_ten_thousand_columns_are_read_and_the_extra_ones_ignored(database, settings):
    width = 10_000
    head = ["村(社区)名称", "年度", "村集体经济总收入(万元)", *[f"备用{i}" for i in range(width - 3)]]
    body = [["北垞村", "2031", "88", *["x"] * (width - 3)], ["竹秀村", "2031", "77", *[""] * (width - 3)]]
    before = contents(database)
    data = csv_bytes([head, *body], "utf-8")
    outcome = import_file(database, Path("宽表.csv"), settings, data=data)
    assert outcome.committed, [i.describe() for i in outcome.issues][:3]
    with database.read() as cur:
        stored = cur.execute("select village, total_income from village_income where year = 2031 order by 1").fetchall()
    assert [(v, int(t)) for v, t in stored] == [("北垞村", 880_000), ("竹秀村", 770_000)]
    assert contents(database)["village_income"][0] == before["village_income"][0] + 2


def test_ten_thousand_columns_in_an_xlsx(database, settings):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("宽表")
    sheet.write_row(0, 0, ["村(社区)名称", "年度", "村集体经济总收入(万元)", *[f"备用{i}" for i in range(9_997)]])
    sheet.write_row(1, 0, ["北垞村", 2032, 66, *range(9_997)])
    book.close()
    outcome = import_file(database, Path("宽表.xlsx"), settings, data=buffer.getvalue())
    assert outcome.committed, [i.describe() for i in outcome.issues][:3]


@pytest.mark.parametrize("letter", ["长", "x"], ids=["3-MB-line-bulk-reader", "1-MB-line-python-reader"])
def test_a_one_megabyte_cell_is_stored_exactly(database, settings, letter):
    # in UTF-8 the Chinese cell makes a 3 MB file (DuckDB's reader), the ASCII one 1 MB (Python's csv)
    big = letter * (1024 * 1024)
    rows = [
        ["工单编号", "村(社区)名称", "类型", "诉求内容", "点单时间"],
        ["BIG-1", "北垞村", "群众建议", big, "2024-03-01 08:00"],
    ]
    outcome = import_file(database, Path("大单元格.csv"), settings, data=csv_bytes(rows, "utf-8"))
    assert outcome.committed, [i.describe() for i in outcome.issues][:3]
    with database.read() as cur:
        stored = cur.execute("select content from service_tickets where ticket_id = 'BIG-1'").fetchone()[0]
    assert stored == big


def test_formulas_in_a_workbook_are_read_as_their_values(database, settings):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("收入")
    sheet.write_row(0, 0, ["村(社区)名称", "年度", "村集体经济总收入(万元)", "经营性收入(万元)"])
    sheet.write_row(1, 0, ["北垞村", 2033])
    sheet.write_formula(1, 2, "=100+23", None, 123)  # the value Excel saved with the formula
    sheet.write_formula(1, 3, '=WEBSERVICE("http://example.invalid")', None, 45)
    book.close()
    outcome = import_file(database, Path("公式.xlsx"), settings, data=buffer.getvalue())
    assert outcome.committed, [i.describe() for i in outcome.issues][:3]
    with database.read() as cur:
        total, operating = cur.execute(
            "select total_income, operating_income from village_income where year = 2033 and village = '北垞村'"
        ).fetchone()
    assert (int(total), int(operating)) == (1_230_000, 450_000)


def test_formula_text_in_a_csv_is_kept_as_text(database, settings):
    rows = [
        ["工单编号", "村(社区)名称", "类型", "诉求内容", "点单时间", "网格"],
        ["F-1", "北垞村", "群众建议", '=HYPERLINK("http://example.invalid","点我")', "2024-03-01 08:00", "@SUM(A1)"],
    ]
    outcome = import_file(database, Path("公式.csv"), settings, data=csv_bytes(rows, "utf-8"))
    assert outcome.committed, [i.describe() for i in outcome.issues][:3]
    with database.read() as cur:
        stored = cur.execute("select content, grid from service_tickets where ticket_id = 'F-1'").fetchone()
    assert stored == ('=HYPERLINK("http://example.invalid","点我")', "@SUM(A1)")


def test_hidden_sheets_do_not_import_even_when_they_hold_the_only_table(database, settings):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("说明").write(0, 0, "本文件的数据在隐藏表中")
    hidden = book.add_worksheet("数据")
    for index, row in enumerate(registry_rows(["隐藏村"])):
        hidden.write_row(index, 0, row)
    hidden.hide()
    book.close()
    before = contents(database)
    outcome = import_file(database, Path("隐藏.xlsx"), settings, data=buffer.getvalue())
    assert not outcome.committed and [i.code for i in outcome.issues] == ["unknown-layout"]
    assert "隐藏" in outcome.issues[0].message
    assert contents(database) == before


def test_the_database_file_stays_openable_after_every_hostile_case(database):
    with duckdb.connect(str(database.path), read_only=True) as con:
        assert con.execute("select count(*) from villages").fetchone()[0] > 0
