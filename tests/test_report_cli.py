"""`python -m village_stats report` end to end: one command, one file that opens in its own library."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from pptx import Presentation

REPO = Path(__file__).resolve().parent.parent


def cli(*args: object, db: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "village_stats", "report", *map(str, args), "--db", str(db)]
    env = {**os.environ, "VILLAGE_STATS_DB": str(db.parent / "not-this-one.duckdb"), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.fixture(scope="module")
def runs(demo_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Every scenario at once (each is a Python start-up); read-only, so they share the demo file."""
    out = tmp_path_factory.mktemp("report")
    scenarios = {
        "pptx": ("--year", 2024, "--format", "pptx", "-o", out / "汇报.pptx"),
        "docx": ("--year", 2023, "--format", "docx", "-o", out / "汇报.docx"),
        "xlsx": ("--format", "xlsx", "-o", out / "汇报.xlsx"),
        "other_town": ("--format", "pptx", "-o", out / "别的镇.pptx", "--town", "别的镇"),
        "bad_folder": ("--format", "docx", "-o", out / "没有这个目录" / "汇报.docx"),
    }
    with ThreadPoolExecutor(max_workers=len(scenarios)) as pool:
        futures = {name: pool.submit(cli, *args, db=demo_db_path) for name, args in scenarios.items()}
        return {
            name: (future.result(), scenarios[name][scenarios[name].index("-o") + 1])
            for name, future in futures.items()
        }


def test_pptx_for_a_year(runs):
    result, path = runs["pptx"]
    assert result.returncode == 0, result.stderr
    assert "2024年" in result.stdout
    deck = Presentation(io.BytesIO(path.read_bytes()))
    assert len(deck.slides) >= 13
    # 13 chart slides (the ranking's 23 villages as two native charts on one of them)
    assert sum(1 for slide in deck.slides if any(shape.has_chart for shape in slide.shapes)) == 13


def test_docx_for_a_year(runs):
    result, path = runs["docx"]
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "2023年全镇21个村村财收入超过20万元，占比91.3%" in text


def test_xlsx_defaults_to_the_latest_year(runs):
    result, path = runs["xlsx"]
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    assert book.sheetnames[:2] == ["目录", "核心指标"]
    assert "2024年" in [c.value for c in next(book["核心指标"].iter_rows(max_row=1))]


def test_a_town_without_data_writes_nothing(runs):
    result, path = runs["other_town"]
    assert result.returncode == 1
    assert "暂无可汇报的台账数据" in result.stderr
    assert not path.exists()


def test_an_unwritable_path_is_an_error_not_a_traceback(runs):
    result, _ = runs["bad_folder"]
    assert result.returncode == 2
    assert "无法写入" in result.stderr and "Traceback" not in result.stderr
