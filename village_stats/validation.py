"""Rules → a report of issues, and the typed table that passes them.

Parsing happens in DuckDB over the whole sheet at once (one SQL expression per
column kind), so a million-row ledger is validated at the speed of a query.
Only the few distinct village names go through Python, to match the registry.

The rooms: `raw_rows` puts a sheet's cells in a temp table, `cell_sql` writes the SQL that
reads each kind of cell, `table_rules` finds what breaks a rule; this module runs them in
order over one table and matches village names against the registry.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from village_stats.cell_sql import (
    AMBIGUOUS,
    PARSE_FAILURES,
    SLASHED_FORMATS,
    parse_sql,
    quote_name,
    slashed,
    slashed_date_order,
)
from village_stats.datasets import Dataset
from village_stats.issues import Issue, errors_in
from village_stats.raw_rows import load_bulk, load_rows, unload_bulk, unreadable_line
from village_stats.reading import LocatedColumn, LocatedTable, normalize_text
from village_stats.settings import Settings
from village_stats.table_rules import (
    Rule,
    carried_columns,
    cell_rules,
    check_rules,
    duplicate_issues,
    raw_name,
    rule_issues,
    total_issues,
)

# the town and village as the sheet writes them, kept in the typed table until the village is matched
WRITTEN_TOWN, WRITTEN_VILLAGE = "_written_town", "_written_village"

# names other modules and tests reach through validation
__all__ = [
    "AMBIGUOUS",
    "PARSE_FAILURES",
    "SLASHED_FORMATS",
    "Issue",
    "Registry",
    "Rule",
    "Validated",
    "errors_in",
    "match_village",
    "parse_sql",
    "raw_name",
    "resolve_year",
    "slashed_date_order",
    "validate_table",
]

# ---- village names against the registry --------------------------------------------------


def _short(name: str) -> str:
    return name[:-1] if name.endswith("村") else name


class Registry:
    """One town's village and community names, indexed once for matching many written names."""

    def __init__(self, names: list[str]) -> None:
        self.by_normal = {normalize_text(name): name for name in names}
        self.by_short: dict[str, list[str]] = {}
        for normal, name in self.by_normal.items():
            self.by_short.setdefault(_short(normal), []).append(name)

    def match(self, written: str) -> tuple[str | None, str]:
        """The registry name a written name means, or None and a Chinese explanation.

        Tolerates spaces, full-width characters and a missing or extra 村 when exactly
        one registry name fits; otherwise names the closest registry names.
        """
        wanted = normalize_text(written)
        if wanted in self.by_normal:
            return self.by_normal[wanted], ""
        loose = self.by_short.get(_short(wanted), [])
        if len(loose) == 1:
            return loose[0], ""
        if len(loose) > 1:
            return None, f"{written} 可对应多个村(社区)：{'、'.join(loose)}，请写全称"
        close = difflib.get_close_matches(wanted, list(self.by_normal), n=3, cutoff=0.5)
        if close:
            return None, f"{written} 不在村(社区)名录中，是否为 {'、'.join(self.by_normal[c] for c in close)}？"
        return None, f"{written} 不在村(社区)名录中，请先导入或补充村(社区)名录"


def match_village(written: str, registry: list[str]) -> tuple[str | None, str]:
    """`Registry(registry).match(written)`, for a single name."""
    return Registry(registry).match(written)


# ---- the whole table --------------------------------------------------------------------


@dataclass
class Validated:
    """The outcome of validating one located table: issues, and the typed rows in `typed_view`."""

    table: LocatedTable
    issues: list[Issue]
    typed_view: str | None  # name of a temp table holding `_row` + the dataset's columns

    @property
    def ok(self) -> bool:
        return self.typed_view is not None and not errors_in(self.issues)


def resolve_year(table: LocatedTable, year: int | None) -> tuple[int | None, Issue | None]:
    """The year for a sheet without a 年度 column: its title/sheet/file name, or the one given."""
    hint = table.year_hint
    if hint and year and hint != year:
        message = f"表格标题或文件名显示为 {hint} 年，与指定的 {year} 年不一致，请核对"
        return None, Issue(table.file_name, table.sheet, None, None, None, "year-conflict", message)
    if hint or year:
        return hint or year, None
    message = "无法确定年度：表中没有“年度”列，标题、工作表名和文件名中也没有年份，请指定年度"
    return None, Issue(table.file_name, table.sheet, None, None, None, "missing-year", message)


