"""Ad-hoc SQL for the 自助查询 page and `python -m village_stats sql`, safe by construction.

A user's statement runs in a child process (`python -m village_stats.sandbox`)
on its own read-only DuckDB connection to a snapshot of the database file (so a
running query never holds a lock an import needs), locked down before the
statement arrives. What the statement may name is checked first, against
allowlists of tables and functions (`sql_allowlist.py`):

- one query only: `duckdb.extract_statements` must find exactly one statement,
  of type SELECT (which covers WITH, FROM-first, VALUES, TABLE, DESCRIBE, SHOW
  and SUMMARIZE). EXPLAIN is refused: EXPLAIN ANALYZE runs its statement.
- no files, URLs or extensions: `enable_external_access=false`, extension
  autoload/autoinstall and community/unsigned extensions off, no persistent
  secrets, no Python replacement scans, no temp directory (nothing spills to disk).
- bounded: `memory_limit`, `threads`, `max_execution_time`, an address-space
  limit on the process, and a cap on the rows and bytes returned; results are
  read as a stream, so `select * from range(1e12)` stops at the cap. DuckDB does
  not stop every function at `max_execution_time` (sleeps, long string functions),
  so the parent kills the child at the limit + 1 s from the statement's start,
  and the child dies with its parent.
- `lock_configuration=true` last, so SET / RESET / PRAGMA cannot undo any of it.
  The child reads the settings back and refuses to run if one did not take.

Why a process and not a second connection in the dashboard's process: DuckDB
settings such as these are per database instance, so the dashboard's own
connection cannot carry them, and a second instance on the same file in the
same process shares the process's POSIX lock: closing it silently releases the
lock the dashboard's connection still relies on (measured; docs/decisions.md).
A child opens its own snapshot (the parent copies the file under a plain
read-only connection, which DuckDB shares with the dashboard's own read
connection rather than opening a second instance), can be killed outright if it
overstays, and a crash in it cannot take the server down. The price is a Python start-up per
query. The parent talks to it over stdin (a JSON request) and stdout (Arrow IPC,
which carries data only, or a JSON error).

The rooms: `sandbox_tables` lists what a statement may name, `sandbox_limits` what bounds it,
`snapshots` copies the file the child opens, `sandbox_results` carries the answer back; this
module checks the statement, starts the child and is the child (`_serve`).

Nothing here imports streamlit; pandas is imported only by the parent, so the
child starts faster.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from village_stats import snapshots, sql_allowlist
from village_stats.db import _is_lock_conflict
from village_stats.errors import VillageStatsError
from village_stats.sandbox_limits import LIMITS, LOCKDOWN, Limits, confine, duckdb_config, expected_settings
from village_stats.sandbox_results import Result, fetch, result_from_ipc, scratch_database, table_result
from village_stats.sandbox_tables import (
    HIDDEN_NAME,
    MAX_SQL_CHARS,
    MAX_TREE_DEPTH,
    QUERY_NODES,
    STATEMENT_KINDS,
    TOO_DEEP,
    USER_TABLES,
    member_points_masked,
    privacy_views,
)
from village_stats.settings import REPO_ROOT
from village_stats.snapshots import SNAPSHOT_INFIX

# what callers and tests reach through sandbox: the limits, the result, the tables a user may read
__all__ = [
    "GRACE_SECONDS",
    "HIDDEN_NAME",
    "LIMITS",
    "MAX_SQL_CHARS",
    "MAX_TREE_DEPTH",
    "SNAPSHOT_INFIX",
    "STARTED",
    "USER_TABLES",
    "Limits",
    "Result",
    "Sandbox",
    "SandboxError",
    "SandboxRefused",
    "check_statement",
    "member_points_masked",
    "run_sql",
    "snapshot",
]
# the child's pieces under the names the tests have always used for them
_expected, _fetch, _table_result = expected_settings, fetch, table_result

_REFUSED, _FAILED, _ORPHANED = 3, 4, 5  # the child's exit codes; after the first two its stdout holds a JSON error
_STARTUP_SECONDS = 20.0  # grace for the child's interpreter start-up on a busy machine


class SandboxRefused(VillageStatsError, ValueError):
    """The statement is not one we run: empty, several, too long, or not a query."""

    code = "statement-refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.detail = ""


class SandboxError(VillageStatsError, RuntimeError):
    """DuckDB (or the sandbox) stopped the query: a Chinese message, and DuckDB's own in `detail`."""

    code = "query-failed"

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(f"{message}\nDuckDB 原始信息：{detail}" if detail else message)
        self.message = message
        self.detail = detail


