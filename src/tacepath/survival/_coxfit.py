"""The numerical core of the Cox model: risk sets, partial likelihood, Newton–Raphson.

Everything here works on arrays (one entry per row, any row order) and is vectorised:
the rows are sorted once, every per-death-time quantity is a reverse cumulative sum read
at the first row of the tied set, and Efron's tie correction is expanded to one term per
death (a tied set of d deaths has d terms), so no Python loop runs over rows or times.

Notation. For a tied set g of d deaths at time t in stratum s, ``S`` sums ``w exp(eta)``
(and ``w exp(eta) x``) over the risk set {rows of s with start < t <= stop} and ``D`` the
same over the d deaths. Term k = 0..d-1 has the downweight ``k/d`` (Efron; 0 for
Breslow), denominator ``S0 - k/d D0``, mean ``(S1 - k/d D1) / den`` and the weight
``wtave`` = (sum of the deaths' weights) / d. The log partial likelihood is
``sum_deaths w eta - sum_terms wtave log(den)``.

The iteration follows R ``survival`` exactly (``coxfit6.c`` for right-censored data,
``agfit4.c`` for counting-process data): covariates centred and scaled, Newton–Raphson
from 0 with the same step-halving rule and stopping rule |1 - L_old/L_new| <= eps, an
LDL' decomposition that drops columns whose pivot falls below ``toler_chol`` times the
largest diagonal (R's ``cholesky2``), so that iterates, iteration counts and warnings
match R's.

References
----------
.. [1] Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
.. [2] Efron B. The efficiency of Cox's likelihood function for censored data.
   J Am Stat Assoc 1977;72:557-565. doi:10.1080/01621459.1977.10480613
.. [3] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
   Springer; 2000, chapters 3 and 7 (score residuals, robust variance).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tacepath.survival import _kernels
from tacepath.survival._data import FloatArray, IntArray

__all__ = [
    "Newton",
    "RiskSets",
    "Scratch",
    "Terms",
    "evaluate",
    "ldl",
    "ldl_inverse",
    "ldl_solve",
    "newton_counting",
    "newton_right",
    "risk_sets",
    "score_residuals",
    "suffix_sums",
    "wald_test",
]

#: Above this many strata the within-stratum reverse cumulative sums are taken from one
#: global sum (one NumPy call) instead of one call per stratum.
_LOOP_STRATA = 256
#: exp() overflows near 709; the linear predictor is shifted when it comes near.
_ETA_GUARD = 500.0


# --------------------------------------------------------------------------- risk sets


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskSets:
    """The sorted structure of the data: computed once, used by every iteration.

    The rows are sorted once by (stratum, stop time): ``order[k]`` is the data row at
    sorted position k, and every other index here is a sorted position. ``bounds`` are
    the stratum boundaries. Groups are the distinct (stratum, event time) pairs in that
    order; ``death_rows`` lists the events group by group. ``stop_pos[g]`` is the first
    position of the group's tied block (the risk set is the stratum's rows from there
    on, minus, for counting-process data, the rows from ``start_pos[g]`` on in
    ``start_order``, those with start >= t). Row k is at risk in groups
    ``row_lo[k] <= g < row_hi[k]``.
    """

    n: int
    n_strata: int
    order: IntArray
    bounds: IntArray
    start_order: IntArray | None
    start_bounds: IntArray | None
    stop_pos: IntArray
    start_pos: IntArray | None
    group_stratum: IntArray
    group_offsets: IntArray
    group_size: FloatArray
    death_rows: IntArray
    death_group: IntArray
    downwt: FloatArray
    row_hi: IntArray
    row_lo: IntArray

    efron: bool
    group_counts: IntArray

    @property
    def n_groups(self) -> int:
        return int(self.group_offsets.shape[0])


def risk_sets(
    time: FloatArray,
    status: FloatArray,
    start: FloatArray | None,
    strata: IntArray | None,
    *,
    efron: bool,
    order: IntArray | None = None,
) -> RiskSets:
    """Sort the rows once and index every risk set (see :class:`RiskSets`).

    ``order``: an argsort of ``time`` already computed (used without strata)."""
    n = int(time.shape[0])
    if strata is None:
        order = (np.argsort(time) if order is None else order).astype(np.intp)
        ss = np.zeros(n, dtype=np.intp)
        n_strata = 1
    else:
        order = np.lexsort((time, strata)).astype(np.intp)
        ss = strata[order].astype(np.intp)
        n_strata = int(ss[-1]) + 1 if n else 1
    ts = time[order]
    bounds = np.searchsorted(ss, np.arange(n_strata + 1)).astype(np.intp)
    new = np.ones(n, dtype=bool)
    new[1:] = (ts[1:] != ts[:-1]) | (ss[1:] != ss[:-1])
    block = np.cumsum(new) - 1
    block_start = np.flatnonzero(new)

    dpos = np.flatnonzero(status[order] > 0).astype(np.intp)
    dblock = block[dpos]
    first = np.ones(dpos.shape[0], dtype=bool)
    first[1:] = dblock[1:] != dblock[:-1]
    offsets = np.flatnonzero(first).astype(np.intp)
    death_group = (np.cumsum(first) - 1).astype(np.intp)
    group_block = dblock[offsets]
    size = np.diff(np.append(offsets, dpos.shape[0])).astype(float)
    if efron:
        downwt = (np.arange(dpos.shape[0]) - offsets[death_group]) / size[death_group]
    else:
        downwt = np.zeros(dpos.shape[0])
    is_group = np.zeros(block_start.shape[0], dtype=np.intp)
    is_group[group_block] = 1
    groups_upto = np.cumsum(is_group)
    row_hi = groups_upto[block].astype(np.intp)
    stop_pos = block_start[group_block].astype(np.intp)
    group_stratum = ss[dpos[offsets]]

    start_order: IntArray | None = None
    start_bounds: IntArray | None = None
    start_pos: IntArray | None = None
    if start is None:
        first_block = block[np.minimum(bounds[:-1], max(n - 1, 0))]
        row_lo = (groups_upto - is_group)[first_block][ss].astype(np.intp)
    else:
        st = start[order]
        grid = np.unique(np.concatenate([ts, st]))
        width = np.int64(grid.shape[0] + 1)
        s64 = ss.astype(np.int64) * width
        stop_key = s64 + np.searchsorted(grid, ts)
        start_key = s64 + np.searchsorted(grid, st)
        start_order = np.argsort(start_key, kind="stable").astype(np.intp)
        start_sorted = start_key[start_order]
        start_bounds = np.searchsorted(
            start_sorted, np.arange(n_strata + 1, dtype=np.int64) * width
        ).astype(np.intp)
        group_key = stop_key[dpos[offsets]]
        start_pos = np.searchsorted(start_sorted, group_key, side="left").astype(np.intp)
        row_lo = np.searchsorted(group_key, start_key, side="right").astype(np.intp)
    return RiskSets(
        n=n,
        n_strata=n_strata,
        order=order,
        bounds=bounds,
        start_order=start_order,
        start_bounds=start_bounds,
        stop_pos=stop_pos,
        start_pos=start_pos,
        group_stratum=group_stratum,
        group_offsets=offsets,
        group_size=size,
        death_rows=dpos,
        death_group=death_group,
        downwt=downwt,
        row_hi=row_hi,
        row_lo=row_lo,
        efron=efron,
        group_counts=size.astype(np.intp),
    )


class Scratch:
    """Reusable work arrays: a fresh array of tens of MB costs page faults on every
    iteration, a reused one does not."""

    __slots__ = ("_arrays",)

    def __init__(self) -> None:
        self._arrays: dict[tuple[str, tuple[int, ...]], FloatArray] = {}

    def clear(self) -> None:
        self._arrays.clear()

    def get(self, name: str, shape: tuple[int, ...]) -> FloatArray:
        key = (name, shape)
        arr = self._arrays.get(key)
        if arr is None:
            arr = np.empty(shape)
            self._arrays[key] = arr
        return arr


def suffix_sums(
    values: FloatArray,
    bounds: IntArray,
    pos: IntArray,
    stratum: IntArray,
    scratch: Scratch | None = None,
) -> FloatArray:
    """Sums of ``values[:, pos:end of the stratum]`` (columns pre-sorted by stratum).

    ``values`` is (k, n); ``bounds`` the stratum boundaries. The sums run backwards
    from the end of each stratum, as R accumulates risk sets, so a small late risk set
    is not the difference of two large sums.
    """
    k = values.shape[0]
    n_strata = bounds.shape[0] - 1
    if n_strata <= _LOOP_STRATA:
        out = np.zeros((k, pos.shape[0]))
        gbounds = np.searchsorted(stratum, np.arange(n_strata + 1))
        for st in range(n_strata):
            g0, g1 = int(gbounds[st]), int(gbounds[st + 1])
            if g0 == g1:
                continue
            lo, hi = int(bounds[st]), int(bounds[st + 1])
            # rc[:, j] = sum of the last j + 1 columns of the stratum
            shape = (k, hi - lo)
            rc = np.empty(shape) if scratch is None else scratch.get("suffix", shape)
            np.cumsum(values[:, lo:hi][:, ::-1], axis=1, out=rc)
            back = hi - 1 - pos[g0:g1]
            inside = back >= 0
            out[:, g0:g1] = np.where(inside, np.take(rc, np.maximum(back, 0), axis=1), 0.0)
        return out
    rev = np.zeros((k, values.shape[1] + 1))
    rev[:, :-1] = np.cumsum(values[:, ::-1], axis=1)[:, ::-1]
    return np.asarray(np.take(rev, pos, axis=1) - np.take(rev, bounds[stratum + 1], axis=1))


# ------------------------------------------------------------------- one evaluation


@dataclass(frozen=True, slots=True, kw_only=True)
class Terms:
    """Per-death-term quantities at one coefficient vector (see the module notation).

    Arrays over rows are in sorted order; ``sums`` is (p, number of deaths).
    """

    eta: FloatArray
    score: FloatArray  # exp(eta - shift), without the case weight
    den: FloatArray
    sums: FloatArray
    wtave: FloatArray
    shift: float


def _terms(
    rs: RiskSets,
    xt: FloatArray,
    w: FloatArray,
    beta: FloatArray,
    scratch: Scratch | None = None,
) -> Terms:
    """``xt`` is the (p, n) design in sorted order, ``w`` the sorted weights."""
    eta = beta @ xt if xt.shape[0] else np.zeros(rs.n)
    top = float(eta.max()) if rs.n else 0.0
    shift = top - _ETA_GUARD if top > _ETA_GUARD else 0.0
    score = np.exp(eta - shift)
    risk = w * score
    shape = (xt.shape[0] + 1, rs.n)
    z = np.empty(shape) if scratch is None else scratch.get("z", shape)
    z[0] = risk
    np.multiply(xt, risk, out=z[1:])
    s = suffix_sums(z, rs.bounds, rs.stop_pos, rs.group_stratum, scratch)
    if rs.start_order is not None:
        assert rs.start_bounds is not None
        assert rs.start_pos is not None
        zs = np.take(z, rs.start_order, axis=1)
        s -= suffix_sums(zs, rs.start_bounds, rs.start_pos, rs.group_stratum, scratch)
    counts = rs.group_counts
    sg = np.repeat(s, counts, axis=1)
    if rs.efron:
        d = np.add.reduceat(np.take(z, rs.death_rows, axis=1), rs.group_offsets, axis=1)
        sg -= rs.downwt * np.repeat(d, counts, axis=1)
    den = sg[0]
    sums = sg[1:]
    deadwt = np.add.reduceat(w[rs.death_rows], rs.group_offsets)
    wtave = np.repeat(deadwt / rs.group_size, counts)
    return Terms(eta=eta, score=score, den=den, sums=sums, wtave=wtave, shift=shift)


def _per_row(rs: RiskSets, per_term: FloatArray, own: FloatArray) -> FloatArray:
    """Sum of ``per_term`` (last axis: death terms) over the risk sets holding each row.

    A row that dies at time t is weighted by ``own`` (the Efron fractions) instead of
    ``per_term`` in the terms of its own tied set. The result's last axis is the rows.
    """
    offsets = rs.group_offsets
    h1 = np.add.reduceat(per_term, offsets, axis=-1)
    h2 = np.add.reduceat(own, offsets, axis=-1)
    shape = (*h1.shape[:-1], 1)
    cum = np.concatenate([np.zeros(shape), np.cumsum(h1, axis=-1)], axis=-1)
    out = np.take(cum, rs.row_hi, axis=-1) - np.take(cum, rs.row_lo, axis=-1)
    gd = rs.death_group
    out[..., rs.death_rows] += np.take(h2 - h1, gd, axis=-1)
    return np.asarray(out)


def evaluate(
    rs: RiskSets,
    xt: FloatArray,
    w: FloatArray,
    beta: FloatArray,
    scratch: Scratch | None = None,
) -> tuple[float, FloatArray, FloatArray]:
    """Log partial likelihood, score vector and information matrix at ``beta``.

    One compiled backward sweep per stratum (:func:`tacepath.survival._kernels.cox_sums`,
    R's ``coxfit6`` / ``agfit4`` accumulation)."""
    none = np.zeros(0, dtype=np.int64)
    return _kernels.cox_sums(
        np.ascontiguousarray(xt, dtype=np.float64),
        np.ascontiguousarray(w, dtype=np.float64),
        np.ascontiguousarray(beta, dtype=np.float64),
        _ETA_GUARD,
        rs.bounds.astype(np.int64, copy=False),
        rs.stop_pos.astype(np.int64, copy=False),
        rs.group_stratum.astype(np.int64, copy=False),
        rs.group_offsets.astype(np.int64, copy=False),
        rs.death_rows.astype(np.int64, copy=False),
        rs.efron,
        none if rs.start_order is None else rs.start_order.astype(np.int64, copy=False),
        none if rs.start_bounds is None else rs.start_bounds.astype(np.int64, copy=False),
        none if rs.start_pos is None else rs.start_pos.astype(np.int64, copy=False),
    )


def score_residuals(rs: RiskSets, xt: FloatArray, w: FloatArray, beta: FloatArray) -> FloatArray:
    """Score residuals (unweighted; (p, n) in sorted order), as R ``residuals(type='score')``."""
    t = _terms(rs, xt, w, beta)
    hz = t.wtave / t.den
    mean = t.sums / t.den
    own = (1.0 - rs.downwt) * hz
    h = _per_row(rs, hz, own)
    mh = _per_row(rs, mean * hz, mean * own)
    resid = -t.score * (xt * h - mh)
    m3 = np.add.reduceat(mean, rs.group_offsets, axis=1) / rs.group_size
    dr = rs.death_rows
    resid[:, dr] += np.take(xt, dr, axis=1) - np.take(m3, rs.death_group, axis=1)
    return np.asarray(resid)


# ------------------------------------------------------------- LDL' (R's cholesky2)


def ldl(matrix: FloatArray, toler: float) -> tuple[FloatArray, int]:
    """LDL' decomposition with R ``cholesky2``'s rule for redundant columns.

    A pivot below ``toler`` times the largest diagonal element (or not finite) is set to
    0 and its column skipped. Returns the factor (D on the diagonal, L below it) and the
    rank (negative when the matrix is not non-negative definite).
    """
    m = np.array(matrix, dtype=float, copy=True)
    n = m.shape[0]
    iu = np.triu_indices(n, 1)
    m[(iu[1], iu[0])] = m[iu]
    diag = np.diag(m)
    pos = diag[diag > 0]
    if pos.size == 0:
        return m, 0
    eps = float(pos.max()) * toler
    rank = 0
    nonneg = 1
    for i in range(n):
        pivot = m[i, i]
        if not math.isfinite(pivot) or pivot < eps:
            m[i, i] = 0.0
            if pivot < -8 * eps:
                nonneg = -1
            continue
        rank += 1
        for j in range(i + 1, n):
            temp = m[j, i] / pivot
            m[j, i] = temp
            m[j, j] -= temp * temp * pivot
            m[j + 1 :, j] -= temp * m[j + 1 :, i]
    return m, rank * nonneg


def ldl_solve(fact: FloatArray, y: FloatArray) -> FloatArray:
    """Solve A b = y from :func:`ldl`'s factor (0 for the skipped columns)."""
    b = np.array(y, dtype=float, copy=True)
    n = b.shape[0]
    for i in range(n):
        b[i] -= float(np.dot(b[:i], fact[i, :i]))
    for i in range(n - 1, -1, -1):
        if fact[i, i] == 0:
            b[i] = 0.0
        else:
            b[i] = b[i] / fact[i, i] - float(np.dot(b[i + 1 :], fact[i + 1 :, i]))
    return b


def ldl_inverse(fact: FloatArray) -> FloatArray:
    """The (generalised) inverse from :func:`ldl`'s factor; skipped columns are 0."""
    m = np.array(fact, dtype=float, copy=True)
    n = m.shape[0]
    for i in range(n):
        if m[i, i] > 0:
            m[i, i] = 1.0 / m[i, i]
            for j in range(i + 1, n):
                m[j, i] = -m[j, i]
                m[j, :i] += m[j, i] * m[i, :i]
    for i in range(n):
        if m[i, i] == 0:
            m[:i, i] = 0.0
            m[i, i:] = 0.0
            continue
        for j in range(i + 1, n):
            temp = m[j, i] * m[j, j]
            m[i, j] = temp
            m[i, i:j] += temp * m[j, i:j]
    upper = np.triu(m)
    return np.asarray(upper + np.triu(upper, 1).T)


def wald_test(var: FloatArray, b: FloatArray, toler: float) -> tuple[float, int]:
    """b' V^- b and the rank of V, as R ``coxph.wtest``."""
    if b.shape[0] == 0:
        return 0.0, 0
    fact, _ = ldl(var, toler)
    df = int(np.sum(np.diag(fact) > 0))
    return float(b @ ldl_solve(fact, b)), df


# ------------------------------------------------------------------ Newton–Raphson


@dataclass(frozen=True, slots=True, kw_only=True)
class Newton:
    """The end of the iteration, on the scale the iteration used.

    ``flag`` is R's: the rank of the information matrix (``coxfit6``: at the end, -2 when
    it converged during step halving, 1000 when it ran out of iterations; ``agfit4``:
    at the start). ``ran_out`` marks a fit that used all its iterations.
    """

    beta: FloatArray
    var: FloatArray
    u: FloatArray
    loglik0: float
    loglik: float
    score_test: float
    iterations: int
    flag: int
    ran_out: bool


Evaluator = Callable[[FloatArray], tuple[float, FloatArray, FloatArray]]


def _converged(old: float, new: float, eps: float) -> bool:
    with np.errstate(divide="ignore", invalid="ignore"):
        return bool(abs(1.0 - old / new) <= eps)


def _finite(loglik: float, u: FloatArray, info: FloatArray) -> bool:
    return math.isfinite(loglik) and bool(np.isfinite(u).all()) and bool(np.isfinite(info).all())


def newton_right(
    ev: Evaluator, beta0: FloatArray, *, iter_max: int, eps: float, toler: float
) -> Newton:
    """Newton–Raphson with R ``coxfit6``'s rules (right-censored data)."""
    beta = beta0.copy()
    ll0, u, info = ev(beta)
    fact, flag = ldl(info, toler)
    step = ldl_solve(fact, u)
    sctest = float(u @ step)
    if iter_max == 0 or not math.isfinite(ll0):
        return Newton(
            beta=beta,
            var=ldl_inverse(fact),
            u=u,
            loglik0=ll0,
            loglik=ll0,
            score_test=sctest,
            iterations=0,
            flag=flag,
            ran_out=False,
        )
    best = ll0
    new = beta + step
    halving = 0
    for it in range(1, iter_max + 1):
        newlk, u, info = ev(new)
        fact, flag = ldl(info, toler)
        finite = _finite(newlk, u, info)
        if finite and _converged(best, newlk, eps):
            return Newton(
                beta=new,
                var=ldl_inverse(fact),
                u=u,
                loglik0=ll0,
                loglik=newlk,
                score_test=sctest,
                iterations=it,
                flag=-2 if halving else flag,
                ran_out=False,
            )
        if not finite or newlk < best:
            halving += 1
            new = (new + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = newlk
            beta = new
            new = new + ldl_solve(fact, u)
    if iter_max > 1:
        # R recomputes the information at the last good iterate and inverts it without
        # factoring it first: the result is diag(1 / diag(information)).
        best, u, info = ev(beta)
        d = np.diag(info)
        var = np.diag(np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 0.0))
    else:
        var = ldl_inverse(fact)
    return Newton(
        beta=beta,
        var=var,
        u=u,
        loglik0=ll0,
        loglik=best,
        score_test=sctest,
        iterations=iter_max + 1,
        flag=1000,
        ran_out=True,
    )


def newton_counting(
    ev: Evaluator, beta0: FloatArray, *, iter_max: int, eps: float, toler: float
) -> Newton:
    """Newton–Raphson with R ``agfit4``'s rules (counting-process data)."""
    beta = beta0.copy()
    ll0, u, info = ev(beta)
    fact, rank = ldl(info, toler)
    step = ldl_solve(fact, u)
    sctest = float(u @ step)
    if iter_max == 0 or not math.isfinite(ll0):
        return Newton(
            beta=beta,
            var=ldl_inverse(fact),
            u=u,
            loglik0=ll0,
            loglik=ll0,
            score_test=sctest,
            iterations=0,
            flag=rank,
            ran_out=False,
        )
    old = beta.copy()
    beta = beta + step
    best = ll0
    newlk = ll0
    halving = 0
    ran_out = False
    it = 0
    for it in range(1, iter_max + 1):
        newlk, u, info = ev(beta)
        fail = int(np.sum(~np.isfinite(np.diag(info)))) + (not math.isfinite(newlk))
        fact, rank2 = ldl(info, toler)
        fail += abs(rank - rank2)
        if fail == 0 and halving == 0 and _converged(best, newlk, eps):
            break
        if it == iter_max:
            ran_out = True
            if iter_max > 1 and (newlk - best) / abs(best) < -eps:
                beta = old
                newlk, u, info = ev(beta)
                fact, _ = ldl(info, toler)
            break
        if fail > 0 or newlk < best:
            halving += 1
            beta = (old * halving + beta) / (halving + 1.0)
        else:
            halving = 0
            best = newlk
            old = beta
            beta = beta + ldl_solve(fact, u)
    return Newton(
        beta=beta,
        var=ldl_inverse(fact),
        u=u,
        loglik0=ll0,
        loglik=newlk,
        score_test=sctest,
        iterations=it,
        flag=rank,
        ran_out=ran_out,
    )
