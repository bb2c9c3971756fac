"""Every named query, checked on the demo town against figures computed here, independently.

The expectations are computed in plain Python from the raw table rows (or, for the
seed check, from the demo spreadsheet itself). Literal numbers appear only where the
data model fixes them ("What the demo data must reproduce") or where a test builds
its own case.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from village_stats import importing
from village_stats.queries import run_query

TODAY = date(2025, 6, 30)
ALL: dict[str, object] = {"town": None, "area": None, "villages": None}
INCOME_YEARS = (2021, 2022, 2023, 2024)
PROJECT_YEARS = (2022, 2023, 2024)
STAR_YEARS = (2022, 2023, 2024)
TICKET_YEARS = (2022, 2023, 2024)
PROBLEM_YEARS = (2023, 2024)
# A hand-picked list for the 村(社区) filter: top earners, a weak village and a community
VILLAGE_LIST = ("北垞村", "竹秀村", "荷塘村", "凤岗社区", "茶坪村")
RAW_TABLES = (
    "villages",
    "village_income",
    "projects",
    "star_ratings",
    "service_tickets",
    "problems",
    "member_points",
    "sage_activities",
    "imports",
)


# ---- independent arithmetic --------------------------------------------------------------


def half_up(value: object, places: int = 1) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def share(part: int, whole: int, places: int = 1) -> float | None:
    """part/whole in percent, rounded half up, computed in exact decimal arithmetic."""
    if whole == 0:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def short(name: str) -> str:
    return name[:-1] if name.endswith("村") else name


def plain(value: object) -> object:
    """NaN / <NA> / NaT → None, numpy scalars → Python, so rows compare with ==."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def money(actual: object, expected: Decimal | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and abs(Decimal(str(actual)) - expected) < Decimal("0.005")


# ---- fixtures ----------------------------------------------------------------------------


def fetch(cur, sql: str) -> list[dict[str, object]]:
    cur.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@pytest.fixture(scope="module")
def raw(demo_db) -> dict[str, list[dict[str, object]]]:
    """The demo tables as plain rows (Decimal money, datetime stamps): the independent side."""
    with demo_db.read() as cur:
        return {name: fetch(cur, f"select * from {name}") for name in RAW_TABLES}


@pytest.fixture(scope="module")
def q(demo_db):
    """Run a named query on the demo; one read lease for the module keeps the file open once."""
    with demo_db.read() as cur:

        def run(name: str, **params: object) -> pd.DataFrame:
            return run_query(cur, name, **params)

        yield run


@pytest.fixture(scope="module")
def area(raw) -> str:
    """A 片区 taken from the registry; one holding a community, so both kinds get filtered."""
    return sorted({v["area"] for v in raw["villages"] if v["kind"] == "社区" and v["area"]})[0]


@pytest.fixture(params=["all", "area", "villages"])
def scope(request, area) -> dict[str, object]:
    return {
        "all": ALL,
        "area": {**ALL, "area": area},
        "villages": {**ALL, "villages": list(VILLAGE_LIST)},
    }[request.param]


def units_in(raw, scope: dict[str, object] = ALL) -> dict[str, dict[str, object]]:
    """Registry rows inside a scope, by name: the filter rule written out again."""
    chosen = scope.get("villages")
    return {
        v["name"]: v
        for v in raw["villages"]
        if (scope.get("town") is None or v["town"] == scope["town"])
        and (scope.get("area") is None or v["area"] == scope["area"])
        and (chosen is None or v["name"] in chosen)
    }


def kinds(raw) -> dict[str, str]:
    return {v["name"]: v["kind"] for v in raw["villages"]}


def village_incomes(raw, year: int, scope: dict[str, object] = ALL) -> dict[str, Decimal]:
    """Total income of units of kind 村 in scope with a record for `year`."""
    units = units_in(raw, scope)
    return {
        r["village"]: r["total_income"]
        for r in raw["village_income"]
        if r["year"] == year and r["village"] in units and units[r["village"]]["kind"] == "村"
    }


def tier_of(income: Decimal, thresholds: tuple[Decimal, ...]) -> int:
    return sum(income >= t for t in thresholds)


def projects_in(raw, year: int, scope: dict[str, object] = ALL) -> list[dict[str, object]]:
    """Village projects by their village; town-level ones (no village) only when unfiltered."""
    units = units_in(raw, scope)
    unfiltered = scope.get("area") is None and scope.get("villages") is None
    return [
        p
        for p in raw["projects"]
        if p["year"] == year
        and ((p["village"] is None and unfiltered) or (p["village"] is not None and p["village"] in units))
    ]


def tickets_in(raw, year: int, scope: dict[str, object] = ALL) -> list[dict[str, object]]:
    units = units_in(raw, scope)
    return [t for t in raw["service_tickets"] if t["ordered_at"].year == year and t["village"] in units]


def problems_in(raw, year: int, scope: dict[str, object] = ALL) -> list[dict[str, object]]:
    units = units_in(raw, scope)
    return [p for p in raw["problems"] if p["year"] == year and p["village"] in units]


def ratings_in(raw, scope: dict[str, object] = ALL) -> list[dict[str, object]]:
    units = units_in(raw, scope)
    return [s for s in raw["star_ratings"] if s["village"] in units]


def hours(ticket: dict[str, object]) -> float:
    return (ticket["done_at"] - ticket["ordered_at"]).total_seconds() / 3600


def close_to_rounded(actual: object, exact: float, places: int = 1) -> bool:
    """`actual` is `exact` rounded to `places` decimals (either way at a tie)."""
    return actual is not None and abs(float(actual) - exact) <= 0.5 * 10**-places + 1e-9


# ---- the seed figures (data model: "What the demo data must reproduce") -------------------


def test_seed_income_2023(q, settings):
    frame = q("income_tiers_cumulative", year=2023, **ALL, **settings.tier_params())
    assert frame["villages"].tolist() == [21, 12, 3]
    assert frame["villages_with_income"].tolist() == [23, 23, 23]
    assert frame["share_pct"].tolist()[:2] == [91.3, 52.2]
    assert frame["short_names"].iloc[2] == "北垞、竹秀、岑下"


def test_seed_income_2023_from_the_spreadsheet_itself(q, settings, demo_dir: Path):
    """The same figures from the demo xlsx read cell by cell (万元), bypassing the importer."""
    import python_calamine

    path = demo_dir / "村级集体经济收入.xlsx"
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("村级集体经济收入")
    rows = sheet.to_python()
    header_at = next(i for i, r in enumerate(rows) if "年度" in r and "村(社区)名称" in r)
    header = rows[header_at]
    year_col, name_col = header.index("年度"), header.index("村(社区)名称")
    total_col = next(i for i, h in enumerate(header) if str(h).startswith("村集体经济总收入"))
    incomes = {
        r[name_col]: Decimal(str(r[total_col]))
        for r in rows[header_at + 1 :]
        if r[year_col] not in ("", None) and int(r[year_col]) == 2023 and not str(r[name_col]).endswith("社区")
    }
    assert len(incomes) == 23
    counts = [sum(v >= t for v in incomes.values()) for t in settings.income_thresholds_wan]
    assert counts == [21, 12, 3]
    top = sorted((n for n, v in incomes.items() if v >= settings.income_thresholds_wan[2]), key=lambda n: -incomes[n])
    assert [short(n) for n in top] == ["北垞", "竹秀", "岑下"]
    frame = q("income_tiers_cumulative", year=2023, **ALL, **settings.tier_params())
    assert frame["villages"].tolist() == counts


