"""Kaplan–Meier estimate, as R ``survival::survfit`` computes it.

Right-censored and counting-process (start, stop] data, case weights, groups; Greenwood
standard errors (the infinitesimal-jackknife variance when weights are not integers, as R
switches to it); confidence bands of five transforms; the median and quantiles with R's
confidence limits; the restricted mean survival time with its standard error; the curve
and the number at risk at chosen times (``summary(fit, times=)``).

References
----------
.. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
   J Am Stat Assoc 1958;53:457-481. doi:10.1080/01621459.1958.10501452
.. [2] Greenwood M. The natural duration of cancer. Reports on Public Health and Medical
   Subjects 33. London: HMSO; 1926.
.. [3] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
   Springer; 2000. doi:10.1007/978-1-4757-3294-8
.. [4] Klein JP, Moeschberger ML. Survival Analysis. 2nd ed. Springer; 2003, eq. 4.5.1
   (restricted mean and its variance).
.. [5] Brookmeyer R, Crowley J. A confidence interval for the median survival time.
   Biometrics 1982;38:29-41 (median limits from the pointwise band).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError
from tacepath.survival._band import (
    ConfType,
    check_conf,
    confidence_band,
    quantile_from_curve,
    table_median,
)
from tacepath.survival._data import (
    FloatArray,
    IntArray,
    aeq_sorted,
    argsort_times,
    group_codes,
    integer_span,
)
from tacepath.survival._input import (
    SurvivalData,
    check_positive,
    checked_labels,
    fixed_times,
)

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
    """Survival, Greenwood Σ d/(n(n−d)), Nelson–Aalen hazard and its variance term."""
    has = (c.d_count > 0) & (c.n_event > 0)
    n, d = c.n_risk, c.n_event
    nd = n - d
    factor = np.ones(n.size)
    green = np.zeros(n.size)
    haz = np.zeros(n.size)
    haz_var = np.zeros(n.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(nd, n, out=factor, where=has)
        np.divide(d, n * nd, out=green, where=has)  # d = n gives +inf, as in R
        np.divide(d, n, out=haz, where=has)
        np.divide(haz, n, out=haz_var, where=has)
    cum = np.cumprod(np.asarray(factor, dtype=float))
    return cum, np.cumsum(green), np.cumsum(haz), np.cumsum(haz_var)


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


def _rmean(
    time: FloatArray, surv: FloatArray, n_risk: FloatArray, n_event: FloatArray, tau: float
) -> tuple[float, float]:
    """Restricted mean ∫₀^τ S(t) dt and its standard error, as R ``survmean``.

    Var = Σ_{t_j ≤ τ} A_j² d_j / (n_j (n_j − d_j)), A_j = ∫_{t_j}^τ S(t) dt [4]; a curve
    that ends before τ is carried flat to τ (R's rule).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(n_risk - n_event == 0, 0.0, n_event / (n_risk * (n_risk - n_event)))
    keep = time <= tau
    if not keep.any():
        return tau, 0.0
    tt = np.append(time[keep], tau)
    ss = np.append(surv[keep], surv[keep][-1])
    hk = np.append(hh[keep], 0.0)
    delta = np.diff(np.concatenate([[0.0], tt]))
    rect = delta * np.concatenate([[1.0], ss[:-1]])
    tail = np.cumsum(rect[1:][::-1])
    var = float(np.sum(tail**2 * hk[::-1][1:]))
    return float(np.sum(rect)), math.sqrt(var)


# --------------------------------------------------------------------------- results


def _jsonable(values: FloatArray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in values.tolist()]


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


@dataclass(frozen=True, slots=True, kw_only=True)
class SurvivalSummary:
    """The curve read at chosen times (R ``summary(fit, times=)``).

    ``surv``, ``std_err``, ``lower``, ``upper``: the curve at the last time ≤ t.
    ``n_risk``: the number at risk at t (rows with time ≥ t; 0 beyond the last time).
    ``n_event``, ``n_censor``: events and censorings in (previous time asked, t].
    """

    group: Any
    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    surv: FloatArray
    std_err: FloatArray
    lower: FloatArray
    upper: FloatArray

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "time": _jsonable(self.time),
            "n_risk": _jsonable(self.n_risk),
            "n_event": _jsonable(self.n_event),
            "n_censor": _jsonable(self.n_censor),
            "surv": _jsonable(self.surv),
            "std_err": _jsonable(self.std_err),
            "lower": _jsonable(self.lower),
            "upper": _jsonable(self.upper),
        }

    def to_frame(self) -> pd.DataFrame:
        d = self.to_dict()
        frame = pd.DataFrame({k: v for k, v in d.items() if k != "group"}, dtype=float)
        frame.insert(0, "group", self.group)
        return frame


