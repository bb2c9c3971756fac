"""Sign-in and roles under AppTest: who may import, undo and save queries, on loopback and on a network."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import app_charts
from tests.pages.conftest import set_server_address
from village_stats import access
from village_stats.db import Database

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
GOOD = "村(社区)名称,村集体经济总收入(万元)\n北垞村,200.00\n竹秀村,150.50\n"
ADMIN_PW, VIEWER_PW = "admin-password-1", "viewer-password-1"


@pytest.fixture
def served(demo_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    monkeypatch.setenv("VILLAGE_STATS_DB", str(path))
    return Database(path)


@pytest.fixture
def accounts(served: Database) -> Database:
    access.add_user(served, "张书记", access.ADMIN, ADMIN_PW, by="测试")
    access.add_user(served, "李干事", access.VIEWER, VIEWER_PW, by="测试")
    return served


@pytest.fixture
def network() -> None:
    """The server listens on every interface (Streamlit's own default)."""
    set_server_address("0.0.0.0")


def open_page(page: str | None = None, **state: object) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    return app.switch_page(page).run() if page else app


def sign_in(app: AppTest, name: str, password: str, form: str = "auth_sidebar_form") -> AppTest:
    app.text_input(key=f"{form}_name").input(name)
    app.text_input(key=f"{form}_password").input(password)
    return app.button(key=f"{form}_submit").click().run()


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def can_import(app: AppTest) -> bool:
    return any(w.key == "import_files" for w in app.get("file_uploader"))


def can_undo(app: AppTest) -> bool:
    return any(w.key == "import_undo_id" for w in app.selectbox)


def can_save_query(app: AppTest) -> bool:
    return any(w.key == "explore_save_name" for w in app.text_input)


def run_sql(app: AppTest, sql: str = "select count(*) as n from villages") -> AppTest:
    app.text_area(key="explore_sql").input(sql)
    return app.button(key="explore_run").click().run()


def import_and_undo(app: AppTest, served: Database) -> AppTest:
    app.file_uploader(key="import_files").set_value(("2024年村财收入.csv", GOOD.encode("gbk"), "text/csv"))
    app.run().button(key="import_confirm").click().run()
    assert any("已导入" in s.value for s in app.success), texts(app.error)
    app.selectbox(key="import_undo_id").select(app.selectbox(key="import_undo_id").options[0])
    app.checkbox(key="import_undo_sure").check()
    app.button(key="import_undo_submit").click().run()
    assert not app.exception
    return app


def last_import(served: Database) -> tuple:
    with served.read() as cur:
        return cur.execute("select imported_by, undone_by from imports order by import_id desc limit 1").fetchone()


# ---- one local user ------------------------------------------------------------------------


def test_no_accounts_on_loopback_is_a_single_local_admin_with_a_banner(served):
    app = open_page("views/data_import.py")
    assert not app.exception
    assert "本机单用户模式" in texts(app.sidebar.info) and access.ADD_ADMIN in texts(app.sidebar.info)
    assert not [w for w in app.text_input if w.key and w.key.startswith("auth_")]  # nothing to sign in to
    assert can_import(app) and can_undo(app)
    import_and_undo(app, served)
    assert last_import(served) == ("本机用户", "本机用户")


def test_a_session_marked_viewer_is_a_viewer_even_in_single_user_mode(served):
    app = open_page("views/data_import.py", auth_role="viewer")
    assert not app.exception and not can_import(app) and not can_undo(app)


# ---- a server on the network ------------------------------------------------------------


def test_no_admin_on_a_network_server_refuses_changes_with_instructions(served, network):
    app = open_page("views/data_import.py")
    assert not app.exception
    assert not can_import(app) and not can_undo(app)
    refusal = texts(app.info)
    assert "还没有管理员账号" in refusal and "python -m" not in refusal  # viewers on the network get no command line
    assert "看板正在网络上提供服务" in texts(app.sidebar.warning)
    assert "python -m" not in texts(app.sidebar.warning)
    explore = run_sql(open_page("views/explore.py"))
    assert explore.metric and not can_save_query(explore)  # viewing and querying still work
    assert "还没有管理员账号" in texts(explore.info)


def test_anonymous_and_viewer_cannot_change_data_and_an_admin_can(accounts, network):
    app = open_page("views/data_import.py")
    assert not app.exception
    assert not can_import(app) and not can_undo(app)
    assert "需要管理员登录" in texts(app.info)

    app = sign_in(app, "李干事", VIEWER_PW)
    assert "已登录：**李干事**（查看）" in texts(app.sidebar.markdown)
    assert not can_import(app) and not can_undo(app)
    assert "当前账号只能查看" in texts(app.info)
    explore = run_sql(open_page("views/explore.py", **{k: app.session_state[k] for k in AUTH}))
    assert not can_save_query(explore) and "当前账号只能查看" in texts(explore.info)

    app.button(key="auth_sign_out").click().run()
    assert "已登录" not in texts(app.sidebar.markdown)
    app = sign_in(app, "张书记", ADMIN_PW)
    assert "已登录：**张书记**（管理员）" in texts(app.sidebar.markdown)
    assert can_import(app) and can_undo(app)
    import_and_undo(app, accounts)
    assert last_import(accounts) == ("张书记", "张书记")
    history = next(d.value for d in app.dataframe if "操作人" in d.value.columns)
    assert history.iloc[0]["操作人"] == "张书记" and history.iloc[0]["状态"].startswith("已撤销（张书记，")


AUTH = ("auth_user", "auth_role", "auth_changed_at", "auth_last_seen")


def test_an_admin_saves_a_query_under_their_name(accounts, network):
    app = sign_in(open_page("views/explore.py"), "张书记", ADMIN_PW)
    app = run_sql(app)
    assert can_save_query(app)
    app.text_input(key="explore_save_name").input("村数")
    app.button(key="explore_save").click().run()
    assert any("已保存为第" in s.value for s in app.success)
    with accounts.read() as cur:
        assert cur.execute("select name, created_by from saved_queries").fetchall() == [("村数", "张书记")]


def test_wrong_passwords_are_throttled_across_sessions(accounts, network):
    app = open_page()
    for attempt in range(4):
        app = sign_in(app, "张书记", f"wrong-{attempt}")
        assert f"还可再试 {4 - attempt} 次" in texts(app.sidebar.error)
    app = sign_in(open_page(), "张书记", "wrong-again")  # a reload (new session) does not reset the count
    app = sign_in(open_page(), "张书记", ADMIN_PW)
    assert "登录失败次数过多" in texts(app.sidebar.error)
    assert "已登录" not in texts(app.sidebar.markdown)


def test_an_idle_session_expires_and_a_changed_password_ends_it(accounts, network):
    app = sign_in(open_page(), "张书记", ADMIN_PW)
    app.session_state["auth_last_seen"] = datetime.now() - timedelta(hours=8, minutes=1)
    app.run()
    assert "已自动退出登录" in texts(app.sidebar.warning) and "已登录" not in texts(app.sidebar.markdown)

    app = sign_in(app, "张书记", ADMIN_PW)
    assert "已登录：**张书记**" in texts(app.sidebar.markdown)
    access.change_password(accounts, "张书记", "a-new-password-2")
    app.run()
    assert "请重新登录" in texts(app.sidebar.warning) and "已登录" not in texts(app.sidebar.markdown)


def test_viewing_can_require_a_sign_in(accounts, tmp_path, monkeypatch):
    settings = tmp_path / "settings.toml"
    settings.write_text("[access]\nviewers_must_sign_in = true\n", encoding="utf-8")
    monkeypatch.setenv("VILLAGE_STATS_SETTINGS", str(settings))
    app = open_page()
    assert not app.exception
    assert [t.value for t in app.title] == ["登录村情看板"]
    assert not app.metric and not app_charts.charts(app)  # nothing of the data before signing in
    app = sign_in(app, "李干事", VIEWER_PW, form="auth_page_form")
    assert not app.exception and app.title[0].value != "登录村情看板" and app.metric
