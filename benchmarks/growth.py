"""Growth: how much longer a page takes to rerun after a filter change at city scale than at town scale.

    python benchmarks/growth.py               # every data page, 5 repeats
    python benchmarks/growth.py --repeats 3
    python benchmarks/growth.py --page 五单服务 --page 总览   # only these pages
    python benchmarks/growth.py --page 五单服务 --profile      # and where a city cold rerun spends its time

For every page, in one process (AppTest, no browser), the rerun after the year
filter changes (between the town's two newest years with every ledger: 2024 → 2023, and
2023 → 2024 on the four mechanism pages, whose 党员积分 the demo has for 2024 only) is
timed on:
  town      the bundled demo (1 town, 25 units, ~200 tickets a year)
  city      the city database with 全部镇(街道) (150 towns, 3,000 units, 1,000,000 tickets a year)
  city-town the same city database with one town chosen (the configured 青溪镇)
"cold" clears the query cache and reruns once on the old year first, so the rerun
measured runs every query that depends on the year and none that does not (the
year and village lists); "warm" is the same change when the results are cached
(the second person to look, or a change back). Target (issue): city ÷ town ≤ 2.0.
"cpu" is the process's CPU time (user + system, every thread: DuckDB's too) of the same cold reruns:
on a machine shared with other work it moves much less than the wall time does.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from serving import ALL_TOWNS, PAGES, REPO, city_db, machine, town_db

# The four mechanism pages: the demo town has 党员积分 for its newest year only, so on these
# pages the change measured is the other way, to the newest year (2023 → 2024).
MECHANISM_PAGES = [
    ("党员积分", "points", "views/points.py"),
    ("书记工作室", "studios", "views/studios.py"),
    ("乡贤参与", "sages", "views/sages.py"),
    ("村干部", "cadres", "views/cadres.py"),
]

DASHBOARD = str(REPO / "dashboard.py")


def _app(database: Path, town: str | None, script: str):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["VILLAGE_STATS_DB"] = str(database)
    st.cache_data.clear()
    app = AppTest.from_file(DASHBOARD, default_timeout=600).run()
    if town:
        app.selectbox(key="town").select(town).run()
    app.switch_page(script).run()
    return app


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(
    database: Path, town: str | None, script: str, repeats: int, years: tuple[int, int]
) -> tuple[float, float, float]:
    """Median seconds of (cold, warm) reruns after a change from years[0] to years[1], and the cold ones' CPU."""
    import streamlit as st

    app = _app(database, town, script)
    offered = {int(year) for year in app.selectbox(key="year").options}
    assert set(years) <= offered, (years, offered)
    first, second = years
    cold, warm, cold_cpu = [], [], []
    for _ in range(repeats):
        st.cache_data.clear()
        app.selectbox(key="year").select(first).run()  # the lists and the old year cached again
        app.selectbox(key="year").select(second)
        started, cpu = time.perf_counter(), _cpu_seconds()
        app.run()
        cold.append(time.perf_counter() - started)
        cold_cpu.append(_cpu_seconds() - cpu)
        assert not app.exception, app.exception
    for index in range(repeats):
        app.selectbox(key="year").select(first if index % 2 else second)
        started = time.perf_counter()
        app.run()
        warm.append(time.perf_counter() - started)
    return statistics.median(cold), statistics.median(warm), statistics.median(cold_cpu)


