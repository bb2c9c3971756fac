"""Reading ledgers as town staff keep them: titles, unit lines, merged headers, totals, footers, encodings."""

from __future__ import annotations

import ast
import random
from decimal import Decimal
from pathlib import Path

import pytest

from tests import ledgers
from tests.ledgers import Ledger, write_csv, write_xlsx
from village_stats.datasets import DATASETS
from village_stats.importing import import_file
from village_stats.reading import LocatedTable, SheetNote, UnreadableFile, locate_table
from village_stats.sheets import read_sheets

GOOD_2023 = [2023, "北垞村", 186.4, 139.62, 108.17, 31.45, 29.44, 17.34]


def locate(path: Path, dataset: str | None = None) -> LocatedTable:
    """The one table a single-sheet file holds."""
    (sheet,) = read_sheets(path)
    found = locate_table(sheet, path.name, DATASETS[dataset] if dataset else None)
    assert isinstance(found, LocatedTable), found
    return found


def data_rows(table: LocatedTable) -> list[int]:
    return [row for row, _ in table.rows]


def column_names(table: LocatedTable) -> list[str]:
    return [c.column.name for c in table.columns]


def stored_income(database, year: int) -> dict[str, tuple[Decimal | None, ...]]:
    with database.read() as cur:
        rows = cur.execute(
            "select village, total_income, operating_income from village_income where year = $year",
            {"year": year},
        ).fetchall()
    return {village: tuple(values) for village, *values in rows}


# ---- the shape of a form -----------------------------------------------------------------


def test_header_is_found_below_title_and_unit_lines(tmp_path):
    ledger = ledgers.income([GOOD_2023, [2023, "竹秀村", 142.75, 119.21, None, None, None, None]])
    table = locate(write_xlsx(tmp_path / "收入.xlsx", ledger))

    assert table.dataset.name == "income"
    assert table.header_row == 3  # title, 填报单位/单位 line, then the header
    assert data_rows(table) == [4, 5]
    assert table.unit_line == "万元"
    assert column_names(table) == [
        "year",
        "village",
        "total_income",
        "operating_income",
        "contract_income",
        "investment_income",
        "subsidy_income",
        "other_income",
    ]


def test_serial_column_is_ignored_and_not_required(tmp_path):
    with_serial = locate(write_xlsx(tmp_path / "a.xlsx", ledgers.income([GOOD_2023])))
    without = locate(write_xlsx(tmp_path / "b.xlsx", ledgers.income([GOOD_2023], serial=False)))

    assert all(c.index != 0 for c in with_serial.columns)  # column A is 序号
    assert "序号" not in [c.written for c in with_serial.columns]
    assert column_names(with_serial) == column_names(without)
    assert [c.index for c in without.columns] == [c.index - 1 for c in with_serial.columns]


def test_blank_rows_are_skipped_and_keep_excel_row_numbers(tmp_path):
    ledger = ledgers.income(
        [
            GOOD_2023,
            None,
            None,
            [2023, "竹秀村", 142.75, None, None, None, None, None],
            None,
            [2023, "岑下村", 120, None, None, None, None, None],
        ]
    )
    table = locate(write_xlsx(tmp_path / "收入.xlsx", ledger))

    assert data_rows(table) == [ledger.excel_row(0), ledger.excel_row(3), ledger.excel_row(5)] == [4, 7, 9]
    assert [cells[2] for _, cells in table.rows] == ["北垞村", "竹秀村", "岑下村"]


