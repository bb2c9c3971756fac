"""`python -m village_stats user …` and who the import history names, end to end in subprocesses.

Passwords come from stdin (not a terminal), as a setup script would give them. The two
scenarios work on their own files and run side by side to share the start-up cost.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.test_cli import GOOD_ROWS, copy_db, income_csv, no_traceback
from village_stats import access
from village_stats.account_store import AccountStore
from village_stats.db import Database, open_database

REPO = Path(__file__).resolve().parent.parent


def cli(*args: object, db: Path, stdin: str = "", user: str = "测试员") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VILLAGE_STATS_DB": str(db.with_name("unused.duckdb")),
        "PYTHONIOENCODING": "utf-8",
        "LOGNAME": user,  # getpass.getuser() reads this first: the "system user" of the command
    }
    return subprocess.run(
        [sys.executable, "-m", "village_stats", *map(str, args), "--db", str(db)],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def account_rows(path: Path, sql: str) -> list[tuple]:
    """Rows of the account store beside the database at `path`."""
    with AccountStore.beside(path).read() as con:
        return con.execute(sql).fetchall()


def scenario_users(folder: Path) -> dict[str, object]:
    db = folder / "users.duckdb"
    open_database(db)
    out: dict[str, object] = {"db": db}
    out["empty_list"] = cli("user", "list", db=db)
    out["add_admin"] = cli("user", "add", "张书记", "--role", "admin", db=db, stdin="admin-password-1\n")
    out["add_viewer"] = cli("user", "add", "李干事", db=db, stdin="viewer-password-1\n")
    out["again"] = cli("user", "add", "张书记", "--role", "viewer", db=db, stdin="whatever-password\n")
    out["short"] = cli("user", "add", "王五", db=db, stdin="short\n")
    out["no_name"] = cli("user", "add", db=db, stdin="whatever-password\n")
    out["list"] = cli("user", "list", db=db)
    out["hashes_before"] = dict(account_rows(db, "select name, password_hash from users"))
    out["passwd"] = cli("user", "passwd", "李干事", db=db, stdin="new-viewer-pass\n")
    out["passwd_role"] = cli("user", "passwd", "李干事", "--role", "admin", db=db, stdin="new-viewer-pass\n")
    out["hashes_after"] = dict(account_rows(db, "select name, password_hash from users"))
    out["remove_admin"] = cli("user", "remove", "张书记", db=db)
    out["remove_unknown"] = cli("user", "remove", "赵六", db=db)
    out["remove_last"] = cli("user", "remove", "李干事", db=db)
    out["users_left"] = account_rows(db, "select count(*) from users")[0][0]
    return out


def scenario_attribution(demo_path: Path, folder: Path) -> dict[str, object]:
    db = copy_db(demo_path, folder)
    csv = income_csv(folder / "2023年村集体经济收入.csv", GOOD_ROWS)
    out: dict[str, object] = {"db": db}
    out["import_by"] = cli("import", csv, "--by", "王会计", db=db)
    out["undo_by"] = cli("undo", "--by", "张书记", db=db)
    out["import_os_user"] = cli("import", csv, db=db, user="测试员")
    out["undo_os_user"] = cli("undo", db=db, user="测试员")
    out["history"] = cli("history", db=db)
    out["records"] = rows(
        db, "select imported_by, undone_by, undone_at is not null from imports order by import_id desc limit 2"
    )
    return out


@pytest.fixture(scope="module")
def runs(demo_db_path, tmp_path_factory) -> dict[str, dict[str, object]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        users = pool.submit(scenario_users, tmp_path_factory.mktemp("cli-users"))
        attribution = pool.submit(scenario_attribution, demo_db_path, tmp_path_factory.mktemp("cli-by"))
        return {"users": users.result(), "attribution": attribution.result()}


def test_user_add_reads_the_password_from_stdin_and_stores_only_a_hash(runs):
    out = runs["users"]
    assert out["empty_list"].returncode == 0 and "还没有账号" in out["empty_list"].stdout
    assert out["add_admin"].returncode == 0, out["add_admin"].stderr
    assert "已创建管理员账号 张书记" in out["add_admin"].stdout
    assert out["add_viewer"].returncode == 0 and "已创建查看账号 李干事" in out["add_viewer"].stdout
    hashes = out["hashes_before"]
    assert set(hashes) == {"张书记", "李干事"}
    assert access.verify_password("admin-password-1", hashes["张书记"])
    assert all("password" not in h and h.startswith("scrypt$") for h in hashes.values())


def test_user_list_shows_names_roles_and_who_created_them(runs):
    listing = runs["users"]["list"]
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert lines[0].startswith("张书记\t管理员（admin）") and "由 测试员 创建" in lines[0]
    assert lines[1].startswith("李干事\t查看（viewer）")


@pytest.mark.parametrize(
    ("run", "words"),
    [
        ("again", "用户 张书记 已存在"),
        ("short", "密码至少 8 个字符"),
        ("no_name", "请给出用户名"),
        ("passwd_role", "--role 只用于 user add"),
        ("remove_unknown", "没有用户 赵六"),
    ],
)
def test_user_mistakes_are_one_chinese_line_and_change_nothing(runs, run, words):
    result = runs["users"][run]
    assert result.returncode == 2 and no_traceback(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：")
    assert words in result.stderr


def test_user_passwd_replaces_the_hash(runs):
    out = runs["users"]
    assert out["passwd"].returncode == 0, out["passwd"].stderr
    new = out["hashes_after"]["李干事"]
    assert new != out["hashes_before"]["李干事"]
    assert access.verify_password("new-viewer-pass", new) and not access.verify_password("viewer-password-1", new)
    assert out["hashes_after"]["张书记"] == out["hashes_before"]["张书记"]


def test_user_remove_warns_when_no_admin_is_left_and_when_no_account_is(runs):
    out = runs["users"]
    assert out["remove_admin"].returncode == 0
    assert "已没有管理员账号" in out["remove_admin"].stdout and access.ADD_ADMIN in out["remove_admin"].stdout
    assert "本机单用户" in out["remove_last"].stdout
    assert out["users_left"] == 0


def test_imports_and_undos_name_who_did_them(runs):
    out = runs["attribution"]
    for name in ("import_by", "undo_by", "import_os_user", "undo_os_user", "history"):
        assert out[name].returncode == 0, (name, out[name].stderr)
    # newest first: the OS user's import and undo, then 王会计's import undone by 张书记
    assert out["records"] == [("测试员", "测试员", True), ("王会计", "张书记", True)]
    assert "王会计" in out["history"].stdout and "由 张书记 撤销" in out["history"].stdout


def test_a_bad_by_name_is_refused(tmp_path):
    db = tmp_path / "v.duckdb"
    open_database(db)
    result = cli("undo", "--by", "张 三", db=db)
    assert result.returncode == 2 and "用户名不能含空格" in result.stderr and no_traceback(result)


def test_sign_in_works_with_a_cli_made_account(runs, tmp_path):
    """The CLI and the dashboard agree on the stored form (checked with the library the page calls)."""
    db = tmp_path / "v.duckdb"
    open_database(db)
    assert cli("user", "add", "周主任", "--role", "admin", db=db, stdin="cli-made-password\n").returncode == 0
    result = access.sign_in(Database(db), "周主任", "cli-made-password", access.Throttle(), datetime.now())
    assert result.account is not None and result.account.role == access.ADMIN
