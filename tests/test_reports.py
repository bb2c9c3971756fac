"""Meeting material from the demo town: the PPTX, DOCX and XLSX open in their own libraries and hold
the figures of the ledgers, recomputed here from the raw tables."""

from __future__ import annotations

import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pandas as pd
import pytest
from docx import Document
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn

from village_stats import charts, reports
from village_stats.queries import Scope, run_query
from village_stats.reports import chart_data

TODAY = date(2025, 6, 30)
FONT = reports.SLIDE_FONT


@pytest.fixture(scope="module", autouse=True)
def demo_kept_open(demo_db):
    with demo_db.read():
        yield


def results_for(database, settings, year: int, scope: Scope | None = None) -> dict:
    scope = scope or Scope(town=settings.town)
    requests = reports.report_requests(year, settings, scope, TODAY)
    with database.read() as cur:
        return {role: run_query(cur, name, **params) for role, (name, params) in requests.items()}


def build(database, settings, year: int) -> reports.Report:
    return reports.build(year, results_for(database, settings, year), settings, Scope(town=settings.town), TODAY)


@pytest.fixture(scope="module")
def report_2024(demo_db, settings) -> reports.Report:
    return build(demo_db, settings, 2024)


@pytest.fixture(scope="module")
def deck(report_2024):
    return Presentation(io.BytesIO(reports.to_pptx_bytes(report_2024)))


def rows(database, sql: str, **params: object) -> list[tuple]:
    with database.read() as cur:
        return cur.execute(sql, params or None).fetchall()


def wan(yuan: object) -> float:
    return float((Decimal(str(yuan)) / 10_000).quantize(Decimal("0.01"), ROUND_HALF_UP))


def yi(yuan: object) -> float:
    return float((Decimal(str(yuan)) / 100_000_000).quantize(Decimal("0.01"), ROUND_HALF_UP))


def slide_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def chart_slides(deck) -> dict[str, object]:
    """Chart title (the caption above the chart) → its native chart."""
    found = {}
    for slide in deck.slides:
        shapes = list(slide.shapes)
        frames = [i for i, shape in enumerate(shapes) if shape.has_chart]
        if frames:
            caption = next(s for s in reversed(shapes[: frames[0]]) if s.has_text_frame and s.text_frame.text)
            found[caption.text_frame.text] = shapes[frames[0]].chart
    return found


def charts_under(deck, caption: str) -> list:
    """Every native chart of the slide whose chart caption is `caption`."""
    for slide in deck.slides:
        if any(s.has_text_frame and s.text_frame.text == caption for s in slide.shapes):
            return [s.chart for s in slide.shapes if s.has_chart]
    raise AssertionError(f"no slide shows {caption}")


def slide_title(slide) -> str:
    return next(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame and shape.text_frame.text)


def notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def series(chart) -> dict[str, list[float]]:
    return {s.name: list(s.values) for s in chart.plots[0].series}


# ---- PowerPoint ----------------------------------------------------------------------------


def test_deck_is_16_9_with_title_agenda_kpis_sections_and_closing(deck, report_2024):
    assert deck.slide_width * 9 == deck.slide_height * 16
    # title, 汇报提纲, 核心指标, a slide per chart of every section, 存在的问题和下一步
    assert len(deck.slides) == 3 + len(report_2024.charts) + 1
    assert len(report_2024.charts) == 13  # every domain has data in 2024, 书记工作室 and 村干部 too
    assert [c.key for c in report_2024.charts][-3:] == ["studio_growth", "sage_kinds", "cadre_ages"]
    slides = list(deck.slides)
    assert "青溪镇2024年度村情工作汇报" in slide_text(slides[0])
    assert slide_title(slides[1]) == "汇报提纲"
    assert all(title in slide_text(slides[1]) for title in report_2024.section_titles())
    assert "14.53亿元" in slide_text(slides[2])
    assert slide_title(slides[-1]) == "存在的问题和下一步"
    # the narrative is in the speaker notes, not on walls of text
    spoken = "".join(notes(s) for s in slides)
    for fragment in ("149个", "14.53亿元", "五星级14个", "四星级3个", "无软弱涣散村", "党建体检发现60条"):
        assert fragment in spoken
    assert all(section.text in spoken for section in report_2024.outline)


