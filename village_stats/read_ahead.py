"""The first workbook `python -m village_stats import` names starts being parsed at once.

Parsing a workbook in its reading child (workbooks.py) is the longest step of importing it,
and it runs on one core. A fresh CLI process first spends a third of a second loading DuckDB
and our modules; started from `__main__` before that, the child parses on the second core
meanwhile. This module may only import what is light (no DuckDB, pandas or pyarrow).

A file read ahead is used only when the import reaches that same path, with the bytes the
child parses, so the hash, the archive copy and the rows all describe one version of the file.
Whatever is not taken (the command failed before the import began) is cancelled at exit.
Only the first workbook named is read ahead: more would all parse at once and compete.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass
from pathlib import Path

from village_stats.reading import SPREADSHEET_SUFFIXES, UnreadableFile
from village_stats.settings import load_settings
from village_stats.workbooks import PendingWorkbook, start_reading


@dataclass(frozen=True)
class Started:
    path: Path
    data: bytes
    reading: PendingWorkbook


_started: list[Started] = []


def start(argv: list[str]) -> Started | None:
    """For `import FILE …` whose first file is a workbook: read it and start its reading child.

    Anything unusual (no such file, over the size limit, a refused workbook, settings that do
    not load) starts nothing: the import then meets it in its usual place and says why.
    """
    if not argv or argv[0] != "import":
        return None
    # no option of `import` takes a workbook as its value, so the first one named is a file to import
    named = (arg for arg in argv[1:] if not arg.startswith("-") and Path(arg).suffix.lower() in SPREADSHEET_SUFFIXES)
    first = next(named, None)
    if first is None:
        return None
    path = Path(first)
    try:
        limit = load_settings().max_file_mb * 1024 * 1024
        if not path.is_file() or not 0 < path.stat().st_size <= limit:
            return None
        data = path.read_bytes()
        started = Started(path, data, start_reading(path.name, data))
    except (OSError, ValueError, UnreadableFile):
        return None
    if not _started:
        atexit.register(_cancel_untaken)
    _started.append(started)
    return started


def take(path: Path) -> Started | None:
    """The read-ahead of `path`, handed over once (the caller then owns its child)."""
    for started in _started:
        if started.path == path:
            _started.remove(started)
            return started
    return None


def _cancel_untaken() -> None:
    while _started:
        _started.pop().reading.cancel()
