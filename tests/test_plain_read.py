"""A bulk CSV is typed straight from the file (the plain read) unless it needs the all-text read;
both ways must give the same issues, word for word, and store the same rows, on every CSV
ledger the tests know: the bulk and one-pass CSV tests' ledgers, the clerks' ledgers, the
ledger builders' sheets with titles, footers, blank rows and 合计 rows, the hostile cells,
and the demo workbooks saved as CSV (UTF-8 and GB18030)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

import village_stats.csv_files as csv_files
import village_stats.loading as loading
import village_stats.raw_rows as raw_rows
from tests import ledgers
from tests.test_bulk_csv import AWKWARD, LEDGER, TICKETS
from tests.test_clerk_ledgers import AMBIGUOUS_TICKETS, CORPUS, US_TICKETS, us_ledger
from tests.test_hostile_input import NASTY_CELLS
from tests.test_one_pass_csv import GOOD, REFUSED
from village_stats.datasets import DATASETS
from village_stats.db import Database
from village_stats.importing import import_file
from village_stats.raw_rows import ALL_TEXT_READ, PLAIN_READ
from village_stats.sheets import read_sheets

REPO = Path(__file__).resolve().parents[1]

TICKET_ROW = ["北垞村", "第1网格", "服务代办", "民生保障", "路灯损坏", "2024-03-01 08:30", "2024-03-01 09:30"]
CLEAN_TICKETS = [
    [f"WD{n:03d}", *TICKET_ROW, "2024-03-02 10:00", "2024-03-03 10:00", "满意", "王芳"] for n in range(1, 6)
]
INCOME_ROWS = [[2023, "北垞村", 101, 10, 0, 0, 0, 0], [2023, "竹秀村", 50, 5, 0, 0, 0, 0]]


def _lines(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _ledger_texts() -> dict[str, tuple[str, str | None]]:
    """name → (CSV text, dataset or None to let the reader decide)."""
    texts: dict[str, tuple[str, str | None]] = {
        "收入2023_台账": (_lines(LEDGER), None),
        "收入2023_空格标签页脚": (_lines(AWKWARD), None),
        "工单2024_空格": (_lines(TICKETS), "tickets"),
        "收入2023_一次读": (_lines(GOOD), None),
        "收入2023_退回": (_lines(REFUSED), None),
        "工单2030_美式日期": (ledgers.csv_text(us_ledger(US_TICKETS)), "tickets"),
        "工单2030_两可日期": (ledgers.csv_text(us_ledger(AMBIGUOUS_TICKETS)), "tickets"),
        "工单2024_干净": (ledgers.csv_text(ledgers.tickets(CLEAN_TICKETS, footer=())), "tickets"),
        "工单2024_页脚": (ledgers.csv_text(ledgers.tickets(CLEAN_TICKETS)), "tickets"),
        "收入2023_干净": (ledgers.csv_text(ledgers.income(INCOME_ROWS, footer=())), None),
        "收入2023_页脚空行": (ledgers.csv_text(ledgers.income([INCOME_ROWS[0], None, INCOME_ROWS[1]])), None),
        "收入2023_合计": (ledgers.csv_text(ledgers.income([*INCOME_ROWS, ["", "合计", 151, 15]], footer=())), None),
        "收入2023_无标题": (ledgers.csv_text(ledgers.income(INCOME_ROWS, title=None, unit_line=None, footer=())), None),
    }
    for name, ledger in CORPUS.items():
        texts[f"收入2023_{name}"] = (ledgers.csv_text(ledger), None)
    for index, cell in enumerate(NASTY_CELLS):
        nasty_ticket = [
            f"WD9{index:02d}",
            "北垞村",
            "第1网格",
            "服务代办",
            "民生保障",
            cell,
            cell,
            "",
            "",
            "",
            cell,
            "王芳",
        ]
        texts[f"工单2024_险恶{index}"] = (
            ledgers.csv_text(ledgers.tickets([*CLEAN_TICKETS, nasty_ticket], footer=())),
            None,
        )
        nasty_income = [2023, cell or "竹秀村", cell, 1, 0, 0, 0, 0]
        texts[f"收入2023_险恶{index}"] = (
            ledgers.csv_text(ledgers.income([INCOME_ROWS[0], nasty_income], footer=())),
            None,
        )
    return texts


def _demo_csvs() -> dict[str, str]:
    """Every visible sheet of the demo workbooks as the CSV an office suite saves from it."""
    texts = {}
    for workbook in sorted((REPO / "data" / "demo").glob("*.xlsx")):
        for sheet in read_sheets(workbook):
            if sheet.hidden or not sheet.rows:
                continue
            rows = [["" if c is None else c for c in row] for row in sheet.rows]
            texts[f"{workbook.stem}_{sheet.name}"] = _csv(rows)
            # and its body alone, without the blank row and the footer below it
            blank = max((i for i, row in enumerate(rows) if not any(row)), default=len(rows))
            texts[f"{workbook.stem}_{sheet.name}_正文"] = _csv(rows[:blank])
    return texts


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _corpus() -> list[tuple[str, bytes, str | None]]:
    files = []
    for name, (text, dataset) in _ledger_texts().items():
        for encoding in ("utf-8",) if "险恶" in name else ("utf-8", "utf-8-sig", "gb18030"):
            files.append((f"{name}_{encoding}.csv", text.encode(encoding), dataset))
    for name, text in _demo_csvs().items():
        for encoding in ("utf-8", "gb18030"):
            files.append((f"{name}_{encoding}.csv", text.encode(encoding), None))
    # the head decides UTF-8, a GBK line past it: the reader stops at that row
    mixed = _lines(LEDGER[:3] + ["1,北垞村,101,10"] * 20_000).encode("utf-8") + "6,竹秀村,12,3\n".encode("gbk")
    files.append(("收入2023_混合编码.csv", mixed, None))
    return files


def _stored(database: Database) -> dict[str, list[tuple]]:
    with database.read() as cur:
        return {d.table: cur.execute(f"select * from {d.table} order by all").fetchall() for d in DATASETS.values()}


def _said(outcome) -> tuple:
    issues = [(i.file, i.sheet, i.row, i.column, i.value, i.code, i.message, i.severity) for i in outcome.issues]
    # the changes come in no set order on either way (a hash join's); the preview in the file's
    tables = [
        (t.sheet, t.inserted, t.updated, t.unchanged, sorted(t.changes, key=repr), t.preview) for t in outcome.tables
    ]
    return outcome.committed, issues, tables


def test_the_plain_read_and_the_all_text_read_say_and_store_the_same(demo_db_path, tmp_path, settings, monkeypatch):
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0)
    reads: list[str | None] = []
    validate = loading.validate_table

    def recorded(*args, **kwargs):
        validated = validate(*args, **kwargs)
        reads.append(validated.read)
        return validated

    monkeypatch.setattr(loading, "validate_table", recorded)
    databases = {}
    for plain in (True, False):
        databases[plain] = Database(tmp_path / f"{plain}.duckdb")
        shutil.copy2(demo_db_path, databases[plain].path)
    ways: dict[str, set[str | None]] = {}
    for name, data, dataset in _corpus():
        said = {}
        for plain in (True, False):
            monkeypatch.setattr(raw_rows, "PLAIN_READ_FIRST", plain)
            reads.clear()
            outcome = import_file(databases[plain], Path(name), settings, data=data, dataset=dataset)
            said[plain] = _said(outcome)
            if plain:
                ways[name] = set(reads)
        assert said[True] == said[False], name
    assert _stored(databases[True]) == _stored(databases[False])
    # both ways were taken, by files of every kind
    plainly = {name for name, taken in ways.items() if PLAIN_READ in taken}
    assert {"工单2024_干净_utf-8.csv", "工单2024_干净_gb18030.csv", "收入2023_干净_utf-8-sig.csv"} <= plainly
    demo = {d.stem for d in (REPO / "data" / "demo").glob("*.xlsx")}
    # every demo ledger's body, but the income ledger's, which has a 合计 row
    assert {name.split("_")[0] for name in plainly} & demo == demo - {"村级集体经济收入"}
    all_text = {name for name, taken in ways.items() if ALL_TEXT_READ in taken}
    assert {"收入2023_台账_utf-8.csv", "收入2023_合计_utf-8.csv", "工单2024_空格_utf-8.csv"} <= all_text
    assert {f"{stem}_{stem}_utf-8.csv" for stem in demo} <= all_text  # their footers


@pytest.fixture
def bulk(monkeypatch) -> list:
    """The ways the imports' tables were read, as validation returned them."""
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0)
    reads: list = []
    validate = loading.validate_table

    def recorded(*args, **kwargs):
        validated = validate(*args, **kwargs)
        reads.append((validated.read, validated.issues))
        return validated

    monkeypatch.setattr(loading, "validate_table", recorded)
    return reads


