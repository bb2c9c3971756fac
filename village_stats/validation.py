"""Rules → a report of issues, and the typed table that passes them.

Parsing happens in DuckDB over the whole sheet at once (one SQL expression per
column kind), so a million-row ledger is validated at the speed of a query.
Only the few distinct village names go through Python, to match the registry.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from village_stats.datasets import Check, Column, Dataset
from village_stats.formatting import printable
from village_stats.reading import (
    FOOTER_PREFIXES,
    MAX_CSV_LINE_BYTES,
    TOTAL_PATTERN,
    LocatedColumn,
    LocatedTable,
    normalize_text,
)
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


# day and month as an English-locale office suite writes them, the year last: 12/20/2023 03:27:00
SLASHED_FORMATS = {
    "mdy": "['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y']",
    "dmy": "['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y']",
}
AMBIGUOUS = "ambiguous"
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/\d{4}(?:\s.*)?")


def _slashed(text: str | None) -> re.Match[str] | None:
    return _SLASHED.fullmatch(text) if text else None


def slashed_date_order(cells: list[str]) -> str | None:
    """How a sheet's `12/20/2023`-style dates read, from the cells no other form could read.

    "mdy" when some second number is over 12 (a day) and no first one is, "dmy" the other
    way round, AMBIGUOUS when no number is over 12 (3/4/2023 may be either), None when
    there are no such cells or they contradict each other (each is then its own error).
    """
    pairs = [(int(m.group(1)), int(m.group(2))) for m in map(_slashed, cells) if m]
    if not pairs:
        return None
    first_is_day = any(first > 12 for first, _ in pairs)
    second_is_day = any(second > 12 for _, second in pairs)
    if first_is_day and second_is_day:
        return None
    if first_is_day or second_is_day:
        return "dmy" if first_is_day else "mdy"
    return AMBIGUOUS


def _ambiguous_dates(table: LocatedTable) -> Issue:
    """One file-level error for a sheet whose slashed dates read either way, instead of one per cell."""
    headers = [c.written for c in table.columns if c.column.kind in ("date", "timestamp")]
    message = (
        f"“{'”“'.join(headers)}”中的日期写成“月/日/年”或“日/月/年”（如 3/4/2023），"
        "而表中没有一个数大于 12，无法判断哪个是月、哪个是日（3/4 可能是3月4日，也可能是4月3日）。"
        "这类日期多来自英文版 Office/WPS：请把这些列的单元格格式改为“2023-03-04”这样的年-月-日格式后重新导入"
    )
    return Issue(table.file_name, table.sheet, None, headers[0] if headers else None, None, "ambiguous-date", message)


def _timestamp(cell: str, order: str | None = None) -> str:
    """ISO text (what Excel dates become) is cast directly; other forms go through the slower normalisation.

    The guard for blank cells is not decoration: without it DuckDB runs the whole
    fallback chain for every row of a vector holding one blank (6% of the
    instructions of a million-row import with one optional date column).
    """
    slashed = f"try_strptime({cell}, {SLASHED_FORMATS[order]}), " if order else ""
    parsed = f"coalesce(try_cast({cell} as timestamp), {slashed}{_timestamp_forms(cell)})"
    return f"case when {cell} is null then null else {parsed} end"


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


def _text(cell: str, gate: str | None = None) -> str:
    """Runs of spaces, tabs and line breaks inside a cell become one space.

    Few cells have any, and six substring tests cost a fifth of the regular
    expression, so only those cells go through it; `gate`, when given, is a
    per-row flag that is false when no cell of the row can have any (see
    `_line_flags`), which spares the six tests on nearly every row.
    """
    odd = " or ".join(f"contains({cell}, {s})" for s in _INNER_SPACES)
    if gate:
        odd = f"{gate} and ({odd})"
    return f"case when {odd} then nullif(regexp_replace(trim({cell}), '\\s+', ' ', 'g'), '') else {cell} end"


_INNER_SPACES = ("'  '", "chr(9)", "chr(10)", "chr(13)", "chr(12)", "chr(11)")


def _compact(cell: str) -> str:
    """Half-width digits, no spaces, upper case: the form period and birth-year cells are matched in."""
    return f"upper(replace(replace(translate(trim({cell}), '{_DIGITS_FROM}', '{_DIGITS_TO}'), ' ', ''), '\t', ''))"


def _period(cell: str) -> str:
    """`2024`, `2024-03`, `2024Q1` and what ledgers write for them (2024年3月, 2024年第一季度, an
    Excel date on the 1st of the month) → the canonical `2024`, `2024-03` or `2024Q1`."""
    text = _compact(cell)
    month = f"try_cast(regexp_extract({text}, '^\\d{{4}}[-/.年](\\d{{1,2}})', 1) as integer)"
    quarter = f"translate(regexp_extract({text}, '([1-4一二三四])(季度|季)?$', 1), '一二三四', '1234')"
    return (
        f"case when regexp_full_match({text}, '\\d{{4}}(年度|年)?') then left({text}, 4) "
        f"when regexp_full_match({text}, '\\d{{4}}[-/.年]\\d{{1,2}}(月份|月)?') and {month} between 1 and 12 "
        f"then left({text}, 4) || '-' || lpad(cast({month} as varchar), 2, '0') "
        f"when regexp_full_match({text}, '\\d{{4}}-\\d{{2}}-01(00:00:00)?') and {month} between 1 and 12 "
        f"then left({text}, 7) "
        f"when regexp_full_match({text}, '\\d{{4}}(年|-)?(第)?(Q[1-4]|[1-4一二三四](季度|季))') "
        f"then left({text}, 4) || 'Q' || {quarter} end"
    )


def _birth_year(cell: str) -> str:
    """1985, 1985.06, 1985年6月, 1985-06-15 (an Excel date) → 1985."""
    text = _compact(cell)
    pattern = "'\\d{4}(年)?([-/.年]\\d{1,2}(月)?([-/.]\\d{1,2}(日)?)?)?(00:00:00)?'"
    return f"case when regexp_full_match({text}, {pattern}) then cast(left({text}, 4) as integer) end"


def parse_sql(column: Column, cell: str, factor: Decimal, gate: str | None = None, order: str | None = None) -> str:
    """A SQL expression turning text cell `cell` into the column's type, NULL when it cannot.

    `cell` holds text as the readers leave it: trimmed, and NULL for a blank cell.
    `gate`: see `_text`; `order`: how the sheet's 12/20/2023-style dates read (`slashed_date_order`).
    """
    kind = column.kind
    if kind == "money":
        return _money(cell, factor)
    if kind == "integer":
        number = _number(cell)
        return f"case when {number} % 1 = 0 then try_cast({number} as integer) end"
    if kind == "decimal":
        return f"try_cast({_number(cell)} as decimal(5, 1))"
    if kind == "points":
        return f"try_cast({_number(cell)} as decimal(6, 1))"
    if kind == "deduction":
        # a deduction is stored positive; ledgers write it as 5 or as -5
        return f"try_cast(abs({_number(cell)}) as decimal(6, 1))"
    if kind == "period":
        return _period(cell)
    if kind == "birth_year":
        return _birth_year(cell)
    if kind == "year":
        return _year(cell)
    if kind == "timestamp":
        return _timestamp(cell, order)
    if kind == "date":
        return f"cast({_timestamp(cell, order)} as date)"
    if kind == "stars":
        return _stars(cell)
    if kind == "rating":
        return _rating(cell)
    if kind == "boolean":
        return _boolean(cell)
    return _text(cell, gate)


PARSE_FAILURES = {
    "money": ("bad-number", "不是有效的金额，请填写数字（可带“万”“元”）"),
    "integer": ("bad-number", "应为整数"),
    "decimal": ("bad-number", "不是有效数字"),
    "points": ("bad-number", "不是有效的分值，请填写数字（最多一位小数）"),
    "deduction": ("bad-number", "不是有效的分值，请填写数字（最多一位小数）"),
    "period": ("bad-period", "无法识别的积分周期，请写成 2024（年度）、2024-03（月）或 2024Q1（季度）"),
    "birth_year": ("bad-birth-year", "无法识别的出生年份，请写成 1985、1985.06 或 1985年6月"),
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


def raw_name(column: str) -> str:
    """The typed table's copy of a column's cells as the file writes them (trimmed text)."""
    return f"_raw_{column}"


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
            _load_bulk(con, table, raw_view, constants)
        except duckdb.InvalidInputException as error:
            return Validated(table, [_unreadable_line(table, error)], None)
    else:
        _load_rows(con, table, raw_view, constants)
    columns = {"_row", *present, *constants}

    village_sql, village_issues = _village_mapping(con, table, raw_view, registry, settings)
    issues += village_issues

    _create_typed(con, table, view, raw_view, columns, village_sql)
    rules = [*_cell_rules(table, settings), *_check_rules(table)]
    found = _rule_issues(con, table, view, raw_view, rules)
    order = slashed_date_order([i.value for i in found if i.code == "bad-date" and i.value])
    if order in SLASHED_FORMATS:
        # an English-locale office suite's dates (12/20/2023): read again, the way the sheet shows they read
        _create_typed(con, table, view, raw_view, columns, village_sql, order)
        rules = [*_cell_rules(table, settings, order), *_check_rules(table, order)]
        found = _rule_issues(con, table, view, raw_view, rules)
    elif order == AMBIGUOUS:
        found = [i for i in found if not (i.code == "bad-date" and _slashed(i.value))]
        found.append(_ambiguous_dates(table))
    issues += found
    if table.bulk:
        con.execute(f"drop view {_quote(raw_view)}")
        con.execute("drop table csv_lines")
    else:
        con.execute(f"drop table {_quote(raw_view)}")
    issues += _duplicate_issues(con, table, view)
    issues += _total_issues(con, table, view)
    issues.sort(key=lambda i: (i.row or 0, i.severity != "error"))
    return Validated(table, issues, view)


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
    village_sql: str,
    order: str | None = None,
) -> None:
    """Temp table `view`: each row of `raw_view` parsed into the dataset's types (NULL where a cell
    cannot be read), plus the cells some rules must see as written. `order`: see `slashed_date_order`."""
    dataset = table.dataset
    present = {c.column.name: c for c in table.columns}
    selects = ["_row"]
    for column in dataset.columns:
        if column.name in columns:
            cell = f"r.{_quote(column.name)}"
            located = present.get(column.name)
            factor = table.money_factor(located) if located and column.kind == "money" else Decimal(1)
            gate = "r._inner" if table.bulk else None
            expression = village_sql if column.kind == "village" else parse_sql(column, cell, factor, gate, order)
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
    selects += [f"r.{_quote(name)} as {_quote(raw_name(name))}" for name in _carried(table)]
    joins = "left join village_map as vm on vm.written = r.village and vm.town = r.town" if dataset.has_village else ""
    derived = "".join(f", {d}" for d in _derived_columns(dataset))
    computed = ", ".join(f"coalesce({_quote(c)}, {sql}) as {_quote(c)}" for c, sql in dataset.computed)
    star = f"* replace ({computed})" if computed else "*"
    con.execute(
        f"create or replace temp table {_quote(view)} as select {star}{derived} from "
        f"(select {', '.join(selects)} from {_quote(raw_view)} as r {joins})"
    )


def _load_rows(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]) -> None:
    """Temp table `raw_view`: `_row` and one text column per located column, from Python rows.

    The columns go in as list parameters, unnested side by side (an Arrow table would
    do as well, but registering one makes DuckDB import pandas: 0.6 s per CLI import).
    """
    columns: dict[str, list[object]] = {"_row": [row for row, _ in table.rows]}
    for located in table.columns:
        columns[located.column.name] = [_cell(cells, located.index) for _, cells in table.rows]
    parameters = {f"p{i}": values for i, values in enumerate(columns.values())}
    types = ["integer"] + ["varchar"] * (len(columns) - 1)
    selected = [
        f"unnest(cast(${p} as {kind}[])) as {_quote(name)}"
        for p, kind, name in zip(parameters, types, columns, strict=True)
    ]
    selected += [f"'{v.replace(chr(39), chr(39) * 2)}' as {_quote(n)}" for n, v in constants.items()]
    con.execute(f"create or replace temp table {_quote(raw_view)} as select {', '.join(selected)}", parameters)


_FOOTER_SQL = "^(" + "|".join(p.rstrip("：") for p in FOOTER_PREFIXES) + ")"


def _load_bulk(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]) -> None:
    """The same rows for a bulk CSV (read by DuckDB) or a long sheet (Arrow columns from the
    workbook reader), as a temp view: the body below the header, blank rows dropped, 合计
    rows set aside (into table.total_rows), the footer and all after it cut.

    Records are numbered as Excel numbers the rows (reading.py keeps CSV files with
    blank lines, which DuckDB would skip, on the Python path). The cells are put in a
    table once; finding the footer and the 合计 rows is one more scan that returns only
    those few lines, and the view is read once, by the typed table.
    """
    width = max(table.width, *(c.index + 1 for c in table.columns))
    names = [f"c{i}" for i in range(width)]
    if table.cells is not None:
        import pyarrow as pa  # a long sheet's cells come as Arrow; a CSV import need not load it

        cells = table.cells
        for name in names[cells.num_columns :]:
            cells = cells.append_column(name, pa.nulls(cells.num_rows, pa.string()))
        con.register("sheet_cells", cells)
        con.execute(f"create or replace temp table csv_lines as {_line_flags('select * from sheet_cells', names)}")
        con.unregister("sheet_cells")
    else:
        _read_csv_lines(con, table, names)
    # rowids follow the file's order (insertion order is kept) but a temp table's start high
    first_rowid = con.execute("select min(rowid) from csv_lines").fetchone()
    line = f"(rowid - {first_rowid[0] if first_rowid and first_rowid[0] is not None else 0} + 1)"
    trimmed = [_trimmed(n) for n in names]
    # coalesce stops at the first non-blank cell, so this costs one trim for most rows
    first = f"replace(replace(coalesce({', '.join(trimmed)}), ' ', ''), '　', '')"
    footer_test = f"regexp_matches(_first, '{_FOOTER_SQL}')"
    total_test = " or ".join(
        f"regexp_full_match(replace({t}, ' ', ''), '{TOTAL_PATTERN}')" for t in ["_first", *trimmed[:3]]
    )
    marked = con.execute(
        f"select _row, coalesce({footer_test}, false), [{', '.join(names)}] from (select {line} as _row, "
        f"{first} as _first, * from csv_lines where {line} > {table.header_row} and _ending) "
        f"where _first is not null and ({footer_test} or coalesce({total_test}, false)) order by _row"
    ).fetchall()
    footer = next((row for row, is_footer, _ in marked if is_footer), None)
    table.total_rows = [
        (row, list(cells)) for row, is_footer, cells in marked if not is_footer and row < (footer or row + 1)
    ]
    skipped = [str(row) for row, _, _ in marked]
    selected = [f"{_trimmed(f'c{c.index}')} as {_quote(c.column.name)}" for c in table.columns]
    selected += [f"'{v.replace(chr(39), chr(39) * 2)}' as {_quote(n)}" for n, v in constants.items()]
    conditions = [f"{line} > {table.header_row}", f"coalesce({', '.join(trimmed)}) is not null"]
    if footer is not None:
        conditions.append(f"{line} < {footer}")
    if skipped:
        conditions.append(f"{line} not in ({', '.join(skipped)})")
    con.execute(
        f"create or replace temp view {_quote(raw_view)} as select {line} as _row, _inner, {', '.join(selected)} "
        f"from csv_lines where {' and '.join(conditions)}"
    )


def _read_csv_lines(con: duckdb.DuckDBPyConnection, table: LocatedTable, names: list[str]) -> None:
    """Temp table csv_lines: every record of the CSV, text columns `names`, in file order."""
    spec = "{" + ", ".join(f"'{n}': 'varchar'" for n in names) + "}"
    path = str(table.csv_path).replace("'", "''")
    # quoted cells may hold line breaks, which only the single-threaded reader can follow
    parallel = "false" if table.csv_quoted else "true"
    source = (
        f"select * from read_csv('{path}', header = false, "
        f"auto_detect = false, columns = {spec}, delim = ',', quote = '\"', escape = '\"', "
        f"null_padding = true, strict_mode = false, parallel = {parallel}, max_line_size = {MAX_CSV_LINE_BYTES}, "
        # DuckDB reads in parallel only with buffers larger than the longest line allowed
        f"buffer_size = {2 * MAX_CSV_LINE_BYTES})"
    )
    con.execute(f"create or replace temp table csv_lines as {_line_flags(source, names)}")


def _line_flags(source: str, names: list[str]) -> str:
    """`source`'s cells plus three flags per row, computed once on the row's cells joined by commas:
    `_spaced`, false when no cell can start or end with a space (ASCII, full-width or
    no-break), `_inner`, false when no cell holds a doubled space, tab or line break, and
    `_ending`, false when the row cannot be a footer or a 合计 row.

    All are conservative (a comma inside a cell may raise `_spaced` for nothing); they
    spare the per-cell tests on nearly every row, which cost more than reading the file.
    """
    edges = " or ".join(
        [
            "prefix(_line, ' ')",
            "suffix(_line, ' ')",
            "contains(_line, ' ,')",
            "contains(_line, ', ')",
            *(f"contains(_line, {space})" for space in _EDGE_SPACES[1:]),
        ]
    )
    inner = " or ".join(f"contains(_line, {s})" for s in _INNER_SPACES)
    # `_ending`: the row could be a footer or a 合计 row. A cell holds 计 (every 合计/小计/总计
    # does), or the first cell written starts with a footer word's first character, a space
    # or a comma (an empty quoted cell), or there is none. The exact tests run on these rows.
    starts = ", ".join(f"'{c}'" for c in sorted({p[0] for p in FOOTER_PREFIXES} | {" ", "　", ",", ""}))
    ending = f"contains(_line, '计') or left(_line, 1) in ({starts}, chr(9), chr(10), chr(12), chr(13), chr(160))"
    flags = [
        f"coalesce({edges}, false) as _spaced",
        f"coalesce({inner}, false) as _inner",
        f"coalesce({ending}, true) as _ending",
    ]
    return (
        f"select * exclude (_line), {', '.join(flags)} "
        f"from (select *, concat_ws(',', {', '.join(names)}) as _line from ({source}))"
    )


_EDGE_SPACES = ("' '", "'　'", "chr(160)")  # space, full-width space, no-break space


def _trimmed(cell: str) -> str:
    """A CSV cell without the spaces around it, NULL when blank: what the Python reader makes of it.

    Most cells have none, and trim() costs more than the read itself for Chinese text,
    so only cells that start or end with a space (ASCII, full-width or no-break) are trimmed,
    and those tests run only on rows whose `_spaced` flag (see `_line_flags`) is raised.
    """
    edges = " or ".join(f"{side}({cell}, {space})" for space in _EDGE_SPACES for side in ("prefix", "suffix"))
    return f"case when _spaced and ({edges}) then nullif(trim({cell}), '') else nullif({cell}, '') end"


def _unreadable_line(table: LocatedTable, error: duckdb.InvalidInputException) -> Issue:
    """DuckDB's reader stopped at a line: in another encoding (a UTF-8 file with GBK lines
    pasted in) or, rarely, malformed; the issue names the row."""
    found = re.search(r"on Line: (\d+)", str(error))
    row = int(found.group(1)) if found else None
    if "unicode" in str(error).lower():
        message = (
            "这一行的编码与文件其余部分不同（文件中混有 UTF-8 以外的文字），"
            "请在 Excel 或 WPS 中打开后整体另存为“CSV UTF-8”或“CSV（逗号分隔）”再导入"
        )
        code = "mixed-encoding"
    else:
        message = "这一行无法按 CSV 格式读取（引号或分隔符不成对），请在 Excel 或 WPS 中打开检查后另存再导入"
        code = "bad-csv-line"
    return Issue(table.file_name, table.sheet, row, None, None, code, message)


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
        # three thousand names through executemany take most of a second; as three list
        # parameters, none (an Arrow batch would do too, but registering one imports pandas)
        towns, written_names, names = (list(c) for c in zip(*mapped, strict=True))
        con.execute(
            "insert into village_map select unnest($towns), unnest($written), unnest($names)",
            {"towns": towns, "written": written_names, "names": names},
        )
    return "vm.village", issues


def _carried(table: LocatedTable) -> list[str]:
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
    raw_cell = _quote(raw_name(column.name))
    if column.default is None and column.name not in dict(table.dataset.computed):
        parsed = _quote(column.name)
    else:
        located = next(c for c in table.columns if c.column.name == column.name)
        factor = table.money_factor(located) if column.kind == "money" else Decimal(1)
        parsed = f"({parse_sql(column, raw_cell, factor, order=order)})"
    return f"{raw_cell} is not null and {parsed} is null"


def _cell_rules(table: LocatedTable, settings: Settings, order: str | None = None) -> list[Rule]:
    """Missing required values, unparseable cells, values out of range or not allowed."""
    located = {c.column.name: c for c in table.columns}
    carried = set(_carried(table))
    rules: list[Rule] = []
    for column in table.dataset.columns:
        if column.name not in located:
            continue
        header = located[column.name].written
        raw_cell = _quote(raw_name(column.name))
        typed_cell = _quote(column.name)
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
        if column.kind not in PARSE_FAILURES:  # text; other kinds already fail to parse such a cell
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


def _check_rules(table: LocatedTable, order: str | None = None) -> list[Rule]:
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
                _quote(raw_name(check.column)) if check.column in located else "null",
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


def _rule_issues(
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
    con.execute(f"create or replace temp table suspects as select * from {_quote(view)} where {screens}")
    count = con.execute("select count(*) from suspects").fetchone()
    if not count or not count[0]:
        return []
    present = [c.column.name for c in table.columns]
    carried = set(_carried(table))
    raw_cells = [f"r.{_quote(n)} as {_quote(raw_name(n))}" for n in present if n not in carried]
    con.execute(
        f"create or replace temp table suspects as select s.*{''.join(', ' + c for c in raw_cells)} "
        f"from suspects as s join {_quote(raw_view)} as r using (_row)"
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


def _duplicate_issues(con: duckdb.DuckDBPyConnection, table: LocatedTable, view: str) -> list[Issue]:
    dataset = table.dataset
    key = ", ".join(_quote(k) for k in dataset.key)
    # a key with a missing part is already reported as a missing value
    complete = " and ".join(f"{_quote(k)} is not null" for k in dataset.key)
    repeated = f"from {_quote(view)} where {complete} group by {key} having count(*) > 1"
    found = []
    # most files have none: finding the repeated keys costs half of collecting every key's rows
    if con.execute(f"select exists (select {key} {repeated})").fetchone()[0]:
        named = _key_named_by(dataset)
        values = ", ".join(f"any_value({_quote(n)})" for n in named)
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
