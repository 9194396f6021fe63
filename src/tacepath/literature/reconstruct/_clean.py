"""Digitised Kaplan–Meier points and published at-risk tables: checked, then cleaned by rule.

Real digitiser output is noisy: clicks a pixel left of the y axis give negative times, a
pixel above the top gives survival above 1, clicks on the two ends of a vertical drop come
out in the wrong time order, two clicks on a plateau are not quite level. Guyot's algorithm
[1]_ needs a curve that starts at (0, 1) and never rises, at distinct times. Each rule below
fixes one kind of noise, and every change is reported as a :class:`CleaningStep` naming the
input rows it touched; anything beyond pixel noise is refused with an
:class:`~tacepath.errors.InputError` naming the table, column, row and value.

The rules, applied in this order (:data:`CLEANING_RULES`):

``percent``
    survival given in percent (``percent=True``) is divided by 100.
``negative-time``
    a time below 0 by at most 2 % of the largest time (a click left of the axis) is set to
    0; further below is refused.
``above-one`` / ``below-zero``
    survival above 1 or below 0 by at most :data:`SURVIVAL_NOISE` (0.02, i.e. two
    percentage points) is set to 1 or 0; further out is refused.
``start``
    the curve starts at time 0: points at time 0 within :data:`SURVIVAL_NOISE` of 1 are set
    to 1, and (0, 1) is added when no point is at time 0. A lower point at time 0 (say the
    bottom of a drop on the axis, moved there by ``negative-time``) stays: a drop at time 0,
    events at time 0.
``order``
    points are sorted by time, and at equal times from the higher survival to the lower
    (top of a drop before its bottom).
``monotone``
    a point above an earlier point is lowered to that point's value (running minimum). On a
    drop whose two ends came out in the wrong time order this moves the top to the bottom,
    keeping the drop at one time; on a plateau it removes the rise.
``duplicate-time``
    of several points at one time only the lowest is kept: the curve's right-continuous
    value there. The events of the drop are all at that time either way.
``tail``
    (applied by :func:`~tacepath.literature.reconstruct.reconstruct_ipd`) a published number
    at risk above 0 at a time after the last point means the figure's curve goes on to at
    least that time: the curve is carried flat to it.

References
----------
.. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
   data: reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res
   Methodol. 2012;12:9. doi:10.1186/1471-2288-12-9
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError, InputErrors, Problem

__all__ = [
    "CLEANING_RULES",
    "SURVIVAL_NOISE",
    "TIME_NOISE_FRACTION",
    "AtRiskTable",
    "CleanedCurve",
    "CleaningStep",
    "at_risk_or_n",
    "check_at_risk",
    "check_total_events",
    "clean_curve",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Survival noise (proportion scale) taken as pixel noise: 0.02, two percentage points.
SURVIVAL_NOISE = 0.02
#: Negative times down to this fraction of the largest time are taken as pixel noise.
TIME_NOISE_FRACTION = 0.02
#: At most this many problems are listed in one error.
_MAX_PROBLEMS = 20

#: Every cleaning rule, in the order applied, with what it does.
CLEANING_RULES: dict[str, str] = {
    "percent": "survival given in percent: divided by 100",
    "negative-time": (
        "time below 0 by at most 2% of the largest time (a click left of the axis): set to 0"
    ),
    "above-one": "survival above 1 by at most 0.02 (pixel noise): set to 1",
    "below-zero": "survival below 0 by at most 0.02 (pixel noise): set to 0",
    "start": (
        "the curve starts at time 0: points at time 0 within 0.02 of 1 set to 1; (0, 1) added "
        "when no point is at time 0"
    ),
    "order": "points sorted by time (at equal times, higher survival first)",
    "monotone": ("a point above an earlier point lowered to that point's value (running minimum)"),
    "duplicate-time": (
        "several points at one time: the lowest kept (the curve's right-continuous value)"
    ),
    "tail": (
        "published number at risk > 0 after the last point: the curve carried flat to that time"
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CleaningStep:
    """One cleaning rule that changed the input.

    ``rule`` is a key of :data:`CLEANING_RULES`; ``rows`` the 1-based data rows of the
    input table it changed or removed (empty for an added point); ``detail`` what was done,
    with the largest change.
    """

    rule: str
    rows: tuple[int, ...]
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rows": list(self.rows),
            "n_rows": len(self.rows),
            "detail": self.detail,
        }

    def __str__(self) -> str:
        shown = ", ".join(str(r) for r in self.rows[:12])
        more = f", … ({len(self.rows)} rows)" if len(self.rows) > 12 else ""
        where = f" [rows {shown}{more}]" if self.rows else ""
        return f"{self.rule}: {self.detail}{where}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanedCurve:
    """A digitised curve ready for reconstruction.

    ``time`` strictly increasing from 0; ``surv`` (proportion) non-increasing (from 1, or
    lower at time 0 when the curve drops there);
    ``rows`` the 1-based input row of each point (0 for the added (0, 1) point or a tail
    point); ``steps`` the cleaning that was applied; ``n_input`` the number of input rows.
    """

    time: FloatArray
    surv: FloatArray
    rows: IntArray
    steps: tuple[CleaningStep, ...]
    n_input: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"time": self.time, "surv": self.surv})


@dataclass(frozen=True, slots=True, kw_only=True)
class AtRiskTable:
    """A published number-at-risk table: ``time`` strictly increasing from 0 and ``n_risk``
    (whole numbers, non-increasing, the first the number of patients)."""

    time: FloatArray
    n_risk: IntArray

    @property
    def n(self) -> int:
        return int(self.n_risk[0])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"time": self.time, "n_risk": self.n_risk})


def _frame(data: Any, name: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    try:
        return pd.DataFrame(data)
    except (TypeError, ValueError) as exc:
        raise InputError(name, type(data).__name__, "a pandas DataFrame") from exc


def _numbers(frame: pd.DataFrame, column: str, name: str) -> tuple[FloatArray, list[Problem]]:
    """The column as floats, with one problem per missing, non-numeric or infinite value."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    problems = [
        Problem(f"{name} column {column!r}, row {i + 1}", _plain(raw.iloc[i]), "a finite number")
        for i in np.flatnonzero(~np.isfinite(values))[:_MAX_PROBLEMS]
    ]
    return values, problems


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return "missing"
    return value


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            name,
            f"columns {[str(c) for c in frame.columns]}",
            f"a table with columns {', '.join(columns)} (missing: {', '.join(missing)})",
        )
    if len(frame) == 0:
        raise InputError(name, "0 rows", "at least one row")