def test_seed_communities(raw):
    communities = sorted(v["name"] for v in raw["villages"] if v["kind"] == "社区")
    assert len(communities) == 2 and "凤岗社区" in communities
    assert sum(v["kind"] == "村" for v in raw["villages"]) == 23


def test_seed_projects_2024(q, raw, settings):
    totals = q("project_totals", year=2024, **ALL)
    assert int(totals["projects"].iloc[0]) == 149
    assert Decimal(str(totals["planned_investment"].iloc[0])) == Decimal("1453000000")
    assert sum(p["planned_investment"] for p in projects_in(raw, 2024)) == Decimal("1453000000.00")
    arenas = q("projects_by_arena", year=2024, **ALL)
    assert set(arenas["arena"]) == set(settings.arenas)
    assert int(arenas["projects"].sum()) == 149


def test_seed_stars_2024(q):
    row = q("star_summary", year=2024, **ALL).iloc[0]
    assert (int(row["five_star"]), int(row["four_star"]), int(row["weak_units"])) == (14, 3, 0)
    distribution = q("star_distribution", year=2024, **ALL).set_index("stars")["units"]
    assert (distribution[5], distribution[4]) == (14, 3)


def test_seed_tickets_2023(q):
    frame = q("tickets_by_kind", year=2023, **ALL).set_index("kind")
    assert frame["tickets"].to_dict() == {"群众建议": 6, "支部派单": 15, "服务代办": 178}
    assert (frame["open"] == 0).all()
    assert (frame["done"] == frame["tickets"]).all()


def test_seed_problems_2024(q):
    frame = q("problems_by_source", year=2024, **ALL)
    checkup = frame[frame["source"] == "党建体检"]
    assert int(checkup["problems"].sum()) == 60
    assert set(checkup["category"]) == {"共性", "个性"}
    inspections = frame[frame["source"].isin(["集中督查", "交叉互查"])]
    assert int(inspections["problems"].sum()) >= 20
    assert (inspections["rectified"] == inspections["problems"]).all()


# ---- income ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", INCOME_YEARS)
def test_income_tiers_cumulative_matches_raw(q, raw, settings, scope, year):
    incomes = village_incomes(raw, year, scope)
    frame = q("income_tiers_cumulative", year=year, **scope, **settings.tier_params())
    assert frame["tier"].tolist() == [1, 2, 3]
    for row, threshold in zip(records(frame), settings.income_thresholds_yuan, strict=True):
        above = [v for v, income in incomes.items() if income >= threshold]
        assert row["lower_bound"] == float(threshold)
        assert row["tier_label"] == f"{threshold / 10000:g}万元以上"
        assert row["villages"] == len(above)
        assert row["villages_with_income"] == len(incomes)
        assert row["share_pct"] == share(len(above), len(incomes))
        names = row["short_names"].split("、") if row["short_names"] else []
        assert sorted(names) == sorted(short(v) for v in above)
        by_short = {short(v): v for v in incomes}
        levels = [incomes[by_short[n]] for n in names]
        assert levels == sorted(levels, reverse=True), "villages are listed by income, highest first"


def test_income_tiers_leave_communities_out(q, raw, settings):
    communities = {n for n, k in kinds(raw).items() if k == "社区"}
    assert communities, "the demo has communities"
    with_income = {r["village"] for r in raw["village_income"] if r["year"] == 2023}
    assert communities & with_income, "communities have income records, so leaving them out is tested"
    frame = q("income_tiers_cumulative", year=2023, **ALL, **settings.tier_params())
    listed = set("、".join(frame["short_names"].dropna()).split("、"))
    assert not listed & {short(c) for c in communities}
    assert int(frame["villages_with_income"].iloc[0]) == len(with_income - communities)


def test_income_thresholds_are_inclusive_lower_bounds(demo_copy, settings):
    """Incomes of exactly 20万/50万/100万 count in that tier; a community at 100万 does not count."""
    t1, t2, t3 = settings.income_thresholds_yuan
    floor_operating = settings.weak_operating_below_wan * 10_000
    exact = {"荷塘村": t1, "下湾村": t2, "横山村": t3, "凤岗社区": t3}
    with demo_copy.write() as con:
        for village, income in exact.items():
            con.execute(
                "update village_income set total_income = $income, operating_income = $operating "
                "where year = 2023 and village = $village",
                {"income": income, "operating": min(income, floor_operating), "village": village},
            )
    with demo_copy.read() as cur:
        assert cur.execute(
            "select count(*) from village_income where year = 2023 and total_income in ($a, $b, $c)",
            {"a": t1, "b": t2, "c": t3},
        ).fetchone() == (4,)
        tiers = run_query(cur, "income_tiers_cumulative", year=2023, **ALL, **settings.tier_params())
        bins = run_query(cur, "income_tier_bins", year=2023, **ALL, **settings.tier_params())
        ranking = run_query(cur, "income_ranking", year=2023, **ALL, **settings.tier_params())
        weak = run_query(cur, "weak_villages", year=2023, **ALL, total_floor=t1, operating_floor=floor_operating)
    names = [set((n or "").split("、")) for n in tiers["short_names"]]
    assert "荷塘" in names[0] and "荷塘" not in names[1]
    assert "下湾" in names[1] and "下湾" not in names[2]
    assert "横山" in names[2]
    assert not any("凤岗社区" in n for n in names)
    # the seed's 21/12/3, moved by the constructed cases: 荷塘 and 下湾 cross 20万, 下湾 and 横山 cross 50万,
    # 横山 crosses 100万; the community at 100万 changes nothing
    assert tiers["villages"].tolist() == [23, 14, 4]
    assert tiers["villages_with_income"].tolist() == [23, 23, 23]
    assert bins["villages"].tolist() == [0, 9, 10, 4]
    tier_by_village = dict(zip(ranking["village"], ranking["tier"], strict=True))
    assert [tier_by_village[v] for v in exact] == [1, 2, 3, 3]
    assert "荷塘村" not in set(weak["village"]), "exactly at both floors is not weak"


