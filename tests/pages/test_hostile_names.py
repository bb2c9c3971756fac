"""Village names with HTML, script or Markdown links are shown as text on every page and in every export.

The names are imported through the real importer, so they reach the pages the
way a town's ledger would bring them.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from village_stats import exports, narrative, queries, reports
from village_stats.db import Database
from village_stats.formatting import markdown_text
from village_stats.importing import import_file

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
SCRIPT = "<script>alert(1)</script>村"
LINK = "[点我](http://evil.example)村"
FORMULA = '=HYPERLINK("http://evil.example")村'
COLOURED = ":red[红色村]"  # a Streamlit directive: the old escaping dropped the text
ENTITY = "&lt;b&gt;村"  # an HTML entity: the old escaping showed it as <b>
QUOTED_FORMULA = '"' + FORMULA.replace('"', '""') + '"'  # as a CSV writes it
REGISTRY = (
    f"村(社区)名称,类型,片区\n{SCRIPT},村,北片\n{LINK},村,北片\n{QUOTED_FORMULA},村,北片\n"
    f"{COLOURED},村,北片\n{ENTITY},村,北片\n"
)
INCOME = (
    "村(社区)名称,年度,村集体经济总收入(万元),经营性收入(万元)\n"
    f"{SCRIPT},2024,900,300\n{LINK},2024,800,200\n{QUOTED_FORMULA},2024,5,1\n"
    f"{COLOURED},2024,700,100\n{ENTITY},2024,650,100\n"
)
RAW = ("<script>", "](http", ":red[", "&lt;")  # what must never reach a Markdown renderer unescaped


@pytest.fixture(scope="module")
def hostile_db(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory, settings) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    database = Database(path)
    for name, text in (("名录.csv", REGISTRY), ("收入.csv", INCOME)):
        outcome = import_file(database, Path(name), settings, data=text.encode("utf-8"))
        assert outcome.committed, [i.describe() for i in outcome.issues]
    return path


@pytest.fixture
def served(hostile_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "village.duckdb"
    shutil.copy2(hostile_db, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return path


def open_page(page: str) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    app.selectbox(key="year").select(2024).run()
    return app.switch_page(page).run()


def rendered_markdown(app: AppTest) -> list[str]:
    """Every string Streamlit renders as Markdown on the page."""
    texts = [e.value for kind in ("markdown", "caption", "title", "subheader", "header") for e in getattr(app, kind)]
    texts += [e.value for kind in ("info", "warning", "error", "success") for e in getattr(app, kind)]
    texts += [m.label for m in app.metric] + [e.label for e in app.expander]
    return texts


def chart_specs(app: AppTest) -> list[str]:
    return app_charts.specs(app)


@pytest.mark.parametrize(
    ("page", "names_on_first_screen"),
    [("views/overview.py", True), ("views/income.py", True), ("views/report.py", True), ("views/presenter.py", False)],
)
def test_pages_show_hostile_names_as_text(served, page, names_on_first_screen):
    app = open_page(page)
    if page == "views/overview.py":  # the names are in its 汇报摘要, filled when opened
        app.session_state["overview_summary"] = True
        app.run()
    assert not app.exception
    texts = rendered_markdown(app)
    for text in texts:
        for raw in RAW:
            assert raw not in text, text
    # the names are on the page, escaped, not silently dropped (so this test can fail)
    joined = "\n".join(texts)
    shown = joined.count(markdown_text("<script>alert(1)</script>")) + joined.count(markdown_text("[点我](http://evil"))
    frames = [f.value for f in app.dataframe]
    in_tables = any(SCRIPT in set(frame.astype(str).to_numpy().ravel()) for frame in frames)
    specs = chart_specs(app)
    in_charts = any("&lt;script&gt;alert(1)&lt;" in spec for spec in specs)
    assert shown or in_tables or in_charts or not names_on_first_screen
    for spec in specs:
        data = json.dumps(json.loads(spec)["data"], ensure_ascii=False)
        assert "<script>" not in data


def test_income_page_table_and_chart_carry_the_literal_names(served):
    app = open_page("views/income.py")
    frames = [f.value for f in app.dataframe]
    cells = {str(v) for frame in frames for v in frame.to_numpy().ravel()}
    assert {SCRIPT, LINK, FORMULA} <= cells  # st.dataframe shows text as it is
    assert any("&lt;script&gt;alert(1)&lt;" in spec for spec in chart_specs(app))


def test_narrative_is_escaped_where_it_is_rendered(served, settings):
    app = open_page("views/overview.py")
    app.session_state["overview_summary"] = True  # the overview's 汇报摘要 is filled when opened
    app.run()
    joined = "\n".join(rendered_markdown(app))
    assert markdown_text("<script>alert(1)</script>") in joined
    assert markdown_text(":red[红色") in joined and markdown_text("&lt;b&gt;") in joined  # whole, not lost


@pytest.fixture(scope="module")
def hostile_report(hostile_db: Path, settings) -> reports.Report:
    scope = queries.Scope(town=settings.town)
    today = date(2025, 1, 15)
    requests = reports.report_requests(2024, settings, scope, today, tables=True)
    with Database(hostile_db).read() as cur:
        results = {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
    return reports.build(2024, results, settings, scope, today)


def test_pptx_and_docx_hold_the_literal_names(hostile_report):
    import docx
    import pptx

    deck = pptx.Presentation(io.BytesIO(reports.to_pptx_bytes(hostile_report)))
    slide_text = "\n".join(
        run.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
        for paragraph in shape.text_frame.paragraphs
        for run in paragraph.runs
    )
    document = docx.Document(io.BytesIO(reports.to_docx_bytes(hostile_report)))
    words = "\n".join(p.text for p in document.paragraphs)
    short = "<script>alert(1)</script>"  # the narrative uses short names (村 dropped)
    assert short in slide_text or SCRIPT in slide_text
    assert short in words and "[点我](http://evil.example)" in words


def test_csv_and_xlsx_exports_hold_the_names_and_run_no_formula(hostile_db, settings):
    import openpyxl

    with Database(hostile_db).read() as cur:
        frame = queries.run_query(
            cur, "income_ranking", year=2024, **queries.Scope(town=settings.town).params(), **settings.tier_params()
        )
    shown = exports.present(frame, ["village", "total_income"])
    text = exports.to_csv_bytes(shown).decode("utf-8-sig")
    assert SCRIPT in text and LINK in text
    assert f"'{FORMULA}" in text.replace('""', '"')  # neutralised with a leading apostrophe
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes(shown, "收入")))
    cells = [c for row in book.active.iter_rows() for c in row]
    values = {c.value for c in cells}
    assert SCRIPT in values and LINK in values
    formula_cells = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert formula_cells and all(c.data_type == "s" and c.quotePrefix for c in formula_cells)


def test_the_narrative_itself_is_plain_text(hostile_db, settings):
    # narrative.py returns the sentence as data; escaping is the renderer's job, not the sentence's
    scope = queries.Scope(town=settings.town)
    requests = narrative.summary_requests(2024, settings, scope, date(2025, 1, 15))
    with Database(hostile_db).read() as cur:
        results = {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
    sections = narrative.year_sections(2024, results, settings, scope.label(settings.town))
    assert "<script>alert(1)</script>" in "".join(sections.values())
