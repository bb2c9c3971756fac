"""Rules → a report of issues, and the typed table that passes them.

Parsing happens in DuckDB over the whole sheet at once (one SQL expression per
column kind), so a million-row ledger is validated at the speed of a query.
Only the few distinct village names go through Python, to match the registry.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pyarrow as pa

from village_stats.datasets import Column, Dataset
from village_stats.reading import FOOTER_PREFIXES, MAX_CSV_LINE_BYTES, TOTAL_PATTERN, LocatedTable, normalize_text
from village_stats.settings import Settings


@dataclass(frozen=True)
class Issue:
    """One finding. `row` is the row number Excel shows; `column` the header as the file writes it."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    code: str
    message: str
    severity: str = "error"

    def describe(self) -> str:
        where = [f"文件“{self.file}”"]
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        label = "错误" if self.severity == "error" else "提醒"
        value = f"（单元格内容：{self.value}）" if self.value not in (None, "") else ""
        return f"[{label}] {'，'.join(where)}：{self.message}{value}"


def errors_in(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]


# ---- per-kind parsers, as SQL over a text cell -------------------------------------------

_DIGITS_FROM = "０１２３４５６７８９．，－＋　"
_DIGITS_TO = "0123456789.,-+ "
_NUMBER_SUFFIX = "(亿元|万元|亿|万|元)$"


def _clean_number(cell: str) -> str:
    return f"replace(replace(translate(trim({cell}), '{_DIGITS_FROM}', '{_DIGITS_TO}'), ',', ''), ' ', '')"


def _number(cell: str) -> str:
    """Digits only (no unit); at most 15 integer digits so no later arithmetic can overflow."""
    clean = _clean_number(cell)
    pattern = "'[-+]?\\d{1,15}(\\.\\d{1,8})?'"
    return f"case when regexp_full_match({clean}, {pattern}) then cast({clean} as decimal(38, 8)) end"


def _money(cell: str, factor: Decimal) -> str:
    clean = _clean_number(cell)
    digits = f"regexp_replace({clean}, '{_NUMBER_SUFFIX}', '')"
    unit = f"regexp_extract({clean}, '{_NUMBER_SUFFIX}')"
    scale = (
        f"(case {unit} when '亿元' then 100000000 when '亿' then 100000000 when '万元' then 10000 "
        f"when '万' then 10000 when '元' then 1 else {factor} end)"
    )
    value = (
        f"case when regexp_full_match({digits}, '[-+]?\\d{{1,15}}(\\.\\d{{1,8}})?') "
        f"then cast({digits} as decimal(38, 8)) end"
    )
    return f"try_cast(round({value} * {scale}, 2) as decimal(18, 2))"


_DATE_FORMATS = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y-%m-%dT%H:%M:%S', '%Y%m%d']"


def _timestamp(cell: str) -> str:
    """ISO text (what Excel dates become) is cast directly; other forms go through the slower normalisation."""
    return f"coalesce(try_cast(trim({cell}) as timestamp), {_timestamp_forms(cell)})"


def _timestamp_forms(cell: str) -> str:
    text = f"regexp_replace(regexp_replace(trim({cell}), '[年月/.]', '-', 'g'), '[日号]', '', 'g')"
    serial = (
        f"case when regexp_full_match(trim({cell}), '\\d{{5}}(\\.\\d+)?') "
        f"then timestamp '1899-12-30' + to_seconds(cast(round(cast(trim({cell}) as double) * 86400) as bigint)) end"
    )
    return f"coalesce(try_strptime({text}, {_DATE_FORMATS}), {serial})"


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def _stars(cell: str) -> str:
    text = f"replace(replace(trim({cell}), ' ', ''), '级', '')"
    chinese = " ".join(f"when '{k}星' then {v}" for k, v in _CN_DIGITS.items())
    return (
        f"case when regexp_full_match({text}, '\\d{{1,3}}(\\.0+)?星?') "
        f"then cast(regexp_extract({text}, '\\d+') as integer) "
        f"when regexp_full_match({text}, '★+☆*') then length({text}) - length(replace({text}, '★', '')) "
        f"when {text} in ('无星', '未评星', '零星') then 0 "
        f"else (case {text} {chinese} end) end"
    )


def _rating(cell: str) -> str:
    text = f"replace(trim({cell}), ' ', '')"
    return (
        f"case when {text} in ('满意', '非常满意') then 5 when {text} = '基本满意' then 3 "
        f"when {text} in ('不满意', '很不满意') then 1 "
        f"when regexp_full_match({text}, '\\d{{1,3}}(\\.0+)?') then cast(cast({text} as decimal(5, 1)) as integer) end"
    )