@pytest.mark.parametrize("year", INCOME_YEARS)
def test_income_tier_bins_matches_raw(q, raw, settings, scope, year):
    incomes = village_incomes(raw, year, scope)
    t1, t2, t3 = settings.income_thresholds_yuan
    edges = [(None, t1), (t1, t2), (t2, t3), (t3, None)]
    frame = q("income_tier_bins", year=year, **scope, **settings.tier_params())
    cumulative = q("income_tiers_cumulative", year=year, **scope, **settings.tier_params())
    assert frame["bin"].tolist() == [0, 1, 2, 3]
    for row, (low, high) in zip(records(frame), edges, strict=True):
        inside = [v for v in incomes.values() if (low is None or v >= low) and (high is None or v < high)]
        assert row["villages"] == len(inside)
        assert row["share_pct"] == share(len(inside), len(incomes))
        assert row["lower_bound"] == (None if low is None else float(low))
        assert row["upper_bound"] == (None if high is None else float(high))
    assert int(frame["villages"].sum()) == int(cumulative["villages_with_income"].iloc[0]) == len(incomes)
    assert int(frame["villages"].iloc[3]) == int(cumulative["villages"].iloc[2])


@pytest.mark.parametrize("year", INCOME_YEARS)
def test_income_ranking_matches_raw(q, raw, settings, scope, year):
    thresholds = settings.income_thresholds_yuan
    units = units_in(raw, scope)
    current = {r["village"]: r for r in raw["village_income"] if r["year"] == year and r["village"] in units}
    previous = {r["village"]: r for r in raw["village_income"] if r["year"] == year - 1 and r["village"] in units}
    frame = q("income_ranking", year=year, **scope, **settings.tier_params())
    expected_order = sorted(current, key=lambda v: (-current[v]["total_income"], v))
    assert frame["village"].tolist() == expected_order
    movements = []
    for row in records(frame):
        village = row["village"]
        now = current[village]["total_income"]
        tier = tier_of(now, thresholds)
        assert row["short_name"] == short(village)
        assert row["kind"] == units[village]["kind"]
        assert row["area"] == units[village]["area"]
        assert money(row["total_income"], now)
        assert row["tier"] == tier
        same_kind = [current[v]["total_income"] for v in current if units[v]["kind"] == units[village]["kind"]]
        assert row["rank_in_kind"] == 1 + sum(other > now for other in same_kind)
        before = previous.get(village)
        if before is None:
            assert row["previous_income"] is None and row["movement"] is None and row["previous_tier"] is None
            continue
        was = tier_of(before["total_income"], thresholds)
        movement = "升档" if tier > was else "降档" if tier < was else "持平"
        movements.append(movement)
        assert row["previous_tier"] == was
        assert row["movement"] == movement
        assert money(row["previous_income"], before["total_income"])
        assert money(row["change"], now - before["total_income"])
        if before["total_income"]:
            growth = (now - before["total_income"]) * 100 / before["total_income"]
            assert close_to_rounded(row["change_pct"], float(growth))
    if year > INCOME_YEARS[0] and scope is ALL:
        assert "升档" in movements, "the demo moves villages up a tier every year"


def test_income_ranking_labels_follow_thresholds(q, settings):
    frame = q("income_ranking", year=2023, **ALL, **settings.tier_params())
    t1, t2, t3 = (f"{t / 10000:g}" for t in settings.income_thresholds_yuan)
    labels = {0: f"{t1}万元以下", 1: f"{t1}–{t2}万元", 2: f"{t2}–{t3}万元", 3: f"{t3}万元以上"}
    assert all(labels[t] == label for t, label in zip(frame["tier"], frame["tier_label"], strict=True))


def test_income_tier_trend_matches_raw(q, raw, settings, scope):
    frame = q("income_tier_trend", **scope, **settings.tier_params())
    years = sorted({r["year"] for r in raw["village_income"] if village_incomes(raw, r["year"], scope)})
    expected = []
    for year in years:
        incomes = village_incomes(raw, year, scope)
        for tier, threshold in enumerate(settings.income_thresholds_yuan, start=1):
            count = sum(v >= threshold for v in incomes.values())
            expected.append(
                {
                    "year": year,
                    "tier": tier,
                    "tier_label": f"{threshold / 10000:g}万元以上",
                    "villages": count,
                    "villages_with_income": len(incomes),
                    "share_pct": share(count, len(incomes)),
                }
            )
    assert records(frame) == expected


def test_income_tier_trend_agrees_with_cumulative(q, settings):
    trend = q("income_tier_trend", **ALL, **settings.tier_params())
    for year in INCOME_YEARS:
        cumulative = q("income_tiers_cumulative", year=year, **ALL, **settings.tier_params())
        assert trend[trend["year"] == year]["villages"].tolist() == cumulative["villages"].tolist()


@pytest.mark.parametrize("year", INCOME_YEARS)
def test_weak_villages_matches_raw(q, raw, settings, scope, year):
    total_floor = settings.weak_total_below_wan * 10_000
    operating_floor = settings.weak_operating_below_wan * 10_000
    units = units_in(raw, scope)
    rows = [
        r
        for r in raw["village_income"]
        if r["year"] == year and r["village"] in units and units[r["village"]]["kind"] == "村"
    ]
    weak = []
    for r in rows:
        reasons = []
        if r["total_income"] < total_floor:
            reasons.append("总收入低于标准")
        if r["operating_income"] is not None and r["operating_income"] < operating_floor:
            reasons.append("经营性收入低于标准")
        if reasons:
            weak.append((r["total_income"], r["village"], "；".join(reasons)))
    weak.sort()
    frame = q("weak_villages", year=year, **scope, total_floor=total_floor, operating_floor=operating_floor)
    assert frame["village"].tolist() == [v for _, v, _ in weak]
    assert frame["reason"].tolist() == [reason for _, _, reason in weak]
    assert frame["short_name"].tolist() == [short(v) for _, v, _ in weak]
    if scope is ALL and year == 2023:
        assert weak, "the demo has weak villages in 2023"


# ---- projects ----------------------------------------------------------------------------


@pytest.mark.parametrize("year", PROJECT_YEARS)
def test_project_totals_matches_raw(q, raw, scope, year):
    projects = projects_in(raw, year, scope)
    planned = sum((p["planned_investment"] for p in projects), Decimal(0))
    completed = sum((p["completed_investment"] for p in projects if p["completed_investment"] is not None), Decimal(0))
    row = records(q("project_totals", year=year, **scope))[0]
    assert row["projects"] == len(projects)
    assert row["town_level_projects"] == sum(p["village"] is None for p in projects)
    assert money(row["planned_investment"], planned)
    assert money(row["completed_investment"], completed)
    assert close_to_rounded(row["completion_pct"], float(completed * 100 / planned))
    statuses = Counter(p["status"] for p in projects)
    assert (row["finished_projects"], row["ongoing_projects"], row["planned_projects"]) == (
        statuses["完工"],
        statuses["在建"],
        statuses["谋划"],
    )


