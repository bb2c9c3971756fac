"""The session's state: which database it shows, cached named queries, the year and scope filters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from village_stats import importing, queries
from village_stats import years as year_rules
from village_stats.db import Database, default_db_path, demo_db_path
from village_stats.db import recorded_town as db_recorded_town
from village_stats.queries import Scope
from village_stats.settings import REPO_ROOT, Settings, load_settings

ALL = "全部"
ALL_TOWNS = "全部镇(街道)"
READ_LINGER_SECONDS = 5.0  # the read connection outlives a page run by this much (see db.Database)

# the browser tab's icon, served by the app itself: a ":material/…" page_icon is fetched from fonts.gstatic.com
FAVICON = REPO_ROOT / "static" / "favicon.png"


def settings() -> Settings:
    """settings.toml, for the town the shown database records (`init`; the demo records 青溪镇)."""
    current = load_settings()
    if first_run_needed():
        return current
    db = database()
    return current.for_town(_recorded_town(str(db.path), db.version()))


@st.cache_data(show_spinner=False, max_entries=20)
def _recorded_town(path: str, version: tuple[int, ...]) -> str | None:
    with database().read() as cur:
        return db_recorded_town(cur)


def shown_database_path() -> Path:
    """The town's own database once it exists; before that, the demo's, if this session chose it."""
    own = default_db_path()
    if own.exists() or not st.session_state.get("use_demo"):
        return own
    return demo_db_path()


def database() -> Database:
    """The process's Database for the file this session shows (see shown_database_path)."""
    return _database(str(shown_database_path()))


@st.cache_resource(show_spinner="正在准备数据库……")
def _database(location: str) -> Database:
    current = load_settings()
    path = Path(location)
    if not path.exists() and path == demo_db_path():
        importing.build_demo(path, current)  # `serve` builds it beforehand; a bare `streamlit run` builds it here
    db = Database(path, current.lock_wait_seconds, linger_seconds=READ_LINGER_SECONDS)
    db.migrate()
    return db


# whether this visit starts on the first-run page (ui.first_run), and what the shown database holds


def first_run_needed() -> bool:
    """No database of the town's own yet and no choice made this session, or 开始使用本镇数据 was clicked."""
    if st.session_state.get("start_town"):
        return True
    return not default_db_path().exists() and not st.session_state.get("use_demo")


def database_state() -> pd.Series:
    """One row: the recorded town, villages in the registry, active imports, of which demo imports."""
    return run_query("database_state").iloc[0]


def showing_demo() -> bool:
    return int(database_state()["demo_imports"]) > 0


def database_is_empty() -> bool:
    """No 村(社区)名录 yet: no page can show anything before it is imported."""
    return int(database_state()["villages"]) == 0


@contextmanager
def one_snapshot(active: bool = True) -> Iterator[None]:
    """Hold a read lease for a whole page run, so the page never shows half of another process's import.

    While the lease is held no other process can commit (DuckDB's file lock), so
    `Database.version()` and every query of the run see the same data. Pages that
    write (数据导入, saving a query) must not run inside it: their write would wait for
    this very lease.
    """
    db = database()
    if not active or not db.exists():
        yield
        return
    with db.read():
        yield


@st.cache_data(show_spinner=False, max_entries=2000)
def _cached(path: str, version: tuple[int, ...], name: str, params: dict[str, object]) -> pd.DataFrame:
    with database().read() as cur:
        return queries.run_query(cur, name, **params)


def run_query(name: str, **params: object) -> pd.DataFrame:
    """A named query's result, cached until the database file changes (any import)."""
    db = database()
    return _cached(str(db.path), db.version(), name, params)


@dataclass(frozen=True)
class Filters:
    year: int | None
    scope: Scope
    scope_label: str
    spans_towns: bool = False  # the scope covers several towns: show per-town rollups, label villages with their town
    several_towns: bool = False  # the database holds several towns (a county or city), whatever the scope
    later: tuple[str, ...] = ()  # what newer years hold so far: 2025年已导入：村财收入
    missing: tuple[str, ...] = ()  # the core ledgers the year has no data for (page names: 项目投资 …)
    # where page_header writes the title: the left of the filter row at the top of the page
    header: object = field(default=None, compare=False, repr=False)

    def params(self, **extra: object) -> dict[str, object]:
        return {"year": self.year, **self.scope.params(), **extra}


