"""报送 rounds: the town asks every village for one ledger of one year, by a due date.

A round is (dataset, year, town, due). Each village or community fills its own
template and submits it; a submission is an ordinary import (validation, archive,
undo) that may only hold rows of that unit, and that replaces the unit's rows of
the year when it is sent again. A closed round refuses submissions, undos and
town imports of its dataset and year until the town reopens it.

The progress counts come from queries/round_*.sql; this module keeps the rules
and the words (the 催报 message) and is used by the CLI, the importer and the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from village_stats.datasets import DATASETS, Dataset
from village_stats.db import Database
from village_stats.errors import VillageStatsError
from village_stats.settings import Settings
from village_stats.templates import UnitSheet, unit_template_bytes
from village_stats.validation import Issue

if TYPE_CHECKING:  # the CLI's import path does not load pandas
    import pandas as pd

STATUS_WORDS = {"submitted": "已报送", "late": "逾期报送", "missing": "未报送"}
# the numeric kinds an 异常波动 check compares with last year
COMPARED_KINDS = ("money", "integer", "decimal", "points", "stars")
# the year of a row, for datasets that keep it in another column (as importing.YEAR_OF)
YEAR_SQL = {
    "tickets": "year(ordered_at)",
    "member_points": "cast(left(period, 4) as integer)",
    "sages": "year(date)",
}


class RoundError(VillageStatsError, ValueError):
    """A round asked for wrongly (unknown, closed, not a unit dataset); the message is Chinese."""

    code = "round-refused"


@dataclass(frozen=True)
class Round:
    round_id: int
    dataset: str
    year: int
    town: str
    title: str
    due: date
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None = None
    closed_by: str | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def ledger(self) -> Dataset:
        return DATASETS[self.dataset]

    def file_name(self, unit: str) -> str:
        """The template's name for one unit: 2025年村级集体经济收入_北垞村.xlsx."""
        return f"{self.year}年{self.ledger.title}_{unit}.xlsx"

    def label(self) -> str:
        return f"#{self.round_id} {self.title}（截止 {self.due:%Y-%m-%d}{'，已关闭' if self.closed else ''}）"


@dataclass(frozen=True)
class Submission:
    """What makes an import a submission: the round, the unit, and whether 异常波动 were confirmed."""

    round_id: int
    unit: str
    confirm_changes: bool = False


def round_datasets() -> list[str]:
    """Datasets a round may ask for: every ledger whose rows belong to a village (not the registry)."""
    return [name for name, dataset in DATASETS.items() if dataset.has_village and name != "villages"]


def default_title(dataset: str, year: int) -> str:
    return f"{year}年{DATASETS[dataset].title}"


_COLUMNS = "round_id, dataset, year, town, title, due, opened_at, opened_by, closed_at, closed_by"


def all_rounds(cur: duckdb.DuckDBPyConnection) -> list[Round]:
    """Every round, newest first."""
    return [Round(*row) for row in cur.execute(f"select {_COLUMNS} from rounds order by round_id desc").fetchall()]


def get_round(cur: duckdb.DuckDBPyConnection, round_id: int) -> Round:
    row = cur.execute(f"select {_COLUMNS} from rounds where round_id = $id", {"id": round_id}).fetchone()
    if row is None:
        raise RoundError(f"没有编号为 {round_id} 的报送任务（python -m village_stats round list 可查看全部任务）")
    return Round(*row)


def open_round(
    database: Database, dataset: str, year: int, due: date, town: str, by: str, title: str | None = None
) -> Round:
    """A new round; one open round per dataset, year and town."""
    if dataset not in round_datasets():
        names = "、".join(round_datasets())
        raise RoundError(f"数据集 {dataset} 不是按村(社区)填报的台账，不能发起报送（可用：{names}）")
    if not 2000 <= year <= 2100:
        raise RoundError(f"年度 {year} 不在 2000–2100 之间")
    with database.write() as con:
        con.execute("begin transaction")
        try:
            units = con.execute("select count(*) from villages where town = $town", {"town": town}).fetchone()[0]
            if not units:
                raise RoundError(f"村(社区)名录中没有{town}的村(社区)，请先导入名录再发起报送")
            clash = con.execute(
                "select round_id from rounds where dataset = $d and year = $y and town = $t and closed_at is null",
                {"d": dataset, "y": year, "t": town},
            ).fetchone()
            if clash:
                raise RoundError(f"{default_title(dataset, year)}已有进行中的报送任务 #{clash[0]}，不必重复发起")
            # max + 1 inside the transaction, like import numbers: a refused round leaves no gap
            round_id = con.execute("select coalesce(max(round_id), 0) + 1 from rounds").fetchone()[0]
            con.execute(
                "insert into rounds (round_id, dataset, year, town, title, due, opened_by) "
                "values ($id, $d, $y, $t, $title, $due, $by)",
                {
                    "id": round_id,
                    "d": dataset,
                    "y": year,
                    "t": town,
                    "title": (title or "").strip() or default_title(dataset, year),
                    "due": due,
                    "by": by,
                },
            )
            opened = get_round(con, round_id)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return opened