def test_total_rows_are_set_aside(tmp_path):
    ledger = ledgers.income(
        [
            GOOD_2023,
            [None, "小计", 186.4, None, None, None, None, None],
            [2023, "竹秀村", 142.75, None, None, None, None, None],
        ],
        totals=[[None, "全镇合计", 329.15], [None, "总计", 329.15]],
    )
    table = locate(write_xlsx(tmp_path / "收入.xlsx", ledger))
    # 合计 in the 序号 column, as some forms write it
    csv_ledger = ledgers.income([GOOD_2023], serial=False, totals=[["合计", None, 186.4]])
    csv_table = locate(write_csv(tmp_path / "收入.csv", csv_ledger))

    assert [cells[2] for _, cells in table.rows] == ["北垞村", "竹秀村"]
    assert [row for row, _ in table.total_rows] == [5, ledger.total_row(0), ledger.total_row(1)]
    assert data_rows(csv_table) == [4]
    assert [row for row, _ in csv_table.total_rows] == [5]


def test_area_subtotal_rows_are_set_aside(tmp_path):
    ledger = ledgers.income(
        [
            GOOD_2023,
            [None, "北片小计", 186.4, None, None, None, None, None],
            [2023, "凤岗社区", 35.6, None, None, None, None, None],
            [None, "东片小计", 35.6, None, None, None, None, None],
        ],
    )
    table = locate(write_xlsx(tmp_path / "收入.xlsx", ledger))

    assert [cells[2] for _, cells in table.rows] == ["北垞村", "凤岗社区"]


def test_footer_ends_the_table(tmp_path):
    after_footer = [2023, "竹秀村", 142.75, None, None, None, None, None]
    ledger = ledgers.income(
        [GOOD_2023],
        footer=("填表人：王丽　　审核人：陈建国", after_footer, "注：本表由各村报送。", after_footer),
    )
    table = locate(write_xlsx(tmp_path / "收入.xlsx", ledger))

    assert data_rows(table) == [4]


@pytest.mark.parametrize(
    "footer",
    [
        "单位负责人：陈建国",
        "统计负责人：李明",
        "审核人：陈建国",
        "报出日期：2024年1月10日",
        "注：数据以年报为准",
        "填报说明：金额保留两位小数",
        "制表：王丽",
    ],
)
def test_each_kind_of_footer_line_ends_the_table(tmp_path, footer):
    later = [2023, "竹秀村", 142.75, None, None, None, None, None]
    table = locate(write_xlsx(tmp_path / "收入.xlsx", ledgers.income([GOOD_2023], footer=(footer, later))))

    assert data_rows(table) == [4]


# ---- units ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit_line", "header", "cell", "expected"),
    [
        pytest.param(
            "填报单位：青溪镇农业农村办　　单位：元", "村集体经济总收入", 1234500, "1234500.00", id="unit-line-yuan"
        ),
        pytest.param(
            "填报单位：青溪镇农业农村办　　单位：万元", "村集体经济总收入", 35.6, "356000.00", id="unit-line-wan"
        ),
        pytest.param("单位：万元", "村集体经济总收入(亿元)", 0.25, "25000000.00", id="header-beats-unit-line"),
        pytest.param("单位：亿元", "村集体经济总收入（元）", "1,234,500", "1234500.00", id="full-width-bracket-header"),
        pytest.param("填报单位：青溪镇农业农村办", "村集体经济总收入", 35.6, "356000.00", id="dataset-default-wan"),
        pytest.param(None, "村集体经济总收入", 35.6, "356000.00", id="no-unit-line-at-all"),
        pytest.param("单位：元", "村集体经济总收入", "35.6万", "356000.00", id="cell-unit-beats-unit-line"),
    ],
)
def test_money_units_are_stored_in_yuan(tmp_path, demo_copy, settings, unit_line, header, cell, expected):
    ledger = Ledger(
        ["年度", "村(社区)名称", header], [[2030, "北垞村", cell]], title="青溪镇村财收入表", unit_line=unit_line
    )
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", ledger), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored_income(demo_copy, 2030) == {"北垞村": (Decimal(expected), None)}


def test_unit_line_with_a_unit_listing(tmp_path):
    ledger = ledgers.income([GOOD_2023], unit_line="表号：农经5表　　单位：万元、个")
    assert locate(write_xlsx(tmp_path / "收入.xlsx", ledger)).unit_line == "万元"


