"""Kaplan–Meier estimate, as R ``survival::survfit`` computes it.

Right-censored and counting-process (start, stop] data, case weights, groups; Greenwood
standard errors (the infinitesimal-jackknife variance when weights are not integers, as R
switches to it); confidence bands of five transforms. The curves' medians, quantiles,
restricted means and values at chosen times are in :mod:`tacepath.survival._kmresult`.

References
----------
.. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
   J Am Stat Assoc 1958;53:457-481. doi:10.1080/01621459.1958.10501452
.. [2] Greenwood M. The natural duration of cancer. Reports on Public Health and Medical
   Subjects 33. London: HMSO; 1926.
.. [3] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
   Springer; 2000. doi:10.1007/978-1-4757-3294-8
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tacepath.survival import _kernels
from tacepath.survival._band import ConfType, check_conf, confidence_band
from tacepath.survival._data import (
    MAX_MERGED_RUNS,
    FloatArray,
    IntArray,
    aeq_sorted,
    argsort_times,
    group_codes,
    integer_span,
    sorted_with_runs,
)
from tacepath.survival._input import (
    SurvivalData,
    check_positive,
    checked_labels,
    fixed_times,
)
from tacepath.survival._kmresult import KaplanMeierResult, SurvivalCurve, SurvivalSummary

__all__ = [
    "KaplanMeierResult",
    "SurvivalCurve",
    "SurvivalSummary",
    "kaplan_meier",
    "kaplan_meier_arrays",
]


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True, slots=True)
class _Counts:
    time: FloatArray  # distinct stop times
    n_risk: FloatArray  # weighted number at risk at each time (time >= t, entered before t)
    n_event: FloatArray  # weighted events
    n_censor: FloatArray  # weighted censorings
    d_count: FloatArray  # unweighted events (R's "at least one event" condition)


def _runs(sorted_values: FloatArray) -> IntArray:
    """Start positions of the runs of equal values in a sorted array."""
    if sorted_values.size == 0:
        return np.zeros(0, dtype=np.intp)
    flag = np.empty(sorted_values.size, dtype=bool)
    flag[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=flag[1:])
    return np.flatnonzero(flag)


def _rev_cumsum(x: FloatArray) -> FloatArray:
    return np.cumsum(x[::-1])[::-1]


def _counts(
    ts: FloatArray, es: FloatArray, ss: FloatArray | None, ws: FloatArray | None
) -> _Counts:
    """Counts at each distinct time from rows sorted by time (``ss``: their start times)."""
    n = ts.size
    idx = _runs(ts)
    utime = ts[idx]
    if n == 0:
        zero = np.zeros(0)
        return _Counts(time=utime, n_risk=zero, n_event=zero, n_censor=zero, d_count=zero)
    if ws is None:
        d = np.add.reduceat(es, idx)
        at_or_after = (n - idx).astype(float)
        cens = np.diff(np.append(idx, n)) - d
        d_count = d
    else:
        d = np.add.reduceat(ws * es, idx)
        cens = np.add.reduceat(ws * (1 - es), idx)
        d_count = np.add.reduceat(es, idx)
        at_or_after = _rev_cumsum(np.add.reduceat(ws, idx))
    n_risk = at_or_after
    if ss is not None:
        # Leave out those who enter at or after t: at risk means start < t <= stop.
        order_s = np.argsort(ss)
        later = np.append(_rev_cumsum(np.ones(n) if ws is None else ws[order_s]), 0.0)
        n_risk = at_or_after - later[np.searchsorted(ss[order_s], utime, side="left")]
    return _Counts(time=utime, n_risk=n_risk, n_event=d, n_censor=cens, d_count=d_count)


def _counts_integer(
    time: FloatArray, event: FloatArray, weights: FloatArray | None, span: tuple[int, int]
) -> _Counts:
    """Counts per distinct whole-number time by ``np.bincount`` (no sort)."""
    lo, hi = span
    k = (time - lo).astype(np.intp)
    size = hi - lo + 1
    if weights is None:
        rows = np.bincount(k, minlength=size).astype(float)
        d = np.asarray(np.bincount(k, weights=event, minlength=size), dtype=float)
        d_count = d
    else:
        rows = np.asarray(np.bincount(k, weights=weights, minlength=size), dtype=float)
        d = np.asarray(np.bincount(k, weights=weights * event, minlength=size), dtype=float)
        d_count = np.asarray(np.bincount(k, weights=event, minlength=size), dtype=float)
    at_or_after = _rev_cumsum(rows)
    present = np.flatnonzero(np.bincount(k, minlength=size))
    n_event = d[present]
    if weights is None:
        cens = rows[present] - n_event
    else:
        cens = np.asarray(
            np.bincount(k, weights=weights * (1 - event), minlength=size), dtype=float
        )[present]
    return _Counts(
        time=(present + lo).astype(float),
        n_risk=at_or_after[present],
        n_event=n_event,
        n_censor=cens,
        d_count=d_count[present],
    )


def _is_integer_weights(weights: FloatArray | None) -> bool:
    return weights is None or bool(np.all(weights == np.floor(weights)))


# --------------------------------------------------------------------------- estimates


def _product_limit(c: _Counts) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Survival, Greenwood Σ d/(n(n−d)), Nelson–Aalen hazard and its variance term (one
    compiled sweep, :func:`tacepath.survival._kernels.km_sweep`)."""
    return _kernels.km_sweep(
        np.ascontiguousarray(c.n_risk, dtype=np.float64),
        np.ascontiguousarray(c.n_event, dtype=np.float64),
        np.ascontiguousarray(c.d_count, dtype=np.float64),
    )


