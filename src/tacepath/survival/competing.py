"""Competing risks: cumulative incidence (Aalen–Johansen) and Gray's test, as R ``cmprsk``.

:func:`cumulative_incidence` is ``cmprsk::cuminc``: for every cause and group the
cumulative incidence function F_k(t) = Σ_{t_j ≤ t} S(t_j−) d_kj / n_j (S the all-cause
Kaplan–Meier of the group: the Aalen–Johansen estimator [1]_) with its variance (the
delta-method estimator ``cuminc`` computes, Gray's ``cinc`` routine), and, with two or more
groups, Gray's K-sample test per cause [2]_ (score s and its covariance V summed over strata,
statistic s′V⁻¹s on groups − 1 degrees of freedom, weight (1 − F(t−))^rho).

``status`` holds the censoring code (``censor_code``, default 0) or a cause code; causes
are every other code present, sorted as R sorts them. Times are compared exactly, as
``cmprsk`` does (no ``aeqSurv`` merge of floating-point noise).

References
----------
.. [1] Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains
   based on censored observations. Scand J Stat 1978;5(3):141-150.
.. [2] Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a
   competing risk. Ann Stat 1988;16(3):1141-1154. doi:10.1214/aos/1176350951
.. [3] Gray RJ. cmprsk: Subdistribution Analysis of Competing Risks. R package
   (functions ``cuminc``, ``crr``; Fortran ``cinc``, ``crstm``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import chi2

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields, finite_or_none
from tacepath.survival._data import FloatArray, IntArray, column, group_codes, plain_value
from tacepath.survival._input import SurvivalData, check_rho

__all__ = [
    "CompetingData",
    "CumulativeIncidence",
    "CumulativeIncidenceResult",
    "GrayTest",
    "competing_data",
    "cumulative_incidence",
]

_EVENT = "__tacepath_any_event__"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetingData:
    """Checked competing-risks data: ``time`` (≥ 0, finite), ``cause`` (0 = censored,
    k = the k-th of ``causes``), the ``group`` and ``strata`` codes with their levels, and
    the rows left out for a missing value; ``columns`` holds the further columns asked for
    (covariates), ``rows`` the 0-based input rows kept."""

    time: FloatArray
    cause: IntArray
    causes: tuple[Any, ...]
    group: IntArray
    groups: tuple[Any, ...]
    strata: IntArray
    n_dropped: int
    columns: Mapping[str, npt.NDArray[Any]] = field(default_factory=dict, repr=False)
    rows: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.intp), repr=False)


def _code_text(value: Any) -> str:
    return str(plain_value(value))


def competing_data(
    data: Any,
    *,
    time: str,
    status: str,
    group: str | None = None,
    strata: str | Sequence[str] | None = None,
    censor_code: Any = 0,
    covariates: Sequence[str] = (),
) -> CompetingData:
    """Read and check the columns: times through :class:`SurvivalData`, status codes
    compared with ``censor_code`` as text (``0``, ``0.0`` and ``"0"`` are one code)."""
    strata_cols: tuple[str, ...] = (
        () if strata is None else (strata,) if isinstance(strata, str) else tuple(strata)
    )
    raw_status = column(data, status, role="status")
    censor = _code_text(censor_code)
    missing = np.asarray(pd.isna(raw_status), dtype=bool)
    flags = np.array(
        [
            np.nan if m else float(_code_text(v) != censor)
            for v, m in zip(raw_status, missing, strict=True)
        ],
        dtype=float,
    )
    frame = {time: column(data, time, role="time"), _EVENT: flags, status: raw_status}
    other = [("status", status)]
    if group is not None:
        frame[group] = column(data, group, role="group")
        other.append(("group", group))
    for s in strata_cols:
        frame[s] = column(data, s, role="strata")
        other.append(("strata", s))
    for c in covariates:
        frame[c] = column(data, c, role="covariates")
        other.append(("covariates", c))
    d = SurvivalData.from_frame(frame, time=time, event=_EVENT, other=other)
    codes = np.array([_code_text(v) for v in d.columns[status]], dtype=object)
    failed = d.event == 1
    values = d.columns[status][failed]
    if values.dtype == object:
        as_num = pd.to_numeric(pd.Series(values), errors="coerce")
        if not as_num.isna().any():
            values = as_num.to_numpy()
    causes, _ = group_codes(np.asarray(values)) if failed.any() else ([], None)
    lookup = {_code_text(c): k + 1 for k, c in enumerate(causes)}
    cause = np.array(
        [0 if not f else lookup[c] for c, f in zip(codes, failed, strict=True)], dtype=np.intp
    )
    if group is None:
        g_levels: list[Any] = [1]
        g_codes = np.zeros(d.n, dtype=np.intp)
    else:
        g_levels, g_codes = group_codes(np.asarray(d.columns[group]))
    if strata_cols:
        keys = pd.MultiIndex.from_arrays([np.asarray(d.columns[s]) for s in strata_cols])
        s_codes = np.asarray(pd.factorize(keys, sort=True)[0], dtype=np.intp)
    else:
        s_codes = np.zeros(d.n, dtype=np.intp)
    return CompetingData(
        time=np.asarray(d.time, dtype=float),
        cause=cause,
        causes=tuple(causes),
        group=g_codes,
        groups=tuple(g_levels),
        strata=s_codes,
        n_dropped=d.n_dropped,
        columns={c: d.columns[c] for c in covariates},
        rows=d.rows,
    )


# --------------------------------------------------------------------------- the curves


@dataclass(frozen=True, slots=True, kw_only=True)
class CumulativeIncidence(JsonFields):
    """One cause in one group, as ``cuminc`` returns it: ``time`` and ``estimate`` are the
    corners of the step function (0 at time 0, then each event time of the cause twice,
    before and after the jump, and the group's largest time last); ``variance`` is the
    estimator's variance at each corner."""

    group: Any
    cause: Any
    time: FloatArray
    estimate: FloatArray
    variance: FloatArray

    def at(self, times: Sequence[float]) -> FloatArray:
        """F(t) at each time (right-continuous; 0 before the first event)."""
        jumps, values = self.time[1:-1:2], self.estimate[2::2]
        idx = np.searchsorted(jumps, np.asarray(times, dtype=float), side="right")
        return np.concatenate([[0.0], values])[idx]

    def variance_at(self, times: Sequence[float]) -> FloatArray:
        """The variance of F(t) at each time (``cmprsk::timepoints``' ``var``)."""
        jumps, values = self.time[1:-1:2], self.variance[2::2]
        idx = np.searchsorted(jumps, np.asarray(times, dtype=float), side="right")
        return np.concatenate([[0.0], values])[idx]


def _distinct(time: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct times (sorted) and each row's index among them."""
    uniq, inverse = np.unique(time, return_inverse=True)
    return uniq, inverse.astype(np.intp)


def _cif_one(time: FloatArray, cause: IntArray, k: int) -> tuple[FloatArray, ...]:
    """Aalen–Johansen CIF of cause ``k`` and its variance in one group (``cmprsk`` cinc)."""
    uniq, idx = _distinct(time)
    m = uniq.size
    rows = np.bincount(idx, minlength=m).astype(float)
    d1 = np.bincount(idx, weights=(cause == k).astype(float), minlength=m)
    d_all = np.bincount(idx, weights=(cause > 0).astype(float), minlength=m)
    rs = np.cumsum(rows[::-1])[::-1]
    ev = d_all > 0
    t, rs, d1, d_all = uniq[ev], rs[ev], d1[ev], d_all[ev]
    d2 = d_all - d1
    after = (rs - d_all) / rs
    fk = np.concatenate([[1.0], np.cumprod(after)[:-1]])  # S(t−), all causes
    fkn = fk * after  # S(t)
    f = np.cumsum(fk * d1 / rs)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(fkn > 0, 1.0 / np.where(fkn > 0, fkn, 1.0), 0.0)
        ties2 = np.where(d2 > 1, 1 - (d2 - 1) / (rs - 1), 1.0)
        ties1 = np.where(d1 > 1, 1 - (d1 - 1) / (rs - 1), 1.0)
    # Other causes (only while S(t) > 0) and the cause itself: the three running sums.
    t6 = np.where((d2 > 0) & (fkn > 0), fk**2 * ties2 * d2 / rs**2, 0.0)
    t4 = f * inv
    s1 = fk**2 * ties1 * d1 / rs**2
    u4 = 1 + inv * f
    v1 = np.cumsum(t4**2 * t6 + u4**2 * s1)
    v2 = np.cumsum(inv * t4 * t6 + inv * u4 * s1)
    v3 = np.cumsum(inv**2 * t6 + inv**2 * s1)
    jump = d1 > 0
    fj = f[jump]
    vj = (v1 + f**2 * v3 - 2 * f * v2)[jump]
    before_f = np.concatenate([[0.0], fj])[:-1]
    before_v = np.concatenate([[0.0], vj])[:-1]
    last = float(time.max())
    x = np.concatenate([[0.0], np.repeat(t[jump], 2), [last]])
    est = np.concatenate(
        [[0.0], np.column_stack([before_f, fj]).ravel(), fj[-1:] if fj.size else [0.0]]
    )
    var = np.concatenate(
        [[0.0], np.column_stack([before_v, vj]).ravel(), vj[-1:] if vj.size else [0.0]]
    )
    return x, est, var


# --------------------------------------------------------------------------- Gray's test


@dataclass(frozen=True, slots=True, kw_only=True)
class GrayTest:
    """Gray's test that the cumulative incidence of ``cause`` is equal in all groups:
    ``stat`` = s′V⁻¹s on ``df`` = groups − 1 degrees of freedom (``score`` s and
    ``variance`` V for the first groups − 1 groups, summed over strata)."""

    cause: Any
    stat: float
    df: int
    p: float
    score: FloatArray
    variance: FloatArray

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "stat": finite_or_none(self.stat),
            "df": self.df,
            "p": finite_or_none(self.p),
        }


def _gray_stratum(
    time: FloatArray, m: IntArray, group: IntArray, ng: int, rho: float
) -> tuple[FloatArray, FloatArray]:
    """Score and covariance of one stratum (Gray 1988; ``cmprsk`` crst). ``m`` is 0
    censored, 1 the cause of interest, 2 another cause."""
    uniq, idx = _distinct(time)
    n_t = uniq.size
    cell = group * n_t + idx
    size = ng * n_t

    def table(weights: npt.NDArray[Any] | None) -> FloatArray:
        counts = np.bincount(cell, weights=weights, minlength=size)
        return np.asarray(counts, dtype=float).reshape(ng, n_t)

    rows = table(None)
    at_risk = np.cumsum(rows[:, ::-1], axis=1)[:, ::-1]
    d1_all = table((m == 1).astype(float))
    d2_all = table((m == 2).astype(float))
    ng1 = ng - 1
    score = np.zeros(ng1)
    v = np.zeros((ng1, ng1))
    c = np.zeros((ng, ng))
    v3 = np.zeros(ng)
    v2 = np.zeros((ng1, ng))
    skmm = np.ones(ng)
    f1m = np.zeros(ng)
    fm = 0.0
    for j in np.flatnonzero((d1_all + d2_all).sum(axis=0) > 0):
        rs, d1, d2 = at_risk[:, j], d1_all[:, j], d2_all[:, j]
        nd1, nd2 = float(d1.sum()), float(d2.sum())
        act = rs > 0
        safe_rs = np.where(act, rs, 1.0)
        safe_km = np.where(act, skmm, 1.0)  # a group with nobody left may have S = 0
        skm = np.where(act, skmm * (rs - d1 - d2) / safe_rs, skmm)
        f1 = np.where(act, f1m + skmm * d1 / safe_rs, f1m)
        h = np.where(act, rs / safe_km, 0.0)
        tr = float(h.sum())
        tq = float(np.where(act, rs * (1 - f1m) / safe_km, 0.0).sum())
        f = fm + nd1 / tr
        fb = (1 - fm) ** rho
        a = fb * (np.diag(h) - np.outer(h, h) / tr)
        with np.errstate(divide="ignore", invalid="ignore"):
            c += np.where(a != 0, a * nd1 / (tr * (1 - fm)), 0.0)
        score += np.where(act, fb * (d1 - nd1 * rs * (1 - f1m) / (safe_km * tq)), 0.0)[:ng1]
        if nd1 > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                t4 = np.where(skm > 0, 1 - (1 - f) / np.where(skm > 0, skm, 1.0), 1.0)
                t5 = 1 - (nd1 - 1) / (tr * skmm - 1) if nd1 > 1 else np.ones(ng)
                t3 = np.where(act, t5 * skmm * nd1 / (tr * safe_rs), 0.0)
            v3 += t4**2 * t3
            b = a[:ng1] - t4 * c[:ng1]
            v2 += b * (t4 * t3)
            v += (b * t3) @ b.T
        if nd2 > 0:
            ok = (skm > 0) & (d2 > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                t4 = np.where(ok, (1 - f) / np.where(skm > 0, skm, 1.0), 0.0)
                t5 = np.where(d2 > 1, 1 - (d2 - 1) / (safe_rs - 1), 1.0)
                t3 = np.where(ok, t5 * skmm**2 * d2 / safe_rs**2, 0.0)
            v3 += t4**2 * t3
            tt = t4 * c[:ng1]
            v2 -= tt * (t4 * t3)
            v += (tt * t3) @ tt.T
        fm, f1m, skmm = f, f1, skm
    c1 = c[:ng1]
    v += (c1 * v3) @ c1.T + c1 @ v2.T + v2 @ c1.T
    return score, v


def _gray_test(d: CompetingData, k: int, rho: float) -> GrayTest:
    ng = len(d.groups)
    m = np.where(d.cause == k, 1, np.where(d.cause > 0, 2, 0)).astype(np.intp)
    score = np.zeros(ng - 1)
    variance = np.zeros((ng - 1, ng - 1))
    for s in np.unique(d.strata):
        rows = d.strata == s
        order = np.argsort(d.time[rows], kind="stable")
        sc, v = _gray_stratum(d.time[rows][order], m[rows][order], d.group[rows][order], ng, rho)
        score += sc
        variance += v
    stat = float("nan")
    if np.linalg.matrix_rank(variance) == ng - 1:
        stat = float(score @ np.linalg.solve(variance, score))
    p = float(chi2.sf(stat, ng - 1)) if math.isfinite(stat) else float("nan")
    return GrayTest(
        cause=d.causes[k - 1], stat=stat, df=ng - 1, p=p, score=score, variance=variance
    )


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, slots=True, kw_only=True)
class CumulativeIncidenceResult:
    """Every cause's cumulative incidence in every group (cause-major, as ``cuminc``
    lists them) and, with two or more groups, Gray's test per cause."""

    curves: tuple[CumulativeIncidence, ...]
    gray_test: tuple[GrayTest, ...]
    causes: tuple[Any, ...]
    groups: tuple[Any, ...]
    group_column: str | None
    rho: float
    n: int
    n_dropped: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath survival cif --json``."""
        return {
            "curves": [c.to_dict() for c in self.curves],
            "gray_test": [g.to_dict() for g in self.gray_test],
            "causes": list(self.causes),
            "groups": list(self.groups) if self.group_column is not None else [],
            "group_column": self.group_column,
            "rho": self.rho,
            "n": self.n,
            "n_dropped": self.n_dropped,
        }

    def curve(self, cause: Any, group: Any = None) -> CumulativeIncidence:
        """The curve of ``cause`` (in ``group``, when there are groups)."""
        for c in self.curves:
            same_group = group is None or _code_text(c.group) == _code_text(group)
            if _code_text(c.cause) == _code_text(cause) and same_group:
                return c
        raise InputError("cause", cause, f"one of {list(self.causes)}")


def cumulative_incidence(
    data: Any,
    *,
    time: str,
    status: str,
    group: str | None = None,
    strata: str | Sequence[str] | None = None,
    censor_code: Any = 0,
    rho: float = 0.0,
) -> CumulativeIncidenceResult:
    """Cumulative incidence of each cause by group, with Gray's test (R ``cmprsk::cuminc``)
    [1]_ [2]_ [3]_.

    Parameters
    ----------
    data
        pandas or polars DataFrame (or a mapping of column name to values).
    time
        Time column (≥ 0).
    status
        Column holding ``censor_code`` for a censored row, or the code of the cause.
    group
        Column whose levels get a curve each and are compared by Gray's test.
    strata
        Column(s) stratifying Gray's test (the curves are not stratified), as ``cuminc``.
    censor_code
        The code of censoring in ``status`` (default 0).
    rho
        Power of the weight (1 − F(t−))^rho of Gray's test (0, the default, as ``cuminc``).

    Notes
    -----
    The variance is ``cuminc``'s; where the statistic's covariance is singular ``cuminc``
    reports a statistic of −1 (and p = 1): tacepath reports it as undefined (``None``).
    """
    weight = check_rho(rho)
    d = competing_data(
        data, time=time, status=status, group=group, strata=strata, censor_code=censor_code
    )
    if not d.causes:
        raise InputError(f"status {status!r}", "only censored rows", "at least one event")
    curves = []
    for k in range(1, len(d.causes) + 1):
        for gi, g in enumerate(d.groups):
            rows = d.group == gi
            order = np.argsort(d.time[rows], kind="stable")
            x, est, var = _cif_one(d.time[rows][order], d.cause[rows][order], k)
            curves.append(
                CumulativeIncidence(
                    group=None if group is None else g,
                    cause=d.causes[k - 1],
                    time=x,
                    estimate=est,
                    variance=var,
                )
            )
    tests: tuple[GrayTest, ...] = ()
    if len(d.groups) > 1:
        tests = tuple(_gray_test(d, k, weight) for k in range(1, len(d.causes) + 1))
    return CumulativeIncidenceResult(
        curves=tuple(curves),
        gray_test=tests,
        causes=d.causes,
        groups=d.groups,
        group_column=group,
        rho=weight,
        n=int(d.time.size),
        n_dropped=d.n_dropped,
    )
