"""汇报导出 and 汇报模式 under AppTest on the demo town: the preview, the downloads, and stepping through screens."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from tests import app_charts
from village_stats import reports
from village_stats.db import Database
from village_stats.formatting import markdown_text
from village_stats.queries import Scope, run_query

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture
def served_copy(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return path


def open_page(page: str, year: int | None = None) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    if year:
        app.selectbox(key="year").select(year).run()
    return app.switch_page(page).run()


def text(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown) + "\n".join(c.value for c in app.caption)


def title(app: AppTest) -> str:
    return app.title[0].value


def test_report_page_previews_the_slides_and_offers_three_files(served_copy):
    app = open_page("views/report.py", 2023)
    assert not app.exception
    assert title(app) == "汇报导出"
    shown = text(app)
    assert "青溪镇2023年度村情工作汇报" in shown
    assert markdown_text("2023年全镇21个村村财收入超过20万元，占比91.3%") in shown  # the narrative tab, escaped
    assert {m.label: m.value for m in app.metric}["揭榜挂帅项目"] == "121个"
    slides = app.dataframe[0].value
    assert list(slides["幻灯片"])[:4] == [
        "青溪镇2023年度村情工作汇报",
        "汇报提纲",
        "2023年核心指标",
        "村级集体经济发展情况",
    ]
    assert list(slides["图表"])[3] == "村财收入分档（个）"
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["下载 PPT", "下载 Word 汇报稿", "下载 Excel 全部表格"]


def chart_title(app: AppTest) -> str:
    (figure,) = app_charts.figures(app)
    return figure["layout"]["title"]["text"]


def test_presenter_steps_through_the_screens(served_copy):
    app = open_page("views/presenter.py", 2024)
    assert not app.exception
    assert title(app) == "2024年核心指标"
    assert "第 1 / 15 屏" in text(app)  # 核心指标, 13 charts, 存在的问题和下一步
    app.button(key="presenter_next").click().run()
    assert title(app) == "村级集体经济发展情况"
    assert chart_title(app) == "村财收入分档（个）"
    assert "22个村超过20万元，占比95.7%" in text(app)
    app.button(key="presenter_next").click().run()
    assert chart_title(app) == "村财收入分档历年趋势（个）"
    app.button(key="presenter_prev").click().run()
    assert chart_title(app) == "村财收入分档（个）"
    app.button(key="presenter_prev").click().run()
    app.button(key="presenter_prev").click().run()  # from the first screen back round to the last
    assert title(app) == "存在的问题和下一步"
    assert app.selectbox(key="presenter_slide").value == 14


def test_presenter_follows_the_chosen_year_and_keeps_its_place(served_copy):
    app = open_page("views/presenter.py", 2023)
    assert "青溪镇 · 2023年 · 全镇" in text(app)
    app.selectbox(key="presenter_slide").select(3).run()
    assert chart_title(app) == "各村村财收入排名（万元）"
    app.toggle(key="presenter_auto").set_value(True).run()  # auto-play rearms the page, the place stays
    assert chart_title(app) == "各村村财收入排名（万元）"
    assert not app.exception


def chart_titles(app: AppTest) -> list[str]:
    """The titles of the charts drawn, in order (each chart's title is the bold line above it)."""
    bold = [m.value for m in app.markdown if m.value.startswith("**") and m.value.endswith("**")]
    return [line.strip("*") for line in bold if "（" in line]


def test_report_page_draws_only_the_open_sections_charts(served_copy):
    """Charts sit in lazy tabs by section: a page switch draws the first section's, not all eleven."""
    app = open_page("views/report.py", 2024)
    labels = [tab.label for tab in app.tabs]
    sections = labels[labels.index("村财收入（3）") :][:9]  # the outer 汇报文字 and Excel tabs follow
    assert sections == [
        "村财收入（3）",
        "项目投资（2）",
        "达标创星（1）",
        "五单服务（2）",
        "问题整改（1）",
        "党员积分（1）",
        "书记工作室（1）",
        "乡贤参与（1）",
        "村干部（1）",
    ]
    assert len(app_charts.charts(app)) == 3
    assert chart_titles(app) == ["村财收入分档（个）", "村财收入分档历年趋势（个）", "各村村财收入排名（万元）"]

    app.session_state["report_charts"] = "五单服务（2）"
    app.run()

    assert not app.exception
    assert len(app_charts.charts(app)) == 2
    assert all("工单" in t or "五单" in t for t in chart_titles(app)), chart_titles(app)


# ---- one report, five outputs ----------------------------------------------------------------


def domains_with_data(database: Database, year: int) -> list[str]:
    """The report's sections for `year`, worked out from the raw tables (not from the report code):
    every ledger with rows for the year, in the order the town's reports use; the cadre roster is undated
    and belongs to the newest year's report."""
    counts = {
        "income": "select count(*) from village_income where year = $y",
        "projects": "select count(*) from projects where year = $y",
        "stars": "select count(*) from star_ratings where year = $y",
        "tickets": "select count(*) from service_tickets where year(ordered_at) = $y",
        "problems": "select count(*) from problems where year = $y",
        "points": "select count(*) from member_points where period like $y::varchar || '%'",
        "studios": "select count(*) from secretary_studios where year(established_on) <= $y",
        "sages": "select count(*) from sage_activities where year(date) = $y",
        "cadres": "select count(*) from cadres where $y >= (select max(year) from village_income)",
    }
    with database.read() as cur:
        return [d for d, sql in counts.items() if cur.execute(sql, {"y": year}).fetchone()[0] > 0]


def distinct(titles: list[str]) -> list[str]:
    return list(dict.fromkeys(titles))


def test_the_five_outputs_list_the_same_sections_in_the_same_order(served_copy, settings):
    """The PPTX, the DOCX, the XLSX, the 汇报导出 preview and 汇报模式 name the same sections in order."""
    year = 2024
    expected = [reports.SECTION_TITLES[d] for d in domains_with_data(Database(served_copy), year)]
    assert len(expected) == 9  # the demo's 2024 has every ledger, 书记工作室 and 村干部 included

    scope = Scope(town=settings.town)
    requests = reports.report_requests(year, settings, scope, date.today())
    with Database(served_copy).read() as cur:
        results = {role: run_query(cur, name, **params) for role, (name, params) in requests.items()}
    report = reports.build(year, results, settings, scope, date.today())
    deck = Presentation(io.BytesIO(reports.to_pptx_bytes(report)))
    titles = [
        next(s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text) for slide in deck.slides
    ]
    in_deck = distinct(
        t for t, slide in zip(titles, deck.slides, strict=True) if any(s.has_chart for s in slide.shapes)
    )
    document = Document(io.BytesIO(reports.to_docx_bytes(report)))
    paragraphs = [p.text for p in document.paragraphs]
    body = paragraphs[paragraphs.index("一、主要做法及成效") : paragraphs.index("二、存在的问题")]
    in_draft = [p.split("）", 1)[1] for p in body if p.startswith("（") and "）" in p]
    book = openpyxl.load_workbook(io.BytesIO(reports.to_xlsx_bytes(report)))
    in_workbook = distinct(row[0].value for row in book["目录"].iter_rows(min_row=2) if row[0].value != "核心指标")

    preview = open_page("views/report.py", year)
    slides = preview.dataframe[0].value
    in_preview = distinct(t for t, chart in zip(slides["幻灯片"], slides["图表"], strict=True) if chart)
    presenter = open_page("views/presenter.py", year)
    screens = [option.split(". ", 1)[1] for option in presenter.selectbox(key="presenter_slide").options]
    in_presenter = distinct(s.split("：")[0] for s in screens if "：" in s)

    assert in_deck == expected
    assert in_draft == expected
    assert in_workbook == expected
    assert in_preview == expected
    assert in_presenter == expected
