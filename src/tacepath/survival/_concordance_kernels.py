"""Compiled passes of the concordance (numba, cached on disk as in
:mod:`tacepath.survival._kernels`): the sequence of right-censored rows read off the runs
of the time order, and the pair terms after the Fenwick counts.

Hand-written because NumPy needs a sort (the sequence) or some forty array passes (the
terms) for what is one pass here; the values are those of the NumPy form they replaced, to
the last bit (same operations in the same order), which the tests keep as the reference.
"""

from __future__ import annotations

import numpy as np

from tacepath.survival._kernels import BoolArray, FloatArray, IntArray, jit

__all__ = ["concordance_terms", "right_sequence", "time_blocks"]


@jit
def time_blocks(
    base: IntArray, time: FloatArray, strata: IntArray, dead: BoolArray
) -> tuple[IntArray, IntArray, BoolArray]:
    """For rows sorted by stratum, then time (``base``): the starts of the tied (stratum,
    time) blocks (with ``n`` appended), and each sorted row's stratum and status,
    gathered in one tight loop so that :func:`right_sequence` reads in order."""
    n = base.size
    tb = np.empty(n, dtype=np.float64)
    sb = np.empty(n, dtype=np.int64)
    db = np.empty(n, dtype=np.bool_)
    for p in range(n):
        r = base[p]
        tb[p] = time[r]
        sb[p] = strata[r]
        db[p] = dead[r]
    starts = np.empty(n + 1, dtype=np.int64)
    n_blocks = 0
    for p in range(n):
        if p == 0 or tb[p] != tb[p - 1] or sb[p] != sb[p - 1]:
            starts[n_blocks] = p
            n_blocks += 1
    starts[n_blocks] = n
    return starts[: n_blocks + 1].copy(), sb, db