def _ij_sum_of_squares(
    c: _Counts,
    g: FloatArray,
    jump: FloatArray,
    time: FloatArray,
    event: FloatArray,
    start: FloatArray | None,
    weights: FloatArray,
) -> FloatArray:
    """Σ_i u_i(t_l)² at every time, for influences of the jackknife form

    u_i(t_l) = w_i · (Σ_{m: i at risk at t_m ≤ t_l} g_m − δ_i · 1[T_i ≤ t_l] · jump_k),

    k the index of row i's own time. Rows still at risk are summed through cumulative
    sums of w², w²·a and w²·a² (a the accrual at entry), so the work is O(n log n).
    """
    a0 = np.concatenate([[0.0], np.cumsum(g)])
    m = c.time.size
    k = np.searchsorted(c.time, time)
    ms = np.zeros(time.size, dtype=np.intp)
    if start is not None:
        ms = np.searchsorted(c.time, start, side="right")
    a_in = a0[ms]
    final = a0[k + 1] - a_in - np.where(event == 1, jump[k], 0.0)
    w2 = weights * weights

    def active(values: FloatArray) -> FloatArray:
        entered = np.cumsum(
            np.asarray(np.bincount(ms, weights=values, minlength=m + 1), dtype=float)[:m]
        )
        left = np.cumsum(np.asarray(np.bincount(k, weights=values, minlength=m), dtype=float))
        return np.asarray(entered - left, dtype=float)

    done = np.cumsum(
        np.asarray(np.bincount(k, weights=w2 * final * final, minlength=m), dtype=float)
    )
    a_l = a0[1:]
    total = done + a_l * a_l * active(w2) - 2 * a_l * active(w2 * a_in) + active(w2 * a_in**2)
    return np.asarray(np.maximum(total, 0.0), dtype=float)


