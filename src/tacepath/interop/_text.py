"""How input errors name files and values: cut to 80 characters, never echoed whole."""

from __future__ import annotations

from pathlib import Path

__all__ = ["MAX_LINE_PROBLEMS", "file_label", "reason_of", "shown", "shown_path"]

_SHOWN = 80
#: How many bad lines of a JSON Lines file one error lists.
MAX_LINE_PROBLEMS = 20


def shown(value: object) -> str:
    """``value`` as text of at most 80 characters (its beginning)."""
    text = str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def shown_path(path: Path | str) -> str:
    """A path as text of at most 80 characters (a long one keeps its end, the file name)."""
    text = str(path)
    return text if len(text) <= _SHOWN else "…" + text[-(_SHOWN - 1) :]


def file_label(path: Path | str, field: str | None = None) -> str:
    """How errors name a file: ``"--adsl data/adsl.csv"``, or the path alone."""
    return f"{field} {shown_path(path)}" if field else shown_path(path)


def reason_of(exc: BaseException) -> str:
    """The first line of an exception's message (its type when it has none)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
