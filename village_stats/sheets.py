"""A ledger file → its sheets as text cells: a workbook's through `workbooks`, a CSV's through `csv_files`.

Finding the table on a sheet is `reading`'s work; this module only picks the reader.
"""

from __future__ import annotations

from pathlib import Path

from village_stats import csv_files
from village_stats.reading import SPREADSHEET_SUFFIXES, RawSheet, UnreadableFile
from village_stats.workbooks import read_workbook


def read_sheets(
    path: Path, data: bytes | None = None, workdir: Path | None = None, on_disk: Path | None = None
) -> list[RawSheet]:
    """Every sheet of a workbook, or the one table of a CSV file, as text cells.

    Given a `workdir`, a large CSV is not parsed here: it is handed to DuckDB's own
    reader as UTF-8 (see `csv_files.bulk_csv`), and only its first rows come back. `on_disk`
    is a file holding exactly `data`, which DuckDB may read instead of a copy.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = data if data is not None else path.read_bytes()
        if workdir is not None and len(data) >= csv_files.BULK_CSV_BYTES:
            bulk = csv_files.bulk_csv(path, data, workdir, on_disk)
            if bulk is not None:
                return [bulk]
        return [RawSheet(path.stem, csv_files.read_csv(path, data))]
    if suffix not in SPREADSHEET_SUFFIXES:
        raise UnreadableFile(f"{path.name}：不支持的文件类型“{suffix or '无扩展名'}”，请使用 xlsx、xls、ods 或 csv")
    return read_workbook(path.name, data if data is not None else path.read_bytes())