def test_unit_line_is_not_fooled_by_a_reporting_unit_named_yuan(tmp_path):
    ledger = ledgers.income([GOOD_2023], unit_line="填报单位：元氏县农业农村局　　单位：万元")
    assert locate(write_xlsx(tmp_path / "收入.xlsx", ledger)).unit_line == "万元"


# ---- headers -------------------------------------------------------------------------------


def test_two_row_header_takes_the_unit_from_the_merged_group_cell(tmp_path, demo_copy, settings):
    # 村集体经济总收入 spans both header rows; the components sit under a merged 其中（元）
    ledger = Ledger(
        [
            "年度",
            "村(社区)名称",
            "村集体经济总收入",
            "经营性收入",
            "发包及上交收入",
            "投资收益",
            "补助收入",
            "其他收入",
        ],
        [[2030, "北垞村", 186.4, 1396200, 1081700, 314500, 294400, 173400]],
        title="青溪镇2030年度村级集体经济收入统计表",
        groups={"其中（元）": ["经营性收入", "发包及上交收入", "投资收益", "补助收入", "其他收入"]},
    )
    path = write_xlsx(tmp_path / "收入.xlsx", ledger)
    table = locate(path)
    outcome = import_file(demo_copy, path, settings)

    assert table.header_row == ledger.header_row == 4
    assert data_rows(table) == [5]
    assert {c.column.name: c.unit for c in table.columns}["contract_income"] == "元"
    assert outcome.committed and not outcome.issues, [i.describe() for i in outcome.issues]
    with demo_copy.read() as cur:
        row = cur.execute(
            "select total_income, operating_income, contract_income, other_income from village_income "
            "where year = 2030 and village = '北垞村'"
        ).fetchone()
    assert row == (Decimal("1864000.00"), Decimal("1396200.00"), Decimal("1081700.00"), Decimal("173400.00"))


def test_two_row_header_with_required_column_in_the_lower_row(tmp_path):
    ledger = Ledger(
        ["项目编号", "年度", "项目名称", "所属村(社区)", "擂台", "计划总投资", "已完成投资", "项目状态"],
        [["JB2030-001", 2030, "北垞村村道提升工程", "北垞村", "城镇建设", 120, 50.5, "在建"]],
        title="青溪镇2030年度“揭榜挂帅”项目汇总表",
        unit_line="填报单位：青溪镇项目推进办",
        groups={"投资情况（万元）": ["计划总投资", "已完成投资"]},
    )
    table = locate(write_xlsx(tmp_path / "项目.xlsx", ledger))

    assert table.dataset.name == "projects"
    assert table.header_row == 4
    assert {c.column.name: c.unit for c in table.columns}["planned_investment"] == "万元"


def test_header_aliases_and_spacing_variants(tmp_path):
    ledger = Ledger(
        ["年　度", "村 名", "村财收入（万元）", "经营性收入 (万元)", "补助"],
        [[2023, "北垞村", 186.4, 139.62, 29.44]],
        title="青溪镇2023年度村财收入",
    )
    table = locate(write_xlsx(tmp_path / "收入.xlsx", ledger))

    assert table.dataset.name == "income"
    assert [(c.written, c.column.name) for c in table.columns] == [
        ("年　度", "year"),
        ("村 名", "village"),
        ("村财收入（万元）", "total_income"),
        ("经营性收入 (万元)", "operating_income"),
        ("补助", "subsidy_income"),
    ]


def template_headers(name: str) -> list[str]:
    return [c.header for c in DATASETS[name].columns if c.name != "town"]


@pytest.mark.parametrize("name", ["villages", "income", "projects", "stars", "tickets", "problems"])
def test_each_dataset_is_recognised_from_its_template_headers(tmp_path, name):
    ledger = Ledger(template_headers(name), [], title="青溪镇2024年度台账", unit_line="填报单位：青溪镇")
    table = locate(write_xlsx(tmp_path / "台账.xlsx", ledger))

    assert table.dataset.name == name
    assert table.header_row == 3
    assert len(table.columns) == len(template_headers(name))


