"""Compiled loops of the survival engine (numba, compiled once and cached on disk).

Each kernel is one fused pass that NumPy would need several array passes for: the sweep
after the sort for Kaplan–Meier and the weighted log-rank test, a merge of sorted runs
that replaces an argsort, and the gap check of R's ``aeqSurv`` time fix. The statistics
are those of the NumPy code they replace, summed in the same order (sequential cumulative
sums and products), so the results are unchanged to the last bits or, for sums that NumPy
took by dot products, to rounding.

Hand-written because no library offers these sweeps over survival data without Python
per-row overhead; numba compiles them to machine code. ``cache=True`` keeps the machine
code on disk, so a fresh process loads it instead of compiling. The cache goes beside
this file when the package folder is writable, else to numba's user-wide cache; when
neither is writable, to a per-user folder in the temporary directory
(``NUMBA_CACHE_DIR``, which the caller may set to choose the place).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def fallback_cache_dir(
    environ: Mapping[str, str], package_cache: Path, home: Path, temp: Path
) -> Path | None:
    """The folder to give numba as ``NUMBA_CACHE_DIR``: ``None`` when the caller set one or
    one of numba's own places (beside the package, or the user's cache folder) is
    writable, else a per-user folder in ``temp``."""
    if environ.get("NUMBA_CACHE_DIR"):
        return None
    user = Path(environ.get("XDG_CACHE_HOME") or home / ".cache") / "numba"
    if _writable(package_cache) or _writable(user):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return temp / f"tacepath-numba-{uid}"


def _ensure_cache_dir() -> None:
    temp = Path(tempfile.gettempdir())
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no HOME and no password entry
        home = temp
    chosen = fallback_cache_dir(
        os.environ, Path(__file__).resolve().parent / "__pycache__", home, temp
    )
    if chosen is not None:
        os.environ["NUMBA_CACHE_DIR"] = str(chosen)


_ensure_cache_dir()

import numba  # noqa: E402  (after the cache folder is chosen: numba reads it at import)

__all__ = [
    "fallback_cache_dir",
    "gap_stats",
    "km_group_counts",
    "km_sweep",
    "logrank_stream",
    "merge_runs",
    "partition",
]

F = TypeVar("F", bound=Callable[..., Any])


def _jit(fn: F) -> F:
    """Compile ``fn`` in nopython mode with the on-disk cache; floating-point errors give
    inf/nan as in NumPy (``error_model="numpy"``), never an exception."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


@_jit
def partition(values: FloatArray, labels: IntArray, n_labels: int) -> tuple[FloatArray, IntArray]:
    """``values`` grouped by label (counting sort, stable) and each label's start offset
    (``n_labels + 1`` offsets)."""
    n = values.size
    offsets = np.zeros(n_labels + 1, dtype=np.int64)
    for i in range(n):
        offsets[labels[i] + 1] += 1
    for j in range(n_labels):
        offsets[j + 1] += offsets[j]
    pos = offsets[:-1].copy()
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        lab = labels[i]
        out[pos[lab]] = values[i]
        pos[lab] += 1
    return out, offsets


@_jit
def merge_runs(
    values: FloatArray, offsets: IntArray, first: int, last: int
) -> tuple[FloatArray, IntArray]:
    """Merge the sorted runs ``first`` … ``last - 1`` of ``values`` (bounds in ``offsets``)
    into one sorted array, with each element's run number counted from ``first``. For a
    few runs (a scan of the run heads per element)."""
    k = last - first
    heads = offsets[first:last].copy()
    ends = offsets[first + 1 : last + 1].copy()
    n = offsets[last] - offsets[first]
    out = np.empty(n, dtype=np.float64)
    run = np.empty(n, dtype=np.int64)
    for i in range(n):
        best = -1
        best_value = 0.0
        for r in range(k):
            h = heads[r]
            if h < ends[r]:
                v = values[h]
                if best < 0 or v < best_value:
                    best = r
                    best_value = v
        out[i] = best_value
        run[i] = best
        heads[best] += 1
    return out, run


@_jit
def gap_stats(ts: FloatArray) -> tuple[float, float, int]:
    """Over the distinct values of sorted ``ts``: the smallest gap between neighbours, the
    sum of absolute values and their number."""
    n = ts.size
    if n == 0:
        return np.inf, 0.0, 0
    smallest = np.inf
    total = abs(ts[0])
    count = 1
    prev = ts[0]
    for i in range(1, n):
        v = ts[i]
        if v != prev:
            gap = v - prev
            if gap < smallest:
                smallest = gap
            total += abs(v)
            count += 1
            prev = v
    return smallest, total, count


