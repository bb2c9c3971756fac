"""要点与预警: every figure an alert states, recomputed here from the raw tables of the demo town."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from village_stats import alerts
from village_stats.queries import Scope, run_query
from village_stats.settings import ALERT_RULES, load_settings

TODAY = date(2026, 12, 6)
TOWN = Scope(town="青溪镇")


def short(name: str) -> str:
    return name[:-1] if name.endswith("村") else name


def one_decimal_pct(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def cur(demo_db):
    with demo_db.read() as cursor:
        yield cursor


@pytest.fixture(scope="module")
def fired(demo_db, settings) -> dict[str, alerts.Alert]:
    return {a.key: a for a in alerts.alerts(demo_db, 2024, TOWN, settings, TODAY)}


def rows(cur, sql: str, *params: object) -> list[tuple]:
    return cur.execute(sql, list(params)).fetchall()


def test_the_demo_fires_every_rule_in_the_order_of_the_settings(demo_db, settings):
    found = alerts.alerts(demo_db, 2024, TOWN, settings, TODAY)
    assert [a.key for a in found] == list(ALERT_RULES)
    assert [a.importance for a in found] == sorted(a.importance for a in found)
    for alert in found:
        assert alert.sentence.endswith("。") and alert.next_step.endswith("。")
        assert alert.page.startswith("views/") and Path(alert.page).exists()
        assert alert.severity in (alerts.WARNING, alerts.NOTICE)


def test_low_income_names_the_villages_below_the_line_and_the_weak(cur, fired, settings):
    line = settings.income_thresholds_wan[0] * 10_000
    operating = settings.weak_operating_below_wan * 10_000
    found = rows(
        cur,
        "select i.village, i.total_income, i.operating_income from village_income i "
        "join villages v on v.town = i.town and v.name = i.village where i.year = 2024 and v.kind = '村' "
        "order by i.total_income",
    )
    below = [(v, t) for v, t, _ in found if t < line]
    weak_only = [v for v, t, o in found if t >= line and o is not None and o < operating]
    assert below and weak_only, "the demo has both cases"
    alert = fired["low_income"]
    assert alert.figure == len(below)
    assert alert.villages == tuple(short(v) for v, _ in below) + tuple(short(v) for v in weak_only)
    lowest = below[0][1]
    assert alert.figures["lowest_income"] == lowest
    assert f"{(lowest / 10_000).quantize(Decimal('0.01'))}万元" in alert.sentence
    gap = ((line - lowest) / 10_000).quantize(Decimal("0.01"))
    assert f"推动{below[0][0]}村财收入突破20万元（尚差{gap}万元）" in alert.next_step
    assert f"{short(weak_only[0])}村经营性收入低于10万元" in alert.sentence


def test_overdue_problems_counts_the_unrectified_past_their_deadline(cur, fired):
    found = rows(
        cur,
        "select village, deadline from problems where year = 2024 and status <> '已整改' and deadline < ?",
        TODAY,
    )
    unrectified = rows(cur, "select count(*) from problems where year = 2024 and status <> '已整改'")[0][0]
    alert = fired["overdue_problems"]
    assert alert.figure == len(found) > 0
    assert set(alert.villages) == {short(v) for v, _ in found}
    assert alert.figures["unrectified"] == unrectified
    longest = max((TODAY - d).days for _, d in found)
    assert f"最长已逾期{longest}天" in alert.sentence
    assert f"逾期未整改{len(found)}条" in alert.sentence
    assert f"{len(found)}条问题" in alert.next_step


def test_rectification_fall_is_the_change_of_the_rate_on_last_year(cur, fired):
    def rate(year: int) -> Decimal:
        done, total = rows(
            cur, "select count(*) filter (where status = '已整改'), count(*) from problems where year = ?", year
        )[0]
        return one_decimal_pct(done, total)

    now, before = rate(2024), rate(2023)
    assert now < before
    alert = fired["rectification_fall"]
    assert alert.figure == before - now
    assert f"{now}%" in alert.sentence and f"下降{before - now}个百分点" in alert.sentence
    assert f"回升至上年的{before}%以上" in alert.next_step


def test_satisfaction_fall_counts_ratings_of_three_and_up_as_satisfied(cur, fired):
    def rate(year: int) -> Decimal:
        satisfied, rated = rows(
            cur,
            "select count(*) filter (where rating >= 3), count(rating) from service_tickets where year(ordered_at) = ?",
            year,
        )[0]
        return one_decimal_pct(satisfied, rated)

    now, before = rate(2024), rate(2023)
    alert = fired["satisfaction_fall"]
    assert alert.figure == before - now > 0
    assert f"满意率{now}%，比上年的{before}%" in alert.sentence


def test_stale_tickets_are_those_not_done_past_the_setting(cur, fired, settings):
    cutoff = TODAY - timedelta(days=settings.ticket_open_days)
    found = rows(
        cur,
        "select village, ordered_at from service_tickets "
        "where year(ordered_at) = 2024 and done_at is null and ordered_at < ?",
        cutoff,
    )
    alert = fired["stale_tickets"]
    assert alert.figure == len(found) > 0
    assert set(alert.villages) == {short(v) for v, _ in found}
    longest = max((TODAY - t.date()).days for _, t in found)
    assert f"最长已{longest}天" in alert.sentence


def test_no_reserve_cadre_lists_the_units_without_one(cur, fired):
    found = rows(
        cur,
        "select village from cadres group by village "
        "having count(*) filter (where role = '后备干部') = 0 order by village",
    )
    alert = fired["no_reserve_cadre"]
    assert alert.figure == len(found) > 0
    assert sorted(alert.villages) == sorted(short(v) for (v,) in found)


def test_studio_candidates_are_five_star_units_without_a_studio(cur, fired):
    found = rows(
        cur,
        "select r.village from star_ratings r where r.year = 2024 and r.stars = 5 and not exists "
        "(select 1 from secretary_studios s where s.village = r.village and year(s.established_on) <= 2024)",
    )
    alert = fired["studio_candidates"]
    assert alert.figure == len(found) > 0
    assert sorted(alert.villages) == sorted(short(v) for (v,) in found)


def test_studio_pace_says_how_many_are_missing_toward_the_target(cur, fired, settings):
    built = rows(cur, "select count(*) from secretary_studios where established_on <= ?", TODAY)[0][0]
    units = rows(cur, "select count(*) from villages")[0][0]
    goal = min(settings.studio_target, units)
    alert = fired["studio_pace"]
    assert alert.figure == goal - built > 0
    assert f"已建成{built}个" in alert.sentence
    assert f"还差{goal - built}个" in alert.sentence
    # the deadline (2026-12-31) falls in TODAY's year: the whole remainder is this year's work
    assert alert.next_step == f"年内新建工作室{goal - built}个以实现全覆盖。"


def test_thresholds_come_from_the_settings(demo_db, settings):
    # a fall must exceed the setting: a looser one silences both rate rules
    loose = dataclasses.replace(settings, rate_fall_points=Decimal(50))
    keys = {a.key for a in alerts.alerts(demo_db, 2024, TOWN, loose, TODAY)}
    assert "rectification_fall" not in keys and "satisfaction_fall" not in keys
    # tickets open for less than a very long limit are not overdue
    patient = dataclasses.replace(settings, ticket_open_days=36_500)
    assert "stale_tickets" not in {a.key for a in alerts.alerts(demo_db, 2024, TOWN, patient, TODAY)}


def test_rules_can_be_switched_off_and_reordered(demo_db, settings):
    chosen = dataclasses.replace(settings, alert_rules=("no_reserve_cadre", "low_income"))
    assert [a.key for a in alerts.alerts(demo_db, 2024, TOWN, chosen, TODAY)] == ["no_reserve_cadre", "low_income"]


def test_a_scope_narrows_every_rule(demo_db, cur, settings):
    scope = Scope(town="青溪镇", villages=("荷塘村",))
    found = {a.key: a for a in alerts.alerts(demo_db, 2024, scope, settings, TODAY)}
    assert found["low_income"].villages == ("荷塘",)
    assert "no_reserve_cadre" not in found or found["no_reserve_cadre"].villages == ("荷塘",)
    for alert in found.values():
        assert set(alert.villages) <= {"荷塘"}


def test_a_runner_a_cursor_and_a_database_give_the_same_alerts(demo_db, cur, settings):
    def runner(name: str, **params: object):
        return run_query(cur, name, **params)

    by_database = alerts.alerts(demo_db, 2024, TOWN, settings, TODAY)
    assert alerts.alerts(cur, 2024, TOWN, settings, TODAY) == by_database
    assert alerts.alerts(runner, 2024, TOWN, settings, TODAY) == by_database


def test_a_year_without_data_fires_nothing_about_it(empty_db, settings):
    assert alerts.alerts(empty_db, 2024, TOWN, settings, TODAY) == []


def test_an_unknown_rule_in_the_settings_is_an_error(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[alerts]\nrules = ["low_income", "no_such_rule"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no_such_rule"):
        load_settings(path)


def test_alert_settings_are_read(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[alerts]\nticket_open_days = 7\nrate_fall_points = 2\nshown = 3\n", encoding="utf-8")
    read = load_settings(path)
    assert (read.ticket_open_days, read.rate_fall_points, read.alerts_shown) == (7, Decimal(2), 3)
