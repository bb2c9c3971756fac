"""Every rule, for every row of a typed table: missing and unreadable cells, ranges and allowed
values, the dataset's checks across columns, repeated keys and 合计 rows that disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from village_stats.cell_sql import PARSE_FAILURES, parse_sql, quote_name
from village_stats.datasets import Check, Column, Dataset
from village_stats.formatting import printable
from village_stats.issues import Issue
from village_stats.raw_rows import cell_at
from village_stats.reading import LocatedTable, normalize_text
from village_stats.settings import Settings


def raw_name(column: str) -> str:
    """The typed table's copy of a column's cells as the file writes them (trimmed text)."""
    return f"_raw_{column}"


def carried_columns(table: LocatedTable) -> list[str]:
    """Columns whose cells as written ride along in the typed table: where NULL there does
    not tell a blank cell from an unreadable one (an optional date, a column with a default).
    Other columns' cells are fetched only for rows that break a rule."""
    present = {c.column.name for c in table.columns}
    return [
        c.name
        for c in table.dataset.columns
        if c.name in present and (c.default is not None or (not c.required and c.kind in PARSE_FAILURES))
    ]


@dataclass(frozen=True)
class Rule:
    """One rule on one column: rows where `condition` holds break it.

    `condition` may use the typed columns and the cells as written (`_raw_<column>`);
    `screen` uses typed columns only and holds wherever `condition` does, so one scan
    of the typed table finds the few rows worth a closer look.
    """

    header: str
    cell: str  # the cell shown in the issue (as written)
    condition: str
    screen: str
    code: str
    message: str
    severity: str = "error"


def _unreadable(table: LocatedTable, column: Column, order: str | None = None) -> str:
    """SQL, true where the row's `column` cell is written but cannot be read.

    The parse-failure rule reports it; every other rule reading that column skips the row
    (one cell, one error: an unreadable 晒单时间 is not also a rating without a 晒单时间).
    Judged on the cell itself where the typed value may carry a default or a computed value.
    """
    raw_cell = quote_name(raw_name(column.name))
    if column.default is None and column.name not in dict(table.dataset.computed):
        parsed = quote_name(column.name)
    else:
        located = next(c for c in table.columns if c.column.name == column.name)
        factor = table.money_factor(located) if column.kind == "money" else Decimal(1)
        parsed = f"({parse_sql(column, raw_cell, factor, order=order)})"
    return f"{raw_cell} is not null and {parsed} is null"


def cell_rules(table: LocatedTable, settings: Settings, order: str | None = None) -> list[Rule]:
    """Missing required values, unparseable cells, values out of range or not allowed."""
    located = {c.column.name: c for c in table.columns}
    carried = set(carried_columns(table))
    rules: list[Rule] = []
    for column in table.dataset.columns:
        if column.name not in located:
            continue
        header = located[column.name].written
        raw_cell = quote_name(raw_name(column.name))
        typed_cell = quote_name(column.name)
        # a blank or unreadable cell leaves the typed value NULL; if the cell rides along, ask it
        may_be_bad = None if column.name in carried else f"{typed_cell} is null"
        if column.required:
            condition = f"{raw_cell} is null"
            rules.append(
                Rule(
                    header,
                    raw_cell,
                    condition,
                    may_be_bad or condition,
                    "missing-value",
                    f"“{header}”为必填项，不能为空",
                )
            )
        if column.kind in PARSE_FAILURES:
            code, message = PARSE_FAILURES[column.kind]
            condition = _unreadable(table, column, order)
            rules.append(Rule(header, raw_cell, condition, may_be_bad or condition, code, message))
        typed_rules: list[tuple[str, str, str]] = []
        if column.minimum is not None:
            limit = _display_limit(column, column.minimum)
            message = "不能为负数" if column.minimum == 0 else f"不能小于 {limit}"
            typed_rules.append((f"{typed_cell} < {_limit_sql(column, column.minimum)}", "out-of-range", message))
        if column.maximum is not None:
            limit = _display_limit(column, column.maximum)
            message = f"不能大于 {limit}"
            typed_rules.append((f"{typed_cell} > {_limit_sql(column, column.maximum)}", "out-of-range", message))
        if column.kind == "year":
            typed_rules.append((f"{typed_cell} not between 2000 and 2100", "out-of-range", "年度应在 2000–2100 之间"))
        choices = column.choices or tuple(getattr(settings, column.choices_setting or "", ()) or ())
        if column.kind == "choice" and choices:
            allowed = ", ".join("'" + c.replace("'", "''") + "'" for c in choices)
            message = f"不在可选范围内，应为：{'、'.join(choices)}"
            typed_rules.append((f"{typed_cell} not in ({allowed})", "not-allowed", message))
        rules += [Rule(header, raw_cell, c, c, code, message) for c, code, message in typed_rules]
        # text; other kinds already fail to parse such a cell. A file the reader saw whole without one
        # needs no test: on long free text it cost more CPU than every other rule together
        if column.kind not in PARSE_FAILURES and not table.control_free:
            rules.append(
                Rule(
                    header,
                    raw_cell,
                    f"regexp_matches({raw_cell}, {_CONTROL_PATTERN})",
                    # a text cell keeps its control characters when typed; a village cell that had
                    # one matched no registry name and is NULL
                    f"(regexp_matches({typed_cell}::varchar, {_CONTROL_PATTERN}) or {typed_cell} is null)",
                    "control-character",
                    "含有控制字符（如 ESC、退格等不可见字符），不能作为文字导入；请在表格中删除后重新导入",
                )
            )
    return rules


