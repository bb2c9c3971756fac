"""Typed rows → the dataset's table: classified, upserted, their before-images kept for undo.

What one sheet did is a TableOutcome, what one file did a FileOutcome; `upsert` writes the
rows of a validated sheet inside the caller's transaction and `record_import` its history row.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field

import duckdb

from village_stats import rounds, ticket_counts
from village_stats.datasets import Dataset
from village_stats.reading import LocatedTable
from village_stats.validation import Issue, errors_in

CHANGE_SAMPLE = 50
PREVIEW_ROWS = 20
# the year a row of a dataset without a 年度 column belongs to
YEAR_OF = {
    "tickets": "year(ordered_at)",
    "member_points": "cast(left(period, 4) as integer)",
    "sages": "year(date)",
}


@dataclass
class TableOutcome:
    """What one sheet did (or, in a dry run, would do) to its table."""

    sheet: str
    dataset: Dataset
    years: list[int]
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)  # key, column, old, new
    import_id: int | None = None
    part: int = 0  # position of the sheet among the file's imported sheets
    header_row: int = 0  # Excel row number of the header
    money_unit: str = ""  # where amounts without their own unit were read in (万元 from “单位：万元” …)
    preview: list[dict[str, object]] = field(default_factory=list)  # first rows as they will be stored
    removed: int = 0  # a resubmission: the unit's stored rows of the year that the new sheet no longer has


@dataclass
class FileOutcome:
    file_name: str
    sha256: str | None = None
    tables: list[TableOutcome] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    submission: rounds.Submission | None = None  # a 报送: the round and unit this file was sent for

    @property
    def ok(self) -> bool:
        return not errors_in(self.issues) and bool(self.tables)

    @property
    def changes_anything(self) -> bool:
        return any(t.inserted or t.updated or t.removed for t in self.tables)

    def summary(self) -> str:
        """A Chinese line per sheet, as the CLI and the page print it."""
        if not self.ok:
            return f"{self.file_name}：发现 {len(errors_in(self.issues))} 处错误，未导入任何数据。"
        lines = []
        for t in self.tables:
            years = "、".join(str(y) for y in t.years)
            scope = f"（{years}年）" if years else ""
            counts = f"新增 {t.inserted} 行，更新 {t.updated} 行，未变 {t.unchanged} 行"
            if t.removed:
                counts += f"，删除 {t.removed} 行（本村上次报送有、本次没有）"
            if self.committed:
                lines.append(f"{self.file_name} · {t.sheet} → {t.dataset.title}{scope}：已导入，{counts}")
            elif self.dry_run:
                lines.append(f"{self.file_name} · {t.sheet} → {t.dataset.title}{scope}：预览（未写入），{counts}")
            else:
                lines.append(
                    f"{self.file_name} · {t.sheet} → {t.dataset.title}{scope}：内容与数据库一致，"
                    f"未做任何更改（{t.unchanged} 行）"
                )
        return "\n".join(lines)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(dataset: Dataset) -> list[str]:
    """The stored columns of a dataset's table, in schema order."""
    names = [c.name for c in dataset.columns]
    return ["project_key", *names] if dataset.name == "projects" else names


def key_json(dataset: Dataset, alias: str) -> str:
    return "to_json([" + ", ".join(f"cast({alias}.{quote(k)} as varchar)" for k in dataset.key) + "])"


def row_json(dataset: Dataset, alias: str) -> str:
    return "to_json({" + ", ".join(f"'{c}': cast({alias}.{quote(c)} as varchar)" for c in table_columns(dataset)) + "})"


