"""Survival data at the boundary: columns out of a DataFrame, checked, missing rows dropped.

Every estimator in :mod:`tacepath.survival` takes a DataFrame and column names; this module
turns them into NumPy arrays once. Rules (R ``survival`` conventions, made explicit):

* rows with a missing value in any column the analysis uses are left out, as R's
  ``na.omit`` does, and counted (``n_dropped``);
* every other bad value is refused with an :class:`~tacepath.errors.InputError` naming
  the column, the (1-based) row and the value: negative or infinite times, ``stop <= start``,
  an event that is not 0/1 (``True``/``False`` accepted), a negative or infinite weight;
* times that differ only by floating-point noise are merged as R's ``aeqSurv`` does
  (``timefix=TRUE``, tolerance ``sqrt(.Machine$double.eps)``), so that a CSV round trip
  cannot turn a tie into two times.

pandas and polars DataFrames, and mappings of column name to array, are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError

__all__ = [
    "TIMEFIX_TOLERANCE",
    "FloatArray",
    "IntArray",
    "SurvivalInput",
    "aeq_sorted",
    "argsort_times",
    "column",
    "group_codes",
    "integer_span",
    "prepare",
    "timefix",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: R's ``sqrt(.Machine$double.eps)``: the tolerance of ``aeqSurv``.
TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def _columns_of(data: Any) -> list[str]:
    if isinstance(data, Mapping):
        return [str(k) for k in data]
    cols = getattr(data, "columns", None)
    if cols is None:
        raise InputError(
            "data", type(data).__name__, "a pandas or polars DataFrame, or a mapping of columns"
        )
    return [str(c) for c in cols]


def column(data: Any, name: str, *, role: str = "column") -> npt.NDArray[Any]:
    """The values of column ``name`` as a NumPy array (object dtype for text).

    Raises :class:`InputError` naming ``role`` (e.g. ``--time``) when the column is absent.
    """
    names = _columns_of(data)
    if name not in names:
        shown = ", ".join(names[:20]) + (", …" if len(names) > 20 else "")
        raise InputError(role, name, f"a column of the data ({shown})")
    values = data[name]
    arr = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    if arr.ndim != 1:
        raise InputError(role, name, "a one-dimensional column")
    return np.asarray(arr)


def _missing(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    return np.asarray(pd.isna(values), dtype=bool)


def _numeric(values: npt.NDArray[Any], role: str, name: str) -> FloatArray:
    if values.dtype.kind in "fiub":
        return values.astype(float)
    out = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    bad = ~_missing(values) & np.isnan(out)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{role} {name!r}, row {i + 1}", _plain_value(values[i]), "a number")
    return out


def _first_bad(mask: npt.NDArray[np.bool_], rows: IntArray) -> int:
    return int(rows[np.flatnonzero(mask)[0]]) + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class SurvivalInput:
    """Checked survival data: one entry per kept row, in the data's row order.

    ``time`` is the event/censoring time (the ``stop`` of a counting-process interval),
    ``start`` the entry time or ``None`` for right-censored data, ``event`` 1.0/0.0,
    ``weights`` case weights or ``None``; ``rows`` the 0-based positions of the kept rows
    in the input, ``n_dropped`` how many rows were left out for a missing value, and
    ``columns`` the other columns asked for, with the same rows kept; ``time_order`` an
    argsort of ``time`` when the time fix computed one (right-censored data), for reuse.
    """

    time: FloatArray
    event: FloatArray
    start: FloatArray | None
    weights: FloatArray | None
    rows: IntArray
    n_dropped: int
    columns: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    time_order: IntArray | None = None

    @property
    def n(self) -> int:
        return int(self.time.shape[0])


def prepare(
    data: Any,
    *,
    time: str,
    event: str,
    start: str | None = None,
    weights: str | None = None,
    other: Sequence[tuple[str, str]] = (),
    fix_times: bool = True,
) -> SurvivalInput:
    """Read, check and NA-omit the survival columns of ``data``.

    ``other`` lists further ``(role, column)`` pairs the analysis uses (group, strata,
    covariates...): their missing values drop the row too, and their values come back in
    ``columns`` keyed by column name. ``role`` names the option in error messages.
    """
    spec: list[tuple[str, str]] = [("--time", time), ("--event", event)]
    if start is not None:
        spec.append(("--start", start))
    if weights is not None:
        spec.append(("--weights", weights))
    spec.extend(other)
    raw = {name: column(data, name, role=role) for role, name in spec}
    n_all = len(next(iter(raw.values())))
    missing = np.zeros(n_all, dtype=bool)
    for values in raw.values():
        missing |= _missing(values)
    rows = np.flatnonzero(~missing).astype(np.intp)
    kept = {name: values[rows] for name, values in raw.items()}

    t = _checked(kept[time], "--time", time, rows, "a finite time ≥ 0")
    e = _event(kept[event], event, rows)
    s: FloatArray | None = None
    if start is not None:
        s = _checked(kept[start], "--start", start, rows, "a finite time ≥ 0")
        bad = t <= s
        if bad.any():
            r = _first_bad(bad, rows)
            i = np.flatnonzero(bad)[0]
            raise InputError(
                f"--time {time!r}, row {r}",
                float(t[i]),
                f"a stop time > the start time {s[i]:g} (intervals of zero length are not allowed)",
            )
    w: FloatArray | None = None
    if weights is not None:
        w = _checked(kept[weights], "--weights", weights, rows, "a finite weight ≥ 0")
    order: IntArray | None = None
    if fix_times and s is None:
        order = argsort_times(t)
        ts = t[order]
        fixed = aeq_sorted(ts)
        if fixed is not ts:
            t = np.empty_like(t)
            t[order] = fixed
    elif fix_times:
        t, s = timefix(t, s)
    others = {name: kept[name] for _, name in other}
    return SurvivalInput(
        time=t,
        event=e,
        start=s,
        weights=w,
        rows=rows,
        n_dropped=int(missing.sum()),
        columns=others,
        time_order=order,
    )


def _checked(
    values: npt.NDArray[Any], role: str, name: str, rows: IntArray, allowed: str
) -> FloatArray:
    """A numeric column whose every value is finite and ≥ 0, or the first bad row refused."""
    x = _numeric(values, role, name)
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        r = _first_bad(bad, rows)
        raise InputError(f"{role} {name!r}, row {r}", _plain_value(x[bad][0]), allowed)
    return x


def _event(values: npt.NDArray[Any], name: str, rows: IntArray) -> FloatArray:
    if values.dtype.kind == "b":
        return values.astype(float)
    e = _numeric(values, "--event", name)
    bad = (e != 0) & (e != 1)
    if bad.any():
        r = _first_bad(bad, rows)
        raise InputError(
            f"--event {name!r}, row {r}",
            _plain_value(e[bad][0]),
            "1 = event, 0 = censored (or true/false)",
        )
    return e


def aeq_sorted(ts: FloatArray, tolerance: float = TIMEFIX_TOLERANCE) -> FloatArray:
    """R ``aeqSurv`` on already sorted times: each time becomes the first of its tied chain.

    Distinct values are tied to their predecessor when the gap is ≤ ``tolerance``
    absolutely or relative to the mean absolute distinct value. Returns ``ts`` itself
    (not a copy) when nothing is tied, the common case.
    """
    if ts.size < 2:
        return ts
    new = np.empty(ts.size, dtype=bool)
    new[0] = True
    np.not_equal(ts[1:], ts[:-1], out=new[1:])
    u = ts[new]
    if u.size < 2:
        return ts
    dy = np.diff(u)
    scale = float(np.mean(np.abs(u)))
    tied = dy <= tolerance
    if scale > 0:
        tied |= dy / scale <= tolerance
    if not tied.any():
        return ts
    cut = np.concatenate([[True], ~tied])
    chain = np.cumsum(cut) - 1  # chain index of each distinct value
    return np.asarray(u[cut][chain[np.cumsum(new) - 1]], dtype=float)


#: Whole-number times up to this value take the bincount path (R's aeqSurv tolerance,
#: 1.5e-8 relative, cannot merge gaps of 1 below ~6.7e7).
INTEGER_MAX = 10_000_000


def integer_span(time: FloatArray) -> tuple[int, int] | None:
    """``(min, max)`` when every time is a whole number in a range small enough to count
    with ``np.bincount`` (≤ 4 × rows + 1000 slots), else ``None``."""
    lo, hi = float(time.min()), float(time.max())
    if hi > INTEGER_MAX or hi - lo > 4 * time.size + 1000:
        return None
    if not np.array_equal(time, np.floor(time)):
        return None
    return int(lo), int(hi)


def argsort_times(time: FloatArray) -> IntArray:
    """An argsort of ``time``: a radix sort (``kind="stable"`` on 16-bit keys) when the
    times are whole numbers spanning fewer than 65 536 values (days), else NumPy's default."""
    if time.size > 1000:
        span = integer_span(time)
        if span is not None and span[1] - span[0] < 65_536:
            keys = (time - span[0]).astype(np.uint16)
            return np.argsort(keys, kind="stable").astype(np.intp)
    return np.argsort(time).astype(np.intp)


