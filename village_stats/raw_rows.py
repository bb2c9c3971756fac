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
    do as well, but building one from Python lists makes pyarrow import pandas: 0.5 s per CLI import).
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


ARROW_BATCH_ROWS = 16_384
_FOOTER_SQL = "^(" + "|".join(p.rstrip("：") for p in FOOTER_PREFIXES) + ")"


def load_bulk(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str, constants: dict[str, str]) -> None:
    """The same rows for a bulk CSV (read by DuckDB) or a long sheet (Arrow columns from the
    workbook reader), as a temp view: the body below the header, blank rows dropped, 合计
    rows set aside (into table.total_rows), the footer and all after it cut.

    Records are numbered as Excel numbers the rows (reading.py keeps CSV files with
    blank lines, which DuckDB would skip, on the Python path). The cells are stored once
    with their row flags (a CSV's in a temp table, a sheet's as Arrow: `_flag_sheet_cells`);
    finding the footer and the 合计 rows is one more scan that returns only those few
    lines, and the view is read by the village names and the typed table.
    """
    width = max(table.width, *(c.index + 1 for c in table.columns))
    names = [f"c{i}" for i in range(width)]
    if table.cells is not None:
        lines, line = "sheet_lines", "_n"
        _flag_sheet_cells(con, table, names)
    else:
        lines = "csv_lines"
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
        f"{first} as _first, * from {lines} where {line} > {table.header_row} and _ending) "
        f"where _first is not null and ({footer_test} or coalesce({total_test}, false)) order by _row"
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
        f"from {lines} where {' and '.join(conditions)}"
    )


def unload_bulk(con: duckdb.DuckDBPyConnection, table: LocatedTable, raw_view: str) -> None:
    """Drop what load_bulk made, once the typed table holds the rows."""
    con.execute(f"drop view {quote_name(raw_view)}")
    if table.cells is not None:
        con.unregister("sheet_lines")
    else:
        con.execute("drop table csv_lines")


def _flag_sheet_cells(con: duckdb.DuckDBPyConnection, table: LocatedTable, names: list[str]) -> None:
    """Arrow table `sheet_lines`, registered: a long sheet's cells as columns `names`, the row
    flags of `_line_flags` and `_n`, the row's number in the sheet, in 16,384-row batches.

    Kept as Arrow, not put in a temp table: DuckDB reads a table a row group (122,880 rows)
    per thread, so every statement over a long sheet's table ran on one core; Arrow batches
    are read on every core, in order. The rows are numbered here, since an Arrow scan has no rowid.
    """
    import array

    import pyarrow as pa  # a long sheet's cells come as Arrow; a CSV import need not load it

    cells = table.cells
    for name in names[cells.num_columns :]:
        cells = cells.append_column(name, pa.nulls(cells.num_rows, pa.string()))
    # from a buffer: building an Arrow array from a Python sequence makes pyarrow import pandas
    numbers = array.array("q", range(1, cells.num_rows + 1))
    cells = cells.append_column("_n", pa.Array.from_buffers(pa.int64(), len(numbers), [None, pa.py_buffer(numbers)]))
    con.register("sheet_cells", pa.Table.from_batches(cells.to_batches(max_chunksize=ARROW_BATCH_ROWS)))
    flagged = con.sql(_line_flags("select * from sheet_cells", names)).to_arrow_reader(batch_size=ARROW_BATCH_ROWS)
    con.register("sheet_lines", flagged.read_all())
    con.unregister("sheet_cells")


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
