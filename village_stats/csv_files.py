"""CSV files → a RawSheet: small ones parsed in Python, large ones handed to DuckDB as UTF-8.

UTF-8 (with or without BOM) and GB18030/GBK are told apart by strict decoding, never
guessed into mojibake. A large CSV is not parsed here: DuckDB reads it where it lies (or a
UTF-8 copy of it) and only its first rows come back, for finding the header. A file
DuckDB would misnumber (blank lines, NUL bytes) stays on the Python path.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

from village_stats.errors import VillageStatsError
from village_stats.reading import HEADER_SCAN_ROWS, MAX_CSV_LINE_BYTES, RawSheet, UnreadableFile
from village_stats.threads import background

BULK_CSV_BYTES = 2 * 1024 * 1024  # below this Python's csv module is quick enough
HEAD_BYTES = 256 * 1024
_CHUNK = 8 * 1024 * 1024
# a line feed, then a line feed or CR LF: one search instead of two (each nearly as slow as this)
_BLANK_LINE = re.compile(rb"\n\r?\n")

# the control characters the text rule refuses (formatting.CONTROL_CHARACTERS) that are one byte
# in UTF-8 and GB18030 alike, where no byte of a longer character is one of them; tab, line feed
# and carriage return are CSV's own
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_OTHER_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080–U+009F; 0xC2 only ever starts a character
_C1_GB18030 = b"\x81\x30"  # how U+0080–U+009F start; other text may too, so it only says "maybe"


def may_hold_control(data: bytes, encoding: str) -> bool:
    """Whether `data` (UTF-8 or GB18030 bytes) may hold a control character, in half a second
    per 600 MB: the typed table's test of every text cell cost three seconds of CPU. False is
    certain; True may be wrong for GB18030, and then the rule simply runs."""
    if data.translate(None, _OTHER_BYTES):
        return True
    if encoding == "utf-8":
        return b"\xc2" in data and _C1_UTF8.search(data) is not None
    return _C1_GB18030 in data


def _decoded(data: bytes, encoding: str) -> Iterator[str]:
    """`data` decoded strictly, chunk by chunk, so no second copy of a large file is held."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        yield decoder.decode(view[start : start + _CHUNK])
    yield decoder.decode(b"", final=True)


def _valid(data: bytes, encoding: str) -> bool:
    """Whether `data` decodes strictly."""
    try:
        for _ in _decoded(data, encoding):
            pass
    except UnicodeDecodeError:
        return False
    return True


def _chinese_utf8_head(body: bytes) -> bool:
    """The first 256 KB are UTF-8 with Chinese (or other non-ASCII) text in them.

    GBK text is practically never valid UTF-8 over that length, so such a file is
    taken as UTF-8 without decoding all of it here: DuckDB's reader checks every line
    and a line in another encoding is reported with its row number (validation.py).
    An all-ASCII head says nothing, and the whole file is checked.
    """
    head = body[:HEAD_BYTES]
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not head.isascii()