def _raise(problems: list[Problem]) -> None:
    if len(problems) == 1:
        p = problems[0]
        raise InputError(p.field, p.value, p.allowed)
    if problems:
        raise InputErrors(problems[:_MAX_PROBLEMS])


def _rows(mask: npt.NDArray[np.bool_], rows: IntArray) -> tuple[int, ...]:
    return tuple(int(r) for r in rows[mask] if r > 0)


def _scale(
    surv: FloatArray, rows: IntArray, *, percent: bool, name: str
) -> tuple[FloatArray, list[CleaningStep]]:
    """Rule ``percent``, then refuse survival beyond pixel noise of [0, 1]."""
    steps: list[CleaningStep] = []
    if percent:
        surv = surv / 100.0
        steps.append(
            CleaningStep(rule="percent", rows=(), detail="survival in percent divided by 100")
        )
    unit, factor = ("percent", 100.0) if percent else ("proportion", 1.0)
    bad = (surv > 1 + SURVIVAL_NOISE) | (surv < -SURVIVAL_NOISE)
    if bad.any():
        hint = "" if percent else "; survival in percent needs --percent (percent=True)"
        lo, hi = -SURVIVAL_NOISE * factor, (1 + SURVIVAL_NOISE) * factor
        _raise(
            [
                Problem(
                    f"{name} column 'surv', row {int(rows[i])}",
                    float(surv[i] * factor),
                    f"a {unit} between {lo:g} and {hi:g} (beyond [0, {factor:g}] only by "
                    f"pixel noise){hint}",
                )
                for i in np.flatnonzero(bad)[:_MAX_PROBLEMS]
            ]
        )
    return surv, steps


def _clip_noise(
    time: FloatArray, surv: FloatArray, rows: IntArray, *, name: str
) -> tuple[FloatArray, FloatArray, list[CleaningStep]]:
    """Rules ``negative-time``, ``above-one`` and ``below-zero``."""
    steps: list[CleaningStep] = []
    t_max = float(time.max())
    tol = TIME_NOISE_FRACTION * max(t_max, 0.0)
    too_negative = time < -tol
    if too_negative.any():
        _raise(
            [
                Problem(
                    f"{name} column 'time', row {int(rows[i])}",
                    float(time[i]),
                    f"a time >= 0 (down to -{tol:g}, 2% of the largest time, is taken as "
                    "pixel noise)",
                )
                for i in np.flatnonzero(too_negative)[:_MAX_PROBLEMS]
            ]
        )
    neg = time < 0
    if neg.any():
        steps.append(
            CleaningStep(
                rule="negative-time",
                rows=_rows(neg, rows),
                detail=f"{int(neg.sum())} time(s) below 0 set to 0 "
                f"(lowest {float(time[neg].min()):g})",
            )
        )
        time = np.where(neg, 0.0, time)
    for rule, mask, value in (
        ("above-one", surv > 1, 1.0),
        ("below-zero", surv < 0, 0.0),
    ):
        if mask.any():
            worst = float(np.abs(surv[mask] - value).max())
            steps.append(
                CleaningStep(
                    rule=rule,
                    rows=_rows(mask, rows),
                    detail=f"{int(mask.sum())} survival value(s) set to {value:g} "
                    f"(largest change {worst:.4g})",
                )
            )
            surv = np.where(mask, value, surv)
    return time, surv, steps


