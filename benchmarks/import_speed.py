"""Import speed and memory, as ratios against the raw readers, measured in one run.

    python benchmarks/import_speed.py                  # every shape, 1,000,000 tickets each, 5 pairs
    python benchmarks/import_speed.py --rows 50000 --repeat 1   # a quicker look
    python benchmarks/import_speed.py --shapes town --profile   # one shape, and where its time goes
    python benchmarks/import_speed.py --only xlsx      # the xlsx pairs only
    python benchmarks/import_speed.py --into city      # into the city database (5M tickets), 10% changed

Every measurement is a whole process (start-up included, as the clerk runs it), so
its peak RSS is its own; baseline and ours take turns, and each ratio is printed
as the median of the pairs with their min–max. Shapes: many villages (the city's
file), one town's few units, long free text, each also in GB18030; the xlsx (the first
shape's first 100,000 tickets) with its strings shared, as Excel, WPS and LibreOffice save
them, and inline, as streaming writers do.
Targets (import-speed issue): CSV import ≤ 2.0× DuckDB's own read_csv into a
database file on every shape; GB18030 ≤ 3.0×; xlsx ≤ 1.5× the isolated reader
(a child process started, fastexcel's raw read, the Arrow columns handed back);
peak memory ≤ 1 GiB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class Shape:
    """One kind of ticket file a town sends: how many units, whether it names the town, how long its text is."""

    towns: int
    units_per_town: int
    town_column: bool
    content_repeat: int  # how many times the 诉求内容 phrase is repeated: 1 ≈ 20 characters
    description: str


SHAPES = {
    "many": Shape(150, 20, True, 1, "3,000 villages in 150 towns, short text (the city's file)"),
    "town": Shape(1, 34, False, 1, "one town's 34 units, no town column (a town clerk's file)"),
    "longtext": Shape(1, 34, False, 12, "one town, 诉求内容 of ~240 characters (free text as typed)"),
}
# kept from the first shape only: the xlsx pair (its target is against the isolated reader)
XLSX_SHAPE = "many"


def _files(folder: Path) -> dict[str, Path]:
    """Where `_generate` writes the registry, the tickets CSV (UTF-8 and GB18030) and the xlsx."""
    names = {
        "registry": "registry.csv",
        "csv": "tickets.csv",
        "gb18030": "tickets_gb18030.csv",
        "xlsx": "tickets.xlsx",
        "xlsx_shared": "tickets_shared.xlsx",
    }
    return {kind: folder / name for kind, name in names.items()}


def _generate(folder: Path, rows: int, xlsx_rows: int, shape: Shape, city: Path | None = None) -> dict[str, Path]:
    """Registry CSV, tickets CSV (UTF-8 and GB18030) and (with `xlsx_rows`) two tickets xlsx, deterministic.

    With `city` (a `demo --scale city` database) the tickets name the city's own
    3,000 units, and every tenth one carries the number of a ticket the city already
    holds, with other content: an upsert of 10% changed and 90% new rows.
    """
    import duckdb

    from village_stats.settings import load_settings

    files = _files(folder)
    registry, tickets = files["registry"], files["csv"]
    per_town, towns = shape.units_per_town, shape.towns
    con = duckdb.connect()
    if city is None:
        # a file without a town column belongs to the configured town, as the importer reads it
        town = "'第' || (t + 1) || '镇'" if shape.town_column else repr(load_settings().town)
        con.execute(
            f"""
            create table units as
            select
                t * {per_town} + v as unit_no,
                {town} as town,
                '样本' || (t * {per_town} + v + 1) || case when v % 12 = 11 then '社区' else '村' end as name,
                case when v % 12 = 11 then '社区' else '村' end as kind,
                ['东片', '西片', '南片', '北片'][v % 4 + 1] as area
            from range({towns}) as a (t), range({per_town}) as b (v)
            """
        )
        ticket_id = "'WD' || lpad(i::varchar, 8, '0')"
    else:
        con.execute(f"attach '{city}' as city (read_only)")
        con.execute(
            "create table units as select (row_number() over (order by town, name) - 1) % "
            f"{towns * per_town} as unit_no, town, name, kind, area from city.villages"
        )
        year = con.execute("select max(year(ordered_at)) from city.service_tickets").fetchone()[0]
        stored = con.execute(f"select count(*) from city.service_tickets where ticket_id like 'GD{year}%'").fetchone()[
            0
        ]
        con.execute("detach city")
        ticket_id = (
            f"case when i % 10 = 0 and i // 10 < {stored} then 'GD{year}' || lpad((i // 10)::varchar, 7, '0') "
            "else 'WD' || lpad(i::varchar, 8, '0') end"
        )
    town_header = "town as 所属镇, " if shape.town_column else ""
    con.execute(
        f'copy (select {town_header}name as "村(社区)名称", kind as 类型, area as 片区 from units) '
        f"to '{registry}' (header, delimiter ',')"
    )
    contents = [
        "村道路灯损坏，夜间出行不便",
        "代办老人养老保险资格认证",
        "反映村口垃圾清运不及时",
        "申请困难家庭临时救助",
        "咨询农村建房审批流程",
        "邻里宅基地界址纠纷调解",
    ]
    detail = "，".join(["经网格员入户核实情况属实"] * (shape.content_repeat - 1))
    content = f"{contents!r}[i % 6 + 1] || '{('，' + detail) if detail else ''}' || '（第' || (i % 97) || '号）'"
    ticket_town = "u.town as 所属镇," if shape.town_column else ""
    unit_of_row = f"(i % {towns}) * {per_town} + (i // {towns}) % {per_town}"
    con.execute(
        f"""
        copy (
            select
                {ticket_id} as 工单编号,
                {ticket_town}
                u.name as "村(社区)名称",
                '第' || (i % 5 + 1) || '网格' as 网格,
                ['群众建议', '支部派单', '服务代办', '服务代办', '服务代办'][i % 5 + 1] as 类型,
                ['民生保障', '基础设施', '住房安全', '环境整治', '矛盾纠纷', '政策咨询'][i % 6 + 1] as 诉求类别,
                {content} as 诉求内容,
                strftime(timestamp '2023-01-02 08:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') as 点单时间,
                strftime(timestamp '2023-01-02 09:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') as 领单时间,
                strftime(timestamp '2023-01-02 11:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') as 派单时间,
                case when i % 20 <> 0
                    then strftime(timestamp '2023-01-04 16:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') end
                    as 晒单时间,
                case when i % 20 <> 0 then ['满意', '满意', '满意', '基本满意', '不满意'][i % 5 + 1] end as 评单,
                '党员' || (i % 3000) as 承办党员
            from range({rows}) as r (i)
            join units as u on u.unit_no = {unit_of_row}
            order by i
        ) to '{tickets}' (header, delimiter ',')
        """
    )
    gbk = files["gb18030"]
    with tickets.open("r", encoding="utf-8") as source, gbk.open("w", encoding="gb18030") as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)
    if xlsx_rows:
        _write_xlsx(con, tickets, files["xlsx"], xlsx_rows, shared=False)
        _write_xlsx(con, tickets, files["xlsx_shared"], xlsx_rows, shared=True)
    return files


def _write_xlsx(con: object, tickets: Path, xlsx: Path, rows: int, shared: bool) -> None:
    """The first `rows` tickets as a workbook of text cells: with `shared`, the strings in a shared
    table, as Excel, WPS and LibreOffice save them; else inline in the sheet, as streaming writers do."""
    import xlsxwriter

    header = con.execute(f"select * from read_csv('{tickets}', all_varchar=true) limit 0").description
    book = xlsxwriter.Workbook(str(xlsx), {"constant_memory": not shared})
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, [d[0] for d in header])
    cursor = con.execute(f"select * from read_csv('{tickets}', all_varchar=true) limit {rows}")
    number = 1
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            sheet.write_row(number, 0, row)
            number += 1
    book.close()


# ---- the measured actions, each run in a fresh child process ------------------------------


def _raw_csv(path: str, workdir: str) -> None:
    import duckdb

    con = duckdb.connect(str(Path(workdir) / "raw.duckdb"))
    con.execute(f"create table t as select * from read_csv('{path}', all_varchar=true)")
    con.close()


def _raw_upsert(path: str, workdir: str) -> None:
    """DuckDB's own upsert of the file into the city's service_tickets, in one transaction:
    the stored rows with the file's numbers deleted, every row inserted, cells cast as the
    table needs (评单 words to the 1–5 rating). No checks, no undo, no history."""
    import duckdb

    source = f"read_csv('{path}', all_varchar=true)"
    con = duckdb.connect(str(Path(workdir) / "ours.duckdb"))
    con.execute("begin transaction")
    con.execute(f"delete from service_tickets where ticket_id in (select 工单编号 from {source})")
    con.execute(
        f"""
        insert into service_tickets
        select 工单编号, 所属镇, "村(社区)名称", 网格, 类型, 诉求类别, 诉求内容,
            cast(点单时间 as timestamp), cast(领单时间 as timestamp), cast(派单时间 as timestamp),
            cast(晒单时间 as timestamp),
            case 评单 when '满意' then 5 when '基本满意' then 3 when '不满意' then 1 end,
            承办党员
        from {source}
        """
    )
    con.execute("commit")
    con.close()


def _raw_xlsx(path: str, workdir: str) -> None:
    """The isolated reader our import uses, with nothing of ours: a child process started, the
    sheet read raw by fastexcel there, its Arrow columns handed back over a pipe."""
    import pyarrow as pa

    reader = (
        "import sys, fastexcel, pyarrow as pa\n"
        "batch = fastexcel.read_excel(sys.stdin.buffer.read()).load_sheet(0).to_arrow()\n"
        "with pa.ipc.new_stream(sys.stdout.buffer, batch.schema) as out:\n"
        "    out.write_batch(batch)\n"
    )
    with open(path, "rb") as source:
        child = subprocess.Popen([sys.executable, "-c", reader], stdin=source, stdout=subprocess.PIPE)
        table = pa.ipc.open_stream(child.stdout).read_all()
    if child.wait() != 0 or table.num_rows == 0:
        raise SystemExit("the isolated raw read failed")


def _settings_file(workdir: Path) -> Path:
    """The project's settings with the file size limit raised for a 200 MB CSV."""
    settings = workdir / "settings.toml"
    if not settings.exists():
        text = (REPO / "settings.toml").read_text("utf-8")
        settings.write_text(re.sub(r"(?m)^max_file_mb = .*$", "max_file_mb = 4096", text), encoding="utf-8")
    return settings