def _import(demo_copy, settings, text: str, monkeypatch, plain: bool = True):
    monkeypatch.setattr(raw_rows, "PLAIN_READ_FIRST", plain)
    data = text.encode("utf-8")
    return import_file(demo_copy, Path("工单2024.csv"), settings, data=data, dataset="tickets", dry_run=True)


def test_a_clean_file_is_typed_straight_from_the_file(demo_copy, settings, bulk, monkeypatch):
    outcome = _import(demo_copy, settings, CLEAN_TEXT, monkeypatch)
    assert outcome.ok
    assert [read for read, _ in bulk] == [PLAIN_READ]
    assert [r["ticket_id"] for r in outcome.tables[0].preview] == ["WD001", "WD002", "WD003", "WD004", "WD005"]


def test_a_bad_cell_keeps_the_plain_read_and_its_issue_is_the_same(demo_copy, settings, bulk, monkeypatch):
    bad = [*CLEAN_TICKETS[:2], [*CLEAN_TICKETS[2][:6], "2024年13月1日", *CLEAN_TICKETS[2][7:]], *CLEAN_TICKETS[3:]]
    found = {}
    for plain in (True, False):
        outcome = _import(demo_copy, settings, ledgers.csv_text(ledgers.tickets(bad, footer=())), monkeypatch, plain)
        found[plain] = [(i.row, i.column, i.value, i.code, i.message) for i in outcome.issues]
    assert [read for read, _ in bulk] == [PLAIN_READ, ALL_TEXT_READ]
    assert found[True] == found[False]
    assert found[True] == [(6, "点单时间", "2024年13月1日", "bad-date", found[True][0][4])]