@dataclass(frozen=True, slots=True, kw_only=True)
class SurvivalCurve:
    """One Kaplan–Meier curve (one group), field for field as R's ``survfit`` object.

    ``time``: every distinct time (events and censorings); ``n_risk``: number at risk at
    that time (time ≥ t, and entered before t for counting-process data); ``n_event``,
    ``n_censor``: (weighted) events and censorings at t; ``surv``: S(t), right-continuous;
    ``std_err``: standard error of S(t) (R's ``summary(fit)$std.err``); ``std_log``: the
    standard error of log S(t) that R's object holds (NaN under the jackknife variance);
    ``lower``/``upper``: the pointwise ``conf_level`` band; ``cumhaz``/``std_chaz``: the
    Nelson–Aalen cumulative hazard and its standard error. ``median*`` are as R prints them,
    ``rmean``/``rmean_se`` the restricted mean up to ``tau``.
    """

    group: Any
    n: int
    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    surv: FloatArray
    std_err: FloatArray
    std_log: FloatArray
    lower: FloatArray
    upper: FloatArray
    cumhaz: FloatArray
    std_chaz: FloatArray
    conf_type: ConfType
    conf_level: float
    variance: str
    tau: float
    _cache: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    # The summaries R prints are computed when first asked for (R's survfit does not
    # compute them either; print.survfit does).
    def _medians(self) -> dict[str, float]:
        if "median" not in self._cache:
            self._cache["median"] = table_median(self.surv, self.time)
            self._cache["median_lower"] = table_median(self.lower, self.time)
            self._cache["median_upper"] = table_median(self.upper, self.time)
        return self._cache

    def _rmeans(self) -> dict[str, float]:
        if "rmean" not in self._cache:
            est, se = _rmean(self.time, self.surv, self.n_risk, self.n_event, self.tau)
            self._cache["rmean"], self._cache["rmean_se"] = est, se
        return self._cache

    @property
    def median(self) -> float:
        """Median survival as R prints it (NaN when not reached)."""
        return self._medians()["median"]

    @property
    def median_lower(self) -> float:
        """Lower confidence limit of the median (NaN when the band never reaches ½)."""
        return self._medians()["median_lower"]

    @property
    def median_upper(self) -> float:
        """Upper confidence limit of the median (NaN when the band never reaches ½)."""
        return self._medians()["median_upper"]

    @property
    def rmean(self) -> float:
        """Restricted mean survival time up to ``tau``."""
        return self._rmeans()["rmean"]

    @property
    def rmean_se(self) -> float:
        """Standard error of the restricted mean."""
        return self._rmeans()["rmean_se"]

    @property
    def n_events(self) -> float:
        return float(self.n_event.sum())

    def quantile(self, probs: Sequence[float] | float = (0.25, 0.5, 0.75)) -> pd.DataFrame:
        """Quantiles of the survival time with confidence limits (R ``quantile.survfit``).

        The p-quantile is the first time 1 − S(t) reaches p (midpoint of a flat piece that
        sits exactly at p); its limits read the same off the lower and upper bands [5].
        """
        p = np.atleast_1d(np.asarray(probs, dtype=float))
        if np.any(np.isnan(p)) or np.any((p < 0) | (p > 1)):
            raise InputError("probs", list(p), "probabilities between 0 and 1")
        x = np.concatenate([[0.0], self.time])
        est = quantile_from_curve(x, np.concatenate([[0.0], 1 - self.surv]), p)
        lo = quantile_from_curve(x, np.concatenate([[0.0], 1 - self.lower]), p)
        hi = quantile_from_curve(x, np.concatenate([[0.0], 1 - self.upper]), p)
        return pd.DataFrame({"p": p, "estimate": est, "lower": lo, "upper": hi})

    def rmst(self, tau: float) -> tuple[float, float]:
        """Restricted mean survival time up to ``tau`` and its standard error."""
        horizon = check_positive(tau, "tau")
        return _rmean(self.time, self.surv, self.n_risk, self.n_event, horizon)

    def at(
        self, times: Sequence[float] | npt.NDArray[np.float64], *, extend: bool = False
    ) -> SurvivalSummary:
        """The curve and the counts at ``times`` (R ``summary(fit, times=, extend=)``).

        Without ``extend``, times after the last observed time are left out, as R does;
        with it, they show the last value of the curve and 0 at risk (a risk table).
        """
        t = np.sort(np.asarray([float(v) for v in times], dtype=float))
        t = t[np.isfinite(t)]
        # R's survfit0: a row at time 0 with S = 1, unless the curve starts at 0.
        if self.time.size and self.time[0] == 0:
            time0, surv0 = self.time, self.surv
            se0, lo0, up0 = self.std_err, self.lower, self.upper
            ev0, ce0, nr0 = self.n_event, self.n_censor, self.n_risk
        else:
            first_risk = self.n_risk[:1] if self.n_risk.size else np.zeros(1)
            time0 = np.concatenate([[0.0], self.time])
            surv0 = np.concatenate([[1.0], self.surv])
            se0 = np.concatenate([[0.0], self.std_err])
            lo0 = np.concatenate([[1.0], self.lower])
            up0 = np.concatenate([[1.0], self.upper])
            ev0 = np.concatenate([[0.0], self.n_event])
            ce0 = np.concatenate([[0.0], self.n_censor])
            nr0 = np.concatenate([first_risk, self.n_risk])
        if not extend:
            t = t[t <= time0[-1]]
        i1 = np.searchsorted(time0, t, side="right")  # rows with time <= t
        i2 = np.searchsorted(time0, t, side="left")  # first row with time >= t
        row = np.maximum(i1, 1) - 1
        cum_ev = np.concatenate([[0.0], np.cumsum(ev0)])[i1]
        cum_ce = np.concatenate([[0.0], np.cumsum(ce0)])[i1]
        return SurvivalSummary(
            group=self.group,
            time=t,
            n_risk=np.append(nr0, 0.0)[i2],
            n_event=np.diff(np.concatenate([[0.0], cum_ev])),
            n_censor=np.diff(np.concatenate([[0.0], cum_ce])),
            surv=surv0[row],
            std_err=se0[row],
            lower=lo0[row],
            upper=up0[row],
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of one group (``tacepath survival km --json``)."""
        return {
            "group": self.group,
            "n": self.n,
            "n_events": self.n_events,
            "time": _jsonable(self.time),
            "n_risk": _jsonable(self.n_risk),
            "n_event": _jsonable(self.n_event),
            "n_censor": _jsonable(self.n_censor),
            "surv": _jsonable(self.surv),
            "std_err": _jsonable(self.std_err),
            "lower": _jsonable(self.lower),
            "upper": _jsonable(self.upper),
            "cumhaz": _jsonable(self.cumhaz),
            "std_chaz": _jsonable(self.std_chaz),
            "median": _num(self.median),
            "median_lower": _num(self.median_lower),
            "median_upper": _num(self.median_upper),
            "rmean": _num(self.rmean),
            "rmean_se": _num(self.rmean_se),
            "tau": _num(self.tau),
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "variance": self.variance,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per distinct time: the survfit table."""
        return pd.DataFrame(
            {
                "group": [self.group] * self.time.size,
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "surv": self.surv,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
                "cumhaz": self.cumhaz,
                "std_chaz": self.std_chaz,
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class KaplanMeierResult:
    """Kaplan–Meier curves, one per group (levels in R's factor order).

    ``group_column`` is the grouping column (``None``: one curve); ``n_dropped`` the rows
    left out for a missing value (R's ``na.omit``); ``counting`` whether the data were
    (start, stop] intervals.
    """

    curves: tuple[SurvivalCurve, ...]
    group_column: str | None
    n_dropped: int
    conf_type: ConfType
    conf_level: float
    counting: bool
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, group: Any) -> SurvivalCurve:
        for c in self.curves:
            if c.group == group or str(c.group) == str(group):
                return c
        raise KeyError(group)

    @property
    def groups(self) -> list[Any]:
        return [c.group for c in self.curves]

    def at(self, times: Sequence[float], *, extend: bool = False) -> pd.DataFrame:
        """``summary(fit, times=)`` for every group, stacked."""
        return pd.concat([c.at(times, extend=extend).to_frame() for c in self.curves])

    def risk_table(self, times: Sequence[float]) -> pd.DataFrame:
        """Number at risk at ``times`` per group (rows: groups; columns: times), as R counts."""
        rows = {str(c.group): c.at(times, extend=True).n_risk for c in self.curves}
        t = np.sort(np.asarray(times, dtype=float))
        return pd.DataFrame(rows, index=t).T

    def median_table(self) -> pd.DataFrame:
        """n, events, median and its limits, restricted mean: R's ``summary(fit)$table``."""
        lvl = f"{self.conf_level:g}"
        return pd.DataFrame(
            {
                "group": [c.group for c in self.curves],
                "n": [c.n for c in self.curves],
                "events": [c.n_events for c in self.curves],
                "rmean": [c.rmean for c in self.curves],
                "rmean_se": [c.rmean_se for c in self.curves],
                "median": [c.median for c in self.curves],
                f"{lvl}LCL": [c.median_lower for c in self.curves],
                f"{lvl}UCL": [c.median_upper for c in self.curves],
            }
        )

    def summary(self) -> str:
        """A text table like R's ``print(fit, rmean="common")``."""
        t = self.median_table()
        label = [
            "all" if self.group_column is None else f"{self.group_column}={g}" for g in t["group"]
        ]
        t = t.drop(columns="group")
        t.index = pd.Index(label)
        t = t.rename(columns={"rmean": "rmean*", "rmean_se": "se(rmean)"})
        body = t.to_string(float_format=lambda v: f"{v:.4g}", na_rep="NA")
        lines = [body, f"    * restricted mean with upper limit = {self.curves[0].tau:g}"]
        if self.n_dropped:
            lines.insert(0, f"   {self.n_dropped} observations deleted due to missingness")
        lines.extend(self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath survival km --json``."""
        return {
            "groups": [c.to_dict() for c in self.curves],
            "group_column": self.group_column,
            "n_dropped": self.n_dropped,
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
            "counting_process": self.counting,
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """Every curve's table, stacked (column ``group`` first)."""
        return pd.concat([c.to_frame() for c in self.curves], ignore_index=True)


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
) -> SurvivalCurve:
    """One curve from its counts; the rows (any order) are needed only for the jackknife."""
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
        n=int(time.size),
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
