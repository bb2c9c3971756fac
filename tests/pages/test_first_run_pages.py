"""The first run: the demo or a clean start, the demo's banner on every page, an empty database's guide."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from village_stats.importing import start_town
from village_stats.settings import load_settings

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
BANNER = "演示数据（虚构的青溪镇）"
PAGES = ["views/overview.py", "views/income.py", "views/points.py", "views/report.py", "views/data_import.py"]


@pytest.fixture
def fresh_machine(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """No database of the town's own yet; the demo's file already built (as `serve` does before starting)."""
    own, demo = tmp_path / "village.duckdb", tmp_path / "demo.duckdb"
    shutil.copy2(demo_db_path, demo)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(own))
    monkeypatch.setenv("VILLAGE_STATS_DEMO_DB", str(demo))
    return own, demo


def text_of(app: AppTest) -> str:
    return " ".join(m.value for m in [*app.title, *app.markdown, *app.caption])


def open_app() -> AppTest:
    return AppTest.from_file(DASHBOARD, default_timeout=60).run()


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_the_demo_says_so_on_every_page(fresh_machine):
    own, _ = fresh_machine
    app = open_app()
    button(app, "使用演示数据").click().run()
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, page
        assert BANNER in text_of(app), page
    assert "村情看板 · 青溪镇" in " ".join(m.value for m in app.sidebar.markdown)
    assert not own.exists()  # trying the demo never creates (or writes to) the town's own file


def test_a_town_database_shows_no_banner_and_a_guide(tmp_path, monkeypatch):
    own = tmp_path / "village.duckdb"
    start_town(own, "河东镇", load_settings())
    monkeypatch.setenv("VILLAGE_STATS_DB", str(own))
    app = open_app()
    assert not app.exception
    text = text_of(app)
    assert BANNER not in text and "演示数据" not in text
    assert "河东镇：还没有数据" in text
    assert "1. 导入村(社区)名录" in text and "2. 导入各台账" in text and "3. 各页面将显示什么" in text
    assert "村情看板 · 河东镇" in " ".join(m.value for m in app.sidebar.markdown)
    shown = app.dataframe[0].value
    assert list(shown["页面"])[:3] == ["总览", "村财收入", "项目投资"]
    for page in ("views/income.py", "views/tickets.py", "views/report.py", "views/presenter.py"):
        app.switch_page(page).run()
        assert not app.exception and "河东镇：还没有数据" in text_of(app), page
    # the 数据 pages run as themselves: that is where the registry is imported
    app.switch_page("views/data_import.py").run()
    assert not app.exception and "还没有数据" not in text_of(app)


def test_first_run_offers_the_demo_or_a_clean_start(fresh_machine):
    own, demo = fresh_machine
    app = open_app()
    assert not app.exception
    assert app.title[0].value == "欢迎使用村情看板"
    assert {"使用演示数据"} <= {b.label for b in app.button}
    assert BANNER not in text_of(app)
    app.text_input(key="first_run_town_name").input("河东镇")
    app.button(key="FormSubmitter:first_run_town-建立本镇数据库").click().run()
    assert not app.exception
    assert "河东镇：还没有数据" in text_of(app)
    con = duckdb.connect(str(own), read_only=True)
    try:
        assert con.execute("select value from app_settings where key = 'town'").fetchall() == [("河东镇",)]
        assert con.execute("select count(*) from imports").fetchone() == (0,)
    finally:
        con.close()
    con = duckdb.connect(str(demo), read_only=True)
    try:
        assert con.execute("select value from app_settings where key = 'town'").fetchall() == [("青溪镇",)]
    finally:
        con.close()


def test_the_banner_leads_to_a_clean_start(fresh_machine):
    app = open_app()
    button(app, "使用演示数据").click().run()
    button(app, "开始使用本镇数据").click().run()
    assert app.title[0].value == "欢迎使用村情看板"
    app.text_input(key="first_run_town_name").input("  ")
    app.button(key="FormSubmitter:first_run_town-建立本镇数据库").click().run()
    assert "请填写本镇（街道）名称" in app.error[0].value
    assert not fresh_machine[0].exists()


def test_a_server_on_the_network_does_not_let_a_visitor_start_the_towns_database(fresh_machine):
    from tests.pages.conftest import set_server_address

    set_server_address("0.0.0.0")  # the conftest fixture puts loopback back afterwards
    app = open_app()
    assert app.title[0].value == "欢迎使用村情看板"
    assert "还没有管理员账号" in app.info[0].value
    assert not [t for t in app.text_input if t.key == "first_run_town_name"]
    button(app, "使用演示数据").click().run()  # looking at the demo changes nothing
    assert BANNER in text_of(app) and not fresh_machine[0].exists()


def test_a_towns_file_holding_only_the_demo_is_replaced_from_the_banner(demo_db_path, tmp_path, monkeypatch):
    # what an earlier version left: the demo built into the town's own file
    own = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, own)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(own))
    app = open_app()
    assert BANNER in text_of(app)
    button(app, "开始使用本镇数据").click().run()
    app.text_input(key="first_run_town_name").input("河东镇")
    app.button(key="FormSubmitter:first_run_town-建立本镇数据库").click().run()
    assert not app.exception
    assert "河东镇：还没有数据" in text_of(app) and BANNER not in text_of(app)
    con = duckdb.connect(str(own), read_only=True)
    try:
        assert con.execute("select count(*) from villages").fetchone() == (0,)
    finally:
        con.close()