def _ij_std(
    c: _Counts,
    surv: FloatArray,
    time: FloatArray,
    event: FloatArray,
    start: FloatArray | None,
    weights: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Infinitesimal-jackknife standard errors of S(t) and of the cumulative hazard.

    R uses them for non-integer case weights, each row its own cluster. The influence
    of row i on S(t_l) is S(t_l)·w_i·(Σ_{t_m ≤ t_l, i at risk} d_m/(n_m(n_m−d_m)) −
    δ_i·1[T_i ≤ t_l]/(n_k−d_k)); on H(t_l) it is w_i·(δ_i·1[T_i ≤ t_l]/n_k −
    Σ d_m/n_m²). The variance is the sum of squared influences.
    """
    has = (c.d_count > 0) & (c.n_event > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_s = np.where(has, c.n_event / (c.n_risk * (c.n_risk - c.n_event)), 0.0)
        jump_s = np.where(has, 1.0 / (c.n_risk - c.n_event), 0.0)
        g_h = np.where(has, c.n_event / (c.n_risk * c.n_risk), 0.0)
        jump_h = np.where(has, 1.0 / c.n_risk, 0.0)
        var_s = surv * surv * _ij_sum_of_squares(c, g_s, jump_s, time, event, start, weights)
        var_h = _ij_sum_of_squares(c, g_h, jump_h, time, event, start, weights)
    var_s = np.where(surv == 0, 0.0, var_s)
    return np.sqrt(var_s), np.sqrt(var_h)


# --------------------------------------------------------------------------- fitting


def _curve(
    group: Any,
    c: _Counts,
    time: FloatArray,
    event: FloatArray,
    start: FloatArray | None,
    weights: FloatArray | None,
    *,
    conf_type: ConfType,
    conf_level: float,
    tau: float,
    n: int | None = None,
) -> SurvivalCurve:
    """One curve from its counts; the rows (any order) are needed only for the jackknife
    (``n``, the number of rows, defaults to the length of ``time``)."""
    surv, green, chaz, chaz_var = _product_limit(c)
    if _is_integer_weights(weights):
        std_log = np.sqrt(green)
        with np.errstate(invalid="ignore"):
            std_err = std_log * surv
        std_chaz = np.sqrt(chaz_var)
        logse, variance = True, "greenwood"
    else:
        assert weights is not None
        std_err, std_chaz = _ij_std(c, surv, time, event, start, weights)
        std_log = np.full_like(surv, np.nan)
        logse, variance = False, "infinitesimal jackknife (non-integer weights, as R)"
    lower, upper = confidence_band(
        surv,
        std_log if logse else std_err,
        logse=logse,
        conf_type=conf_type,
        conf_level=conf_level,
    )
    return SurvivalCurve(
        group=group,
        n=int(time.size) if n is None else n,
        time=c.time,
        n_risk=c.n_risk,
        n_event=c.n_event,
        n_censor=c.n_censor,
        surv=surv,
        std_err=std_err,
        std_log=std_log,
        lower=lower,
        upper=upper,
        cumhaz=chaz,
        std_chaz=std_chaz,
        conf_type=conf_type,
        conf_level=conf_level,
        variance=variance,
        tau=tau,
    )


def km_curves(
    time: FloatArray,
    event: FloatArray,
    *,
    start: FloatArray | None,
    weights: FloatArray | None,
    group: Any,
    conf_type: ConfType,
    conf_level: float,
    tau: float | None,
    fix_times: bool,
) -> tuple[SurvivalCurve, ...]:
    """Kaplan–Meier curves from checked arrays (counting-process times already fixed).

    ``group`` is an array of group values (one curve per level, R's order) or ``None``.
    ``tau`` defaults to the largest time of all groups (R's ``rmean="common"``).
    ``fix_times`` merges right-censored times equal up to R's ``aeqSurv`` tolerance. The
    rows are sorted once; each group is a subset of that order.
    """
    options: dict[str, Any] = {"conf_type": conf_type, "conf_level": conf_level}
    span = integer_span(time) if start is None else None
    if span is not None:
        # Whole-number times in a modest range (days, as in ADaM AVAL): counts by bincount,
        # no sort. Gaps of 1 cannot be merged by R's aeqSurv tolerance at these magnitudes.
        options["tau"] = float(time.max()) if tau is None else tau
        if group is None:
            return (
                _curve(
                    None,
                    _counts_integer(time, event, weights, span),
                    time,
                    event,
                    None,
                    weights,
                    **options,
                ),
            )
        levels, codes = group_codes(np.asarray(group))
        out = []
        for j, level in enumerate(levels):
            m = codes == j
            tj, ej = time[m], event[m]
            wj = None if weights is None else weights[m]
            out.append(
                _curve(level, _counts_integer(tj, ej, wj, span), tj, ej, None, wj, **options)
            )
        return tuple(out)
    if start is None and weights is None:
        merged = _curves_merged(time, event, group, fix_times, tau, options)
        if merged is not None:
            return merged
    order = argsort_times(time)
    ts, es = time[order], event[order]
    if fix_times and start is None:
        ts = aeq_sorted(ts)
    ss = None if start is None else start[order]
    ws = None if weights is None else weights[order]
    options["tau"] = float(ts[-1]) if tau is None else tau
    if group is None:
        return (_curve(None, _counts(ts, es, ss, ws), ts, es, ss, ws, **options),)
    levels, codes = group_codes(np.asarray(group))
    gs = codes[order]
    curves = []
    for j, level in enumerate(levels):
        m = gs == j
        tj, ej = ts[m], es[m]
        sj = None if ss is None else ss[m]
        wj = None if ws is None else ws[m]
        curves.append(_curve(level, _counts(tj, ej, sj, wj), tj, ej, sj, wj, **options))
    return tuple(curves)


def _curves_merged(
    time: FloatArray,
    event: FloatArray,
    group: Any,
    fix_times: bool,
    tau: float | None,
    options: dict[str, Any],
) -> tuple[SurvivalCurve, ...] | None:
    """Unweighted right-censored curves without an argsort: the times sorted with each
    row's group and event (one compiled radix sort, :func:`sorted_with_runs`) and
    counted in one compiled pass. ``None`` when there are too many groups."""
    if group is None:
        levels: list[Any] = [None]
        codes = np.zeros(time.size, dtype=np.int64)
    else:
        levels, codes = group_codes(np.asarray(group))
    if 2 * len(levels) > MAX_MERGED_RUNS:
        return None
    ts, run, run_rows = sorted_with_runs(time, codes, event, len(levels))
    if fix_times:
        ts = aeq_sorted(ts)
    sizes = run_rows[0::2] + run_rows[1::2]
    group_offsets = np.zeros(len(levels) + 1, dtype=np.int64)
    np.cumsum(sizes, out=group_offsets[1:])
    utime, n_risk, n_event, n_censor, lengths = _kernels.km_group_counts(
        ts, run, len(levels), group_offsets
    )
    options = {**options, "tau": float(ts[-1]) if tau is None else tau}
    no_rows = np.zeros(0)  # the rows are needed only for the jackknife (weights)
    curves = []
    for j, level in enumerate(levels):
        lo = int(group_offsets[j])
        part = slice(lo, lo + int(lengths[j]))
        c = _Counts(
            time=utime[part],
            n_risk=n_risk[part],
            n_event=n_event[part],
            n_censor=n_censor[part],
            d_count=n_event[part],
        )
        curves.append(_curve(level, c, no_rows, no_rows, None, None, n=int(sizes[j]), **options))
    return tuple(curves)


def _fit(
    d: SurvivalData,
    group: Any,
    *,
    conf_type: ConfType,
    conf_level: float,
    tau: float | None,
    fix_times: bool,
) -> tuple[SurvivalCurve, ...]:
    time, start = d.time, d.start
    if fix_times and start is not None:
        time, start, _ = fixed_times(d)
    return km_curves(
        time,
        d.event,
        start=start,
        weights=d.weights,
        group=group,
        conf_type=conf_type,
        conf_level=conf_level,
        tau=tau,
        fix_times=fix_times,
    )


def kaplan_meier_arrays(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    *,
    start: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    group: npt.ArrayLike | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
    tau: float | None = None,
    fix_times: bool = True,
) -> tuple[SurvivalCurve, ...]:
    """Kaplan–Meier curves from arrays (see :func:`kaplan_meier`), checked as
    :meth:`SurvivalData.from_arrays` checks them.

    ``group`` is an array of group labels, one per row, none missing (one curve per
    level, R's order), or ``None``. ``tau`` defaults to the largest time of all groups
    (R's ``rmean="common"``). ``fix_times`` merges times equal up to R's ``aeqSurv``
    tolerance (skip it only for times already fixed).
    """
    check_conf(conf_type, conf_level)
    horizon = None if tau is None else check_positive(tau, "tau")
    d = SurvivalData.from_arrays(time, event, start=start, weights=weights)
    labels = None if group is None else checked_labels(group, "group", d.n)
    return _fit(
        d,
        labels,
        conf_type=conf_type,
        conf_level=float(conf_level),
        tau=horizon,
        fix_times=fix_times,
    )


def kaplan_meier(
    data: Any,
    *,
    time: str,
    event: str,
    start: str | None = None,
    group: str | None = None,
    weights: str | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
    tau: float | None = None,
) -> KaplanMeierResult:
    """Kaplan–Meier estimate of each group's survival curve, with R's numbers [1]_ [3]_.

    Parameters
    ----------
    data
        pandas or polars DataFrame (or a mapping of column name to values).
    time, event
        Columns of the event/censoring time and the event flag (1 event, 0 censored).
    start
        Entry-time column: (start, time] counting-process data (left truncation,
        time-varying groups).
    group
        Column whose levels give one curve each, ordered as R orders factor levels.
    weights
        Case-weight column. With non-integer weights the standard error is the
        infinitesimal-jackknife one, as R's ``survfit`` switches to it.
    conf_type, conf_level
        Transform and level of the pointwise band: ``log`` (R's default), ``log-log``
        (SAS PROC LIFETEST's default), ``plain``, ``logit``, ``arcsin``, ``none``.
    tau
        Upper limit of the restricted mean; default the largest time in the data.

    Notes
    -----
    S(t) = Π_{t_j ≤ t} (1 − d_j / n_j); Var log S(t) = Σ d_j / (n_j (n_j − d_j)) (Greenwood
    [2]_). Times equal up to R's ``aeqSurv`` tolerance are merged first. Rows with a
    missing value are left out and counted.
    """
    check_conf(conf_type, conf_level)
    horizon = None if tau is None else check_positive(tau, "tau")
    other = [] if group is None else [("group", group)]
    d = SurvivalData.from_frame(
        data, time=time, event=event, start=start, weights=weights, other=other
    )
    curves = _fit(
        d,
        None if group is None else d.columns[group],
        conf_type=conf_type,
        conf_level=float(conf_level),
        tau=horizon,
        fix_times=True,
    )
    notes: list[str] = []
    if d.weights is not None and not _is_integer_weights(d.weights):
        notes.append(
            "Non-integer case weights: standard errors are infinitesimal-jackknife "
            "(robust) estimates, as R survfit computes them."
        )
    return KaplanMeierResult(
        curves=curves,
        group_column=group,
        n_dropped=d.n_dropped,
        conf_type=conf_type,
        conf_level=conf_level,
        counting=start is not None,
        notes=tuple(notes),
    )