# formatting.CONTROL_CHARACTERS in RE2: text is text, a name with ESC would reach terminals and documents
_CONTROL_PATTERN = "'[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]'"


def check_rules(table: LocatedTable, order: str | None = None) -> list[Rule]:
    """The dataset's checks across columns (step order, components that must add up …), each
    skipping rows where a cell it reads could not be read (that cell has its own error)."""
    located = {c.column.name: c.written for c in table.columns}
    rules = []
    for check in table.dataset.checks:
        condition = check.bad_when
        for column in _columns_read(table, check):
            condition = f"({condition}) and not ({_unreadable(table, column, order)})"
        rules.append(
            Rule(
                located.get(check.column, table.dataset.column(check.column).header),
                quote_name(raw_name(check.column)) if check.column in located else "null",
                condition,
                check.bad_when,
                check.code,
                check.message,
                check.severity,
            )
        )
    return rules


def _columns_read(table: LocatedTable, check: Check) -> list[Column]:
    """The sheet's columns with a parser that `check.bad_when` names."""
    present = {c.column.name for c in table.columns}
    return [
        c
        for c in table.dataset.columns
        if c.name in present and c.kind in PARSE_FAILURES and re.search(rf"\b{c.name}\b", check.bad_when)
    ]


def rule_issues(
    con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str, raw_view: str, rules: list[Rule]
) -> list[Issue]:
    """Every rule, for every row.

    One scan of the typed table with the screens finds the suspect rows (none, in a
    clean ledger); only those are joined with the cells as written and judged exactly,
    each rule as a filtered list, so the whole lot costs two queries, not one per rule.
    """
    if not rules:
        return []
    screens = " or ".join(f"coalesce({r.screen}, false)" for r in rules)
    # asked first: the screens read a few columns, a copy of the suspects reads them all (the long text too)
    if not con.execute(f"select exists (select 1 from {quote_name(view)} where {screens})").fetchone()[0]:
        return []
    con.execute(f"create or replace temp table suspects as select * from {quote_name(view)} where {screens}")
    present = [c.column.name for c in table.columns]
    carried = set(carried_columns(table))
    raw_cells = [f"r.{quote_name(n)} as {quote_name(raw_name(n))}" for n in present if n not in carried]
    con.execute(
        f"create or replace temp table suspects as select s.*{''.join(', ' + c for c in raw_cells)} "
        f"from suspects as s join {quote_name(raw_view)} as r using (_row)"
    )
    lists = [f"list([_row::varchar, {r.cell}::varchar] order by _row) filter (where {r.condition})" for r in rules]
    found = con.execute(f"select {', '.join(lists)} from suspects").fetchone()
    con.execute("drop table suspects")
    assert found is not None
    return [
        Issue(table.file_name, table.sheet, int(row), rule.header, _shown(cell), rule.code, rule.message, rule.severity)
        for rule, hits in zip(rules, found, strict=True)
        for row, cell in hits or []
    ]


def _shown(cell: str | None) -> str | None:
    """A cell as an issue quotes it: control characters made visible (the report goes to terminals too)."""
    return None if cell is None else printable(cell)


def _limit_sql(column: Column, limit: Decimal) -> str:
    return str(limit * 10_000) if column.kind == "money" else str(limit)


def _display_limit(column: Column, limit: Decimal) -> str:
    return f"{limit}{column.unit or ''}"


