"""The ui package: rooms of a readable size, every ui.X the code calls still there, streamlit kept in it.

Pages and modules call `ui.X` whichever module of the package X lives in; a name dropped from
ui/__init__.py would fail only on the page that calls it, at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from village_stats import ui

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "village_stats" / "ui"
MAX_LINES = 700
DOMAIN_PAGES = ("income", "projects", "stars", "tickets", "problems", "points", "studios", "sages", "cadres")
# the plotly.js component draws the charts (see plotly_view's docstring): the one streamlit module outside ui
STREAMLIT_OUTSIDE_UI = {"plotly_view.py"}


def callers() -> list[Path]:
    """Every file that may call ui.X: the entry, the pages, the package's other modules, the tests."""
    files = [REPO / "dashboard.py", *(REPO / "views").glob("*.py"), *(REPO / "village_stats").rglob("*.py")]
    files += [path for path in (REPO / "tests").rglob("*.py") if path.name != Path(__file__).name]
    return [path for path in files if PACKAGE not in path.parents]


def ui_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ui"
    }


def test_every_ui_name_the_code_calls_is_exported_by_the_package():
    called = {(path.relative_to(REPO).as_posix(), name) for path in callers() for name in ui_names(path)}
    assert len(called) > 100  # the pages call ui for nearly everything: an empty scan would prove nothing
    assert sorted((where, name) for where, name in called if not hasattr(ui, name)) == []


@pytest.mark.parametrize("module", sorted(PACKAGE.glob("*.py")), ids=lambda path: path.name)
def test_no_ui_module_is_too_long_to_read_in_one_sitting(module):
    assert len(module.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def imports_streamlit(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "streamlit" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            return True
    return False


def test_only_the_ui_package_and_the_pages_import_streamlit():
    outside = {
        path.relative_to(REPO / "village_stats").as_posix()
        for path in (REPO / "village_stats").rglob("*.py")
        if PACKAGE not in path.parents and imports_streamlit(path)
    }
    assert outside == STREAMLIT_OUTSIDE_UI


@pytest.mark.parametrize("page", DOMAIN_PAGES)
def test_a_domain_page_opens_with_domain_page(page):
    """The header, filters, headline query and empty state are one call, so the page lists what it shows."""
    called = ui_names(REPO / "views" / f"{page}.py")
    assert "domain_page" in called
    assert not called & {"page_header", "empty_state", "filters"}
