"""Ledger files → the database, all or nothing, with history and undo.

One file is one transaction: every sheet in it validates, or nothing is
written. Rows are upserted by the dataset's natural key; before a row is
changed its old values are kept in `import_rows`, so `undo` can put back
exactly what was there. The original file is archived by its sha256 beside
the database before the transaction commits.

The work is done in rooms of its own: `loading` (a file, read and checked, in one
transaction), `upserting` (the typed rows into their table, before-images, the history
row) and `archive` (the originals). This module keeps undo, the history, the demo and
a town's first database, and is where callers find all of it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from village_stats import rounds, ticket_counts
from village_stats.archive import ArchiveCopy, archive_original, archive_path
from village_stats.datasets import DATASETS, IMPORT_ORDER, Dataset
from village_stats.db import Database, demo_db_path, record_town
from village_stats.errors import VillageStatsError
from village_stats.loading import import_file
from village_stats.reading import LocatedTable, UnreadableFile, locate_table
from village_stats.settings import REPO_ROOT, Settings
from village_stats.sheets import read_sheets
from village_stats.upserting import (
    CHANGE_SAMPLE,
    PREVIEW_ROWS,
    YEAR_OF,
    FileOutcome,
    TableOutcome,
    key_json,
    quote,
    rollback,
    table_columns,
)

__all__ = [
    "CHANGE_SAMPLE",
    "DEMO_DIR",
    "DEMO_TOWN",
    "DEMO_USER",
    "PREVIEW_ROWS",
    "YEAR_OF",
    "ArchiveCopy",
    "DemoRefused",
    "FileOutcome",
    "TableOutcome",
    "TownRefused",
    "UndoRefused",
    "archive_original",
    "archive_path",
    "build_demo",
    "check_town_name",
    "history",
    "holds_demo",
    "import_file",
    "import_order",
    "refuse_if_user_data",
    "start_town",
    "table_columns",
    "undo_import",
]


class UndoRefused(VillageStatsError, RuntimeError):
    """The import cannot be undone as asked; the message is Chinese."""

    code = "undo-refused"


def undo_import(database: Database, import_id: int | None = None, user: str = "本机用户") -> int:
    """Put back exactly the rows an import changed; the latest live import when no id is given.

    `user` is recorded as who undid it (undone_by), beside when (undone_at).
    """
    with database.write() as con:
        con.execute("begin transaction")
        try:
            import_id = _undo(con, import_id, user)
            con.execute("commit")
        except BaseException:
            rollback(con)
            raise
    return import_id


def _undo(con: duckdb.DuckDBPyConnection, import_id: int | None, user: str) -> int:
    if import_id is None:
        row = con.execute("select max(import_id) from imports where undone_at is null").fetchone()
        if not row or row[0] is None:
            raise UndoRefused("没有可撤销的导入记录")
        import_id = int(row[0])
    found = con.execute("select dataset, undone_at from imports where import_id = $id", {"id": import_id}).fetchone()
    if found is None:
        raise UndoRefused(f"没有编号为 {import_id} 的导入记录")
    if found[1] is not None:
        raise UndoRefused(f"第 {import_id} 次导入已于 {found[1]:%Y-%m-%d %H:%M} 撤销过")
    later = [
        r[0]
        for r in con.execute(
            "select distinct later.import_id from import_rows as mine "
            "join import_rows as later using (table_name, row_key) "
            "join imports as i on i.import_id = later.import_id "
            "where mine.import_id = $id and later.import_id > $id and i.undone_at is null order by 1",
            {"id": import_id},
        ).fetchall()
    ]
    if later:
        ids = "、".join(str(i) for i in later)
        raise UndoRefused(f"第 {import_id} 次导入之后，第 {ids} 次导入又修改了其中的数据，请先撤销后者")
    dataset = DATASETS[found[0]]
    if dataset.name == "villages":
        _refuse_if_villages_in_use(con, import_id)
    _refuse_if_locked(con, import_id, dataset)
    target = dataset.table
    columns = table_columns(dataset)
    if target == "service_tickets":  # the years of the tickets taken out and of those put back
        touched = con.execute(
            f"select distinct year(ordered_at) from {target} where {key_json(dataset, target)} in "
            "(select row_key from import_rows where import_id = $id) "
            "union select distinct year(cast(before->>'ordered_at' as timestamp)) from import_rows "
            "where import_id = $id and before is not null",
            {"id": import_id},
        ).fetchall()
    con.execute(
        f"delete from {target} where {key_json(dataset, target)} in "
        f"(select row_key from import_rows where import_id = $id)",
        {"id": import_id},
    )
    kinds = {c.name: c.sql_type for c in dataset.columns} | {"project_key": "varchar"}
    restored = ", ".join(f"cast(before->>'{c}' as {kinds[c]})" for c in columns)
    con.execute(
        f"insert into {target} ({', '.join(quote(c) for c in columns)}) "
        f"select {restored} from import_rows where import_id = $id and before is not null",
        {"id": import_id},
    )
    if target == "service_tickets":
        ticket_counts.refresh(con, (row[0] for row in touched))
    con.execute(
        "update imports set undone_at = current_timestamp, undone_by = $user where import_id = $id",
        {"id": import_id, "user": user},
    )
    return import_id


def _refuse_if_locked(con: duckdb.DuckDBPyConnection, import_id: int, dataset: Dataset) -> None:
    """A submission to a closed round, or an import of a year a closed round has locked, stays."""
    submitted_to = rounds.round_of_import(con, import_id)
    year = con.execute("select year from imports where import_id = $id", {"id": import_id}).fetchone()[0]
    closed = submitted_to if submitted_to and submitted_to.closed else None
    closed = closed or rounds.closed_round_for(con, dataset.name, [year] if year else [])
    if closed is not None:
        raise UndoRefused(
            f"第 {import_id} 次导入属于已关闭的报送任务“{closed.title}”（#{closed.round_id}），数据已锁定；"
            "如需撤销请先重新打开该报送任务"
        )


def _refuse_if_villages_in_use(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Undoing a 名录 import removes the villages it added; ledgers naming them would be orphaned."""
    added = (
        "select before_key->>0 as town, before_key->>1 as name from "
        "(select row_key::json as before_key from import_rows where import_id = $id and before is null)"
    )
    used = []
    for dataset in DATASETS.values():
        if not dataset.has_village:
            continue
        row = con.execute(
            f"select count(*) from {dataset.table} as d join ({added}) as a on d.town = a.town and d.village = a.name",
            {"id": import_id},
        ).fetchone()
        if row and row[0]:
            used.append(f"{dataset.title} {row[0]} 行")
    if used:
        raise UndoRefused(
            f"第 {import_id} 次导入新增的村(社区)已被其他台账使用（{'、'.join(used)}），"
            "撤销会使这些数据失去所属村(社区)；请先撤销或删除引用它们的导入"
        )


