"""Text is text: control characters are refused at import, names already stored cannot break a
report or a terminal, and every message escapes the Markdown a name may carry."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from village_stats import formatting, queries, reports
from village_stats.db import Database
from village_stats.importing import import_file

REPO = Path(__file__).resolve().parents[1]
ESC = "\x1b"


@pytest.fixture
def database(demo_db_path: Path, tmp_path: Path) -> Database:
    path = tmp_path / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    return Database(path)


@pytest.mark.parametrize("character", ["\x1b", "\x08", "\x07", "\x7f", "\x9b"], ids=["ESC", "BS", "BEL", "DEL", "CSI"])
def test_a_control_character_is_refused_with_its_row_and_column(database, settings, character):
    before = database.version()
    text = f"村(社区)名称,类型,片区\n新{character}村,村,北片\n"
    outcome = import_file(database, Path("名录.csv"), settings, data=text.encode("utf-8"))
    assert not outcome.committed
    found = [i for i in outcome.issues if i.code == "control-character"]
    assert [(i.row, i.column) for i in found] == [(2, "村(社区)名称")]
    assert found[0].value == formatting.printable(f"新{character}村") and character not in found[0].value
    assert "控制字符" in found[0].message
    assert database.version() == before  # nothing written


def test_line_breaks_and_tabs_in_a_cell_still_import(database, settings):
    rows = "工单编号,村(社区)名称,类型,诉求内容,点单时间\n"
    rows += 'LB-1,北垞村,群众建议,"第一行\n第二行\t完",2024-03-01 08:00\n'
    outcome = import_file(database, Path("工单.csv"), settings, data=rows.encode("utf-8"))
    assert outcome.committed, [i.describe() for i in outcome.issues]


@pytest.mark.parametrize(
    "text",
    [":red[红色村]", "&lt;b&gt;村", "[点我](http://x.example)", ":material/home:", "**粗**", "<b>x</b>", "$x$", "a\\b"],
)
def test_markdown_text_escapes_every_ascii_punctuation_mark(text):
    escaped = formatting.markdown_text(text)
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # reading the escapes gives the text back
    for index, char in enumerate(escaped):  # every punctuation mark is preceded by a backslash
        if char.isascii() and not char.isalnum() and not char.isspace() and char != "\\":
            assert escaped[index - 1] == "\\", (text, escaped)


# ---- names stored before the import refused them --------------------------------------------------


@pytest.fixture(scope="module")
def stained(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with 北垞村 renamed to carry an ESC sequence, as an older version let it in."""
    path = tmp_path_factory.mktemp("stained") / "village.duckdb"
    shutil.copy2(demo_db_path, path)
    con = duckdb.connect(str(path))
    for table, column in (("villages", "name"), ("village_income", "village"), ("star_ratings", "village")):
        con.execute(f"update {table} set {column} = '北{ESC}[31m垞村' where {column} = '北垞村'")
    con.close()
    return path


def test_pptx_and_docx_do_not_fail_on_a_stored_control_character(stained, settings):
    import docx
    import pptx

    scope = queries.Scope(town=settings.town)
    today = date(2025, 1, 15)
    requests = reports.report_requests(2023, settings, scope, today, tables=True)
    with Database(stained).read() as cur:
        results = {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
    report = reports.build(2023, results, settings, scope, today)
    words = "\n".join(p.text for p in docx.Document(io.BytesIO(reports.to_docx_bytes(report))).paragraphs)
    deck = pptx.Presentation(io.BytesIO(reports.to_pptx_bytes(report)))
    assert "北\\x1b[31m垞" in words and ESC not in words
    assert len(deck.slides) > 3


def test_summary_prints_no_raw_control_character(stained):
    done = subprocess.run(
        [sys.executable, "-m", "village_stats", "summary", "--year", "2023", "--db", str(stained)],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert ESC not in done.stdout + done.stderr and "北\\x1b[31m垞" in done.stdout