# ---- the statement ---------------------------------------------------------------------------


def _tree(sql: str) -> dict[str, Any]:
    cur = scratch_database().cursor()  # a cursor per call: threads may check statements at once
    try:
        text = cur.execute("select json_serialize_sql($sql)", {"sql": sql}).fetchone()[0]
    finally:
        cur.close()
    try:
        tree = json.loads(text)
    except RecursionError as error:
        raise SandboxRefused(TOO_DEEP) from error
    if tree.get("error"):  # cannot be checked, so it is not run
        raise SandboxRefused("这条查询无法核对（如 PIVOT 等多步语句），未运行；请改写为普通的 SELECT 查询。")
    return tree


def _refuse_function(name: str, qualified: bool, table: bool) -> None:
    allowed = sql_allowlist.ALLOWED_TABLE_FUNCTIONS if table else sql_allowlist.ALLOWED_FUNCTIONS
    if qualified:
        raise SandboxRefused(f"自助查询中的函数请直接写函数名，不要加库名或模式名：{name}。")
    if name not in allowed and (table or name not in sql_allowlist.SPECIAL_FORMS):
        what = "表函数" if table else "函数"
        raise SandboxRefused(
            f"自助查询不能使用{what} {name}：它不在统计查询允许的函数清单中"
            "（读文件、执行 SQL 文本、查看服务器设置、休眠等函数一律不允许）。"
        )


def _refuse_table(name: str, schema: str, catalog: str, ctes: frozenset[str]) -> None:
    if catalog or schema not in ("", "main"):
        raise SandboxRefused(
            f"自助查询请直接写表名，不要加库名或模式名：{'.'.join(filter(None, (catalog, schema, name)))}。"
        )
    if (not schema and name in ctes) or name in USER_TABLES:
        return
    tables = "、".join(sorted(USER_TABLES))
    raise SandboxRefused(
        f"自助查询不能查询 {name}：只能查询看板的数据表（{tables}）和本条查询中用 WITH 定义的临时结果。"
    )


def _check_tree(node: object, ctes: frozenset[str], depth: int = 0) -> None:
    """Refuse what is not allowed anywhere in a serialized statement.

    `ctes` are the WITH names visible at this point. A CTE sees only those defined before it
    (and itself when recursive), as DuckDB resolves them: `with a as (from duckdb_settings),
    duckdb_settings as (…)` reads the real one, so it must be checked as a table.
    """
    if depth > MAX_TREE_DEPTH:
        raise SandboxRefused(TOO_DEEP)
    if isinstance(node, list):
        for item in node:
            _check_tree(item, ctes, depth + 1)
        return
    if not isinstance(node, dict):
        return
    rest = dict(node)
    defined = (rest.pop("cte_map", None) or {}).get("map", [])
    names: list[str] = []
    for entry in defined:
        name = str(entry["key"]).lower()
        body = entry["value"]
        recursive = {name} if (body.get("query_node") or {}).get("type") == "RECURSIVE_CTE_NODE" else set()
        _check_tree(body, ctes | set(names) | recursive, depth + 1)
        names.append(name)
    ctes = ctes | set(names)
    kind = rest.get("type")
    if isinstance(kind, str) and kind.endswith("_NODE") and kind not in QUERY_NODES:  # DELETE_QUERY_NODE …
        raise SandboxRefused("自助查询只能查询数据，不能在 WITH 等子句中插入、修改或删除数据。")
    if kind == "TABLE_FUNCTION":
        function = rest.pop("function", None) or {}
        name = str(function.get("function_name", "")).lower()
        _refuse_function(name, bool(function.get("schema") or function.get("catalog")), table=True)
        _check_tree({k: v for k, v in function.items() if k != "function_name"}, ctes, depth + 1)
    elif kind == "BASE_TABLE":
        name = str(rest.get("table_name", "")).strip('"').lower()
        _refuse_table(name, str(rest.get("schema_name") or "").lower(), str(rest.get("catalog_name") or ""), ctes)
    elif kind == "SHOW_REF" and rest.get("query") is None:  # SHOW t / DESCRIBE t, or SHOW TABLES, SHOW ALL TABLES …
        if rest.get("show_type") != "SHOW":
            raise SandboxRefused("自助查询不能列出数据库的表或设置；可查询的表见“数据表”。")
        name = str(rest.get("table_name", "")).strip('"').lower()
        _refuse_table(name, str(rest.get("schema_name") or "").lower(), str(rest.get("catalog_name") or ""), ctes)
    elif "function_name" in rest:
        name = str(rest["function_name"]).lower()
        _refuse_function(name, bool(rest.get("schema") or rest.get("catalog")), table=False)
    elif rest.get("table_name"):
        raise SandboxRefused("这条查询引用表的方式无法核对，未运行；请直接写表名。")
    for value in rest.values():
        if isinstance(value, dict | list):
            _check_tree(value, ctes, depth + 1)


