"""queries/_macros.sql: each metric rule checked against a Python reading of the same demo rows,
and the runner re-applying the file when it changes, without a migration."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from village_stats import db, sandbox
from village_stats.db import Database, applied_macros_digest, macros_digest, open_database
from village_stats.queries import MACROS_PATH, QueryError, all_queries, load_query

TODAY = date(2025, 6, 30)


@pytest.fixture(scope="module")
def cur(demo_db):
    with demo_db.read() as cursor:
        yield cursor


def share(part: int, whole: int) -> Decimal | None:
    """The share rule as a person would compute it: percent, one decimal, half up."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def tier(income: Decimal, lines: list[Decimal]) -> int:
    """How many tier lines the income reaches; a line counts as reached at exactly its value."""
    return sum(1 for line in lines if income >= line)


# ---- each rule against an independent computation ---------------------------------------------


def test_is_rectified_and_rectified_pct_per_village(cur):
    rows = cur.execute("select village, status from problems where year = 2024").fetchall()
    expected = {}
    for village in {v for v, _ in rows}:
        statuses = [s for v, s in rows if v == village]
        done = sum(1 for s in statuses if s == "已整改")
        expected[village] = (len(statuses), done, share(done, len(statuses)))
    found = cur.execute(
        "select village, count(*), count(*) filter (where is_rectified(status)), rectified_pct(status) "
        "from problems where year = 2024 group by village"
    ).fetchall()
    assert {v: (n, r, p) for v, n, r, p in found} == expected
    assert any(r < n for n, r, _ in expected.values()), "the demo has unrectified problems"


def test_is_overdue(cur):
    rows = cur.execute("select problem_id, status, deadline from problems").fetchall()
    expected = {
        pid for pid, status, deadline in rows if status != "已整改" and deadline is not None and deadline < TODAY
    }
    found = cur.execute(
        "select problem_id from problems where is_overdue(status, deadline, $today)", {"today": TODAY}
    ).fetchall()
    assert {pid for (pid,) in found} == expected and expected


def test_is_satisfied_and_satisfied_pct_per_year(cur):
    rows = cur.execute("select year(ordered_at), rating from service_tickets").fetchall()
    for year in sorted({y for y, _ in rows}):
        ratings = [r for y, r in rows if y == year and r is not None]
        satisfied = sum(1 for r in ratings if r >= 3)  # 满意=5, 基本满意=3, 不满意=1
        found = cur.execute(
            "select count(*) filter (where is_satisfied(rating)), satisfied_pct(rating) from service_tickets "
            "where year(ordered_at) = $year",
            {"year": year},
        ).fetchone()
        assert found == (satisfied, share(satisfied, len(ratings)))
        stored = cur.execute("select sum(satisfied) from ticket_counts where year = $year", {"year": year}).fetchone()
        assert stored[0] == satisfied  # ticket_counts is filled by counted_tickets, which uses the same rule


def test_income_tier_per_village_and_at_the_lines(cur, settings):
    lines = list(settings.income_thresholds_yuan)
    params = dict(zip(("t1", "t2", "t3"), lines, strict=True))
    rows = cur.execute(
        "select village, total_income, income_tier(total_income, $t1, $t2, $t3) from village_income", params
    ).fetchall()
    assert all(found == tier(income, lines) for _, income, found in rows)
    assert {found for _, _, found in rows} == {0, 1, 2, 3}
    for line in lines:
        at, below = cur.execute(
            "select income_tier($x, $t1, $t2, $t3), income_tier($x - 0.01, $t1, $t2, $t3)", params | {"x": line}
        ).fetchone()
        assert (at, below) == (tier(line, lines), tier(line - Decimal("0.01"), lines))
        assert at == below + 1


def test_income_tiers_reproduce_the_speech(cur, settings):
    """2023: 21 villages ≥ 20万 (91.3%), 12 ≥ 50万 (52.2%), and 北垞、竹秀、岑下 ≥ 100万."""
    params = dict(zip(("t1", "t2", "t3"), settings.income_thresholds_yuan, strict=True))
    found = cur.execute(
        "select t.tier, count(i.village), string_agg(short_name(i.village), '、' order by i.total_income desc) "
        "from income_tiers($t1, $t2, $t3) as t "
        "left join (select * from scoped_income(2023, null, null, null) where kind = '村') as i "
        "on income_tier(i.total_income, $t1, $t2, $t3) >= t.tier where t.tier >= 1 group by t.tier order by t.tier",
        params,
    ).fetchall()
    assert [(t, n) for t, n, _ in found] == [(1, 21), (2, 12), (3, 3)]
    assert found[2][2] == "北垞、竹秀、岑下"
    assert (share(21, 23), share(12, 23)) == (Decimal("91.3"), Decimal("52.2"))