def history(database: Database) -> list[dict[str, object]]:
    """Every import, newest first, as plain dicts for the CLI and the page."""
    with database.read() as cur:
        frame = cur.execute(
            "select import_id, imported_at, imported_by, file_name, dataset, sheet, year, rows_inserted, "
            "rows_updated, rows_unchanged, undone_at, undone_by from imports order by import_id desc"
        ).fetchall()
        names = [d[0] for d in cur.description]
    records = [dict(zip(names, row, strict=True)) for row in frame]
    for record in records:
        record["dataset_title"] = DATASETS[str(record["dataset"])].title
    return records


DEMO_DIR = REPO_ROOT / "data" / "demo"
DEMO_USER = "演示数据"
DEMO_TOWN = "青溪镇"  # the fictional town of data/demo/; its database records it like any town's
TOWN_NAME_MAX = 30


class TownRefused(VillageStatsError, RuntimeError):
    """A town database cannot be started here (bad name, or the file already holds the user's data)."""

    code = "town-refused"


def import_order(paths: list[Path]) -> list[Path]:
    """The registry (村(社区)名录) first: every other ledger is matched against it."""

    def rank(path: Path) -> int:
        try:
            for sheet in read_sheets(path):
                found = locate_table(sheet, path.name)
                if isinstance(found, LocatedTable):
                    return IMPORT_ORDER.index(found.dataset.name)
        except UnreadableFile:
            pass
        return len(IMPORT_ORDER)

    return sorted(paths, key=lambda p: (rank(p), p.name))


class DemoRefused(VillageStatsError, RuntimeError):
    """Rebuilding the demo would throw away data that did not come from the demo."""

    code = "demo-refused"