def validate_table(
    con: duckdb.DuckDBPyConnection,
    table: LocatedTable,
    settings: Settings,
    registry: dict[str, list[str]],
    year: int | None = None,
    view: str = "typed",
) -> Validated:
    """Parse and check every row of `table` into temp table `view`; collect all issues.

    `registry` maps town → its village and community names (for matching).
    """
    dataset = table.dataset
    present = {c.column.name: c for c in table.columns}
    if table.clashes:
        return Validated(table, [_clash_issue(table, claimants) for claimants in table.clashes], None)
    issues: list[Issue] = []

    constants: dict[str, str] = {}
    if "town" not in present:
        constants["town"] = settings.town
    if "year" not in present and any(c.name == "year" for c in dataset.columns):
        resolved, problem = resolve_year(table, year)
        if problem:
            return Validated(table, [problem], None)
        constants["year"] = str(resolved)
    raw_view = f"{view}_raw"
    if table.bulk:
        try:
            load_bulk(con, table, raw_view, constants)
        except duckdb.InvalidInputException as error:
            return Validated(table, [unreadable_line(table, error)], None)
        _checks_done(table)
    else:
        load_rows(con, table, raw_view, constants)
    columns = {"_row", *present, *constants}

    issues += _village_mapping(con, table, raw_view, registry, settings)

    _create_typed(con, table, view, raw_view, columns)
    rules = [*cell_rules(table, settings), *check_rules(table)]
    found = rule_issues(con, table, view, raw_view, rules)
    order = slashed_date_order([i.value for i in found if i.code == "bad-date" and i.value])
    if order in SLASHED_FORMATS:
        # an English-locale office suite's dates (12/20/2023): read again, the way the sheet shows they read
        _create_typed(con, table, view, raw_view, columns, order)
        rules = [*cell_rules(table, settings, order), *check_rules(table, order)]
        found = rule_issues(con, table, view, raw_view, rules)
    elif order == AMBIGUOUS:
        found = [i for i in found if not (i.code == "bad-date" and slashed(i.value))]
        found.append(_ambiguous_dates(table))
    issues += found
    if table.bulk:
        unload_bulk(con, table, raw_view)
    else:
        con.execute(f"drop table {quote_name(raw_view)}")
    issues += duplicate_issues(con, table, view)
    issues += total_issues(con, table, view)
    issues.sort(key=lambda i: (i.row or 0, i.severity != "error"))
    return Validated(table, issues, view)


def _checks_done(table: LocatedTable) -> None:
    """Wait for a streamed CSV's checks, which run beside DuckDB's read (csv_files.stream_bulk_csv):
    they tell whether the control-character rule can fire, or raise ReadWhole for a file that needs
    the Python reader after all (the import, still uncommitted, then starts again that way).
    Waited for here, before any rule; a table refused before its rows are read is never committed,
    and the importer waits for its checks afterwards (loading._import_streamed)."""
    if table.checking is not None:
        table.control_free = not table.checking.result()
        table.checking = None


def _clash_issue(table: LocatedTable, claimants: list[LocatedColumn]) -> Issue:
    """Two visible columns for one field: which of them holds the figures is the clerk's call, not ours."""
    named = "和".join(f"{c.letter}列“{c.written}”" for c in claimants)
    message = (
        f"{named}都对应“{claimants[0].column.header}”，无法确定以哪一列为准：请删除或改名多余的一列"
        "（留作参考的旧数据列也可以隐藏：隐藏列不会代替可见列导入）"
    )
    where = claimants[0]
    return Issue(table.file_name, table.sheet, table.header_row, where.written, None, "duplicate-column", message)


