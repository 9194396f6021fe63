"""Cox proportional-hazards regression, as R ``survival::coxph``.

:func:`cox_ph` takes a DataFrame and column names, :func:`cox_fit` arrays. Both return a
:class:`CoxResult`: coefficients, hazard ratios with confidence intervals, naive and (with
a cluster or non-integer case weights) robust standard errors, the likelihood-ratio, Wald,
score and robust score tests, Harrell's concordance, and methods for the baseline hazard,
the predicted survival curve of a covariate profile and the proportional-hazards test.

Conventions (R's, made explicit):

* ``ties="efron"`` is the default (SAS PHREG and statsmodels default to Breslow); R's
  ``"exact"`` (SAS ``TIES=DISCRETE``) is not offered.
* Categorical covariates use treatment coding against the first level as R sorts levels
  (or ``reference``); the term of level ``b`` of column ``x`` is named ``xb``.
* A cluster, or case weights that are not all integers, make R use the robust sandwich
  variance: then ``se`` is the naive and ``robust_se`` the robust standard error, and the
  z statistics, p values, hazard-ratio intervals and the Wald test use the robust one.
* A column that is a linear combination of earlier ones (a singular design) gets a NaN
  coefficient, as R's ``NA``; the other coefficients are those of the reduced model.
* Non-convergence and coefficients that run to infinity give R's warnings, as a
  :class:`~tacepath.errors.StatisticalWarning` and in ``warnings``.

References
----------
.. [1] Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
.. [2] Efron B. The efficiency of Cox's likelihood function for censored data.
   J Am Stat Assoc 1977;72:557-565. doi:10.1080/01621459.1977.10480613
.. [3] Lin DY, Wei LJ. The robust inference for the Cox proportional hazards model.
   J Am Stat Assoc 1989;84:1074-1078. doi:10.1080/01621459.1989.10478874
.. [4] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
   Springer; 2000. doi:10.1007/978-1-4757-3294-8
.. [5] Therneau T. A Package for Survival Analysis in R. R package survival 3.5, 2023.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import chi2, norm

from tacepath.errors import InputError, StatisticalWarning
from tacepath.survival._concordance import concordance
from tacepath.survival._coxfit import (
    Newton,
    RiskSets,
    Scratch,
    evaluate,
    newton_counting,
    newton_right,
    risk_sets,
    score_residuals,
    wald_test,
)
from tacepath.survival._coxmodel import (
    CoxModel,
    TermSpec,
    design_matrix,
    model_terms,
    strata_codes,
)
from tacepath.survival._coxresult import (
    ChiSquareTest,
    CoxControl,
    CoxResult,
    Ties,
    chisq_test,
)
from tacepath.survival._data import FloatArray, IntArray, group_codes
from tacepath.survival._input import SurvivalData, check_level, checked_labels, fixed_times

__all__ = ["ChiSquareTest", "CoxControl", "CoxResult", "Ties", "cox_fit", "cox_ph"]

_TIES = ("efron", "breslow")


def _check_ties(ties: str) -> Ties:
    if ties not in _TIES:
        raise InputError("ties", ties, "one of 'efron', 'breslow'")
    return "efron" if ties == "efron" else "breslow"


def _collapse(values: FloatArray, cluster: IntArray) -> FloatArray:
    """Column sums of (p, n) ``values`` within clusters: (number of clusters, p)."""
    ncl = int(cluster.max()) + 1
    return np.column_stack([np.bincount(cluster, v, minlength=ncl) for v in values])


def _robust_parts(
    rs: RiskSets,
    xt: FloatArray,
    w: FloatArray,
    beta_scaled: FloatArray,
    scale: FloatArray,
    naive: FloatArray,
    cluster: IntArray,
    toler: float,
) -> tuple[FloatArray, float]:
    """Sandwich variance (R: dfbeta residuals summed by cluster) and robust score test.

    Arrays over rows are in the sorted order of ``rs``.
    """
    resid = score_residuals(rs, xt, w, beta_scaled) / scale[:, None]
    d = _collapse((naive @ resid) * w, cluster)
    robust = d.T @ d
    resid0 = score_residuals(rs, xt, w, np.zeros(xt.shape[0])) / scale[:, None] * w
    d0 = _collapse(resid0, cluster)
    stat, _ = wald_test(d0.T @ d0, d0.sum(axis=0), toler)
    return np.asarray(robust), stat


def _warn_text(which: Sequence[int], names: Sequence[str], counting: bool) -> str:
    cols = ", ".join(f"{i + 1} ({names[i]})" for i in which)
    what = "beta" if counting else "coefficient"
    return f"Loglik converged before variable {cols}; {what} may be infinite."


def _scaled_design(
    x: FloatArray, w: FloatArray, order: IntArray, counting: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The design in sorted order, one row per covariate, centred and scaled as R does.

    Columns of -1/0/1 values are left alone; the others are centred at the weighted mean
    and divided by the weighted mean absolute deviation. Also returns the sorted weights,
    the scale factors and R's ``means`` (weighted for right-censored data, unweighted
    for counting-process data, 0 for the -1/0/1 columns).
    """
    xt = np.take(np.ascontiguousarray(x.T), order, axis=1)
    ws = w[order]
    zero_one = ((xt == 0.0) | (xt == 1.0) | (xt == -1.0)).all(axis=1)
    wsum = float(ws.sum())
    wmean = (xt @ ws) / wsum
    means = np.where(zero_one, 0.0, xt.mean(axis=1) if counting else wmean)
    xt -= np.where(zero_one, 0.0, wmean)[:, None]
    mad = (np.abs(xt) @ ws) / wsum
    scale = np.where(zero_one | (mad <= 0), 1.0, 1.0 / np.where(mad > 0, mad, 1.0))
    xt *= scale[:, None]
    return xt, ws, scale, means


