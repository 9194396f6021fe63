"""Reading input files and reporting input errors the same way in every command.

A command's file parameters are declared with :func:`input_file` (a file the command reads,
checked and read by :mod:`tacepath.interop.files`) or :func:`output_path` (a file or folder
it writes; a directory given for a file, or a file for a folder, exits 2); the test of input
boundaries finds every file parameter of every command this way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import typer

from tacepath.errors import InputError

__all__ = [
    "encoding_option",
    "exit_with_errors",
    "input_file",
    "input_path",
    "output_folder_value",
    "output_path",
    "output_path_value",
    "read_json_or_yaml",
]


def exit_with_errors(exc: InputError, *, source: str = "") -> NoReturn:
    """Print one line per problem (field, value, allowed) to stderr and exit 2.

    ``source`` (the input file) prefixes each line unless the problem already names it."""
    from tacepath.interop.files import shown_path

    for problem in exc.problems:
        named = source and shown_path(source) in str(problem.field)
        prefix = f"{source}: " if source and not named else ""
        typer.echo(f"error: {prefix}{problem}", err=True)
    raise typer.Exit(code=2)


def read_json_or_yaml(path: Path, *, field: str | None = None) -> Any:
    """Parse a JSON or YAML file (checked by :func:`tacepath.interop.files.read_json_or_yaml`:
    a missing, binary, non-UTF-8, empty, too large or unparsable file is an input error);
    ``field`` is the option that gave the file, named in errors."""
    from tacepath.interop.files import read_json_or_yaml as read

    return read(path, field=field)


def input_path(value: str) -> Path:
    """Parser of a file a command reads (the marker of input files)."""
    return Path(value)


def output_path_value(value: str) -> Path:
    """Parser of a file a command writes (a marker of output paths): not a directory."""
    path = Path(value)
    if path.is_dir():
        exit_with_errors(_wrong_output(value, "a directory", "a file to write, not a directory"))
    return path


def output_folder_value(value: str) -> Path:
    """Parser of a folder a command writes into (a marker of output paths): not a file."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        exit_with_errors(_wrong_output(value, "an existing file", "a folder to write into"))
    return path


def _wrong_output(value: str, found: str, allowed: str) -> InputError:
    from tacepath.interop.files import shown_path

    return InputError(shown_path(value), found, allowed)


def input_file(default: Any, *names: str, help: str, metavar: str | None = None) -> Any:
    """A file the command reads: an argument (no ``names``) or an option."""
    if names:
        return typer.Option(default, *names, help=help, metavar=metavar, parser=input_path)
    return typer.Argument(default, help=help, metavar=metavar, parser=input_path)


def output_path(default: Any, *names: str, help: str, folder: bool = False) -> Any:
    """A file (or with ``folder``, a folder) the command writes: an option."""
    parser = output_folder_value if folder else output_path_value
    return typer.Option(default, *names, help=help, parser=parser)


def encoding_option() -> Any:
    """``--encoding`` of commands that read CSV."""
    return typer.Option(
        None,
        "--encoding",
        help="Text encoding of CSV input, e.g. cp1252 or latin-1 (default: UTF-8, BOM accepted).",
    )