def test_every_chart_slide_has_a_native_chart_and_a_takeaway(deck, report_2024):
    charts = chart_slides(deck)
    assert list(charts) == [chart.title for chart in report_2024.charts]
    for slide in list(deck.slides)[3 : 3 + len(charts)]:
        texts = slide_text(slide)
        chart = next(c for c in report_2024.charts if c.title in texts)
        assert chart.takeaway in texts
    for chart in charts.values():
        # the data travels with the chart, so PowerPoint/WPS can edit it
        assert chart.part.chart_workbook.xlsx_part.blob[:2] == b"PK"


def test_income_charts_hold_the_ledger_figures(deck, demo_db, settings):
    charts = chart_slides(deck)
    incomes = rows(
        demo_db,
        "select i.village, i.total_income from village_income as i join villages as v "
        "on v.town = i.town and v.name = i.village where i.year = 2024 and v.kind = '村' "
        "order by i.total_income desc, i.village",
    )
    halves = charts_under(deck, "各村村财收入排名（万元）")  # 23 villages: two columns of bars, one scale
    assert [name for h in halves for name in h.plots[0].categories] == [name for name, _ in incomes]
    assert [v for h in halves for v in series(h)["村集体经济总收入"]] == [wan(v) for _, v in incomes]
    assert len({h.value_axis.maximum_scale for h in halves}) == 1
    low, mid, high = settings.income_thresholds_yuan
    bins = [
        sum(v < low for _, v in incomes),
        sum(low <= v < mid for _, v in incomes),
        sum(mid <= v < high for _, v in incomes),
        sum(v >= high for _, v in incomes),
    ]
    assert series(charts["村财收入分档（个）"]) == {"村数": bins}
    trend = charts["村财收入分档历年趋势（个）"]
    assert trend.chart_type == XL_CHART_TYPE.LINE_MARKERS
    years = [y for (y,) in rows(demo_db, "select distinct year from village_income where year <= 2024 order by 1")]
    assert list(trend.plots[0].categories) == [f"{y}年" for y in years]
    above = dict(
        rows(
            demo_db,
            "select i.year, count(*) from village_income as i join villages as v "
            "on v.town = i.town and v.name = i.village where v.kind = '村' and i.total_income >= $t group by 1",
            t=low,
        )
    )
    assert series(trend)["20万元以上"] == [above[y] for y in years]


def test_project_star_ticket_and_problem_charts_hold_the_ledger_figures(deck, demo_db, settings):
    charts = chart_slides(deck)
    arenas = rows(
        demo_db,
        "select arena, sum(planned_investment), sum(completed_investment) from projects where year = 2024 "
        "group by arena order by 2 desc",
    )
    investment = charts["五大擂台投资（亿元）"]
    assert list(investment.plots[0].categories) == [a for a, _, _ in arenas]
    assert series(investment) == {
        "计划总投资": [yi(p) for _, p, _ in arenas],
        "已完成投资": [yi(c) for _, _, c in arenas],
    }
    status = charts["项目进度（个）"]
    assert status.chart_type == XL_CHART_TYPE.DOUGHNUT
    counts = dict(rows(demo_db, "select status, count(*) from projects where year = 2024 group by 1"))
    assert dict(zip(status.plots[0].categories, series(status)["项目数"], strict=True)) == counts

    stars = dict(rows(demo_db, "select stars, count(*) from star_ratings where year = 2024 group by 1"))
    assert series(charts["达标创星星级分布（个）"])["村(社区)数"] == [stars.get(s, 0) for s in (5, 4, 3, 2, 1, 0)]

    funnel = charts["五单闭环各环节工单数（单）"]
    assert funnel.chart_type == XL_CHART_TYPE.BAR_CLUSTERED  # a funnel, as bars
    steps = rows(
        demo_db,
        "select count(*), count(claimed_at), count(dispatched_at), count(done_at), count(rating) "
        "from service_tickets where year(ordered_at) = 2024",
    )[0]
    assert series(funnel)["工单数"] == list(steps)
    kinds = dict(rows(demo_db, "select kind, count(*) from service_tickets where year(ordered_at) = 2024 group by 1"))
    side_by_side = charts["五单服务工单类型（各按其单位）"]
    assert side_by_side.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED  # 件, 件次 and 人次 never added up
    shown = dict(zip(side_by_side.plots[0].categories, series(side_by_side)["数量"], strict=True))
    assert shown == {f"{kind}（{settings.ticket_unit(kind)}）": count for kind, count in kinds.items()}

    problems = rows(
        demo_db,
        "select source, count(*) filter (where status = '已整改'), count(*) filter (where status = '整改中'), "
        "count(*) filter (where status = '未整改') from problems where year = 2024 group by 1",
    )
    stacked = charts["问题整改情况（条）"]
    by_source = dict(zip(stacked.plots[0].categories, zip(*series(stacked).values(), strict=True), strict=True))
    assert by_source == {source: (done, doing, todo) for source, done, doing, todo in problems}