def test_town_level_projects_only_without_area_or_village_filter(q, raw, area, settings):
    town_level = [p for p in projects_in(raw, 2024) if p["village"] is None]
    assert town_level, "the demo has town-level projects"
    whole = records(q("project_totals", year=2024, **ALL))[0]
    own_town = records(q("project_totals", year=2024, **{**ALL, "town": settings.town}))[0]
    by_area = records(q("project_totals", year=2024, **{**ALL, "area": area}))[0]
    by_list = records(q("project_totals", year=2024, **{**ALL, "villages": list(VILLAGE_LIST)}))[0]
    other_town = records(q("project_totals", year=2024, **{**ALL, "town": "别的镇"}))[0]
    assert whole["town_level_projects"] == own_town["town_level_projects"] == len(town_level)
    assert by_area["town_level_projects"] == by_list["town_level_projects"] == 0
    assert by_area["projects"] == sum(
        1 for p in raw["projects"] if p["year"] == 2024 and p["village"] in units_in(raw, {"area": area})
    )
    assert other_town["projects"] == 0
    for frame in (
        q("projects_by_village", year=2024, **{**ALL, "area": area}),
        q("largest_projects", year=2024, **{**ALL, "villages": list(VILLAGE_LIST)}, limit=1000),
    ):
        assert not set(frame["village"]) & {"镇级项目", "镇级"}


@pytest.mark.parametrize("year", PROJECT_YEARS)
def test_projects_by_arena_matches_raw(q, raw, scope, year):
    projects = projects_in(raw, year, scope)
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for p in projects:
        groups[p["arena"] or "未分类"].append(p)
    whole = sum((p["planned_investment"] for p in projects), Decimal(0))
    planned = {a: sum((p["planned_investment"] for p in ps), Decimal(0)) for a, ps in groups.items()}
    frame = q("projects_by_arena", year=year, **scope)
    assert frame["arena"].tolist() == sorted(groups, key=lambda a: (-planned[a], a))
    for row in records(frame):
        members = groups[row["arena"]]
        assert row["projects"] == len(members)
        assert money(row["planned_investment"], planned[row["arena"]])
        done = sum((p["completed_investment"] or Decimal(0) for p in members), Decimal(0))
        assert money(row["completed_investment"], done)
        assert row["planned_share_pct"] == share_of_money(planned[row["arena"]], whole)


def share_of_money(part: Decimal, whole: Decimal) -> float | None:
    if not whole:
        return None
    return float((part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP))


@pytest.mark.parametrize("year", PROJECT_YEARS)
def test_projects_by_status_matches_raw(q, raw, scope, year):
    projects = projects_in(raw, year, scope)
    order = ["谋划", "在建", "完工", "未填"]
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for p in projects:
        groups[p["status"] or "未填"].append(p)
    frame = q("projects_by_status", year=year, **scope)
    assert frame["status"].tolist() == [s for s in order if s in groups]
    for row in records(frame):
        members = groups[row["status"]]
        assert row["projects"] == len(members)
        assert money(row["planned_investment"], sum((p["planned_investment"] for p in members), Decimal(0)))
        done = sum((p["completed_investment"] or Decimal(0) for p in members), Decimal(0))
        assert money(row["completed_investment"], done)


@pytest.mark.parametrize("year", PROJECT_YEARS)
def test_projects_by_village_matches_raw(q, raw, scope, year):
    projects = projects_in(raw, year, scope)
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for p in projects:
        groups[p["village"] or "镇级项目"].append(p)
    planned = {v: sum((p["planned_investment"] for p in ps), Decimal(0)) for v, ps in groups.items()}
    frame = q("projects_by_village", year=year, **scope)
    assert frame["village"].tolist() == sorted(groups, key=lambda v: (-planned[v], v))
    for row in records(frame):
        assert row["town_level"] == (row["village"] == "镇级项目")
        assert row["projects"] == len(groups[row["village"]])
        assert money(row["planned_investment"], planned[row["village"]])
    assert int(frame["projects"].sum()) == len(projects)


@pytest.mark.parametrize("year", PROJECT_YEARS)
def test_largest_projects_matches_raw(q, raw, scope, year):
    projects = sorted(projects_in(raw, year, scope), key=lambda p: (-p["planned_investment"], p["name"]))
    frame = q("largest_projects", year=year, **scope, limit=10)
    expected = projects[:10]
    assert frame["project_id"].tolist() == [p["project_id"] for p in expected]
    assert frame["village"].tolist() == [p["village"] or "镇级" for p in expected]
    assert all(money(a, p["planned_investment"]) for a, p in zip(frame["planned_investment"], expected, strict=True))
    assert len(q("largest_projects", year=year, **scope, limit=3)) == min(3, len(projects))


# ---- star ratings ------------------------------------------------------------------------

STAR_LABELS = ["五星级", "四星级", "三星级", "二星级", "一星级", "无星"]


@pytest.mark.parametrize("year", STAR_YEARS)
def test_star_distribution_matches_raw(q, raw, scope, year):
    stars = Counter(s["stars"] for s in ratings_in(raw, scope) if s["year"] == year)
    rated = sum(stars.values())
    frame = q("star_distribution", year=year, **scope)
    assert frame["stars"].tolist() == [5, 4, 3, 2, 1, 0]
    assert frame["star_label"].tolist() == STAR_LABELS
    assert frame["units"].tolist() == [stars[n] for n in range(5, -1, -1)]
    assert [plain(v) for v in frame["share_pct"]] == [share(stars[n], rated) for n in range(5, -1, -1)]


@pytest.mark.parametrize("year", (*STAR_YEARS, 2025))
def test_star_summary_matches_raw(q, raw, scope, year):
    ratings = ratings_in(raw, scope)
    this = [s for s in ratings if s["year"] == year]
    earlier = [s["year"] for s in ratings if s["year"] < year]
    previous_year = max(earlier) if earlier else None
    before = [s for s in ratings if s["year"] == previous_year]
    weak = sorted(s["village"] for s in this if s["weak"])
    row = records(q("star_summary", year=year, **scope))[0]
    assert row == {
        "rated_units": len(this),
        "five_star": sum(s["stars"] == 5 for s in this),
        "four_star": sum(s["stars"] == 4 for s in this),
        "three_or_fewer": sum(s["stars"] <= 3 for s in this),
        "weak_units": len(weak),
        "weak_names": "、".join(short(v) for v in weak) or None,
        "previous_year": previous_year,
        "previous_five_star": sum(s["stars"] == 5 for s in before),
        "previous_four_star": sum(s["stars"] == 4 for s in before),
        "previous_weak_units": sum(bool(s["weak"]) for s in before),
    }


def test_star_summary_names_weak_units(q, raw):
    weak_years = sorted({s["year"] for s in raw["star_ratings"] if s["weak"]})
    assert weak_years, "the demo has a 软弱涣散 unit in some year"
    year = weak_years[0]
    row = records(q("star_summary", year=year, **ALL))[0]
    expected = sorted(s["village"] for s in raw["star_ratings"] if s["year"] == year and s["weak"])
    assert row["weak_names"] == "、".join(short(v) for v in expected)


