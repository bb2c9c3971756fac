"""Portability: how many of queries/*.sql another engine's SQL dialect can take as they are.

    pip install sqlglot        # a development tool only; the dashboard does not need it
    python benchmarks/portability.py

Every named query is parsed as DuckDB SQL and written out for Trino, Spark SQL
and StarRocks (Doris speaks the same MySQL-flavoured dialect) by sqlglot. The
script counts the queries that transpile without an unsupported-feature error and
lists what stands in the way for the others. The table macros of schema.sql
(scoped_units, scoped_projects, share_pct) are not SQL the other engines know:
they would become views or be inlined, see docs/scaling.md.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MACROS = ("scoped_units(", "scoped_projects(", "share_pct(")
DIALECTS = ("trino", "spark", "starrocks")


def main() -> None:
    try:
        import sqlglot
        from sqlglot.errors import ErrorLevel
    except ImportError:
        raise SystemExit("sqlglot is not installed: pip install sqlglot") from None
    files = sorted((REPO / "queries").glob("*.sql"))
    print(f"sqlglot {sqlglot.__version__}, {len(files)} named queries")
    uses_macros = Counter()
    for path in files:
        sql = path.read_text(encoding="utf-8")
        for macro in MACROS:
            if macro in sql:
                uses_macros[macro.rstrip("(")] += 1
    print("queries using our DuckDB macros: " + ", ".join(f"{m} {n}" for m, n in uses_macros.items()))
    for dialect in DIALECTS:
        clean, problems = 0, Counter()
        for path in files:
            sql = path.read_text(encoding="utf-8")
            try:
                sqlglot.transpile(sql, read="duckdb", write=dialect, unsupported_level=ErrorLevel.RAISE)
                clean += 1
            except Exception as error:
                reason = re.sub(r"\s+", " ", str(error)).split(". ")[0][:90]
                problems[reason] += 1
        print(f"{dialect:10} {clean}/{len(files)} transpile without an unsupported-feature error")
        for reason, count in problems.most_common(6):
            print(f"           {count:3} × {reason}")


if __name__ == "__main__":
    sys.exit(main())