def test_every_text_run_has_a_chinese_font(deck):
    runs = 0
    for slide in deck.slides:
        for properties in slide.shapes._spTree.iter(qn("a:rPr")):
            runs += 1
            assert properties.find(qn("a:ea")).get("typeface") == FONT
            assert properties.find(qn("a:latin")).get("typeface") == FONT
    assert runs > 50
    for chart in chart_slides(deck).values():
        defaults = list(chart._chartSpace.iter(qn("a:defRPr")))
        assert defaults and all(d.find(qn("a:ea")).get("typeface") == FONT for d in defaults)


def test_a_year_with_one_domain_has_only_its_slides(demo_db, settings):
    report = build(demo_db, settings, 2021)  # the demo's first year has income ledgers only
    assert list(report.sections) == ["income"]
    assert {c.key for c in report.charts} == {"income_bins", "income_ranking"}  # no trend from one year
    assert [k.label for k in report.kpis] == ["村财收入≥20万元", "村财收入≥50万元", "村财收入≥100万元"]
    deck = Presentation(io.BytesIO(reports.to_pptx_bytes(report)))
    text = "".join(slide_text(s) for s in deck.slides)
    assert len(deck.slides) == len(report.slide_titles()) == 6  # title, 提纲, 核心指标, two charts, closing
    assert "揭榜挂帅" not in text and "五单" not in text and "暂无" not in text


# ---- Word ----------------------------------------------------------------------------------