def _refuse_unlisted(sql: str) -> None:
    tree = _tree(sql)
    try:
        _check_tree(tree, frozenset())
    except RecursionError as error:
        raise SandboxRefused(TOO_DEEP) from error


def check_statement(sql: str) -> str:
    """The one SELECT in `sql`, or SandboxRefused/SandboxError saying in Chinese why not."""
    if len(sql) > MAX_SQL_CHARS:
        raise SandboxRefused(f"查询语句过长（超过 {MAX_SQL_CHARS:,} 个字符）。")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.ParserException as error:
        if "expression depth" in str(error):
            raise SandboxRefused(TOO_DEEP) from error
        raise SandboxError("SQL 语法错误，请检查拼写、引号和括号。", str(error)) from error
    except (duckdb.Error, ValueError) as error:  # a statement kind the Python enum does not know
        raise SandboxRefused("只允许查询（SELECT）语句。") from error
    if not statements:
        raise SandboxRefused("请输入一条查询语句（SELECT）。")
    if len(statements) > 1:
        raise SandboxRefused(f"一次只能运行一条语句，这里有 {len(statements)} 条（以分号分隔）；请只保留一条。")
    kind = statements[0].type.name
    if kind != "SELECT":
        what = STATEMENT_KINDS.get(kind, kind)
        raise SandboxRefused(f"自助查询只能查询数据（SELECT），不能{what}。")
    _refuse_unlisted(sql)
    return sql.strip()


# ---- the parent: start a child, read its answer ----------------------------------------------


class Sandbox:
    """Runs statements against one database file, at most `limits.concurrent` at a time in this process."""

    def __init__(self, path: Path | str, limits: Limits = LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.concurrent)

    def run(self, sql: str, hide_names_below: Decimal | None = None) -> Result:
        if not self._slots.acquire(timeout=self.limits.seconds):
            raise SandboxRefused(f"同时运行的自助查询已有 {self.limits.concurrent} 个，请稍后再试。")
        try:
            return run_sql(self.path, sql, self.limits, hide_names_below)
        finally:
            self._slots.release()


# ---- the snapshot children read ------------------------------------------------------------------


