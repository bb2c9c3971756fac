"""The 报送 page under AppTest: the town's progress board, a submission on a unit's behalf, and a village
account that sees its round, uploads its sheet, confirms an 异常波动 and finds its history."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.test_access_pages import open_page, sign_in, texts
from tests.test_rounds import fill, status, submit
from village_stats import access, rounds
from village_stats.db import Database

PAGE = "views/rounds.py"
VILLAGE_PW = "village-password-1"


@pytest.fixture(scope="module")
def round_base(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory, settings):
    """The demo town with an open 2025 income round, its templates, and 20 units reported (built once)."""
    folder = tmp_path_factory.mktemp("round")
    path = folder / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    database = Database(path)
    database.migrate()
    opened = rounds.open_round(database, "income", 2025, date.today() + timedelta(days=20), settings.town, "镇农经站")
    written = rounds.write_templates(database, opened.round_id, folder / "templates", settings)
    templates = {p.name.removesuffix(".xlsx").split("_", 1)[1]: p for p in written}
    reporting = [u for u in sorted(templates) if u not in ("北垞村", "竹秀村", "凤岗社区", "龙潭村", "石门村")]
    for unit in reporting:
        filled = fill(templates[unit], folder / f"{unit}.xlsx")
        assert submit(database, settings, filled, opened.round_id, unit).committed
    return path, opened, templates


@pytest.fixture
def round_served(round_base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A private copy of round_base that the page serves."""
    base, opened, templates = round_base
    path = tmp_path / "village.duckdb"
    shutil.copy2(base, path)
    if (base.parent / "archive").exists():
        shutil.copytree(base.parent / "archive", tmp_path / "archive")
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return Database(path), opened, templates, tmp_path


def upload(app: AppTest, key: str, path: Path) -> AppTest:
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    app.file_uploader(key=key).set_value((path.name, path.read_bytes(), mime))
    return app.run()


def test_board_counts_names_the_missing_and_drafts_the_reminder(round_served):
    database, opened, templates, folder = round_served
    app = open_page(PAGE)
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"应报": "25个", "按时报送": "20个", "逾期报送": "0个", "未报送": "5个"}
    missing = sorted(u for u, row in status(database, opened.round_id).items() if row["status"] == "missing")
    assert missing == sorted(["北垞村", "竹秀村", "凤岗社区", "龙潭村", "石门村"])
    warning = texts(app.warning)
    assert all(unit in warning for unit in missing)
    reminder = texts(app.markdown).replace("\\", "")  # markdown escapes the brackets
    assert "【催报】2025年村级集体经济收入报送截止" in reminder and "以下5个村(社区)尚未报送" in reminder
    assert all(rounds.short_name(u) in reminder for u in missing)
    table = app.dataframe[0].value
    assert set(table.loc[table["状态"] == "未报送", "村(社区)"]) == set(missing)

    # the town submits one unit's sheet on its behalf (single-user mode on this computer: an admin)
    app.selectbox(key="rounds_proxy_unit").set_value("北垞村").run()
    app = upload(app, "rounds_proxy_file", fill(templates["北垞村"], folder / "北垞村_填好.xlsx"))
    app.button(key="rounds_proxy_submit").click().run()
    assert not app.exception
    assert "北垞村已报送" in texts(app.success)
    assert status(database, opened.round_id)["北垞村"]["status"] == "submitted"
    assert {m.label: m.value for m in app.metric}["未报送"] == "4个"


