"""A large CSV on disk is read once, a chunk at a time: hashed, archived and checked in the same pass.

The chunk size (and, where a test needs the encoding decided early, the head) are made small,
so these files of a few hundred bytes cross many chunk edges.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
from dataclasses import replace
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
    return csv_files.stream_bulk_csv(source, source, workdir)


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


CONTROLS = {  # a control character the text rule refuses, as each encoding writes it
    "ESC": "\x1b",
    "vertical tab": "\x0b",
    "DEL": "\x7f",
    "NEL (C1)": "\x85",
}


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_a_control_character_is_seen_wherever_the_chunks_split_it(tmp_path, monkeypatch, encoding, control):
    monkeypatch.setattr(csv_files, "HEAD_BYTES", 8)
    text = "".join(f"{n},北垞村,{n},1\n" for n in range(1, 6))
    clean = text.encode(encoding)
    spoiled = text.replace("3,北垞村", f"3,北{control}垞村").encode(encoding)
    for size in range(1, 9):  # the character's bytes cut at every place
        monkeypatch.setattr(csv_files, "STREAM_CHUNK", size)
        sheet = _scan(tmp_path, clean, f"clean{size}")
        assert sheet is not None and sheet.control_free, size
        sheet = _scan(tmp_path, spoiled, f"spoiled{size}")
        assert sheet is not None and not sheet.control_free, size
    # the same answer from the whole file in memory (uploaded bytes)
    assert csv_files.bulk_csv(Path("台账.csv"), clean, tmp_path).control_free
    assert not csv_files.bulk_csv(Path("台账.csv"), spoiled, tmp_path).control_free


def test_tabs_line_ends_and_chinese_text_are_not_control_characters():
    text = '序号,诉求内容\r\n1,"两行\r\n内容"\t·×°©—…\u3000\r\n'.encode()
    assert not csv_files.may_hold_control(text, "utf-8")
    assert not csv_files.may_hold_control("路灯损坏，夜间出行不便·×°".encode("gb18030"), "gb18030")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_control_character_in_a_streamed_csv_is_still_refused_by_row(
    database, settings, tmp_path, streamed, encoding
):
    """A clean file skips the control-character test (the reader saw none); a file with one still gets it."""
    lines = [*GOOD[:3], "1,北垞村,101,10", "2,竹秀村,50,5"]
    clean = import_file(database, _ledger(tmp_path, lines, encoding), settings, dry_run=True)
    assert clean.ok, [i.describe() for i in clean.issues]
    lines[4] = "2,竹秀\x1b村,50,5"
    spoiled = import_file(database, _ledger(tmp_path, lines, encoding, "控制符.csv"), settings, dry_run=True)
    found = [(i.row, i.code, i.value) for i in spoiled.issues if i.code == "control-character"]
    assert found == [(5, "control-character", "竹秀\\x1b村")]


def test_the_control_character_rule_is_left_out_only_for_a_file_seen_to_have_none(tmp_path, settings):
    from village_stats.table_rules import cell_rules

    source = _ledger(tmp_path, GOOD, "utf-8")
    sheet = csv_files.stream_bulk_csv(source, source, tmp_path)
    assert sheet is not None and sheet.control_free
    codes = {}
    for free in (True, False):
        located = reading.locate_table(replace(sheet, control_free=free), source.name)
        codes[free] = [rule.code for rule in cell_rules(located, settings)]
    assert "control-character" not in codes[True]
    assert codes[False].count("control-character") == 1  # the village name, the sheet's one text column
    assert [c for c in codes[False] if c != "control-character"] == codes[True]


def test_a_large_gb18030_file_is_transcoded_in_two_halves_as_one(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_files, "PARALLEL_TRANSCODE_BYTES", 64)  # a child process takes the second half
    children = []
    popen = csv_files.subprocess.Popen

    def started(command, **kwargs):
        children.append(command)
        return popen(command, **kwargs)

    monkeypatch.setattr(csv_files.subprocess, "Popen", started)
    text = "".join(f"{n},北垞村{'，经网格员入户核实' * (n % 4)},{n}\r\n" for n in range(1, 200))
    data = text.encode("gb18030")
    sheet = _scan(tmp_path, data)
    assert sheet is not None and sheet.csv_path is not None
    assert sheet.csv_path.read_bytes() == text.encode("utf-8")
    assert len(children) == 1
    middle = len(data) // 2
    for where in (10, middle + 10):  # a byte that is not GB18030 in either half: no half-written file is left
        spoiled = data[:where] + b"\xff\xff" + data[where:]
        workdir = tmp_path / f"spoiled{where}"
        assert _scan(tmp_path, spoiled, workdir.name) is None
        assert not list(workdir.iterdir())


def test_a_gb18030_file_without_a_line_feed_after_its_middle_is_transcoded_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_files, "PARALLEL_TRANSCODE_BYTES", 16)
    source, target = tmp_path / "one.csv", tmp_path / "one.utf8.csv"
    source.write_bytes(("1,2\n" + "北垞村" * 40).encode("gb18030"))
    assert csv_files._transcode_file(source, 0, target)
    assert target.read_text(encoding="utf-8") == "1,2\n" + "北垞村" * 40


@pytest.fixture
def early(streamed, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The head that settles a file as UTF-8 is 200 bytes, so these ledgers' later rows are checked beside
    DuckDB's read; the names of the files whose checks went on that way."""
    monkeypatch.setattr(csv_files, "HEAD_BYTES", 200)
    beside: list[str] = []
    rest_of_scan = csv_files._rest_of_scan

    def recorded(scan, source, on_disk, opened):
        beside.append(on_disk.name)
        return rest_of_scan(scan, source, on_disk, opened)

    monkeypatch.setattr(csv_files, "_rest_of_scan", recorded)
    return beside


