"""Validated survival data: the one input type every survival function goes through.

:class:`SurvivalData` is built from arrays (:meth:`SurvivalData.from_arrays`) or from a
DataFrame and column names (:meth:`SurvivalData.from_frame`); either way the same checks
run, vectorised, one pass each:

* ``time``, ``event`` (and ``start``, ``weights`` when given) have one value per row, and
  there is at least one row;
* times (and start times) are finite, ≥ 0 and ≤ :data:`MAX_VALUE`. tacepath's times run
  from randomisation or diagnosis, so a negative time is a data error. R ``Surv`` accepts
  negative times (and negative entry times of counting-process data, e.g. on an age
  scale): shift the origin before calling. The upper limit keeps sums over a million rows
  far from overflow (10¹² seconds are 31 700 years);
* ``start < stop`` for counting-process data (R ``Surv`` makes such rows NA);
* events are 0/1 or true/false. R ``Surv`` reads 1/2 as 0/1 and turns other codes into NA
  with a warning; tacepath refuses both, as an event code is never guessed;
* case weights are finite, > 0 and ≤ :data:`MAX_VALUE` (R ``coxph`` refuses zero weights;
  R ``survfit`` accepts them and calls them ambiguous: tacepath refuses them everywhere).

Missing values: a DataFrame row with a missing value in any column the analysis uses is
left out and counted (R's ``na.omit``); arrays have no missing values to leave out, so a
NaN there is refused like any other impossible value.

Errors name the Python parameter (``time``, ``event``, ``start``, ``weights``, ``group``,
``strata``, ``covariates``, ``cluster``) followed, for DataFrames, by the column given
(``time 'os_days'``), and the 1-based row of the first offending value in the input:
``time 'os_days', row 6: got -2; allowed: ...``. The CLI translates the parameter to its
flag (``--time``).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError
from tacepath.survival._data import (
    FloatArray,
    IntArray,
    aeq_sorted,
    argsort_times,
    column,
    plain_value,
    timefix,
)

__all__ = [
    "MAX_VALUE",
    "SurvivalData",
    "check_gamma",
    "check_level",
    "check_positive",
    "check_rho",
    "checked_labels",
    "fixed_times",
]

#: Largest time or case weight accepted.
MAX_VALUE = 1e12

_TIME_ALLOWED = f"a finite time ≥ 0 and ≤ {MAX_VALUE:g}"
_WEIGHT_ALLOWED = f"finite case weights > 0 and ≤ {MAX_VALUE:g}"
_EVENT_ALLOWED = "1 = event, 0 = censored (0/1 or true/false)"


def _label(param: str, names: Mapping[str, str]) -> str:
    """How an error names a parameter: ``time`` (arrays) or ``time 'os'`` (a column)."""
    return f"{param} {names[param]!r}" if param in names else param


def _refuse(label: str, rows: IntArray, i: int, value: Any, allowed: str) -> NoReturn:
    raise InputError(f"{label}, row {int(rows[i]) + 1}", plain_value(value), allowed)


def _numbers(values: npt.NDArray[Any], label: str, rows: IntArray, *, flags: bool) -> FloatArray:
    """``values`` as floats: numbers as they are, text that reads as a number converted,
    true/false only where ``flags`` (events); anything else refused at its first row."""
    kind = values.dtype.kind
    if kind in "iuf" or (kind == "b" and flags):
        return values.astype(float, copy=False)
    if kind in "OUS":
        flag_value = float if flags else (lambda v: None)  # a None here is refused below
        mixed = pd.Series(values, dtype=object).map(
            lambda v: flag_value(v) if isinstance(v, bool | np.bool_) else v
        )
        out = pd.to_numeric(mixed, errors="coerce").to_numpy(dtype=float)
        bad = ~np.asarray(pd.isna(values), dtype=bool) & np.isnan(out)
        if not bad.any():
            return out
        i = int(np.flatnonzero(bad)[0])
        _refuse(label, rows, i, values[i], "a number")
    _refuse(label, rows, 0, values[0], "a number" + ("" if flags else " (not true/false)"))


def _check_range(
    x: FloatArray, label: str, rows: IntArray, *, positive: bool, allowed: str
) -> None:
    """Every value finite, ≥ 0 (> 0 when ``positive``) and ≤ MAX_VALUE; NaN fails too.

    Two reductions in the common case (all valid); the mask only to find the first bad row.
    """
    lo, hi = float(x.min()), float(x.max())
    if (lo > 0 if positive else lo >= 0) and hi <= MAX_VALUE:
        return
    ok = (x > 0 if positive else x >= 0) & (x <= MAX_VALUE)
    i = int(np.flatnonzero(~ok)[0])
    _refuse(label, rows, i, x[i], allowed)


def _check_events(e: FloatArray, label: str, rows: IntArray) -> None:
    bad = (e != 0) & (e != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _refuse(label, rows, i, e[i], _EVENT_ALLOWED)


def _one_dimensional(values: Any, param: str) -> npt.NDArray[Any]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(param, f"shape {arr.shape}", "a one-dimensional array")
    return arr


def _same_length(arr: npt.NDArray[Any], param: str, n: int) -> npt.NDArray[Any]:
    if arr.shape[0] != n:
        raise InputError(param, f"length {arr.shape[0]}", f"length {n}, as time")
    return arr


def _read_only(x: FloatArray | None) -> FloatArray | None:
    if x is not None:
        x.flags.writeable = False
    return x


@dataclass(frozen=True, slots=True, init=False, eq=False)
class SurvivalData:
    """Checked survival data (see the module docstring for the rules), one entry per row.

    ``time`` is the event or censoring time (the stop of a ``(start, stop]`` interval),
    ``start`` the entry time or ``None`` (right-censored data), ``event`` 1.0/0.0,
    ``weights`` case weights or ``None``; all are read-only float arrays, times as given
    (the estimators merge times equal up to R's ``aeqSurv`` tolerance themselves).
    ``rows`` are the 0-based positions of the rows kept in the input, ``n_dropped`` the
    rows left out for a missing value (DataFrames only), ``columns`` the further columns
    asked for (group, strata, covariates...) with the same rows kept, and ``column_names``
    the DataFrame column of each parameter (empty for arrays).

    Build it with :meth:`from_arrays` or :meth:`from_frame`; there is no unchecked way.
    """

    time: FloatArray
    event: FloatArray
    start: FloatArray | None
    weights: FloatArray | None
    rows: IntArray
    n_dropped: int
    columns: Mapping[str, npt.NDArray[Any]] = field(repr=False)
    column_names: Mapping[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            "SurvivalData is built by SurvivalData.from_arrays(...) or "
            "SurvivalData.from_frame(...), which check the data"
        )

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.time.shape[0])

    @property
    def counting(self) -> bool:
        """Whether the data are ``(start, stop]`` intervals."""
        return self.start is not None

    def label(self, param: str) -> str:
        """How errors name ``param``: ``time``, or ``time 'os_days'`` for a column."""
        return _label(param, self.column_names)

    @classmethod
    def from_arrays(
        cls,
        time: npt.ArrayLike,
        event: npt.ArrayLike,
        *,
        start: npt.ArrayLike | None = None,
        weights: npt.ArrayLike | None = None,
    ) -> SurvivalData:
        """Check arrays of times, events (0/1 or booleans), entry times and case weights.

        Nothing is left out: a NaN is refused like any other impossible value. The
        arrays are copied, so later changes to the inputs do not reach the data.
        """
        t_raw = _one_dimensional(time, "time")
        n = t_raw.shape[0]
        raw = {"time": t_raw, "event": _same_length(_one_dimensional(event, "event"), "event", n)}
        for param, values in (("start", start), ("weights", weights)):
            if values is not None:
                raw[param] = _same_length(_one_dimensional(values, param), param, n)
        if n == 0:
            raise InputError("time", "0 rows", "at least one row")
        rows = np.arange(n, dtype=np.intp)
        fresh = {p: np.array(v, copy=True) for p, v in raw.items()}
        return cls._checked(fresh, rows=rows, n_dropped=0, columns={}, names={})

    @classmethod
    def from_frame(
        cls,
        data: Any,
        *,
        time: str,
        event: str,
        start: str | None = None,
        weights: str | None = None,
        other: Sequence[tuple[str, str]] = (),
    ) -> SurvivalData:
        """Read, NA-omit and check the survival columns of a DataFrame.

        ``data`` is a pandas or polars DataFrame or a mapping of column name to values;
        ``time``, ``event``, ``start``, ``weights`` name its columns. ``other`` lists the
        further ``(parameter, column)`` pairs the analysis uses (``("group", "arm")``...):
        a missing value there leaves the row out too, and their values come back in
        ``columns``, keyed by column name.
        """
        spec: list[tuple[str, str]] = [("time", time), ("event", event)]
        spec += [(p, c) for p, c in (("start", start), ("weights", weights)) if c is not None]
        raw = {name: column(data, name, role=param) for param, name in (*spec, *other)}
        missing = np.zeros(len(next(iter(raw.values()))), dtype=bool)
        for values in raw.values():
            missing |= np.asarray(pd.isna(values), dtype=bool)
        n_dropped = int(missing.sum())
        rows = np.flatnonzero(~missing).astype(np.intp)
        if rows.size == 0:
            raise InputError(
                "data", f"0 usable rows ({n_dropped} with a missing value)", "at least one row"
            )
        kept = {name: values[rows] for name, values in raw.items()}  # copies
        survival = {param: kept[name] for param, name in spec}
        columns = {name: kept[name] for _, name in other}
        return cls._checked(
            survival, rows=rows, n_dropped=n_dropped, columns=columns, names=dict(spec)
        )

    @classmethod
    def _checked(
        cls,
        raw: Mapping[str, npt.NDArray[Any]],
        *,
        rows: IntArray,
        n_dropped: int,
        columns: Mapping[str, npt.NDArray[Any]],
        names: Mapping[str, str],
    ) -> SurvivalData:
        """Convert and check the survival values (in the order time, event, start, weights)."""
        t = _numbers(raw["time"], _label("time", names), rows, flags=False)
        _check_range(t, _label("time", names), rows, positive=False, allowed=_TIME_ALLOWED)
        e = _numbers(raw["event"], _label("event", names), rows, flags=True)
        _check_events(e, _label("event", names), rows)
        s: FloatArray | None = None
        if "start" in raw:
            s = _numbers(raw["start"], _label("start", names), rows, flags=False)
            _check_range(s, _label("start", names), rows, positive=False, allowed=_TIME_ALLOWED)
            bad = t <= s
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"{_label('time', names)}, row {int(rows[i]) + 1}",
                    float(t[i]),
                    f"a stop time > the start time {s[i]:g} "
                    "(intervals of zero length are not allowed)",
                )
        w: FloatArray | None = None
        if "weights" in raw:
            w = _numbers(raw["weights"], _label("weights", names), rows, flags=False)
            _check_range(w, _label("weights", names), rows, positive=True, allowed=_WEIGHT_ALLOWED)
        out = object.__new__(cls)
        values = {
            "time": _read_only(t),
            "event": _read_only(e),
            "start": _read_only(s),
            "weights": _read_only(w),
            "rows": rows,
            "n_dropped": n_dropped,
            "columns": dict(columns),
            "column_names": dict(names),
        }
        for key, value in values.items():
            object.__setattr__(out, key, value)
        return out


def fixed_times(d: SurvivalData) -> tuple[FloatArray, FloatArray | None, IntArray | None]:
    """Times (and start times) with R's ``aeqSurv`` merge applied (``timefix=TRUE``).

    Right-censored data: also an argsort of the times, for reuse (``None`` for intervals).
    An interval whose ends merge into one is refused, as R refuses it.
    """
    if d.start is None:
        order = argsort_times(d.time)
        ts = d.time[order]
        merged = aeq_sorted(ts)
        if merged is ts:
            return d.time, None, order
        t = np.empty_like(d.time)
        t[order] = merged
        return t, None, order
    t, s = timefix(d.time, d.start)
    assert s is not None
    collapsed = s >= t
    if collapsed.any():
        i = int(np.flatnonzero(collapsed)[0])
        raise InputError(
            f"{d.label('time')}, row {int(d.rows[i]) + 1}",
            float(d.time[i]),
            f"a stop time clearly greater than its start {float(d.start[i])!r} (they differ "
            "only by floating-point noise)",
        )
    return t, s, None


def checked_labels(values: Any, param: str, n: int) -> npt.NDArray[Any]:
    """Group, strata or cluster labels given as an array: one per row, none missing."""
    arr = _same_length(_one_dimensional(values, param), param, n)
    missing = np.asarray(pd.isna(arr), dtype=bool)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError(f"{param}, row {i + 1}", plain_value(arr[i]), "a label (not missing)")
    return arr


def _real(value: object) -> float:
    """``value`` as a float if it is a real number (not a boolean), else NaN."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return float(value)
    return float("nan")


def check_level(value: object, name: str = "conf_level") -> float:
    """A confidence level strictly between 0 and 1, as a float."""
    level = _real(value)
    if not 0 < level < 1:
        raise InputError(name, value, "a level strictly between 0 and 1, e.g. 0.95")
    return level


def check_rho(value: object) -> float:
    """The exponent of the G-rho weight S(t−)^rho: a finite number ≥ 0."""
    rho = _real(value)
    if not 0 <= rho < float("inf"):
        raise InputError("rho", value, "a finite number ≥ 0 (0 log-rank, 1 Peto-Peto)")
    return rho


def check_gamma(value: object) -> float:
    """The exponent gamma of the Fleming–Harrington weight (1 − S(t−))^gamma: finite, ≥ 0."""
    gamma = _real(value)
    if not 0 <= gamma < float("inf"):
        raise InputError("gamma", value, "a finite number ≥ 0 (0: the G-rho family)")
    return gamma


def check_positive(value: object, name: str) -> float:
    """A time > 0 and ≤ MAX_VALUE (``tau``), as a float."""
    x = _real(value)
    if not 0 < x <= MAX_VALUE:
        raise InputError(name, value, f"a finite time > 0 and ≤ {MAX_VALUE:g}")
    return x
