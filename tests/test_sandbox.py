"""The ad-hoc SQL sandbox: every escape the issue lists fails, the limits hold, and the dashboard keeps serving.

Two layers are tested separately. `run_sql` refuses anything but one SELECT before a
process starts; the child's locked-down connection (`sandbox._connect`) must refuse the
same statements on its own, so each escape is also run straight against it.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from village_stats import exports, gallery, sandbox, snapshots
from village_stats.db import Database
from village_stats.sandbox import Limits, SandboxError, SandboxRefused, run_sql

FAST = Limits(seconds=1.5, memory="256MB")
ROOMY = Limits(seconds=10.0, memory="256MB")  # for the memory limit: it must strike before the time limit

# Statements that pass the statement check and so start a child; they run side by side once
# per module (a child costs a Python start-up) and the tests below look at what each gave.
CASES: dict[str, tuple[str, Limits]] = {
    "cross_join": ("select count(*) from range(1e12::bigint) as a cross join range(1000) as b", FAST),
    "string_agg": ("select string_agg(repeat('x', 1000), '') from range(10000000)", ROOMY),
    "endless_rows": ("select * from range(1e12::bigint)", Limits(rows=500)),
    "villages": ("select * from villages order by name", FAST),
    "types": (
        "select 1 as a, 2 as a, sum(households) as households, 1234567.89::decimal(18, 2) as money, "
        "[1, 2] as list, interval 3 day as span, null::integer as nothing from villages",
        FAST,
    ),
    "syntax": ("selec * from villages", FAST),
    "missing_table": ("select * from nosuch_table", FAST),
    "formulas": ("select '=1+2' as formula, '@SUM(A1)' as other, '北垞村' as name", FAST),
}


def _catch(run: Callable[[], object]) -> object:
    try:
        return run()
    except (SandboxError, SandboxRefused) as error:
        return error


@pytest.fixture(scope="module")
def outcomes(demo_db_path: Path) -> dict[str, tuple[object, float]]:
    """Each case's Result or error, and the seconds it took."""

    def timed(statement: str, limits: Limits) -> tuple[object, float]:
        started = time.monotonic()
        outcome = _catch(lambda: run_sql(demo_db_path, statement, limits))
        return outcome, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(timed, *case) for name, case in CASES.items()}
    return {name: future.result() for name, future in futures.items()}


def result(outcomes: dict, name: str) -> sandbox.Result:
    found = outcomes[name][0]
    assert isinstance(found, sandbox.Result), found
    return found


def error(outcomes: dict, name: str) -> SandboxError:
    found = outcomes[name][0]
    assert isinstance(found, SandboxError), found
    return found


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory, demo_db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The child's connection, opened in this process on a private copy (nothing else here holds that file)."""
    path = tmp_path_factory.mktemp("locked") / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    con = sandbox._connect(path, FAST)
    yield con
    con.close()


def refused_twice(statement: str, locked: duckdb.DuckDBPyConnection, demo_db_path: Path) -> str:
    """Refused by the statement check, and by DuckDB itself on the locked connection; the refusal's text."""
    with pytest.raises(SandboxRefused) as refusal:
        run_sql(demo_db_path, statement, FAST)
    with pytest.raises(duckdb.Error):
        locked.execute(statement).fetchall()
    return refusal.value.message


# ---- reading files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("select * from read_csv('/etc/passwd')", "read_csv"),
        ("select content from read_text('/etc/hostname')", "read_text"),
        ("select * from glob('/etc/*')", "glob"),
        ("select * from read_csv('http://127.0.0.1:9/x.csv')", "read_csv"),
    ],
)
def test_file_and_url_readers_are_refused_by_name_and_by_the_locked_connection(locked, statement, named):
    """Two layers: the allowlist names the function; external access off refuses it on its own."""
    with pytest.raises(SandboxRefused, match=f"不能使用表函数 {named}"):
        sandbox.check_statement(statement)
    with pytest.raises(duckdb.PermissionException):
        locked.execute(statement).fetchall()