@_jit
def km_group_counts(
    ts: FloatArray, run: IntArray, n_groups: int, group_offsets: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """Kaplan–Meier counts of each group from one merged sorted stream.

    ``run`` is ``group * 2 + event`` per row; ``group_offsets`` the groups' row offsets.
    Returns flat arrays (group ``j`` in ``group_offsets[j]`` … ``+ lengths[j]``): the
    group's distinct times, the number at risk (rows with time ≥ t), events, censorings,
    and the lengths."""
    size = group_offsets[n_groups]
    time = np.empty(size, dtype=np.float64)
    n_risk = np.empty(size, dtype=np.float64)
    n_event = np.zeros(size, dtype=np.float64)
    n_censor = np.zeros(size, dtype=np.float64)
    lengths = np.zeros(n_groups, dtype=np.int64)
    passed = np.zeros(n_groups, dtype=np.int64)
    for i in range(ts.size):
        g = run[i] >> 1
        t = ts[i]
        base = group_offsets[g]
        m = lengths[g]
        if m == 0 or time[base + m - 1] != t:
            time[base + m] = t
            n_risk[base + m] = float(group_offsets[g + 1] - base - passed[g])
            lengths[g] = m + 1
            m += 1
        if run[i] & 1:
            n_event[base + m - 1] += 1.0
        else:
            n_censor[base + m - 1] += 1.0
        passed[g] += 1
    return time, n_risk, n_event, n_censor, lengths


@_jit
def km_sweep(
    n_risk: FloatArray, n_event: FloatArray, d_count: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Product-limit survival, Greenwood's Σ d/(n(n−d)), Nelson–Aalen hazard Σ d/n and its
    variance Σ d/n², at each time (terms only where an event occurred)."""
    m = n_risk.size
    surv = np.empty(m, dtype=np.float64)
    green = np.empty(m, dtype=np.float64)
    haz = np.empty(m, dtype=np.float64)
    haz_var = np.empty(m, dtype=np.float64)
    s = 1.0
    gsum = 0.0
    hsum = 0.0
    vsum = 0.0
    for i in range(m):
        n = n_risk[i]
        d = n_event[i]
        if d_count[i] > 0 and d > 0:
            nd = n - d
            s *= nd / n
            gsum += d / (n * nd)  # d = n gives +inf, as in R
            h = d / n
            hsum += h
            vsum += h / n
        else:
            s *= 1.0
        surv[i] = s
        green[i] = gsum
        haz[i] = hsum
        haz_var[i] = vsum
    return surv, green, haz, haz_var


@_jit
def logrank_stream(
    ts: FloatArray,
    run: IntArray,
    n_groups: int,
    totals: FloatArray,
    rho: float,
    gamma: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Observed, expected and covariance of a G(rho, gamma) test over one stratum's merged
    sorted stream (``run`` = ``group * 2 + event``; ``totals`` the rows per group).

    At each time with a death: weight w = S(t−)^rho (1 − S(t−))^gamma (pooled Kaplan–Meier
    S), observed_j += w d_j, expected_j += w d n_j / n, and for n > 1 the hypergeometric
    covariance w² d (n − d)/(n − 1) · (δ_jk n_j/n − n_j n_k / n²)."""
    observed = np.zeros(n_groups, dtype=np.float64)
    expected = np.zeros(n_groups, dtype=np.float64)
    variance = np.zeros((n_groups, n_groups), dtype=np.float64)
    diag = np.zeros(n_groups, dtype=np.float64)
    at_risk = totals.copy()
    deaths = np.zeros(n_groups, dtype=np.float64)
    rows = np.zeros(n_groups, dtype=np.float64)
    f = np.zeros(n_groups, dtype=np.float64)
    s_minus = 1.0
    n_all = ts.size
    i = 0
    while i < n_all:
        t = ts[i]
        deaths[:] = 0.0
        rows[:] = 0.0
        while i < n_all and ts[i] == t:
            g = run[i] >> 1
            rows[g] += 1.0
            if run[i] & 1:
                deaths[g] += 1.0
            i += 1
        d = 0.0
        n = 0.0
        for j in range(n_groups):
            d += deaths[j]
            n += at_risk[j]
        if d > 0:
            w = 1.0 if rho == 0 else s_minus**rho
            if gamma != 0:
                w *= (1.0 - s_minus) ** gamma
            wd = w * d / n
            for j in range(n_groups):
                observed[j] += deaths[j] * w
                expected[j] += at_risk[j] * wd
            if n > 1:
                scale = w * w * d * (n - d) / (n - 1)
                for j in range(n_groups):
                    f[j] = at_risk[j] / n
                for j in range(n_groups):
                    fs = f[j] * scale
                    diag[j] += fs
                    for k in range(j, n_groups):
                        variance[j, k] -= fs * f[k]
            s_minus *= (n - d) / n
        for j in range(n_groups):
            at_risk[j] -= rows[j]
    for j in range(n_groups):
        variance[j, j] += diag[j]
        for k in range(j + 1, n_groups):
            variance[k, j] = variance[j, k]
    return observed, expected, variance
