"""A located sheet → a temp table of its rows as text cells, numbered as Excel numbers them.

Python rows go in as list parameters; a bulk CSV (read by DuckDB) or a long sheet
(Arrow columns from the workbook reader) is cut below the header, its blank rows,
合计 rows and footer set aside, in SQL.
"""

from __future__ import annotations

import re

import duckdb

from village_stats.cell_sql import INNER_SPACES, quote_name
from village_stats.issues import Issue
from village_stats.reading import FOOTER_PREFIXES, MAX_CSV_LINE_BYTES, TOTAL_PATTERN, LocatedTable


def load_rows(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]) -> None:
    """Temp table `raw_view`: `_row` and one text column per located column, from Python rows.

    The columns go in as list parameters, unnested side by side (an Arrow table would
    do as well, but registering one makes DuckDB import pandas: 0.6 s per CLI import).
    """
    columns: dict[str, list[object]] = {"_row": [row for row, _ in table.rows]}
    for located in table.columns:
        columns[located.column.name] = [cell_at(cells, located.index) for _, cells in table.rows]
    parameters = {f"p{i}": values for i, values in enumerate(columns.values())}
    types = ["integer"] + ["varchar"] * (len(columns) - 1)
    selected = [
        f"unnest(cast(${p} as {kind}[])) as {quote_name(name)}"
        for p, kind, name in zip(parameters, types, columns, strict=True)
    ]
    selected += _constant_columns(constants)
    con.execute(f"create or replace temp table {quote_name(raw_view)} as select {', '.join(selected)}", parameters)


def _constant_columns(constants: dict[str, str]) -> list[str]:
    """The values a sheet does not write (its town, its year) as columns of every row."""
    return [f"'{v.replace(chr(39), chr(39) * 2)}' as {quote_name(n)}" for n, v in constants.items()]


_FOOTER_SQL = "^(" + "|".join(p.rstrip("：") for p in FOOTER_PREFIXES) + ")"
_FOOTER_STARTS = ", ".join(sorted({f"'{p[0]}'" for p in FOOTER_PREFIXES}))


PLAIN_READ = "plain read"  # a CSV with nothing to set aside, typed straight from the file
ALL_TEXT_READ = "all-text read"  # every row flagged (spaces, blank rows, 合计 rows, footer) and cut in SQL
PLAIN_READ_FIRST = True  # the tests turn it off to compare both ways on the same files


def load_bulk(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]) -> None:
    """The same rows for a bulk CSV (read by DuckDB) or a long sheet (Arrow columns from the
    workbook reader), as a temp view: the body below the header, blank rows dropped, 合计
    rows set aside (into table.total_rows), the footer and all after it cut.

    Records are numbered as Excel numbers the rows (reading.py keeps CSV files with
    blank lines, which DuckDB would skip, on the Python path). The cells are put in a
    table once; finding the footer and the 合计 rows is one more scan that returns only
    those few lines, and the view is read once, by the typed table.
    """
    names = _names(table)
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
    line = _line_number(con)
    trimmed = [_trimmed(n) for n in names]
    first, footer_test, set_aside = _set_aside(trimmed)
    marked = con.execute(
        f"select _row, coalesce({footer_test}, false), [{', '.join(names)}] from (select {line} as _row, "
        f"{first} as _first, * from csv_lines where {line} > {table.header_row} and _ending) "
        f"where {set_aside} order by _row"
    ).fetchall()
    footer = next((row for row, is_footer, _ in marked if is_footer), None)
    table.total_rows = [
        (row, list(cells)) for row, is_footer, cells in marked if not is_footer and row < (footer or row + 1)
    ]
    skipped = [str(row) for row, _, _ in marked]
    selected = [f"{_trimmed(f'c{c.index}')} as {quote_name(c.column.name)}" for c in table.columns]
    selected += _constant_columns(constants)
    conditions = [f"{line} > {table.header_row}", f"coalesce({', '.join(trimmed)}) is not null"]
    if footer is not None:
        conditions.append(f"{line} < {footer}")
    if skipped:
        conditions.append(f"{line} not in ({', '.join(skipped)})")
    con.execute(
        f"create or replace temp view {quote_name(raw_view)} as select {line} as _row, _inner, {', '.join(selected)} "
        f"from csv_lines where {' and '.join(conditions)}"
    )


def _line_number(con: duckdb.DuckDBPyConnection) -> str:
    """SQL for a csv_lines row's record number in the file, which is the row Excel shows."""
    # rowids follow the file's order (insertion order is kept) but a temp table's start high
    first_rowid = con.execute("select min(rowid) from csv_lines").fetchone()
    return f"(rowid - {first_rowid[0] if first_rowid and first_rowid[0] is not None else 0} + 1)"


def _set_aside(trimmed: list[str]) -> tuple[str, str, str]:
    """SQL over a row's cells (`trimmed`: each as the reader leaves it) for its first written
    cell (to select as `_first`), whether `_first` starts a footer, and whether the row is a
    footer or a 合计 row, which the body leaves out."""
    # coalesce stops at the first non-blank cell, so this costs one trim for most rows
    first = f"replace(replace(coalesce({', '.join(trimmed)}), ' ', ''), '　', '')"
    # the patterns run only where they can match: a footer word's first character, a 计
    footer_test = f"case when left(_first, 1) in ({_FOOTER_STARTS}) then regexp_matches(_first, '{_FOOTER_SQL}') end"
    total_test = " or ".join(
        f"case when contains({t}, '计') then regexp_full_match(replace({t}, ' ', ''), '{TOTAL_PATTERN}') end"
        for t in ["_first", *trimmed[:3]]
    )
    return first, footer_test, f"_first is not null and ({footer_test} or coalesce({total_test}, false))"