@jit
def right_sequence(
    base: IntArray, starts: IntArray, sb: IntArray, db: BoolArray, rank: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """The concordance sequence of right-censored rows (``base``: the rows sorted by
    stratum, then time; ``starts``, ``sb``, ``db`` from :func:`time_blocks`): strata in
    order, time backwards within each, and within a tied (stratum, time) block the
    censored rows first, then the events by decreasing score ``rank``, each part in
    reverse ``base`` order. Returns the rows, their kind (0 censored, 2 event) and the
    block key (the block's index in ``base`` order for an event, ``-1 - position`` for a
    censored row): the order of a stable argsort of the key (stratum, −time, kind,
    −rank), without sorting, as the blocks are runs of ``base``."""
    n = base.size
    n_blocks = starts.size - 1
    rb = np.empty(n, dtype=np.int64)
    for p in range(n):
        rb[p] = rank[base[p]]
    row = np.empty(n, dtype=np.int64)
    kind = np.empty(n, dtype=np.int64)
    block = np.empty(n, dtype=np.int64)
    ev = np.empty(n, dtype=np.int64)  # positions of one block's events
    out = 0
    b_lo = 0
    while b_lo < n_blocks:  # one stratum: blocks b_lo ... b_hi - 1, taken backwards
        st = sb[starts[b_lo]]
        b_hi = b_lo + 1
        while b_hi < n_blocks and sb[starts[b_hi]] == st:
            b_hi += 1
        for b in range(b_hi - 1, b_lo - 1, -1):
            m = 0
            for p in range(starts[b + 1] - 1, starts[b] - 1, -1):
                if db[p]:
                    ev[m] = p
                    m += 1
                else:
                    row[out] = base[p]
                    kind[out] = 0
                    block[out] = -1 - out
                    out += 1
            if m > 1:  # the events by decreasing rank, stable
                if m <= 32:
                    for i in range(1, m):
                        q = ev[i]
                        j = i - 1
                        while j >= 0 and rb[ev[j]] < rb[q]:
                            ev[j + 1] = ev[j]
                            j -= 1
                        ev[j + 1] = q
                else:
                    part = ev[:m].copy()
                    keys = np.empty(m, dtype=np.int64)
                    for i in range(m):
                        keys[i] = -rb[part[i]]
                    o = np.argsort(keys, kind="mergesort")
                    for i in range(m):
                        ev[i] = part[o[i]]
            for i in range(m):
                row[out] = base[ev[i]]
                kind[out] = 2
                block[out] = b
                out += 1
        b_lo = b_hi
    return row, kind, block


@jit
def concordance_terms(
    less: FloatArray,
    greater: FloatArray,
    order2: IntArray,
    starts2: IntArray,
    block: IntArray,
    group: IntArray,
    a: FloatArray,
    b: FloatArray,
    event: BoolArray,
    sign: FloatArray,
    score_ties: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Each sequence element's concordant, discordant and tied weights as the event of a
    pair (``ev_*``) and in all (as event plus as partner at risk, ``*_e``), from the
    Fenwick counts ``less`` / ``greater`` of :func:`dominance` (overwritten: they become
    ``ev_conc`` and ``conc_e``).

    ``order2`` sorts the elements by (group, score rank), ``starts2`` the starts of its
    runs; ``block`` is the tied-time block key, ``group`` the stratum (non-decreasing),
    ``a`` / ``b`` the weights entering / the event weights, ``sign`` −1 for a
    counting-process row leaving, else 1 (an empty ``a`` or ``sign``: all ones). Ties on
    the score count only outside the own block. The element-wise operations of the NumPy
    form this replaces, in the same order; its cumulative sums are sequential, as
    ``np.cumsum``, so the values are the same to the last bit."""
    m = less.size
    unit = a.size == 0
    signed = sign.size > 0
    eq_before = np.zeros(m, dtype=np.float64)
    eq_after = np.zeros(m, dtype=np.float64)
    if score_ties:
        acc_a = 0.0  # cumulative sums over order2, as np.cumsum(a[order2])
        acc_b = 0.0
        n_runs = starts2.size
        for r in range(n_runs):
            rs = starts2[r]
            re = starts2[r + 1] if r + 1 < n_runs else m
            a_rs = acc_a
            k = rs
            while k < re:  # the runs of equal block within the run
                blk = block[order2[k]]
                a_sub = acc_a
                j = k
                while j < re and block[order2[j]] == blk:
                    acc_a += 1.0 if unit else a[order2[j]]
                    acc_b += b[order2[j]]
                    j += 1
                for q in range(k, j):
                    eq_before[order2[q]] = a_sub - a_rs
                    eq_after[order2[q]] = acc_b  # the sum at the block run's end
                k = j
            for q in range(rs, re):
                eq_after[order2[q]] = acc_b - eq_after[order2[q]]
    cb = np.empty(m + 1, dtype=np.float64)  # as np.cumsum(b), with a leading 0
    cb[0] = 0.0
    for k in range(m):
        cb[k + 1] = cb[k] + b[k]
    ev_disc = np.empty(m, dtype=np.float64)
    ev_tied = np.empty(m, dtype=np.float64)
    disc_e = np.empty(m, dtype=np.float64)
    tied_e = np.empty(m, dtype=np.float64)
    acc = 0.0  # as np.cumsum(a), with a leading 0
    g_acc = 0.0
    g_end = 0
    k = 0
    while k < m:
        if k >= g_end:  # a new group (stratum): its start and end
            g_acc = acc
            g_end = k + 1
            while g_end < m and group[g_end] == group[k]:
                g_end += 1
        b_end = k + 1
        while b_end < m and block[b_end] == block[k]:
            b_end += 1
        total_before = acc - g_acc
        total_after = cb[g_end] - cb[b_end]
        for i in range(k, b_end):
            e = 1.0 if event[i] else 0.0
            lo = less[i]
            gr = greater[i]
            ev_c = lo * e
            ev_t = eq_before[i] * e
            ev_d = (total_before - lo - eq_before[i]) * e
            rk_disc = total_after - gr - eq_after[i]
            sg = sign[i] if signed else 1.0
            less[i] = ev_c
            ev_tied[i] = ev_t
            ev_disc[i] = ev_d
            greater[i] = ev_c + gr * sg
            disc_e[i] = ev_d + rk_disc * sg
            tied_e[i] = ev_t + eq_after[i] * sg
        for i in range(k, b_end):
            acc += 1.0 if unit else a[i]
        k = b_end
    return less, ev_disc, ev_tied, greater, disc_e, tied_e