def set_closed(database: Database, round_id: int, closed: bool, by: str) -> Round:
    """Close (lock) or reopen a round; saying the state it already has is an error worth a sentence."""
    with database.write() as con:
        current = get_round(con, round_id)
        if current.closed == closed:
            state = "已关闭" if closed else "未关闭"
            raise RoundError(f"报送任务 #{round_id} {state}，无需重复操作")
        if closed:
            con.execute(
                "update rounds set closed_at = current_timestamp, closed_by = $by where round_id = $id",
                {"id": round_id, "by": by},
            )
        else:
            con.execute("update rounds set closed_at = null, closed_by = null where round_id = $id", {"id": round_id})
        return get_round(con, round_id)


def units_of(cur: duckdb.DuckDBPyConnection, town: str) -> list[str]:
    return [
        r[0] for r in cur.execute("select name from villages where town = $t order by name", {"t": town}).fetchall()
    ]


def short_name(unit: str) -> str:
    """北垞村 → 北垞, as the town's lists write names; a 社区 keeps its suffix."""
    return unit[:-1] if unit.endswith("村") and len(unit) > 2 else unit


def chase_by(round_: Round, today: date, chase_days: int) -> date:
    """The date a 催报 message asks for: the due date while it is ahead, else a few days from today."""
    return round_.due if today <= round_.due else today + timedelta(days=chase_days)


def reminder(round_: Round, missing: list[str], today: date, chase_days: int) -> str:
    """The copy-ready 催报 message in the town's register; a thank-you line when nobody is missing."""
    due = f"{round_.due.month}月{round_.due.day}日"
    if not missing:
        return f"【报送】{round_.title}已全部报送完毕，感谢各村(社区)支持。"
    by = chase_by(round_, today, chase_days)
    names = "、".join(short_name(u) for u in missing)
    return (
        f"【催报】{round_.title}报送截止{due}，以下{len(missing)}个村(社区)尚未报送：{names}，"
        f"请于{by.month}月{by.day}日前报送。"
    )


# ---- checks a submission makes inside the import transaction ----------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def year_sql(dataset: Dataset) -> str | None:
    """SQL for a row's year, or None for a dataset whose rows have no year (cadres, studios)."""
    if any(c.name == "year" for c in dataset.columns):
        return "year"
    return YEAR_SQL.get(dataset.name)


def submission_round(con: duckdb.DuckDBPyConnection, submission: Submission, file_name: str) -> Round | Issue:
    """The round a submission goes to, or the file-level issue that refuses it."""
    try:
        round_ = get_round(con, submission.round_id)
    except RoundError as error:
        return Issue(file_name, None, None, None, None, "unknown-round", str(error))
    if round_.closed:
        return Issue(
            file_name,
            None,
            None,
            None,
            None,
            "round-closed",
            f"报送任务“{round_.title}”已于 {round_.closed_at:%Y-%m-%d %H:%M} 关闭，不能再报送或修改；"
            "如需更正请镇里重新打开",
        )
    if submission.unit not in units_of(con, round_.town):
        return Issue(
            file_name,
            None,
            None,
            None,
            submission.unit,
            "unknown-unit",
            f"{submission.unit} 不在{round_.town}的村(社区)名录中，不能为其报送",
        )
    return round_


def scope_issues(
    con: duckdb.DuckDBPyConnection, view: str, headers: dict[str, str], round_: Round, unit: str, where: tuple
) -> list[Issue]:
    """Rows of another unit, town or year, each named by row, column and value; any one refuses the file.

    `headers` maps a column name to the header as the file writes it.
    """
    file_name, sheet = where
    dataset = round_.ledger
    year = year_sql(dataset)
    checks = [
        ("village", "village", unit, "other-unit", f"本次只能报送 {unit} 的数据，这一行是 {{value}} 的"),
        ("town", "town", round_.town, "other-town", f"本次报送只收{round_.town}的数据"),
    ]
    if year is not None:
        checks.append((_year_column(dataset), year, round_.year, "other-year", f"本次报送的是{round_.year}年的数据"))
    issues = []
    for column, expression, wanted, code, message in checks:
        rows = con.execute(
            f"select _row, cast({expression} as varchar) from {_quote(view)} "
            f"where {expression} is distinct from $wanted order by _row limit 50",
            {"wanted": wanted},
        ).fetchall()
        header = headers.get(column) or dataset.column(column).header
        for row, value in rows:
            issues.append(Issue(file_name, sheet, row, header, value, code, message.format(value=value)))
    return issues


