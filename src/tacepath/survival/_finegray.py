"""Fine–Gray proportional subdistribution hazards model, as R ``cmprsk::crr``.

The subdistribution hazard of cause 1 is modelled as λ₁(t; x) = λ₁₀(t) exp(x′β) [1]_. At a
cause-1 failure time t the risk set holds everyone still event-free (T ≥ t, weight 1) and
everyone who failed from another cause before t, weighted G(t−)/G(T−), G the Kaplan–Meier of
the censoring distribution (inverse probability of censoring weights); ties are Breslow's.
β maximises the weighted partial likelihood, by Newton–Raphson with ``crr``'s start (0),
backtracking and stopping rule, so the iterate is ``crr``'s. The variance is ``crr``'s
sandwich H⁻¹ (Σᵢ (ηᵢ + ψᵢ)(ηᵢ + ψᵢ)′) H⁻¹: ηᵢ the subject's score residual, ψᵢ the term
for the estimated censoring distribution (Fine & Gray 1999, section 3) [1]_ [2]_.

Everything is computed over the distinct cause-1 failure times with (times × rows) weight
matrices, so memory grows as (distinct failure times) × rows.

References
----------
.. [1] Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing
   risk. J Am Stat Assoc 1999;94(446):496-509. doi:10.1080/01621459.1999.10474144
.. [2] Gray RJ. cmprsk: Subdistribution Analysis of Competing Risks. R package (``crr``;
   Fortran ``crrfsv``, ``crrvv``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from tacepath.errors import InputError
from tacepath.jsonsafe import finite_list
from tacepath.survival._coxmodel import design_matrix, model_terms
from tacepath.survival._data import FloatArray, IntArray
from tacepath.survival._input import check_level
from tacepath.survival.competing import competing_data

__all__ = ["FineGrayResult", "fine_gray"]

#: ``crr``'s defaults: gradient tolerance and maximum Newton iterations.
GTOL = 1e-6
MAXITER = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class FineGrayResult:
    """A fitted Fine–Gray model: per design column (``terms``, R's names) the coefficient,
    its sandwich standard error, the subdistribution hazard ratio with its interval at
    ``conf_level``, Wald z and two-sided p; ``n`` rows used."""

    terms: tuple[str, ...]
    coef: FloatArray
    se: FloatArray
    hr: FloatArray
    hr_lower: FloatArray
    hr_upper: FloatArray
    z: FloatArray
    p: FloatArray
    variance: FloatArray
    cause: Any
    causes: tuple[Any, ...]
    n: int
    n_dropped: int
    n_events: int
    loglik: float
    loglik_null: float
    iterations: int
    converged: bool
    conf_level: float
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath survival finegray --json``."""
        return {
            "terms": list(self.terms),
            "coef": finite_list(self.coef),
            "se": finite_list(self.se),
            "hr": finite_list(self.hr),
            "hr_lower": finite_list(self.hr_lower),
            "hr_upper": finite_list(self.hr_upper),
            "z": finite_list(self.z),
            "p": finite_list(self.p),
            "n": self.n,
            "n_dropped": self.n_dropped,
            "n_events": self.n_events,
            "cause": self.cause,
            "causes": list(self.causes),
            "loglik": self.loglik,
            "loglik_null": self.loglik_null,
            "iterations": self.iterations,
            "converged": self.converged,
            "conf_level": self.conf_level,
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per term: coef, hr, se, z, p, hr_lower, hr_upper."""
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "coef": self.coef,
                "hr": self.hr,
                "se": self.se,
                "z": self.z,
                "p": self.p,
                "hr_lower": self.hr_lower,
                "hr_upper": self.hr_upper,
            }
        )


@dataclass(frozen=True, slots=True)
class _Data:
    """Rows sorted by time: x, status (0 censored, 1 the cause, 2 another cause), G(T−)."""

    time: FloatArray
    x: FloatArray
    status: IntArray
    g_minus: FloatArray
    fail_times: FloatArray  # distinct cause-1 failure times
    d: FloatArray  # failures at each
    g_fail: FloatArray  # G(t−) at each
    fail_index: IntArray  # for every row, its failure time's index (−1 if not a failure)


def _censoring_km_minus(time: FloatArray, censored: FloatArray) -> FloatArray:
    """G(t−) at each row's time: the Kaplan–Meier of the censoring times just before t."""
    uniq, inv = np.unique(time, return_inverse=True)
    at_risk = np.cumsum(np.bincount(inv, minlength=uniq.size)[::-1])[::-1].astype(float)
    cens = np.bincount(inv, weights=censored, minlength=uniq.size)
    after = np.cumprod(1 - cens / at_risk)
    before = np.concatenate([[1.0], after[:-1]])
    return np.asarray(before[inv], dtype=float)


def _prepare(time: FloatArray, status: IntArray, x: FloatArray) -> _Data:
    order = np.argsort(time, kind="stable")
    t, st, xs = time[order], status[order], x[order]
    g = _censoring_km_minus(t, (st == 0).astype(float))
    fails = st == 1
    fail_times, first, counts = np.unique(t[fails], return_index=True, return_counts=True)
    fail_index = np.full(t.size, -1, dtype=np.intp)
    fail_index[fails] = np.searchsorted(fail_times, t[fails])
    return _Data(
        time=t,
        x=xs,
        status=st,
        g_minus=g,
        fail_times=fail_times,
        d=counts.astype(float),
        g_fail=g[fails][first],
        fail_index=fail_index,
    )


def _weights(data: _Data, beta: FloatArray) -> FloatArray:
    """(failure times × rows) risk-set weights: exp(x′β) while T ≥ t, times G(t−)/G(T−)
    for a failure from another cause before t, else 0."""
    r = np.exp(data.x @ beta)
    still = data.time[None, :] >= data.fail_times[:, None]
    other = (~still) & (data.status == 2)[None, :]
    ratio = data.g_fail[:, None] / data.g_minus[None, :]
    return np.where(still, r[None, :], np.where(other, r[None, :] * ratio, 0.0))


def _objective(data: _Data, beta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
    """Negative log partial likelihood, its gradient and Hessian (``crr``'s sign)."""
    w = _weights(data, beta)
    s0 = w.sum(axis=1)
    s1 = w @ data.x
    xbar = s1 / s0[:, None]
    fails = data.status == 1
    lik = float(-(data.x[fails] @ beta).sum() + data.d @ np.log(s0))
    grad = -data.x[fails].sum(axis=0) + data.d @ xbar
    s2 = np.einsum("kj,ja,jb->kab", w, data.x, data.x)
    hess = np.einsum("k,kab->ab", data.d / s0, s2) - np.einsum("k,ka,kb->ab", data.d, xbar, xbar)
    return lik, grad, hess


def _loglik(data: _Data, beta: FloatArray) -> float:
    w = _weights(data, beta)
    fails = data.status == 1
    return float(-(data.x[fails] @ beta).sum() + data.d @ np.log(w.sum(axis=1)))


def _newton(data: _Data) -> tuple[FloatArray, int, bool, tuple[str, ...]]:
    """``crr``'s Newton–Raphson: start 0; stop when max|∇|·max(|β|, 1) < max(|ℓ|, 1)·gtol;
    halve a step until ℓ decreases by the Armijo margin 1e-4·step′∇ (at most 20 times)."""
    beta = np.zeros(data.x.shape[1])
    for it in range(MAXITER + 1):
        lik, grad, hess = _objective(data, beta)
        if np.max(np.abs(grad) * np.maximum(np.abs(beta), 1)) < max(abs(lik), 1) * GTOL:
            return beta, it, True, ()
        if it == MAXITER:
            return beta, it, False, (f"not converged after {MAXITER} iterations (crr's maxiter)",)
        step = -np.linalg.solve(hess, grad)
        new = beta + step
        value = _loglik(data, new)
        halvings = 0
        while math.isnan(value) or value > lik + 1e-4 * float(step @ grad):
            halvings += 1
            step = step * 0.5
            new = beta + step
            value = _loglik(data, new)
            if halvings > 20:
                return beta, it, False, ("step halving failed 20 times (crr stops there)",)
        beta = new
    raise AssertionError("unreachable")  # pragma: no cover


def _sandwich(data: _Data, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Information H and the middle Σ (η + ψ)(η + ψ)′ of ``crr``'s variance."""
    w = _weights(data, beta)
    s0 = w.sum(axis=1)
    xbar = (w @ data.x) / s0[:, None]
    _, _, hess = _objective(data, beta)
    x = data.x
    # η: the score residuals (dN part − dΛ̂₁ part).
    a = (data.d / s0)[:, None] * w  # failure times × rows
    eta = -(x * a.sum(axis=0)[:, None] - a.T @ xbar)
    fails = data.status == 1
    eta[fails] += x[fails] - xbar[data.fail_index[fails]]
    # ψ: estimating G. q(u) at each distinct censoring time u.
    cens = data.status == 0
    psi = np.zeros_like(x)
    if cens.any():
        u, d_c = np.unique(data.time[cens], return_counts=True)
        at_risk = (data.time.size - np.searchsorted(data.time, u, side="left")).astype(float)
        others = np.flatnonzero(data.status == 2)
        r_o = np.exp(x[others] @ beta) / data.g_minus[others]
        c0 = np.concatenate([[0.0], np.cumsum(r_o)])
        c1 = np.vstack([np.zeros(x.shape[1]), np.cumsum(r_o[:, None] * x[others], axis=0)])
        before = np.searchsorted(data.time[others], u, side="left")  # T_j2 < u
        b0, b1 = c0[before], c1[before]
        c = data.d * data.g_fail / s0
        t0 = np.concatenate([np.cumsum(c[::-1])[::-1], [0.0]])
        t1 = np.vstack([np.cumsum((c[:, None] * xbar)[::-1], axis=0)[::-1], np.zeros(x.shape[1])])
        from_k = np.searchsorted(data.fail_times, u, side="left")  # t_k ≥ u
        q = b1 * t0[from_k][:, None] - b0[:, None] * t1[from_k]
        increments = np.cumsum(d_c[:, None] * q / at_risk[:, None] ** 2, axis=0)
        upto = np.searchsorted(u, data.time, side="right")  # censoring times ≤ T_i
        has = upto > 0
        psi[has] = -increments[upto[has] - 1]
        at = np.searchsorted(u, data.time[cens])
        psi[cens] += q[at] / at_risk[at][:, None]
    total = eta + psi
    return hess, total.T @ total


def fine_gray(
    data: Any,
    *,
    time: str,
    status: str,
    cause: Any,
    covariates: Sequence[str],
    categorical: Sequence[str] = (),
    reference: Mapping[str, Any] | None = None,
    censor_code: Any = 0,
    conf_level: float = 0.95,
) -> FineGrayResult:
    """Fit the Fine–Gray model for ``cause`` (R ``cmprsk::crr``) [1]_ [2]_.

    Parameters
    ----------
    data
        pandas or polars DataFrame (or a mapping of column name to values); rows with a
        missing value in a column used are left out (``na.omit``, as ``crr``).
    time, status
        Time column, and the status column holding ``censor_code`` (default 0) or a cause.
    cause
        The cause whose subdistribution hazard is modelled (``failcode``); every other
        cause is a competing event.
    covariates, categorical, reference
        As :func:`tacepath.survival.cox_ph`: numeric columns as they are, categorical ones
        by treatment coding (reference = the first level in R's order unless
        ``reference`` names one); terms are named as R's ``model.matrix`` names them.
    conf_level
        Level of the hazard-ratio intervals (exp(β ± z·se)).

    Notes
    -----
    One censoring distribution for everyone (``crr`` without ``cengroup``); no
    time-varying covariates (``cov2``). p = 2Φ(−|β/se|) as ``summary.crr``.
    """
    level = check_level(conf_level)
    covs, cats, refs = model_terms(covariates, categorical, reference)
    cd = competing_data(data, time=time, status=status, censor_code=censor_code, covariates=covs)
    wanted = str(cause)
    labels = [str(c) for c in cd.causes]
    if wanted not in labels:
        raise InputError("cause", cause, f"a cause present in {status!r} ({labels})")
    k = labels.index(wanted) + 1
    x, names, _ = design_matrix(cd.columns, covs, cats, refs)
    if not np.isfinite(x).all():
        raise InputError("covariates", "a non-finite value", "finite numbers")
    st = np.where(cd.cause == k, 1, np.where(cd.cause > 0, 2, 0)).astype(np.intp)
    if not (st == 1).any():
        raise InputError("cause", cause, "a cause with at least one event")
    prepared = _prepare(cd.time, st, x)
    beta, iterations, converged, notes = _newton(prepared)
    hess, middle = _sandwich(prepared, beta)
    inv = np.linalg.inv(hess)
    variance = inv @ middle @ inv.T
    se = np.sqrt(np.diag(variance))
    z = beta / se
    q = float(norm.ppf(0.5 + level / 2))
    return FineGrayResult(
        terms=names,
        coef=beta,
        se=se,
        hr=np.exp(beta),
        hr_lower=np.exp(beta - q * se),
        hr_upper=np.exp(beta + q * se),
        z=z,
        p=2 * norm.sf(np.abs(z)),
        variance=variance,
        cause=cd.causes[k - 1],
        causes=cd.causes,
        n=int(cd.time.size),
        n_dropped=cd.n_dropped,
        n_events=int((st == 1).sum()),
        loglik=-_loglik(prepared, beta),
        loglik_null=-_loglik(prepared, np.zeros_like(beta)),
        iterations=iterations,
        converged=converged,
        conf_level=level,
        warnings=notes,
    )
