"""Every figure of every page, on the demo town and on a city-shaped database, keeps the chart rules.

The rules are charts.rule_breaks (what a figure's JSON must not do); the pages are walked as a user
opens them (AppTest), and the report's charts (汇报导出, 汇报模式, PPT) are built for every domain.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from village_stats import charts, reports, scale
from village_stats.cli import latest_year
from village_stats.db import Database
from village_stats.queries import Scope, run_query
from village_stats.settings import load_settings

DASHBOARD = str(Path(__file__).resolve().parents[1] / "dashboard.py")
PAGES = [
    "views/overview.py",
    "views/income.py",
    "views/projects.py",
    "views/stars.py",
    "views/tickets.py",
    "views/problems.py",
    "views/points.py",
    "views/studios.py",
    "views/sages.py",
    "views/cadres.py",
    "views/report.py",
    "views/presenter.py",
]
# city-shaped, cheap: many towns (rankings of towns, 镇级 rows per town, 亿元 totals), few rows each
SMALL_CITY = replace(
    scale.SCALES["city"], towns=40, villages_per_town=8, projects=6_000, tickets=20_000, problems=2_000
)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory, settings) -> scale.Built:
    return scale.build(tmp_path_factory.mktemp("city") / "city.duckdb", SMALL_CITY, settings)


def page_breaks(page: str, all_towns: bool) -> list[str]:
    app = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    if all_towns:
        app.selectbox(key="town").select("全部镇(街道)").run()
    app.switch_page(page).run()
    assert not app.exception, page
    return [f"{page} {b}" for figure in app_charts.figures(app) for b in charts.rule_breaks(figure)]


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_of_the_demo_town_keeps_the_rules(demo_db_path, monkeypatch, page):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(demo_db_path))
    assert page_breaks(page, all_towns=False) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_of_a_city_keeps_the_rules(city, monkeypatch, page):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(city.path))
    assert page_breaks(page, all_towns=True) == []


def report_breaks(path: Path, settings, scope: Scope) -> list[str]:
    """Every chart the report holds (the preview's tabs, 汇报模式's screens), at both sizes they are drawn."""
    database = Database(path, settings.lock_wait_seconds)
    today = date(2026, 12, 6)
    with database.read() as cur:
        year = latest_year(cur)
        requests = reports.report_requests(year, settings, scope, today, tables=False)
        results = {role: run_query(cur, name, **params) for role, (name, params) in requests.items()}
    report = reports.build(year, results, settings, scope, today, scope.town is None, tables=False)
    assert report.charts
    return [
        b
        for chart in report.charts
        for size in ({"height": 320}, {"font_size": 19, "height": 455})
        for b in charts.rule_breaks(reports.figure(chart, **size))
    ]


def test_every_report_chart_of_the_demo_town_keeps_the_rules(demo_db_path, settings):
    assert report_breaks(demo_db_path, settings, Scope(town=settings.town)) == []


def test_every_report_chart_of_a_city_keeps_the_rules(city, settings):
    assert report_breaks(city.path, settings, Scope()) == []


def test_town_level_projects_have_their_own_card_beside_the_villages(demo_db_path, monkeypatch):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(demo_db_path))
    app = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    app.switch_page("views/projects.py").run()
    villages = next(f for f in app_charts.figures(app) if f["layout"]["title"]["text"].startswith("各村(社区)项目投资"))
    assert charts.TOWN_LEVEL not in villages["data"][0]["y"]
    card = {m.label: m.value for m in app.metric}
    assert card["镇级项目数"].endswith("个") and card["镇级计划投资"].endswith("亿元")


def test_the_wall_theme_and_refresh_are_read_and_checked(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[wall]\ntheme = "light"\nrefresh_seconds = 1\n', encoding="utf-8")
    assert (load_settings(path).wall_theme, load_settings(path).wall_refresh_seconds) == ("light", 5)
    path.write_text('[wall]\ntheme = "blue"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"wall\.theme"):
        load_settings(path)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_wall_draws_six_charts_in_its_theme_within_the_rules(demo_db_path, monkeypatch, tmp_path, theme):
    settings = tmp_path / "settings.toml"
    settings.write_text(f'[wall]\ntheme = "{theme}"\n', encoding="utf-8")
    monkeypatch.setenv("VILLAGE_STATS_DB", str(demo_db_path))
    monkeypatch.setenv("VILLAGE_STATS_SETTINGS", str(settings))
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    app.query_params["screen"] = "wall"
    app.run()
    assert not app.exception
    figures = app_charts.figures(app)
    assert len(figures) == 6
    assert [b for f in figures for b in charts.rule_breaks(f)] == []
    papers = {f["layout"]["paper_bgcolor"] for f in figures}
    assert papers == ({charts.DARK_PAPER} if theme == "dark" else {"white"})
    assert "14.53亿元" in " ".join(m.value for m in app.markdown)
