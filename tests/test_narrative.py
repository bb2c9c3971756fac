"""Report sentences from the demo town, and the number formatting they are made of."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from village_stats import formatting as fmt
from village_stats import narrative
from village_stats.queries import Scope, run_query

TODAY = date(2025, 6, 30)
DOMAINS = ("income", "projects", "stars", "tickets", "problems")  # year_summary's paragraph order


@pytest.fixture(scope="module", autouse=True)
def demo_kept_open(demo_db):
    """One read lease for the module: the helpers' own leases then share its connection."""
    with demo_db.read():
        yield


def results_for(database, settings, year: int, scope: Scope) -> dict:
    requests = narrative.summary_requests(year, settings, scope, TODAY)
    with database.read() as cur:
        return {role: run_query(cur, name, **params) for role, (name, params) in requests.items()}


def summary(database, settings, year: int, scope: Scope | None = None) -> list[str]:
    scope = scope or Scope(town=settings.town)
    return narrative.year_summary(
        year, results_for(database, settings, year, scope), settings, scope.label(settings.town)
    )


def paragraphs(database, settings, year: int, scope: Scope | None = None) -> dict[str, str]:
    """Domain → paragraph; a domain without data has none."""
    scope = scope or Scope(town=settings.town)
    results = results_for(database, settings, year, scope)
    return narrative.year_sections(year, results, settings, scope.label(settings.town))


def rows(database, sql: str, **params: object) -> list[tuple]:
    with database.read() as cur:
        return cur.execute(sql, params or None).fetchall()


def pct(part: int, whole: int) -> str:
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def change(now: int, before: int | None, unit: str = "个", last_year: str = "上年") -> str:
    if before is None:
        return ""
    if now > before:
        return f"比{last_year}增加{now - before}{unit}"
    if now < before:
        return f"比{last_year}减少{before - now}{unit}"
    return f"与{last_year}持平"


def tier_line(settings, tier: int, count: int, whole: int) -> str:
    """`21个村村财收入超过20万元，占比91.3%` for tier 0 (the seed's wording)."""
    return f"{count}个村村财收入超过{fmt.threshold(settings.income_thresholds_yuan[tier])}，占比{pct(count, whole)}"


def tier_counts(database, year: int, settings) -> tuple[int, list[int]] | None:
    """(villages with income, villages at or above each threshold), from the raw table; None without data."""
    incomes = [
        r[0]
        for r in rows(
            database,
            "select i.total_income from village_income as i join villages as v "
            "on v.town = i.town and v.name = i.village where i.year = $y and v.kind = '村'",
            y=year,
        )
    ]
    if not incomes:
        return None
    return len(incomes), [sum(i >= t for i in incomes) for t in settings.income_thresholds_yuan]


# ---- the seed speech ---------------------------------------------------------------------


def test_seed_sentences_2023(demo_db, settings):
    text = "".join(summary(demo_db, settings, 2023))
    for fragment in (
        "2023年全镇21个村村财收入超过20万元，占比91.3%",
        "12个村村财收入超过50万元，占比52.2%",
        "其中北垞、竹秀、岑下3个村超过100万元",
        "群众建议6件",
        "支部派单15件次",
        "服务代办178人次",
    ):
        assert fragment in text


def test_seed_sentences_2024(demo_db, settings):
    found = paragraphs(demo_db, settings, 2024)
    assert "149个" in found["projects"]
    assert "14.53亿元" in found["projects"]
    assert "五星级14个" in found["stars"]
    assert "四星级3个" in found["stars"]
    assert "无软弱涣散村" in found["stars"]
    assert "党建体检发现60条" in found["problems"]
    assert "60条" in found["problems"]


def test_whole_town_scope_reads_the_same_with_or_without_town(demo_db, settings):
    assert summary(demo_db, settings, 2023, Scope()) == summary(demo_db, settings, 2023, Scope(town=settings.town))


def test_paragraph_per_domain_in_report_order(demo_db, settings):
    found = summary(demo_db, settings, 2024)
    assert len(found) == 9
    markers = ("村财收入", "揭榜挂帅", "达标创星", "五单闭环", "问题", "积分存折", "书记工作室", "乡贤", "两委干部")
    assert all(marker in paragraph for marker, paragraph in zip(markers, found, strict=True))
    assert all(paragraph.startswith("2024年全镇") for paragraph in [*found[:6], found[7]])
    assert found[6].startswith("截至2024年底全镇") and found[8].startswith("全镇现有")
    assert all(paragraph.endswith("。") for paragraph in found)


