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
lower score): a compiled sweep in time order adds each row to a Fenwick (binary indexed)
tree over the score ranks and asks it for the rows already in it with a lower rank, as R's
``concordance`` does [3]_, O(n log #distinct scores).

References
----------
.. [1] Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of
   medical tests. JAMA 1982;247:2543-2546. doi:10.1001/jama.1982.03320430047030
.. [2] Therneau TM, Atkinson EJ. Concordance. Vignette of the R survival package, 2023
   (the variance as an infinitesimal jackknife).
.. [3] Fenwick PM. A new data structure for cumulative frequency tables. Softw Pract
   Exp 1994;24:327-336. doi:10.1002/spe.4380240306
"""

from __future__ import annotations

import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.survival import _concordance_kernels, _kernels
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


#: Above this many rows the scores are ranked on a second thread while the times sort.
_THREADED = 200_000


def _dominance(
    group: npt.NDArray[Any],
    rank: npt.NDArray[Any],
    n_rank: int,
    a: FloatArray | None,
    b: FloatArray,
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """For a sequence (rows in sequence order, ``group`` non-decreasing):

    ``less_before[k]`` = sum of ``a`` over earlier rows of k's group with a lower rank,
    ``greater_after[k]`` = sum of ``b`` over later rows of k's group with a higher rank
    (compiled Fenwick-tree sweeps, :func:`tacepath.survival._kernels.dominance`); also
    the rows sorted stably by (group, rank) and the starts of its runs of equal
    (group, rank). ``a=None`` means all ones.
    """
    n = rank.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.intp)
        return np.zeros(0), np.zeros(0), empty, empty
    g = np.ascontiguousarray(group, dtype=np.int64)
    r = np.ascontiguousarray(rank, dtype=np.int64)
    a_in = np.zeros(0) if a is None else np.ascontiguousarray(a, dtype=np.float64)
    less, greater = _kernels.dominance(
        g, r, n_rank, a_in, np.ascontiguousarray(b, dtype=np.float64)
    )
    n_keys = (int(g[-1]) + 1) * n_rank
    key = g * n_rank + r
    if n_keys <= 4 * n + 1024:
        order, starts = _kernels.counting_order(key, n_keys)
    else:
        order = np.argsort(key, kind="stable")
        sk = key[order]
        new = np.ones(n, dtype=bool)
        new[1:] = sk[1:] != sk[:-1]
        starts = np.flatnonzero(new)
    return less, greater, order.astype(np.intp), starts.astype(np.intp)


def _dense_rank(values: FloatArray) -> tuple[IntArray, int]:
    """0-based dense ranks (equal values share a rank) and the number of distinct values.

    The distinct values are found by hashing (``pandas.factorize``, linear time) and only
    they are sorted: a linear predictor usually has far fewer distinct values than rows."""
    n = values.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp), 0
    codes, uniques = pd.factorize(values)
    u = np.asarray(uniques, dtype=np.float64)
    o = np.argsort(u)
    su = u[o]
    new = np.ones(su.shape[0], dtype=np.intp)
    new[1:] = su[1:] != su[:-1]
    r = np.cumsum(new) - 1
    rank_of_unique = np.empty(su.shape[0], dtype=np.intp)
    rank_of_unique[o] = r
    return rank_of_unique[codes], int(r[-1]) + 1


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
    Right-censored rows need no sort: one compiled pass over the runs of ``order``
    (:func:`tacepath.survival._concordance_kernels.right_sequence`).
    """
    dead = status > 0
    if start is None:
        base = np.ascontiguousarray(
            np.lexsort((time, strata)) if order is None else order, dtype=np.int64
        )
        starts, sb, db = _concordance_kernels.time_blocks(  # while the scores are ranked
            base,
            np.ascontiguousarray(time, dtype=np.float64),
            np.ascontiguousarray(strata, dtype=np.int64),
            np.ascontiguousarray(dead),
        )
        rank, _ = ranked.result() if isinstance(ranked, Future) else ranked
        row, kind, block = _concordance_kernels.right_sequence(
            base, starts, sb, db, np.ascontiguousarray(rank, dtype=np.int64)
        )
        return row.astype(np.intp, copy=False), kind, block
    return _sorted_sequence(time, status, ranked, start, strata, order)


def _sorted_sequence(
    time: FloatArray,
    status: FloatArray,
    ranked: tuple[IntArray, int] | Future[tuple[IntArray, int]],
    start: FloatArray | None,
    strata: IntArray,
    order: IntArray | None,
) -> tuple[IntArray, IntArray, IntArray]:
    """:func:`_sequence` by a stable argsort of the sequence key: counting-process data,
    and the reference of the tests for right-censored data (``start=None``)."""
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
    less, greater, o2, fin = _dominance(g, rk, n_rank, a, b)
    del rk
    # One compiled pass (:func:`tacepath.survival._concordance_kernels.concordance_terms`): ties on
    # the score count outside the own block, within the stratum; totals before the own
    # block (events) and after it (partners), within the stratum. As the event of a pair:
    # partners at risk with lower / higher / equal score; as the partner at risk: events
    # with higher / lower / equal score (enter minus leave).
    ev_conc, ev_disc, ev_tied, conc_e, disc_e, tied_e = _concordance_kernels.concordance_terms(
        less,
        greater,
        np.ascontiguousarray(o2, dtype=np.int64),
        np.ascontiguousarray(fin, dtype=np.int64),
        np.ascontiguousarray(block, dtype=np.int64),
        np.ascontiguousarray(g, dtype=np.int64),
        np.zeros(0) if a is None else np.ascontiguousarray(a, dtype=np.float64),  # 0: ones
        np.ascontiguousarray(b, dtype=np.float64),
        np.ascontiguousarray(event),
        np.zeros(0) if leave is None else np.where(leave, -1.0, 1.0),
        n_rank != n,
    )
    del o2, fin, block, g
    conc = float(np.dot(b, ev_conc))
    disc = float(np.dot(b, ev_disc))
    tied = float(np.dot(b, ev_tied))
    del ev_conc, ev_disc, ev_tied
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
        dfbeta = np.asarray(np.bincount(cluster[row], dfbeta), dtype=np.float64)
    elif start is not None:
        dfbeta = np.asarray(np.bincount(row, dfbeta, minlength=n), dtype=np.float64)
    var = float(np.sum(dfbeta**2)) / 4.0
    return Concordance(
        concordant=conc,
        discordant=disc,
        tied_x=tied,
        concordance=(somer + 1.0) / 2.0,
        std=math.sqrt(var),
    )