def _boolean(cell: str) -> str:
    text = f"lower(replace(trim({cell}), ' ', ''))"
    return (
        f"case when {text} in ('是', 'y', 'yes', 'true', '1', '√') then true "
        f"when {text} in ('否', 'n', 'no', 'false', '0', '×') then false end"
    )


def _year(cell: str) -> str:
    text = f"translate(trim({cell}), '{_DIGITS_FROM}', '{_DIGITS_TO}')"
    return f"case when regexp_full_match({text}, '\\d{{4}}(年度|年)?') then cast(left({text}, 4) as integer) end"


def parse_sql(column: Column, cell: str, factor: Decimal) -> str:
    """A SQL expression turning text cell `cell` into the column's type, NULL when it cannot."""
    kind = column.kind
    if kind == "money":
        return _money(cell, factor)
    if kind == "integer":
        number = _number(cell)
        return f"case when {number} % 1 = 0 then try_cast({number} as integer) end"
    if kind == "decimal":
        return f"try_cast({_number(cell)} as decimal(5, 1))"
    if kind == "year":
        return _year(cell)
    if kind == "timestamp":
        return _timestamp(cell)
    if kind == "date":
        return f"cast({_timestamp(cell)} as date)"
    if kind == "stars":
        return _stars(cell)
    if kind == "rating":
        return _rating(cell)
    if kind == "boolean":
        return _boolean(cell)
    return f"nullif(regexp_replace(trim({cell}), '\\s+', ' ', 'g'), '')"


PARSE_FAILURES = {
    "money": ("bad-number", "不是有效的金额，请填写数字（可带“万”“元”）"),
    "integer": ("bad-number", "应为整数"),
    "decimal": ("bad-number", "不是有效数字"),
    "year": ("bad-year", "年度应为四位年份，如 2023"),
    "timestamp": ("bad-date", "无法识别的时间，请写成 2023-05-06 14:30 或 2023年5月6日"),
    "date": ("bad-date", "无法识别的日期，请写成 2023-05-06 或 2023年5月6日"),
    "stars": ("bad-stars", "无法识别的星级，请写成 0–5、五星级、5星 或 ★★★★★"),
    "rating": ("bad-rating", "无法识别的评单，应为 满意、基本满意、不满意 或 1–5"),
    "boolean": ("bad-boolean", "应填“是”或“否”"),
}


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


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
    if table.csv_path is not None:
        _load_bulk_csv(con, table, raw_view, constants)
    else:
        _load_rows(con, table, raw_view, constants)
    columns = {"_row", *present, *constants}

    village_sql, village_issues = _village_mapping(con, table, raw_view, registry, settings)
    issues += village_issues

    selects = ["_row"]
    for column in dataset.columns:
        if column.name in columns:
            cell = f"r.{_quote(column.name)}"
            located = present.get(column.name)
            factor = table.money_factor(located) if located and column.kind == "money" else Decimal(1)
            expression = village_sql if column.kind == "village" else parse_sql(column, cell, factor)
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
        selects.append(f"{expression} as {_quote(column.name)}")
    joins = "left join village_map as vm on vm.written = r.village and vm.town = r.town" if dataset.has_village else ""
    derived = "".join(f", {d}" for d in _derived_columns(dataset))
    con.execute(
        f"create or replace temp table {_quote(view)} as select *{derived} from "
        f"(select {', '.join(selects)} from {_quote(raw_view)} as r {joins})"
    )

    issues += _cell_issues(con, table, raw_view, view, settings)
    issues += _duplicate_issues(con, table, view)
    issues += _check_issues(con, table, raw_view, view)
    issues += _total_issues(con, table, view)
    issues.sort(key=lambda i: (i.row or 0, i.severity != "error"))
    return Validated(table, issues, view)


def _load_rows(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]) -> None:
    """Temp table `raw_view`: `_row` and one text column per located column, from Python rows."""
    columns = {"_row": pa.array([row for row, _ in table.rows], pa.int32())}
    for located in table.columns:
        columns[located.column.name] = pa.array([_cell(cells, located.index) for _, cells in table.rows], pa.string())
    for name, value in constants.items():
        columns[name] = pa.array([value] * len(table.rows), pa.string())
    arrow_name = f"{raw_view}_arrow"
    con.register(arrow_name, pa.table(columns))
    con.execute(f"create or replace temp table {_quote(raw_view)} as select * from {_quote(arrow_name)}")
    con.unregister(arrow_name)


_FOOTER_SQL = "^(" + "|".join(p.rstrip("：") for p in FOOTER_PREFIXES) + ")"