def refuse_if_user_data(path: Path, settings: Settings, force: bool) -> None:
    """Raise DemoRefused when rebuilding `path` would throw away imports of the user's own ledgers."""
    if force or not path.exists():
        return
    existing = Database(path, settings.lock_wait_seconds)
    if existing.schema_version() == 0:
        return
    with existing.read() as cur:
        own = cur.execute(
            "select count(*) from imports where imported_by <> $demo and undone_at is null",
            {"demo": DEMO_USER},
        ).fetchone()
    if own and own[0]:
        raise DemoRefused(
            f"{path.name} 中已有 {own[0]} 次非演示数据的导入，重建演示库会丢弃它们；"
            "如确需重建，请加 --force，或用 --db 指定另一个文件"
        )


def build_demo(path: Path, settings: Settings, demo_dir: Path = DEMO_DIR, force: bool = False) -> list[FileOutcome]:
    """(Re)build the demo database at `path` from the ledgers in `demo_dir`, atomically.

    The new file is built beside the old one and moved into place only when every
    ledger imported cleanly. A file holding imports of the user's own ledgers is
    not replaced unless `force` is given.
    """
    refuse_if_user_data(path, settings, force)
    building = path.with_name(path.name + ".building")
    for leftover in (building, building.with_name(building.name + ".wal")):
        leftover.unlink(missing_ok=True)
    database = Database(building, settings.lock_wait_seconds)
    database.migrate()
    with database.write() as con:
        record_town(con, DEMO_TOWN)
    files = import_order(sorted(demo_dir.glob("*.xlsx")))
    if not files:
        raise DemoRefused(f"演示数据目录 {demo_dir} 中没有 xlsx 文件")
    demo_settings = settings.for_town(DEMO_TOWN)
    outcomes = [import_file(database, file, demo_settings, user=DEMO_USER) for file in files]
    failed = [o for o in outcomes if not o.ok]
    if failed:
        building.unlink(missing_ok=True)
        details = "\n".join(i.describe() for o in failed for i in o.issues[:20])
        raise DemoRefused(f"演示数据导入失败，原数据库未改动：\n{details}")
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    building.replace(path)
    return outcomes


def check_town_name(name: str) -> str:
    """A town's name as it will be recorded (trimmed); TownRefused when it cannot be one."""
    town = name.strip()
    if not town:
        raise TownRefused("请填写本镇（街道）名称，如：河东镇")
    if len(town) > TOWN_NAME_MAX or any(not ch.isprintable() for ch in town):
        raise TownRefused(f"镇（街道）名称须为 {TOWN_NAME_MAX} 字以内的一行文字：{town!r}")
    return town


def start_town(path: Path, town: str, settings: Settings) -> Database:
    """An empty database for `town` at `path`, the town recorded in it: the clean start of a real town.

    A file that holds only the demo (an earlier version built the demo into the town's file)
    is replaced, since the demo can be rebuilt at any time; one holding the town's own
    imports is never touched. An empty file only has its town name recorded (or corrected).
    """
    town = check_town_name(town)
    if path.resolve() == demo_db_path().resolve():
        raise TownRefused(f"{path} 是演示数据库，不能用作本镇数据库；本镇数据库默认为 data/village.duckdb。")
    try:
        refuse_if_user_data(path, settings, force=False)
    except DemoRefused as error:
        raise TownRefused(
            f"{path} 中已有本镇导入的数据，不能重新开始。如确需从头开始，请先备份（python -m village_stats backup）"
            "后把该文件移走，或用 --db 指定另一个文件。"
        ) from error
    if path.exists() and Database(path, settings.lock_wait_seconds).schema_version() > 0 and holds_demo(path, settings):
        for leftover in (path, path.with_name(path.name + ".wal")):
            leftover.unlink(missing_ok=True)
    database = Database(path, settings.lock_wait_seconds)
    database.migrate()
    with database.write() as con:
        record_town(con, town)
    return database


def holds_demo(path: Path, settings: Settings) -> bool:
    """Whether the file at `path` holds (active) imports of the demo ledgers."""
    with Database(path, settings.lock_wait_seconds).read() as cur:
        found = cur.execute(
            "select count(*) from imports where imported_by = $demo and undone_at is null", {"demo": DEMO_USER}
        ).fetchone()
    return bool(found and found[0])