def bulk_csv(path: Path, data: bytes, workdir: Path, on_disk: Path | None = None) -> RawSheet | None:
    """A large CSV as a UTF-8 file for DuckDB, plus its first rows for finding the header.

    DuckDB's reader skips blank lines, which would shift the row numbers errors
    must name, so a file with blank lines returns None and is parsed in Python.
    UTF-8 (DuckDB skips a BOM itself) is read where it is, `on_disk`, or from one
    copy; GB18030/GBK is transcoded chunk by chunk (DuckDB reads UTF-8 only).
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b"\x00" in body or _BLANK_LINE.search(body) or body.startswith((b"\n", b"\r\n")):
        return None
    target = _utf8_target(path, workdir)
    if _chinese_utf8_head(body) or _valid(body, "utf-8"):
        encoding = "utf-8"
        if on_disk is not None:
            target = on_disk
        else:
            target.write_bytes(data)
    elif _transcode(body, "gb18030", target):
        encoding = "gb18030"
    else:
        return None  # the Python path refuses it with the usual message
    return _bulk_sheet(path, target, quoted=b'"' in body, control_free=not may_hold_control(body, encoding))


def _utf8_target(path: Path, workdir: Path) -> Path:
    """Where a CSV in another encoding is written as UTF-8 for DuckDB."""
    return workdir / f"{path.stem[:40]}.utf8.csv"


def _bulk_sheet(
    path: Path, target: Path, quoted: bool, control_free: bool, checking: Future[bool] | None = None
) -> RawSheet:
    """The bulk sheet of the UTF-8 file `target`: its first rows (for finding the header) and where it is."""
    with target.open("r", encoding="utf-8-sig", errors="replace", newline="") as stream:
        head = stream.read(HEAD_BYTES)
    complete = head[: head.rfind("\n") + 1] if len(head) == HEAD_BYTES else head
    rows = [[v.strip() or None for v in row] for row in csv.reader(io.StringIO(complete))]
    return RawSheet(
        path.stem,
        rows[: HEADER_SCAN_ROWS + 1],
        csv_path=target,
        csv_quoted=quoted,
        control_free=control_free,
        checking=checking,
    )


class ReadWhole(VillageStatsError):
    """A streamed CSV whose checks, finished beside DuckDB's read, found that it needs the Python
    reader after all (a blank line or NUL byte past its first 256 KB): the import starts again.
    Caught by the importer; the message is for a log, should one ever see it."""

    code = "read-whole"


def stream_bulk_csv(path: Path, on_disk: Path, workdir: Path, early: bool = False) -> RawSheet | None:
    """`bulk_csv` of the file `on_disk`, reading its bytes once, a chunk at a time, never all at once.

    The checks are `bulk_csv`'s, made chunk by chunk: NUL bytes and blank lines (also across a
    chunk's edge), control characters, the encoding decided on the first HEAD_BYTES, UTF-8
    validated as it streams past, GB18030 transcoded after it into the UTF-8 file DuckDB reads. None
    when the file needs the Python path. A failure to read `on_disk` is an UnreadableFile
    saying so, as when it is read whole. (The importer hashes and archives the file beside
    this, on a thread of its own.)

    `early`: a file whose first 256 KB are UTF-8 with Chinese text, which nothing further on
    can make DuckDB read otherwise, is returned once those are read, and the rest of the checks
    go on on a thread (the sheet's `checking`) while DuckDB reads it: they took 1.8 s of a
    long-text import's 11 s before DuckDB could start. Only whether it has quotes is asked first.
    """
    scan = _StreamScan(_utf8_target(path, workdir))
    with contextlib.ExitStack() as opened:
        source = opened.enter_context(_opened(on_disk))
        while chunk := _read_chunk(source):
            if not scan.feed(chunk):
                return None
            if early and scan.settled:
                quoted = scan.quoted or _has_quote(on_disk)
                checking = background(_rest_of_scan, scan, source, on_disk, opened.pop_all())
                return _bulk_sheet(path, on_disk, quoted, control_free=False, checking=checking)
    if not scan.finish(on_disk):
        return None
    return _bulk_sheet(path, scan.target or on_disk, scan.quoted, control_free=not scan.controls)


def _rest_of_scan(scan: _StreamScan, source: BinaryIO, on_disk: Path, opened: contextlib.ExitStack) -> bool:
    """The checks of the chunks after the head: whether the file may hold a control character, or ReadWhole."""
    with opened:
        fed = all(scan.feed(chunk) for chunk in iter(lambda: _read_chunk(source), b""))
    if not (fed and scan.finish(on_disk)):
        raise ReadWhole(f"{on_disk.name}：文件中有空行或空字符，改为整体读取")
    return scan.controls


def _has_quote(on_disk: Path) -> bool:
    """Whether the file has a double quote anywhere (a memchr per chunk, 0.15 s per 600 MB)."""
    with _opened(on_disk) as source:
        return any(b'"' in chunk for chunk in iter(lambda: source.read(STREAM_CHUNK), b""))


STREAM_CHUNK = 4 * 1024 * 1024  # bytes read at a time from a CSV on disk (tests make it small)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    try:
        source = path.open("rb")
    except OSError as error:
        raise UnreadableFile(f"无法打开文件：{error}") from error
    with source:
        yield source


def _read_chunk(source: BinaryIO) -> bytes:
    try:
        return source.read(STREAM_CHUNK)
    except OSError as error:
        raise UnreadableFile(f"无法打开文件：{error}") from error


class _StreamScan:
    """What `bulk_csv` decides about a whole file, decided while its chunks stream past.

    The first HEAD_BYTES of the body are held until the encoding is decided on them, as
    `_chinese_utf8_head` does: then either nothing more is decoded (UTF-8 with Chinese in
    its head), or UTF-8 is validated incrementally (an ASCII head), or the file is GB18030 (a
    head that is not UTF-8), transcoded after the pass by `_transcode_file`, as is an ASCII
    head followed by GBK text.
    """

    def __init__(self, transcoded: Path) -> None:
        self.transcoded = transcoded
        self.head = b""  # the first bytes, until the encoding is decided
        self.started = False
        self.tail = b""  # the last two bytes of the body so far: a blank line may straddle chunks
        self.quoted = False
        self.controls = False  # it may hold a control character (see `may_hold_control`)
        self.encoding = "utf-8"
        self.bom = False
        self.utf8: codecs.IncrementalDecoder | None = None  # validating UTF-8
        self.utf8_failed = False
        self.target: Path | None = None  # the UTF-8 file DuckDB reads, when it is not the original

    @property
    def settled(self) -> bool:
        """The file is UTF-8 by its Chinese head: the rest of it changes nothing in how DuckDB reads it."""
        return self.started and self.encoding == "utf-8" and self.utf8 is None

    def feed(self, chunk: bytes) -> bool:
        """False once the file is known to need the Python path."""
        if self.started:
            return self._body(chunk)
        self.head += chunk
        if len(self.head) < 3 + HEAD_BYTES:
            return True
        return self._start()

    def finish(self, on_disk: Path) -> bool:
        if not self.started and not self._start():
            return False
        if self.utf8 is not None:
            try:
                self.utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_failed = True
        if self.utf8_failed:  # an ASCII head, then not UTF-8: GB18030 from the start, as `bulk_csv` would
            self.controls = True  # its bytes were looked at as UTF-8: say nothing sure of them
            self.encoding = "gb18030"
        if self.encoding == "utf-8":
            return True
        self.target = self.transcoded
        return _transcode_file(on_disk, 3 if self.bom else 0, self.transcoded)

    def _start(self) -> bool:
        self.started = True
        data, self.head = self.head, b""
        self.bom = data.startswith(b"\xef\xbb\xbf")
        body = data[3:] if self.bom else data
        if body.startswith((b"\n", b"\r\n")):
            return False
        if _chinese_utf8_head(body):
            pass  # DuckDB's reader checks every line and names the row of one in another encoding
        elif body[:HEAD_BYTES].isascii():
            self.utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        else:
            self.encoding = "gb18030"
        return self._body(body)

    def _body(self, chunk: bytes) -> bool:
        joined = self.tail + chunk
        if b"\x00" in chunk or _BLANK_LINE.search(joined):
            return False
        self.tail = joined[-2:]
        self.quoted = self.quoted or b'"' in chunk
        self.controls = self.controls or may_hold_control(joined, self.encoding)
        if self.utf8 is not None and not self.utf8_failed:
            try:
                self.utf8.decode(chunk)
            except UnicodeDecodeError:
                self.utf8_failed = True  # the checks go on: a blank line still sends it to the Python path
        return True


# below this one process transcodes a file: a second one costs a quarter second to start
PARALLEL_TRANSCODE_BYTES = 32 * 1024 * 1024


def _transcode_file(source: Path, start: int, target: Path) -> bool:
    """Bytes `start`… of the GB18030 file `source` written to `target` as UTF-8, strictly; False
    (and no `target`) if they do not decode.

    Decoding holds the GIL and took six seconds for a 450 MB file before DuckDB could start, so
    a large file is cut at a line feed near its middle (a line feed is never part of a GB18030
    character) and its second half is transcoded by a child process at the same time.
    """
    size = source.stat().st_size
    middle = _line_start_near(source, start + (size - start) // 2) if size - start >= PARALLEL_TRANSCODE_BYTES else size
    part = target.with_name(target.name + ".part")
    child = None
    if middle < size:
        command = [sys.executable, "-m", "village_stats.csv_files", str(source), str(middle), str(size), str(part)]
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = False
    try:
        done = _transcode_range(source, start, middle, target)
        if child is not None:
            if not done:
                child.kill()
            done = child.wait() == 0 and done
            if done:
                _append(part, target)
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        part.unlink(missing_ok=True)
        if not done:
            target.unlink(missing_ok=True)
    return done


def _line_start_near(source: Path, position: int) -> int:
    """The start of the first line after `position` (the file's size if none starts there)."""
    with _opened(source) as stream:
        stream.seek(position)
        while chunk := stream.read(1 << 20):
            found = chunk.find(b"\n")
            if found >= 0:
                return position + found + 1
            position += len(chunk)
    return position


def _transcode_range(source: Path, start: int, end: int, target: Path) -> bool:
    """Bytes `start` to `end` of the GB18030 file `source` written to `target` as UTF-8; False if they do not decode."""
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    try:
        with _opened(source) as stream, target.open("wb") as out:
            stream.seek(start)
            left = end - start
            while left > 0 and (chunk := stream.read(min(STREAM_CHUNK, left))):
                left -= len(chunk)
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        return False
    return True


def _append(part: Path, target: Path) -> None:
    """`part` added to the end of `target`, by the kernel where it can copy between files."""
    with part.open("rb") as source, target.open("r+b") as out:
        out.seek(0, os.SEEK_END)
        left = os.fstat(source.fileno()).st_size
        try:
            while left > 0 and (copied := os.copy_file_range(source.fileno(), out.fileno(), left)):
                left -= copied
        except (AttributeError, OSError):
            if source.tell() or left != os.fstat(source.fileno()).st_size:
                raise  # it failed part way, not for want of the call
        shutil.copyfileobj(source, out, STREAM_CHUNK)  # whatever the kernel did not copy


def _transcode(body: bytes, encoding: str, target: Path) -> bool:
    """Write `body` decoded strictly from `encoding` to `target` as UTF-8; False if it does not decode."""
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            for text in _decoded(body, encoding):
                out.write(text)
    except UnicodeDecodeError:
        target.unlink(missing_ok=True)
        return False
    return True


def decode_text(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030/GBK, decided by strict decoding; never mojibake.

    GB18030 accepts almost any byte sequence, so text with NUL bytes (UTF-16,
    binary files) is refused before it is tried.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if b"\x00" in data:
        raise UnreadableFile(
            f"{name}：文件不是 UTF-8 或 GBK 编码的文本（可能是 UTF-16 或二进制文件），"
            "请在 Excel 中另存为“CSV UTF-8”或 xlsx"
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{name}：无法识别文件编码（仅支持 UTF-8 与 GBK/GB18030），请在 Excel 中另存为 CSV 或 xlsx")


def read_csv(path: Path, data: bytes) -> list[list[str | None]]:
    text = decode_text(path.name, data)
    # Python's csv module stops at 128 KiB cells; allow what DuckDB's reader allows on the bulk path
    if csv.field_size_limit() < MAX_CSV_LINE_BYTES:
        csv.field_size_limit(MAX_CSV_LINE_BYTES)
    try:
        # csv yields str only: strip, and an empty cell is None, as cell_text would say
        return [[v.strip() or None for v in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise UnreadableFile(f"{path.name}：CSV 文件格式有误，无法读取（{error}）") from error


if __name__ == "__main__":  # the second half of a large GB18030 file (see `_transcode_file`)
    SOURCE, START, END, TARGET = sys.argv[1:5]
    sys.exit(0 if _transcode_range(Path(SOURCE), int(START), int(END), Path(TARGET)) else 3)
