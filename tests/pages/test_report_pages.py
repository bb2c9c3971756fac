"""汇报导出 and 汇报模式 under AppTest on the demo town: the preview, the downloads, and stepping through screens."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from village_stats.formatting import markdown_text

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
    assert list(slides["幻灯片"])[:3] == ["青溪镇2023年度村情工作汇报", "核心指标", "村财收入分档（个）"]
    labels = [button.proto.label for button in app.get("download_button")]
    assert labels == ["下载 PPT", "下载 Word 汇报稿", "下载 Excel 全部表格"]


def test_presenter_steps_through_the_screens(served_copy):
    app = open_page("views/presenter.py", 2024)
    assert not app.exception
    assert title(app) == "2024年核心指标"
    assert "第 1 / 12 屏" in text(app)
    app.button(key="presenter_next").click().run()
    assert title(app) == "村财收入分档（个）"
    assert "22个村超过20万元，占比95.7%" in text(app)
    app.button(key="presenter_next").click().run()
    assert title(app) == "村财收入分档历年趋势（个）"
    app.button(key="presenter_prev").click().run()
    assert title(app) == "村财收入分档（个）"
    app.button(key="presenter_prev").click().run()
    app.button(key="presenter_prev").click().run()  # from the first screen back round to the last
    assert title(app) == "乡贤参与事项（条/起）"
    assert app.selectbox(key="presenter_slide").value == 11


def test_presenter_follows_the_chosen_year_and_keeps_its_place(served_copy):
    app = open_page("views/presenter.py", 2023)
    assert "青溪镇 · 2023年 · 全镇" in text(app)
    app.selectbox(key="presenter_slide").select(3).run()
    assert title(app) == "各村村财收入排名（万元）"
    app.toggle(key="presenter_auto").set_value(True).run()  # auto-play rearms the page, the place stays
    assert title(app) == "各村村财收入排名（万元）"
    assert not app.exception


def chart_titles(app: AppTest) -> list[str]:
    """The titles of the charts drawn, in order (each chart's title is the bold line above it)."""
    bold = [m.value for m in app.markdown if m.value.startswith("**") and m.value.endswith("**")]
    return [line.strip("*") for line in bold if "（" in line]


def test_report_page_draws_only_the_open_sections_charts(served_copy):
    """Charts sit in lazy tabs by section: a page switch draws the first section's, not all eleven."""
    app = open_page("views/report.py", 2024)
    labels = [tab.label for tab in app.tabs]
    sections = labels[labels.index("村财收入（3）") :][:7]  # the outer 汇报文字 and Excel tabs follow
    assert sections == [
        "村财收入（3）",
        "项目投资（2）",
        "达标创星（1）",
        "五单服务（2）",
        "问题整改（1）",
        "党员积分（1）",
        "乡贤参与（1）",
    ]
    assert len(app_charts.charts(app)) == 3
    assert chart_titles(app) == ["村财收入分档（个）", "村财收入分档历年趋势（个）", "各村村财收入排名（万元）"]

    app.session_state["report_charts"] = "五单服务（2）"
    app.run()

    assert not app.exception
    assert len(app_charts.charts(app)) == 2
    assert all("工单" in t or "五单" in t for t in chart_titles(app)), chart_titles(app)
