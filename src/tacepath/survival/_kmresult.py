"""Results of the Kaplan–Meier estimate: the curves, R's summaries and their JSON contract.

:class:`SurvivalCurve` is one group's curve, field for field as R's ``survfit`` object, with
the median and its limits (``print.survfit``), quantiles (``quantile.survfit``), the
restricted mean and its standard error (``survmean``), and the curve at chosen times
(``summary(fit, times=)``); :class:`KaplanMeierResult` holds one curve per group.

References
----------
.. [1] Klein JP, Moeschberger ML. Survival Analysis. 2nd ed. Springer; 2003, eq. 4.5.1
   (restricted mean and its variance).
.. [2] Brookmeyer R, Crowley J. A confidence interval for the median survival time.
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
from tacepath.jsonsafe import finite_list, finite_or_none
from tacepath.survival._band import ConfType, quantile_from_curve
from tacepath.survival._data import FloatArray
from tacepath.survival._input import check_positive
from tacepath.survival.steps import step_median

__all__ = ["KaplanMeierResult", "SurvivalCurve", "SurvivalSummary"]


def _rmean(
    time: FloatArray, surv: FloatArray, n_risk: FloatArray, n_event: FloatArray, tau: float
) -> tuple[float, float]:
    """Restricted mean ∫₀^τ S(t) dt and its standard error, as R ``survmean``.

    Var = Σ_{t_j ≤ τ} A_j² d_j / (n_j (n_j − d_j)), A_j = ∫_{t_j}^τ S(t) dt [1]; a curve
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


#: The per-time arrays of a curve, in their JSON order (NaN/inf become null).
_CURVE_ARRAYS = ("time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper")


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
            **{k: finite_list(getattr(self, k)) for k in _CURVE_ARRAYS},
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
            self._cache["median"] = step_median(self.time, self.surv)
            self._cache["median_lower"] = step_median(self.time, self.lower)
            self._cache["median_upper"] = step_median(self.time, self.upper)
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
        sits exactly at p); its limits read the same off the lower and upper bands [2].
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
            **{k: finite_list(getattr(self, k)) for k in _CURVE_ARRAYS},
            "cumhaz": finite_list(self.cumhaz),
            "std_chaz": finite_list(self.std_chaz),
            "median": finite_or_none(self.median),
            "median_lower": finite_or_none(self.median_lower),
            "median_upper": finite_or_none(self.median_upper),
            "rmean": finite_or_none(self.rmean),
            "rmean_se": finite_or_none(self.rmean_se),
            "tau": finite_or_none(self.tau),
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