def sidebar_filters(top: bool = True) -> Filters:
    """Year and town at the top of the page, beside its title (where the eye is); 片区 and villages in the sidebar.

    `top=False` (汇报模式, the wall: one screen each) keeps the year and town in the sidebar with the rest.

    Each is bound to the URL so a link reopens the view. The widgets are the one source of the filter
    state: the page reads it as `filters()`. The year opens on the latest year with all five core
    ledgers (years.default_year), not on a new year that has one ledger so far.
    """
    current = settings()
    years = run_query("data_years")
    units = run_query("units")
    towns = sorted(units["town"].unique()) if not units.empty else []
    several = len(towns) > 1
    if top:
        title, *slots = st.columns([5, 1.3, 1.6] if several else [6, 1.3], vertical_alignment="bottom")
    else:
        title, slots = None, [st.sidebar, st.sidebar]
    year_options = sorted({int(y) for y in years["year"]}, reverse=True) if not years.empty else []
    opening = year_rules.default_year(years) if not years.empty else None
    # plain numbers, so that a link reads ?year=2023
    year = slots[0].selectbox(
        "年度",
        year_options,
        index=year_options.index(opening) if opening in year_options else 0,
        key="year",
        bind="query-params",
        placeholder="暂无数据",
    )
    town: str | None = current.town if current.town in towns or not towns else towns[0]
    if several:
        # a county or city: all towns together first, the configured town preselected when present
        options = [ALL_TOWNS, *towns]
        picked = slots[1].selectbox(
            "镇(街道)",
            options,
            index=options.index(current.town) if current.town in towns else 0,
            key="town",
            bind="query-params",
        )
        town = None if picked == ALL_TOWNS else picked
    with st.sidebar:
        st.markdown("#### 筛选")
        in_town = units if town is None or units.empty else units[units["town"] == town]
        areas = sorted(a for a in in_town["area"].dropna().unique()) if not in_town.empty else []
        area = st.selectbox("片区", [ALL, *areas], key="area", bind="query-params")
        in_area = in_town if area == ALL else in_town[in_town["area"] == area]
        chosen: list[str] = []
        if town is None and several:
            # names repeat across towns, and thousands of them make no usable list
            st.caption("选定一个镇(街道)后可按村(社区)筛选。")
        else:
            names = list(in_area["name"]) if not in_area.empty else []
            chosen = st.multiselect("村(社区)", names, key="village", bind="query-params", placeholder="全部村(社区)")
    scope = Scope(town=town, area=None if area == ALL else area, villages=tuple(chosen) or None)
    spans = town is None and several
    label = ("全域" if scope.area is None else scope.area) if spans else scope.label(current.town)
    st.session_state["filters"] = Filters(
        year=year,
        scope=scope,
        scope_label=label,
        spans_towns=spans,
        several_towns=several,
        later=tuple(year_rules.imported_later(years, year)) if not years.empty else (),
        missing=tuple(year_rules.missing_core(years, year)) if not years.empty else (),
        header=title,
    )
    return st.session_state["filters"]


def filters() -> Filters:
    """The filters the sidebar set for this run (dashboard.py draws the sidebar before the page)."""
    return st.session_state["filters"]


def today() -> date:
    return date.today()


def town_rollup(filters: Filters, query: str = "town_rollup") -> pd.DataFrame:
    """A per-town query for the sidebar's year and scope, with the income thresholds it declares."""
    wanted = set(queries.load_query(query).params)
    extra = {**settings().tier_params(), "threshold": settings().points_low_threshold}
    given = {name: value for name, value in {**filters.params(), **extra}.items() if name in wanted}
    return run_query(query, **given)