def duplicate_issues(con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str) -> list[Issue]:
    dataset = table.dataset
    key = ", ".join(quote_name(k) for k in dataset.key)
    # a key with a missing part is already reported as a missing value
    complete = " and ".join(f"{quote_name(k)} is not null" for k in dataset.key)
    repeated = f"from {quote_name(view)} where {complete} group by {key} having count(*) > 1"
    found = []
    # most files have none: finding the repeated keys costs half of collecting every key's rows
    if con.execute(f"select exists (select {key} {repeated})").fetchone()[0]:
        named = _key_named_by(dataset)
        values = ", ".join(f"any_value({quote_name(n)})" for n in named)
        found = [
            (rows, dict(zip(named, rest, strict=True)))
            for rows, *rest in con.execute(f"select list(_row order by _row), {values} {repeated}").fetchall()
        ]
    located = {c.column.name: c.written for c in table.columns}
    shown = next((located[k] for k in dataset.key if k in located), None) or next(
        (c.written for c in table.columns if c.column.kind in ("village", "text")), None
    )
    issues = []
    for rows, values in found:
        where = "、".join(f"第{r}行" for r in rows)
        said = f"{_key_text(dataset, values, 'town' in located)} 出现{_times(len(rows))}（{where}）"
        message = f"{said}：同一{_key_words(dataset)}只能出现一次"
        issues += [Issue(table.file_name, table.sheet, row, shown, None, "duplicate-key", message) for row in rows[1:]]
    return issues


def _key_named_by(dataset: Dataset) -> tuple[str, ...]:
    """The typed columns a repeated key is told by: the key, or for a project its number, year and name."""
    return ("project_id", "year", "name") if dataset.name == "projects" else dataset.key


def _key_text(dataset: Dataset, values: dict[str, object], several_towns: bool) -> str:
    """A key as a clerk finds it in the sheet: 桃源村 2023年, 工单编号 WD2030-0001, 2030年 村道硬化.

    The town is named only when the file has a town column (otherwise it is the configured town).
    """
    if dataset.name == "projects" and values["project_id"] is not None:
        values = {"project_id": values["project_id"]}
    elif dataset.name == "projects":
        values = {"year": values["year"], "name": values["name"]}
    if len(values) == 1:
        ((name, value),) = values.items()
        return f"{dataset.column(name).header} {value}"
    parts = []
    for name in ("town", *(n for n in values if n not in ("town", "year")), "year"):
        if name not in values or (name == "town" and not several_towns):
            continue
        parts.append(f"{values[name]}年" if name == "year" else str(values[name]))
    return " ".join(parts)


def _times(count: int) -> str:
    return f"{'两三四五六七八九十'[count - 2]}次" if 2 <= count <= 10 else f"{count}次"


def _key_words(dataset: Dataset) -> str:
    words = {"year": "年度", "village": "村(社区)", "name": "名称", "town": "镇"}
    parts = [words.get(k) for k in dataset.key if k in words]
    if dataset.name == "projects":
        return "项目（编号，或年度+项目名称）"
    return "+".join(p for p in parts if p) or dataset.column(dataset.key[0]).header


def total_issues(con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str) -> list[Issue]:
    """A 合计/总计 row that disagrees with the sum of the rows above it is worth a warning.

    小计 rows are left alone: what they subtotal (a 片区, a year) is not written down.
    """
    issues = []
    money = [c for c in table.columns if c.column.kind == "money"]
    for row, cells in table.total_rows:
        labels = [normalize_text(c) for c in cells if c]
        if not money or any("小计" in label for label in labels):
            continue
        for located in money:
            written = cell_at(cells, located.index)
            if written is None:
                continue
            expression = parse_sql(located.column, "$cell", table.money_factor(located))
            stated = con.execute(f"select {expression}", {"cell": written}).fetchone()
            summed = con.execute(
                f"select coalesce(sum({quote_name(located.column.name)}), 0) from {quote_name(view)} where _row < $row",
                {"row": row},
            ).fetchone()
            if stated and stated[0] is not None and summed and abs(stated[0] - summed[0]) > 100:
                message = f"合计行与上方各行之和不符：各行合计为 {summed[0] / 10000:.2f} 万元，请核对"
                issues.append(
                    Issue(
                        table.file_name,
                        table.sheet,
                        row,
                        located.written,
                        written,
                        "total-mismatch",
                        message,
                        "warning",
                    )
                )
    return issues
