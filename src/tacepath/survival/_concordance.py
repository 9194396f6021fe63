"""Harrell's concordance of a risk score with survival, and its standard error, as R.

The pairs are those R ``survival::concordance`` (``concordancefit``) counts for a Cox
model: each event at time t is paired with every row of the same stratum still at risk at
t (start < t <= stop), censored rows at t included, other events at t excluded (tied on
time). A pair is concordant when the event has the higher risk score, discordant when it
has the lower, tied on the score otherwise (counted as one half). Case weights multiply:
a pair counts w_event × w_other. The standard error is R's infinitesimal-jackknife one:
each row's influence on (concordant − discordant) and on the number of comparable pairs,
summed within clusters when a cluster is given.

Counting the pairs is a two-dimensional dominance count (earlier in time order *and*
lower score). It is done without a per-row loop by a bit-by-bit partition of the score
ranks (the wavelet-matrix idea): at each bit, every row learns how many rows before it in
its current block have that bit 0 while its own is 1, which adds up, over the bits, to
the rows before it with a lower rank. log2(#distinct scores) passes of O(n) array work.

References
----------
.. [1] Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of
   medical tests. JAMA 1982;247:2543-2546. doi:10.1001/jama.1982.03320430047030
.. [2] Therneau TM, Atkinson EJ. Concordance. Vignette of the R survival package, 2023
   (the variance as an infinitesimal jackknife).
.. [3] Navarro G. Wavelet trees for all. J Discrete Algorithms 2014;25:2-20.
   doi:10.1016/j.jda.2013.07.004
"""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tacepath.survival._data import FloatArray, IntArray

__all__ = ["Concordance", "concordance"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Concordance:
    """Concordance of a Cox model's linear predictor (R ``fit$concordance``).

    ``concordant`` / ``discordant`` are the weighted numbers of comparable pairs in which
    the event has the higher / lower linear predictor, ``tied_x`` those tied on it;
    ``concordance`` = (concordant + tied_x / 2) / (concordant + discordant + tied_x) and
    ``std`` its infinitesimal-jackknife standard error.
    """

    concordant: float
    discordant: float
    tied_x: float
    concordance: float
    std: float


def _runs(values: npt.NDArray[Any]) -> tuple[IntArray, IntArray]:
    """For each position of a sorted key array: the start and end (exclusive) of its run."""
    n = values.shape[0]
    new = np.ones(n, dtype=bool)
    new[1:] = values[1:] != values[:-1]
    starts = np.flatnonzero(new)
    lens = np.diff(np.append(starts, n))
    return np.repeat(starts, lens), np.repeat(starts + lens, lens)


#: Above this many elements the bit levels run on two threads (NumPy releases the GIL).
_THREADED = 200_000

_Levels = tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], IntArray]


def _split_starts(starts: npt.NDArray[Any], nz: npt.NDArray[Any], n: int) -> npt.NDArray[Any]:
    """Block starts after every block is split at start + nz (empty parts dropped)."""
    cand = np.stack((starts, starts + nz), axis=1).ravel()
    keep = np.ones(cand.shape[0], dtype=bool)
    keep[1:] = cand[1:] != cand[:-1]
    keep &= cand < n
    return cand[keep]


def _levels_weighted(
    rank: npt.NDArray[np.int32],
    ab: tuple[FloatArray, FloatArray],
    idx: npt.NDArray[np.int32],
    starts: IntArray,
    top_bit: int,
    low_bit: int,
) -> _Levels:
    """Bits ``top_bit - 1`` .. ``low_bit`` of the partition (see :func:`_dominance`).

    The arrays are in the current arrangement, whose blocks start at ``starts``. Returns
    the new arrangement (``idx``), the less-before and greater-after gained in it, the
    ranks in it and the new block starts.
    """
    a, b = ab
    n = rank.shape[0]
    less = np.zeros(n)
    greater = np.zeros(n)
    pos = np.arange(n, dtype=np.int32)
    buf = np.zeros(n + 1)
    ibuf = np.zeros(n + 1, dtype=np.int32)
    inv = np.empty(n, dtype=np.int32)
    starts = starts.astype(np.int32)
    for bit in range(top_bit - 1, low_bit - 1, -1):
        ends: npt.NDArray[np.int32] = np.append(starts[1:], np.int32(n))
        lens = ends - starts
        one = (rank & (1 << bit)) != 0
        zero = ~one
        np.cumsum(a * zero, out=buf[1:])
        less += (buf[:-1] - np.repeat(buf[starts], lens)) * one
        np.cumsum(b * one, out=buf[1:])
        greater += (np.repeat(buf[ends], lens) - buf[1:]) * zero
        np.cumsum(zero, out=ibuf[1:])
        zb0 = ibuf[starts]
        nz = ibuf[ends] - zb0
        zb = ibuf[:-1] - np.repeat(zb0, lens)
        newpos = np.where(one, pos + np.repeat(nz, lens) - zb, np.repeat(starts, lens) + zb)
        inv[newpos] = pos
        rank, a, b, idx = rank[inv], a[inv], b[inv], idx[inv]
        less, greater = less[inv], greater[inv]
        starts = _split_starts(starts, nz, n)
    return idx, less, greater, rank, starts