def _start(
    time: FloatArray, surv: FloatArray, rows: IntArray
) -> tuple[FloatArray, FloatArray, IntArray, list[CleaningStep]]:
    """Rule ``start``: the curve begins at time 0, at 1 unless it drops there."""
    at0 = time == 0
    steps: list[CleaningStep] = []
    near = at0 & (surv < 1) & (surv >= 1 - SURVIVAL_NOISE)
    if near.any():
        steps.append(
            CleaningStep(
                rule="start",
                rows=_rows(near, rows),
                detail=f"{int(near.sum())} point(s) at time 0 set to survival 1 "
                f"(lowest {float(surv[near].min()):.4g})",
            )
        )
        surv = np.where(near, 1.0, surv)
    if not at0.any():
        steps.append(CleaningStep(rule="start", rows=(), detail="point (0, 1) added"))
        time = np.concatenate([[0.0], time])
        surv = np.concatenate([[1.0], surv])
        rows = np.concatenate([np.zeros(1, dtype=np.int64), rows])
    return time, surv, rows, steps


def _order(
    time: FloatArray, surv: FloatArray, rows: IntArray
) -> tuple[FloatArray, FloatArray, IntArray, list[CleaningStep]]:
    """Rule ``order``: by time, and at equal times from higher survival to lower."""
    order = np.lexsort((-surv, time))
    moved = order != np.arange(order.size)
    steps: list[CleaningStep] = []
    if moved.any():
        steps.append(
            CleaningStep(
                rule="order",
                rows=_rows(moved, rows[order]),
                detail=f"{int(moved.sum())} point(s) out of time order moved",
            )
        )
    return time[order], surv[order], rows[order], steps


def _monotone(surv: FloatArray, rows: IntArray) -> tuple[FloatArray, list[CleaningStep]]:
    """Rule ``monotone``: running minimum."""
    fixed = np.minimum.accumulate(surv)
    raised = fixed < surv
    steps: list[CleaningStep] = []
    if raised.any():
        worst = float((surv - fixed).max())
        steps.append(
            CleaningStep(
                rule="monotone",
                rows=_rows(raised, rows),
                detail=f"{int(raised.sum())} point(s) above an earlier point lowered "
                f"(largest change {worst:.4g})",
            )
        )
    return fixed, steps


def _distinct_times(
    time: FloatArray, surv: FloatArray, rows: IntArray
) -> tuple[FloatArray, FloatArray, IntArray, list[CleaningStep]]:
    """Rule ``duplicate-time``: the last (lowest) point of each time."""
    last = np.append(time[1:] != time[:-1], True)
    steps: list[CleaningStep] = []
    if not last.all():
        steps.append(
            CleaningStep(
                rule="duplicate-time",
                rows=_rows(~last, rows),
                detail=f"{int((~last).sum())} point(s) sharing a time with a lower point removed",
            )
        )
    return time[last], surv[last], rows[last], steps


