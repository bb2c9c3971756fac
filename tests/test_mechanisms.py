"""The mechanism decisions (pure), and the mechanism queries against figures computed from the demo ledgers.

The expected figures are computed here with pandas straight from data/demo/*.xlsx,
not from the database, so a query that sums, joins or filters wrongly fails.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from village_stats import mechanisms
from village_stats.importing import DEMO_DIR
from village_stats.queries import run_query
from village_stats.settings import load_settings

# ---- who may see low scorers' names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "role", "allowed"),
    [
        ("everyone", "admin", True),
        ("everyone", "viewer", True),
        ("admin", "admin", True),
        ("admin", "viewer", False),
        ("nobody", "admin", False),
        ("nobody", "viewer", False),
        ("admin", "somebody", False),
        ("typo", "admin", False),
    ],
)
def test_low_scorer_names_follow_the_setting(setting, role, allowed):
    assert mechanisms.may_name_low_scorers(setting, role) is allowed


def test_the_privacy_setting_is_read_and_checked(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[privacy]\nlow_scorer_names = "nobody"\n', encoding="utf-8")
    assert load_settings(path).low_scorer_names == "nobody"
    path.write_text('[privacy]\nlow_scorer_names = "viewers"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="low_scorer_names"):
        load_settings(path)
    assert load_settings(tmp_path / "missing.toml").low_scorer_names == "admin"


# ---- the studio pace ------------------------------------------------------------------------


def test_pace_counts_the_current_quarter_and_rounds_up():
    pace = mechanisms.studio_pace(12, 25, 25, date(2026, 12, 31), date(2025, 1, 10))
    # 2025Q1 … 2026Q4 = 8 quarters for 13 studios
    assert (pace.target, pace.remaining, pace.quarters_left, pace.per_quarter) == (25, 13, 8, 2)
    assert not pace.overdue


def test_pace_in_the_deadline_quarter_asks_for_everything_left():
    pace = mechanisms.studio_pace(20, 25, 25, date(2026, 12, 31), date(2026, 11, 27))
    assert (pace.quarters_left, pace.per_quarter) == (1, 5)


def test_pace_after_the_deadline_is_overdue():
    pace = mechanisms.studio_pace(20, 25, 25, date(2026, 12, 31), date(2027, 1, 5))
    assert pace.overdue and pace.quarters_left == 0 and pace.per_quarter == 5


def test_pace_when_done_and_for_a_scope_smaller_than_the_target():
    done = mechanisms.studio_pace(25, 25, 25, date(2026, 12, 31), date(2025, 1, 1))
    assert (done.remaining, done.per_quarter, done.overdue) == (0, 0, False)
    area = mechanisms.studio_pace(3, 6, 25, date(2026, 12, 31), date(2026, 7, 1))  # one 片区 of 6 units
    assert (area.target, area.remaining, area.quarters_left, area.per_quarter) == (6, 3, 2, 2)


@pytest.mark.parametrize(
    ("count", "unit", "said"),
    [
        (96, "条", "90余条"),
        (63, "起", "60余起"),
        (90, "条", "90条"),
        (7, "起", "7起"),
        (19, "条", "19条"),
        (128, "条", "120余条"),
    ],
)
def test_counts_are_said_as_the_reports_say_them(count, unit, said):
    assert mechanisms.about(count, unit) == said


@pytest.mark.parametrize(
    ("period", "label"), [("2024Q4", "2024年第四季度"), ("2024-03", "2024年3月"), ("2024", "2024年度")]
)
def test_period_labels(period, label):
    assert mechanisms.period_label(period) == label


# ---- queries against the demo ledgers ----------------------------------------------------------


def ledger(name: str) -> pd.DataFrame:
    """A demo ledger as pandas reads it: title, 填报单位 line, then the header; 序号 and the footer dropped."""
    frame = pd.read_excel(DEMO_DIR / f"{name}.xlsx", header=2, dtype=object, engine="openpyxl")
    return frame[pd.to_numeric(frame["序号"], errors="coerce").notna()].drop(columns="序号")


ALL = {"town": None, "area": None, "villages": None}


@pytest.fixture(scope="module")
def cur(demo_db):
    with demo_db.read() as cursor:
        yield cursor


@pytest.fixture(scope="module")
def points() -> pd.DataFrame:
    frame = ledger("党员积分存折")
    frame["总积分"] = frame["总积分"].astype(float)
    return frame


def test_points_by_branch_matches_the_ledger(cur, points, settings):
    latest = points[points["积分周期"] == "2024年第四季度"]
    expected = latest.groupby("所属支部")["总积分"].agg(["count", "mean", "max", "min"])
    low = latest[latest["总积分"] < float(settings.points_low_threshold)].groupby("所属支部").size()
    found = run_query(cur, "points_by_branch", year=2024, threshold=settings.points_low_threshold, **ALL)
    assert set(found["period"]) == {"2024Q4"}
    assert sorted(found["village"]) == sorted(expected.index)
    for row in found.itertuples():
        assert row.members == expected.loc[row.village, "count"]
        assert float(row.average_points) == pytest.approx(round(expected.loc[row.village, "mean"], 1), abs=0.051)
        assert float(row.max_points) == expected.loc[row.village, "max"]
        assert float(row.min_points) == expected.loc[row.village, "min"]
        assert row.low_members == low.get(row.village, 0)
    assert list(found["average_points"]) == sorted(found["average_points"], reverse=True)


def test_points_summary_counts_members_and_low_scorers(cur, points, settings):
    latest = points[points["积分周期"] == "2024年第四季度"]
    found = run_query(cur, "points_summary", year=2024, threshold=settings.points_low_threshold, **ALL).iloc[0]
    assert found["members"] == points[["所属支部", "党员姓名"]].drop_duplicates().shape[0]
    assert 550 <= found["members"] <= 650  # the data model's "~600 members"
    assert found["low_members"] == int((latest["总积分"] < float(settings.points_low_threshold)).sum()) > 0
    assert found["periods"] == 4 and found["latest_period"] == "2024Q4"
    pilot = run_query(
        cur,
        "points_summary",
        year=2024,
        threshold=settings.points_low_threshold,
        town=None,
        area=None,
        villages=["凤岗社区"],
    ).iloc[0]
    with cur.cursor() as inner:
        registered = inner.execute("select party_members from villages where name = '凤岗社区'").fetchone()[0]
    assert pilot["members"] == registered  # the pilot community's members in full


def test_points_top_list_is_the_highest_totals_of_the_latest_period(cur, points):
    latest = points[points["积分周期"] == "2024年第四季度"].sort_values("总积分", ascending=False)
    tenth = latest["总积分"].iloc[9]
    found = run_query(cur, "points_top", year=2024, limit=10, **ALL)
    assert set(zip(found["village"], found["member"], strict=True)) == set(
        zip(*[latest.loc[latest["总积分"] >= tenth, c] for c in ("所属支部", "党员姓名")], strict=True)
    )
    assert found["points_rank"].iloc[0] == 1


def test_studio_coverage_and_candidates_match_the_ledgers(cur, settings):
    studios = ledger("书记工作室")
    stars = ledger("达标创星")
    five_2024 = set(stars[(stars["年度"] == 2024) & (stars["星级"] == "五星级")]["村(社区)名称"])
    coverage = run_query(cur, "studio_coverage", year=2024, **ALL).iloc[0]
    assert coverage["studios"] == len(studios) and coverage["units"] == 25
    assert coverage["city_level"] == (studios["级别"] == "市级示范点").sum() == 1
    first = studios.sort_values("成立日期").iloc[0]
    assert first["级别"] == "市级示范点"  # the first studio is the city-level 示范点
    candidates = run_query(cur, "studio_candidates", year=2024, **ALL)
    assert set(candidates["village"]) == five_2024 - set(studios["村(社区)名称"]) != set()
    growth = run_query(cur, "studio_growth", **ALL)
    assert list(growth["studios"]) == sorted(growth["studios"])  # it only grows
    assert growth["studios"].iloc[-1] == len(studios) and growth["established"].sum() == len(studios)
    built_2023 = (pd.to_datetime(studios["成立日期"]) <= "2023-12-31").sum()
    assert run_query(cur, "studio_coverage", year=2023, **ALL).iloc[0]["studios"] == built_2023


def test_sage_figures_match_the_ledger(cur):
    sages = ledger("乡贤参与")
    sages["数量"] = sages["数量"].astype(int)
    in_2024 = sages[pd.to_datetime(sages["日期"]).dt.year == 2024]
    by_kind = in_2024.groupby("类型")["数量"].sum()
    summary = run_query(cur, "sage_summary", year=2024, **ALL).iloc[0]
    assert summary["opinions"] == by_kind["民意收集"] >= 90
    assert summary["disputes"] == by_kind["矛盾调解"] >= 60
    assert summary["activities"] == len(in_2024)
    villages = run_query(cur, "sage_by_village", year=2024, **ALL)
    expected = in_2024[in_2024["类型"] == "矛盾调解"].groupby("村(社区)名称")["数量"].sum()
    assert {v: d for v, d in zip(villages["village"], villages["disputes"], strict=True) if d} == expected.to_dict()
    months = run_query(cur, "sage_by_month", year=2024, **ALL)
    assert months["quantity"].sum() == in_2024["数量"].sum()
    top = run_query(cur, "sage_top", year=2024, limit=3, **ALL)
    leader = in_2024.groupby("乡贤姓名")["数量"].sum().sort_values(ascending=False)
    assert top["sage"].iloc[0] == leader.index[0] and top["quantity"].iloc[0] == leader.iloc[0]


def test_cadre_figures_match_the_roster(cur):
    roster = ledger("村干部与后备力量")
    roster["birth"] = roster["出生年月"].astype(str).str[:4].astype(int)
    summary = run_query(cur, "cadre_summary", year=2024, **ALL).iloc[0]
    counts = roster["身份"].value_counts()
    assert (summary["committee"], summary["reserves"], summary["clerks"]) == (
        counts["两委干部"],
        counts["后备干部"],
        counts["党务专员"],
    )
    committee = roster[roster["身份"] == "两委干部"]
    assert float(summary["committee_average_age"]) == pytest.approx(round((2024 - committee["birth"]).mean(), 1))
    with_reserve = set(roster.loc[roster["身份"] == "后备干部", "村(社区)名称"])
    units = set(ledger("村社区名录")["村(社区)名称"])
    without = units - with_reserve
    assert summary["units_without_reserve"] == len(without) > 0
    by_village = run_query(cur, "cadres_by_village", year=2024, **ALL)
    assert set(by_village.loc[by_village["no_reserve"], "village"]) == without
    assert summary["upgrading"] == (roster["学历提升"] == "是").sum()
    ages = run_query(cur, "cadre_age_structure", year=2024, **ALL)
    young = ((2024 - roster["birth"]) <= 35) & (roster["身份"] == "后备干部")
    assert ages.loc[(ages["role"] == "后备干部") & (ages["band_order"] == 1), "cadres"].iloc[0] == young.sum()
    education = run_query(cur, "cadre_education_structure", **ALL)
    assert education["cadres"].sum() == len(roster)


def test_a_scope_narrows_the_mechanism_queries(cur, settings):
    everywhere = run_query(cur, "mechanisms_overview", year=2024, threshold=settings.points_low_threshold, **ALL)
    north = run_query(
        cur,
        "mechanisms_overview",
        year=2024,
        threshold=settings.points_low_threshold,
        town=None,
        area="北片",
        villages=None,
    )
    assert north["units"].iloc[0] < everywhere["units"].iloc[0]
    assert north["committee"].iloc[0] < everywhere["committee"].iloc[0]
    assert north["points_members"].iloc[0] < everywhere["points_members"].iloc[0]


def test_demo_ledgers_exist():
    for name in ("党员积分存折", "书记工作室", "乡贤参与", "村干部与后备力量"):
        assert (Path(DEMO_DIR) / f"{name}.xlsx").is_file()


def test_deductions_are_stored_positive(cur):
    assert cur.execute("select count(*) from member_points where deducted_points < 0").fetchone()[0] == 0
    assert Decimal(0) < cur.execute("select max(deducted_points) from member_points").fetchone()[0]


def test_the_studio_target_is_one_towns_and_never_more_than_its_units():
    assert mechanisms.studio_goal(25, [25]) == 25
    assert mechanisms.studio_goal(25, [6]) == 6  # one 片区
    assert mechanisms.studio_goal(25, [20, 30, 10]) == 20 + 25 + 10  # three towns of a county
    assert mechanisms.studio_goal(25, []) == 0