def test_income_tier_label_and_bounds(cur):
    found = cur.execute(
        "select tier, income_tier_label(lower_bound, upper_bound), income_tier_label(lower_bound, null) "
        "from income_tiers(200000.00, 500000.00, 1000000.00) order by tier"
    ).fetchall()
    assert [(t, bin_label) for t, bin_label, _ in found] == [
        (0, "20万元以下"),
        (1, "20–50万元"),
        (2, "50–100万元"),
        (3, "100万元以上"),
    ]
    assert [cumulative for _, _, cumulative in found[1:]] == ["20万元以上", "50万元以上", "100万元以上"]


def test_is_weak_village(cur, settings):
    total_floor = settings.weak_total_below_wan * 10_000
    operating_floor = settings.weak_operating_below_wan * 10_000
    rows = cur.execute("select year, village, total_income, operating_income from village_income").fetchall()
    expected = {
        (y, v)
        for y, v, total, operating in rows
        if total < total_floor or (operating is not None and operating < operating_floor)
    }
    found = cur.execute(
        "select year, village from village_income where is_weak_village(total_income, operating_income, $t, $o)",
        {"t": total_floor, "o": operating_floor},
    ).fetchall()
    assert set(found) == expected and expected


def test_star_level_and_five_star(cur):
    labels = ["无星", "一星级", "二星级", "三星级", "四星级", "五星级"]
    assert cur.execute("select list(star_level(s) order by s) from range(0, 6) as r (s)").fetchone()[0] == labels
    rows = cur.execute("select stars from star_ratings where year = 2024").fetchall()
    found = cur.execute("select count(*) filter (where is_five_star(stars)) from star_ratings where year = 2024")
    assert found.fetchone()[0] == sum(1 for (s,) in rows if s == 5) == 14


def test_names_and_hours(cur):
    assert cur.execute(
        "select short_name('北垞村'), short_name('凤岗社区'), unit_label('青溪镇', '北垞村', true), "
        "unit_label('青溪镇', '北垞村', false), hours_of_micros(3 * 60 * 1000000), hours_of_micros(2 * 60 * 1000000)"
    ).fetchone() == ("北垞", "凤岗社区", "青溪镇·北垞", "北垞", 0.1, 0.0)


# ---- applied by the runner, seen by every kind of reader --------------------------------------


def test_a_new_file_records_the_macros_it_was_given(empty_db):
    with empty_db.read() as cursor:
        assert applied_macros_digest(cursor) == macros_digest(MACROS_PATH.read_text(encoding="utf-8"))
        assert cursor.execute("select is_satisfied(3), is_satisfied(2)").fetchone() == (True, False)


def test_editing_the_macros_reapplies_them_on_the_next_open_without_a_migration(demo_copy, tmp_path, monkeypatch):
    edited = tmp_path / "_macros.sql"
    text = MACROS_PATH.read_text(encoding="utf-8")
    assert "as rating >= 3;" in text
    edited.write_text(text.replace("as rating >= 3;", "as rating >= 4;"), encoding="utf-8")
    before = demo_copy.schema_version()
    monkeypatch.setattr(db, "MACROS_PATH", edited)

    reopened = open_database(demo_copy.path)

    assert reopened.schema_version() == before
    assert not (demo_copy.path.parent / "backups").exists()
    with reopened.read() as cursor:
        assert cursor.execute("select is_satisfied(3), is_satisfied(4)").fetchone() == (False, True)
        assert applied_macros_digest(cursor) == macros_digest(edited.read_text(encoding="utf-8"))
    plain = duckdb.connect(str(demo_copy.path), read_only=True)  # another process's read-only connection
    try:
        assert plain.execute("select is_satisfied(3)").fetchone() == (False,)
    finally:
        plain.close()

    monkeypatch.setattr(db, "MACROS_PATH", MACROS_PATH)
    assert Database(demo_copy.path).migrate() == []
    with Database(demo_copy.path).read() as cursor:
        assert cursor.execute("select is_satisfied(3)").fetchone() == (True,)


def test_unchanged_macros_are_not_written_again(demo_copy):
    demo_copy.migrate()
    stamp = demo_copy.version()
    assert demo_copy.migrate() == []
    assert demo_copy.version() == stamp


def test_the_sandbox_snapshot_has_the_rules(demo_db_path, tmp_path):
    copy = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, copy)
    result = sandbox.run_sql(
        copy,
        "select satisfied_pct(rating) as pct, count(*) filter (where is_satisfied(rating)) as n from service_tickets",
        sandbox.Limits(seconds=5.0, memory="256MB"),
    )
    plain = duckdb.connect(str(copy), read_only=True)
    try:
        found = plain.execute("select count(rating), count(*) filter (where rating >= 3) from service_tickets")
        rated, satisfied = found.fetchone()
    finally:
        plain.close()
    assert int(result.frame["n"][0]) == satisfied
    assert Decimal(str(result.frame["pct"][0])) == share(satisfied, rated)


def test_the_macros_file_is_not_a_query():
    assert "_macros" not in {q.name for q in all_queries()}
    with pytest.raises(QueryError):
        load_query("_macros")
    assert Path(MACROS_PATH).name == "_macros.sql"
