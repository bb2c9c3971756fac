"""Every ledger in datasets.py has every place docs/adding-a-ledger.md lists, or says why not.

A new dataset fails here until it has a table, a template that imports its own example row,
demo rows, a page (or `page=Without(...)`) and a report section (or `report_section=Without(...)`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from village_stats import narrative, reports
from village_stats.datasets import DATASETS, IMPORT_ORDER, Dataset, Without
from village_stats.importing import import_file
from village_stats.settings import REPO_ROOT
from village_stats.templates import template_bytes

SCHEMA = (REPO_ROOT / "village_stats" / "schema.sql").read_text(encoding="utf-8")
SCALE = (REPO_ROOT / "village_stats" / "scale.sql").read_text(encoding="utf-8")
DASHBOARD = (REPO_ROOT / "dashboard.py").read_text(encoding="utf-8")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

LEDGERS = pytest.mark.parametrize("dataset", list(DATASETS.values()), ids=list(DATASETS))


def registered_pages() -> set[str]:
    """The page files dashboard.py puts into the navigation."""
    return set(re.findall(r'st\.Page\("(views/[a-z_]+\.py)"', DASHBOARD))


def is_declared_none(value: object) -> bool:
    return isinstance(value, Without) and bool(CHINESE.search(value.why))


def test_the_checklist_knows_every_ledger():
    assert list(DATASETS) == list(IMPORT_ORDER)  # a ledger not in the import order is never imported
    assert len(DATASETS) >= 10


@LEDGERS
def test_a_ledger_has_a_table_in_the_schema(dataset: Dataset):
    assert re.search(rf"^create table {dataset.table} \(", SCHEMA, re.M), dataset.table


@LEDGERS
def test_a_ledgers_table_holds_every_column_of_the_data_model(dataset: Dataset, demo_db):
    with demo_db.read() as cur:
        stored = {row[0] for row in cur.execute(f"describe {dataset.table}").fetchall()}
    assert {column.name for column in dataset.columns} <= stored


@LEDGERS
def test_a_ledger_has_demo_rows_imported_by_the_real_importer(dataset: Dataset, demo_db):
    with demo_db.read() as cur:
        (rows,) = cur.execute(f"select count(*) from {dataset.table}").fetchone()
        (imports,) = cur.execute("select count(*) from imports where dataset = $d", {"d": dataset.name}).fetchone()
    assert rows > 0 and imports > 0


@LEDGERS
def test_a_ledger_is_generated_at_scale(dataset: Dataset):
    assert re.search(rf"^insert into {dataset.table}\b", SCALE, re.M), dataset.table


@LEDGERS
def test_a_ledgers_template_imports_its_own_example_row(dataset: Dataset, demo_copy, settings, tmp_path):
    path = tmp_path / f"{dataset.title}.xlsx"
    path.write_bytes(template_bytes(dataset, settings))
    outcome = import_file(demo_copy, path, settings, dry_run=True)
    assert outcome.ok, [issue.describe() for issue in outcome.issues]
    (table,) = outcome.tables
    assert table.dataset is dataset and table.inserted + table.updated + table.unchanged == 1


@LEDGERS
def test_a_ledger_has_a_registered_page_or_says_why_not(dataset: Dataset):
    if isinstance(dataset.page, str):
        assert (REPO_ROOT / dataset.page).is_file(), dataset.page
        assert dataset.page in registered_pages(), f"{dataset.page} is not in dashboard.py's navigation"
    else:
        assert is_declared_none(dataset.page), f"{dataset.name}: page=… or page=Without('为什么没有')"


@LEDGERS
def test_a_ledger_has_a_report_section_or_says_why_not(dataset: Dataset):
    if isinstance(dataset.report_section, str):
        assert dataset.report_section in reports.SECTION_TITLES
        assert dataset.report_section in narrative.DOMAINS  # its sentence in the report's words
    else:
        assert is_declared_none(dataset.report_section), (
            f"{dataset.name}: report_section=… or report_section=Without('为什么没有')"
        )


def test_no_two_ledgers_share_a_page_or_a_section():
    pages = [d.page for d in DATASETS.values() if isinstance(d.page, str)]
    sections = [d.report_section for d in DATASETS.values() if isinstance(d.report_section, str)]
    assert len(pages) == len(set(pages)) and len(sections) == len(set(sections))


def test_every_report_section_belongs_to_a_ledger():
    declared = {d.report_section for d in DATASETS.values()}
    assert set(reports.SECTION_TITLES) <= declared


def test_an_undeclared_page_fails_the_checklist():
    assert not is_declared_none(None)
    assert not is_declared_none(Without(""))
    assert is_declared_none(Without("名录不单独成页"))


def test_the_checklist_document_names_every_check():
    text = (Path(REPO_ROOT) / "docs" / "adding-a-ledger.md").read_text(encoding="utf-8")
    for place in ("datasets.py", "schema.sql", "migrations/", "YEAR_OF", "templates.py", "demo/", "scale.sql"):
        assert place in text, place
