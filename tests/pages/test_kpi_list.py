"""The headline figures are one list (kpis.KPIS): a figure added there shows on the overview's cards,
in the report's 核心指标 (and its workbook sheet) and on 汇报模式's first screen, with nothing else changed."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from village_stats import kpis, reports
from village_stats.queries import Scope, run_query

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
# a column year_overview already returns, shown as a figure of its own
EXTRA = kpis.Definition("villages_with_income", "有收入数据的村", "个", "报送收入的村")


@pytest.fixture
def one_more_kpi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kpis, "KPIS", (*kpis.KPIS, EXTRA))


@pytest.fixture
def served_copy(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return path


def open_page(page: str | None, year: int) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    app.selectbox(key="year").select(year).run()
    return app.switch_page(page).run() if page else app


def report_for(database, settings, year: int) -> reports.Report:
    scope, today = Scope(town=settings.town), date(2025, 6, 30)
    requests = reports.report_requests(year, settings, scope, today, tables=False)
    with database.read() as cur:
        results = {role: run_query(cur, name, **params) for role, (name, params) in requests.items()}
    return reports.build(year, results, settings, scope, today, tables=False)


def test_the_reports_cards_are_the_list_in_its_order(demo_db, settings):
    report = report_for(demo_db, settings, 2024)
    assert [k.label for k in report.kpis] == [kpi.title(settings) for kpi in kpis.KPIS]
    assert [k.unit for k in report.kpis] == [kpi.unit for kpi in kpis.KPIS]


def test_an_added_kpi_reaches_the_report_and_its_workbook(demo_db, settings, one_more_kpi):
    report = report_for(demo_db, settings, 2024)
    added = report.kpis[-1]
    assert (added.label, added.unit) == ("有收入数据的村", "个")
    assert added.value.endswith("个") and added.figure is not None
    assert "有收入数据的村" in report.slides()[2].summary  # the 核心指标 slide
    assert list(reports.kpi_sheet(report)["指标"])[-1] == "有收入数据的村"


def test_an_added_kpi_reaches_the_overview_cards(served_copy, one_more_kpi):
    app = open_page(None, 2024)
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert labels[len(kpis.KPIS) - 1] == "报送收入的村"  # after the eight, before the mechanisms' cards
    assert labels[0].startswith("村财≥")


def test_an_added_kpi_reaches_the_presenters_first_screen(served_copy, one_more_kpi):
    app = open_page("views/presenter.py", 2024)
    assert not app.exception
    assert app.title[0].value == "2024年核心指标"
    assert any("有收入数据的村" in m.value for m in app.markdown)
