"""Connection and cache at city scale: does the leasing design of docs/decisions.md still hold?

    python benchmarks/connection.py

Measures, on the town and on the city database:
  open      Database.read() on a closed file: the read-only open each cache-missing page run pays
  version   Database.version(), the cache key checked on every query call
  threads   5 threads reading at once through Database.read() (cursors on one shared connection),
            against the same 5 queries one after another — and that none of them fails
  cache hit what st.cache_data costs to hand back a 3,000-row result (it unpickles a copy)
"""

from __future__ import annotations

import pickle
import statistics
import tempfile
import threading
import time
from pathlib import Path

from serving import city_db, machine, town_db

QUERIES = ["ticket_resolution", "tickets_by_kind", "ticket_funnel", "star_changes", "problems_by_village"]


def _median_ms(action, repeats: int = 7) -> float:
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def measure(path: Path) -> dict[str, float]:
    from village_stats import queries
    from village_stats.db import Database

    db = Database(path)
    params = {"year": 2024, "town": None, "area": None, "villages": None}

    def open_and_close() -> None:
        with db.read() as cur:
            cur.execute("select 1").fetchone()

    def one(name: str) -> None:
        with db.read() as cur:
            queries.run_query(cur, name, **params)

    def sequential() -> None:
        for name in QUERIES:
            one(name)

    failures: list[BaseException] = []

    def concurrent() -> None:
        def work(name: str) -> None:
            try:
                one(name)
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=work, args=(name,)) for name in QUERIES]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    with db.read() as cur:
        frame = queries.run_query(cur, "star_changes", **params)
    blob = pickle.dumps(frame)
    results = {
        "open": _median_ms(open_and_close),
        "version": _median_ms(db.version, 101),
        "sequential": _median_ms(sequential, 3),
        "threads": _median_ms(concurrent, 3),
        "cache_hit": _median_ms(lambda: pickle.loads(blob)),
        "rows": len(frame),
    }
    if failures:
        raise SystemExit(f"concurrent reads failed: {failures[0]!r}")
    return results


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-connection-") as folder:
        town, city = measure(town_db(Path(folder))), measure(city_db())
    print(f"machine: {machine()}")
    print(f"{'':34} {'town':>9} {'city':>9} {'ratio':>6}")
    for key, label in (
        ("open", "open read-only + close (ms)"),
        ("version", "version() cache key (ms)"),
        ("sequential", "5 queries one after another (ms)"),
        ("threads", "the same 5 in 5 threads (ms)"),
        ("cache_hit", "cache hit, star_changes (ms)"),
    ):
        print(f"{label:34} {town[key]:9.3f} {city[key]:9.3f} {city[key] / town[key]:5.1f}×")
    print(f"star_changes rows: town {town['rows']}, city {city['rows']}; no concurrent read failed")
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