def test_a_file_path_as_a_table_is_not_read(locked):
    with pytest.raises(SandboxRefused, match="不能查询 /etc/passwd"):
        sandbox.check_statement("select * from '/etc/passwd'")
    with pytest.raises(duckdb.Error):
        locked.execute("select * from '/etc/passwd'").fetchall()


# ---- writing files, other databases, extensions, settings ---------------------------------------


def test_copy_to_a_file_is_refused(locked, demo_db_path, tmp_path):
    target = tmp_path / "out.csv"
    assert "COPY" in refused_twice(f"copy (select * from villages) to '{target}'", locked, demo_db_path)
    assert not target.exists()


def test_export_database_is_refused(locked, demo_db_path, tmp_path):
    target = tmp_path / "export"
    assert "导出数据库" in refused_twice(f"export database '{target}'", locked, demo_db_path)
    assert not target.exists()


def test_attach_is_refused(locked, demo_db_path, tmp_path):
    other = tmp_path / "other.duckdb"
    assert "挂载" in refused_twice(f"attach '{other}' as other", locked, demo_db_path)
    assert not other.exists()


@pytest.mark.parametrize("statement", ["install httpfs", "load httpfs"])
def test_installing_or_loading_extensions_is_refused(locked, demo_db_path, statement):
    assert "扩展" in refused_twice(statement, locked, demo_db_path)


@pytest.mark.parametrize(
    "statement",
    ["set enable_external_access = true", "set memory_limit = '20GB'", "pragma threads = 8", "reset threads"],
)
def test_set_pragma_and_reset_are_refused(locked, demo_db_path, statement):
    assert "修改设置" in refused_twice(statement, locked, demo_db_path)
    with pytest.raises(duckdb.InvalidInputException, match="configuration has been locked"):
        locked.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "create table notes (a integer)",
        "insert into villages (town, name, kind) values ('青溪镇', '新村', '村')",
        "update village_income set total_income = 0",
        "delete from projects",
        "drop table villages",
    ],
    ids=["create", "insert", "update", "delete", "drop"],
)
def test_changing_data_is_refused(locked, demo_db_path, statement):
    assert "不能" in refused_twice(statement, locked, demo_db_path)


def test_two_statements_joined_by_a_semicolon_are_refused(demo_db_path):
    with pytest.raises(SandboxRefused, match="一次只能运行一条语句"):
        run_sql(demo_db_path, "select 1; drop table villages", FAST)


@pytest.mark.parametrize("statement", ["", "   ", "-- 只有注释"])
def test_an_empty_statement_is_refused(demo_db_path, statement):
    with pytest.raises(SandboxRefused, match="请输入"):
        run_sql(demo_db_path, statement, FAST)


def test_explain_is_refused_because_explain_analyze_runs_its_statement(demo_db_path):
    with pytest.raises(SandboxRefused, match="EXPLAIN"):
        run_sql(demo_db_path, "explain analyze select * from villages", FAST)


def test_the_locked_connection_reports_its_settings(locked):
    names = sorted(sandbox._expected(FAST))
    rows = locked.execute("select name, value from duckdb_settings() where list_contains($n, name)", {"n": names})
    found = dict(rows.fetchall())
    assert found == sandbox._expected(FAST)
    assert found["enable_external_access"] == "false" and found["lock_configuration"] == "true"
    assert found["max_execution_time"] == "1500" and found["threads"] == "1"


# ---- limits -------------------------------------------------------------------------------------


# No wall-clock bounds here: on a shared 2-core machine they are noise (CI saw 12 s for a
# 1.5 s limit plus start-up). What is asserted is *why* each query stopped; a query that
# never stopped would hit pytest's own timeout. Timings belong in the decision log.


def test_a_runaway_cross_join_is_interrupted_at_the_time_limit(outcomes):
    refused = error(outcomes, "cross_join")
    # DuckDB's own interrupt, or on a busy machine the parent's kill a second later: both the limit
    assert "超过 1.5 秒" in refused.message
    assert "INTERRUPT" in refused.detail or "强制中止" in refused.message


