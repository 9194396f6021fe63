"""Survival data plumbing: columns out of a DataFrame, R's time fix, sorting, factor levels.

The checks of the data themselves are in :mod:`tacepath.survival._input`. Times that differ
only by floating-point noise are merged as R's ``aeqSurv`` does (``timefix=TRUE``,
tolerance ``sqrt(.Machine$double.eps)``), so that a CSV round trip cannot turn a tie into
two times. pandas and polars DataFrames, and mappings of column name to array, are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError
from tacepath.survival import _kernels
from tacepath.survival.arrays import FloatArray, IntArray

__all__ = [
    "TIMEFIX_TOLERANCE",
    "FloatArray",
    "IntArray",
    "aeq_chains",
    "aeq_sorted",
    "argsort_times",
    "column",
    "group_codes",
    "integer_span",
    "plain_value",
    "sorted_with_runs",
    "timefix",
]

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


def column(data: Any, name: str, *, role: str) -> npt.NDArray[Any]:
    """The values of column ``name`` as a NumPy array (object dtype for text).

    Raises :class:`InputError` naming ``role``, the parameter that named the column
    (``time``, ``group``...), when the column is absent.
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


def aeq_sorted(ts: FloatArray, tolerance: float = TIMEFIX_TOLERANCE) -> FloatArray:
    """R ``aeqSurv`` on already sorted times: each time becomes the first of its tied chain.

    Distinct values are tied to their predecessor when the gap is ≤ ``tolerance``
    absolutely or relative to the mean absolute distinct value. Returns ``ts`` itself
    (not a copy) when nothing is tied, the common case.
    """
    if ts.size < 2:
        return ts
    smallest, total, count = _kernels.gap_stats(ts)
    if count < 2:
        return ts
    # A compiled pass finds the smallest gap; when it is clearly above both tolerances
    # (the margin covers the rounding of the mean), nothing is tied.
    if smallest > tolerance and smallest / (total / count) > tolerance * (1 + 1e-6):
        return ts
    return aeq_chains(ts, tolerance)


def aeq_chains(ts: FloatArray, tolerance: float = TIMEFIX_TOLERANCE) -> FloatArray:
    """:func:`aeq_sorted` without the pre-check: the distinct values, the scale (their mean
    absolute value, by ``np.mean``) and the chains, in two compiled passes."""
    if ts.size < 2:
        return ts
    u = _kernels.distinct_sorted(ts)
    if u.size < 2:
        return ts
    scale = float(np.mean(np.abs(u)))
    out, changed = _kernels.tie_chains(ts, tolerance, scale)
    return out if changed else ts


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


#: Most runs (group × event) sorted by :func:`sorted_with_runs` (a run is stored in a byte;
#: the log-rank sweep is quadratic in the groups); callers with more groups take an argsort.
MAX_MERGED_RUNS = 8


def sorted_with_runs(
    time: FloatArray, codes: IntArray, event: FloatArray, n_groups: int
) -> tuple[FloatArray, npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Times sorted with each row's run ``group * 2 + event`` and the rows of each run:
    one compiled radix sort (:func:`tacepath.survival._kernels.sort_by_time`), cheaper
    than one ``np.sort`` and carrying what an argsort would be needed for."""
    return _kernels.sort_by_time(
        np.ascontiguousarray(time, dtype=np.float64),
        np.ascontiguousarray(codes, dtype=np.int64),
        np.ascontiguousarray(event, dtype=np.float64),
        n_groups,
    )


def timefix(
    time: FloatArray, start: FloatArray | None = None, tolerance: float = TIMEFIX_TOLERANCE
) -> tuple[FloatArray, FloatArray | None]:
    """Merge times that differ by less than ``tolerance`` (R ``aeqSurv``, see
    :func:`aeq_sorted`), start and stop times together. The caller refuses an interval
    that collapses to length 0 (:func:`tacepath.survival._input.fixed_times`).
    """
    both = time if start is None else np.concatenate([start, time])
    order = np.argsort(both)
    merged_sorted = aeq_sorted(both[order], tolerance)
    merged = np.empty_like(both)
    merged[order] = merged_sorted
    if start is None:
        return merged, None
    return merged[start.size :], merged[: start.size]


def group_codes(values: npt.NDArray[Any]) -> tuple[list[Any], IntArray]:
    """Levels sorted as R sorts a factor's levels, and each row's level index.

    Numbers sort numerically, text alphabetically; booleans as ``False < True``. Integer
    labels in a small range (arm 0/1) are counted by ``np.bincount`` instead of hashed.
    """
    if values.dtype.kind in "iu" and values.size:
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * values.size + 1024:
            shifted = (values - lo).astype(np.intp)
            present = np.flatnonzero(np.bincount(shifted, minlength=hi - lo + 1))
            lookup = np.zeros(hi - lo + 1, dtype=np.intp)
            lookup[present] = np.arange(present.size)
            return [int(v) for v in (present + lo).tolist()], lookup[shifted]
    if values.dtype.kind in "fiub":
        codes, uniques = pd.factorize(values, sort=True)
        return [_plain(v) for v in np.asarray(uniques).tolist()], codes.astype(np.intp)
    as_text = np.array([str(v) for v in values], dtype=object)
    codes, uniques = pd.factorize(as_text, sort=True)
    return [str(v) for v in np.asarray(uniques).tolist()], codes.astype(np.intp)


def plain_value(v: Any) -> Any:
    """A NumPy scalar as a plain Python value (whole floats as ints) for error messages."""
    if isinstance(v, np.generic):
        v = v.item()
    return _plain(v)


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
