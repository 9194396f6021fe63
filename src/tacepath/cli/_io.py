"""Reading input files and reporting input errors the same way in every command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer

from tacepath.errors import InputError

__all__ = ["exit_with_errors", "read_json_or_yaml"]


def exit_with_errors(exc: InputError, *, source: str = "") -> NoReturn:
    """Print one line per problem (field, value, allowed) to stderr and exit 2."""
    prefix = f"{source}: " if source else ""
    for problem in exc.problems:
        typer.echo(f"error: {prefix}{problem}", err=True)
    raise typer.Exit(code=2)


def read_json_or_yaml(path: Path) -> Any:
    """Parse a JSON or YAML file; a missing or unparsable file is an input error."""
    import yaml

    if not path.exists():
        raise InputError("file", str(path), "an existing JSON or YAML file")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(
            "file", str(path), f"valid {path.suffix.lstrip('.').upper()}: {exc}"
        ) from exc