def profile(database: Path, town: str | None, script: str, years: tuple[int, int], top: int = 25) -> None:
    """Print where one cold rerun spends its time: each named query's milliseconds, then cProfile's
    functions of the script thread by cumulative time (AppTest runs the script in a thread of its own)."""
    import cProfile
    import pstats

    import streamlit as st
    from streamlit.runtime.scriptrunner import script_runner

    from village_stats import queries

    timings: list[tuple[str, float, int]] = []
    run_query = queries.run_query

    def timed(cur, name: str, **params: object):
        started = time.perf_counter()
        frame = run_query(cur, name, **params)
        timings.append((name, time.perf_counter() - started, len(frame)))
        return frame

    profiler = cProfile.Profile()
    run_script = script_runner.ScriptRunner._run_script
    active = False

    def profiled(self, *args, **kwargs):
        if not active:
            return run_script(self, *args, **kwargs)
        profiler.enable()
        try:
            return run_script(self, *args, **kwargs)
        finally:
            profiler.disable()

    app = _app(database, town, script)
    first, second = years
    queries.run_query, script_runner.ScriptRunner._run_script = timed, profiled
    try:
        st.cache_data.clear()
        app.selectbox(key="year").select(first).run()
        app.selectbox(key="year").select(second)
        timings.clear()
        active = True
        started = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - started
        active = False
    finally:
        queries.run_query, script_runner.ScriptRunner._run_script = run_query, run_script
    print(f"  one cold rerun under the profiler: {elapsed * 1000:.0f} ms; named queries run:")
    for name, seconds, rows in timings:
        print(f"    {name:40} {seconds * 1000:7.1f} ms  {rows:>7,} rows")
    print(f"    {'(all of them)':40} {sum(s for _, s, _ in timings) * 1000:7.1f} ms")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"village_stats|views|dashboard|plotly_chart|dataframe", top)


def _two_newest_years(database: Path) -> tuple[int, int]:
    """The two newest years in which every ledger of the page benchmarks has data."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select year from (select year from village_income intersect select year from projects"
            " intersect select year from star_ratings intersect select year from problems"
            " intersect select distinct year(ordered_at) from service_tickets) order by year desc limit 2"
        ).fetchall()
    return int(rows[0][0]), int(rows[1][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    titles = [title for title, _, _ in PAGES + MECHANISM_PAGES]
    parser.add_argument(
        "--page",
        action="append",
        choices=titles,
        metavar="NAME",
        help=f"only this page (repeatable): {' '.join(titles)}",
    )
    parser.add_argument("--profile", action="store_true", help="after each page, profile one city cold rerun")
    args = parser.parse_args()
    from village_stats.settings import load_settings

    configured = load_settings().town
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as folder:
        town = town_db(Path(folder))
        city = city_db()
        # The same two calendar years on both sides, both with data on every page of the town: the
        # first version changed to the town's third-newest year, in which the demo has no 问题整改
        # ledger, so that page's town figure was an empty state.
        years = _two_newest_years(town)
        print(f"machine: {machine()}")
        print(f"year change measured: {years[0]} → {years[1]}")
        print(
            f"{'page':8} {'town cold':>10} {'city cold':>10} {'ratio':>6} {'city-town':>10} {'ratio':>6}"
            f" {'town warm':>10} {'city warm':>10} {'ratio':>6} {'town cpu':>9} {'city cpu':>9} {'ratio':>6}"
        )
        mechanism_scripts = {script for _, _, script in MECHANISM_PAGES}
        for title, _, script in PAGES + MECHANISM_PAGES:
            if args.page and title not in args.page:
                continue
            change = (years[1], years[0]) if script in mechanism_scripts else years
            town_cold, town_warm, town_cpu = measure(town, None, script, args.repeats, change)
            city_cold, city_warm, city_cpu = measure(city, ALL_TOWNS, script, args.repeats, change)
            one_cold, _, _ = measure(city, configured, script, args.repeats, change)
            print(
                f"{title:8} {town_cold * 1000:8.0f}ms {city_cold * 1000:8.0f}ms {city_cold / town_cold:5.1f}×"
                f" {one_cold * 1000:8.0f}ms {one_cold / town_cold:5.1f}×"
                f" {town_warm * 1000:8.0f}ms {city_warm * 1000:8.0f}ms {city_warm / town_warm:5.1f}×"
                f" {town_cpu * 1000:7.0f}ms {city_cpu * 1000:7.0f}ms {city_cpu / town_cpu:5.1f}×",
                flush=True,
            )
            if args.profile:
                profile(city, ALL_TOWNS, script, change)
        print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