def test_sheet_without_a_header_is_skipped_with_a_note_and_the_other_imports(tmp_path, demo_copy, settings):
    readme = Ledger(
        ["说明"],
        [["本工作簿第二张表为2030年村财收入"], ["如有疑问请联系农经站"]],
        title="填报说明",
        unit_line=None,
        serial=False,
        footer=(),
        sheet="说明",
    )
    data = ledgers.income([[2030, "北垞村", 200, 150, None, None, None, None]], sheet="2030收入")
    path = write_xlsx(tmp_path / "村财.xlsx", readme, data)

    outcome = import_file(demo_copy, path, settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert [t.sheet for t in outcome.tables] == ["2030收入"]
    assert len(outcome.notes) == 1 and "说明" in outcome.notes[0] and "跳过" in outcome.notes[0]
    assert stored_income(demo_copy, 2030) == {"北垞村": (Decimal("2000000.00"), Decimal("1500000.00"))}


# ---- years from the title, the sheet name or the file name ----------------------------------


def year_hint(tmp_path: Path, *, title: str | None, sheet: str = "Sheet1", file: str = "收入.xlsx") -> int | None:
    columns = [c for c in ledgers.INCOME_COLUMNS if c != "年度"]
    ledger = Ledger(columns, [["北垞村", 186.4, None, None, None, None, None]], title=title, sheet=sheet)
    return locate(write_xlsx(tmp_path / file, ledger)).year_hint


def test_year_from_the_title(tmp_path):
    assert year_hint(tmp_path, title="青溪镇2023年度村级集体经济收入统计表", sheet="2022年", file="2021年.xlsx") == 2023


def test_year_from_the_sheet_name(tmp_path):
    assert year_hint(tmp_path, title="青溪镇村级集体经济收入统计表", sheet="2022年", file="2021年.xlsx") == 2022


def test_year_from_the_file_name(tmp_path):
    assert year_hint(tmp_path, title="青溪镇村级集体经济收入统计表", file="青溪镇2021年村财收入.xlsx") == 2021


@pytest.mark.parametrize(
    "title", ["青溪镇村级集体经济收入统计表（2021—2024年）", "2021年—2024年村财收入", "2021-2024年度汇总"]
)
def test_a_range_of_years_gives_no_hint(tmp_path, title):
    assert year_hint(tmp_path, title=title) is None


def test_year_from_a_sheet_named_by_its_bare_year(tmp_path):
    assert year_hint(tmp_path, title="青溪镇村级集体经济收入统计表", sheet="2023") == 2023


def test_year_from_the_title_is_stored_when_the_sheet_has_no_year_column(tmp_path, demo_copy, settings):
    columns = [c for c in ledgers.INCOME_COLUMNS if c != "年度"]
    ledger = Ledger(
        columns, [["北垞村", 210, 150, None, None, None, None]], title="青溪镇2030年度村级集体经济收入统计表"
    )
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", ledger), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert outcome.tables[0].years == [2030]
    assert stored_income(demo_copy, 2030) == {"北垞村": (Decimal("2100000.00"), Decimal("1500000.00"))}


# ---- CSV encodings and files that cannot be read ---------------------------------------------

CSV_LEDGER = Ledger(
    ["年度", "村(社区)名称", "村集体经济总收入(万元)", "经营性收入(万元)"],
    [["2023", "北垞村", "186.4", "139.62"], None, ["2023", "竹秀村", "142.75", ""], ["2023", "凤岗社区", "35.6万", ""]],
    unit_line="填报单位：青溪镇农业农村办　　单位：万元",
    totals=[["", "全镇合计", "364.75", ""]],
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_chinese_office_encoding_reads_the_same(tmp_path, encoding):
    path = write_csv(tmp_path / "村财收入.csv", CSV_LEDGER, encoding)
    table = locate(path)

    assert table.header_row == 3 and table.unit_line == "万元" and table.year_hint == 2023
    assert table.rows == [
        (4, ["1", "2023", "北垞村", "186.4", "139.62"]),
        (6, ["2", "2023", "竹秀村", "142.75", None]),
        (7, ["3", "2023", "凤岗社区", "35.6万", None]),
    ]


def test_csv_encodings_give_identical_raw_rows(tmp_path):
    rows = {
        encoding: read_sheets(write_csv(tmp_path / f"{encoding}.csv", CSV_LEDGER, encoding))[0].rows
        for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030")
    }
    assert rows["utf-8"][0] == ["青溪镇2023年度村级集体经济收入统计表"]
    assert rows["utf-8"] == rows["utf-8-sig"] == rows["gbk"] == rows["gb18030"]


def test_gbk_csv_imports(tmp_path, demo_copy, settings):
    ledger = Ledger(["年度", "村(社区)名称", "村集体经济总收入(万元)"], [["2030", "北垞村", "186.4"]])
    outcome = import_file(demo_copy, write_csv(tmp_path / "村财收入.csv", ledger, "gbk"), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored_income(demo_copy, 2030) == {"北垞村": (Decimal("1864000.00"), None)}


def assert_refused_in_chinese(error: pytest.ExceptionInfo, file_name: str) -> None:
    message = str(error.value)
    assert file_name in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_random_bytes_in_a_csv_are_refused(tmp_path):
    data = random.Random(7).randbytes(2000)
    for encoding in ("utf-8", "gb18030"):  # the premise: not text in any encoding we accept
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)
    path = tmp_path / "乱码.csv"
    path.write_bytes(data)

    with pytest.raises(UnreadableFile) as error:
        read_sheets(path)
    assert_refused_in_chinese(error, "乱码.csv")
    assert "编码" in str(error.value)


def test_utf16_with_bom_is_refused(tmp_path):
    path = tmp_path / "导出.csv"
    path.write_bytes(ledgers.csv_text(CSV_LEDGER).encode("utf-16"))

    with pytest.raises(UnreadableFile) as error:
        read_sheets(path)
    assert_refused_in_chinese(error, "导出.csv")


def test_utf16_without_bom_is_refused(tmp_path):
    registry = Ledger(
        ["村(社区)名称", "类型", "片区"],
        [["北垞村", "村", "北片"], ["凤岗社区", "社区", "东片"]],
        title=None,
        unit_line=None,
        footer=(),
    )
    path = tmp_path / "导出.csv"
    path.write_bytes(ledgers.csv_text(registry).encode("utf-16-le"))

    with pytest.raises(UnreadableFile) as error:
        read_sheets(path)
    assert_refused_in_chinese(error, "导出.csv")


@pytest.mark.parametrize("name", ["村财收入.docx", "村财收入.txt", "村财收入"])
def test_unsupported_file_types_are_refused(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not a ledger")

    with pytest.raises(UnreadableFile) as error:
        read_sheets(path)
    assert_refused_in_chinese(error, name)


def test_locate_table_says_why_a_sheet_is_skipped(tmp_path):
    ledger = Ledger(["姓名", "电话"], [["王丽", "13800000000"]], title="联系人", unit_line=None)
    (sheet,) = read_sheets(write_xlsx(tmp_path / "联系人.xlsx", ledger))

    note = locate_table(sheet, "联系人.xlsx")
    assert isinstance(note, SheetNote)
    assert "Sheet1" in note.message and "跳过" in note.message


def test_reading_does_not_depend_on_the_file_readers():
    """The workbook and CSV readers build on reading, not the other way round: no import of them
    anywhere in reading.py, not even inside a function (where a cycle hides until it bites)."""
    tree = ast.parse((Path(__file__).parents[1] / "village_stats" / "reading.py").read_text(encoding="utf-8"))
    named = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            named |= {node.module or ""} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            named |= {a.name for a in node.names}
    readers = {f"village_stats.{m}" for m in ("workbooks", "csv_files", "sheets")}
    assert not named & readers
