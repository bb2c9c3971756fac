"""The four mechanism ledgers through the real importer: messy but valid ledgers, and bad ones.

Each valid ledger has a title, a unit line, a 序号 column, a 合计 row and a footer,
and is imported as xlsx and as a GBK CSV; each bad case names the Excel row and
the column as the file writes it, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.ledgers import Ledger, write_csv, write_xlsx
from tests.test_importing import differences, snapshot
from village_stats.datasets import DATASETS
from village_stats.importing import import_file, undo_import
from village_stats.templates import template_bytes
from village_stats.validation import errors_in

POINTS_COLUMNS = ["积分周期", "所属支部", "党员姓名", "基础分", "加分", "扣分", "总积分"]
STUDIO_COLUMNS = ["村(社区)名称", "工作室名称", "级别", "成立日期", "工作重点"]
SAGE_COLUMNS = ["编号", "日期", "村(社区)名称", "乡贤姓名", "类型", "数量", "内容"]
CADRE_COLUMNS = ["村(社区)名称", "姓名", "身份", "出生年月", "学历", "学历提升", "参训次数"]


def points_ledger(rows: list, **kw) -> Ledger:
    kw.setdefault("title", "青溪镇2025年党员量化积分汇总表")
    kw.setdefault("unit_line", "填报单位：青溪镇党建办　　单位：分")
    kw.setdefault("totals", [[None, "合计", None, None, None, None, None, None]])
    return Ledger(POINTS_COLUMNS, rows, **kw)


def studio_ledger(rows: list, **kw) -> Ledger:
    kw.setdefault("title", "青溪镇书记工作室建设情况表")
    kw.setdefault("unit_line", "填报单位：青溪镇党建办　　单位：个")
    kw.setdefault("totals", [[None, "合计", "2个", None, None, None, None]])
    return Ledger(STUDIO_COLUMNS, rows, **kw)


def sage_ledger(rows: list, **kw) -> Ledger:
    kw.setdefault("title", "青溪镇乡贤参与基层治理工作台账（2025年）")
    kw.setdefault("unit_line", "填报单位：青溪镇统战办　　单位：条、起")
    kw.setdefault("totals", [[None, "合计", None, None, None, None, 7, None]])
    return Ledger(SAGE_COLUMNS, rows, **kw)


def cadre_ledger(rows: list, **kw) -> Ledger:
    kw.setdefault("title", "青溪镇村（社区）干部及后备力量花名册")
    kw.setdefault("unit_line", "填报单位：青溪镇组织办　　单位：人、次")
    kw.setdefault("totals", [[None, "合计", "3人", None, None, None, None, 9]])
    return Ledger(CADRE_COLUMNS, rows, **kw)


POINTS_ROWS = [
    ["2025年3月", "北垞村", "王建华", 60, 12.5, 0, 72.5],
    ["2025-03", "北垞", "陈丽娟", "60", "8", "-5", "63"],  # 扣分 written negative, 村 left off
    ["2025Q1", "竹秀村", "张国强", 60, 20, 2, None],  # 总积分 blank: computed
    ["２０２５年第一季度", "竹秀村", "李海燕", 60, 5, 0, 65],
    ["2025年", "岑下村", "吴志刚", None, None, None, 250],  # only a yearly total
]
STUDIO_ROWS = [
    ["桃源村", "桃源书记工作室", "县级", dt.date(2025, 3, 18), "乡村振兴"],
    ["枫林", "枫林书记工作室", "镇级", "2025年5月6日", None],
]
SAGE_ROWS = [
    ["XX2025-001", dt.date(2025, 2, 3), "北垞村", "王建华", "民意收集", 3, "收集村道修缮意见"],
    ["XX2025-002", "2025/02/10", "竹秀", "李海燕", "矛盾调解", None, "调解邻里纠纷"],  # 数量 blank: 1
    ["XX2025-003", "2025年3月1日", "岑下村", None, "民意收集", "3", None],
]
CADRE_ROWS = [
    ["北垞村", "赵小军", "后备干部", "1995.06", "本科", "否", 3],
    ["北垞村", "钱一鸣", "两委干部", "1978年11月", "高中/中专", "是", 4],
    ["竹秀村", "孙佳慧", "党务专员", dt.date(1996, 4, 1), "大专", None, 2],  # an Excel date; 学历提升 blank: 否
]


def stored(database, sql: str) -> list[tuple]:
    with database.read() as cur:
        return cur.execute(sql).fetchall()


# ---- valid, messy ledgers: xlsx and GBK CSV store the same ---------------------------------


VALID = [
    pytest.param(
        points_ledger(POINTS_ROWS),
        "select period, village, member, base_points, bonus_points, deducted_points, total_points "
        "from member_points where period like '2025%' order by member",
        [
            ("2025-03", "北垞村", "王建华", Decimal("60.0"), Decimal("12.5"), Decimal("0.0"), Decimal("72.5")),
            ("2025Q1", "竹秀村", "张国强", Decimal("60.0"), Decimal("20.0"), Decimal("2.0"), Decimal("78.0")),
            ("2025", "岑下村", "吴志刚", None, None, None, Decimal("250.0")),
            ("2025Q1", "竹秀村", "李海燕", Decimal("60.0"), Decimal("5.0"), Decimal("0.0"), Decimal("65.0")),
            ("2025-03", "北垞村", "陈丽娟", Decimal("60.0"), Decimal("8.0"), Decimal("5.0"), Decimal("63.0")),
        ],
        id="points",
    ),
    pytest.param(
        studio_ledger(STUDIO_ROWS),
        "select village, studio_name, level, established_on, focus from secretary_studios "
        "where village in ('桃源村', '枫林村') order by village",
        [
            ("枫林村", "枫林书记工作室", "镇级", dt.date(2025, 5, 6), None),
            ("桃源村", "桃源书记工作室", "县级", dt.date(2025, 3, 18), "乡村振兴"),
        ],
        id="studios",
    ),
    pytest.param(
        sage_ledger(SAGE_ROWS),
        "select activity_id, date, village, sage, kind, quantity from sage_activities "
        "where activity_id like 'XX2025%' order by activity_id",
        [
            ("XX2025-001", dt.date(2025, 2, 3), "北垞村", "王建华", "民意收集", 3),
            ("XX2025-002", dt.date(2025, 2, 10), "竹秀村", "李海燕", "矛盾调解", 1),
            ("XX2025-003", dt.date(2025, 3, 1), "岑下村", None, "民意收集", 3),
        ],
        id="sages",
    ),
    pytest.param(
        cadre_ledger(CADRE_ROWS),
        "select village, name, role, birth_year, education, upgrading, trainings from cadres "
        "where name in ('赵小军', '钱一鸣', '孙佳慧') order by birth_year",
        [
            ("北垞村", "钱一鸣", "两委干部", 1978, "高中/中专", True, 4),
            ("北垞村", "赵小军", "后备干部", 1995, "本科", False, 3),
            ("竹秀村", "孙佳慧", "党务专员", 1996, "大专", False, 2),
        ],
        id="cadres",
    ),
]


@pytest.mark.parametrize(("ledger", "sql", "expected"), VALID)
@pytest.mark.parametrize("form", ["xlsx", "gbk.csv"])
def test_a_messy_valid_ledger_imports_and_undoes(demo_copy, settings, tmp_path, ledger, sql, expected, form):
    before = snapshot(demo_copy)
    path = tmp_path / f"台账.{form.split('.')[-1]}"
    if form == "xlsx":
        write_xlsx(path, ledger)
    else:
        write_csv(path, ledger, "gbk")
    outcome = import_file(demo_copy, path, settings)
    assert outcome.ok, [i.describe() for i in outcome.issues]
    assert outcome.committed
    assert sorted(stored(demo_copy, sql), key=str) == sorted(expected, key=str)
    undo_import(demo_copy)
    assert differences(snapshot(demo_copy, history_too=False), without_history(before)) == {}


def without_history(full: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {t: rows for t, rows in full.items() if t not in ("imports", "import_rows")}


def test_a_dry_run_of_points_reports_counts_and_writes_nothing(demo_copy, settings, tmp_path):
    before = snapshot(demo_copy)
    outcome = import_file(
        demo_copy, write_xlsx(tmp_path / "积分.xlsx", points_ledger(POINTS_ROWS)), settings, dry_run=True
    )
    assert outcome.ok and not outcome.committed
    (table,) = outcome.tables
    assert table.dataset.name == "member_points" and table.inserted == len(POINTS_ROWS) and table.years == [2025]
    assert differences(snapshot(demo_copy), before) == {}


# ---- bad ledgers: the exact row and column, and nothing written -------------------------------


def first_error(demo_copy, settings, tmp_path, ledger: Ledger):
    before = snapshot(demo_copy)
    outcome = import_file(demo_copy, write_xlsx(tmp_path / "bad.xlsx", ledger), settings)
    assert not outcome.ok and not outcome.committed
    assert differences(snapshot(demo_copy), before) == {}
    return errors_in(outcome.issues)


BAD = [
    pytest.param(
        points_ledger([POINTS_ROWS[0], ["2025-03", "北垞村", "周敏", 60, 10, 3, 70]]),
        1,
        "总积分",
        "points-mismatch",
        id="points-total-mismatch",
    ),
    pytest.param(
        points_ledger([POINTS_ROWS[0], ["2025-13", "北垞村", "周敏", 60, 10, 0, 70]]),
        1,
        "积分周期",
        "bad-period",
        id="points-bad-month",
    ),
    pytest.param(
        points_ledger([POINTS_ROWS[0], ["2025年春", "北垞村", "周敏", 60, 10, 0, 70]]),
        1,
        "积分周期",
        "bad-period",
        id="points-bad-period-words",
    ),
    pytest.param(
        points_ledger([["2025-03", "北垞村", "周敏", 60, None, 0, None]]),
        0,
        "总积分",
        "points-missing",
        id="points-no-total-and-incomplete-parts",
    ),
    pytest.param(
        points_ledger([POINTS_ROWS[0], ["2025-03", "北坨村", "周敏", 60, 10, 0, 70]]),
        1,
        "所属支部",
        "unknown-village",
        id="points-unknown-branch",
    ),
    pytest.param(
        points_ledger([POINTS_ROWS[0], POINTS_ROWS[0]]),
        1,
        "积分周期",
        "duplicate-key",
        id="points-same-member-twice-in-a-period",
    ),
    pytest.param(
        studio_ledger([STUDIO_ROWS[0], ["枫林村", "枫林书记工作室", "省级", "2025-05-06", None]]),
        1,
        "级别",
        "not-allowed",
        id="studio-unknown-level",
    ),
    pytest.param(
        studio_ledger([STUDIO_ROWS[0], ["枫林村", "枫林书记工作室", "镇级", None, None]]),
        1,
        "成立日期",
        "missing-value",
        id="studio-without-a-date",
    ),
    pytest.param(
        sage_ledger([SAGE_ROWS[0], ["XX2025-002", "2025-02-10", "竹秀村", "李海燕", "调解纠纷", 1, None]]),
        1,
        "类型",
        "not-allowed",
        id="sage-unknown-kind",
    ),
    pytest.param(
        sage_ledger([SAGE_ROWS[0], ["XX2025-002", "2025-02-10", "竹秀村", "李海燕", "矛盾调解", 0, None]]),
        1,
        "数量",
        "out-of-range",
        id="sage-zero-quantity",
    ),
    pytest.param(
        sage_ledger([SAGE_ROWS[0], ["XX2025-001", "2025-02-10", "竹秀村", None, "矛盾调解", 1, None]]),
        1,
        "编号",
        "duplicate-key",
        id="sage-duplicate-id",
    ),
    pytest.param(
        cadre_ledger([CADRE_ROWS[0], ["北垞村", "钱一鸣", "两委干部", "七八年", "高中/中专", "是", 4]]),
        1,
        "出生年月",
        "bad-birth-year",
        id="cadre-bad-birth-year",
    ),
    pytest.param(
        cadre_ledger([CADRE_ROWS[0], ["北垞村", "钱一鸣", "村主任", "1978.11", "高中/中专", "是", 4]]),
        1,
        "身份",
        "not-allowed",
        id="cadre-unknown-role",
    ),
    pytest.param(
        cadre_ledger([CADRE_ROWS[0], ["北垞村", "钱一鸣", "两委干部", "1978.11", "中专", "是", 4]]),
        1,
        "学历",
        "not-allowed",
        id="cadre-unknown-education",
    ),
    pytest.param(
        cadre_ledger([CADRE_ROWS[0], ["北垞村", "钱一鸣", "两委干部", "1978.11", "大专", "也许", 4]]),
        1,
        "学历提升",
        "bad-boolean",
        id="cadre-bad-boolean",
    ),
]


@pytest.mark.parametrize(("ledger", "index", "column", "code"), BAD)
def test_a_bad_row_is_named_by_excel_row_and_column(demo_copy, settings, tmp_path, ledger, index, column, code):
    errors = first_error(demo_copy, settings, tmp_path, ledger)
    assert [(e.row, e.column, e.code) for e in errors] == [(ledger.excel_row(index), column, code)]
    assert errors[0].sheet == ledger.sheet and errors[0].file == "bad.xlsx"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0].message)


# ---- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["member_points", "studios", "sages", "cadres"])
def test_the_template_imports_its_own_example_row(demo_copy, settings, tmp_path, name):
    dataset = DATASETS[name]
    path = tmp_path / f"{dataset.title}.xlsx"
    path.write_bytes(template_bytes(dataset, settings))
    outcome = import_file(demo_copy, path, settings, dry_run=True)
    assert outcome.ok, [i.describe() for i in outcome.issues]
    (table,) = outcome.tables
    assert table.dataset is dataset and table.inserted + table.updated + table.unchanged == 1