def timefix(
    time: FloatArray, start: FloatArray | None = None, tolerance: float = TIMEFIX_TOLERANCE
) -> tuple[FloatArray, FloatArray | None]:
    """Merge times that differ by less than ``tolerance`` (R ``aeqSurv``, see
    :func:`aeq_sorted`), start and stop times together. An interval that collapses to
    length 0 is refused, as R refuses it.
    """
    both = time if start is None else np.concatenate([start, time])
    order = np.argsort(both)
    merged_sorted = aeq_sorted(both[order], tolerance)
    merged = np.empty_like(both)
    merged[order] = merged_sorted
    if start is None:
        return merged, None
    new_start, new_time = merged[: start.size], merged[start.size :]
    if np.any(new_start >= new_time):
        i = int(np.flatnonzero(new_start >= new_time)[0])
        raise InputError(
            "--time",
            float(time[i]),
            f"a stop time clearly greater than its start {start[i]!r} (they differ only by "
            "floating-point noise)",
        )
    return new_time, new_start


def group_codes(values: npt.NDArray[Any]) -> tuple[list[Any], IntArray]:
    """Levels sorted as R sorts a factor's levels, and each row's level index.

    Numbers sort numerically, text alphabetically; booleans as ``False < True``.
    """
    if values.dtype.kind in "fiub":
        codes, uniques = pd.factorize(values, sort=True)
        return [_plain(v) for v in np.asarray(uniques).tolist()], codes.astype(np.intp)
    as_text = np.array([str(v) for v in values], dtype=object)
    codes, uniques = pd.factorize(as_text, sort=True)
    return [str(v) for v in np.asarray(uniques).tolist()], codes.astype(np.intp)


def _plain_value(v: Any) -> Any:
    """A NumPy scalar as a plain Python value (whole floats as ints) for error messages."""
    if isinstance(v, np.generic):
        v = v.item()
    return _plain(v)


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
