"""Every error the package raises on purpose has one shape: a kebab-case code and a Chinese message."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import village_stats
from village_stats import cli, errors
from village_stats.errors import KEBAB_CASE, VillageStatsError

ROOT = Path(village_stats.__file__).parent.parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Raises whose message is made elsewhere and passed on; each names where it was made.
PASSED_ON = {
    ("village_stats/sandbox.py", "answer['message']"),  # the child's own SandboxRefused/SandboxError message
    ("village_stats/ui/import_page.py", "refusal"),  # ui.admin_refusal(), a Chinese sentence
}


@functools.cache
def package_modules() -> tuple[str, ...]:
    return tuple(
        sorted(
            info.name
            for info in pkgutil.walk_packages(village_stats.__path__, "village_stats.")
            if not info.name.endswith("__main__")
        )
    )


def error_classes() -> list[type[BaseException]]:
    """Every exception class defined in the package's modules."""
    found: dict[str, type[BaseException]] = {}
    for name in package_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name:
                found[f"{name}.{value.__qualname__}"] = value
    return [found[key] for key in sorted(found)]


ERRORS = [cls for cls in error_classes() if cls is not VillageStatsError]


def test_the_package_defines_its_errors():
    assert len(ERRORS) >= 13


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_is_a_village_stats_error_with_a_kebab_case_code_of_its_own(cls):
    assert issubclass(cls, VillageStatsError)
    assert KEBAB_CASE.fullmatch(cls.code), cls.code
    assert cls.code != VillageStatsError.code


def test_no_two_errors_share_a_code():
    codes = [cls.code for cls in ERRORS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_carries_its_message_and_code(cls):
    error = cls("数据库文件不存在")
    assert error.message == "数据库文件不存在"
    assert str(error) == "数据库文件不存在"
    assert error.code == cls.code


def test_a_code_can_be_given_for_one_raise():
    error = VillageStatsError("没有这个查询", code="unknown-query")
    assert (error.code, error.message) == ("unknown-query", "没有这个查询")


def test_the_kebab_case_rule_refuses_other_spellings():
    assert [KEBAB_CASE.fullmatch(code) is not None for code in ("undo-refused", "Undo", "undo_refused", "-x")] == [
        True,
        False,
        False,
        False,
    ]


# ---- every raise passes a Chinese message ---------------------------------------------------


def is_chinese(node: ast.expr, constants: dict[str, object], scope: ast.AST | None = None) -> bool:
    """Whether an expression certainly reads as Chinese: a literal, an f-string, a module constant,
    or a local name every assignment in `scope` (the enclosing function) gives a Chinese value."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(CHINESE.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(is_chinese(part, constants) for part in node.values)
    if isinstance(node, ast.IfExp):
        return is_chinese(node.body, constants, scope) and is_chinese(node.orelse, constants, scope)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return is_chinese(node.left, constants, scope) or is_chinese(node.right, constants, scope)
    if isinstance(node, ast.Name) and isinstance(constants.get(node.id), str):
        return bool(CHINESE.search(str(constants[node.id])))
    if isinstance(node, ast.Name) and scope is not None:
        values = [
            assign.value
            for assign in ast.walk(scope)
            if isinstance(assign, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == node.id for target in assign.targets)
        ]
        return bool(values) and all(is_chinese(value, constants) for value in values)
    return False


def raises(names: set[str]) -> list[tuple[str, int, ast.Call, dict[str, object], ast.AST | None]]:
    """Every `raise X(...)` and `X(...)` built to be raised, of the package's error classes, in the code."""
    found = []
    files = [*sorted((ROOT / "village_stats").rglob("*.py")), *sorted((ROOT / "views").glob("*.py"))]
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        module_name = relative.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        in_package = module_name in package_modules()
        constants = vars(importlib.import_module(module_name)) if in_package else {}
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = {
            id(inner): function
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef)
            for inner in ast.walk(function)
        }  # the innermost function wins: ast.walk visits outer functions first
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in names:
                found.append((relative, node.lineno, node, constants, scopes.get(id(node))))
    return found


ERROR_NAMES = {cls.__name__ for cls in ERRORS} | {"VillageStatsError"}
RAISES = raises(ERROR_NAMES)


def test_the_scan_sees_the_raises():
    assert len(RAISES) > 80
    assert {ast.unparse(call.func).rsplit(".", 1)[-1] for _, _, call, _, _ in RAISES} >= {
        "AccessError",
        "DatabaseBusy",
        "SandboxError",
        "UnreadableFile",
    }


def test_every_raise_passes_a_chinese_message():
    unchecked = []
    for path, line, call, constants, scope in RAISES:
        message = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "message"), None)
        if message is None:
            unchecked.append((path, line, "<no message>"))
        elif not is_chinese(message, constants, scope) and (path, ast.unparse(message)) not in PASSED_ON:
            unchecked.append((path, line, ast.unparse(message)))
    assert unchecked == []


def test_the_scan_refuses_an_english_message():
    call = ast.parse('raise QueryError(f"no query named {name}")').body[0].exc
    assert isinstance(call, ast.Call)
    assert not is_chinese(call.args[0], {})
    assert is_chinese(ast.parse('"没有" if x else NAME').body[0].value, {"NAME": "未知"})


# ---- the command line handles the one class ------------------------------------------------


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_the_cli_prints_any_error_as_its_chinese_message_and_exits_2(cls, monkeypatch, capsys, tmp_path):
    def refuse(args, settings):
        raise cls("演示：操作被拒绝")

    monkeypatch.setitem(cli.COMMANDS, "demo", refuse)
    assert cli.main(["demo", "--db", str(tmp_path / "demo.duckdb")]) == 2
    assert capsys.readouterr().err == "错误：演示：操作被拒绝\n"


def test_errors_module_depends_on_nothing_in_the_package():
    imported = {
        node.module
        for node in ast.walk(ast.parse(Path(errors.__file__).read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not any(name.startswith("village_stats") for name in imported)


def caught_names(handler: ast.ExceptHandler) -> set[str]:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type] if handler.type else []
    return {ast.unparse(kind).rsplit(".", 1)[-1] for kind in kinds}


def test_the_pages_catch_the_one_class_not_its_kinds():
    """A page shows any refusal the same way (`ui.show_refusal`): it catches VillageStatsError, never a list
    of its subclasses that the next new error would slip past."""
    root = Path(village_stats.__file__).parent.parent
    files = sorted((root / "village_stats" / "ui").glob("*.py")) + sorted((root / "views").glob("*.py"))
    kinds = {cls.__name__ for cls in ERRORS}
    listed, handled = [], 0
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler):
                names = caught_names(node)
                listed += [(path.name, node.lineno, name) for name in names & kinds]
                handled += "VillageStatsError" in names
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "isinstance":
                listed += [(path.name, node.lineno, name) for name in kinds if name in ast.unparse(node.args[1])]
    assert listed == []
    assert handled >= 8  # sign-in, import, undo, 报送 (2), the workbench (3), the first run
