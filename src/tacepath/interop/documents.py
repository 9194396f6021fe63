"""JSON, YAML and JSON Lines text parsed into Python values, with errors a user can act on:
line and column, "truncated?" for a file cut short, at most 20 bad lines of a JSON Lines
file; YAML anchors, aliases and tags are refused (:mod:`tacepath.interop.files` opens,
checks and decodes the file first)."""

from __future__ import annotations

import json
from typing import Any

from tacepath.errors import InputError, InputErrors, Problem
from tacepath.interop._text import MAX_LINE_PROBLEMS as _MAX_LINE_PROBLEMS
from tacepath.interop._text import reason_of, shown

__all__ = ["parse_json", "parse_json_line", "parse_jsonl", "parse_yaml"]


def _at(line: int, column: int, message: str, at_end: bool) -> str:
    why = "unexpected end of file (truncated?)" if at_end else message
    return f"line {line}, column {column}: {why}"


def _json_at(exc: json.JSONDecodeError, line: int, text: str) -> str:
    """Where JSON parsing stopped; a string or value running into the end is a cut file."""
    at_end = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
    return _at(line, exc.colno, exc.msg, at_end)


def _too_much(exc: Exception) -> str:
    """What a JSON or YAML parser found too big: nesting, or a number's digits."""
    return "nested too deeply" if isinstance(exc, RecursionError) else shown(reason_of(exc))


def parse_json(text: str, *, name: str) -> Any:
    """Parse JSON; an error gives the line and column (and says when the text stops short)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, _json_at(exc, exc.lineno, text), "valid JSON") from None
    except (ValueError, RecursionError) as exc:  # a 5000-digit integer; nesting too deep
        raise InputError(name, _too_much(exc), "valid JSON") from None


def _yaml_loader() -> Any:
    """PyYAML's safe loader that refuses anchors, aliases and tags where it meets them.

    An alias repeats a node without repeating its text, so nested aliases expand a few
    hundred bytes into billions of values (the "billion laughs" bomb); tags ask for types
    beyond the JSON ones (``!!binary``, ``!!set``, ``!custom``). No tacepath input needs
    either, so the composer refuses them before anything is built, naming the line.
    """
    import yaml
    from yaml.composer import ComposerError
    from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

    class StrictLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            refused = None
            if isinstance(event, AliasEvent):
                refused = "an alias (*name) is not accepted: write the value out"
            elif isinstance(event, ScalarEvent | CollectionStartEvent):
                if event.anchor is not None:
                    refused = "an anchor (&name) is not accepted: write the value out"
                elif event.tag is not None:
                    refused = "a tag (!...) is not accepted: plain values only"
            if refused is not None:
                raise ComposerError(None, None, refused, event.start_mark)
            return super().compose_node(parent, index)

    return StrictLoader


def parse_yaml(text: str, *, name: str) -> Any:
    """Parse YAML (safe loader, no anchors, aliases or tags); an error gives the line and
    column, never the text."""
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or getattr(exc, "reason", "") or "invalid")
        if mark is None:
            where = f"character {getattr(exc, 'position', '?')}: {problem}"
        else:
            where = _at(mark.line + 1, mark.column + 1, problem, mark.index >= len(text.rstrip()))
        raise InputError(name, shown(where), "valid YAML") from None
    except RecursionError as exc:
        raise InputError(name, _too_much(exc), "valid YAML") from None
    except Exception as exc:
        # PyYAML's constructors raise ValueError (a date 2020-13-45), KeyError, IndexError...
        # on bad text: all of it is input that is not YAML.
        reason = f"{type(exc).__name__}: {exc}"
        raise InputError(
            name, shown(f"a value YAML cannot read ({reason})"), "valid YAML"
        ) from None


_JSONL_ALLOWED = "one JSON value per line (JSON Lines)"


def parse_json_line(line: str, n: int, *, name: str) -> Any:
    """One line (number ``n``) of a JSON Lines file; an error names the line and column."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(name, _json_at(exc, n, line), _JSONL_ALLOWED) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(name, f"line {n}: {_too_much(exc)}", _JSONL_ALLOWED) from None


def parse_jsonl(text: str, *, name: str) -> list[Any]:
    """Parse JSON Lines (one JSON value per line, blank lines skipped); every bad line is
    reported with its line and column (the first 20)."""
    out: list[Any] = []
    problems: list[Problem] = []
    allowed = _JSONL_ALLOWED
    for n, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 is JSON text
        if not line.strip():
            continue
        try:
            out.append(parse_json_line(line, n, name=name))
        except InputError as exc:
            problems.extend(exc.problems)
    if len(problems) > _MAX_LINE_PROBLEMS:
        extra = len(problems) - _MAX_LINE_PROBLEMS
        problems = [
            *problems[:_MAX_LINE_PROBLEMS],
            Problem(name, f"{extra} more bad lines", allowed),
        ]
    if problems:
        raise InputErrors(problems)
    if not out:
        raise InputError(name, "no JSON line", allowed)
    return out