def test_a_huge_string_agg_hits_the_memory_limit(outcomes):
    refused = error(outcomes, "string_agg")
    assert "内存超过上限" in refused.message and "Out of Memory" in refused.detail
    assert "INTERRUPT" not in refused.detail  # stopped by the memory limit, not by the clock


def test_rows_are_capped_and_the_result_says_so(outcomes):
    capped = result(outcomes, "endless_rows")  # read as a stream: the 10^12 rows are never made
    assert capped.truncated and capped.rows == len(capped.frame) == 500
    assert "500" in capped.note


def test_a_result_under_the_cap_is_whole(outcomes):
    whole = result(outcomes, "villages")
    assert not whole.truncated and whole.note == ""
    assert whole.rows == len(whole.frame) == 25
    assert whole.elapsed < whole.wall


def test_result_columns_come_back_usable(outcomes):
    frame = result(outcomes, "types").frame
    row = frame.iloc[0]
    assert list(frame.columns) == ["a", "a_2", "households", "money", "list", "span", "nothing"]
    assert int(row["households"]) > 0 and row["money"] == 1234567.89  # exactly, not 1234567.8900000001
    assert row["list"] == "[1, 2]"


def test_errors_are_in_chinese_with_duckdbs_message(outcomes):
    syntax, missing = error(outcomes, "syntax"), outcomes["missing_table"][0]
    assert syntax.message.startswith("SQL 语法错误") and "Parser Error" in syntax.detail
    assert isinstance(missing, SandboxRefused) and "不能查询 nosuch_table" in missing.message  # named, before a child
    assert "Traceback" not in str(syntax) + str(missing)


def test_a_child_that_overstays_is_killed(demo_db_path):
    """The child is made to wait where its statement would run: it overstays by construction, and
    the parent kills it at limit + 1 s from the statement's start, not before."""
    limits = Limits(seconds=0.2)
    started = time.monotonic()
    with pytest.raises(SandboxError, match="强制中止"):  # the message only the kill path gives
        run_sql(demo_db_path, "select 1", limits, _hold=True)
    assert time.monotonic() - started >= limits.seconds + sandbox.GRACE_SECONDS


def test_downloads_of_a_result_are_formula_safe(outcomes):
    import io

    import openpyxl

    frame = result(outcomes, "formulas").frame
    csv = exports.to_csv_bytes(frame)
    assert csv.startswith(b"\xef\xbb\xbf") and "'=1+2" in csv.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes(frame))).active
    # string cells flagged with Excel's quote prefix: shown as written, never run, not even when retyped
    assert [c.value for c in sheet[2]] == ["=1+2", "@SUM(A1)", "北垞村"]
    assert all(c.data_type == "s" for c in sheet[2])
    assert [c.quotePrefix for c in sheet[2]] == [True, True, False]


# ---- sharing the file with the dashboard ---------------------------------------------------------


def test_a_query_waits_for_a_writer_in_another_process_and_then_runs(demo_copy):
    holding, release = threading.Event(), threading.Event()

    def write_until_released() -> None:
        with demo_copy.write() as con:
            con.execute("select 1")
            holding.set()
            release.wait(timeout=30)

    writer = threading.Thread(target=write_until_released)
    writer.start()
    holding.wait()
    waited: list[object] = []
    try:
        with pytest.raises(SandboxError, match="正被另一个程序"):
            run_sql(demo_copy.path, "select count(*) from villages", Limits(lock_wait_seconds=0.2))
        patient = threading.Thread(
            target=lambda: waited.append(
                _catch(
                    lambda: run_sql(demo_copy.path, "select count(*) as n from villages", Limits(lock_wait_seconds=20))
                )
            )
        )
        patient.start()
        time.sleep(1.5)  # the child is up and retrying
    finally:
        release.set()
        writer.join()
    patient.join()
    assert isinstance(waited[0], sandbox.Result), waited[0]
    assert int(waited[0].frame["n"][0]) == 25