# ---- year over year, against the raw rows ------------------------------------------------


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_income_change_words_match_raw(demo_db, settings, year):
    current, previous = tier_counts(demo_db, year, settings), tier_counts(demo_db, year - 1, settings)
    assert current is not None
    whole, counts = current
    before = previous[1] if previous else [None, None, None]
    text = paragraphs(demo_db, settings, year)["income"]
    for i in (0, 1):
        words = change(counts[i], before[i])
        assert tier_line(settings, i, counts[i], whole) + ("，" + words if words else "") in text
    if previous is None:
        assert "上年" not in text


def test_income_change_words_decrease_and_flat(demo_copy, settings):
    """Earlier years made richer by hand: 2022 reads 持平 against 2021, 2023 reads 减少 against 2022."""
    rich = settings.income_thresholds_yuan[2] * 2
    with demo_copy.write() as con:
        con.execute("update village_income set total_income = $rich where year in (2021, 2022)", {"rich": rich})
    for year in (2022, 2023):
        whole, counts = tier_counts(demo_copy, year, settings)
        _, before = tier_counts(demo_copy, year - 1, settings)
        text = paragraphs(demo_copy, settings, year)["income"]
        for i in (0, 1):
            assert f"{tier_line(settings, i, counts[i], whole)}，{change(counts[i], before[i])}" in text
    assert "与上年持平" in paragraphs(demo_copy, settings, 2022)["income"]
    assert "比上年减少" in paragraphs(demo_copy, settings, 2023)["income"]


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_star_change_words_match_raw(demo_db, settings, year):
    five = dict(rows(demo_db, "select year, count(*) filter (where stars = 5) from star_ratings group by year"))
    earlier = [y for y in five if y < year]
    text = paragraphs(demo_db, settings, year)["stars"]
    assert f"五星级{five[year]}个" in text
    if earlier:
        last = max(earlier)
        assert "五星级" + change(five[year], five[last], last_year=f"{last}年") in text
    else:
        assert "比" not in text and "持平" not in text


def test_ticket_sentence_2024_matches_raw(demo_db, settings):
    total, done = rows(demo_db, "select count(*), count(done_at) from service_tickets where year(ordered_at) = 2024")[0]
    rated, satisfied = rows(
        demo_db,
        "select count(rating), count(*) filter (where rating >= 3) from service_tickets where year(ordered_at) = 2024",
    )[0]
    assert total > done, "the 2024 demo has tickets still open"
    text = paragraphs(demo_db, settings, 2024)["tickets"]
    assert f"办结率{pct(done, total)}，尚有{total - done}单在办" in text
    assert f"群众满意率{pct(satisfied, rated)}" in text
    assert "全部办结" in paragraphs(demo_db, settings, 2023)["tickets"]


def test_problem_sentence_2024_matches_raw(demo_db, settings):
    total, fixed, late = rows(
        demo_db,
        "select count(*), count(*) filter (where status = '已整改'), "
        "count(*) filter (where status <> '已整改' and deadline < $today) from problems where year = 2024",
        today=TODAY,
    )[0]
    text = paragraphs(demo_db, settings, 2024)["problems"]
    assert f"共梳理问题{total}条" in text
    assert f"已整改{fixed}条，整改率{pct(fixed, total)}" in text
    assert f"逾期未整改{late}条" in text


def test_project_sentence_lists_arenas_in_settings_order(demo_db, settings):
    counts = dict(rows(demo_db, "select arena, count(*) from projects where year = 2024 group by arena"))
    text = paragraphs(demo_db, settings, 2024)["projects"]
    assert "其中" + "、".join(f"{a}擂台{counts[a]}个" for a in settings.arenas) in text


def test_area_scope_is_named_and_counted(demo_db, settings):
    area = rows(demo_db, "select min(area) from villages where kind = '村'")[0][0]
    count = rows(
        demo_db,
        "select count(*) from village_income as i join villages as v on v.town = i.town and v.name = i.village "
        "where i.year = 2023 and v.kind = '村' and v.area = $a and i.total_income >= $t",
        a=area,
        t=settings.income_thresholds_yuan[0],
    )[0][0]
    text = paragraphs(demo_db, settings, 2023, Scope(area=area))["income"]
    assert text.startswith(f"2023年{area}{count}个村村财收入超过20万元")


# ---- no data: no sentence ----------------------------------------------------------------


def test_domain_without_data_has_no_sentence(demo_db, settings):
    years_with_problems = {y for (y,) in rows(demo_db, "select distinct year from problems")}
    assert 2022 not in years_with_problems
    found = paragraphs(demo_db, settings, 2022)
    # the first studio opened in 2022; the undated cadre roster belongs to the newest year only
    assert list(found) == ["income", "projects", "stars", "tickets", "studios"]
    assert narrative.missing_domains(found) == ["问题整改台账", "党员量化积分", "乡贤参与", "村干部队伍"]
    assert list(paragraphs(demo_db, settings, 2021)) == ["income"]  # the demo's first year: income ledgers only
    for year in (2021, 2022):
        assert "暂无" not in "".join(summary(demo_db, settings, year))


