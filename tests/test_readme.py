"""The README's two commands stay true: CI runs the README's test command."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```bash", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.strip().splitlines()]


def test_readme_opens_with_two_commands() -> None:
    main, tests = _commands()
    assert main.endswith(("tacepath demo", "tacepath serve --demo"))
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _commands()[1] in ci.splitlines()


def test_ci_starts_the_server_with_the_readme_first_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    first = _commands()[0]
    assert any(line.startswith(f"{first} ") for line in ci.splitlines())


def _name(requirement: str) -> str:
    """The normalised project name of a requirement string (PEP 503)."""
    name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_lock_pins_every_dependency_of_all_and_dev() -> None:
    """requirements-lock.txt is refreshed whenever pyproject.toml's dependencies change."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    todo, seen = ["all", "dev"], set()
    required = list(project["dependencies"])
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for req in extras[extra]:
            if _name(req) == "tacepath":
                todo += re.findall(r"[\w-]+", req.split("[", 1)[1].split("]", 1)[0])
            else:
                required.append(req)
    wanted = {_name(r) for r in required}
    lock = (ROOT / "requirements-lock.txt").read_text(encoding="utf-8")
    pinned = {_name(m) for m in re.findall(r"^([A-Za-z0-9][\w.-]*)==", lock, flags=re.M)}
    assert wanted <= pinned, f"not in the lock (refresh it, README): {sorted(wanted - pinned)}"
