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

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConvergenceError",
    "InputError",
    "InputErrors",
    "Problem",
    "StatisticalWarning",
    "TacepathError",
]


class TacepathError(Exception):
    """Base class of every error tacepath raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One input problem: where, what was given, and what is allowed."""

    field: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}: got {self.value!r}; allowed: {self.allowed}"


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