def _levels_counts(
    key: npt.NDArray[np.int32],
    idx: npt.NDArray[np.int32],
    starts: IntArray,
    top_bit: int,
    low_bit: int,
) -> _Levels:
    """As :func:`_levels_weighted` with a = 1 and b = event: integer counts only.

    ``key`` packs rank * 2 + event, so that one gather moves both.
    """
    n = key.shape[0]
    less = np.zeros(n, dtype=np.int32)
    greater = np.zeros(n, dtype=np.int32)
    pos = np.arange(n, dtype=np.int32)
    zc = np.zeros(n + 1, dtype=np.int32)
    oc = np.zeros(n + 1, dtype=np.int32)
    inv = np.empty(n, dtype=np.int32)
    starts = starts.astype(np.int32)
    for bit in range(top_bit - 1, low_bit - 1, -1):
        ends: npt.NDArray[np.int32] = np.append(starts[1:], np.int32(n))
        lens = ends - starts
        one = (key & (2 << bit)) != 0
        zero = ~one
        np.cumsum(zero, out=zc[1:])
        zb0 = zc[starts]
        zb = zc[:-1] - np.repeat(zb0, lens)
        less += zb * one
        np.cumsum(one & ((key & 1) != 0), out=oc[1:])
        greater += (np.repeat(oc[ends], lens) - oc[1:]) * zero
        nz = zc[ends] - zb0
        newpos = np.where(one, pos + np.repeat(nz, lens) - zb, np.repeat(starts, lens) + zb)
        inv[newpos] = pos
        key, idx = key[inv], idx[inv]
        less, greater = less[inv], greater[inv]
        starts = _split_starts(starts, nz, n)
    return idx, less, greater, key >> 1, starts


