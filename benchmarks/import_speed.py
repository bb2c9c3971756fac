"""Import speed and memory, as ratios against the raw readers, measured in one run.

    python benchmarks/import_speed.py               # 1,000,000 tickets, 100,000-row xlsx
    python benchmarks/import_speed.py --rows 50000  # a quicker look
    python benchmarks/import_speed.py --only xlsx --repeat 3  # the xlsx pair only, medians of 3
    python benchmarks/import_speed.py --into city   # into the city database (5M tickets), 10% changed

Every measurement runs in its own child process, so its peak RSS is its own.
Targets (import issue): full CSV import ≤ 2.0× DuckDB's own read_csv into a
database file; the same file in GB18030 ≤ 3.0×; xlsx ≤ 1.5× the fastest raw
reader (fastexcel → Arrow, else python-calamine); peak memory ≤ 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TOWNS = 150
VILLAGES_PER_TOWN = 20


def _files(folder: Path) -> dict[str, Path]:
    """Where `_generate` writes the registry, the tickets CSV (UTF-8 and GB18030) and the xlsx."""
    names = {"registry": "registry.csv", "csv": "tickets.csv", "gb18030": "tickets_gb18030.csv", "xlsx": "tickets.xlsx"}
    return {kind: folder / name for kind, name in names.items()}


def _generate(folder: Path, rows: int, xlsx_rows: int, city: Path | None = None) -> dict[str, Path]:
    """Registry CSV, tickets CSV (UTF-8 and GB18030) and a tickets xlsx, deterministic.

    With `city` (a `demo --scale city` database) the tickets name the city's own
    3,000 units, and every tenth one carries the number of a ticket the city already
    holds, with other content: an upsert of 10% changed and 90% new rows.
    """
    import duckdb
    import xlsxwriter

    files = _files(folder)
    registry, tickets = files["registry"], files["csv"]
    con = duckdb.connect()
    if city is None:
        con.execute(
            f"""
            create table units as
            select
                t * {VILLAGES_PER_TOWN} + v as unit_no,
                '第' || (t + 1) || '镇' as town,
                '样本' || (t * {VILLAGES_PER_TOWN} + v + 1) || '村' as name,
                '村' as kind,
                ['东片', '西片', '南片', '北片'][v % 4 + 1] as area
            from range({TOWNS}) as a (t), range({VILLAGES_PER_TOWN}) as b (v)
            """
        )
        ticket_id = "'WD' || lpad(i::varchar, 8, '0')"
    else:
        con.execute(f"attach '{city}' as city (read_only)")
        con.execute(
            "create table units as select (row_number() over (order by town, name) - 1) % "
            f"{TOWNS * VILLAGES_PER_TOWN} as unit_no, town, name, kind, area from city.villages"
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
    con.execute(
        f'copy (select town as 所属镇, name as "村(社区)名称", kind as 类型, area as 片区 from units) '
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
    con.execute(
        f"""
        copy (
            select
                {ticket_id} as 工单编号,
                u.town as 所属镇,
                u.name as "村(社区)名称",
                '第' || (i % 5 + 1) || '网格' as 网格,
                ['群众建议', '支部派单', '服务代办', '服务代办', '服务代办'][i % 5 + 1] as 类型,
                ['民生保障', '基础设施', '住房安全', '环境整治', '矛盾纠纷', '政策咨询'][i % 6 + 1] as 诉求类别,
                {contents!r}[i % 6 + 1] || '（第' || (i % 97) || '号）' as 诉求内容,
                strftime(timestamp '2023-01-02 08:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') as 点单时间,
                strftime(timestamp '2023-01-02 09:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') as 领单时间,
                strftime(timestamp '2023-01-02 11:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') as 派单时间,
                case when i % 20 <> 0
                    then strftime(timestamp '2023-01-04 16:30' + to_minutes(i % 500000), '%Y-%m-%d %H:%M') end
                    as 晒单时间,
                case when i % 20 <> 0 then ['满意', '满意', '满意', '基本满意', '不满意'][i % 5 + 1] end as 评单,
                '党员' || (i % 3000) as 承办党员
            from range({rows}) as r (i)
            join units as u on u.unit_no = (i % {TOWNS}) * {VILLAGES_PER_TOWN} + (i // {TOWNS}) % {VILLAGES_PER_TOWN}
            order by i
        ) to '{tickets}' (header, delimiter ',')
        """
    )
    gbk = files["gb18030"]
    with tickets.open("r", encoding="utf-8") as source, gbk.open("w", encoding="gb18030") as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)
    xlsx = files["xlsx"]
    header = con.execute(f"select * from read_csv('{tickets}', all_varchar=true) limit 0").description
    book = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True})
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, [d[0] for d in header])
    cursor = con.execute(f"select * from read_csv('{tickets}', all_varchar=true) limit {xlsx_rows}")
    number = 1
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            sheet.write_row(number, 0, row)
            number += 1
    book.close()
    return files


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
    try:
        import fastexcel

        fastexcel.read_excel(path).load_sheet(0).to_arrow()
    except ImportError:
        import python_calamine

        python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


def _ours(path: str, workdir: str) -> list[str]:
    """The full import as staff run it (read, validate, upsert, history, archive), into a
    database holding the registry: `python -m village_stats import`, the file size limit
    raised for the 200 MB CSV through a settings file of its own."""
    settings = Path(workdir) / "settings.toml"
    limits = re.sub(r"(?m)^max_file_mb = .*$", "max_file_mb = 4096", (REPO / "settings.toml").read_text("utf-8"))
    settings.write_text(limits, encoding="utf-8")
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


ACTIONS = {"raw_csv": _raw_csv, "raw_upsert": _raw_upsert, "raw_xlsx": _raw_xlsx, "prepare": _prepare, "city": _city}
COMMANDS = {"ours": _ours}  # measured as the command line itself, not through this script


def measure(action: str, path: Path, workdir: Path) -> tuple[float, float, float]:
    """(seconds, peak RSS in MiB, CPU seconds) of one action in its own process.

    CPU seconds (user + system, all threads) are reported beside the wall clock: on a
    machine shared with other work they move far less than elapsed time does.
    """
    if action in COMMANDS:
        command = COMMANDS[action](str(path), str(workdir))
        environment = {**os.environ, "VILLAGE_STATS_SETTINGS": str(workdir / "settings.toml")}
    else:
        command, environment = [sys.executable, __file__, "--child", action, str(path), str(workdir)], None
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{action} on {path.name} failed")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="service tickets in the CSV")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, metavar=("ACTION", "PATH", "WORKDIR"), help=argparse.SUPPRESS)
    parser.add_argument("--generate-into", nargs=2, metavar=("FOLDER", "CITY"), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--only", choices=("csv", "xlsx"), help="measure only the CSV or only the xlsx figures")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; medians are printed")
    parser.add_argument(
        "--into",
        choices=("registry", "city"),
        default="registry",
        help="import into a database holding only the 3,000 units, or into the city (5M tickets; 10%% changed)",
    )
    args = parser.parse_args()
    if args.child:
        action, path, workdir = args.child
        ACTIONS[action](path, workdir)
        return 0
    if args.generate_into:
        folder, city = args.generate_into
        _generate(Path(folder), args.rows, args.xlsx_rows, Path(city) if city else None)
        return 0

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        city = None
        if args.into == "city":
            # built in a child: a parent grown by the build would lend its RSS to every child it forks
            city = folder / "city.duckdb"
            seconds, _, _ = measure("city", city, folder)
            print(f"built the city database in {seconds:.1f} s ({city.stat().st_size / 1e6:.0f} MB)")
        # generated in a child: DuckDB's memory in this process would count in every measured
        # child's peak RSS (Linux keeps the parent's RSS at fork in the child's maximum)
        command = [sys.executable, __file__, "--rows", str(args.rows), "--xlsx-rows", str(args.xlsx_rows)]
        subprocess.run([*command, "--generate-into", str(folder), str(city or "")], check=True)
        files = _files(folder)
        # the generator leaves hundreds of MB of dirty pages behind: written back now, not during
        # the first measured import's fsyncs (the archive's, the database's), which would wait for them
        os.sync()
        print(
            f"generated {args.rows:,} tickets ({files['csv'].stat().st_size / 1e6:.0f} MB CSV) and "
            f"{args.xlsx_rows:,}-row xlsx in {time.perf_counter() - started:.1f} s"
        )
        measured = [
            ("duckdb read_csv (raw)", "raw_csv", "csv"),
            ("our import, UTF-8 CSV", "ours", "csv"),
            ("our import, GB18030 CSV", "ours", "gb18030"),
            ("raw xlsx read", "raw_xlsx", "xlsx"),
            ("our import, xlsx", "ours", "xlsx"),
        ]
        if city is not None:  # and the same upsert done by DuckDB alone, into a copy of the same city
            measured.insert(1, ("duckdb upsert into the city", "raw_upsert", "csv"))
        measured = [m for m in measured if not args.only or (m[2] == "xlsx") == (args.only == "xlsx")]
        runs: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _, _ in measured}
        # the repeats take turns (raw, ours, raw, ours …), so a change in the machine's load
        # falls on both sides of a ratio rather than on one
        for run in range(args.repeat):
            for label, action, source in measured:
                workdir = folder / f"{label.replace(' ', '_').replace(',', '')}_{run}"
                workdir.mkdir()
                if action in ("ours", "raw_upsert"):
                    measure("prepare", city or files["registry"], workdir)
                    os.sync()
                runs[label].append(measure(action, files[source], workdir))
        results: dict[str, tuple[float, float, float]] = {}
        for label, _, _ in measured:
            results[label] = tuple(statistics.median(r[i] for r in runs[label]) for i in range(3))  # type: ignore[assignment]
            seconds, rss, cpu = results[label]
            print(f"{label:28} {seconds:7.2f} s   CPU {cpu:7.2f} s   peak RSS {rss:7.0f} MiB")

    def ratio(label: str, baseline: str, index: int) -> float:
        return results[label][index] / results[baseline][index]

    pairs = {
        "UTF-8 CSV import / raw read_csv (target ≤ 2.0)": ("our import, UTF-8 CSV", "duckdb read_csv (raw)"),
        "GB18030 CSV import / raw read_csv (target ≤ 3.0)": ("our import, GB18030 CSV", "duckdb read_csv (raw)"),
        "xlsx import / raw xlsx read (target ≤ 1.5)": ("our import, xlsx", "raw xlsx read"),
    }
    if "duckdb upsert into the city" in results:
        pairs["UTF-8 CSV import / DuckDB's own upsert into the city"] = (
            "our import, UTF-8 CSV",
            "duckdb upsert into the city",
        )
    pairs = {name: pair for name, pair in pairs.items() if pair[0] in results}
    ratios = {name: ratio(*pair, 0) for name, pair in pairs.items()}
    cpu_ratios = {name: ratio(*pair, 2) for name, pair in pairs.items()}
    if "our import, UTF-8 CSV" in results:
        ratios["peak RSS of the CSV import, MiB (target ≤ 1024)"] = max(
            results["our import, UTF-8 CSV"][1], results["our import, GB18030 CSV"][1]
        )
    load = os.getloadavg()[0]
    print(f"\n{'':52} {'wall':>8} {'CPU':>8}   (load average {load:.1f} on {os.cpu_count()} cores)")
    for name, value in ratios.items():
        print(f"{name:52} {value:8.2f} {cpu_ratios.get(name, float('nan')):8.2f}")
    if args.json:
        print(json.dumps({"seconds_rss_cpu": results, "ratios": ratios, "cpu_ratios": cpu_ratios}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