def _load_bulk_csv(
    con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]
) -> None:
    """The same temp table for a bulk CSV, read by DuckDB: the body below the header, blank
    rows dropped, 合计 rows set aside (into table.total_rows), the footer and all after it cut.

    Records are numbered as Excel numbers the rows of the CSV (reading.py keeps files
    with blank lines, which DuckDB would skip, on the Python path).
    """
    width = max(table.width, *(c.index + 1 for c in table.columns))
    names = [f"c{i}" for i in range(width)]
    spec = "{" + ", ".join(f"'{n}': 'varchar'" for n in names) + "}"
    path = str(table.csv_path).replace("'", "''")
    # quoted cells may hold line breaks, which only the single-threaded reader can follow
    parallel = "false" if table.csv_quoted else "true"
    con.execute(
        f"create or replace temp table csv_lines as select * from read_csv('{path}', header = false, "
        f"auto_detect = false, columns = {spec}, delim = ',', quote = '\"', escape = '\"', "
        f"null_padding = true, strict_mode = false, parallel = {parallel}, max_line_size = {MAX_CSV_LINE_BYTES})"
    )
    trimmed = [f"nullif(trim({n}), '')" for n in names]
    first = f"replace(replace(coalesce({', '.join(trimmed)}), ' ', ''), '　', '')"
    totals = " or ".join(f"regexp_full_match(replace({t}, ' ', ''), '{TOTAL_PATTERN}')" for t in [first, *trimmed[:3]])
    # rowids follow the file's order (insertion order is kept) but a temp table's start high
    line = "(rowid - (select min(rowid) from csv_lines) + 1)"
    con.execute(
        f"create or replace temp table csv_body as select {line} as _row, {first} as _first, "
        f"coalesce({totals}, false) as _total, * from csv_lines where {line} > {table.header_row}"
    )
    con.execute(
        f"delete from csv_body where _first is null or _row >= (select min(_row) from csv_body "
        f"where regexp_matches(_first, '{_FOOTER_SQL}'))"
    )
    table.total_rows = [
        (row, list(values))
        for row, values in con.execute(
            f"select _row, [{', '.join(names)}] from csv_body where _total order by _row"
        ).fetchall()
    ]
    selected = [f"nullif(trim(c{c.index}), '') as {_quote(c.column.name)}" for c in table.columns]
    selected += [f"'{v.replace(chr(39), chr(39) * 2)}' as {_quote(n)}" for n, v in constants.items()]
    con.execute(
        f"create or replace temp table {_quote(raw_view)} as select _row, {', '.join(selected)} "
        f"from csv_body where not _total"
    )
    con.execute("drop table csv_lines")
    con.execute("drop table csv_body")


def _cell(cells: list[str | None], index: int) -> str | None:
    return cells[index] if index < len(cells) else None


def _derived_columns(dataset: Dataset) -> list[str]:
    """Columns the importer computes: a village's kind from its name, a project's key."""
    if dataset.name == "projects":
        return ["coalesce(project_id, year || '|' || town || '|' || name) as project_key"]
    return []


def _village_mapping(
    con: duckdb.DuckDBPyConnection,
    table: LocatedTable,
    raw_view: str,
    registry: dict[str, list[str]],
    settings: Settings,
) -> tuple[str, list[Issue]]:
    """Fill temp table village_map(town, written, village); unmatched names become issues."""
    con.execute("create or replace temp table village_map (town varchar, written varchar, village varchar)")
    if not table.dataset.has_village:
        return "null", []
    written_pairs = con.execute(
        f"select distinct town, village from {_quote(raw_view)} where village is not null"
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
            f"select _row from {_quote(raw_view)} where town = $town and village = $written order by _row",
            {"town": town, "written": written},
        ).fetchall()
        code = "ambiguous-village" if "多个" in problem else "unknown-village"
        issues += [Issue(table.file_name, table.sheet, r[0], header, written, code, problem) for r in rows]
    if mapped:
        con.executemany("insert into village_map values (?, ?, ?)", mapped)
    return "vm.village", issues