def _open_when_free(
    path: Path, lock_wait_seconds: float, waits_on: tuple[type[duckdb.Error], ...], **options: Any
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file, after waiting (like Database) for a writer to finish.

    `waits_on`: the errors that may mean a writer holds the file; any other is not waited out.
    """
    deadline = time.monotonic() + lock_wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=True, **options)
        except waits_on as error:
            if not _is_lock_conflict(error):
                raise SandboxError("无法打开数据库文件。", str(error)) from error
            if time.monotonic() >= deadline:
                raise SandboxError(
                    f"数据库文件 {path.name} 正被另一个程序（如导入）写入，已等待 {lock_wait_seconds:.0f} 秒"
                    "仍未释放，请稍后再试。",
                    str(error),
                ) from error
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def snapshot(path: Path, lock_wait_seconds: float) -> Path:
    """The snapshot for `path` (snapshots.snapshot_of), made while a plain read-only connection keeps
    writers out; DuckDB shares that connection with the dashboard's own read connection."""

    def hold_read_lock() -> duckdb.DuckDBPyConnection:
        return _open_when_free(path, lock_wait_seconds, (duckdb.IOException, duckdb.ConnectionException))

    try:
        return snapshots.snapshot_of(path, hold_read_lock)
    except OSError as error:
        raise SandboxError(f"无法为查询准备数据快照：{error.strerror or error}。", str(error)) from error


# ---- the parent: start a child, time it, read its answer ---------------------------------------
# The child says when the statement starts (one byte, STARTED, before its answer); the parent
# kills it at limit + 1 s from then, whatever DuckDB is doing (max_execution_time does not stop
# sleeps or some long functions). Its stdin stays open while it runs: when the parent dies the
# pipe reaches end-of-file and the child exits (and on Linux the kernel kills it first).

STARTED = b"S"
GRACE_SECONDS = 1.0  # past the limit, before the kill


def run_sql(
    path: Path | str,
    sql: str,
    limits: Limits = LIMITS,
    hide_names_below: Decimal | None = None,
    _hold: bool = False,
) -> Result:
    """Run one user statement in a fresh sandbox process; a Result or SandboxRefused/SandboxError.

    `hide_names_below`: mechanisms.low_scorers_hidden_below for the user, None when names are shown.
    `_hold` is for tests only: the child then waits forever where the statement would run, so the
    kill path is taken by construction.
    """
    statement = check_statement(sql)
    path = Path(path)
    if not path.exists():
        raise SandboxError(f"数据库文件 {path} 不存在，请先导入数据或运行 python -m village_stats demo。")
    source = snapshot(path.resolve(), limits.lock_wait_seconds)
    hide = None if hide_names_below is None else str(hide_names_below)
    request = {"path": str(source), "sql": statement, "limits": asdict(limits), "hide_below": hide}
    request |= {"parent": os.getpid(), "hold": _hold}
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "village_stats.sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    try:
        code, stdout, stderr = _converse(child, json.dumps(request).encode("utf-8") + b"\n", limits)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    return _answer(code, stdout, stderr, time.monotonic() - started)


def _converse(child: subprocess.Popen[bytes], request: bytes, limits: Limits) -> tuple[int, bytes, bytes]:
    """Send the request, then wait: for the start (up to the start-up grace), then for the end (up to
    limit + 1 s after the start). Returns (exit code, stdout after the start byte, stderr)."""
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    stdout, stderr = bytearray(), bytearray()
    began = threading.Event()

    def read_out() -> None:
        first = child.stdout.read(1)
        if first == STARTED:
            began.set()
        else:
            stdout.extend(first)
        stdout.extend(child.stdout.read())

    readers = [threading.Thread(target=read_out, daemon=True)]
    readers.append(threading.Thread(target=lambda: stderr.extend(child.stderr.read()), daemon=True))
    for reader in readers:
        reader.start()
    try:
        child.stdin.write(request)
        child.stdin.flush()
    except BrokenPipeError:
        pass  # the child died at start-up; its exit code says how
    if not _wait_for_start(child, began):
        child.kill()
        raise SandboxError("查询进程未能按时启动，已中止；请稍后再试。")
    started = time.monotonic()
    try:
        code = child.wait(timeout=max(0.0, started + limits.seconds + GRACE_SECONDS - time.monotonic()))
    except subprocess.TimeoutExpired as error:
        child.kill()
        raise SandboxError(f"查询超过 {limits.seconds:g} 秒仍未结束，已强制中止。") from error
    for reader in readers:
        reader.join()
    return code, bytes(stdout), bytes(stderr)


def _wait_for_start(child: subprocess.Popen[bytes], began: threading.Event) -> bool:
    """True once the child has started its statement or has ended (refused early, or crashed)."""
    deadline = time.monotonic() + _STARTUP_SECONDS
    while not began.wait(timeout=0.05):
        if child.poll() is not None:
            return True
        if time.monotonic() >= deadline:
            return False
    return True


def _answer(code: int, stdout: bytes, stderr: bytes, wall: float) -> Result:
    if code in (_REFUSED, _FAILED):
        try:
            answer = json.loads(stdout.decode("utf-8"))
        except ValueError:
            answer = {"message": "查询未能完成。", "detail": stderr.decode("utf-8", "replace")[-300:]}
        if code == _REFUSED:
            raise SandboxRefused(answer["message"])
        raise SandboxError(answer["message"], answer["detail"])
    if code != 0:
        lines = stderr.decode("utf-8", "replace").strip().splitlines()
        raise SandboxError(
            f"查询进程意外退出（退出码 {code}），看板不受影响；请缩小查询范围后再试。",
            lines[-1][:300] if lines else "",
        )
    return result_from_ipc(stdout, wall)


# ---- the child: open, lock down, run, stream back --------------------------------------------


def _connect(path: Path, limits: Limits, hide_below: Decimal | None = None) -> duckdb.DuckDBPyConnection:
    """The locked-down read-only connection, after waiting (like Database) for a writer to finish."""
    con = _open_when_free(path, limits.lock_wait_seconds, (duckdb.IOException,), config=duckdb_config(limits))
    privacy_views(con, hide_below)
    for statement in LOCKDOWN:
        con.execute(statement)
    wanted = expected_settings(limits)
    found = dict(
        con.execute(
            "select name, value from duckdb_settings() where list_contains($names, name)", {"names": list(wanted)}
        ).fetchall()
    )
    wrong = sorted(name for name, value in wanted.items() if found.get(name) != value)
    if wrong:
        con.close()
        raise SandboxError("查询环境未能按要求锁定，已拒绝运行。", "、".join(wrong))
    return con


def _explain(error: duckdb.Error, limits: Limits) -> SandboxError:
    """DuckDB's error as the user should read it: what happened in Chinese, DuckDB's words kept."""
    text = str(error)
    if isinstance(error, duckdb.InterruptException):
        message = f"查询超过 {limits.seconds:g} 秒的时间上限，已中止。请加筛选条件或 limit 缩小范围后再试。"
    elif isinstance(error, duckdb.OutOfMemoryException):
        message = f"查询所需内存超过上限（{limits.memory}），已中止。请缩小范围或减少分组后再试。"
    elif isinstance(error, duckdb.PermissionException):
        message = "自助查询不能读写文件、访问网址，也不能安装或加载扩展。"
    elif "read-only" in text:
        message = "自助查询只能读取数据，不能修改。"
    elif "configuration has been locked" in text:
        message = "自助查询不能修改数据库设置。"
    elif "Values were not provided" in text:
        message = "自助查询不支持参数（如 $1、?），请直接写出取值。"
    elif isinstance(error, duckdb.CatalogException):
        message = "找不到这个表、列或函数，请核对名称（可在“数据表”中点击插入）。"
    elif isinstance(error, duckdb.ParserException):
        message = "SQL 语法错误，请检查拼写、引号和括号。"
    elif isinstance(error, duckdb.BinderException):
        message = "SQL 引用了不存在的列，或函数、分组的用法有误。"
    elif isinstance(error, duckdb.ConversionException | duckdb.OutOfRangeException):
        message = "数据类型转换失败或数值超出范围。"
    else:
        message = "查询未能完成。"
    return SandboxError(message, text)


def _die_with_parent(parent: int) -> None:
    """End this process when the parent does: the kernel's signal on Linux, and everywhere a thread that
    exits when stdin (the parent's end of the pipe) reaches end-of-file."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(_ORPHANED)

    def watch() -> None:
        # the raw descriptor, not sys.stdin: a daemon thread holding the buffer's lock aborts shutdown
        stdin = sys.stdin.fileno()
        while os.read(stdin, 4096):
            pass
        os._exit(_ORPHANED)

    threading.Thread(target=watch, daemon=True).start()


def _serve() -> int:
    """The child's whole life: one request line on stdin, the start byte and one answer on stdout."""
    request = json.loads(sys.stdin.buffer.readline().decode("utf-8"))
    _die_with_parent(int(request["parent"]))
    limits = Limits(**request["limits"])
    out = sys.stdout.buffer
    try:
        confine(limits)
        statement = check_statement(request["sql"])
        hide = request.get("hide_below")
        con = _connect(Path(request["path"]), limits, None if hide is None else Decimal(hide))
        try:
            out.write(STARTED)
            out.flush()
            if request.get("hold"):  # tests only: overstay by construction
                threading.Event().wait()
            table = fetch(con, statement, limits)
        finally:
            con.close()
    except SandboxRefused as refused:
        out.write(json.dumps({"message": refused.message, "detail": ""}).encode("utf-8"))
        return _REFUSED
    except (SandboxError, duckdb.Error, MemoryError, pa.ArrowException) as error:
        if isinstance(error, duckdb.Error):
            error = _explain(error, limits)
        elif isinstance(error, MemoryError):
            error = SandboxError("查询结果占用内存过多，已中止。请缩小范围后再试。", "MemoryError")
        elif isinstance(error, pa.ArrowException):
            error = SandboxError("结果中有无法传回的数据类型，请用 cast(… as varchar) 转成文字。", str(error))
        out.write(json.dumps({"message": error.message, "detail": error.detail}).encode("utf-8"))
        return _FAILED
    with pa.ipc.new_stream(out, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(_serve())