def _create_typed(
    con: duckdb.DuckDBPyConnection,
    table: LocatedTable,
    view: str,
    raw_view: str,
    columns: set[str],
    order: str | None = None,
) -> None:
    """Temp table `view`: each row of `raw_view` parsed into the dataset's types (NULL where a cell
    cannot be read), plus the cells some rules must see as written. `order`: see `slashed_date_order`."""
    dataset = table.dataset
    present = {c.column.name: c for c in table.columns}
    selects = ["_row"]
    for column in dataset.columns:
        if column.name in columns:
            cell = f"r.{quote_name(column.name)}"
            located = present.get(column.name)
            factor = table.money_factor(located) if located and column.kind == "money" else Decimal(1)
            gate = "r._inner" if table.bulk else None
            if column.kind == "village":
                expression = "cast(null as varchar)"  # matched after the rows are typed (village_map)
            else:
                expression = parse_sql(column, cell, factor, gate, order)
            if column.default is not None:
                expression = f"coalesce({expression}, {parse_sql(column, repr(column.default), factor)})"
        elif column.default is not None:
            # a default is written as the sheet would write it (软弱涣散 “否”), so it goes through the parser
            expression = parse_sql(column, repr(column.default), Decimal(1))
        else:
            expression = f"cast(null as {column.sql_type})"
        if dataset.name == "villages" and column.name == "kind":
            # 类型 may be left out: a name ending in 社区 is a community, anything else a village
            expression = f"coalesce({expression}, case when r.name like '%社区' then '社区' else '村' end)"
        selects.append(f"{expression} as {quote_name(column.name)}")
    selects += [f"r.{quote_name(name)} as {quote_name(raw_name(name))}" for name in carried_columns(table)]
    matched = _writes_villages(table)
    if matched:
        selects += [f"r.town as {WRITTEN_TOWN}", f"r.village as {WRITTEN_VILLAGE}"]
    derived = "".join(f", {d}" for d in _derived_columns(dataset))
    computed = ", ".join(f"coalesce({quote_name(c)}, {sql}) as {quote_name(c)}" for c, sql in dataset.computed)
    star = f"* replace ({computed})" if computed else "*"
    con.execute(
        f"create or replace temp table {quote_name(view)} as select {star}{derived} from "
        f"(select {', '.join(selects)} from {quote_name(raw_view)} as r)"
    )
    if matched:
        # matched here, not by a join in the statement above: a join on more than one thread
        # keeps no row order, and the rows are stored in the order the file has them
        con.execute(
            f"update {quote_name(view)} as t set village = vm.village from village_map as vm "
            f"where vm.town = t.{WRITTEN_TOWN} and vm.written = t.{WRITTEN_VILLAGE}"
        )


def _ambiguous_dates(table: LocatedTable) -> Issue:
    """One file-level error for a sheet whose slashed dates read either way, instead of one per cell."""
    headers = [c.written for c in table.columns if c.column.kind in ("date", "timestamp")]
    message = (
        f"“{'”“'.join(headers)}”中的日期写成“月/日/年”或“日/月/年”（如 3/4/2023），"
        "而表中没有一个数大于 12，无法判断哪个是月、哪个是日（3/4 可能是3月4日，也可能是4月3日）。"
        "这类日期多来自英文版 Office/WPS：请把这些列的单元格格式改为“2023-03-04”这样的年-月-日格式后重新导入"
    )
    return Issue(table.file_name, table.sheet, None, headers[0] if headers else None, None, "ambiguous-date", message)


def _derived_columns(dataset: Dataset) -> list[str]:
    """Columns the importer computes: a village's kind from its name, a project's key."""
    if dataset.name == "projects":
        return ["coalesce(project_id, year || '|' || town || '|' || name) as project_key"]
    return []


def _writes_villages(table: LocatedTable) -> bool:
    """Whether the sheet has village names to match: a project list may leave the column out
    (every project the town's own, as a blank cell says)."""
    return any(c.column.kind == "village" for c in table.columns)


def _village_mapping(
    con: duckdb.DuckDBPyConnection,
    table: LocatedTable,
    raw_view: str,
    registry: dict[str, list[str]],
    settings: Settings,
) -> list[Issue]:
    """Fill temp table village_map(town, written, village); unmatched names become issues."""
    con.execute("create or replace temp table village_map (town varchar, written varchar, village varchar)")
    if not _writes_villages(table):
        return []
    written_pairs = con.execute(
        f"select distinct town, village from {quote_name(raw_view)} where village is not null"
    ).fetchall()
    issues: list[Issue] = []
    mapped = []
    header = next(c.written for c in table.columns if c.column.kind == "village")
    indexes: dict[str, Registry] = {}
    for town, written in written_pairs:
        if town not in indexes:
            indexes[town] = Registry(registry.get(town, []))
        name, problem = indexes[town].match(written)
        if name:
            mapped.append((town, written, name))
            continue
        rows = con.execute(
            f"select _row from {quote_name(raw_view)} where town = $town and village = $written order by _row",
            {"town": town, "written": written},
        ).fetchall()
        code = "ambiguous-village" if "多个" in problem else "unknown-village"
        issues += [Issue(table.file_name, table.sheet, r[0], header, written, code, problem) for r in rows]
    if mapped:
        # three thousand names through executemany take most of a second; as three list
        # parameters, none (an Arrow batch would do too, but registering one imports pandas)
        towns, written_names, names = (list(c) for c in zip(*mapped, strict=True))
        con.execute(
            "insert into village_map select unnest($towns), unnest($written), unnest($names)",
            {"towns": towns, "written": written_names, "names": names},
        )
    return issues
