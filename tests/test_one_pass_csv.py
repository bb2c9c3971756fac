"""A large CSV on disk is read once, a chunk at a time: hashed, archived and checked in the same pass.

The chunk size (and, where a test needs the encoding decided early, the head) are made small,
so these files of a few hundred bytes cross many chunk edges.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
from pathlib import Path

import pytest

import village_stats.archive as archive
import village_stats.csv_files as csv_files
import village_stats.reading as reading
from village_stats.db import Database
from village_stats.importing import import_file

HEADER = ["青溪镇2023年度村级集体经济收入统计表,,,", "单位：万元,,,", "序号,村(社区)名称,村集体经济总收入,经营性收入"]
GOOD = [*HEADER, "1,北垞村,101,10", '2,"岑下 村","1,083,000元",20', "3,竹秀村,50,5"]
REFUSED = [*HEADER, "1,北垞村,101,10", "2,北坨村,12,3", "3,竹秀村,-3,"]  # an unknown village, a negative income


@pytest.fixture
def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CSV on disk takes the one-pass path, in chunks of 7 bytes."""
    monkeypatch.setattr(csv_files, "BULK_CSV_BYTES", 0)
    monkeypatch.setattr(csv_files, "STREAM_CHUNK", 7)


@pytest.fixture
def database(demo_db_path: Path, tmp_path: Path) -> Database:
    path = tmp_path / "db" / "village.duckdb"
    path.parent.mkdir()
    shutil.copy2(demo_db_path, path)
    return Database(path)


def _ledger(folder: Path, lines: list[str], encoding: str, name: str = "收入2023.csv") -> Path:
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _archive(database: Database) -> set[str]:
    folder = database.path.parent / "archive"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _never_read_whole(monkeypatch: pytest.MonkeyPatch, source: Path) -> None:
    """Reading `source` into memory at once fails the test."""
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.resolve() == source.resolve():
            raise AssertionError(f"{self.name} was read into memory whole")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_the_archived_original_is_the_file_byte_for_byte_under_its_sha256(
    database, settings, tmp_path, streamed, monkeypatch, encoding
):
    source = _ledger(tmp_path, GOOD, encoding)
    original = source.read_bytes()
    before = _archive(database)
    _never_read_whole(monkeypatch, source)
    outcome = import_file(database, source, settings)
    assert outcome.committed, [i.describe() for i in outcome.issues]
    sha256 = hashlib.sha256(original).hexdigest()
    assert outcome.sha256 == sha256
    assert _archive(database) - before == {f"{sha256}.csv"}  # and no .partial left behind
    assert (database.path.parent / "archive" / f"{sha256}.csv").read_bytes() == original
    with database.read() as cur:
        row = cur.execute("select sha256 from imports order by import_id desc limit 1").fetchone()
    assert row == (sha256,)


def _large_ledger(folder: Path) -> Path:
    """A file past the real BULK_CSV_BYTES (~3 MB), refused only once all of it is read: every row a duplicate."""
    rows = [f"{n},北垞村,{n},1" for n in range(1, 120_000)]
    source = _ledger(folder, [*HEADER, *rows], "utf-8")
    assert source.stat().st_size > csv_files.BULK_CSV_BYTES
    return source


def test_a_large_csv_on_disk_is_never_read_into_memory_whole(database, settings, tmp_path, monkeypatch):
    source = _large_ledger(tmp_path)
    _never_read_whole(monkeypatch, source)
    outcome = import_file(database, source, settings)
    assert not outcome.committed
    assert "duplicate-key" in {i.code for i in outcome.issues}
    assert outcome.sha256 == hashlib.sha256(source.open("rb").read()).hexdigest()