def load_plain_csv(
    con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]
) -> bool:
    """For a bulk CSV, the plain read: `raw_view` as `load_bulk` makes it, but a view over the
    file itself, nothing stored, each row with a flag `_odd`; False for any other table.

    The typed table is then made straight from the file, `_odd` riding along, and
    `plain_read_held` decides whether the rows are the all-text read's rows: they are by
    construction when the reader rejects no line and no row is `_odd`, that is none
    below the header has a cell starting or ending with a space (so trimming leaves every
    cell as it is), is blank, a 合计 row or a footer (each told by the all-text read's own
    flags and tests on the same cells). Records are numbered in file order by
    `row_number() over ()`, which DuckDB keeps in the original order as it keeps a
    table's rowids. Every cell is read as text and typed by the one parser of its kind.
    """
    if not PLAIN_READ_FIRST or table.csv_path is None:
        return False
    _drop_rejects(con)
    con.execute(f"create or replace temp view {quote_name(raw_view)} as {_plain_rows(table, constants, rejects=True)}")
    return True


def plain_read_held(
    con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, typed: str, constants: dict[str, str]
) -> bool:
    """Whether the typed table `typed`, made from `load_plain_csv`'s view with `_odd`, holds the
    all-text read's rows (see `load_plain_csv`); if so, `_odd` is dropped and the view no longer
    keeps rejects. If not, the caller reads the file the all-text way."""
    odd = con.execute(f"select count(*) from {quote_name(typed)} where _odd").fetchall()
    rejected = con.execute("select count(*) from csv_rejects").fetchall()
    _drop_rejects(con)
    if odd != [(0,)] or rejected != [(0,)]:
        return False
    con.execute(f"alter table {quote_name(typed)} drop column _odd")
    con.execute(f"create or replace temp view {quote_name(raw_view)} as {_plain_rows(table, constants, rejects=False)}")
    return True


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("drop table if exists csv_rejects")
    con.execute("drop table if exists csv_reject_scans")


def _plain_rows(table: LocatedTable, constants: dict[str, str], rejects: bool) -> str:
    """The plain read's rows below the header: `_row`, `_inner`, the located cells, the constants and `_odd`."""
    names = _names(table)
    plain = [f"nullif({n}, '')" for n in names]
    edges = " or ".join(f"{side}({n}, {s})" for n in names for s in _EDGE_SPACES for side in ("prefix", "suffix"))
    first, _, set_aside = _set_aside(plain)
    # the exact tests run only on the rows the all-text read's flags raise, as there
    odd = (
        f"case when _spaced then coalesce({edges}, false) else false end "
        f"or case when _ending then _first is null or coalesce({set_aside}, false) else false end"
    )
    numbered = f"select row_number() over () as _row, * from ({_csv_source(table, names, rejects)})"
    selected = [f"{plain[c.index]} as {quote_name(c.column.name)}" for c in table.columns]
    selected += _constant_columns(constants)
    return (
        f"select _row, _inner, {', '.join(selected)}, {odd} as _odd from (select *, "
        f"case when _ending then {first} end as _first from ({_line_flags(numbered, names)})) "
        f"where _row > {table.header_row}"
    )


def _names(table: LocatedTable) -> list[str]:
    """The text columns c0, c1 … a bulk table's rows are read into."""
    return [f"c{i}" for i in range(max(table.width, *(c.index + 1 for c in table.columns)))]


def _read_csv_lines(con: duckdb.DuckDBPyConnection, table: LocatedTable, names: list[str]) -> None:
    """Temp table csv_lines: every record of the CSV, text columns `names`, in file order."""
    con.execute(f"create or replace temp table csv_lines as {_line_flags(_csv_source(table, names), names)}")


def _csv_source(table: LocatedTable, names: list[str], rejects: bool = False) -> str:
    """DuckDB's read of the CSV, every record a row of text columns `names`, in file order.

    `rejects`: lines the reader cannot read go to temp table csv_rejects instead of stopping it.
    """
    spec = "{" + ", ".join(f"'{n}': 'varchar'" for n in names) + "}"
    path = str(table.csv_path).replace("'", "''")
    # quoted cells may hold line breaks, which only the single-threaded reader can follow
    parallel = "false" if table.csv_quoted else "true"
    kept = ", store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans'" if rejects else ""
    return (
        f"select * from read_csv('{path}', header = false, "
        f"auto_detect = false, columns = {spec}, delim = ',', quote = '\"', escape = '\"', "
        f"null_padding = true, strict_mode = false, parallel = {parallel}, max_line_size = {MAX_CSV_LINE_BYTES}, "
        # DuckDB reads in parallel only with buffers larger than the longest line allowed
        f"buffer_size = {2 * MAX_CSV_LINE_BYTES}{kept})"
    )


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
    inner = " or ".join(f"contains(_line, {s})" for s in INNER_SPACES)
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


def unreadable_line(table: LocatedTable, error: duckdb.InvalidInputException) -> Issue:
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


def cell_at(cells: list[str | None], index: int) -> str | None:
    return cells[index] if index < len(cells) else None