@pytest.mark.parametrize("year", STAR_YEARS)
def test_star_changes_matches_raw(q, raw, scope, year):
    ratings = ratings_in(raw, scope)
    earlier = [s["year"] for s in ratings if s["year"] < year]
    previous_year = max(earlier) if earlier else None
    before = {s["village"]: s["stars"] for s in ratings if s["year"] == previous_year}
    expected = []
    for s in (s for s in ratings if s["year"] == year):
        was = before.get(s["village"])
        movement = None if was is None else "升星" if s["stars"] > was else "降星" if s["stars"] < was else "持平"
        expected.append((s, was, movement))
    rank = {"升星": 1, "降星": 2}
    expected.sort(
        key=lambda e: (
            rank.get(e[2], 3),
            -e[0]["stars"],
            e[0]["score"] is None,
            -(e[0]["score"] or 0),
            e[0]["village"],
        )
    )
    frame = q("star_changes", year=year, **scope)
    assert frame["village"].tolist() == [s["village"] for s, _, _ in expected]
    for row, (s, was, movement) in zip(records(frame), expected, strict=True):
        assert row["previous_year"] == previous_year
        assert row["previous_stars"] == was
        assert row["movement"] == movement
        assert row["change"] == (None if was is None else s["stars"] - was)
    if scope is ALL and previous_year is not None:
        assert {"升星"} <= {m for _, _, m in expected}


def test_star_grid_matches_raw(q, raw, scope):
    ratings = sorted(ratings_in(raw, scope), key=lambda s: (s["village"], s["year"]))
    frame = q("star_grid", **scope)
    assert list(zip(frame["village"], frame["year"], frame["stars"], frame["weak"], strict=True)) == [
        (s["village"], s["year"], s["stars"], s["weak"]) for s in ratings
    ]
    assert frame["short_name"].tolist() == [short(s["village"]) for s in ratings]


# ---- service tickets ---------------------------------------------------------------------


