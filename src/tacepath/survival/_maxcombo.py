"""MaxCombo: the largest of several Fleming–Harrington weighted log-rank statistics.

For two groups and weights w_k(t) = S(t−)^rho_k (1 − S(t−))^gamma_k (S the pooled
Kaplan–Meier of the stratum), U_k = Σ_t w_k (d_1 − n_1 d / n) and
Cov(U_k, U_l) = Σ_t w_k w_l (n_1 n_0 / n²) d (n − d)/(n − 1), summed over distinct event
times and strata (the hypergeometric variance with the ties correction, as R ``survdiff``).
Z_k = U_k / √V_kk are jointly normal under the null with correlation
R_kl = V_kl / √(V_kk V_ll); the test statistic is max_k |Z_k| and its p-value
P(max_k |Z_k| ≥ m) = 1 − P(−m ≤ Z ≤ m) is a multivariate-normal box probability [1]_ [2]_.
The default set has a singular correlation (w_00 = w_01 + w_10), which the integration
handles (SciPy's ``multivariate_normal.cdf`` does not do so reliably: its estimates for
singular matrices scatter by ~1e-5 between seeds).

References
----------
.. [1] Lin RS, Lin J, Roychoudhury S, et al. Alternative analysis methods for time to event
   endpoints under nonproportional hazards: a comparative analysis. Stat Biopharm Res
   2020;12(2):187-198. doi:10.1080/19466315.2019.1697738
.. [2] Genz A. Numerical computation of multivariate normal probabilities. J Comput Graph
   Stat 1992;1(2):141-149 (the algorithm of SciPy's ``multivariate_normal.cdf`` and of
   R ``mvtnorm::pmvnorm``'s default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.linalg import lapack
from scipy.special import ndtr, ndtri
from scipy.stats import norm, qmc

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields, finite_or_none
from tacepath.survival._data import FloatArray, IntArray, group_codes
from tacepath.survival._input import SurvivalData, check_gamma, check_rho
from tacepath.survival._logrank import fh_weight, stratum_tables

__all__ = [
    "DEFAULT_COMBO",
    "MaxComboResult",
    "WeightedZ",
    "max_abs_normal_p",
    "max_normal_p",
    "maxcombo_test",
]

#: The four tests of Lin et al. (2020): G(0,0), G(0,1), G(1,0), G(1,1).
DEFAULT_COMBO: tuple[tuple[float, float], ...] = ((0, 0), (0, 1), (1, 0), (1, 1))

#: Relative tolerance below which a pivot of the correlation counts as zero (its rank).
_RANK_TOL = 1e-10
#: Independent scramblings of 2^_SOBOL_LOG2 Sobol points each (the p-value's error estimate).
_SCRAMBLES = 8
_SOBOL_LOG2 = 18


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightedZ(JsonFields):
    """One G(rho, gamma) statistic: Z = U/√V of the second group (R level order)."""

    rho: float
    gamma: float
    z: float


@dataclass(frozen=True, slots=True, kw_only=True)
class MaxComboResult:
    """MaxCombo test of two groups: the statistics, their null correlation, max |Z|, p.

    ``tests`` are in the order asked; ``correlation`` is their K × K null correlation;
    ``p`` = P(max_k |Z_k| ≥ ``max_abs_z``) under the joint normal (two-sided), integrated
    numerically with absolute error about ``p_error`` (see :func:`max_abs_normal_p`).
    """

    tests: tuple[WeightedZ, ...]
    correlation: FloatArray
    max_abs_z: float
    p: float
    p_error: float
    groups: tuple[Any, ...]
    group_column: str
    strata_columns: tuple[str, ...]
    n_dropped: int

    def one_sided(self, *, negative: bool) -> tuple[float, float]:
        """One-sided MaxCombo: the statistic max_k(∓z_k) (``negative``: the second group
        has fewer events than expected under the alternative) and its p =
        P(max_k Z_k ≥ statistic) under the joint normal."""
        zs = np.array([-t.z if negative else t.z for t in self.tests])
        statistic = float(zs.max())
        return statistic, max_normal_p(statistic, self.correlation)[0]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath survival logrank --maxcombo --json``."""
        return {
            "tests": [t.to_dict() for t in self.tests],
            "max_abs_z": finite_or_none(self.max_abs_z),
            "p": finite_or_none(self.p),
            "p_error": finite_or_none(self.p_error),
            "correlation": [[finite_or_none(v) for v in row] for row in self.correlation],
            "groups": list(self.groups),
            "group_column": self.group_column,
            "strata": list(self.strata_columns),
            "n_dropped": self.n_dropped,
        }