@pytest.fixture
def read_whole(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files read whole into memory (`Path.read_bytes`): the Python way."""
    names: list[str] = []
    read_bytes = Path.read_bytes

    def recorded(self: Path) -> bytes:
        names.append(self.name)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", recorded)
    return names


TICKET_HEADER = "工单编号,村(社区)名称,网格,类型,诉求类别,诉求内容,点单时间,领单时间,派单时间,晒单时间,评单,承办党员"


def _ticket(number: int, village: str = "北垞村", content: str = "路灯损坏") -> str:
    times = "2024-03-01 08:30,2024-03-01 09:30,2024-03-01 10:30,2024-03-02 10:00"
    return f"WD{number:04d},{village},第1网格,服务代办,民生保障,{content},{times},满意,王芳"


def _long_ledger(*late: str) -> list[str]:
    """Eighty tickets (past the 200-byte head), then `late` lines."""
    return [TICKET_HEADER, *(_ticket(n) for n in range(1, 81)), *late]


def test_a_clean_file_is_checked_beside_the_read_and_imports(database, settings, tmp_path, early):
    source = _ledger(tmp_path, _long_ledger(_ticket(90, "竹秀村")), "utf-8", "工单2024.csv")
    outcome = import_file(database, source, settings)
    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert early == ["工单2024.csv"]
    assert outcome.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "late",
    [[_ticket(90, content="路灯\x1b损坏")], [_ticket(90, "北坨村")], [_ticket(80)]],
    ids=["control character", "unknown village", "repeated number"],
)
def test_what_the_checks_beside_the_read_find_is_what_the_whole_file_gives(database, settings, tmp_path, early, late):
    """A control character past the head reaches the rule; an ordinary error is found as before; each
    as the same bytes uploaded, and nothing is archived."""
    source = _ledger(tmp_path, _long_ledger(*late), "utf-8", "工单2024.csv")
    before = _archive(database)
    on_disk = import_file(database, source, settings)
    assert early == [source.name]
    assert _archive(database) == before  # refused: no archive, no .partial
    uploaded = import_file(database, Path(source.name), settings, data=source.read_bytes(), dry_run=True)
    assert [i.describe() for i in on_disk.issues] == [i.describe() for i in uploaded.issues]
    assert not on_disk.committed and on_disk.issues


def test_a_blank_line_past_the_head_imports_the_python_way(database, settings, tmp_path, early, read_whole):
    source = _ledger(tmp_path, _long_ledger("", _ticket(90)), "utf-8", "工单2024.csv")
    outcome = import_file(database, source, settings)
    assert early == [source.name]
    assert source.name in read_whole  # started again, reading the file whole (DuckDB would skip the blank line)
    assert outcome.committed, [i.describe() for i in outcome.issues]
    assert [t.inserted + t.updated + t.unchanged for t in outcome.tables] == [81]
    sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
    assert outcome.sha256 == sha256 and f"{sha256}.csv" in _archive(database)
    assert not [name for name in _archive(database) if name.endswith(".partial")]


def test_a_sheet_refused_before_its_rows_are_read_still_waits_for_the_checks(
    database, settings, tmp_path, early, read_whole
):
    """Two columns for one field refuse the sheet before DuckDB reads it; a blank line past the head
    still sends the file the Python way, and the refusal is the one the uploaded bytes get."""
    lines = [TICKET_HEADER + ",工单编号", *(f"{_ticket(n)},WD{n:04d}" for n in range(1, 81)), "", _ticket(90) + ",X"]
    source = _ledger(tmp_path, lines, "utf-8", "工单2024.csv")
    on_disk = import_file(database, source, settings)
    assert early == [source.name] and source.name in read_whole
    assert [i.code for i in on_disk.issues] == ["duplicate-column"]
    uploaded = import_file(database, Path(source.name), settings, data=source.read_bytes(), dry_run=True)
    assert [i.describe() for i in on_disk.issues] == [i.describe() for i in uploaded.issues]
