"""A full disk or a read-only data folder: one clear Chinese error, no traceback, nothing half-written.

A small tmpfs would need root, so a full disk is simulated two ways: a real
import child whose files may not grow (RLIMIT_FSIZE, with SIGXFSZ ignored so
writes fail with EFBIG as they would with ENOSPC), and the archive write raising
ENOSPC in-process. A read-only folder is a real `chmod`, or for root (whom file
modes do not stop) a read-only bind mount where the machine allows one.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from scripts.crash_test import table_hashes
from village_stats import archive, importing
from village_stats.db import Database, storage_problem

REPO = Path(__file__).resolve().parents[1]
DASHBOARD = str(REPO / "dashboard.py")
STARS = "年度,村(社区)名称,星级\n2024,北垞村,3\n"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="rlimits and file modes are POSIX")


def contents(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return table_hashes(con)


def cli(*args: str, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "village_stats", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=preexec,
        timeout=120,
    )


def no_growth(limit: int):
    def apply() -> None:  # runs in the child
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture
def town(demo_copy: Database, tmp_path: Path) -> tuple[Path, Path]:
    ledger = tmp_path / "达标创星.csv"
    ledger.write_text(STARS, encoding="utf-8")
    return demo_copy.path, ledger


@posix_only
def test_a_full_disk_at_commit_is_a_chinese_error_and_changes_nothing(town):
    database, ledger = town
    before = contents(database)
    # 1000 bytes: the archived original fits, the write-ahead log of the commit does not
    done = cli("import", str(ledger), "--db", str(database), preexec=no_growth(1000))
    assert done.returncode == 1
    assert "无法写入数据文件夹" in done.stderr and "没有写入任何数据" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert contents(database) == before
    # and the same import goes through once there is room again
    assert cli("import", str(ledger), "--db", str(database)).returncode == 0
    assert contents(database) != before


def test_a_full_disk_while_archiving_is_a_file_error_and_changes_nothing(town, settings, monkeypatch):
    database, ledger = town
    before = contents(database)

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(archive, "archive_original", full)
    outcome = importing.import_file(Database(database), ledger, settings)
    assert not outcome.committed and not outcome.ok
    assert [i.code for i in outcome.issues] == ["write-failed"]
    assert "磁盘空间已满" in outcome.issues[0].message
    assert contents(database) == before


@posix_only
def test_a_backup_that_does_not_fit_is_a_chinese_error(town, tmp_path):
    database, _ = town
    done = cli("backup", "--db", str(database), "--to", str(tmp_path / "copy.duckdb"), preexec=no_growth(4096))
    assert done.returncode == 2
    assert done.stderr.startswith("错误：") and "Traceback" not in done.stderr


def _read_only(folder: Path) -> bool:
    """Make `folder` read-only for this process; False where that cannot be done."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return True
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        return False
    remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True)
    if remount.returncode != 0:
        subprocess.run(["umount", str(folder)], capture_output=True)
        return False
    return True


def _writable_again(folder: Path) -> None:
    if os.geteuid() != 0:
        folder.chmod(0o755)
    else:
        subprocess.run(["umount", str(folder)], capture_output=True)


@posix_only
def test_a_read_only_data_folder_refuses_imports_in_chinese_and_still_serves_reads(town, tmp_path):
    database, ledger = town
    folder = tmp_path / "readonly"
    folder.mkdir()
    shutil.move(database, folder / database.name)
    shutil.move(database.parent / "archive", folder / "archive")
    database = folder / database.name
    outside = tmp_path / "stars.csv"
    shutil.copy2(ledger, outside)
    before = contents(database)
    if not _read_only(folder):
        pytest.skip("running as root without permission to mount read-only")
    try:
        done = cli("import", str(outside), "--db", str(database))
        shown = cli("query", "star_summary", "--param", "year=2024", "--db", str(database))
    finally:
        _writable_again(folder)
    assert done.returncode in (1, 2)
    assert "无法写入数据文件夹" in done.stderr
    assert "没有写入权限" in done.stderr or "所在磁盘为只读" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert shown.returncode == 0 and "Traceback" not in shown.stderr
    assert contents(database) == before


def test_a_truncated_archive_file_is_written_again(town, settings, tmp_path):
    database, ledger = town
    data = ledger.read_bytes()
    db = Database(database)
    import hashlib

    archived = importing.archive_path(db, hashlib.sha256(data).hexdigest(), ".csv")
    archived.parent.mkdir(exist_ok=True)
    archived.write_bytes(data[:5])  # as an older version could leave it when killed mid-write
    assert importing.import_file(db, ledger, settings).committed
    assert archived.read_bytes() == data
    assert not [p for p in archived.parent.iterdir() if p.name.endswith(".partial")]


def test_storage_problems_are_recognised_by_errno_and_by_duckdb_text(tmp_path):
    assert "磁盘空间已满" in storage_problem(OSError(errno.ENOSPC, "x"), tmp_path)
    assert "只读" in storage_problem(OSError(errno.EROFS, "x"), tmp_path)
    text = duckdb.IOException('Could not write file "x.wal": No space left on device')
    assert "磁盘空间已满" in storage_problem(text, tmp_path)
    assert storage_problem(duckdb.ConversionException("Could not convert"), tmp_path) is None
    assert storage_problem(OSError(errno.ENOENT, "x"), tmp_path) is None


def test_the_import_page_says_why_a_write_failed(demo_copy, monkeypatch):
    monkeypatch.setenv("VILLAGE_STATS_DB", str(demo_copy.path))
    before = contents(demo_copy.path)

    def read_only(path, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(archive, "archive_original", read_only)
    app = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    app = app.switch_page("views/data_import.py").run()
    app.file_uploader(key="import_files").set_value(("达标创星.csv", STARS.encode("utf-8"), "text/csv"))
    app.run()
    app.button(key="import_confirm").click().run()
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "无法写入数据文件夹" in errors and "没有写入权限" in errors
    assert not app.success
    assert contents(demo_copy.path) == before
