"""Every validation code, raised by a bad sheet, pointing at the Excel row, the header as written and the value.

Files are checked with `dry_run=True` against one private copy of the demo town, so
nothing here writes; the value-parsing tests that read stored values import for real
into `demo_copy`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests import ledgers
from tests.ledgers import Ledger, write_csv, write_xlsx
from village_stats.db import Database
from village_stats.importing import FileOutcome, import_file
from village_stats.validation import Issue, errors_in

NO_YEAR_INCOME = [c for c in ledgers.INCOME_COLUMNS if c != "年度"]


@pytest.fixture(scope="module")
def town(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory, settings) -> Database:
    """The demo town, privately; only dry runs and refused files touch it."""
    path = tmp_path_factory.mktemp("validation") / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    return Database(path, settings.lock_wait_seconds)


@pytest.fixture
def check(town, settings, tmp_path):
    """Dry-run one ledger (xlsx unless a `.csv` name is given) and return the outcome."""

    def run(*sheets: Ledger, name: str = "台账.xlsx", **options) -> FileOutcome:
        path = tmp_path / name
        if path.suffix == ".csv":
            (sheet,) = sheets
            write_csv(path, sheet)
        else:
            write_xlsx(path, *sheets)
        return import_file(town, path, settings, dry_run=True, **options)

    return run


def found(outcome: FileOutcome, code: str) -> list[tuple[int | None, str | None, str | None]]:
    return [(i.row, i.column, i.value) for i in outcome.issues if i.code == code]


def only_issue(outcome: FileOutcome, code: str) -> Issue:
    matching = [i for i in outcome.issues if i.code == code]
    assert len(matching) == 1, [i.describe() for i in outcome.issues]
    return matching[0]


def income_row(village: str, total, operating=None, *components) -> list:
    return [2023, village, total, operating, *components, *[None] * (4 - len(components))]


GOOD_INCOME = income_row("北垞村", 186.4, 139.62, 108.17, 31.45, 29.44, 17.34)
GOOD_STAR = [2024, "北垞村", "五星级", 96.5, "否"]
GOOD_TICKET = [
    "WD2030-0001",
    "北垞村",
    "北垞村第1网格",
    "服务代办",
    "民生保障",
    "代办医保缴费",
    "2030-03-01 09:00",
    "2030-03-01 10:00",
    "2030-03-01 11:00",
    "2030-03-02 16:00",
    "满意",
    "王丽",
]
GOOD_PROBLEM = [
    "WT2030-001",
    2030,
    "北垞村",
    "党建体检",
    "个性",
    "三会一课记录不规范",
    "王丽",
    "2030-06-30",
    "已整改",
    "2030-05-10",
]
GOOD_PROJECT = ["JB2030-001", 2030, "北垞村村道提升工程", "北垞村", "城镇建设", 120, 50.5, "在建", "王丽", "2030-03-01"]


def replaced(row: list, index: int, value) -> list:
    row = list(row)
    row[index] = value
    return row


# ---- one test per code -------------------------------------------------------------------
# Each bad sheet has a good first row (Excel row 4) and the bad row below it (Excel row 5).

BAD_SHEETS = [
    pytest.param(
        ledgers.income([GOOD_INCOME, income_row("竹秀村", None, 119.21)]),
        "missing-value",
        "村集体经济总收入(万元)",
        None,
        id="missing-value",
    ),
    pytest.param(
        ledgers.income([GOOD_INCOME, income_row("竹秀村", "一百四十万")]),
        "bad-number",
        "村集体经济总收入(万元)",
        "一百四十万",
        id="bad-number",
    ),
    pytest.param(
        ledgers.income([GOOD_INCOME, replaced(income_row("竹秀村", 142.75), 0, "二〇二三年")]),
        "bad-year",
        "年度",
        "二〇二三年",
        id="bad-year",
    ),
    pytest.param(
        ledgers.tickets([GOOD_TICKET, replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 6, "3月1日上午")]),
        "bad-date",
        "点单时间",
        "3月1日上午",
        id="bad-date",
    ),
    pytest.param(
        ledgers.problems([GOOD_PROBLEM, replaced(replaced(GOOD_PROBLEM, 0, "WT2030-002"), 7, "年底前")]),
        "bad-date",
        "整改时限",
        "年底前",
        id="bad-date-on-a-date-column",
    ),
    pytest.param(
        ledgers.stars([GOOD_STAR, [2024, "竹秀村", "优秀", 90, "否"]]),
        "bad-stars",
        "星级",
        "优秀",
        id="bad-stars",
    ),
    pytest.param(
        ledgers.tickets([GOOD_TICKET, replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 10, "一般")]),
        "bad-rating",
        "评单",
        "一般",
        id="bad-rating",
    ),
    pytest.param(
        ledgers.projects([GOOD_PROJECT, replaced(replaced(GOOD_PROJECT, 0, "JB2030-002"), 4, "交通运输")]),
        "not-allowed",
        "擂台",
        "交通运输",
        id="not-allowed-arena",
    ),
    pytest.param(
        ledgers.projects([GOOD_PROJECT, replaced(replaced(GOOD_PROJECT, 0, "JB2030-002"), 7, "暂停")]),
        "not-allowed",
        "项目状态",
        "暂停",
        id="not-allowed-status",
    ),
    pytest.param(
        ledgers.tickets([GOOD_TICKET, replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 3, "上级交办")]),
        "not-allowed",
        "类型",
        "上级交办",
        id="not-allowed-ticket-kind",
    ),
    pytest.param(
        ledgers.income([GOOD_INCOME, income_row("竹秀村", -5)]),
        "out-of-range",
        "村集体经济总收入(万元)",
        "-5",
        id="out-of-range-negative-income",
    ),
    pytest.param(
        ledgers.stars([GOOD_STAR, [2024, "竹秀村", "★★★★★★", 90, "否"]]),
        "out-of-range",
        "星级",
        "★★★★★★",
        id="out-of-range-six-stars",
    ),
    pytest.param(
        ledgers.stars([GOOD_STAR, [2024, "竹秀村", "五星级", 101, "否"]]),
        "out-of-range",
        "评分",
        "101",
        id="out-of-range-score",
    ),
    pytest.param(
        ledgers.income([GOOD_INCOME, replaced(income_row("竹秀村", 142.75), 0, 1999)]),
        "out-of-range",
        "年度",
        "1999",
        id="out-of-range-year",
    ),
    pytest.param(
        ledgers.income([GOOD_INCOME, income_row("竹秀村", 142.75, 150)]),
        "operating-above-total",
        "经营性收入(万元)",
        "150",
        id="operating-above-total",
    ),
    pytest.param(
        ledgers.tickets([GOOD_TICKET, replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 8, "2030-03-01 09:30")]),
        "steps-out-of-order",
        "派单时间",
        "2030-03-01 09:30",
        id="steps-out-of-order",
    ),
    pytest.param(
        ledgers.tickets([GOOD_TICKET, replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 9, None)]),
        "rating-without-done",
        "评单",
        "满意",
        id="rating-without-done",
    ),
    pytest.param(
        ledgers.problems([GOOD_PROBLEM, replaced(replaced(GOOD_PROBLEM, 0, "WT2030-002"), 9, None)]),
        "rectified-without-date",
        "整改完成日期",
        None,
        id="rectified-without-date",
    ),
]


@pytest.mark.parametrize(("sheet", "code", "column", "value"), BAD_SHEETS)
def test_bad_sheet_is_reported_at_its_row_column_and_value(check, sheet, code, column, value):
    outcome = check(sheet)

    assert not outcome.ok
    assert found(outcome, code) == [(sheet.excel_row(1), column, value)], [i.describe() for i in outcome.issues]
    assert all(i.row == 5 for i in errors_in(outcome.issues)), "the good row 4 raised something"
    issue = only_issue(outcome, code)
    assert issue.file == "台账.xlsx" and issue.sheet == sheet.sheet
    assert issue.severity == "error"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in issue.message)


UNREADABLE_DONE = replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 9, "明天下午")  # and rated 满意
# 领单 unreadable, 派单 before 点单: compared with 领单 (unknown), not with 点单
UNREADABLE_CLAIM = replaced(replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 7, "上午十点"), 8, "2030-03-01 08:30")


@pytest.mark.parametrize(
    ("row", "written"),
    [
        pytest.param(UNREADABLE_DONE, "明天下午", id="unreadable-done-time-and-a-rating"),
        pytest.param(UNREADABLE_CLAIM, "上午十点", id="unreadable-claim-time-and-a-later-step"),
    ],
)
def test_one_unreadable_cell_is_one_error(check, row, written):
    """A rule that reads a cell which could not be parsed says nothing more about that row."""
    outcome = check(ledgers.tickets([GOOD_TICKET, row]))

    assert [(i.row, i.code, i.value) for i in errors_in(outcome.issues)] == [(5, "bad-date", written)]


def test_an_unreadable_total_is_not_also_a_missing_total(check):
    from tests.test_mechanism_importing import points_ledger

    outcome = check(points_ledger([["2025-03", "北垞村", "周敏", 60, None, 0, "七十"]]))

    assert [(i.code, i.value) for i in errors_in(outcome.issues)] == [("bad-number", "七十")]


def test_bad_boolean(check):
    outcome = check(ledgers.stars([GOOD_STAR, [2024, "竹秀村", "五星级", 90, "待定"]]))

    assert not outcome.ok
    assert found(outcome, "bad-boolean") == [(5, "软弱涣散", "待定")]


@pytest.mark.parametrize(
    ("sheet", "column", "value"),
    [
        pytest.param(ledgers.stars([GOOD_STAR, [2024, "竹秀村", 6, 90, "否"]]), "星级", "6", id="stars-6"),
        pytest.param(
            ledgers.tickets([GOOD_TICKET, replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 10, 0)]),
            "评单",
            "0",
            id="rating-0",
        ),
        pytest.param(
            ledgers.tickets([GOOD_TICKET, replaced(replaced(GOOD_TICKET, 0, "WD2030-0002"), 10, 6)]),
            "评单",
            "6",
            id="rating-6",
        ),
    ],
)
def test_a_number_beyond_the_scale_is_out_of_range(check, sheet, column, value):
    assert found(check(sheet), "out-of-range") == [(5, column, value)]


def test_unknown_village_names_the_closest_registry_name(check):
    sheet = ledgers.income([GOOD_INCOME, income_row("北坨村", 142.75)])
    issue = only_issue(check(sheet), "unknown-village")

    assert (issue.row, issue.column, issue.value) == (5, "村(社区)名称", "北坨村")
    assert "北坨村" in issue.message and "是否为 北垞村" in issue.message


def test_unknown_village_without_a_close_name_asks_for_the_registry(check):
    issue = only_issue(check(ledgers.income([income_row("云栖村", 10)])), "unknown-village")

    assert (issue.row, issue.value) == (4, "云栖村")
    assert "名录" in issue.message


def test_each_row_of_an_unknown_village_is_reported(check):
    sheet = ledgers.income([income_row("北坨村", 1), GOOD_INCOME, replaced(income_row("北坨村", 2), 0, 2022)])
    assert found(check(sheet), "unknown-village") == [(4, "村(社区)名称", "北坨村"), (6, "村(社区)名称", "北坨村")]


# ambiguous-village: validation.match_village reports it only when two registry names share one
# name without 村 (e.g. both 竹秀村 and 竹秀), but then the written name always equals one of them
# exactly and matches first, so no sheet can raise it (see the report that came with these tests).


def test_duplicate_key_names_the_first_row(check):
    sheet = ledgers.income([GOOD_INCOME, income_row("竹秀村", 142.75), income_row("北垞村", 190)])
    issue = only_issue(check(sheet), "duplicate-key")

    assert issue.row == 6
    assert "第4行" in issue.message
    assert issue.column in ("年度", "村(社区)名称")


def test_duplicate_key_after_name_matching(check):
    # 北垞 and 北 垞村 both mean 北垞村: the same key twice
    sheet = ledgers.income([GOOD_INCOME, income_row("北垞", 190)])
    issue = only_issue(check(sheet), "duplicate-key")

    assert issue.row == 5 and "第4行" in issue.message


def test_duplicate_ticket_id(check):
    sheet = ledgers.tickets([GOOD_TICKET, GOOD_TICKET, replaced(GOOD_TICKET, 0, "WD2030-0002"), GOOD_TICKET])
    outcome = check(sheet)

    assert [(i.row, i.column) for i in outcome.issues if i.code == "duplicate-key"] == [
        (5, "工单编号"),
        (7, "工单编号"),
    ]
    assert all("第4行" in i.message for i in outcome.issues if i.code == "duplicate-key")


def test_duplicate_key_names_the_village_and_year_and_every_row(check):
    sheet = ledgers.income([GOOD_INCOME, income_row("竹秀村", 142.75), income_row("北垞村", 190)])
    issue = only_issue(check(sheet), "duplicate-key")

    assert issue.message.startswith("北垞村 2023年 出现两次（第4行、第6行）")


def test_duplicate_ticket_id_shows_the_number(check):
    sheet = ledgers.tickets([GOOD_TICKET, GOOD_TICKET, replaced(GOOD_TICKET, 0, "WD2030-0002"), GOOD_TICKET])
    messages = {i.message for i in check(sheet).issues if i.code == "duplicate-key"}

    assert len(messages) == 1
    assert messages.pop().startswith("工单编号 WD2030-0001 出现三次（第4行、第5行、第7行）")


def test_duplicate_project_without_a_number_names_year_and_project(check):
    project = [None, 2030, "村道硬化", "北垞村", "城镇建设", 120, 30, "在建", "王强", "2030-03-01"]
    issue = only_issue(check(ledgers.projects([project, project])), "duplicate-key")

    assert issue.message.startswith("村道硬化 2030年 出现两次（第4行、第5行）")


def test_components_mismatch_is_a_warning_and_the_import_goes_ahead(check, demo_copy, settings, tmp_path):
    sheet = ledgers.income([GOOD_INCOME, income_row("竹秀村", 150, 119.21, 85.66, 33.55, 19.58, 3.96)])
    outcome = check(sheet)

    issue = only_issue(outcome, "components-mismatch")
    assert (issue.row, issue.column, issue.value, issue.severity) == (5, "村集体经济总收入(万元)", "150", "warning")
    assert outcome.ok

    real = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", sheet), settings)
    assert real.committed
    with demo_copy.read() as cur:
        warnings = cur.execute("select warnings from imports order by import_id desc limit 1").fetchone()[0]
    assert "各项收入之和" in warnings


def test_components_within_a_cent_of_a_wan_are_not_reported(check):
    # 142.745 would round; the components add to 142.75 exactly as the demo's 竹秀村 does
    sheet = ledgers.income([GOOD_INCOME, income_row("竹秀村", 142.75, 119.21, 85.66, 33.55, 19.58, 3.96)])
    assert check(sheet).issues == []


def test_missing_year_when_neither_column_title_sheet_nor_file_name_gives_one(check):
    sheet = Ledger(
        NO_YEAR_INCOME,
        [["北垞村", 186.4, 139.62, None, None, None, None]],
        title="青溪镇村级集体经济收入统计表",
        sheet="收入",
    )
    outcome = check(sheet, name="村财收入.xlsx")

    issue = only_issue(outcome, "missing-year")
    assert (issue.file, issue.sheet, issue.row, issue.column) == ("村财收入.xlsx", "收入", None, None)
    assert "年度" in issue.message
    assert check(sheet, name="村财收入.xlsx", year=2030).ok


def test_year_conflict_between_title_and_the_year_asked_for(check):
    sheet = Ledger(
        NO_YEAR_INCOME,
        [["北垞村", 186.4, 139.62, None, None, None, None]],
        title="青溪镇2023年度村级集体经济收入统计表",
    )
    outcome = check(sheet, year=2024)

    issue = only_issue(outcome, "year-conflict")
    assert "2023" in issue.message and "2024" in issue.message
    assert check(sheet, year=2023).ok


def test_all_errors_of_a_file_are_collected(check):
    sheet = ledgers.income(
        [
            income_row("北坨村", 10),
            GOOD_INCOME,
            income_row("竹秀村", "abc"),
            None,
            income_row("岑下村", -3),
        ]
    )
    outcome = check(sheet)

    assert [(i.row, i.code) for i in errors_in(outcome.issues)] == [
        (4, "unknown-village"),
        (6, "bad-number"),
        (8, "out-of-range"),
    ]


def test_errors_in_every_sheet_of_a_workbook_are_collected(check):
    income = ledgers.income([income_row("竹秀村", "abc")])
    stars = ledgers.stars([[2024, "竹秀村", "优秀", 90, "否"]])
    outcome = check(income, stars)

    assert sorted((i.sheet, i.row, i.code) for i in outcome.issues) == [
        ("村级集体经济收入", 4, "bad-number"),
        ("达标创星", 4, "bad-stars"),
    ]


def test_issue_describes_file_sheet_row_and_column():
    issue = Issue("村财收入.xlsx", "2023年", 7, "村集体经济总收入(万元)", "abc", "bad-number", "不是有效的金额")
    text = issue.describe()

    for part in (
        "文件",
        "村财收入.xlsx",
        "工作表",
        "2023年",
        "第7行",
        "村集体经济总收入(万元)",
        "abc",
        "不是有效的金额",
    ):
        assert part in text
    assert text.startswith("[错误]")
    warning = Issue("a.xlsx", None, None, None, None, "components-mismatch", "请核对", "warning").describe()
    assert warning.startswith("[提醒]") and "工作表" not in warning and "行" not in warning


# ---- values as staff write them ----------------------------------------------------------


def stored(database: Database, sql: str) -> list[tuple]:
    with database.read() as cur:
        return cur.execute(sql).fetchall()


def test_money_written_in_every_office_style(demo_copy, settings, tmp_path):
    sheet = Ledger(
        ["年度", "村(社区)名称", "村集体经济总收入（元）", "经营性收入"],
        [
            [2030, "北垞村", "1,234,500", "35.6万"],
            [2030, "竹秀村", "１２３４５６", "１２万"],
            [2030, "岑下村", 98765.43, "0.0001亿"],
            [2030, "凤岗社区", " 1 000 ", None],
        ],
        title="青溪镇2030年度村财收入",
        unit_line="单位：元",
    )
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", sheet), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert dict(
        (v, (t, o))
        for v, t, o in stored(
            demo_copy, "select village, total_income, operating_income from village_income where year = 2030"
        )
    ) == {
        "北垞村": (Decimal("1234500.00"), Decimal("356000.00")),
        "竹秀村": (Decimal("123456.00"), Decimal("120000.00")),
        "岑下村": (Decimal("98765.43"), Decimal("10000.00")),
        "凤岗社区": (Decimal("1000.00"), None),
    }


def test_stars_ratings_and_yes_no_in_every_office_style(demo_copy, settings, tmp_path):
    stars = ledgers.stars(
        [
            [2030, "北垞村", "五星级", "96.5", "否"],
            [2030, "竹秀村", "5星", 95, "是"],
            [2030, "岑下村", "★★★★★", None, None],
            [2030, "凤岗社区", 4, None, "否"],
            [2030, "青溪社区", "三星", None, "否"],
        ]
    )
    ticket = GOOD_TICKET[:10]
    tickets = ledgers.tickets(
        [
            [*replaced(ticket, 0, "R1"), "满意", None],
            [*replaced(ticket, 0, "R2"), "基本满意", None],
            [*replaced(ticket, 0, "R3"), "不满意", None],
            [*replaced(ticket, 0, "R4"), 4, None],
            [*replaced(ticket, 0, "R5"), None, None],
        ]
    )
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "台账.xlsx", stars, tickets), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored(
        demo_copy, "select village, stars, score, weak from star_ratings where year = 2030 order by village"
    ) == [
        ("凤岗社区", 4, None, False),
        ("北垞村", 5, Decimal("96.5"), False),
        ("岑下村", 5, None, False),  # 软弱涣散 left empty means 否
        ("竹秀村", 5, Decimal("95.0"), True),
        ("青溪社区", 3, None, False),
    ]
    assert stored(demo_copy, "select ticket_id, rating from service_tickets where ticket_id like 'R_' order by 1") == [
        ("R1", 5),
        ("R2", 3),
        ("R3", 1),
        ("R4", 4),
        ("R5", None),
    ]


def test_dates_and_times_in_every_office_style(demo_copy, settings, tmp_path):
    def ticket(ticket_id, ordered, claimed=None, dispatched=None, done=None):
        return [ticket_id, "北垞村", None, "群众建议", None, None, ordered, claimed, dispatched, done, None, None]

    tickets = ledgers.tickets(
        [
            ticket("D1", "2023/5/6 14:30", "2023-05-06 15:00", "2023年5月7日", "2023.05.08"),
            ticket("D2", dt.datetime(2023, 5, 6, 14, 30), None, None, dt.date(2023, 5, 9)),
            ticket("D3", "2023-05-06", None, None, "2023-05-06T18:05:00"),
        ]
    )
    problems = ledgers.problems([replaced(replaced(GOOD_PROBLEM, 7, "2030年6月30日"), 9, dt.date(2030, 5, 10))])
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "台账.xlsx", tickets, problems), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    at = dt.datetime
    assert stored(
        demo_copy,
        "select ticket_id, ordered_at, claimed_at, dispatched_at, done_at from service_tickets "
        "where ticket_id like 'D_' order by 1",
    ) == [
        ("D1", at(2023, 5, 6, 14, 30), at(2023, 5, 6, 15, 0), at(2023, 5, 7), at(2023, 5, 8)),
        ("D2", at(2023, 5, 6, 14, 30), None, None, at(2023, 5, 9)),
        ("D3", at(2023, 5, 6), None, None, at(2023, 5, 6, 18, 5)),
    ]
    assert stored(demo_copy, "select deadline, rectified_on from problems where problem_id = 'WT2030-001'") == [
        (dt.date(2030, 6, 30), dt.date(2030, 5, 10))
    ]


def test_excel_serial_dates_in_a_csv(demo_copy, settings, tmp_path):
    # a CSV exported from a sheet whose date cells lost their format: 45052 is 2023-05-06
    sheet = ledgers.tickets(
        [["S1", "北垞村", None, "服务代办", None, None, "45052", None, None, "45052.75", "满意", None]],
        title=None,
        unit_line=None,
        footer=(),
    )
    outcome = import_file(demo_copy, write_csv(tmp_path / "工单.csv", sheet), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored(demo_copy, "select ordered_at, done_at from service_tickets where ticket_id = 'S1'") == [
        (dt.datetime(2023, 5, 6), dt.datetime(2023, 5, 6, 18, 0))
    ]


def test_village_names_written_loosely_are_stored_as_the_registry_writes_them(demo_copy, settings, tmp_path):
    sheet = ledgers.income(
        [
            replaced(income_row(" 北垞村 ", 1), 0, 2030),
            replaced(income_row("竹 秀 村", 2), 0, 2030),
            replaced(income_row("岑下", 3), 0, 2030),  # no 村
            replaced(income_row("凤岗社区　", 4), 0, 2030),  # full-width space
            replaced(income_row("青溪社区村", 5), 0, 2030),  # an extra 村
        ]
    )
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "收入.xlsx", sheet), settings)

    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert stored(demo_copy, "select village, total_income from village_income where year = 2030 order by 2") == [
        ("北垞村", Decimal("10000.00")),
        ("竹秀村", Decimal("20000.00")),
        ("岑下村", Decimal("30000.00")),
        ("凤岗社区", Decimal("40000.00")),
        ("青溪社区", Decimal("50000.00")),
    ]


def test_full_width_year_and_year_with_suffix(check):
    sheet = ledgers.income(
        [replaced(GOOD_INCOME, 0, "２０２３"), replaced(income_row("竹秀村", 142.75), 0, "2023年度")]
    )
    outcome = check(sheet)

    assert outcome.ok, [i.describe() for i in outcome.issues]
    assert outcome.tables[0].years == [2023]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("村口  路灯损坏", "村口 路灯损坏"),
        ("代办\t社保\n认证", "代办 社保 认证"),
        ("反映 垃圾清运", "反映 垃圾清运"),
        ("邻里纠纷", "邻里纠纷"),
        (None, None),
    ],
)
def test_text_cells_keep_single_spaces_and_collapse_runs(written, stored):
    """Most cells take the quick path (no doubled space, tab or line break); the rest are collapsed."""
    import duckdb

    from village_stats.datasets import DATASETS
    from village_stats.validation import parse_sql

    column = DATASETS["tickets"].column("content")
    found = duckdb.connect().execute(f"select {parse_sql(column, '$cell', Decimal(1))}", {"cell": written})
    assert found.fetchone()[0] == stored