def _ours(path: str, workdir: str) -> list[str]:
    """The full import as staff run it (read, validate, upsert, history, archive), into a
    database holding the registry: `python -m village_stats import`."""
    database = str(Path(workdir) / "ours.duckdb")
    return [sys.executable, "-m", "village_stats", "import", path, "--dataset", "tickets", "--db", database]


def _prepare(registry: str, workdir: str) -> None:
    if Path(registry).suffix == ".duckdb":  # --into city: the city database is the starting point
        shutil.copyfile(registry, Path(workdir) / "ours.duckdb")
        return
    from village_stats.db import open_database
    from village_stats.importing import import_file
    from village_stats.settings import load_settings

    database = open_database(Path(workdir) / "ours.duckdb")
    outcome = import_file(database, Path(registry), load_settings(), dataset="villages")
    if not outcome.committed:
        raise SystemExit("registry import failed: " + "; ".join(i.describe() for i in outcome.issues[:5]))


def _city(path: str, workdir: str) -> None:
    from village_stats.scale import SCALES, build
    from village_stats.settings import load_settings

    build(Path(path), SCALES["city"], load_settings(), force=True)


def _profile(path: str, workdir: str) -> None:
    """The CLI import run in this process with a clock on each step and on each SQL statement.

    Wrappers are put around the importer's own steps from outside (the product code carries
    no timing hooks); statements are timed through a proxy of the write connection.
    """
    started = time.perf_counter()
    spans: list[tuple[str, float, float]] = []
    statements: list[tuple[str, float]] = []

    def timed(owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            begun = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spans.append((label, begun - started, time.perf_counter() - started))

        setattr(owner, name, wrapper)

    database = str(Path(workdir) / "ours.duckdb")
    argv = ["import", path, "--dataset", "tickets", "--db", database]
    from village_stats import read_ahead

    read_ahead.start(argv)  # as __main__ does, before the rest loads
    spans.append(("read ahead: a workbook's reading child started", 0.0, time.perf_counter() - started))
    import village_stats.cli as cli
    from village_stats import archive, csv_files, db, loading, raw_rows, workbooks

    spans.append(("start-up: Python and our modules", 0.0, time.perf_counter() - started))

    class Timed:
        def __init__(self, con: object) -> None:
            self._con = con

        def execute(self, sql: str, *args: object, **kwargs: object) -> object:
            begun = time.perf_counter()
            try:
                return self._con.execute(sql, *args, **kwargs)
            finally:
                statements.append((" ".join(sql.split())[:100], time.perf_counter() - begun))

        def __getattr__(self, name: str) -> object:
            return getattr(self._con, name)

    write = db.Database.write

    @contextlib.contextmanager
    def timed_write(self: object) -> Iterator[object]:
        begun = time.perf_counter()
        with write(self) as con:
            spans.append(("open for writing", begun - started, time.perf_counter() - started))
            yield Timed(con)
            closing = time.perf_counter()
        spans.append(("close (checkpoint, fsync)", closing - started, time.perf_counter() - started))

    db.Database.write = timed_write
    for owner, name, label in [
        (loading, "read_sheets", "read the CSV (bulk table, row flags)"),
        (workbooks.PendingWorkbook, "result", "wait for the workbook's sheets from the child"),
        (loading, "locate_table", "find the header"),
        (loading, "registry", "load the registry"),
        (loading, "validate_table", "validate (typed table, rules, duplicates)"),
        (raw_rows, "_flag_sheet_cells", "a long sheet's row flags, kept as Arrow"),
        (loading, "upsert", "upsert with before-images"),
        (loading, "record_import", "record the import"),
        (csv_files, "stream_bulk_csv", "check the CSV, a chunk at a time"),
        (archive.ArchiveCopy, "copy_of", "archive copy by the OS (own thread)"),
        (loading, "file_sha256", "sha256 of the copy (own thread)"),
        (archive.ArchiveCopy, "_flush_and_close", "archive fsync (own thread)"),
        (archive.ArchiveCopy, "place", "archive: wait for its fsync, rename"),
        (loading, "sha256_of", "sha256 (own thread; files read whole)"),
        (archive, "archive_original", "archive copy and fsync (own thread; files read whole)"),
    ]:
        timed(owner, name, label)
    code = cli.main(argv)
    spans.append(("whole import command", 0.0, time.perf_counter() - started))
    if code != 0:
        raise SystemExit("the profiled import failed")
    print(f"\n  timeline of one import of {Path(path).name} (seconds since the process began running Python)")
    for label, begun, ended in sorted(spans, key=lambda span: (span[1], -span[2])):
        print(f"  {begun:7.2f} → {ended:7.2f}  {ended - begun:6.2f} s  {label}")
    print("  slowest statements:")
    for sql, seconds in sorted(statements, key=lambda statement: -statement[1])[:8]:
        print(f"  {seconds:6.2f} s  {sql}")


ACTIONS = {
    "raw_csv": _raw_csv,
    "raw_upsert": _raw_upsert,
    "raw_xlsx": _raw_xlsx,
    "prepare": _prepare,
    "city": _city,
    "profile": _profile,
}
COMMANDS = {"ours": _ours}  # measured as the command line itself, not through this script


def measure(action: str, path: Path, workdir: Path, quiet: bool = True) -> tuple[float, float, float]:
    """(seconds, peak RSS in MiB, CPU seconds) of one action in its own process.

    CPU seconds (user + system, all threads) are reported beside the wall clock: on a
    machine shared with other work they move far less than elapsed time does.
    """
    environment = {**os.environ, "VILLAGE_STATS_SETTINGS": str(_settings_file(workdir))}
    if action in COMMANDS:
        command = COMMANDS[action](str(path), str(workdir))
    else:
        command = [sys.executable, __file__, "--child", action, str(path), str(workdir)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.DEVNULL if quiet else None)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{action} on {path.name} failed")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


# (label, baseline action, baseline file, our file, target)
PAIRS = [
    ("UTF-8 CSV", "raw_csv", "csv", "csv", 2.0),
    ("GB18030 CSV", "raw_csv", "csv", "gb18030", 3.0),
    ("xlsx, inline strings", "raw_xlsx", "xlsx", "xlsx", 1.5),
    ("xlsx, shared strings", "raw_xlsx", "xlsx_shared", "xlsx_shared", 1.5),
]
BASELINES = {"raw_csv": "DuckDB read_csv", "raw_xlsx": "isolated reader", "raw_upsert": "DuckDB upsert"}


def _spread(values: list[float], digits: int = 2) -> str:
    """median (min–max)"""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="service tickets in each CSV")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated, of: {', '.join(SHAPES)}")
    parser.add_argument("--child", nargs=3, metavar=("ACTION", "PATH", "WORKDIR"), help=argparse.SUPPRESS)
    parser.add_argument("--generate-into", nargs=3, metavar=("FOLDER", "SHAPE", "CITY"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--only", choices=("csv", "xlsx"), help="measure only the CSV or only the xlsx figures")
    parser.add_argument("--repeat", type=int, default=5, help="pairs of each measurement (baseline, ours), alternating")
    parser.add_argument("--profile", action="store_true", help="also time each step of one import per shape")
    parser.add_argument(
        "--into",
        choices=("registry", "city"),
        default="registry",
        help="import into a database holding only the shape's units, or into the city (5M tickets; 10%% changed)",
    )
    args = parser.parse_args()
    if args.child:
        action, path, workdir = args.child
        ACTIONS[action](path, workdir)
        return 0
    if args.generate_into:
        folder, shape, city = args.generate_into
        xlsx_rows = args.xlsx_rows if shape == XLSX_SHAPE else 0
        _generate(Path(folder), args.rows, xlsx_rows, SHAPES[shape], Path(city) if city else None)
        return 0

    shapes = [name.strip() for name in args.shapes.split(",") if name.strip()]
    if args.into == "city":
        shapes = ["many"]  # the city's units are the many-villages shape
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        city = None
        if args.into == "city":
            # built in a child: a parent grown by the build would lend its RSS to every child it forks
            city = root / "city.duckdb"
            seconds, _, _ = measure("city", city, root)
            print(f"built the city database in {seconds:.1f} s ({city.stat().st_size / 1e6:.0f} MB)")
        for shape in shapes:
            results[shape] = _measure_shape(args, shape, root / shape, city)
    _print_worst(results)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    return 0


def _measure_shape(args: argparse.Namespace, shape: str, folder: Path, city: Path | None) -> dict[str, object]:
    folder.mkdir()
    started = time.perf_counter()
    # generated in a child: DuckDB's memory in this process would count in every measured
    # child's peak RSS (Linux keeps the parent's RSS at fork in the child's maximum)
    command = [sys.executable, __file__, "--rows", str(args.rows), "--xlsx-rows", str(args.xlsx_rows)]
    subprocess.run([*command, "--generate-into", str(folder), shape, str(city or "")], check=True)
    files = _files(folder)
    # the generator leaves hundreds of MB of dirty pages behind: written back now, not during
    # the first measured import's fsyncs (the archive's, the database's), which would wait for them
    os.sync()
    print(
        f"\n== {shape}: {SHAPES[shape].description}\n"
        f"   {args.rows:,} tickets, {files['csv'].stat().st_size / 1e6:.0f} MB CSV, generated in "
        f"{time.perf_counter() - started:.1f} s"
    )
    pairs = [pair for pair in PAIRS if files[pair[3]].exists()]
    if args.only:
        pairs = [pair for pair in pairs if pair[0].startswith("xlsx") == (args.only == "xlsx")]
    if city is not None:  # against DuckDB's own upsert into a copy of the same city as well
        pairs.append(("UTF-8 CSV into the city", "raw_upsert", "csv", "csv", 2.0))
    runs: dict[str, list[tuple[tuple[float, float, float], tuple[float, float, float]]]] = {p[0]: [] for p in pairs}
    # the pairs take turns (raw, ours, raw, ours …), so a change in the machine's load
    # falls on both sides of a ratio rather than on one
    for run in range(args.repeat):
        for label, baseline, baseline_file, our_file, _ in pairs:
            measured = []
            for action, source in ((baseline, baseline_file), ("ours", our_file)):
                workdir = folder / f"{label.replace(' ', '_')}_{action}_{run}"
                workdir.mkdir()
                if action in ("ours", "raw_upsert"):
                    measure("prepare", city or files["registry"], workdir)
                    os.sync()
                measured.append(measure(action, files[source], workdir))
                shutil.rmtree(workdir)
            runs[label].append((measured[0], measured[1]))
    load = os.getloadavg()[0]
    print(f"   {'':24} {'baseline s':>20} {'ours s':>20} {'ratio wall':>20} {'ratio CPU':>20} {'peak MiB':>9}")
    figures: dict[str, object] = {}
    for label, baseline, _, _, target in pairs:
        pairs_run = runs[label]
        wall = [ours[0] / base[0] for base, ours in pairs_run]
        cpu = [ours[2] / base[2] for base, ours in pairs_run]
        peak = max(ours[1] for _, ours in pairs_run)
        print(
            f"   {label:24} {_spread([b[0] for b, _ in pairs_run]):>20} {_spread([o[0] for _, o in pairs_run]):>20} "
            f"{_spread(wall):>20} {_spread(cpu):>20} {peak:9.0f}   vs {BASELINES[baseline]}, target ≤ {target}"
        )
        figures[label] = {
            "ratio_wall": statistics.median(wall),
            "ratio_wall_range": [min(wall), max(wall)],
            "ratio_cpu": statistics.median(cpu),
            "peak_mib": peak,
            "target": target,
        }
    print(f"   (load average {load:.1f} on {os.cpu_count()} cores)")
    if args.profile:
        for source in ("csv", "xlsx", "xlsx_shared"):
            if files[source].exists() and (not args.only or source.startswith(args.only)):
                workdir = folder / f"profile_{source}"
                workdir.mkdir()
                measure("prepare", city or files["registry"], workdir)
                measure("profile", files[source], workdir, quiet=False)
    return figures


def _print_worst(results: dict[str, dict[str, object]]) -> None:
    """The figure the README quotes: for each kind of file, the shape it does worst on."""
    print("\nworst shape per file kind (median wall ratio):")
    kinds = {label for figures in results.values() for label in figures}
    for label in sorted(kinds):
        worst = max(
            ((shape, figures[label]) for shape, figures in results.items() if label in figures),
            key=lambda item: item[1]["ratio_wall"],
        )
        shape, figure = worst
        verdict = "met" if figure["ratio_wall"] <= figure["target"] else "NOT met"
        print(
            f"  {label:24} {figure['ratio_wall']:.2f}× on '{shape}' (target ≤ {figure['target']}: {verdict}), "
            f"peak {figure['peak_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    raise SystemExit(main())
