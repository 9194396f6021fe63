"""The exception tree of tacepath.

::

    TacepathError                      every error tacepath raises on purpose
    ├── InputError (ValueError)        bad input: names the field, the value and what is allowed
    │   └── InputErrors                several input problems found at once
    └── ConvergenceError (ArithmeticError)  an iterative fit did not converge
    StatisticalWarning (UserWarning)   a result is valid but needs care (R's warnings)

Callers can catch the specific class or the matching built-in.
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "EXCERPT_CHARS",
    "PROBLEM_CHARS",
    "ConvergenceError",
    "InputError",
    "InputErrors",
    "Problem",
    "StatisticalWarning",
    "TacepathError",
    "excerpt",
]

#: The longest excerpt of a value given as input that an error message shows.
EXCERPT_CHARS = 80
#: The longest value a :class:`Problem` shows: tacepath's own descriptions of a value (an
#: encoding error and the line it is on) run longer than an excerpt of the value itself.
PROBLEM_CHARS = 300

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = EXCERPT_CHARS
_REPR.maxother = EXCERPT_CHARS
_REPR.maxlong = 40
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset", "maxdeque"):
    setattr(_REPR, _name, 6)


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """The beginning of ``repr(value)``, at most ``limit`` characters ("…" marks a cut).

    Bounded whatever the value (a 100 MB string, a million-item list), and ASCII-safe where
    it matters: ``repr`` escapes lone surrogates and control characters.
    """
    try:
        # a string: the repr of its beginning only
        text = repr(value[: limit + 1]) if isinstance(value, str) else _REPR.repr(value)
    except Exception:  # a value whose repr fails is named by its type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TacepathError(Exception):
    """Base class of every error tacepath raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One input problem: where, what was given, and what is allowed."""

    field: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}: got {excerpt(self.value, PROBLEM_CHARS)}; allowed: {self.allowed}"


class InputError(TacepathError, ValueError):
    """Input that is refused, with the field, the value and what is allowed."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.problem = Problem(field, value, allowed)
        super().__init__(str(self.problem))

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (self.problem,)


class InputErrors(InputError):
    """Several input problems at once (one line each in the CLI)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputErrors needs at least one problem")
        self._problems = tuple(problems)
        first = self._problems[0]
        super().__init__(first.field, first.value, first.allowed)
        self.args = ("\n".join(str(p) for p in self._problems),)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self._problems)


class ConvergenceError(TacepathError, ArithmeticError):
    """An iterative computation did not converge."""


class StatisticalWarning(UserWarning):
    """A result that is computed but needs care (non-convergence, infinite estimates...)."""
