"""Compiled loops of the survival engine (numba, compiled once and cached on disk).

Each kernel is one fused pass that NumPy would need several array passes for: the sweep
after the sort for Kaplan–Meier and the weighted log-rank test, a radix sort of the times
that carries each row's group and event (no argsort), and the gap check and tie chains of
R's ``aeqSurv`` time fix. The statistics are those of the NumPy code they replace, summed
in the same order (sequential cumulative sums and products), so the results are unchanged
to the last bits or, for sums that NumPy took by dot products, to rounding.

Hand-written because no library offers these sweeps over survival data without Python
per-row overhead; numba compiles them to machine code. ``cache=True`` keeps the machine
code on disk, so a fresh process loads it instead of compiling. The cache goes beside
this file when the package folder is writable, else to numba's user-wide cache; when
neither is writable, to a per-user folder in the temporary directory
(``NUMBA_CACHE_DIR``, which the caller may set to choose the place).
"""

from __future__ import annotations

import math
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
    "RADIX_BITS",
    "counting_order",
    "cox_sums",
    "distinct_sorted",
    "dominance",
    "fallback_cache_dir",
    "gap_stats",
    "jit",
    "km_group_counts",
    "km_sweep",
    "logrank_stream",
    "sort_by_time",
    "tie_chains",
]

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    """Compile ``fn`` in nopython mode with the on-disk cache; floating-point errors give
    inf/nan as in NumPy (``error_model="numpy"``), never an exception."""
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
ByteArray = np.ndarray[Any, np.dtype[np.uint8]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


#: Bits per digit of :func:`sort_by_time`'s radix sort (six passes cover 64 bits; 2 048
#: buckets keep the scatter's write positions in the cache).
RADIX_BITS = 11


@jit
def sort_by_time(
    time: FloatArray, codes: IntArray, event: FloatArray, n_groups: int
) -> tuple[FloatArray, ByteArray, IntArray]:
    """The times sorted, each with its run ``group * 2 + event`` (stable), and the rows
    of each run (``2 * n_groups`` ≤ 256 runs).

    A least-significant-digit radix sort of the times' bit patterns (non-negative floats
    sort as their bits read as unsigned integers; −0.0 is taken as 0.0), carrying the run
    as a byte: one pass counts every digit, then one scatter per digit that is not the
    same for all rows. NumPy sorts values or returns an argsort, not values with a label."""
    n = time.size
    radix = 1 << RADIX_BITS
    mask = np.uint64(radix - 1)
    n_pass = (64 + RADIX_BITS - 1) // RADIX_BITS
    a = np.empty(n, dtype=np.float64)
    run_a = np.empty(n, dtype=np.uint8)
    counts = np.zeros((n_pass, radix), dtype=np.int64)
    run_count = np.zeros(2 * n_groups, dtype=np.int64)
    key_a = a.view(np.uint64)
    for i in range(n):
        a[i] = time[i] + 0.0  # -0.0 + 0.0 is +0.0
        r = codes[i] * 2 + (1 if event[i] != 0 else 0)
        run_a[i] = r
        run_count[r] += 1
        k = key_a[i]
        for p in range(n_pass):
            counts[p, (k >> np.uint64(p * RADIX_BITS)) & mask] += 1
    b = np.empty(n, dtype=np.float64)
    run_b = np.empty(n, dtype=np.uint8)
    src, dst, src_run, dst_run = key_a, b.view(np.uint64), run_a, run_b
    pos = np.empty(radix, dtype=np.int64)
    for p in range(n_pass):
        shift = np.uint64(p * RADIX_BITS)
        c = counts[p]
        if n == 0 or c[(src[0] >> shift) & mask] == n:
            continue  # one digit for every row: this pass would not move anything
        total = 0
        for j in range(radix):
            pos[j] = total
            total += c[j]
        for i in range(n):
            k = src[i]
            digit = (k >> shift) & mask
            q = pos[digit]
            dst[q] = k
            dst_run[q] = src_run[i]
            pos[digit] = q + 1
        src, dst = dst, src
        src_run, dst_run = dst_run, src_run
    return src.view(np.float64), src_run, run_count


@jit
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


@jit
def km_group_counts(
    ts: FloatArray, run: ByteArray, n_groups: int, group_offsets: IntArray
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


@jit
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


@jit
def logrank_stream(
    ts: FloatArray,
    run: ByteArray,
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
        for j in range(n_groups):
            deaths[j] = 0.0
            rows[j] = 0.0
        any_death = False
        while i < n_all and ts[i] == t:
            r = run[i]
            g = r >> 1
            rows[g] += 1.0
            if r & 1:
                deaths[g] += 1.0
                any_death = True
            i += 1
        if not any_death:  # only rows leave the risk set
            for j in range(n_groups):
                at_risk[j] -= rows[j]
            continue
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


@jit
def dominance(
    group: IntArray, rank: IntArray, n_rank: int, a: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """For a sequence (``group`` non-decreasing): ``less[k]`` = Σ ``a`` over earlier rows
    of k's group with a lower rank, ``greater[k]`` = Σ ``b`` over later rows of k's group
    with a higher rank (an empty ``a`` means all ones). Two Fenwick-tree sweeps over the
    ranks, O(n log #ranks), as R's ``concordance`` counts; each group's entries are
    zeroed after it (no residue)."""
    n = rank.size
    unit = a.size == 0  # an empty ``a``: all ones
    less = np.empty(n, dtype=np.float64)
    greater = np.empty(n, dtype=np.float64)
    tree = np.zeros(n_rank + 1, dtype=np.float64)
    start = 0
    while start < n:
        end = start + 1
        while end < n and group[end] == group[start]:
            end += 1
        for k in range(start, end):  # forward: ranks below, summed over earlier rows
            s = 0.0
            i = rank[k]
            while i > 0:
                s += tree[i]
                i -= i & -i
            less[k] = s
            i = rank[k] + 1
            ak = 1.0 if unit else a[k]
            while i <= n_rank:
                tree[i] += ak
                i += i & -i
        for k in range(start, end):
            i = rank[k] + 1
            while i <= n_rank:
                tree[i] = 0.0
                i += i & -i
        for k in range(end - 1, start - 1, -1):  # backward, ranks reversed: ranks above
            s = 0.0
            i = n_rank - 1 - rank[k]
            while i > 0:
                s += tree[i]
                i -= i & -i
            greater[k] = s
            i = n_rank - rank[k]
            while i <= n_rank:
                tree[i] += b[k]
                i += i & -i
        for k in range(start, end):
            i = n_rank - rank[k]
            while i <= n_rank:
                tree[i] = 0.0
                i += i & -i
        start = end
    return less, greater


@jit
def counting_order(key: IntArray, n_keys: int) -> tuple[IntArray, IntArray]:
    """A stable sort of small non-negative integer keys (counting sort) and the starts of
    the runs of equal keys in it."""
    n = key.size
    count = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(n):
        count[key[i] + 1] += 1
    n_runs = 0
    for j in range(n_keys):
        if count[j + 1] > 0:
            n_runs += 1
        count[j + 1] += count[j]
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        k = key[i]
        order[count[k]] = i
        count[k] += 1
    starts = np.empty(n_runs, dtype=np.int64)
    r = 0
    for p in range(n):
        if p == 0 or key[order[p]] != key[order[p - 1]]:
            starts[r] = p
            r += 1
    return order, starts


@jit
def cox_sums(
    xt: FloatArray,
    w: FloatArray,
    beta: FloatArray,
    guard: float,
    bounds: IntArray,
    stop_pos: IntArray,
    group_stratum: IntArray,
    group_offsets: IntArray,
    death_rows: IntArray,
    efron: bool,
    start_order: IntArray,
    start_bounds: IntArray,
    start_pos: IntArray,
) -> tuple[float, FloatArray, FloatArray]:
    """Log partial likelihood, score and information, as R's ``coxfit6.c`` (right-censored)
    and ``agfit4.c`` (counting process) accumulate them: per stratum, backwards in time,
    the risk-set sums S0, S1, S2 of w·exp(eta)·(1, x, xx'), and at each tied set of d
    deaths the Efron terms k = 0 … d−1 with downweight k/d (0 for Breslow).

    ``xt`` (p, n) and ``w`` are in sorted order; the rest indexes the risk sets as
    :class:`tacepath.survival._coxfit.RiskSets`. Counting-process data (``start_pos`` not
    empty): rows whose start is at or after t leave the sums as the sweep passes their
    start; right-censored data pass empty start arrays. The linear predictor is shifted
    by max(eta) − ``guard`` when it exceeds ``guard`` (exp overflow)."""
    p, n = xt.shape
    eta = np.zeros(n, dtype=np.float64)
    for j in range(p):
        b = beta[j]
        for i in range(n):
            eta[i] += b * xt[j, i]
    top = eta.max() if n else 0.0
    shift = top - guard if top > guard else 0.0
    risk = np.empty(n, dtype=np.float64)  # w exp(eta - shift) of each row once it entered
    loglik = 0.0
    u = np.zeros(p, dtype=np.float64)
    info = np.zeros((p, p), dtype=np.float64)
    s1 = np.zeros(p, dtype=np.float64)
    s2 = np.zeros((p, p), dtype=np.float64)
    d1 = np.zeros(p, dtype=np.float64)
    d2 = np.zeros((p, p), dtype=np.float64)
    mean = np.zeros(p, dtype=np.float64)
    n_groups = stop_pos.size
    counting = start_pos.size > 0
    g = n_groups - 1
    n_deaths = death_rows.size
    while g >= 0:
        st = group_stratum[g]
        hi = bounds[st + 1]
        s0 = 0.0
        s1[:] = 0.0
        s2[:, :] = 0.0
        k = hi - 1
        q = start_bounds[st + 1] - 1 if counting else 0
        while g >= 0 and group_stratum[g] == st:
            lo = stop_pos[g]
            while k >= lo:  # rows entering the risk set, stop time >= t
                r = w[k] * math.exp(eta[k] - shift)
                risk[k] = r
                s0 += r
                for a in range(p):
                    xa = r * xt[a, k]
                    s1[a] += xa
                    for c in range(a + 1):
                        s2[a, c] += xa * xt[c, k]
                k -= 1
            if counting:
                while q >= start_pos[g]:  # rows leaving: start time >= t
                    i = start_order[q]
                    r = risk[i]
                    s0 -= r
                    for a in range(p):
                        xa = r * xt[a, i]
                        s1[a] -= xa
                        for c in range(a + 1):
                            s2[a, c] -= xa * xt[c, i]
                    q -= 1
            first = group_offsets[g]
            last = group_offsets[g + 1] if g + 1 < n_groups else n_deaths
            d0 = 0.0
            d1[:] = 0.0
            d2[:, :] = 0.0
            wsum = 0.0
            for m in range(first, last):
                i = death_rows[m]
                r = risk[i]
                wsum += w[i]
                loglik += w[i] * (eta[i] - shift)
                d0 += r
                for a in range(p):
                    u[a] += w[i] * xt[a, i]
                    xa = r * xt[a, i]
                    d1[a] += xa
                    for c in range(a + 1):
                        d2[a, c] += xa * xt[c, i]
            nd = last - first
            wtave = wsum / nd
            for m in range(nd):
                frac = m / nd if efron else 0.0
                den = s0 - frac * d0
                loglik -= wtave * math.log(den)
                for a in range(p):
                    mean[a] = (s1[a] - frac * d1[a]) / den
                    u[a] -= wtave * mean[a]
                for a in range(p):
                    for c in range(a + 1):
                        info[a, c] += wtave * (
                            (s2[a, c] - frac * d2[a, c]) / den - mean[a] * mean[c]
                        )
            g -= 1
    for a in range(p):
        for c in range(a):
            info[c, a] = info[a, c]
    return loglik, u, info


@jit
def distinct_sorted(ts: FloatArray) -> FloatArray:
    """The distinct values of sorted ``ts``."""
    n = ts.size
    u = np.empty(n, dtype=np.float64)
    m = 0
    for i in range(n):
        if i == 0 or ts[i] != ts[i - 1]:
            u[m] = ts[i]
            m += 1
    return u[:m]


@jit
def tie_chains(ts: FloatArray, tolerance: float, scale: float) -> tuple[FloatArray, int]:
    """R ``aeqSurv`` on sorted ``ts``: a distinct value within ``tolerance`` of the distinct
    value before it, absolutely or relative to ``scale`` (when > 0), joins that value's
    chain; every element becomes the first value of its chain. Also returns the number of
    elements changed (0: ``ts`` needs no fix)."""
    n = ts.size
    out = np.empty(n, dtype=np.float64)
    changed = 0
    first = 0.0
    for i in range(n):
        v = ts[i]
        if i == 0:
            first = v
        elif v != ts[i - 1]:
            dy = v - ts[i - 1]
            if not (dy <= tolerance or (scale > 0 and dy / scale <= tolerance)):
                first = v
        out[i] = first
        if first != v:
            changed += 1
    return out, changed