def test_docx_draft_holds_the_seed_sentences_and_figures(demo_db, settings):
    report = build(demo_db, settings, 2023)
    document = Document(io.BytesIO(reports.to_docx_bytes(report)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "青溪镇2023年度村情工作汇报"
    for fragment in (
        "2023年全镇21个村村财收入超过20万元，占比91.3%",
        "12个村村财收入超过50万元，占比52.2%",
        "其中北垞、竹秀、岑下3个村超过100万元",
        "群众建议6件、支部派单15件次、服务代办178人次",
        "一、主要做法及成效",
        "（一）村级集体经济发展情况",
    ):
        assert fragment in text
    tables = {t.rows[0].cells[0].text: t for t in document.tables}
    tiers = [[c.text for c in row.cells] for row in tables["分档"].rows[1:]]
    assert tiers == [["20万元以上", "21", "91.3"], ["50万元以上", "12", "52.2"], ["100万元以上", "3", "13.0"]]
    arenas = dict(rows(demo_db, "select arena, sum(planned_investment) from projects where year = 2023 group by 1"))
    shown = {row.cells[0].text: row.cells[2].text for row in tables["擂台"].rows[1:]}
    assert shown == {arena: f"{wan(total):.2f}" for arena, total in arenas.items()}
    for run in (r for p in document.paragraphs for r in p.runs):
        assert run._element.rPr.rFonts.get(qn("w:eastAsia")), run.text


# ---- Excel ---------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_table_with_units_and_formats(report_2024, demo_db):
    book = openpyxl.load_workbook(io.BytesIO(reports.to_xlsx_bytes(report_2024)))
    assert book.sheetnames == report_2024.sheet_names()
    assert {"核心指标", "村财收入明细", "项目明细", "工单明细", "问题整改明细"} <= set(book.sheetnames)
    detail = book["村财收入明细"]
    headers = [c.value for c in detail[1]]
    assert "村集体经济总收入(万元)" in headers
    (units,) = rows(demo_db, "select count(*) from village_income where year = 2024")[0]
    assert detail.max_row == units + 1
    column = headers.index("村集体经济总收入(万元)")
    first = detail.cell(row=2, column=column + 1)
    assert first.value == wan(rows(demo_db, "select max(total_income) from village_income where year = 2024")[0][0])
    assert first.number_format == "#,##0.00"
    kpis = {row[0].value: (row[1].value, row[2].value) for row in book["核心指标"].iter_rows(min_row=2)}
    (planned,) = rows(demo_db, "select sum(planned_investment) from projects where year = 2024")[0]
    assert kpis["揭榜挂帅项目"] == ("个", 149) and kpis["计划总投资"] == ("亿元", yi(planned))


def test_xlsx_cells_keep_their_types_text_without_apostrophes_and_dates_as_dates(report_2024, demo_db):
    """A text cell cannot run, so it needs no `'` (which Excel and WPS would show); dates are date cells."""
    book = openpyxl.load_workbook(io.BytesIO(reports.to_xlsx_bytes(report_2024)))
    texts = [c.value for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert len(texts) > 1000
    assert [t for t in texts if t.startswith("'")] == []
    changes = [row[4] for row in book["核心指标"].iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in changes if c.value is not None) and any(c.value for c in changes)
    (earliest,) = rows(demo_db, "select min(established_on) from secretary_studios")[0]
    for sheet, header in (("项目明细", "开工日期"), ("问题整改明细", "整改时限"), ("书记工作室", "成立日期")):
        headers = [c.value for c in book[sheet][1]]
        cells = [row[headers.index(header)] for row in book[sheet].iter_rows(min_row=2)]
        filled = [c for c in cells if c.value is not None]
        assert filled and all(c.is_date and c.number_format == 'yyyy"年"m"月"d"日"' for c in filled), sheet
    studios = [row[3].value.date() for row in book["书记工作室"].iter_rows(min_row=2)]
    assert min(studios) == earliest
    ordered = [c.value for c in next(book["工单明细"].iter_cols(min_col=7, max_col=7, min_row=2))]
    assert ordered and all(hasattr(v, "hour") for v in ordered)


def test_xlsx_neutralises_formula_like_names(demo_db, settings):
    results = results_for(demo_db, settings, 2024)
    evil = '=HYPERLINK("http://example.invalid","点我")'
    results["ranking"] = results["ranking"].copy()
    results["ranking"].loc[0, "village"] = evil
    report = reports.build(2024, results, settings, Scope(town=settings.town), TODAY)
    sheet = openpyxl.load_workbook(io.BytesIO(reports.to_xlsx_bytes(report)))["村财收入明细"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    # a string cell, shown as written; Excel's quote prefix keeps it text even when retyped
    assert [c.value for c in cells] == [evil]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


# ---- slides that read from the back of the room --------------------------------------------

COLUMN_TYPES = (XL_CHART_TYPE.COLUMN_CLUSTERED, XL_CHART_TYPE.COLUMN_STACKED)
ROUND_TYPES = (XL_CHART_TYPE.PIE, XL_CHART_TYPE.DOUGHNUT)


def test_no_column_chart_has_more_than_12_categories(deck):
    charts = chart_slides(deck)
    assert charts
    crowded = {t: len(c.plots[0].categories) for t, c in charts.items() if c.chart_type in COLUMN_TYPES}
    assert {t: n for t, n in crowded.items() if n > 12} == {}
    halves = charts_under(deck, "各村村财收入排名（万元）")  # 23 villages: horizontal bars, highest first
    assert all(h.chart_type == XL_CHART_TYPE.BAR_CLUSTERED and h.category_axis.reverse_order for h in halves)
    values = [v for h in halves for v in series(h)["村集体经济总收入"]]
    assert len(values) == 23 and values == sorted(values, reverse=True)
    assert all(len(h.plots[0].categories) <= 12 for h in halves)


def test_no_pie_adds_up_unlike_units(deck, settings):
    """A pie's slices are parts of one total: every slice must count the same thing in the same unit."""
    for title, chart in chart_slides(deck).items():
        if chart.chart_type not in ROUND_TYPES:
            continue
        unit = title.rsplit("（", 1)[1].rstrip("）")
        assert "/" not in unit, title
        units = {settings.ticket_unit(c) for c in chart.plots[0].categories if c in settings.ticket_kinds}
        assert len(units) <= 1, title


def test_narrow_value_ranges_are_dots_on_an_axis_that_says_where_it_starts(deck):
    """积分 77–79 as bars from zero all look the same length: such values must be dots, not bars."""
    dots = 0
    for title, chart in chart_slides(deck).items():
        values = [v for s in series(chart).values() for v in s]
        if chart.chart_type in ROUND_TYPES or len(values) < 2 or min(values) <= 0:
            continue
        if values == sorted(values, reverse=True) and "环节" in title:
            continue  # a funnel: each step a part of the one before, where equal lengths are the message
        if min(values) > 2 * (max(values) - min(values)):  # the differences are the bars' last few percent
            assert chart.chart_type == XL_CHART_TYPE.LINE_MARKERS, title
            line = chart.plots[0].series[0].format.line
            assert line.fill.type is not None and line.fill.type == 5, title  # no line: MSO_FILL.BACKGROUND
            axis = chart.value_axis
            assert 0 < axis.minimum_scale <= min(values) and axis.maximum_scale >= max(values), title
            assert f"自{axis.minimum_scale:g}" in axis.axis_title.text_frame.text, title
            dots += 1
    assert dots == 1  # the 党员积分 averages of the demo town


def test_no_text_frame_holds_more_than_five_bullets_of_about_40_characters(deck):
    for number, slide in enumerate(deck.slides, start=1):
        charted = any(shape.has_chart for shape in slide.shapes)
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            lines = [p.text.lstrip("● ") for p in shape.text_frame.paragraphs if p.text.strip()]
            assert len(lines) <= reports.SLIDE_BULLETS, (number, lines)
            if not charted and number > 1:  # a text slide's bullets (the title slide's title is its own)
                assert all(len(line) <= reports.BULLET_CHARS for line in lines), (number, lines)


def test_a_long_sentence_becomes_a_bullet_of_whole_clauses():
    sentence = "荷塘、溪口2个村村财收入低于20万元（荷塘15.60万元，溪口18.20万元），占全镇村数的8.7%，需重点帮扶。"
    shortened = reports.bullet(sentence)
    assert len(shortened) <= reports.BULLET_CHARS
    assert shortened == "荷塘、溪口2个村村财收入低于20万元（荷塘15.60万元，溪口18.20万元）"
    assert reports.bullet("短句。") == "短句"


def rendered_pages(blob: bytes, suffix: str, tmp_path) -> list:
    """The file as LibreOffice prints it, one greyscale image per page (20 dpi)."""
    import shutil
    import subprocess

    from PIL import Image

    office, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not office or not pdftoppm:
        pytest.skip("LibreOffice and poppler are needed to render the deck")
    source = tmp_path / f"deck.{suffix}"
    source.write_bytes(blob)
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"  # its own profile: another soffice may run
    subprocess.run(
        [office, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    subprocess.run(
        [pdftoppm, "-r", "20", "-gray", "-png", str(tmp_path / "deck.pdf"), str(tmp_path / "page")], check=True
    )
    return [Image.open(path).convert("L") for path in sorted(tmp_path.glob("page-*.png"))]


def used_share(page) -> float:
    """The share of the slide's body (below the title, above the footer) in 0.5-inch cells that hold any ink."""
    width, height = page.size
    pixels = page.load()
    top, bottom = int(height * 1.15 / 7.5), int(height * 6.95 / 7.5)
    cell = max(1, int(width * 0.5 / 13.333))
    cells = used = 0
    for y0 in range(top, bottom - cell + 1, cell):
        for x0 in range(int(width * 0.5 / 13.333), width - cell, cell):
            cells += 1
            used += any(pixels[x, y] < 250 for x in range(x0, x0 + cell) for y in range(y0, y0 + cell))
    return used / cells


def test_no_slide_is_more_than_half_empty(report_2024, tmp_path):
    pages = rendered_pages(reports.to_pptx_bytes(report_2024), "pptx", tmp_path)
    assert len(pages) == len(report_2024.slides())
    shares = {number: round(used_share(page), 2) for number, page in enumerate(pages[1:], start=2)}
    assert {n: s for n, s in shares.items() if s < 0.5} == {}


# ---- 存在的问题 and 下一步工作打算 ------------------------------------------------------------


def share(part: int, whole: int) -> str:
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def findings_of(document) -> tuple[list[str], list[str]]:
    """The 一是… paragraphs under 二、存在的问题 and under 三、下一步工作打算."""
    texts = [p.text for p in document.paragraphs]
    problems = texts[texts.index("二、存在的问题") + 1 : texts.index("三、下一步工作打算")]
    steps = texts[texts.index("三、下一步工作打算") + 1 :]
    numbered = lambda lines: [line for line in lines if line[:2].endswith("是")]  # noqa: E731
    return numbered(problems), numbered(steps)


def test_docx_says_what_is_wrong_and_what_comes_next_with_figures_from_the_ledgers(report_2024, demo_db, settings):
    document = Document(io.BytesIO(reports.to_docx_bytes(report_2024)))
    texts = [p.text for p in document.paragraphs]
    order = ["一、主要做法及成效", "二、存在的问题", "三、下一步工作打算"]
    assert [t for t in texts if t in order] == order
    problems, steps = findings_of(document)
    assert len(problems) == len(steps) == len(report_2024.findings) >= 5
    problem = {f.key: p for f, p in zip(report_2024.findings, problems, strict=True)}
    step = {f.key: s for f, s in zip(report_2024.findings, steps, strict=True)}

    # villages under the 20万 line, the lowest income and what it still lacks
    low = rows(
        demo_db,
        "select v.name, i.total_income from village_income as i join villages as v "
        "on v.town = i.town and v.name = i.village where i.year = 2024 and v.kind = '村' and i.total_income < 200000 "
        "order by i.total_income",
    )
    name, lowest = low[0]
    assert len(low) == 1 and f"{name}村集体经济收入低于20万元（{wan(lowest):.2f}万元）" in problem["low_income"]
    assert f"推动{name}村财收入突破20万元（尚差{wan(200000 - lowest):.2f}万元）" in step["low_income"]

    # overdue rectifications on the report's day
    (overdue, units, open_) = rows(
        demo_db,
        "select count(*) filter (where deadline < $today), count(distinct village) filter (where deadline < $today), "
        "count(*) from problems where year = 2024 and status <> '已整改'",
        today=TODAY,
    )[0]
    assert f"逾期未整改{overdue}条" in problem["overdue_problems"]
    assert f"{units}个村(社区)" in problem["overdue_problems"]
    target = f"督促逾期的{overdue}条问题限期整改到位，其余{open_ - overdue}条按期整改"
    assert (target if open_ > overdue else f"督促剩余{overdue}条问题限期整改到位") in step["overdue_problems"]

    # the rectification rate that fell on last year
    rates = dict(
        (year, (done, total))
        for year, done, total in rows(
            demo_db,
            "select year, count(*) filter (where status = '已整改'), count(*) from problems "
            "where year in (2023, 2024) group by 1",
        )
    )
    now, before = share(*rates[2024]), share(*rates[2023])
    assert (
        f"问题整改率{now}（{rates[2024][0]}/{rates[2024][1]}条），比上年的{before}下降" in problem["rectification_fall"]
    )
    assert f"整改率回升至上年的{before}以上" in step["rectification_fall"]

    # villages without a reserve cadre
    without = [
        n
        for (n,) in rows(
            demo_db,
            "select v.name from villages as v where not exists (select 1 from cadres as c "
            "where c.town = v.town and c.village = v.name and c.role = '后备干部') order by v.name",
        )
    ]
    assert f"{len(without)}个村(社区)尚无后备干部" in problem["no_reserve_cadre"]
    assert all(n.removesuffix("村") in problem["no_reserve_cadre"] for n in without)

    # studio coverage behind pace: studios built by the report's year, and what the target still needs
    (built,) = rows(demo_db, "select count(*) from secretary_studios where year(established_on) <= 2024")[0]
    (units_all,) = rows(demo_db, "select count(*) from villages")[0]
    goal = min(settings.studio_target, units_all)
    assert f"书记工作室已建成{built}个，覆盖率{share(built, units_all)}" in problem["studio_pace"]
    assert f"还差{goal - built}个" in problem["studio_pace"]


def test_the_closing_slide_and_the_notes_carry_the_same_findings(deck, report_2024):
    closing = list(deck.slides)[-1]
    text = slide_text(closing)
    for finding in report_2024.findings[: reports.SLIDE_BULLETS]:
        assert finding.short_problem in text and finding.short_next_step in text
    spoken = notes(closing)
    assert all(f.problem in spoken and f.next_step in spoken for f in report_2024.findings)


def test_tables_keep_with_their_section(report_2024):
    """The paragraph before a table, the caption and every row but the last keep with what follows."""
    document = Document(io.BytesIO(reports.to_docx_bytes(report_2024)))
    body = list(document.element.body.iterchildren())
    tables = [i for i, element in enumerate(body) if element.tag == qn("w:tbl")]
    assert len(tables) == 1 + sum(1 for s in report_2024.outline if s.table is not None)
    for index in tables:
        caption, before = body[index - 1], body[index - 2]
        for paragraph in (caption, before):
            assert paragraph.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None
        rows_ = body[index].findall(qn("w:tr"))
        assert all(row.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for row in rows_)


def test_a_report_names_only_the_problems_of_its_own_sections(demo_db, settings, report_2024):
    """2021 has income ledgers only: today's studio gap and cadre roster are not that report's problems."""
    early = build(demo_db, settings, 2021)
    assert [s.key for s in early.outline] == ["income"]
    assert [f.key for f in early.findings] == ["low_income"]
    assert {"no_reserve_cadre", "studio_pace"} <= {f.key for f in report_2024.findings}


def test_a_bullet_drops_a_long_list_of_names_but_keeps_its_count():
    names = ("南溪镇·前林", "银溪镇·中庄", "桃溪镇·老店", "梅溪镇·高埠", "西溪镇·中林")
    step = f"推动{'、'.join(names)}等88个村村财收入突破20万元（差距最大的尚差11.40万元）；帮助横山村发展经营性收入。"
    assert reports.bullet(step, names=names) == "推动88个村村财收入突破20万元；帮助横山村发展经营性收入"


@pytest.mark.parametrize(
    ("averages", "kind"),
    [([77.0, 78.6, 79.1], "dots"), ([65.0, 75.0, 85.0], "column"), ([15.6, 94.2, 212.6], "column")],
)
def test_the_points_slide_draws_dots_exactly_when_the_points_page_does(settings, averages, kind):
    """One rule for bars or dots (charts.marks_for): 65–85 are bars on the 积分 page, so on the slide too."""
    branches = pd.DataFrame({"village": ["甲村", "乙村", "丙村"], "average_points": averages})
    summary = pd.DataFrame({"members": [30], "latest_period": ["2024Q4"], "latest_average": [78.0], "low_members": [2]})
    chart = chart_data._points_branches(branches, summary, settings)
    assert chart.kind == kind
    assert (chart.kind == "dots") == (charts.marks_for(averages) == "dots")
