"""Compiled passes of the trial simulation (numba, compiled once and cached on disk).

A batch of trials is analysed in three steps without a gather by sort order:
:func:`follow_up_keys` turns each patient's follow-up time at the analysis into one
sortable 64-bit key (the time's bits, whose order is the times' order for times ≥ 0, with
the two lowest bits replaced by the event and the arm), NumPy sorts every row of keys in
place (``ndarray.sort``, vectorised), and :func:`logrank_shares` sweeps each sorted row
once, writing each position's share of the treated arm among those at risk ``p`` and
``p(1 − p)``. NumPy sums those rows, so the log-rank sums are NumPy's own sums over the
same values as the array code's, equal to the last bit. Two times whose keys agree above
the two lowest bits (a tie, or times within four units in the last place) may sort
differently from the times themselves: the sweep reports them and the caller then
analyses that batch with the array code, which handles ties as R does.

Hand-written because no library fuses the censoring at each trial's own analysis time
and the log-rank sweep of many small trials; numba compiles the loops to machine code,
cached on disk with the survival engine's settings (:mod:`tacepath.survival.jit`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tacepath.survival.jit import jit

__all__ = ["EXCLUDED", "follow_up_keys", "logrank_shares"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
Int32Array = np.ndarray[Any, np.dtype[np.int32]]

EXCLUDED = np.iinfo(np.int64).max
"""The key of a patient not in the analysis (sorts last)."""


@jit
def _minimum(a: float, b: float) -> float:
    """``numpy.minimum`` of two numbers: NaN if either is NaN."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


@jit
def follow_up_keys(
    entry: FloatArray,
    t_event: FloatArray,
    t_drop: FloatArray,
    calendar: FloatArray,
    tau: FloatArray,
    treated: BoolArray,
    stratum: IntArray,
    offset: float,
    n_strata: int,
    keys: IntArray,
    finite: IntArray,
    enrolled: Int32Array,
    longest: FloatArray,
) -> bool:
    """Each patient's sort key at the trial's analysis month ``tau`` (trials × n); returns
    whether two strata adjoin at equal times (a tie for the array code).

    ``entry`` is (1 × n) or (trials × n); ``t_drop`` (trials × n), or (0 × 0) without
    dropout; ``calendar`` the calendar month of each observable event (inf if none).
    Patients who entered before ``tau`` are followed to their event if it came by then,
    else to dropout or ``tau``; the key is the bits of that time (plus ``stratum`` ·
    ``offset`` when ``stratum`` is (trials × n), as the array code's sort key) with bit 0
    the event and bit 1 the arm, :data:`EXCLUDED` for patients not entered or without a
    finite time. Writes per trial the ``finite`` keys, the patients ``enrolled`` and the
    ``longest`` finite time (0 if none).
    """
    r, n = t_event.shape
    shared_entry = entry.shape[0] == 1
    dropout = t_drop.shape[0] > 0
    strata = stratum.shape[0] > 0
    value = np.empty(1)
    bits = value.view(np.int64)
    low = np.empty(max(n_strata, 1))
    high = np.empty(max(n_strata, 1))
    adjoin = False
    for i in range(r):
        row = 0 if shared_entry else i
        t = tau[i]
        inside = 0
        count = 0
        most = 0.0
        low[:] = np.inf
        high[:] = -np.inf
        for j in range(n):
            follow = t - entry[row, j]
            te = t_event[i, j]
            event = calendar[i, j] <= t
            t_end = _minimum(te, t_drop[i, j]) if dropout else te
            seen = te if event else _minimum(t_end, follow)
            key = EXCLUDED
            if follow > 0:
                inside += 1
                if np.isfinite(seen):
                    count += 1
                    most = max(most, seen)
                    value[0] = seen
                    if strata:
                        g = stratum[i, j]
                        low[g] = min(low[g], seen)
                        high[g] = max(high[g], seen)
                        value[0] = seen + g * offset
                    key = (bits[0] & ~np.int64(3)) | np.int64(event) | (np.int64(treated[j]) << 1)
            keys[i, j] = key
        finite[i] = count
        enrolled[i] = inside
        longest[i] = most
        if strata:
            previous = np.nan
            for g in range(n_strata):
                if low[g] <= high[g]:
                    if low[g] == previous:
                        adjoin = True
                    previous = high[g]
    return adjoin


@jit
def logrank_shares(
    keys: IntArray,
    finite: IntArray,
    offset: float,
    p: FloatArray,
    q: FloatArray,
    observed: IntArray,
) -> bool:
    """Sweep each row of sorted ``keys``: the treated share at risk ``p`` at each event
    (0 elsewhere), ``q = p(1 − p)`` and the ``observed`` treated events; returns whether
    some row has two keys equal above bit 1 (a possible tie: use the array code).

    With ``offset`` > 0 the keys hold time + stratum · ``offset`` (times below
    ``offset`` / 2) and those at risk are counted within each stratum's run of keys."""
    r, n = keys.shape
    near = False
    value = np.empty(1)
    bits = value.view(np.int64)
    label = np.empty(n, dtype=np.int64)
    for i in range(r):
        m = finite[i]
        for s in range(m):
            label[s] = 0
            if offset > 0:
                bits[0] = keys[i, s] & ~np.int64(3)
                # time + g·offset with time in [0, offset/2); the cleared bits may put
                # g·offset itself a few units in the last place below g: round from g − 1/4
                label[s] = int(value[0] / offset + 0.25)
        count = 0
        start = 0
        while start < m:
            end = start + 1
            while end < m and label[end] == label[start]:
                end += 1
            total = 0
            for s in range(start, end):
                total += (keys[i, s] >> 1) & 1
            before = 0
            for s in range(start, end):
                key = keys[i, s]
                share = 0.0
                if s > 0 and (key >> 2) == (keys[i, s - 1] >> 2):
                    near = True
                arm = (key >> 1) & 1
                if key & 1:
                    share = (total - before) / (end - s)
                    count += arm
                before += arm
                p[i, s] = share
                q[i, s] = share * (1.0 - share)
            start = end
        for s in range(m, n):
            p[i, s] = 0.0
            q[i, s] = 0.0
        observed[i] = count
    return near
