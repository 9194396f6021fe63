"""The interfaces talk only to services, and the API and the pages share only the HTTP layer.

Walks every module of ``tacepath.cli``, ``tacepath.api``, ``tacepath.web`` and ``tacepath.http``
with :mod:`ast` (imports inside functions count; those under ``if TYPE_CHECKING:`` do not) and
fails on:

* an import of ``tacepath.store`` or ``sqlalchemy`` in an interface (the database is the
  services' business: ``tacepath.service``);
* an import of ``tacepath.api`` from ``web``, of ``tacepath.web`` from ``api``;
* an import of ``api``, ``web`` or ``tacepath.app`` from the shared ``tacepath.http``.

The application that mounts both interfaces is ``tacepath.app``. The import-linter contract
in CI keeps the layers in order; this test names each offending line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import tacepath

PACKAGE = Path(tacepath.__file__).resolve().parent

#: Per package: the imported modules it must not reach (a name and everything under it).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "cli": ("tacepath.store", "sqlalchemy"),
    "api": ("tacepath.store", "sqlalchemy", "tacepath.web", "tacepath.app"),
    "web": ("tacepath.store", "sqlalchemy", "tacepath.api", "tacepath.app"),
    "http": ("tacepath.store", "sqlalchemy", "tacepath.api", "tacepath.web", "tacepath.app"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The absolute names an ``ImportFrom`` reaches (the module and each imported name)."""
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    return [target, *(f"{target}.{alias.name}" for alias in node.names)]


def _walk(nodes: list[ast.stmt] | list[ast.AST]) -> Iterator[ast.AST]:
    """Every node, except the bodies of ``if TYPE_CHECKING:``."""
    for node in nodes:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(list(node.orelse))
            continue
        yield node
        yield from _walk(list(ast.iter_child_nodes(node)))


def imported(source: str, module: str, *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module name) of every import in ``source`` outside ``TYPE_CHECKING``, including
    ``importlib.import_module("...")`` and ``__import__("...")`` with a literal name."""
    for node in _walk(list(ast.parse(source).body)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            for name in _resolve(module, is_package, node):
                yield node.lineno, name
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if called in ("import_module", "__import__") and isinstance(first, ast.Constant):
                yield node.lineno, str(first.value)


def _reaches(name: str, forbidden: str) -> bool:
    return name == forbidden or name.startswith(forbidden + ".")


def violations(package: str) -> list[str]:
    out = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        module = _module_name(path)
        source = path.read_text(encoding="utf-8")
        seen: set[tuple[int, str]] = set()
        for line, name in imported(source, module, is_package=path.name == "__init__.py"):
            for forbidden in FORBIDDEN[package]:
                if _reaches(name, forbidden) and (line, forbidden) not in seen:
                    seen.add((line, forbidden))
                    rel = path.relative_to(PACKAGE.parent)
                    out.append(f"{rel}:{line} imports {name} (no {forbidden} in {package})")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_interface_imports_only_what_its_layer_allows(package: str) -> None:
    assert (PACKAGE / package).is_dir()
    assert violations(package) == []


def test_only_the_application_module_imports_both_api_and_web() -> None:
    both = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        names = {n for _, n in imported(path.read_text(encoding="utf-8"), module)}
        if any(_reaches(n, "tacepath.api") for n in names) and any(
            _reaches(n, "tacepath.web") for n in names
        ):
            both.append(module)
    assert both == ["tacepath.app"]


def test_the_check_sees_what_it_must_refuse() -> None:
    source = """
from typing import TYPE_CHECKING
import sqlalchemy.orm
from tacepath.store.models import ROLES
from tacepath import store
from ...api.deps import Require
import importlib
importlib.import_module("tacepath.web.render")

def later():
    from sqlalchemy import select

if TYPE_CHECKING:
    from tacepath.store.models import User
"""
    found = {name for _, name in imported(source, "tacepath.web.routes.x")}
    assert "sqlalchemy.orm" in found
    assert "tacepath.store.models" in found
    assert "tacepath.store" in found
    assert "tacepath.api.deps" in found  # three dots from tacepath.web.routes.x
    assert "tacepath.web.render" in found
    assert "sqlalchemy" in found
    assert "tacepath.store.models.User" not in found
    lines = {line for line, name in imported(source, "m") if name.startswith("sqlalchemy")}
    assert lines == {3, 11}
