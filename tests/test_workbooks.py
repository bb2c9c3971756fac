"""Hostile workbooks: parsed in a child process, refused before parsing when they must be."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from village_stats.importing import import_file
from village_stats.reading import UnreadableFile
from village_stats.sheets import read_sheets
from village_stats.workbooks import choose_engine, read_workbook


def workbook(build) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    build(book)
    book.close()
    return buffer.getvalue()


def registry_sheet(book, name="名录", hidden=False):
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, ["村(社区)名称", "类型", "片区"])
    sheet.write_row(1, 0, ["北垞村", "村", "北片"])
    if hidden:
        sheet.hide()
    return sheet


def test_a_sheet_claiming_the_whole_grid_is_streamed_not_allocated():
    # 5 KB on disk; calamine would try to allocate 1048576 × 16384 cells and abort the process
    data = workbook(lambda book: registry_sheet(book).write(1048575, 16383, "x"))
    assert len(data) < 10_000
    assert choose_engine("claims.xlsx", data) == "openpyxl"
    sheets = read_workbook("claims.xlsx", data)
    assert sheets[0].rows[1] == ["北垞村", "村", "北片"]


def test_a_zip_bomb_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (200 * 1024 * 1024))
    with pytest.raises(UnreadableFile, match="压缩炸弹"):
        read_workbook("bomb.xlsx", buffer.getvalue())


def test_an_encrypted_workbook_gets_its_own_message():
    # password-protected xlsx files are OLE compound files, not zips
    with pytest.raises(UnreadableFile, match="打开密码"):
        read_workbook("加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))


@pytest.mark.parametrize(
    ("name", "data"),
    [("truncated.xlsx", b"PK\x03\x04\x14\x00"), ("random.xlsx", bytes(range(256)) * 8), ("fake.xls", b"hello")],
)
def test_damaged_files_are_one_chinese_error(name, data):
    with pytest.raises(UnreadableFile) as raised:
        read_sheets(Path(name), data)
    assert name in str(raised.value)


def test_a_child_crash_is_a_file_level_error(monkeypatch):
    # a valid zip whose workbook part is garbage: the parser fails inside the child, not here
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<<not xml")
    with pytest.raises(UnreadableFile, match="无法读取"):
        read_workbook("broken.xlsx", buffer.getvalue())


def test_hidden_sheets_are_skipped_with_a_note(demo_copy, settings):
    def build(book):
        registry_sheet(book, "名录")
        hidden = registry_sheet(book, "草稿", hidden=True)
        hidden.write_row(2, 0, ["不存在村", "村", "北片"])

    data = workbook(build)
    outcome = import_file(demo_copy, Path("名录.xlsx"), settings, data=data, dry_run=True)
    assert outcome.ok
    assert [t.sheet for t in outcome.tables] == ["名录"]
    assert any("隐藏" in note and "草稿" in note for note in outcome.notes)