def _year_column(dataset: Dataset) -> str:
    """The column a row's year is read from (年度, or 点单时间/积分周期/日期)."""
    return {"tickets": "ordered_at", "member_points": "period", "sages": "date"}.get(dataset.name, "year")


@dataclass(frozen=True)
class Change:
    row: int
    column: str
    old: Decimal
    new: Decimal
    money: bool

    def pct(self) -> Decimal:
        return (self.new - self.old) / abs(self.old) * 100


def abnormal_changes(
    con: duckdb.DuckDBPyConnection, view: str, round_: Round, unit: str, threshold_pct: Decimal
) -> list[Change]:
    """Values that moved more than `threshold_pct` from last year's (rows per unit and year: each numeric
    column; other ledgers: the unit's number of rows). A zero or missing last-year value is not compared."""
    dataset = round_.ledger
    key = set(dataset.key)
    ratio = threshold_pct / 100
    if {"year", "village"} <= key and len(key) == 3:
        found: list[Change] = []
        for column in dataset.columns:
            if column.kind not in COMPARED_KINDS or column.name in key:
                continue
            name = _quote(column.name)
            rows = con.execute(
                f"select i._row, t.{name}, i.{name} from {_quote(view)} as i join {dataset.table} as t "
                f"on t.town = i.town and t.village = i.village and t.year = i.year - 1 "
                f"where t.{name} <> 0 and i.{name} is not null and abs(i.{name} - t.{name}) > $ratio * abs(t.{name}) "
                "order by i._row",
                {"ratio": ratio},
            ).fetchall()
            found += [Change(r[0], column.name, Decimal(r[1]), Decimal(r[2]), column.kind == "money") for r in rows]
        return found
    year = year_sql(dataset)
    scope = "town = $town and village = $unit" + (f" and {year} = $last" if year else "")
    params = {"town": round_.town, "unit": unit} | ({"last": round_.year - 1} if year else {})
    before = con.execute(f"select count(*) from {dataset.table} where {scope}", params).fetchone()[0]
    now, first = con.execute(f"select count(*), min(_row) from {_quote(view)}").fetchone()
    if before and abs(now - before) > ratio * before:
        return [Change(first or 0, "_rows", Decimal(before), Decimal(now), False)]
    return []


def change_issues(changes: list[Change], headers: dict[str, str], year: int, confirmed: bool, where: tuple) -> list:
    """One warning per abnormal change, and (unless confirmed) the error that holds the file back."""
    file_name, sheet = where
    issues = []
    for change in changes:
        direction = "增长" if change.new > change.old else "下降"
        if change.column == "_rows":
            column, old, new = None, f"{change.old:.0f} 行", f"{change.new:.0f} 行"
            what = f"本次报送 {new}，上年（{year - 1}年）为 {old}"
        else:
            column = headers.get(change.column, change.column)
            scale = Decimal(10_000) if change.money else Decimal(1)
            unit = "万元" if change.money else ""
            old, new = f"{change.old / scale:.2f}{unit}", f"{change.new / scale:.2f}{unit}"
            what = f"上年（{year - 1}年）为 {old}"
        message = f"{what}，{direction} {abs(change.pct()):.1f}%，属异常波动，请核实" + (
            "（报送人已确认）" if confirmed else ""
        )
        issues.append(Issue(file_name, sheet, change.row, column, new, "abnormal-change", message, "warning"))
    if changes and not confirmed:
        issues.append(
            Issue(
                file_name,
                sheet,
                None,
                None,
                None,
                "unconfirmed-changes",
                f"有 {len(changes)} 处数值与上年相比变化过大（见上面的提醒）。核实无误后请勾选“确认异常波动”"
                "（命令行加 --confirm-changes）再报送",
            )
        )
    return issues


def closed_round_for(con: duckdb.DuckDBPyConnection, dataset: str, years: list[int]) -> Round | None:
    """A closed round that locks this dataset's rows of one of these years, if any (of any town)."""
    if not years:
        return None
    row = con.execute(
        f"select {_COLUMNS} from rounds where dataset = $d and list_contains($years, year) "
        "and closed_at is not null order by round_id limit 1",
        {"d": dataset, "years": [int(y) for y in years]},
    ).fetchone()
    return Round(*row) if row else None