def clean_curve(curve: Any, *, percent: bool = False, name: str = "curve") -> CleanedCurve:
    """Check digitised (time, surv) points and apply the cleaning rules, reporting each.

    Parameters
    ----------
    curve
        DataFrame with columns ``time`` and ``surv`` (other columns are ignored), one row
        per digitised point, in any order.
    percent
        ``surv`` is in percent (0–100) rather than a proportion.
    name
        How the table is named in error messages (the CLI passes the file name).

    Returns
    -------
    CleanedCurve
        Points at distinct times from (0, 1), survival non-increasing, and the cleaning
        steps applied (see the module docstring for the rules).

    Raises
    ------
    InputError
        A missing column, a missing or non-numeric value, or a value beyond pixel noise
        (negative time below 2 % of the largest time, survival outside [−0.02, 1.02] on
        the proportion scale). The message names the table, column, 1-based row and value.
    """
    frame = _frame(curve, name)
    _require_columns(frame, ("time", "surv"), name)
    time, p1 = _numbers(frame, "time", name)
    surv, p2 = _numbers(frame, "surv", name)
    _raise(p1 + p2)
    rows = np.arange(1, time.size + 1, dtype=np.int64)
    surv, steps = _scale(surv, rows, percent=percent, name=name)
    time, surv, more = _clip_noise(time, surv, rows, name=name)
    steps += more
    time, surv, rows, more = _start(time, surv, rows)
    steps += more
    time, surv, rows, more = _order(time, surv, rows)
    steps += more
    surv, more = _monotone(surv, rows)
    steps += more
    time, surv, rows, more = _distinct_times(time, surv, rows)
    steps += more
    return CleanedCurve(time=time, surv=surv, rows=rows, steps=tuple(steps), n_input=len(frame))


def check_at_risk(at_risk: Any, *, name: str = "at_risk") -> AtRiskTable:
    """Check a published number-at-risk table (columns ``time``, ``n_risk``).

    A typed table is not digitiser noise, so nothing is fixed: times must be finite,
    strictly increasing and start at 0; numbers at risk whole, non-negative and
    non-increasing, the first at least 1 (the number of patients). Each problem is named by
    table, column, 1-based row and value.
    """
    frame = _frame(at_risk, name)
    _require_columns(frame, ("time", "n_risk"), name)
    time, p1 = _numbers(frame, "time", name)
    n_risk, p2 = _numbers(frame, "n_risk", name)
    _raise(p1 + p2)
    problems: list[Problem] = []
    for i in range(time.size):
        row = f"row {i + 1}"
        if n_risk[i] < 0 or n_risk[i] != math.floor(n_risk[i]):
            problems.append(
                Problem(f"{name} column 'n_risk', {row}", float(n_risk[i]), "a whole number >= 0")
            )
        if i == 0 and time[0] != 0:
            problems.append(
                Problem(
                    f"{name} column 'time', {row}",
                    float(time[0]),
                    "0: the table starts at time 0 with the number of patients",
                )
            )
        if i > 0 and time[i] <= time[i - 1]:
            problems.append(
                Problem(
                    f"{name} column 'time', {row}",
                    float(time[i]),
                    f"a time after the previous row's {time[i - 1]:g} (strictly increasing)",
                )
            )
        if i > 0 and n_risk[i] > n_risk[i - 1]:
            problems.append(
                Problem(
                    f"{name} column 'n_risk', {row}",
                    float(n_risk[i]),
                    f"at most the previous row's {n_risk[i - 1]:g} (the number at risk "
                    "never rises)",
                )
            )
    if n_risk.size and n_risk[0] < 1:
        problems.append(
            Problem(f"{name} column 'n_risk', row 1", float(n_risk[0]), "at least 1 patient")
        )
    _raise(problems)
    return AtRiskTable(time=time, n_risk=n_risk.astype(np.int64))


def check_total_events(total_events: Any, n: int, *, name: str = "total_events") -> int | None:
    """``None``, or a whole number of events between 0 and ``n``."""
    if total_events is None:
        return None
    if isinstance(total_events, bool):
        raise InputError(name, total_events, f"a whole number between 0 and {n}")
    try:
        value = float(total_events)
    except (TypeError, ValueError) as exc:
        raise InputError(name, total_events, f"a whole number between 0 and {n}") from exc
    if not (math.isfinite(value) and value == math.floor(value) and 0 <= value <= n):
        raise InputError(name, total_events, f"a whole number between 0 and {n} (patients)")
    return int(value)


def at_risk_or_n(at_risk: Any | None, n: Any | None, *, name: str) -> tuple[AtRiskTable, bool]:
    """The at-risk table a reconstruction works from, and whether it was published.

    With a published table (``at_risk``) it is checked (:func:`check_at_risk`) and ``n``,
    when given, must equal its first number; without one ``n`` is required, a whole number
    ≥ 1, and the table is that number at time 0 (``False``: nothing was published).
    """
    if at_risk is not None:
        table = check_at_risk(at_risk, name=name)
        if n is not None and n != table.n:
            raise InputError("n", n, f"the first number at risk of the table ({table.n}), or None")
        return table, True
    if n is None or isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(
            "n", n, "the number of patients (a whole number >= 1) when there is no at-risk table"
        )
    return AtRiskTable(time=np.zeros(1), n_risk=np.array([int(n)], dtype=np.int64)), False