def _cell_issues(
    con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, view: str, settings: Settings
) -> list[Issue]:
    """Missing required values, unparseable cells, values out of range or not allowed."""
    located = {c.column.name: c for c in table.columns}
    issues: list[Issue] = []
    for column in table.dataset.columns:
        if column.name not in located:
            continue
        header = located[column.name].written
        raw_cell = f"r.{_quote(column.name)}"
        typed_cell = f"t.{_quote(column.name)}"
        rules: list[tuple[str, str, str]] = []
        if column.required:
            rules.append((f"{raw_cell} is null", "missing-value", f"“{header}”为必填项，不能为空"))
        if column.kind in PARSE_FAILURES:
            # judged on the cell itself: the typed value may already carry the column's default
            code, message = PARSE_FAILURES[column.kind]
            if column.default is None:
                parsed = typed_cell
            else:
                factor = table.money_factor(located[column.name]) if column.kind == "money" else Decimal(1)
                parsed = f"({parse_sql(column, raw_cell, factor)})"
            rules.append((f"{raw_cell} is not null and {parsed} is null", code, message))
        if column.minimum is not None:
            limit = _display_limit(column, column.minimum)
            message = "不能为负数" if column.minimum == 0 else f"不能小于 {limit}"
            rules.append((f"{typed_cell} < {_limit_sql(column, column.minimum)}", "out-of-range", message))
        if column.maximum is not None:
            limit = _display_limit(column, column.maximum)
            rules.append((f"{typed_cell} > {_limit_sql(column, column.maximum)}", "out-of-range", f"不能大于 {limit}"))
        if column.kind == "year":
            rules.append((f"{typed_cell} not between 2000 and 2100", "out-of-range", "年度应在 2000–2100 之间"))
        choices = column.choices or tuple(getattr(settings, column.choices_setting or "", ()) or ())
        if column.kind == "choice" and choices:
            allowed = ", ".join("'" + c.replace("'", "''") + "'" for c in choices)
            rules.append(
                (f"{typed_cell} not in ({allowed})", "not-allowed", f"不在可选范围内，应为：{'、'.join(choices)}")
            )
        for condition, code, message in rules:
            found = con.execute(
                f"select r._row, {raw_cell} from {_quote(raw_view)} as r join {_quote(view)} as t using (_row) "
                f"where {condition} order by r._row"
            ).fetchall()
            issues += [Issue(table.file_name, table.sheet, row, header, value, code, message) for row, value in found]
    return issues


def _limit_sql(column: Column, limit: Decimal) -> str:
    return str(limit * 10_000) if column.kind == "money" else str(limit)


def _display_limit(column: Column, limit: Decimal) -> str:
    return f"{limit}{column.unit or ''}"


def _duplicate_issues(con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str) -> list[Issue]:
    dataset = table.dataset
    key = ", ".join(_quote(k) for k in dataset.key)
    # a key with a missing part is already reported as a missing value
    complete = " and ".join(f"{_quote(k)} is not null" for k in dataset.key)
    found = con.execute(
        f"select list(_row order by _row) from {_quote(view)} where {complete} group by {key} having count(*) > 1"
    ).fetchall()
    located = {c.column.name: c.written for c in table.columns}
    shown = next((located[k] for k in dataset.key if k in located), None) or next(
        (c.written for c in table.columns if c.column.kind in ("village", "text")), None
    )
    issues = []
    for (rows,) in found:
        first, *others = rows
        for row in others:
            message = f"与第{first}行重复：同一{_key_words(dataset)}只能出现一次"
            issues.append(Issue(table.file_name, table.sheet, row, shown, None, "duplicate-key", message))
    return issues


def _key_words(dataset: Dataset) -> str:
    words = {"year": "年度", "village": "村(社区)", "name": "名称", "town": "镇"}
    parts = [words.get(k) for k in dataset.key if k in words]
    if dataset.name == "projects":
        return "项目（编号，或年度+项目名称）"
    return "+".join(p for p in parts if p) or dataset.column(dataset.key[0]).header


def _check_issues(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, view: str) -> list[Issue]:
    located = {c.column.name: c.written for c in table.columns}
    issues = []
    for check in table.dataset.checks:
        header = located.get(check.column, table.dataset.column(check.column).header)
        cell = f"r.{_quote(check.column)}" if check.column in located else "null"
        found = con.execute(
            f"select r._row, {cell} from (select _row from {_quote(view)} where {check.bad_when}) as bad "
            f"join {_quote(raw_view)} as r using (_row) order by r._row"
        ).fetchall()
        issues += [
            Issue(table.file_name, table.sheet, row, header, value, check.code, check.message, check.severity)
            for row, value in found
        ]
    return issues


def _total_issues(con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str) -> list[Issue]:
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
            written = _cell(cells, located.index)
            if written is None:
                continue
            expression = parse_sql(located.column, "$cell", table.money_factor(located))
            stated = con.execute(f"select {expression}", {"cell": written}).fetchone()
            summed = con.execute(
                f"select coalesce(sum({_quote(located.column.name)}), 0) from {_quote(view)} where _row < $row",
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
