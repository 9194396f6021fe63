"""CLI start-up: building the app loads no heavy library, and lazy imports drop no command.

Commands import their engines when they run; the command modules' top-level imports are
light (typer, the standard library, ``tacepath.errors``), so ``tacepath --version`` and
``tacepath --help`` start in a blink (``benchmarks/startup_bench.py``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath.cli import app

HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "fastapi",
    "starlette",
    "sqlalchemy",
    "dask",
    "weasyprint",
    "pyarrow",
)
# The only tacepath modules the CLI loads before a command runs.
LIGHT_TACEPATH = re.compile(r"tacepath(\.cli(\.\w+)?|\.errors|\.jsonsafe)?")

CLI_DIR = Path(__file__).resolve().parents[2] / "src" / "tacepath" / "cli"

TOP_LEVEL = {
    "analyze",
    "assess",
    "demo",
    "design",
    "endpoints",
    "evidence",
    "followup",
    "grade",
    "import",
    "match",
    "pathway",
    "randomise",
    "reconstruct",
    "reproduce",
    "response",
    "schedule",
    "schema",
    "serve",
    "simulate",
    "summary",
    "surrogacy",
    "survival",
    "users",
}


def _modules_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the names in ``sys.modules`` afterwards."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out.splitlines()[-1])
    return loaded


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY]


def test_building_the_cli_imports_no_heavy_library() -> None:
    loaded = _modules_after(
        "import typer.main\nimport tacepath.cli\ntyper.main.get_command(tacepath.cli.app)"
    )
    assert _heavy(loaded) == []
    engines = [m for m in loaded if m.startswith("tacepath") and not LIGHT_TACEPATH.fullmatch(m)]
    assert engines == [], "command modules must import engines inside the commands"


def test_version_imports_no_heavy_library() -> None:
    loaded = _modules_after(
        "from typer.testing import CliRunner\nfrom tacepath.cli import app\n"
        "r = CliRunner().invoke(app, ['--version'])\nassert r.exit_code == 0, r.output"
    )
    assert _heavy(loaded) == []
    assert not any(m == "rich" or m.startswith("rich.") for m in loaded)


def test_help_of_every_command_imports_no_heavy_library() -> None:
    code = """
from typer.main import get_command
from typer.testing import CliRunner
from tacepath.cli import app

def paths(cmd, path):
    yield path
    if hasattr(cmd, "list_commands"):
        ctx = cmd.context_class(cmd)
        for name in cmd.list_commands(ctx):
            yield from paths(cmd.get_command(ctx, name), [*path, name])

runner = CliRunner()
for path in paths(get_command(app), []):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, (path, result.output)
"""
    assert _heavy(_modules_after(code)) == []


def _commands_in_help(text: str) -> set[str]:
    """The names listed in the 'Commands' panel of a Rich help screen."""
    names: set[str] = set()
    inside = False
    for line in text.splitlines():
        if "Commands" in line and line.lstrip().startswith("╭"):
            inside = True
        elif inside and line.lstrip().startswith("╰"):
            inside = False
        elif inside:
            m = re.match(r"\s*│ (\S+)", line)
            if m:
                names.add(m.group(1))
    return names


def _declared_commands() -> dict[str, set[str]]:
    """Group name ('' for the root) → the commands the CLI modules declare in it."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(CLI_DIR.glob("*.py")))
    group_of = {"app": ""}
    declared: dict[str, set[str]] = {"": set()}
    for var, name in re.findall(r'app\.add_typer\((\w+), name="([\w-]+)"\)', source):
        group_of[var] = name
        declared[""].add(name)
        declared.setdefault(name, set())
    for var, name in re.findall(r'@(\w+)\.command\(\s*"([\w-]+)"', source):
        declared[group_of[var]].add(name)
    return declared


def test_help_lists_every_command() -> None:
    env = {**os.environ, "COLUMNS": "120", "TERM": "dumb"}
    env.pop("FORCE_COLOR", None)
    out = subprocess.run(
        [sys.executable, "-c", "from tacepath.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    listed = _commands_in_help(out)
    declared = _declared_commands()
    assert listed >= TOP_LEVEL
    assert listed == declared[""]


@pytest.mark.parametrize("group", sorted(g for g in _declared_commands() if g))
def test_group_help_lists_every_subcommand(group: str) -> None:
    result = CliRunner().invoke(app, [group, "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert _commands_in_help(result.output) == _declared_commands()[group]