def registry(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for town, name in con.execute("select town, name from villages order by town, name").fetchall():
        names.setdefault(town, []).append(name)
    return names


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open; a failed commit (full disk) has already ended it."""
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    """The number the next recorded import gets.

    Taken as max + 1 inside the write transaction (there is one writer at a time), not
    from a sequence: DuckDB sequences do not roll back, and a refused or previewed file
    must not leave a gap in the numbers the history shows.
    """
    row = con.execute("select coalesce(max(import_id), 0) + 1 from imports").fetchone()
    return int(row[0]) if row else 1


def upsert(
    con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str, part: int, import_id: int | None
) -> TableOutcome:
    """Classify incoming rows as new/changed/unchanged, keep before-images under `import_id`, upsert."""
    dataset = table.dataset
    target = dataset.table
    columns = table_columns(dataset)
    on = " and ".join(f"t.{quote(k)} = i.{quote(k)}" for k in dataset.key)
    # a column the file does not have keeps what is stored: a sheet of 总收入 alone must not wipe 补助收入
    absent = _absent_columns(table)
    exists = f"t.{quote(dataset.key[0])} is not null"
    merged = ", ".join(
        f"case when {exists} then t.{quote(c)} else i.{quote(c)} end as {quote(c)}" if c in absent else f"i.{quote(c)}"
        for c in columns
    )
    # one join classifies every row and keeps the stored values of the rows it will change
    # (a sheet of key columns only changes nothing)
    differs = (
        " or ".join(
            f"t.{quote(c)} is distinct from i.{quote(c)}" for c in columns if c not in dataset.key and c not in absent
        )
        or "false"
    )
    change = f"case when not {exists} then 'new' when {differs} then 'changed' else 'unchanged' end"
    before = (
        f"case when {exists} and ({differs}) then {row_json(dataset, 't')} end" if import_id is not None else "null"
    )
    # a semi join hashes its right side: hash the smaller (a month of tickets, or a city's five million)
    stored, arriving = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in (target, quote(view)))
    incoming_side, stored_side = f"{quote(view)} as i", f"{target} as t"
    pair = (
        f"{incoming_side} semi join {stored_side}" if stored < arriving else f"{stored_side} semi join {incoming_side}"
    )
    joined = con.execute(f"select exists (select 1 from {pair} on {on})").fetchone()[0]
    if joined:
        con.execute(
            f"create or replace temp table incoming_rows as select i._row, {merged}, {change} as _change, "
            f"{before} as _before from {quote(view)} as i left join {target} as t on {on}"
        )
        con.execute("create or replace temp view incoming as select * from incoming_rows")
    else:
        # every row is new (a new year's ledger, a month of new tickets): nothing to classify
        # or keep, and copying a million typed rows into a third table would cost a second
        fresh = ", ".join(f"i.{quote(c)}" for c in columns)
        con.execute(
            f"create or replace temp view incoming as select i._row, {fresh}, 'new' as _change, "
            f"cast(null as json) as _before from {quote(view)} as i"
        )
    counts = dict(con.execute("select _change, count(*) from incoming group by _change").fetchall())
    years = []
    if "year" in columns:
        years = [r[0] for r in con.execute("select distinct year from incoming order by 1").fetchall()]
    elif dataset.name in YEAR_OF:
        found = con.execute(f"select distinct {YEAR_OF[dataset.name]} from incoming order by 1").fetchall()
        years = [r[0] for r in found]
    outcome = TableOutcome(
        table.sheet,
        dataset,
        years,
        counts.get("new", 0),
        counts.get("changed", 0),
        counts.get("unchanged", 0),
        part=part,
        import_id=import_id,
    )
    outcome.changes = _changed_values(con, dataset, target, on, columns)
    outcome.header_row = table.header_row
    outcome.money_unit = _money_unit(table)
    preview = con.execute(
        f"select {', '.join(quote(c) for c in columns)}, _change from incoming order by _row limit {PREVIEW_ROWS}"
    )
    names = [d[0] for d in preview.description]
    outcome.preview = [dict(zip(names, row, strict=True)) for row in preview.fetchall()]
    if import_id is not None:
        # what undo needs: the old values of changed rows, the keys of new ones
        con.execute(
            f"insert into import_rows select {import_id}, '{target}', {key_json(dataset, 'i')}, i._before "
            f"from incoming as i where i._change in ('new', 'changed')"
        )
    keys = " and ".join(f"{target}.{quote(k)} = i.{quote(k)}" for k in dataset.key)
    con.execute(f"delete from {target} using incoming as i where {keys} and i._change = 'changed'")
    column_list = ", ".join(quote(c) for c in columns)
    # the rows go in in the file's order; a join on more than one thread keeps none, so rows joined
    # with the stored ones are put back in it (the typed rows themselves are in it)
    order = " order by _row" if joined else ""
    con.execute(
        f"insert into {target} ({column_list}) select {column_list} from incoming "
        f"where _change in ('new', 'changed'){order}"
    )
    if target == "service_tickets" and import_id is not None:  # a dry run is rolled back: nothing to count
        # a changed ticket may have moved to another year: its old year is counted again too
        moved = con.execute(
            "select distinct year(cast(_before->>'ordered_at' as timestamp)) from incoming where _change = 'changed'"
        ).fetchall()
        ticket_counts.refresh(con, [*years, *(row[0] for row in moved)])
    return outcome


def _absent_columns(table: LocatedTable) -> set[str]:
    """Stored columns this sheet says nothing about (not in its header, not derived, not the key)."""
    written = {c.column.name for c in table.columns}
    derived = {"town", "year", "project_key"} | ({"kind"} if table.dataset.name == "villages" else set())
    derived |= {name for name, _ in table.dataset.computed}
    return {c.name for c in table.dataset.columns} - written - derived - set(table.dataset.key)


def _money_unit(table: LocatedTable) -> str:
    """How amounts were read: 表头单位, the sheet's 单位 line, or the dataset's default."""
    money = [c for c in table.columns if c.column.kind == "money"]
    if not money:
        return ""
    own = sorted({c.unit for c in money if c.unit})
    if own:
        return "表头注明：" + "、".join(own)
    if table.unit_line:
        return f"按表上“单位：{table.unit_line}”"
    return f"表中未注明，按{table.dataset.default_money_unit}"


def _changed_values(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, target: str, on: str, columns: list[str]
) -> list[tuple[str, str, str | None, str | None]]:
    headers = {c.name: c.header for c in dataset.columns}
    money = {c.name for c in dataset.columns if c.kind == "money"}

    def shown(value: str, column: str) -> str:
        # money is stored in 元 but labelled (万元) like the template header
        return f"printf('%.2f', {value} / 10000)" if column in money else f"cast({value} as varchar)"

    compared = [c for c in columns if c not in dataset.key]
    if not compared:
        return []
    # one join of the changed rows with what is stored (it was one per column: at city scale
    # that was a dozen hash joins over five million tickets). Every changed row differs in at
    # least one column, so the first CHANGE_SAMPLE differences come from the first CHANGE_SAMPLE
    # changed rows by key: only those are joined, not all of a city's 100,000 changed tickets.
    key = f"array_to_string([{', '.join(f'cast({quote(k)} as varchar)' for k in dataset.key)}], ' / ')"
    first = f"(select {key} as k, * from incoming where _change = 'changed' order by k limit {CHANGE_SAMPLE}) as i"
    olds_news = ", ".join(f"t.{quote(c)} as {quote('o_' + c)}, i.{quote(c)} as {quote('n_' + c)}" for c in compared)
    parts = [
        f"select k, '{headers.get(c, c)}' as col, {shown(quote('o_' + c), c)} as old, "
        f"{shown(quote('n_' + c), c)} as new from pairs where {quote('o_' + c)} is distinct from {quote('n_' + c)}"
        for c in compared
    ]
    return con.execute(
        f"with pairs as materialized (select i.k, {olds_news} from {first} join {target} as t on {on}) "
        f"select * from ({' union all '.join(parts)}) order by k limit {CHANGE_SAMPLE}"
    ).fetchall()


def record_import(con: duckdb.DuckDBPyConnection, table: TableOutcome, outcome: FileOutcome, user: str) -> None:
    """The history row of one imported sheet (its before-images are already under its number)."""
    warnings = [i.describe() for i in outcome.issues if i.severity == "warning" and i.sheet == table.sheet]
    con.execute(
        "insert into imports (import_id, imported_by, file_name, sha256, dataset, sheet, year, rows_inserted, "
        "rows_updated, rows_unchanged, warnings) values ($id, $user, $file, $sha, $dataset, $sheet, $year, $ins, "
        "$upd, $same, $warn)",
        {
            "id": table.import_id,
            "user": user,
            "file": outcome.file_name,
            "sha": outcome.sha256,
            "dataset": table.dataset.name,
            "sheet": table.sheet,
            "year": table.years[0] if len(table.years) == 1 else None,
            "ins": table.inserted,
            "upd": table.updated,
            "same": table.unchanged,
            "warn": json.dumps(warnings, ensure_ascii=False),
        },
    )