def mean_rating(tickets: list[dict[str, object]]) -> float | None:
    ratings = [t["rating"] for t in tickets if t["rating"] is not None]
    if not ratings:
        return None
    return float((Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def satisfied(tickets: list[dict[str, object]]) -> float | None:
    ratings = [t["rating"] for t in tickets if t["rating"] is not None]
    return share(sum(r >= 3 for r in ratings), len(ratings))


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_tickets_by_kind_matches_raw(q, raw, scope, year):
    tickets = tickets_in(raw, year, scope)
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for t in tickets:
        groups[t["kind"]].append(t)
    frame = q("tickets_by_kind", year=year, **scope)
    assert frame["kind"].tolist() == sorted(groups, key=lambda k: (-len(groups[k]), k))
    for row in records(frame):
        members = groups[row["kind"]]
        done = sum(t["done_at"] is not None for t in members)
        assert (row["tickets"], row["done"], row["open"]) == (len(members), done, len(members) - done)
        assert row["average_rating"] == mean_rating(members)


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_ticket_funnel_matches_raw(q, raw, scope, year):
    tickets = tickets_in(raw, year, scope)
    counts = [
        len(tickets),
        sum(t["claimed_at"] is not None for t in tickets),
        sum(t["dispatched_at"] is not None for t in tickets),
        sum(t["done_at"] is not None for t in tickets),
        sum(t["rating"] is not None for t in tickets),
    ]
    frame = q("ticket_funnel", year=year, **scope)
    assert frame["step"].tolist() == [1, 2, 3, 4, 5]
    assert frame["step_label"].tolist() == ["群众点单", "网格领单", "支部派单", "党员晒单", "群众评单"]
    assert frame["tickets"].tolist() == counts
    assert frame["dropped"].tolist() == [0] + [a - b for a, b in pairwise(counts)]
    assert [plain(v) for v in frame["pct_of_ordered"]] == [share(c, counts[0]) for c in counts]
    if scope is ALL and year == 2024:
        assert len(set(counts)) > 2, "the 2024 demo has tickets stopping at several steps"


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_ticket_resolution_matches_raw(q, raw, scope, year):
    tickets = tickets_in(raw, year, scope)
    done = [t for t in tickets if t["done_at"] is not None]
    spent = np.array([hours(t) for t in done])
    rated = [t for t in tickets if t["rating"] is not None]
    row = records(q("ticket_resolution", year=year, **scope))[0]
    assert (row["tickets"], row["done"], row["open"]) == (len(tickets), len(done), len(tickets) - len(done))
    assert row["done_pct"] == share(len(done), len(tickets))
    assert close_to_rounded(row["median_hours"], float(np.median(spent)))
    assert close_to_rounded(row["p90_hours"], float(np.percentile(spent, 90)))  # linear = quantile_cont
    assert close_to_rounded(row["median_hours"], float(pd.Series(spent).quantile(0.5)))
    assert row["rated"] == len(rated)
    assert row["average_rating"] == mean_rating(tickets)
    assert row["satisfied_pct"] == satisfied(tickets)


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_ticket_resolution_by_village_matches_raw(q, raw, scope, year):
    groups = tickets_by_unit(raw, year, scope)
    frame = q("ticket_resolution_by_village", year=year, **scope)
    assert frame["village"].tolist() == sorted(groups, key=lambda v: (-len(groups[v]), v))
    for row in records(frame):
        assert_unit_figures(row, groups[row["village"]])


def tickets_by_unit(raw, year: int, scope: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for t in tickets_in(raw, year, scope):
        groups[t["village"]].append(t)
    return groups


def assert_unit_figures(row: dict[str, object], members: list[dict[str, object]]) -> None:
    """One unit's row of a per-village resolution query against its raw tickets."""
    done = [t for t in members if t["done_at"] is not None]
    assert (row["tickets"], row["done"]) == (len(members), len(done))
    if done:
        assert close_to_rounded(row["median_hours"], float(np.median([hours(t) for t in done])))
    else:
        assert row["median_hours"] is None
    assert row["average_rating"] == mean_rating(members)
    assert row["satisfied_pct"] == satisfied(members)


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_ticket_resolution_by_village_page_is_that_page_of_the_raw_figures(q, raw, scope, year):
    """The paged per-village query: the same rows as the whole, cut, each counting every unit with tickets."""
    groups = tickets_by_unit(raw, year, scope)
    order = sorted(groups, key=lambda v: (-len(groups[v]), v))
    whole = q("ticket_resolution_by_village", year=year, **scope)
    for limit, offset in ((7, 0), (7, 7), (4, len(order) - 2), (50, 0), (5, len(order))):
        page = q("ticket_resolution_by_village_page", year=year, **scope, limit=limit, offset=offset)
        assert page["village"].tolist() == order[offset : offset + limit]
        assert page["units"].tolist() == [len(order)] * len(page)
        expected = whole.iloc[offset : offset + limit].reset_index(drop=True)
        if len(expected):  # past the end: no rows (an empty result's column types say nothing)
            assert page.drop(columns="units").equals(expected), (limit, offset)
        for row in records(page):
            assert_unit_figures(row, groups[row["village"]])


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_ticket_resolution_by_category_matches_raw(q, raw, scope, year):
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for t in tickets_in(raw, year, scope):
        groups[t["category"] or "未填"].append(t)
    frame = q("ticket_resolution_by_category", year=year, **scope)
    assert frame["category"].tolist() == sorted(groups, key=lambda c: (-len(groups[c]), c))
    for row in records(frame):
        members = groups[row["category"]]
        done = [t for t in members if t["done_at"] is not None]
        assert (row["tickets"], row["done"]) == (len(members), len(done))
        if done:
            assert close_to_rounded(row["median_hours"], float(np.median([hours(t) for t in done])))
        assert row["average_rating"] == mean_rating(members)
        assert row["satisfied_pct"] == satisfied(members)


def micros(ticket: dict[str, object]) -> int:
    """点单 to 晒单 in whole microseconds: exact, unlike a float of hours."""
    span = ticket["done_at"] - ticket["ordered_at"]
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def tenths_half_up(exact_micros: Decimal) -> float:
    """Hours to one decimal, half up, computed on the exact value (a tie like 1.05 h is common: 1 h 3 min)."""
    return float((exact_micros / 3_600_000_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def median_micros(values: list[int]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_hours_are_rounded_half_up_on_the_exact_value(q, raw, scope, year):
    """Medians and a ticket's hours: exactly the half-up tenth of the exact figure, ties included."""
    tickets = tickets_in(raw, year, scope)
    done = [t for t in tickets if t["done_at"] is not None]
    row = records(q("ticket_resolution", year=year, **scope))[0]
    assert row["median_hours"] == tenths_half_up(median_micros([micros(t) for t in done]))
    by_category: dict[str, list[int]] = defaultdict(list)
    by_village: dict[str, list[int]] = defaultdict(list)
    for t in done:
        by_category[t["category"] or "未填"].append(micros(t))
        by_village[t["village"]].append(micros(t))
    for row in records(q("ticket_resolution_by_category", year=year, **scope)):
        assert row["median_hours"] == tenths_half_up(median_micros(by_category[row["category"]])), row
    for name in ("ticket_resolution_by_village", "ticket_resolution_by_village_page"):
        extra = {"limit": 100, "offset": 0} if name.endswith("_page") else {}
        for row in records(q(name, year=year, **scope, **extra)):
            if row["done"]:
                assert row["median_hours"] == tenths_half_up(median_micros(by_village[row["village"]])), row
    detail = records(q("tickets_detail", year=year, **scope, limit=10_000, offset=0))
    spans = {t["ticket_id"]: micros(t) for t in done}
    for row in detail:
        if row["ticket_id"] in spans:
            assert row["hours"] == tenths_half_up(Decimal(spans[row["ticket_id"]])), row
    if scope is ALL:  # the demo's times are whole minutes: some tickets sit exactly on a tie
        ties = [t for t in done if (micros(t) * 10) % 3_600_000_000 == 1_800_000_000]
        assert ties, "no ticket of the demo year lasts exactly a tie (x.x5 hours)"


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_tickets_by_month_matches_raw(q, raw, scope, year):
    counts = Counter((t["ordered_at"].month, t["kind"]) for t in tickets_in(raw, year, scope))
    per_kind = Counter(t["kind"] for t in tickets_in(raw, year, scope))
    frame = q("tickets_by_month", year=year, **scope)
    assert list(zip(frame["month"], frame["kind"], frame["tickets"], frame["kind_tickets"], strict=True)) == [
        (m, k, counts[m, k], per_kind[k]) for m, k in sorted(counts)
    ]
    if scope is ALL:
        assert len(per_kind) > 1, "the demo year has several kinds"


# ---- problems ----------------------------------------------------------------------------


@pytest.mark.parametrize("year", PROBLEM_YEARS)
def test_problem_status_by_source_matches_raw(q, raw, scope, year):
    groups: dict[str, Counter] = defaultdict(Counter)
    for p in problems_in(raw, year, scope):
        groups[p["source"] or "未填"][p["status"]] += 1
    frame = q("problem_status_by_source", year=year, **scope)
    expected = sorted(groups, key=lambda s: (-sum(groups[s].values()), s))
    assert frame["source"].tolist() == expected
    for row in records(frame):
        counts = groups[row["source"]]
        assert (row["problems"], row["rectified"], row["in_progress"], row["not_started"]) == (
            sum(counts.values()),
            counts["已整改"],
            counts["整改中"],
            counts["未整改"],
        )


def overdue(problem: dict[str, object], today: date) -> bool:
    return problem["status"] != "已整改" and problem["deadline"] is not None and problem["deadline"] < today


@pytest.mark.parametrize("year", PROBLEM_YEARS)
def test_problems_by_source_matches_raw(q, raw, scope, year):
    groups: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for p in problems_in(raw, year, scope):
        groups[p["source"] or "未填", p["category"] or "未填"].append(p)
    frame = q("problems_by_source", year=year, **scope)
    order = sorted(groups, key=lambda k: (-len(groups[k]), k))
    assert list(zip(frame["source"], frame["category"], strict=True)) == order
    for row in records(frame):
        members = groups[row["source"], row["category"]]
        status = Counter(p["status"] for p in members)
        assert (row["problems"], row["rectified"], row["in_progress"], row["not_started"]) == (
            len(members),
            status["已整改"],
            status["整改中"],
            status["未整改"],
        )
        assert row["rectified_pct"] == share(status["已整改"], len(members))


@pytest.mark.parametrize("year", (2022, *PROBLEM_YEARS))
def test_problem_summary_matches_raw(q, raw, scope, year):
    problems = problems_in(raw, year, scope)
    rectified = sum(p["status"] == "已整改" for p in problems)
    row = records(q("problem_summary", year=year, **scope, today=TODAY))[0]
    assert row == {
        "problems": len(problems),
        "rectified": rectified,
        "unrectified": len(problems) - rectified,
        "rectified_pct": share(rectified, len(problems)),
        "overdue": sum(overdue(p, TODAY) for p in problems),
        "common_problems": sum(p["category"] == "共性" for p in problems),
        "individual_problems": sum(p["category"] == "个性" for p in problems),
    }


@pytest.mark.parametrize("year", PROBLEM_YEARS)
def test_problems_overdue_matches_raw(q, raw, scope, year):
    late = [p for p in problems_in(raw, year, scope) if overdue(p, TODAY)]
    late.sort(key=lambda p: (p["deadline"], p["problem_id"]))
    frame = q("problems_overdue", year=year, **scope, today=TODAY)
    assert frame["problem_id"].tolist() == [p["problem_id"] for p in late]
    assert frame["days_overdue"].tolist() == [(TODAY - p["deadline"]).days for p in late]
    if scope is ALL:
        assert late, f"the demo has overdue problems in {year} as of {TODAY}"


def test_overdue_means_deadline_before_today(q, raw):
    """A problem whose deadline is today is not overdue yet; the next day it is."""
    due = sorted({p["deadline"] for p in raw["problems"] if p["status"] != "已整改" and p["deadline"] is not None})
    assert due
    deadline = due[-1]
    owed = [p for p in raw["problems"] if p["status"] != "已整改" and p["deadline"] == deadline]
    year = owed[0]["year"]
    on_the_day = q("problems_overdue", year=year, **ALL, today=deadline)
    day_after = q("problems_overdue", year=year, **ALL, today=deadline + timedelta(days=1))
    ids = {p["problem_id"] for p in owed if p["year"] == year}
    assert not ids & set(on_the_day["problem_id"])
    assert ids <= set(day_after["problem_id"])
    assert set(day_after[day_after["problem_id"].isin(ids)]["days_overdue"]) == {1}
    summary_on = records(q("problem_summary", year=year, **ALL, today=deadline))[0]
    summary_after = records(q("problem_summary", year=year, **ALL, today=deadline + timedelta(days=1)))[0]
    assert summary_after["overdue"] - summary_on["overdue"] == len(ids)


@pytest.mark.parametrize("year", PROBLEM_YEARS)
def test_problems_by_village_matches_raw(q, raw, scope, year):
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for p in problems_in(raw, year, scope):
        groups[p["village"]].append(p)
    frame = q("problems_by_village", year=year, **scope)
    assert frame["village"].tolist() == sorted(groups, key=lambda v: (-len(groups[v]), v))
    for row in records(frame):
        members = groups[row["village"]]
        fixed = sum(p["status"] == "已整改" for p in members)
        assert (row["problems"], row["rectified"], row["rectified_pct"]) == (
            len(members),
            fixed,
            share(fixed, len(members)),
        )


# ---- across domains ----------------------------------------------------------------------


def test_year_overview_matches_raw(q, raw, settings, scope):
    thresholds = settings.income_thresholds_yuan
    frame = q("year_overview", **scope, **settings.tier_params())
    years = sorted(
        {y for y in INCOME_YEARS if village_incomes(raw, y, scope)}
        | {p["year"] for p in raw["projects"] if projects_in(raw, p["year"], scope)}
        | {s["year"] for s in ratings_in(raw, scope)}
        | {t["ordered_at"].year for t in raw["service_tickets"] if t["village"] in units_in(raw, scope)}
        | {p["year"] for p in raw["problems"] if p["village"] in units_in(raw, scope)}
    )
    assert frame["year"].tolist() == years
    for row in records(frame):
        year = row["year"]
        incomes = village_incomes(raw, year, scope)
        projects = projects_in(raw, year, scope)
        ratings = [s for s in ratings_in(raw, scope) if s["year"] == year]
        tickets = tickets_in(raw, year, scope)
        problems = problems_in(raw, year, scope)
        expected = {
            "villages_with_income": len(incomes) or None,
            "villages_t1": sum(v >= thresholds[0] for v in incomes.values()) if incomes else None,
            "villages_t2": sum(v >= thresholds[1] for v in incomes.values()) if incomes else None,
            "villages_t3": sum(v >= thresholds[2] for v in incomes.values()) if incomes else None,
            "projects": len(projects) or None,
            "rated_units": len(ratings) or None,
            "five_star": sum(s["stars"] == 5 for s in ratings) if ratings else None,
            "weak_units": sum(bool(s["weak"]) for s in ratings) if ratings else None,
            "tickets": len(tickets) or None,
            "satisfied_pct": satisfied(tickets),
            "problems": len(problems) or None,
            "rectified_pct": share(sum(p["status"] == "已整改" for p in problems), len(problems)),
        }
        assert {k: row[k] for k in expected} == expected, year
        planned = sum((p["planned_investment"] for p in projects), Decimal(0)) if projects else None
        assert money(row["planned_investment"], planned)
    if scope is ALL:
        # a domain without data that year is NULL, not 0: the demo's income starts a year before the rest
        first = records(frame)[0]
        assert first["projects"] is None and first["tickets"] is None


def test_data_years_matches_raw(q, raw):
    expected = (
        {("income", r["year"]) for r in raw["village_income"]}
        | {("projects", r["year"]) for r in raw["projects"]}
        | {("stars", r["year"]) for r in raw["star_ratings"]}
        | {("tickets", r["ordered_at"].year) for r in raw["service_tickets"]}
        | {("problems", r["year"]) for r in raw["problems"]}
        | {("member_points", int(r["period"][:4])) for r in raw["member_points"]}
        | {("sages", r["date"].year) for r in raw["sage_activities"]}
    )
    frame = q("data_years")
    assert list(zip(frame["dataset"], frame["year"], strict=True)) == sorted(expected, key=lambda e: (-e[1], e[0]))


def test_last_imports_matches_raw(q, raw):
    live: dict[str, dict[str, object]] = {}
    for record in raw["imports"]:
        if record["undone_at"] is None and (
            record["dataset"] not in live or record["imported_at"] > live[record["dataset"]]["imported_at"]
        ):
            live[record["dataset"]] = record
    frame = q("last_imports")
    assert frame["dataset"].tolist() == sorted(live)
    for row in records(frame):
        latest = live[row["dataset"]]
        assert (row["file_name"], row["imported_by"]) == (latest["file_name"], latest["imported_by"])
        assert pd.Timestamp(row["last_imported_at"]) == pd.Timestamp(latest["imported_at"])


def test_last_imports_leaves_out_undone_imports(demo_copy):
    with demo_copy.read() as cur:
        before = run_query(cur, "last_imports")
        latest = cur.execute("select dataset from imports where undone_at is null order by import_id desc").fetchone()
    undone = importing.undo_import(demo_copy)
    with demo_copy.read() as cur:
        after = run_query(cur, "last_imports")
        marked = cur.execute("select undone_at is not null from imports where import_id = $i", {"i": undone})
        assert marked.fetchone() == (True,)
    assert latest[0] in set(before["dataset"])
    assert set(after["dataset"]) == set(before["dataset"]) - {latest[0]}


def test_units_lists_the_registry(q, raw):
    expected = sorted(
        raw["villages"], key=lambda v: (v["town"], v["area"] is None, v["area"] or "", v["kind"], v["name"])
    )
    frame = q("units")
    assert list(zip(frame["town"], frame["name"], frame["kind"], frame["area"], strict=True)) == [
        (v["town"], v["name"], v["kind"], v["area"]) for v in expected
    ]


@pytest.mark.parametrize("year", PROJECT_YEARS)
def test_projects_detail_matches_raw(q, raw, scope, year):
    projects = sorted(projects_in(raw, year, scope), key=lambda p: (p["arena"], -p["planned_investment"], p["name"]))
    frame = q("projects_detail", year=year, **scope, limit=10_000, offset=0)
    assert frame["project_id"].tolist() == [p["project_id"] for p in projects]
    for row, p in zip(records(frame), projects, strict=True):
        assert row["village"] == (p["village"] or "镇级")
        if p["completed_investment"] is None:
            assert row["completion_pct"] is None
        else:
            exact = float(p["completed_investment"] * 100 / p["planned_investment"])
            assert close_to_rounded(row["completion_pct"], exact)


@pytest.mark.parametrize("year", PROBLEM_YEARS)
def test_problems_detail_matches_raw(q, raw, scope, year):
    problems = sorted(
        problems_in(raw, year, scope),
        key=lambda p: (p["status"] == "已整改", p["deadline"] is None, p["deadline"] or date.min, p["problem_id"]),
    )
    frame = q("problems_detail", year=year, **scope, today=TODAY, limit=10_000, offset=0)
    assert frame["problem_id"].tolist() == [p["problem_id"] for p in problems]
    assert frame["overdue"].tolist() == [overdue(p, TODAY) for p in problems]


@pytest.mark.parametrize("year", TICKET_YEARS)
def test_tickets_detail_matches_raw(q, raw, scope, year):
    def stage(t: dict[str, object]) -> str:
        if t["done_at"] is not None:
            return "已办结"
        if t["dispatched_at"] is not None:
            return "待晒单"
        return "待派单" if t["claimed_at"] is not None else "待领单"

    tickets = tickets_in(raw, year, scope)
    tickets.sort(key=lambda t: t["ticket_id"])
    tickets.sort(key=lambda t: t["ordered_at"], reverse=True)
    tickets.sort(key=lambda t: t["done_at"] is not None)
    frame = q("tickets_detail", year=year, **scope, limit=25, offset=0)
    expected = tickets[:25]
    # the next page starts where this one ended
    page = q("tickets_detail", year=year, **scope, limit=10, offset=20)
    assert page["ticket_id"].tolist() == [t["ticket_id"] for t in tickets[20:30]]
    assert frame["ticket_id"].tolist() == [t["ticket_id"] for t in expected]
    assert frame["stage"].tolist() == [stage(t) for t in expected]
    for row, t in zip(records(frame), expected, strict=True):
        if t["done_at"] is None:
            assert row["hours"] is None
        else:
            assert close_to_rounded(row["hours"], hours(t))
    if scope is ALL and year == 2024:
        assert {"待领单", "待派单", "待晒单"} <= {stage(t) for t in tickets}, "the 2024 demo has open tickets"
    # every page, of several sizes, is the sorted tickets cut there (the query reads only the newest days it needs)
    ids = [t["ticket_id"] for t in tickets]
    still_open = sum(t["done_at"] is None for t in tickets)
    cuts = [(limit, offset) for limit in (9, 60) for offset in range(0, len(ids) + limit, limit)]
    cuts += [(1, 0), (1, max(still_open - 1, 0)), (1, still_open), (2, max(still_open - 1, 0)), (1, len(ids) - 1)]
    for limit, offset in cuts:
        page = q("tickets_detail", year=year, **scope, limit=limit, offset=offset)
        assert page["ticket_id"].tolist() == ids[offset : offset + limit], (limit, offset)


# ---- scope filters -----------------------------------------------------------------------


def test_area_and_village_filters_narrow_results(q, raw, settings, area):
    """The filters actually change the answers, and in the way an independent count says."""
    params = settings.tier_params()
    whole = q("income_tiers_cumulative", year=2023, **ALL, **params)
    by_area = q("income_tiers_cumulative", year=2023, **{**ALL, "area": area}, **params)
    by_list = q("income_tiers_cumulative", year=2023, **{**ALL, "villages": list(VILLAGE_LIST)}, **params)
    area_villages = [n for n, v in units_in(raw, {"area": area}).items() if v["kind"] == "村"]
    listed_villages = [n for n in VILLAGE_LIST if kinds(raw)[n] == "村"]
    assert int(by_area["villages_with_income"].iloc[0]) == len(area_villages)
    assert len(area_villages) < int(whole["villages_with_income"].iloc[0])
    assert int(by_list["villages_with_income"].iloc[0]) == len(listed_villages)
    tickets_area = q("tickets_by_kind", year=2023, **{**ALL, "area": area})
    assert int(tickets_area["tickets"].sum()) == len(tickets_in(raw, 2023, {"area": area})) < 199
    both = {**ALL, "area": area, "villages": list(VILLAGE_LIST)}
    inside = set(units_in(raw, {"area": area})) & set(VILLAGE_LIST)
    ranking = q("income_ranking", year=2023, **both, **params)
    assert set(ranking["village"]) == inside


@pytest.mark.parametrize(("others", "expected_pct"), [(7, 12.5), (15, 6.3)])
def test_shares_round_half_up(q, raw, settings, others, expected_pct):
    """One village at ≥100万 among 8 (12.5%) or 16 (6.25% → 6.3%, not banker's 6.2%)."""
    t3 = settings.income_thresholds_yuan[2]
    incomes = village_incomes(raw, 2023)
    top = max(incomes, key=incomes.get)
    rest = sorted(v for v, income in incomes.items() if income < t3)[:others]
    assert len(rest) == others
    frame = q("income_tiers_cumulative", year=2023, **{**ALL, "villages": [top, *rest]}, **settings.tier_params())
    assert int(frame["villages_with_income"].iloc[0]) == others + 1
    assert int(frame["villages"].iloc[2]) == 1
    assert float(frame["share_pct"].iloc[2]) == expected_pct
    bins = q("income_tier_bins", year=2023, **{**ALL, "villages": [top, *rest]}, **settings.tier_params())
    assert float(bins["share_pct"].iloc[3]) == expected_pct


def test_share_half_up_at_an_exact_tie_with_a_large_denominator(empty_db, settings):
    with empty_db.write() as con:
        con.execute("insert into villages (town, name, kind) values ($t, '测试村', '村')", {"t": settings.town})
        con.execute(
            "insert into problems (problem_id, year, town, village, description, status, rectified_on) "
            "select 'P' || i, 2024, $t, '测试村', '问题' || i, "
            "case when i <= 3 then '已整改' else '未整改' end, "
            "case when i <= 3 then date '2024-06-01' end "
            "from range(1, 2001) as r (i)",
            {"t": settings.town},
        )
    with empty_db.read() as cur:
        row = run_query(cur, "problem_summary", year=2024, **ALL, today=TODAY).iloc[0]
    assert (int(row["problems"]), int(row["rectified"])) == (2000, 3)
    assert float(row["rectified_pct"]) == 0.2  # 0.15 rounded half up