def _checked_combo(combo: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    pairs = tuple((check_rho(r), check_gamma(g)) for r, g in combo)
    if not pairs:
        raise InputError("combo", list(combo), "at least one (rho, gamma) pair")
    if len(set(pairs)) != len(pairs):
        raise InputError("combo", list(combo), "distinct (rho, gamma) pairs")
    return pairs


def combo_sums(
    time: FloatArray,
    event: FloatArray,
    codes: IntArray,
    combo: Sequence[tuple[float, float]],
    *,
    strata: IntArray | None,
) -> tuple[FloatArray, FloatArray]:
    """U (one per weight) and their K × K covariance for two groups coded 0/1, summed
    over strata (times merged as R's ``aeqSurv``)."""
    k = len(combo)
    u = np.zeros(k)
    cov = np.zeros((k, k))
    for rows, deaths in stratum_tables(time, event, codes, 2, strata=strata, fix_times=True):
        at_risk = np.cumsum(rows[:, ::-1], axis=1)[:, ::-1]
        n = at_risk.sum(axis=0)
        d = deaths.sum(axis=0)
        idx = np.flatnonzero(d > 0)
        n_h, d_h, n1_h, d1_h = n[idx], d[idx], at_risk[1, idx], deaths[1, idx]
        step = np.ones(n.size)
        np.divide(n - d, n, out=step, where=d > 0)
        s_minus = np.concatenate([[1.0], np.cumprod(step)[:-1]])[idx]
        w = np.array([fh_weight(s_minus, r, g) for r, g in combo])  # K × times
        u += w @ (d1_h - n1_h * d_h / n_h)
        many = n_h > 1
        v = np.zeros(idx.size)
        nm = n_h[many]
        v[many] = n1_h[many] * (nm - n1_h[many]) * d_h[many] * (nm - d_h[many])
        v[many] /= nm**2 * (nm - 1)
        cov += (w * v) @ w.T
    return u, cov


def _pivoted_factor(correlation: FloatArray) -> tuple[FloatArray, int]:
    """Rows of the pivoted Cholesky factor (LAPACK ``dpstrf``) in pivot order, K × rank:
    Z = L X with X standard normal of dimension rank. The MaxCombo correlation is often
    singular (w_00 = w_01 + w_10, so Z_00 is a combination of Z_01 and Z_10)."""
    # The pivot order is not needed: every variable has the same bounds (−m, m).
    c, _pivot, rank, info = lapack.dpstrf(correlation, lower=1, tol=_RANK_TOL)
    if info < 0:
        raise InputError("correlation", "not a correlation matrix", "a symmetric PSD matrix")
    lower = np.tril(c)[:, :rank]
    return np.asarray(lower, dtype=float), int(rank)


def max_abs_normal_p(m: float, correlation: FloatArray) -> tuple[float, float]:
    """P(max_k |Z_k| ≥ m) for Z ~ N(0, ``correlation``) and an estimate of its error.

    Genz's separation of variables on the pivoted Cholesky factor [2]_, which handles a
    singular correlation as R ``mvtnorm`` does (a dependent row bounds the last variable it
    involves), integrated by scrambled Sobol points (SciPy ``qmc``, fixed seeds); the error
    is 3 standard errors over the independent scramblings.
    """
    if not math.isfinite(m):
        return float("nan"), float("nan")
    if correlation.shape[0] == 1:
        return float(2 * norm.sf(m)), 0.0
    return _outside(-m, m, correlation)


def max_normal_p(m: float, correlation: FloatArray) -> tuple[float, float]:
    """P(max_k Z_k ≥ m) for Z ~ N(0, ``correlation``) (the one-sided MaxCombo p) and an
    estimate of its error, integrated as :func:`max_abs_normal_p`."""
    if not math.isfinite(m):
        return float("nan"), float("nan")
    if correlation.shape[0] == 1:
        return float(norm.sf(m)), 0.0
    return _outside(-np.inf, m, correlation)


def _outside(lo: float, hi: float, correlation: FloatArray) -> tuple[float, float]:
    """1 − P(lo ≤ Z_k ≤ hi for every k), and its error."""
    lower, rank = _pivoted_factor(correlation)
    big = np.abs(lower) > _RANK_TOL * np.abs(lower).max()
    last = np.array([int(np.flatnonzero(row)[-1]) for row in big])
    estimates = [
        _inside(lo, hi, lower, last, rank, qmc.Sobol(max(rank - 1, 1), seed=seed))
        for seed in range(_SCRAMBLES)
    ]
    inside = float(np.mean(estimates))
    error = 3 * float(np.std(estimates, ddof=1)) / math.sqrt(_SCRAMBLES)
    return float(min(1.0, max(0.0, 1.0 - inside))), error


def _inside(
    lo_bound: float, hi_bound: float, lower: FloatArray, last: IntArray, rank: int, sobol: qmc.Sobol
) -> float:
    """One scrambled-Sobol estimate of P(lo ≤ L X ≤ hi) by separation of variables."""
    w = sobol.random_base2(_SOBOL_LOG2)
    n = w.shape[0]
    x = np.zeros((n, rank))
    prob = np.ones(n)
    for j in range(rank):
        a, b = np.full(n, -np.inf), np.full(n, np.inf)
        for row in np.flatnonzero(last == j):
            shift = x[:, :j] @ lower[row, :j]
            coef = lower[row, j]
            lo, hi = (lo_bound - shift) / coef, (hi_bound - shift) / coef
            if coef < 0:
                lo, hi = hi, lo
            a, b = np.maximum(a, lo), np.minimum(b, hi)
        pa, pb = ndtr(a), ndtr(np.maximum(a, b))
        prob *= pb - pa
        if j < rank - 1:
            u = pa + w[:, j] * (pb - pa)
            x[:, j] = ndtri(np.clip(u, 1e-300, 1 - 1e-16))
    return float(prob.mean())


def maxcombo_test(
    data: Any,
    *,
    time: str,
    event: str,
    group: str,
    strata: str | Sequence[str] | None = None,
    combo: Sequence[tuple[float, float]] = DEFAULT_COMBO,
) -> MaxComboResult:
    """MaxCombo test of equal survival in two groups (Lin et al. 2020) [1]_.

    Parameters
    ----------
    data
        pandas or polars DataFrame (or a mapping of column name to values).
    time, event
        Time and event-flag columns (1 event, 0 censored); right-censored data.
    group
        Column with exactly two levels; Z is signed for the second level (R order).
    strata
        Column(s) defining strata: U and the covariances are summed over strata.
    combo
        The (rho, gamma) pairs of the Fleming–Harrington weights compared; default
        G(0,0), G(0,1), G(1,0), G(1,1).

    Notes
    -----
    See the module docstring for the formulas. Each Z_k equals the two-group
    :func:`logrank_test` with ``rho``, ``gamma`` (its ``z``). The p-value is integrated
    numerically (Genz's method, as R ``mvtnorm::pmvnorm``; error estimate ``p_error``,
    about 1e-8 absolute, fixed seeds, so the same data give the same p).
    """
    pairs = _checked_combo(combo)
    strata_cols: tuple[str, ...] = (
        () if strata is None else (strata,) if isinstance(strata, str) else tuple(strata)
    )
    other = [("group", group)] + [("strata", s) for s in strata_cols]
    d = SurvivalData.from_frame(data, time=time, event=event, other=other)
    levels, codes = group_codes(np.asarray(d.columns[group]))
    if len(levels) != 2:
        raise InputError(f"group {group!r}", levels, "a column with exactly 2 levels (MaxCombo)")
    strata_codes: IntArray | None = None
    if strata_cols:
        keys = pd.MultiIndex.from_arrays([np.asarray(d.columns[s]) for s in strata_cols])
        strata_codes = np.asarray(pd.factorize(keys, sort=True)[0], dtype=np.intp)
    u, cov = combo_sums(d.time, d.event, codes, pairs, strata=strata_codes)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = u / sd
        corr = cov / np.outer(sd, sd)
    finite = bool(np.isfinite(z).all())
    m = float(np.max(np.abs(z))) if finite else float("nan")
    if finite:
        np.fill_diagonal(corr, 1.0)
        corr = (corr + corr.T) / 2
    p, p_error = max_abs_normal_p(m, corr) if finite else (float("nan"), float("nan"))
    return MaxComboResult(
        tests=tuple(
            WeightedZ(rho=r, gamma=g, z=float(zk)) for (r, g), zk in zip(pairs, z, strict=True)
        ),
        correlation=corr,
        max_abs_z=m,
        p=p,
        p_error=p_error,
        groups=tuple(levels),
        group_column=group,
        strata_columns=strata_cols,
        n_dropped=d.n_dropped,
    )