def _fit_warnings(
    res: Newton,
    *,
    beta: FloatArray,
    u: FloatArray,
    naive: FloatArray,
    lp_max: float,
    names: Sequence[str],
    counting: bool,
    control: CoxControl,
) -> list[str]:
    """R's warnings of ``coxph.fit`` / ``agreg.fit`` (none when iter_max <= 1)."""
    messages: list[str] = []
    if control.iter_max <= 1:
        return messages
    infs = np.abs(u @ naive)
    if res.ran_out:
        messages.append("Ran out of iterations and did not converge")
        if not counting and (lp_max > 500 or not np.isfinite(infs).all()):
            messages.append("one or more coefficients may be infinite")
        return messages
    tol = control.inf_tolerance
    if counting:
        bad = ~np.isfinite(u) | (infs > tol * (1 + np.abs(beta)))
    else:
        bad = ~np.isfinite(u) | ((infs > control.eps) & (infs > tol * np.abs(beta)))
    if bad.any():
        messages.append(_warn_text(np.flatnonzero(bad).tolist(), names, counting))
    return messages


def _fit(
    *,
    time: FloatArray,
    status: FloatArray,
    x: FloatArray,
    start: FloatArray | None,
    weights: FloatArray | None,
    strata: IntArray | None,
    strata_labels: tuple[str, ...],
    cluster: IntArray | None,
    ties: Ties,
    control: CoxControl,
    conf_level: float,
    names: tuple[str, ...],
    specs: tuple[TermSpec, ...],
    strata_columns: tuple[str, ...],
    n_dropped: int,
    time_order: IntArray | None = None,
) -> CoxResult:
    n, p = x.shape
    n_event = int(np.sum(status))
    if n_event == 0:
        raise InputError("event", "no events", "at least one event to fit a Cox model")
    if p == 0:
        raise InputError("covariates", "none", "at least one covariate")
    w = np.ones(n) if weights is None else weights
    counting = start is not None
    efron = ties == "efron"

    rs = risk_sets(time, status, start, strata, efron=efron, order=time_order)
    xt, ws, scale, means = _scaled_design(x, w, rs.order, counting)
    scratch = Scratch()

    def ev(b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        return evaluate(rs, xt, ws, b, scratch)

    newton = newton_counting if counting else newton_right
    res = newton(
        ev, np.zeros(p), iter_max=control.iter_max, eps=control.eps, toler=control.toler_chol
    )
    scratch.clear()  # the work arrays of the iteration are not needed any more
    beta = res.beta * scale
    naive = res.var * np.outer(scale, scale)
    u = res.u / scale
    rank_flag = res.flag
    sing = np.diag(naive) == 0 if rank_flag < p else np.zeros(p, dtype=bool)

    lp_max = float(np.max(x @ beta - float(np.sum(beta * means))))
    messages = _fit_warnings(
        res,
        beta=beta,
        u=u,
        naive=naive,
        lp_max=lp_max,
        names=names,
        counting=counting,
        control=control,
    )
    for msg in messages:
        warnings.warn(msg, StatisticalWarning, stacklevel=3)

    coef = beta.copy()
    if control.iter_max > 0:
        coef[sing] = np.nan
    est = ~np.isnan(coef)
    beta0 = np.where(est, beta, 0.0)
    lp = np.zeros(n)
    for j in range(p):
        if beta0[j] != 0.0:
            lp += x[:, j] * beta0[j]
    lp -= float(np.sum(beta0 * means))

    robust = cluster is not None or (weights is not None and bool(np.any(w != np.floor(w))))
    var = naive
    robust_score: ChiSquareTest | None = None
    if robust and est.any():
        cl = cluster[rs.order] if cluster is not None else np.arange(n, dtype=np.intp)
        var, rstat = _robust_parts(rs, xt, ws, res.beta, scale, naive, cl, control.toler_chol)
        robust_score = chisq_test(rstat, int(est.sum()))
    df = int(est.sum())
    wstat, _ = wald_test(var[np.ix_(est, est)], coef[est], control.toler_chol)
    lr_stat = -2.0 * (res.loglik0 - res.loglik)

    se_naive = np.where(est, np.sqrt(np.diag(naive)), np.nan)
    se_used = np.where(est, np.sqrt(np.diag(var)), np.nan)
    zq = float(norm.ppf((1.0 + conf_level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = coef / se_used
        pval = chi2.sf(z**2, 1)
        hr = np.exp(coef)
        lower = np.exp(coef - zq * se_used)
        upper = np.exp(coef + zq * se_used)

    conc = concordance(
        time,
        status,
        lp,
        start=start,
        strata=strata,
        weights=weights,
        cluster=cluster,
        order=rs.order if start is None else None,
    )
    model = CoxModel(
        x=x,
        time=time,
        start=start,
        status=status,
        weights=weights,
        strata=strata,
        strata_labels=strata_labels,
        strata_columns=strata_columns,
        names=names,
        specs=specs,
        beta=beta0,
        means=means,
        var=var,
        lp=lp,
        efron=efron,
    )
    return CoxResult(
        terms=names,
        coef=coef,
        se=se_naive,
        robust_se=se_used if robust and est.any() else None,
        z=z,
        p=np.asarray(pval, dtype=float),
        hr=hr,
        hr_lower=lower,
        hr_upper=upper,
        var=var,
        naive_var=naive,
        loglik=(res.loglik0, res.loglik),
        lr=chisq_test(lr_stat, df),
        wald=chisq_test(wstat, df),
        score=chisq_test(res.score_test, df),
        robust_score=robust_score,
        concordance=conc.concordance,
        concordance_se=conc.std,
        n=n,
        n_event=n_event,
        n_dropped=n_dropped,
        iterations=res.iterations,
        converged=not res.ran_out,
        warnings=tuple(messages),
        ties=ties,
        conf_level=conf_level,
        means=means,
        model=model,
    )


def _check_finite(x: FloatArray, names: Sequence[str], param: str, rows: IntArray) -> None:
    """Refuse an infinite (or, from arrays, NaN) covariate value at its first row."""
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = (int(k[0]) for k in np.nonzero(bad))
        raise InputError(
            f"{param} {names[j]!r}, row {int(rows[i]) + 1}",
            float(x[i, j]),
            "a finite number (R: infinite predictor)",
        )


def _design(x: npt.ArrayLike, n: int) -> FloatArray:
    """The design matrix as floats, one row per observation (a vector: one column)."""
    try:
        xm = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError("x", "values that are not numbers", "a numeric array") from None
    if xm.ndim == 1:
        xm = xm[:, None]
    if xm.ndim != 2 or xm.shape[0] != n:
        raise InputError("x", f"shape {xm.shape}", f"an array with {n} rows")
    return xm


def cox_fit(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    start: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    cluster: npt.ArrayLike | None = None,
    ties: Ties = "efron",
    control: CoxControl | None = None,
    names: Sequence[str] | None = None,
    conf_level: float = 0.95,
) -> CoxResult:
    """Fit a Cox model to arrays (no missing values; see :func:`cox_ph` for DataFrames).

    Parameters
    ----------
    time, event : array-like, shape (n,)
        Event or censoring time (the stop time of a (start, stop] interval) and the event
        indicator (1 = event, 0 = censored). Times that differ only by floating-point
        noise are merged first, as R's ``aeqSurv``.
    x : array-like, shape (n, p)
        Design matrix (numeric; code categorical covariates beforehand).
    start : array-like, optional
        Entry times: counting-process data, as R ``Surv(start, stop, event)``.
    strata, cluster : array-like, optional
        Stratum and cluster labels (any values).
    weights : array-like, optional
        Case weights > 0.
    ties : {"efron", "breslow"}
        Handling of tied event times.
    control : CoxControl, optional
        Iteration settings (R ``coxph.control``).
    names : sequence of str, optional
        Term names (default ``x1`` .. ``xp``).
    conf_level : float
        Level of the hazard-ratio intervals.

    Returns
    -------
    CoxResult
    """
    tie = _check_ties(ties)
    level = check_level(conf_level)
    ctl = control if control is not None else CoxControl()
    d = SurvivalData.from_arrays(time, event, start=start, weights=weights)
    n = d.n
    xm = _design(x, n)
    p = xm.shape[1]
    term_names = tuple(names) if names is not None else tuple(f"x{j + 1}" for j in range(p))
    if len(term_names) != p:
        raise InputError("names", len(term_names), f"{p} names (one per column of x)")
    _check_finite(xm, term_names, "x", d.rows)
    t, s, _ = fixed_times(d)  # as R coxph (timefix=TRUE) and as cox_ph
    codes: IntArray | None = None
    labels: tuple[str, ...] = ()
    if strata is not None:
        levels, codes = group_codes(checked_labels(strata, "strata", n))
        labels = tuple(str(v) for v in levels)
    cl: IntArray | None = None
    if cluster is not None:
        cl = group_codes(checked_labels(cluster, "cluster", n))[1]
    specs = tuple(
        TermSpec(column=nm, kind="numeric", levels=(), columns=(nm,)) for nm in term_names
    )
    return _fit(
        time=t,
        status=d.event,
        x=xm,
        start=s,
        weights=d.weights,
        strata=codes,
        strata_labels=labels,
        cluster=cl,
        ties=tie,
        control=ctl,
        conf_level=level,
        names=term_names,
        specs=specs,
        strata_columns=("strata",) if strata is not None else (),
        n_dropped=0,
    )


def cox_ph(
    data: Any,
    *,
    time: str,
    event: str,
    covariates: Sequence[str],
    categorical: Sequence[str] = (),
    strata: str | Sequence[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    ties: Ties = "efron",
    start: str | None = None,
    reference: Mapping[str, Any] | None = None,
    conf_level: float = 0.95,
    control: CoxControl | None = None,
) -> CoxResult:
    """Fit a Cox proportional-hazards model, as R ``coxph``.

    Parameters
    ----------
    data : DataFrame or mapping of columns
        pandas or polars DataFrame. Rows with a missing value in any column used are
        left out (counted in ``n_dropped``), as R's ``na.omit``.
    time, event : str
        Columns of the event/censoring time (stop time with ``start``) and the event
        indicator (1 = event, 0 = censored, or true/false).
    covariates : sequence of str
        The model's covariates, in order. Numeric columns enter as they are; boolean
        columns as ``<name>TRUE``; text columns must be listed in ``categorical``.
    categorical : sequence of str
        Covariates treated as factors (treatment coding, reference = first level as R
        sorts them, unless ``reference`` says otherwise).
    strata : str or sequence of str, optional
        Stratification column(s), as R ``strata(a, b)``: a separate baseline hazard per
        combination of values.
    cluster : str, optional
        Cluster column for the robust sandwich variance, as R ``cluster(id)``.
    weights : str, optional
        Case-weight column (weights > 0; non-integer weights make R use the robust
        variance).
    ties : {"efron", "breslow"}
        Handling of tied event times (default Efron, as R).
    start : str, optional
        Entry-time column: counting-process (start, stop] data.
    reference : mapping, optional
        ``{column: level}``: the reference level of a categorical covariate.
    conf_level : float
        Level of the hazard-ratio confidence intervals.
    control : CoxControl, optional
        Iteration settings (R ``coxph.control``).

    Returns
    -------
    CoxResult

    Notes
    -----
    The log partial likelihood with Efron's ties is
    ``sum_j [ sum_{i in D_j} w_i eta_i - wbar_j sum_{k=0}^{d_j-1} log(S_j - k/d_j E_j) ]``
    over the distinct event times j, with ``S_j`` the weighted sum of exp(eta) over the
    risk set, ``E_j`` over the ``d_j`` events and ``wbar_j`` their mean weight
    (Breslow: k/d_j replaced by 0) [1]_ [2]_. It is maximised by Newton–Raphson from 0
    with R's step halving and stopping rule [5]_. The robust variance is D'D with D the
    dfbeta residuals summed within clusters [3]_ [4]_.
    """
    tie = _check_ties(ties)
    level = check_level(conf_level)
    ctl = control if control is not None else CoxControl()
    covs, cats, refs = model_terms(covariates, categorical, reference)
    strata_cols: tuple[str, ...] = ()
    if strata is not None:
        strata_cols = (strata,) if isinstance(strata, str) else tuple(strata)
    other = [("covariates", c) for c in covs]
    other += [("strata", c) for c in strata_cols]
    if cluster is not None:
        other.append(("cluster", cluster))
    sv = SurvivalData.from_frame(
        data, time=time, event=event, start=start, weights=weights, other=other
    )
    t, s, order = fixed_times(sv)
    x, names, specs = design_matrix(sv.columns, covs, cats, refs)
    _check_finite(x, names, "covariates", sv.rows)
    codes, labels = strata_codes(sv.columns, strata_cols)
    cl = None if cluster is None else group_codes(sv.columns[cluster])[1]
    return _fit(
        time=t,
        status=sv.event,
        x=x,
        start=s,
        weights=sv.weights,
        strata=codes,
        strata_labels=labels,
        cluster=cl,
        ties=tie,
        control=ctl,
        conf_level=level,
        names=names,
        specs=specs,
        strata_columns=strata_cols,
        n_dropped=sv.n_dropped,
        time_order=order,
    )