def _dominance(
    group: npt.NDArray[Any], rank: npt.NDArray[Any], a: FloatArray | None, b: FloatArray
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """For a sequence (rows in sequence order, ``group`` non-decreasing):

    ``less_before[k]`` = sum of ``a`` over earlier rows of k's group with a lower rank,
    ``greater_after[k]`` = sum of ``b`` over later rows of k's group with a higher rank;
    also the rows sorted stably by (group, rank) and the starts of its runs of equal
    (group, rank). ``a=None`` means all ones with ``b`` 0/1 (integer counting).

    Bit by bit from the top, every block of the current arrangement (rows sharing the
    group and the rank bits above) is split stably into its rows with the bit 0 and with
    the bit 1; a row with bit 1 gains the ``a`` of the bit-0 rows before it in its
    block, a row with bit 0 the ``b`` of the bit-1 rows after it.
    """
    n = rank.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.intp)
        return np.zeros(0), np.zeros(0), empty, empty
    nbits = max(1, int(rank.max()).bit_length())
    new = np.ones(n, dtype=bool)
    new[1:] = group[1:] != group[:-1]
    starts = np.flatnonzero(new)
    idx = np.arange(n, dtype=np.int32)
    if a is None:
        packed = (rank.astype(np.int32) << 1) | (b > 0)

        def levels(
            sel: npt.NDArray[np.int32], st: IntArray, vals: npt.NDArray[Any], top: int, low: int
        ) -> _Levels:
            return _levels_counts(vals, sel, st, top, low)

        values: npt.NDArray[Any] = packed
    else:
        aa, bb = a, b

        def levels(
            sel: npt.NDArray[np.int32], st: IntArray, vals: npt.NDArray[Any], top: int, low: int
        ) -> _Levels:
            return _levels_weighted(vals, (aa[sel], bb[sel]), sel, st, top, low)

        values = rank.astype(np.int32)
    less = np.zeros(n)
    greater = np.zeros(n)
    if n < _THREADED or nbits < 2:
        ix, lo_, gr, _, fin = levels(idx, starts, values, nbits, 0)
        less[ix] = lo_
        greater[ix] = gr
        return less, greater, ix.astype(np.intp), fin
    # the top bit on all rows, then two halves (whole blocks) on two threads
    ix1, l1, g1, r1, starts1 = levels(idx, starts, values, nbits, nbits - 1)
    less[ix1] += l1
    greater[ix1] += g1
    vals1 = (r1 << 1) | values[ix1] & 1 if a is None else r1
    cut = int(starts1[np.argmin(np.abs(starts1 - n // 2))]) if starts1.shape[0] > 1 else n
    parts = [(0, cut), (cut, n)] if 0 < cut < n else [(0, n)]

    def run(part: tuple[int, int]) -> _Levels:
        lo, hi = part
        st = starts1[(starts1 >= lo) & (starts1 < hi)] - lo
        return levels(ix1[lo:hi], st, vals1[lo:hi], nbits - 1, 0)

    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        results = list(pool.map(run, parts))
    order: list[npt.NDArray[Any]] = []
    fins: list[IntArray] = []
    for (lo, _), (ix, lo_, gr, _, fin) in zip(parts, results, strict=True):
        less[ix] += lo_
        greater[ix] += gr
        order.append(ix)
        fins.append(fin + lo)
    return less, greater, np.concatenate(order).astype(np.intp), np.concatenate(fins)


def _dense_rank(values: FloatArray) -> tuple[IntArray, int]:
    """0-based dense ranks (equal values share a rank) and the number of distinct values."""
    n = values.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp), 0
    o = np.argsort(values)
    sv = values[o]
    new = np.ones(n, dtype=np.intp)
    new[1:] = sv[1:] != sv[:-1]
    r = np.cumsum(new) - 1
    out = np.empty(n, dtype=np.intp)
    out[o] = r
    return out, int(r[-1]) + 1


def _sequence(
    time: FloatArray,
    status: FloatArray,
    ranked: tuple[IntArray, int] | Future[tuple[IntArray, int]],
    start: FloatArray | None,
    strata: IntArray,
    order: IntArray | None,
) -> tuple[IntArray, IntArray, IntArray]:
    """The elements in sequence order: (row, kind, tied-block key).

    One "enter" element per row at its stop time (kind 0 censored, 2 event), one
    "leave" element (kind 1) per row at its start time for counting-process data. Time
    runs backwards within each stratum; at a tie, censored rows and leavers come before
    the events, and the events are ordered by decreasing score (``ranked``: dense ranks
    of the scores and their number, or a future of them). Events tied on
    (stratum, time) share the block key, every other element has its own (negative).
    """
    n = time.shape[0]
    dead = status > 0
    if start is None:
        base = np.lexsort((time, strata)) if order is None else order
        ts = time[base]
        ss = strata[base]
        new = np.ones(n, dtype=bool)
        new[1:] = (ts[1:] != ts[:-1]) | (ss[1:] != ss[:-1])
        blk = np.cumsum(new) - 1
        n_b = int(blk[-1]) + 1
        row = base[::-1]
        blk = blk[::-1]
        kind = np.where(dead[row], 2, 0)
        grp = ss[::-1]
        tkey = grp.astype(np.int64) * n_b + (n_b - 1 - blk)
        block = blk
        n_t = n_b
    else:
        tr, n_t = _dense_rank(np.concatenate([time, start]))
        row = np.concatenate([np.arange(n), np.arange(n)])
        kind = np.concatenate([np.where(dead, 2, 0), np.ones(n, dtype=np.intp)])
        grp = strata[row]
        tkey = grp.astype(np.int64) * n_t + (n_t - 1 - tr)
        block = grp.astype(np.int64) * (n_t + 1) + tr
    event = kind == 2
    n_g = int(strata.max()) + 1 if n else 1
    rank, n_rank = ranked.result() if isinstance(ranked, Future) else ranked
    rk = rank[row]
    if float(n_g) * n_t * 3 * n_rank < 2.0**62:
        key = (tkey * 3 + kind) * n_rank + np.where(event, n_rank - 1 - rk, 0)
        seq = np.argsort(key, kind="stable")
    else:
        seq = np.lexsort((np.where(event, -rk, 0), kind, tkey))
    row, kind, block, event = row[seq], kind[seq], block[seq], event[seq]
    block = np.where(event, block, -1 - np.arange(row.shape[0]))
    return row, kind, block


def concordance(
    time: FloatArray,
    status: FloatArray,
    score: FloatArray,
    *,
    start: FloatArray | None = None,
    strata: IntArray | None = None,
    weights: FloatArray | None = None,
    cluster: IntArray | None = None,
    order: IntArray | None = None,
) -> Concordance:
    """Concordance of ``score`` (higher = earlier event) with survival, and its SE.

    ``order`` may give the rows sorted by (stratum, time) when already known.
    """
    n = int(time.shape[0])
    w = np.ones(n) if weights is None else weights
    st = np.zeros(n, dtype=np.intp) if strata is None else strata.astype(np.intp)
    if n >= _THREADED:
        # ranking the scores (a sort) overlaps with sorting the times
        with ThreadPoolExecutor(max_workers=1) as pool:
            ranked = pool.submit(_dense_rank, score)
            row, kind, block = _sequence(time, status, ranked, start, st, order)
            rank, n_rank = ranked.result()
    else:
        rank, n_rank = _dense_rank(score)
        row, kind, block = _sequence(time, status, (rank, n_rank), start, st, order)
    event = kind == 2
    leave = kind == 1 if start is not None else None
    del kind
    m = row.shape[0]
    g = st[row] if strata is not None else np.zeros(m, dtype=np.int8)
    rk = rank[row]
    del rank
    unit = weights is None and start is None
    if unit:
        a: FloatArray | None = None
        b = event.astype(float)
    else:
        wr = w[row]
        a = np.where(leave, -wr, wr) if leave is not None else wr
        b = np.where(event, wr, 0.0)
        del wr
    less, greater, o2, fin = _dominance(g, rk, a, b)
    del rk

    if n_rank == n:
        # no two rows share a score: no ties on it
        eq_before: FloatArray | float = 0.0
        eq_after: FloatArray | float = 0.0
    else:
        # Ties on the score, outside the own block, within the stratum (o2: the elements
        # sorted by stratum, score rank and sequence position; fin: starts of its runs).
        lens = np.diff(np.append(fin, m))
        rs = np.repeat(fin, lens)
        re = np.repeat(fin + lens, lens)
        sub_s, sub_e = _runs(block[o2])
        sub_s = np.maximum(sub_s, rs)
        sub_e = np.minimum(sub_e, re)
        ao2 = np.ones(m) if a is None else a[o2]
        ca2 = np.concatenate([[0.0], np.cumsum(ao2)])
        cb2 = np.concatenate([[0.0], np.cumsum(b[o2])])
        eq_before = np.empty(m)
        eq_after = np.empty(m)
        eq_before[o2] = ca2[sub_s] - ca2[rs]
        eq_after[o2] = cb2[re] - cb2[sub_e]
        del lens, rs, re, sub_s, sub_e, ao2, ca2, cb2
    del o2, fin

    # Totals: before the own block (events) and after it (partners), within the stratum.
    bs, be = _runs(block)
    del block
    gs, ge = _runs(g)
    del g
    if a is None:
        total_before = (bs - gs).astype(float)
    else:
        ca = np.concatenate([[0.0], np.cumsum(a)])
        total_before = ca[bs] - ca[gs]
        del ca
    cb = np.concatenate([[0.0], np.cumsum(b)])
    total_after = cb[ge] - cb[be]
    del bs, be, gs, ge, cb

    # As the event of a pair: partners at risk with lower / higher / equal score; as the
    # partner at risk: events with higher / lower / equal score (enter minus leave).
    ev_conc = less * event
    ev_tied = eq_before * event
    ev_disc = (total_before - less - eq_before) * event
    del total_before
    rk_disc = total_after - greater - eq_after
    del total_after
    rk_tied: FloatArray | float = eq_after
    if leave is not None:
        sign = np.where(leave, -1.0, 1.0)
        greater *= sign
        rk_disc *= sign
        rk_tied = eq_after * sign
    conc = float(np.dot(b, ev_conc))
    disc = float(np.dot(b, ev_disc))
    tied = float(np.dot(b, ev_tied))
    conc_e = ev_conc + greater
    del ev_conc, greater, less
    disc_e = ev_disc + rk_disc
    del ev_disc, rk_disc
    tied_e = ev_tied + rk_tied
    npair = conc + disc + tied
    if npair <= 0:
        return Concordance(
            concordant=conc, discordant=disc, tied_x=tied, concordance=math.nan, std=math.nan
        )
    somer = (conc - disc) / npair
    # influence of each element; rows are the sum of their elements (one or two)
    dfbeta = (conc_e - disc_e) / npair - somer / npair * (conc_e + disc_e + tied_e)
    if weights is not None:
        dfbeta *= w[row]
    if cluster is not None:
        dfbeta = np.bincount(cluster[row], dfbeta)
    elif start is not None:
        dfbeta = np.bincount(row, dfbeta, minlength=n)
    var = float(np.sum(dfbeta**2)) / 4.0
    return Concordance(
        concordant=conc,
        discordant=disc,
        tied_x=tied,
        concordance=(somer + 1.0) / 2.0,
        std=math.sqrt(var),
    )