def test_village_account_submits_its_own_sheet(round_served, monkeypatch):
    database, opened, templates, folder = round_served
    access.add_user(database, "张书记", access.ADMIN, "admin-password-1", by="测试")
    access.add_user(database, "北垞报送员", access.VILLAGE, VILLAGE_PW, by="测试", unit="北垞村")
    app = sign_in(open_page(), "北垞报送员", VILLAGE_PW)
    app = app.switch_page(PAGE).run()
    assert not app.exception
    assert "本村状态：**未报送**" in texts(app.markdown)
    assert [d.label for d in app.get("download_button")] == ["下载北垞村的报送模板"]
    assert not app.metric, "a village account sees its own state, not the town's board"

    # another village's sheet is refused: row, column and unit named, no submit button
    app = upload(app, "rounds_village_1_file", fill(templates["竹秀村"], folder / "竹秀村.xlsx"))
    refused = app.dataframe[0].value
    assert "other-unit" in set(refused["代码"]) and "竹秀村" in " ".join(refused["问题"])
    assert not [b for b in app.button if b.key == "rounds_village_1_submit"]

    # its own sheet with a jump of 80%: confirm first, then submit
    app = upload(app, "rounds_village_1_file", fill(templates["北垞村"], folder / "北垞村.xlsx", factor=1.8))
    assert not [b for b in app.button if b.key == "rounds_village_1_submit"]
    app.checkbox(key="rounds_village_1_confirm").check().run()
    app.button(key="rounds_village_1_submit").click().run()
    assert not app.exception
    assert "北垞村已报送" in texts(app.success)
    row = status(database, opened.round_id)["北垞村"]
    assert (row["status"], row["submitted_by"]) == ("submitted", "北垞报送员")
    assert row["changes_confirmed"] > 0
    history = app.dataframe[-1].value
    assert list(history["报送人"]) == ["北垞报送员"] and list(history["状态"]) == ["有效"]


def test_village_account_may_not_import_or_undo(round_served):
    database, *_ = round_served
    access.add_user(database, "张书记", access.ADMIN, "admin-password-1", by="测试")
    access.add_user(database, "北垞报送员", access.VILLAGE, VILLAGE_PW, by="测试", unit="北垞村")
    app = sign_in(open_page(), "北垞报送员", VILLAGE_PW).switch_page("views/data_import.py").run()
    assert not [w for w in app.get("file_uploader") if w.key == "import_files"]
    assert "村(社区)账号只能在“报送”页" in texts(app.info)


def test_own_setting_leaves_a_village_account_its_own_page(round_served, tmp_path, monkeypatch):
    database, *_ = round_served
    own = tmp_path / "settings.toml"
    own.write_text('[rounds]\nvillage_accounts_see = "own"\n', encoding="utf-8")
    monkeypatch.setenv("VILLAGE_STATS_SETTINGS", str(own))
    access.add_user(database, "张书记", access.ADMIN, "admin-password-1", by="测试")
    access.add_user(database, "北垞报送员", access.VILLAGE, VILLAGE_PW, by="测试", unit="北垞村")
    app = sign_in(open_page(), "北垞报送员", VILLAGE_PW)
    assert not app.exception
    assert [t.value for t in app.title] == ["报送"], "the only page it is offered opens"
    assert not [w for w in app.selectbox if w.key == "village"], "no list of the other villages"


def in_2025(app: AppTest) -> AppTest:
    """The round's year: the dashboard opens on the latest year with all five core ledgers (2024)."""
    return app.selectbox(key="year").select(2025).run()


def test_pages_fed_by_an_incomplete_round_say_so(round_served):
    app = in_2025(open_page("views/income.py"))
    assert not app.exception
    assert "2025年村级集体经济收入：25个村(社区)中20个已报送，2025年数据尚不完整" in texts(app.info)
    assert "已报送" in texts(in_2025(open_page()).info), "the overview marks it too"
    assert "已报送" not in texts(in_2025(open_page("views/stars.py")).info), "another ledger's page does not"
    assert "已报送" not in texts(open_page("views/income.py").info), "nor the year the page opens on (2024)"


def test_admin_opens_and_closes_a_round_on_the_page(demo_db_path, tmp_path, monkeypatch):
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    app = open_page(PAGE)
    assert "还没有报送任务" in texts(app.info)
    app.selectbox(key="rounds_open_dataset").set_value("问题整改台账")
    app.number_input(key="rounds_open_year").set_value(2025)
    app.button(key="rounds_open_submit").click().run()
    assert not app.exception
    assert "已发起报送任务 #1：2025年问题整改台账" in texts(app.success)
    app = open_page(PAGE)
    assert {m.label: m.value for m in app.metric}["未报送"] == "25个"
    app.button(key="rounds_close").click().run()
    with Database(path).read() as cur:
        assert rounds.get_round(cur, 1).closed
    assert "已关闭" in texts(app.caption)
    assert [b for b in app.button if b.key == "rounds_reopen"]
