"""How query time and file size grow past a city, to see where one machine stops being enough.

    python benchmarks/extrapolate.py               # city and 4× city (600 towns, 20M tickets)
    python benchmarks/extrapolate.py --factor 2

Builds a database `--factor` times the city (towns and every row count scaled)
next to the city one, runs every named query with the widest scope (all towns,
the latest full year) on both, and prints the medians, the growth ratio, and a
linear extrapolation to a province (~20,000 villages, 100M tickets: 6.7× the
city's units, 20× its tickets). Needs several GB of disk; the file is deleted after.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from serving import city_db, machine

PROVINCE_TICKETS = 100_000_000


def timings(path: Path, repeats: int) -> dict[str, float]:
    from village_stats import queries
    from village_stats.cli import query_defaults
    from village_stats.db import Database
    from village_stats.settings import load_settings

    params = query_defaults(load_settings()) | {"year": 2024, "limit": 200, "offset": 0}
    found = {}
    with Database(path).read() as cur:
        for query in queries.all_queries():
            if query.name in ("last_imports",):
                continue
            bound = {name: params[name] for name in query.params}
            queries.run_query(cur, query.name, **bound)  # warm the file's blocks
            runs = []
            for _ in range(repeats):
                started = time.perf_counter()
                queries.run_query(cur, query.name, **bound)
                runs.append(time.perf_counter() - started)
            found[query.name] = statistics.median(runs)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from village_stats import scale
    from village_stats.settings import load_settings

    city = scale.SCALES["city"]
    bigger = replace(
        city,
        towns=city.towns * args.factor,
        projects=city.projects * args.factor,
        tickets=city.tickets * args.factor,
        problems=city.problems * args.factor,
    )
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-extrapolate-", dir=city_db().parent) as folder:
        built = scale.build(Path(folder) / "bigger.duckdb", bigger, load_settings())
        print(f"{args.factor}× city built: {built.summary()}", flush=True)
        sizes = (city_db().stat().st_size, built.path.stat().st_size)
        small, large = timings(city_db(), args.repeats), timings(built.path, args.repeats)
    province = PROVINCE_TICKETS / city.tickets
    print(
        f"file: city {sizes[0] / 2**20:.0f} MiB, {args.factor}× city {sizes[1] / 2**20:.0f} MiB"
        f" → province (×{province:.0f} tickets) ≈ {sizes[0] * province / 2**30:.1f} GiB"
    )
    print(f"{'query':32} {'city':>8} {f'{args.factor}×city':>8} {'growth':>7} {'province (linear)':>18}")
    total_city = total_large = 0.0
    for name in small:
        a, b = small[name], large[name]
        total_city, total_large = total_city + a, total_large + b
        per_step = b / a if a else 1.0
        print(f"{name:32} {a * 1000:6.0f}ms {b * 1000:6.0f}ms {per_step:6.1f}× {a * province * 1000:15.0f}ms")
    print(
        f"{'all queries':32} {total_city * 1000:6.0f}ms {total_large * 1000:6.0f}ms"
        f" {total_large / total_city:6.1f}× {total_city * province * 1000:15.0f}ms"
    )
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