def test_a_large_csv_on_disk_is_read_in_chunks_once(database, settings, tmp_path, monkeypatch):
    source = _large_ledger(tmp_path)
    monkeypatch.setattr(csv_files, "STREAM_CHUNK", 1 << 20)
    reads: list[int] = []
    read_chunk = csv_files._read_chunk

    def counted(stream):
        chunk = read_chunk(stream)
        reads.append(len(chunk))
        return chunk

    monkeypatch.setattr(csv_files, "_read_chunk", counted)
    outcome = import_file(database, source, settings)
    assert "duplicate-key" in {i.code for i in outcome.issues}
    assert sum(reads) == source.stat().st_size and max(reads) == csv_files.STREAM_CHUNK


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("lines", [GOOD, REFUSED, [*GOOD[:4], "", *GOOD[4:]]], ids=["good", "refused", "blank line"])
def test_a_file_on_disk_imports_as_the_same_bytes_uploaded(database, settings, tmp_path, streamed, encoding, lines):
    """Uploaded bytes take the old path (the whole file in memory); the file on disk, the one pass."""
    source = _ledger(tmp_path, lines, encoding)
    data = source.read_bytes()
    uploaded = import_file(database, Path(source.name), settings, data=data, dry_run=True)
    on_disk = import_file(database, source, settings, dry_run=True)
    assert [i.describe() for i in on_disk.issues] == [i.describe() for i in uploaded.issues]
    assert on_disk.ok == uploaded.ok == (lines is not REFUSED)
    assert [t.preview for t in on_disk.tables] == [t.preview for t in uploaded.tables]
    assert on_disk.sha256 == uploaded.sha256 == hashlib.sha256(data).hexdigest()


def test_a_refused_import_or_a_dry_run_leaves_no_archive(database, settings, tmp_path, streamed):
    before = _archive(database)
    refused = import_file(database, _ledger(tmp_path, REFUSED, "utf-8"), settings)
    assert not refused.committed and not refused.ok
    previewed = import_file(database, _ledger(tmp_path, GOOD, "utf-8", "预览.csv"), settings, dry_run=True)
    assert previewed.ok and not previewed.committed
    assert _archive(database) == before


def test_a_full_disk_while_archiving_a_streamed_csv_changes_nothing(
    database, settings, tmp_path, streamed, monkeypatch
):
    version = database.version()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive.tempfile, "mkstemp", full)
    good = import_file(database, _ledger(tmp_path, GOOD, "utf-8"), settings)
    assert [i.code for i in good.issues] == ["write-failed"] and "磁盘空间已满" in good.issues[0].message
    # a file with errors is still checked and its errors listed, as before
    refused = import_file(database, _ledger(tmp_path, REFUSED, "utf-8", "错.csv"), settings)
    assert {"unknown-village", "out-of-range"} <= {i.code for i in refused.issues}
    assert database.version() == version


def _scan(tmp_path: Path, data: bytes, work: str = "work") -> reading.RawSheet | None:
    source = tmp_path / "台账.csv"
    source.write_bytes(data)
    workdir = tmp_path / work
    workdir.mkdir(exist_ok=True)
    return csv_files.stream_bulk_csv(source, source, workdir, [])


@pytest.mark.parametrize("spoiler", [b"\n", b"\r\n", b"\x00"], ids=["LF", "CRLF", "NUL"])
def test_a_blank_line_or_nul_is_found_wherever_the_chunks_split_it(tmp_path, monkeypatch, spoiler):
    monkeypatch.setattr(csv_files, "HEAD_BYTES", 8)  # the encoding decided early: the rest streams in chunks
    lines = [b"a,b,c\n", b"1,2,3\n", b"4,5,6\n", b"7,8,9\n", b"10,11,12\n"]
    clean = b"".join(lines)
    ends = [len(b"".join(lines[: n + 1])) for n in range(len(lines) - 1)]
    for size in range(1, 8):  # every chunk edge falls at every place of the spoiler
        monkeypatch.setattr(csv_files, "STREAM_CHUNK", size)
        assert _scan(tmp_path, clean) is not None
        for offset in ends if spoiler != b"\x00" else range(1, len(clean)):
            data = clean[:offset] + spoiler + clean[offset:]
            assert csv_files.bulk_csv(Path("台账.csv"), data, tmp_path) is None  # as the whole-file check says
            assert _scan(tmp_path, data) is None, (size, offset)


def test_gbk_text_after_an_ascii_head_is_transcoded_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_files, "STREAM_CHUNK", 5)
    monkeypatch.setattr(csv_files, "HEAD_BYTES", 16)
    data = b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n" + "北垞村,竹秀村,岑下村\n".encode("gbk")
    sheet = _scan(tmp_path, data)
    assert sheet is not None and sheet.csv_path is not None
    assert sheet.csv_path.read_text(encoding="utf-8") == data.decode("gb18030")
    assert _scan(tmp_path, data + b"\xff\xff\n", "refused") is None  # not GB18030 either: the Python path
    assert not list((tmp_path / "refused").iterdir())  # and no half-written transcoded file is left