def test_empty_database_has_no_sentences(empty_db, settings):
    assert summary(empty_db, settings, 2024) == []
    assert narrative.missing_domains({}) == list(narrative.DOMAINS.values())


def test_results_left_out_read_as_no_data(demo_db, settings):
    """A caller that ran only some of the queries gets those domains' sentences and nothing invented."""
    scope = Scope(town=settings.town)
    results = results_for(demo_db, settings, 2024, scope)
    only = {role: results[role] for role in ("income", "income_previous")}
    found = narrative.year_sections(2024, only, settings, "全镇")
    assert list(found) == ["income"]
    assert found["income"] == paragraphs(demo_db, settings, 2024)["income"].split("。")[0] + "。"


# ---- the richer statements, against the raw rows -------------------------------------------


def short(name: str) -> str:
    return fmt.short_name(name)


def named(names: list[str], unit: str = "个村") -> str:
    shown = "、".join(names[:5])
    return f"{shown}{'等' if len(names) > 5 else ''}{len(names)}{unit}"


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_villages_moving_tiers_are_named(demo_db, settings, year):
    lines = settings.income_thresholds_yuan

    def tier(value) -> int:
        return sum(value >= line for line in lines)

    def incomes(y: int) -> dict[str, object]:
        return dict(
            rows(
                demo_db,
                "select i.village, i.total_income from village_income as i join villages as v "
                "on v.town = i.town and v.name = i.village where i.year = $y and v.kind = '村'",
                y=y,
            )
        )

    now, before = incomes(year), incomes(year - 1)
    order = sorted(now, key=lambda v: (-now[v], v))  # the query's order: highest income first
    up = [short(v) for v in order if v in before and tier(now[v]) > tier(before[v])]
    down = [short(v) for v in order if v in before and tier(now[v]) < tier(before[v])]
    fell = [short(v) for v in order if v in before and tier(now[v]) == 0 < tier(before[v])]
    below = [short(v) for v in order if tier(now[v]) == 0]
    text = paragraphs(demo_db, settings, year)["income"]
    expected = [f"{named(up)}升档"] if up else []
    expected += [f"{named(down)}降档"] if down else []
    expected += [f"其中{named(fell)}降至20万元以下"] if fell else []
    if expected:
        assert "与上年相比，" + "，".join(expected) + "。" in text
    if below:
        assert f"尚有{named(below)}村财收入低于20万元。" in text


def test_a_village_falling_below_the_floor_is_named(demo_copy, settings):
    with demo_copy.write() as con:
        con.execute(
            "update village_income set total_income = 150000, operating_income = 60000 "
            "where year = 2024 and village = '白沙村'"
        )
    text = paragraphs(demo_copy, settings, 2024)["income"]
    assert "其中白沙1个村降至20万元以下" in text


def test_project_and_ticket_year_over_year(demo_db, settings):
    counts = dict(rows(demo_db, "select year, count(*) from projects group by 1"))
    planned = dict(rows(demo_db, "select year, sum(planned_investment) from projects group by 1"))
    tickets = dict(rows(demo_db, "select year(ordered_at), count(*) from service_tickets group by 1"))
    found = paragraphs(demo_db, settings, 2024)
    assert f"共实施揭榜挂帅项目{counts[2024]}个，{change(counts[2024], counts[2023])}" in found["projects"]
    delta = planned[2024] - planned[2023]
    assert f"计划总投资14.53亿元，比上年增加{fmt.money(delta)}" in found["projects"]
    assert f"合计{tickets[2024]}件，{change(tickets[2024], tickets[2023], '件')}" in found["tickets"]
    assert "上年" not in paragraphs(demo_db, settings, 2022)["projects"]  # no projects ledger for 2021


def test_ticket_funnel_and_overdue_villages(demo_db, settings):
    steps = rows(
        demo_db,
        "select count(*), count(claimed_at), count(dispatched_at), count(done_at), count(rating) "
        "from service_tickets where year(ordered_at) = 2024",
    )[0]
    labels = ("群众点单", "网格领单", "支部派单", "党员晒单", "群众评单")
    text = paragraphs(demo_db, settings, 2024)["tickets"]
    assert "五个环节依次为" + "、".join(f"{k}{n}单" for k, n in zip(labels, steps, strict=True)) in text
    late = rows(
        demo_db,
        "select village from problems where year = 2024 and status <> '已整改' and deadline < $today "
        "order by deadline, problem_id",
        today=TODAY,
    )
    units = list(dict.fromkeys(short(v) for (v,) in late))
    problems = paragraphs(demo_db, settings, 2024)["problems"]
    assert f"逾期未整改{len(late)}条，涉及{named(units, '个村(社区)')}。" in problems