def record_submission(
    con: duckdb.DuckDBPyConnection, submission: Submission, import_id: int, user: str, rows: int, confirmed: int
) -> None:
    con.execute(
        "insert into round_submissions (round_id, unit, import_id, submitted_by, row_count, changes_confirmed) "
        "values ($r, $u, $i, $by, $rows, $confirmed)",
        {
            "r": submission.round_id,
            "u": submission.unit,
            "i": import_id,
            "by": user,
            "rows": rows,
            "confirmed": confirmed,
        },
    )


def round_of_import(con: duckdb.DuckDBPyConnection, import_id: int) -> Round | None:
    """The round an import was submitted to, if it was a submission."""
    row = con.execute("select round_id from round_submissions where import_id = $id", {"id": import_id}).fetchone()
    return get_round(con, row[0]) if row else None


# ---- templates -----------------------------------------------------------------------


def one_row_per_unit(dataset: Dataset) -> bool:
    """Ledgers keyed by (year, town, village): each unit sends one row a year (income, stars)."""
    return set(dataset.key) == {"year", "town", "village"}


def unit_sheet(cur: duckdb.DuckDBPyConnection, round_: Round, unit: str, own_town: str) -> UnitSheet:
    """What unit `unit`'s template needs from the database: last year's row, or last year's row count."""
    dataset = round_.ledger
    last_row, last_rows = None, None
    if one_row_per_unit(dataset):
        found = cur.execute(
            f"select * from {dataset.table} where town = $t and village = $u and year = $y",
            {"t": round_.town, "u": unit, "y": round_.year - 1},
        )
        names = [d[0] for d in found.description]
        row = found.fetchone()
        last_row = dict(zip(names, row, strict=True)) if row else {}
    else:
        year = year_sql(dataset)
        in_year = f" and {year} = $y" if year else ""
        last_rows = cur.execute(
            f"select count(*) from {dataset.table} where town = $t and village = $u{in_year}",
            {"t": round_.town, "u": unit} | ({"y": round_.year - 1} if year else {}),
        ).fetchone()[0]
    return UnitSheet(
        unit, round_.town, round_.year, round_.title, round_.due, last_row, last_rows, round_.town != own_town
    )


def unit_template(database: Database, round_id: int, unit: str, settings: Settings) -> tuple[str, bytes]:
    """(file name, workbook) of one unit's template."""
    with database.read() as cur:
        round_ = get_round(cur, round_id)
        if unit not in units_of(cur, round_.town):
            raise RoundError(f"{unit} 不在{round_.town}的村(社区)名录中")
        info = unit_sheet(cur, round_, unit, settings.town)
    return round_.file_name(unit), unit_template_bytes(round_.ledger, settings, info)


def write_templates(database: Database, round_id: int, folder: Path, settings: Settings) -> list[Path]:
    """One template per unit of the round's town, written into `folder`; the paths written."""
    with database.read() as cur:
        round_ = get_round(cur, round_id)
        sheets = [unit_sheet(cur, round_, unit, settings.town) for unit in units_of(cur, round_.town)]
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for info in sheets:
        path = folder / round_.file_name(info.unit)
        path.write_bytes(unit_template_bytes(round_.ledger, settings, info))
        written.append(path)
    return written


def status_table(units: pd.DataFrame) -> pd.DataFrame:
    """round_status in Chinese columns, as the CLI prints it and the board downloads it."""
    import pandas as pd  # only when a table is shown

    return pd.DataFrame(
        {
            "村(社区)": units["unit"],
            "状态": units["status"].map(STATUS_WORDS),
            "报送时间": units["submitted_at"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),
            "报送人": units["submitted_by"].fillna(""),
            "行数": units["row_count"].astype("Int64"),
            "已确认异常波动": units["changes_confirmed"].astype("Int64"),
        }
    )


def templates_zip(database: Database, round_id: int, settings: Settings) -> bytes:
    """Every unit's template in one zip, for the page's download (the CLI writes them into a folder)."""
    import io
    import zipfile

    with database.read() as cur:
        round_ = get_round(cur, round_id)
        sheets = [unit_sheet(cur, round_, unit, settings.town) for unit in units_of(cur, round_.town)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in sheets:
            archive.writestr(round_.file_name(info.unit), unit_template_bytes(round_.ledger, settings, info))
    return buffer.getvalue()
