"""The demo generators: they rewrite the bundled ledgers exactly, and their modules form no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from village_stats import demo
from village_stats.importing import DEMO_DIR

PACKAGE = Path(demo.__file__).parent


def test_the_generators_rewrite_the_bundled_ledgers_byte_for_byte(tmp_path):
    written = demo.write_demo_ledgers(tmp_path)
    bundled = sorted(DEMO_DIR.glob("*.xlsx"))
    assert sorted(path.name for path in written) == [path.name for path in bundled]
    for path in bundled:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def imports_within_the_package(module: Path) -> set[str]:
    """The sibling modules `module` imports, at any depth of the file (function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("village_stats.demo"):
            names.add(node.module.removeprefix("village_stats.demo").lstrip(".") or "__init__")
        elif isinstance(node, ast.ImportFrom) and node.module is None and node.level:
            names.update(alias.name for alias in node.names)
    return names


def test_the_demo_modules_import_each_other_without_a_cycle():
    graph = {path.stem: imports_within_the_package(path) for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert all("__init__" not in imported for imported in graph.values()), graph

    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            name == target or (name not in seen and reaches(name, target, seen | {name})) for name in graph[start]
        )

    assert [name for name in graph if reaches(name, name)] == []