# ---- formatting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yuan", "text"),
    [
        (1_453_000_000, "14.53亿元"),
        (Decimal("1453000000.00"), "14.53亿元"),
        (1_453_000_000.0, "14.53亿元"),
        (100_000_000, "1.00亿元"),
        (1_864_000, "186.40万元"),
        (Decimal("1864000"), "186.40万元"),
        (0, "0.00万元"),
        (1250, "0.13万元"),  # 0.125万 rounds half up
        (1_234_567_890, "12.35亿元"),
    ],
)
def test_money(yuan, text):
    assert fmt.money(yuan) == text


@pytest.mark.parametrize(
    ("value", "unit", "card"),
    [
        (178, "人次", ("服务代办", "178人次")),
        (9_999, "件", ("服务代办", "9,999件")),
        (10_000, "件", ("服务代办（万件）", "1.00")),
        (79_803, "件", ("服务代办（万件）", "7.98")),
        (800_750, "人次", ("服务代办（万人次）", "80.08")),  # 80.075万 rounds half up
        (1_000_000, "件", ("服务代办（万件）", "100.00")),
    ],
)
def test_count_card(value, unit, card):
    assert fmt.count_card("服务代办", value, unit) == card


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0单"), (9_999, "9,999单"), (10_000, "1万单"), (81_000, "8.1万单"), (900_365, "90.04万单")],
)
def test_count(value, text):
    assert fmt.count(value, "单") == text


@pytest.mark.parametrize(
    ("value", "previous", "unit", "shown"),
    [
        (23, 21, "个", ("23个", "+2个")),
        (1_000_000, 1_000_000, "件", ("100万件", "持平")),  # a city's year of tickets: not 1000000件
        (1_998, 2_008, "个", ("1,998个", "-10个")),
        (80_132, 60_000, "件", ("8.01万件", "+2.01万件")),
    ],
)
def test_kpi_text_for_counts(value, previous, unit, shown):
    assert fmt.kpi_text(value, previous, unit) == shown


def test_wan():
    assert fmt.wan(1_864_000) == "186.40万元"
    assert fmt.wan(Decimal("125")) == "0.01万元"  # 0.0125 → 0.01
    assert fmt.wan(150) == "0.02万元"  # 0.015 → 0.02, half up


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [
        (21, 23, "91.3%"),
        (12, 23, "52.2%"),
        (1, 8, "12.5%"),
        (1, 16, "6.3%"),
        (3, 2000, "0.2%"),
        (0, 5, "0.0%"),
        (1, 0, "—"),
    ],
)
def test_share(part, whole, text):
    assert fmt.share(part, whole) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (91.3, 1, "91.3%"),
        (Decimal("0.125"), 2, "0.13%"),
        (0.125, 2, "0.13%"),
        (2.675, 2, "2.68%"),
        (6.25, 1, "6.3%"),
        (100, 1, "100.0%"),
    ],
)
def test_pct_rounds_half_up(value, places, text):
    assert fmt.pct(value, places) == text


@pytest.mark.parametrize(
    ("yuan", "text"),
    [(200_000, "20万元"), (Decimal("500000.00"), "50万元"), (1_000_000.0, "100万元"), (125_000, "12.5万元")],
)
def test_threshold(yuan, text):
    assert fmt.threshold(yuan) == text


@pytest.mark.parametrize(
    ("name", "short"), [("北垞村", "北垞"), ("凤岗社区", "凤岗社区"), ("村", "村"), ("竹秀", "竹秀")]
)
def test_short_name(name, short):
    assert fmt.short_name(name) == short


def test_change_words():
    assert fmt.change_words(21, 18, "个") == "，比上年增加3个"
    assert fmt.change_words(18, 21, "个") == "，比上年减少3个"
    assert fmt.change_words(5, 5, "个") == "，与上年持平"
    assert fmt.change_words(5, None, "个") == ""


def test_scope_labels(settings):
    assert Scope().label(settings.town) == "全镇"
    assert Scope(town=settings.town).label(settings.town) == "全镇"
    assert Scope(town="别的镇").label(settings.town) == "别的镇"
    assert Scope(area="东片").label(settings.town) == "东片"
    assert Scope(villages=("北垞村", "凤岗社区")).label(settings.town) == "北垞、凤岗社区"
    four = Scope(villages=("北垞村", "竹秀村", "荷塘村", "凤岗社区"))
    assert four.label(settings.town) == "北垞、竹秀、荷塘等4个村(社区)"