CLEAN_TEXT = ledgers.csv_text(ledgers.tickets(CLEAN_TICKETS, footer=()))
ODD_LEDGERS = {  # each a clean ledger with one more line
    "合计": CLEAN_TEXT + ",合计" + "," * 11 + "\r\n",
    "页脚": CLEAN_TEXT + "填表人：王丽　审核人：陈建国" + "," * 12 + "\r\n",
    "空格": CLEAN_TEXT + "6,WD009 ," + ",".join(CLEAN_TICKETS[0][1:]) + "\r\n",
    "空行": CLEAN_TEXT + "," * 12 + "\r\n" + "6,WD009," + ",".join(CLEAN_TICKETS[0][1:]) + "\r\n",
}


@pytest.mark.parametrize("ledger", ODD_LEDGERS.values(), ids=ODD_LEDGERS.keys())
def test_a_total_a_footer_or_a_spaced_cell_sends_the_file_the_all_text_way(
    demo_copy, settings, bulk, monkeypatch, ledger
):
    found = {}
    for plain in (True, False):
        outcome = _import(demo_copy, settings, ledger, monkeypatch, plain)
        found[plain] = ([(i.row, i.code, i.message) for i in outcome.issues], [t.preview for t in outcome.tables])
    assert [read for read, _ in bulk] == [ALL_TEXT_READ, ALL_TEXT_READ]
    assert found[True] == found[False]
    assert found[True][1], found[True][0]  # the file imports: the odd row is set aside or trimmed


def test_a_line_the_reader_rejects_sends_the_file_the_all_text_way(demo_copy, settings, bulk, monkeypatch):
    """The plain read keeps rejected lines aside instead of stopping; the all-text read names the row."""
    rows = 20_000  # past the 256 KB head that decides the encoding
    text = ledgers.csv_text(ledgers.tickets(CLEAN_TICKETS[:1] * rows, title=None, unit_line=None, footer=()))
    data = text.encode("utf-8") + "WD099,竹秀村\r\n".encode("gbk")
    monkeypatch.setattr(raw_rows, "PLAIN_READ_FIRST", True)
    outcome = import_file(demo_copy, Path("工单2024.csv"), settings, data=data, dataset="tickets", dry_run=True)
    assert [read for read, _ in bulk] == [ALL_TEXT_READ]
    assert [(i.row, i.code) for i in outcome.issues] == [(1 + rows + 1, "mixed-encoding")]
