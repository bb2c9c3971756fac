"""Named queries: `queries/<name>.sql`, one statement each, `$name` parameters bound by DuckDB.

Each file starts with a comment header:

    -- 村财收入分档（累计）：各档位以上的村数和占比
    -- params: $year (integer), $town (varchar) ...
    -- grain: one row per tier

The runner checks that the parameters given are exactly the ones the header
declares, so a typo is an error rather than a silent NULL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from village_stats.errors import VillageStatsError
from village_stats.settings import REPO_ROOT

if TYPE_CHECKING:  # `.df()` loads pandas when a query runs; a command that runs none need not
    import pandas as pd

QUERIES_DIR = REPO_ROOT / "queries"
# the metric rules and scope macros every query calls; not a query (db.py applies it to the file)
MACROS_PATH = QUERIES_DIR / "_macros.sql"
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class QueryError(VillageStatsError, ValueError):
    """A named query was asked for wrongly: unknown name, or parameters that do not match."""

    code = "bad-query"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str  # the first header line, Chinese
    params: tuple[str, ...]  # declared in the header, in order
    param_types: dict[str, str]  # name → the type word the header gives (integer, varchar[], date …)
    grain: str
    sql: str

    @property
    def used_params(self) -> set[str]:
        body = "\n".join(line.split("--", 1)[0] for line in self.sql.splitlines())
        return set(_PARAM.findall(body))


def _parse(path: Path) -> NamedQuery:
    sql = path.read_text(encoding="utf-8")
    header = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        header.append(line[2:].strip())
    fields = dict(line.split(":", 1) for line in header[1:] if ":" in line)
    params_line = fields.get("params", "").strip()
    declared = re.findall(r"\$([a-z_][a-z0-9_]*)\s*\(([^,)]+)", params_line)
    return NamedQuery(
        name=path.stem,
        title=header[0] if header else "",
        params=tuple(name for name, _ in declared),
        param_types={name: kind.strip() for name, kind in declared},
        grain=fields.get("grain", "").strip(),
        sql=sql,
    )


@cache
def load_query(name: str) -> NamedQuery:
    path = QUERIES_DIR / f"{name}.sql"
    if not re.fullmatch(r"[a-z0-9][a-z0-9_]*", name) or not path.exists():
        raise QueryError(f"没有名为“{name}”的查询")
    return _parse(path)


def all_queries() -> list[NamedQuery]:
    return [load_query(path.stem) for path in sorted(QUERIES_DIR.glob("[!_]*.sql"))]


def run_query(cur: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run named query `name` with exactly its declared parameters; a DataFrame back."""
    query = load_query(name)
    given, declared = set(params), set(query.params)
    if given != declared:
        missing = "、".join(sorted(declared - given))
        extra = "、".join(sorted(given - declared))
        detail = "；".join(part for part in (missing and f"缺少参数 {missing}", extra and f"多余参数 {extra}") if part)
        raise QueryError(f"查询“{name}”的参数不对：{detail}")
    return cur.execute(query.sql, params).df()


@dataclass(frozen=True)
class Scope:
    """The sidebar's filters: town, 片区 and villages; None means all."""

    town: str | None = None
    area: str | None = None
    villages: tuple[str, ...] | None = None

    def params(self) -> dict[str, object]:
        return {"town": self.town, "area": self.area, "villages": list(self.villages) if self.villages else None}

    def label(self, default_town: str) -> str:
        """How a report names the scope: 全镇, 东片, 北垞、竹秀等3个村(社区)."""
        if self.villages:
            names = [v[:-1] if v.endswith("村") else v for v in self.villages]
            shown = "、".join(names[:3])
            return shown if len(names) <= 3 else f"{shown}等{len(names)}个村(社区)"
        if self.area:
            return self.area
        return "全镇" if self.town in (None, default_town) else self.town
