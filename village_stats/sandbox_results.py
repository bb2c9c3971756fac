"""A query's result: read in the child as a stream up to the caps, sent as Arrow IPC, and turned
into pandas values in the parent that a grid, a chart and an XLSX writer all accept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from village_stats.sandbox_limits import Limits

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame
    truncated: bool
    elapsed: float  # seconds the query took inside the sandbox
    rows: int  # rows in `frame`
    wall: float = 0.0  # seconds including the sandbox process's start-up
    note: str = ""  # why the result was cut, in Chinese


@lru_cache(maxsize=1)
def scratch_database() -> duckdb.DuckDBPyConnection:
    """An empty in-memory database, only for its parser: opening one costs ~85 ms, a cursor ~2 ms."""
    return duckdb.connect()


def _unique(names: list[str]) -> list[str]:
    """Column names made unique (a join's two `village`s become village, village_2)."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique


def fetch(con: duckdb.DuckDBPyConnection, statement: str, limits: Limits) -> pa.Table:
    started = time.perf_counter()
    reader = con.sql(statement).to_arrow_reader(1024)
    batches, rows, size, note = [], 0, 0, ""
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        size += batch.nbytes
        if rows > limits.rows:
            note = f"结果超过 {limits.rows:,} 行，只显示前 {limits.rows:,} 行；请加筛选条件或分组。"
            break
        if size > limits.result_bytes:
            note = f"结果数据量超过 {limits.result_bytes // 2**20} MB，只显示前 {rows:,} 行。"
            break
    table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, limits.rows)
    table = table.rename_columns(_unique(table.column_names))
    metadata = {"elapsed": f"{time.perf_counter() - started:.4f}", "note": note}
    return table.replace_schema_metadata(metadata)


def result_from_ipc(payload: bytes, wall: float) -> Result:
    return table_result(pa.ipc.open_stream(payload).read_all(), wall)


def table_result(table: pa.Table, wall: float = 0.0) -> Result:
    """What the child sent (an Arrow table with `elapsed` and `note` metadata) as a Result."""
    import pandas as pd  # here, not at the top: the child imports this module and needs no pandas

    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    frame = pd.DataFrame({name: _values(table.column(i), pd) for i, name in enumerate(table.column_names)})
    return Result(
        frame=frame,
        truncated=bool(meta.get("note")),
        elapsed=float(meta.get("elapsed", "0")),
        rows=table.num_rows,
        wall=wall,
        note=meta.get("note", ""),
    )


def _values(column: pa.ChunkedArray, pd: Any) -> object:
    """One result column as pandas values that a grid, a chart and an XLSX writer all accept.

    Values Python cannot hold (date '10000-01-01', 'infinity'::date, time '24:00:00', the same
    inside lists) come back as DuckDB's own text for them, never as an exception.
    """
    try:
        return _converted(column, pd)
    except (ValueError, OverflowError, TypeError, pa.ArrowException):
        return pd.Series(_as_text(column), dtype="object")


def _as_text(column: pa.ChunkedArray) -> list[str | None]:
    """The column as DuckDB writes its values as text."""
    cur = scratch_database().cursor()
    try:
        cur.register("result_column", pa.table({"value": column}))
        return [row[0] for row in cur.execute("select cast(value as varchar) from result_column").fetchall()]
    except (duckdb.Error, pa.ArrowException, ValueError):
        return ["（无法显示的值）"] * len(column)
    finally:
        cur.close()


def _converted(column: pa.ChunkedArray, pd: Any) -> object:
    kind = column.type
    if pa.types.is_decimal(kind):
        if kind.scale == 0:  # sum() of integers is a HUGEINT, which Arrow carries as decimal(38, 0)
            try:
                return column.cast(pa.int64()).to_pandas(types_mapper=_nullable_ints(pd))
            except pa.ArrowInvalid:
                pass
        # via Python's Decimal: Arrow's own cast is not correctly rounded (1234567.89 → 1234567.8900000001)
        return pd.Series([None if v is None else float(v) for v in column.to_pylist()], dtype="float64")
    if pa.types.is_integer(kind):
        return column.to_pandas(types_mapper=_nullable_ints(pd))
    if pa.types.is_timestamp(kind):
        values = column.to_pandas()
        return values.dt.tz_localize(None) if kind.tz else values  # Excel has no time zones
    if pa.types.is_dictionary(kind):
        return column.cast(kind.value_type).to_pandas()
    if (
        pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_date(kind)
        or pa.types.is_time(kind)
        or pa.types.is_null(kind)
    ):
        return column.to_pandas()
    # lists, structs, maps, intervals, UUIDs, blobs …: shown and downloaded as text
    return [None if value is None else str(value) for value in column.to_pylist()]


def _nullable_ints(pd: Any) -> object:
    mapping = {pa.int8(): pd.Int64Dtype(), pa.int16(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}
    mapping |= {pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.Int64Dtype(), pa.uint16(): pd.Int64Dtype()}
    mapping |= {pa.uint32(): pd.Int64Dtype(), pa.uint64(): pd.UInt64Dtype()}
    return mapping.get