def test_the_dashboard_keeps_serving_and_writing_after_escapes(demo_copy):
    before = demo_copy.version()
    escapes = [CASES[name] for name in ("cross_join", "string_agg")] + [
        ("select * from read_csv('/etc/passwd')", FAST),
        ("select content from read_blob('/etc/hostname')", FAST),
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        ended = list(pool.map(lambda case: _catch(lambda: run_sql(demo_copy.path, *case)), escapes))
    assert all(isinstance(outcome, SandboxError | SandboxRefused) for outcome in ended)
    assert demo_copy.version() == before  # nothing was written

    # right afterwards: the sandbox answers, the dashboard reads, and a writer gets the file at once
    assert run_sql(demo_copy.path, "select count(*) as n from villages", FAST).frame["n"][0] == 25
    with demo_copy.read() as cur:
        assert cur.execute("select count(*) from village_income").fetchone() == (100,)
    started = time.monotonic()
    query_id = gallery.save_query(demo_copy, "村数", "", "select count(*) from villages", "测试")
    # no lock was left behind: far sooner than the 30 s a writer would wait for one
    assert time.monotonic() - started < 20
    with demo_copy.read() as cur:
        assert gallery.saved_query(cur, query_id).name == "村数"


class HeldChild:
    """A sandbox query whose child is held where its statement would run, until the test ends it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started, self.children = threading.Event(), []
        real_popen, real_wait = sandbox.subprocess.Popen, sandbox._wait_for_start

        def popen(*args: object, **kwargs: object) -> object:
            child = real_popen(*args, **kwargs)
            self.children.append(child)
            return child

        def wait_for_start(child: object, began: threading.Event) -> bool:
            ready = real_wait(child, began)
            self.started.set()
            return ready

        monkeypatch.setattr(sandbox.subprocess, "Popen", popen)
        monkeypatch.setattr(sandbox, "_wait_for_start", wait_for_start)


def test_a_running_query_never_makes_a_write_wait(demo_copy, monkeypatch):
    """The child reads a snapshot: an import (here: a write with half a second's patience) gets the file at once."""
    held = HeldChild(monkeypatch)
    outcome: list[object] = []
    runner = threading.Thread(
        target=lambda: outcome.append(
            _catch(lambda: run_sql(demo_copy.path, "select count(*) from villages", Limits(seconds=600), _hold=True))
        )
    )
    runner.start()
    try:
        assert held.started.wait(timeout=120)
        with Database(demo_copy.path, lock_wait_seconds=0.5).write() as con:
            con.execute("insert into saved_queries (name, sql) values ('不等待', 'select 1')")
        assert held.children[0].poll() is None  # the query was still running all along
    finally:
        for child in held.children:
            child.kill()
        runner.join()
    assert isinstance(outcome[0], SandboxError)
    with demo_copy.read() as cur:
        assert cur.execute("select count(*) from saved_queries where name = '不等待'").fetchone() == (1,)


def test_a_query_sees_the_data_as_of_its_start_and_the_next_one_sees_the_change(demo_copy):
    assert run_sql(demo_copy.path, "select count(*) as n from saved_queries", FAST).frame["n"][0] == 0
    with demo_copy.write() as con:
        con.execute("insert into saved_queries (name, sql) values ('新', 'select 1')")
    assert run_sql(demo_copy.path, "select count(*) as n from saved_queries", FAST).frame["n"][0] == 1
    snapshots = list(demo_copy.path.parent.glob(f"{demo_copy.path.name}{sandbox.SNAPSHOT_INFIX}*"))
    assert len(snapshots) == 1  # the older copy was removed


PARENT = """
import sys
from village_stats import sandbox
real_popen, real_wait = sandbox.subprocess.Popen, sandbox._wait_for_start
def popen(*args, **kwargs):
    child = real_popen(*args, **kwargs)
    print(child.pid, flush=True)
    return child
def wait_for_start(child, began):
    ready = real_wait(child, began)
    print("started", flush=True)
    return ready
sandbox.subprocess.Popen, sandbox._wait_for_start = popen, wait_for_start
sandbox.run_sql(sys.argv[1], "select 1", sandbox.Limits(seconds=3600), _hold=True)
"""


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for a reaper counts: it holds no file)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_the_child_dies_with_its_parent(demo_db_path):
    """A CLI running `sql` is killed (a timeout, Ctrl-C): its child must not stay behind holding files."""
    import signal
    import subprocess
    import sys

    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(demo_db_path)], stdout=subprocess.PIPE, text=True, cwd=sandbox.REPO_ROOT
    )
    try:
        child = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "started"
        assert not gone(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 60  # a safety net for a broken build, not a timing assumption
        while not gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(child)
    finally:
        parent.kill()
        parent.stdout.close()


def test_the_child_exits_when_its_stdin_closes(demo_db_path):
    """The portable half of dying with the parent: end-of-file on stdin ends the child."""
    import json
    import subprocess
    import sys

    request = {"path": str(demo_db_path), "sql": "select 1", "limits": sandbox.asdict(FAST)}
    request |= {"hide_below": None, "parent": __import__("os").getpid(), "hold": True}
    child = subprocess.Popen(
        [sys.executable, "-m", "village_stats.sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=sandbox.REPO_ROOT,
    )
    try:
        child.stdin.write(json.dumps(request).encode() + b"\n")
        child.stdin.flush()
        assert child.stdout.read(1) == sandbox.STARTED  # holding, with the statement "running"
        child.stdin.close()
        assert child.wait(timeout=60) == sandbox._ORPHANED
    finally:
        child.kill()
        child.stdout.close()


def test_a_sandbox_runs_at_most_its_share_at_once(demo_db_path):
    box = sandbox.Sandbox(demo_db_path, Limits(seconds=1.0, concurrent=1))
    first: list[object] = []
    runner = threading.Thread(target=lambda: first.append(_catch(lambda: box.run("select 1"))))
    assert box._slots.acquire(timeout=1)  # as if a query were running
    try:
        runner.start()
        runner.join()
    finally:
        box._slots.release()
    assert isinstance(first[0], SandboxRefused) and "请稍后再试" in first[0].message
    assert box.run("select 42 as n").frame["n"][0] == 42


def test_a_read_only_data_folder_puts_the_snapshot_in_a_private_temporary_folder(demo_copy, monkeypatch):
    import errno

    real_copy = snapshots.shutil.copyfile

    def copy(source, target):  # as a read-only folder answers, even for root on a read-only mount
        if Path(target).parent == demo_copy.path.parent:
            raise OSError(errno.EROFS, "Read-only file system", str(target))
        return real_copy(source, target)

    monkeypatch.setattr(snapshots.shutil, "copyfile", copy)
    assert run_sql(demo_copy.path, "select count(*) as n from villages", FAST).frame["n"][0] == 25
    snapshot = sandbox.snapshot(demo_copy.path, 1.0)
    assert snapshot.parent != demo_copy.path.parent and (snapshot.parent.stat().st_mode & 0o077) == 0


def test_a_copy_another_process_is_writing_is_not_removed_from_under_it(demo_copy):
    """The dashboard and a command-line query may copy the file at the same moment: one finishing must
    not remove the other's partial copy (its rename then failed: "无法为查询准备数据快照"). A partial copy
    a killed process left behind is removed once it is an hour old."""
    folder, name = demo_copy.path.parent, demo_copy.path.name
    writing = folder / f"{name}{sandbox.SNAPSHOT_INFIX}0123456789abcdef.999-1{snapshots.PARTIAL}"
    abandoned = folder / f"{name}{sandbox.SNAPSHOT_INFIX}fedcba9876543210.998-1{snapshots.PARTIAL}"
    writing.write_bytes(b"half a copy")
    abandoned.write_bytes(b"half a copy")
    hours_ago = time.time() - 2 * snapshots.STALE_PARTIAL_SECONDS
    os.utime(abandoned, (hours_ago, hours_ago))

    snapshot = sandbox.snapshot(demo_copy.path, 1.0)

    assert snapshot.exists() and writing.exists() and not abandoned.exists()
    assert list(folder.glob(f"*{snapshots.PARTIAL}")) == [writing]  # this process left no partial of its own
