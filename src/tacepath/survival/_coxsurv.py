"""Baseline hazard and predicted survival curves of a fitted Cox model, as R.

``baseline_hazard`` is R ``basehaz(fit, centered=)``; ``cox_survfit`` is R
``survfit(fit, newdata=profile)`` with R's defaults for the fit: the hazard increments are
Breslow's (Nelson–Aalen type) for ``ties="breslow"`` and Efron's for ``ties="efron"``
(R ``ctype`` 1 / 2), the survival is exp(-cumulative hazard) (``stype=2``), its standard
error is that of the cumulative hazard including the uncertainty of the coefficients
(Tsiatis), and the interval is R's default ``log`` one, exp(log S ± z se), capped at 1.

References
----------
.. [1] Breslow NE. Discussion of Professor Cox's paper. J R Stat Soc B 1972;34:216-217.
.. [2] Tsiatis AA. A large sample study of Cox's regression model. Ann Stat
   1981;9:93-108. doi:10.1214/aos/1176345335
.. [3] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
   Springer; 2000, section 10.2 (variance of the predicted curve).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields, finite_list
from tacepath.survival._coxmodel import CoxModel, encode_profile, model_of
from tacepath.survival._data import FloatArray
from tacepath.survival._input import check_level

if TYPE_CHECKING:
    from tacepath.survival._coxresult import CoxResult

__all__ = ["BaselineHazard", "CoxSurvival", "baseline_hazard", "cox_survfit"]


#: log of the largest float: a larger linear predictor overflows exp().
_MAX_LOG_RISK = math.log(np.finfo(float).max)


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineHazard(JsonFields):
    """Cumulative baseline hazard at each distinct time (R ``basehaz``).

    ``centered=True``: for a subject with covariates at the fit's ``means`` (R's
    default); ``False``: for covariates all 0. ``strata`` labels each row when the model
    is stratified.
    """

    time: FloatArray
    hazard: FloatArray
    strata: tuple[str, ...] | None
    centered: bool

    def to_frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"time": self.time, "hazard": self.hazard})
        if self.strata is not None:
            out["strata"] = list(self.strata)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxSurvival:
    """Predicted survival of one covariate profile (R ``survfit(fit, newdata=)``).

    At each distinct time of the profile's stratum (all strata, labelled by ``strata``,
    when the profile names none): ``n_risk``, ``n_event``, ``n_censor`` (weighted),
    ``surv`` S(t), ``cumhaz`` H(t), ``std_err`` the standard error of H(t) (= of log S),
    and the ``conf_level`` interval ``lower`` .. ``upper`` (R ``conf.type="log"``).
    """

    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    surv: FloatArray
    cumhaz: FloatArray
    std_err: FloatArray
    lower: FloatArray
    upper: FloatArray
    strata: tuple[str, ...] | None
    conf_level: float
    profile: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        cols = ("time", "n_risk", "n_event", "n_censor", "surv", "cumhaz", "std_err")
        out = pd.DataFrame({c: getattr(self, c) for c in (*cols, "lower", "upper")})
        if self.strata is not None:
            out.insert(0, "strata", list(self.strata))
        return out

    def to_dict(self) -> dict[str, Any]:
        keys = ("time", "n_risk", "n_event", "n_censor", "surv", "cumhaz", "std_err")
        out: dict[str, Any] = {k: finite_list(getattr(self, k)) for k in (*keys, "lower", "upper")}
        out["strata"] = None if self.strata is None else list(self.strata)
        out["conf_level"] = self.conf_level
        out["profile"] = dict(self.profile)
        return out


@dataclass(frozen=True, slots=True)
class _Increments:
    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    cumhaz: FloatArray
    varhaz: FloatArray  # cumulative
    xbar: FloatArray  # cumulative, one column per design column


def _rsum_by(keys: FloatArray, values: FloatArray, grid: FloatArray) -> FloatArray:
    """Sums of ``values`` over the rows whose key is >= each grid value."""
    idx = np.searchsorted(grid, keys, side="right") - 1  # largest grid value <= key
    m = grid.shape[0]
    keep = idx >= 0
    if values.ndim == 1:
        tot = np.bincount(idx[keep], values[keep], minlength=m)
    else:
        tot = np.column_stack(
            [np.bincount(idx[keep], values[keep, j], minlength=m) for j in range(values.shape[1])]
        ).reshape(m, values.shape[1])
    return np.asarray(np.cumsum(tot[::-1], axis=0)[::-1])


def _stratum_increments(
    time: FloatArray,
    start: FloatArray | None,
    status: FloatArray,
    w: FloatArray,
    risk: FloatArray,
    x: FloatArray,
    efron: bool,
) -> _Increments:
    """R ``agsurv`` for one stratum: hazard increments, their variance and x-bar terms."""
    grid = np.unique(time)
    dead = status > 0
    idx = np.searchsorted(grid, time)
    m = grid.shape[0]
    nevent = np.asarray(np.bincount(idx, w * dead, minlength=m), dtype=float)
    ncens = np.asarray(np.bincount(idx, w * ~dead, minlength=m), dtype=float)
    ndeath = np.asarray(np.bincount(idx, dead.astype(float), minlength=m), dtype=float)
    wr = w * risk
    nrisk = _rsum_by(time, wr, grid)
    irisk = _rsum_by(time, w, grid)
    xsum = _rsum_by(time, wr[:, None] * x, grid)
    if start is not None:
        # rows with start >= t are not yet at risk at t
        nrisk = nrisk - _rsum_by(start, wr, grid)
        irisk = irisk - _rsum_by(start, w, grid)
        xsum = xsum - _rsum_by(start, wr[:, None] * x, grid)
    if efron:
        erisk = np.bincount(idx, wr * dead, minlength=m)
        xsum2 = np.zeros((m, x.shape[1]))
        np.add.at(xsum2, idx[dead], (wr[dead])[:, None] * x[dead])
        d = ndeath.astype(np.int64)
        which = np.repeat(np.arange(m), d)
        first = np.repeat(np.cumsum(d) - d, d)
        frac = (np.arange(which.shape[0]) - first) / np.maximum(d[which], 1)
        denom = nrisk[which] - erisk[which] * frac
        dd = np.maximum(ndeath, 1.0)
        sum1 = np.bincount(which, 1.0 / denom, minlength=m) / dd
        sum2 = np.bincount(which, 1.0 / denom**2, minlength=m) / dd
        num = (xsum[which] - xsum2[which] * frac[:, None]) / (denom**2)[:, None]
        xb = np.zeros((m, x.shape[1]))
        np.add.at(xb, which, num)
        hazard = nevent * sum1
        varhaz = nevent * sum2
        xbar = nevent[:, None] * xb / dd[:, None]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(nevent > 0, nevent / nrisk, 0.0)
            varhaz = np.where(nevent > 0, nevent / nrisk**2, 0.0)
            xbar = np.where(nevent[:, None] > 0, xsum / nrisk[:, None] * hazard[:, None], 0.0)
    return _Increments(
        time=grid,
        n_risk=irisk,
        n_event=nevent,
        n_censor=ncens,
        cumhaz=np.cumsum(hazard),
        varhaz=np.cumsum(varhaz),
        xbar=np.cumsum(xbar, axis=0),
    )


def _strata_rows(model: CoxModel) -> list[tuple[str | None, np.ndarray[Any, Any]]]:
    if model.strata is None:
        return [(None, np.arange(model.time.shape[0]))]
    return [
        (label, np.flatnonzero(model.strata == k))
        for k, label in enumerate(model.strata_labels)
        if np.any(model.strata == k)
    ]


def _risk(model: CoxModel) -> FloatArray:
    xcenter = float(np.sum(model.means * model.beta))
    eta = np.zeros(model.x.shape[0])
    for j in range(model.x.shape[1]):
        if model.beta[j] != 0.0:
            eta += model.x[:, j] * model.beta[j]
    return np.asarray(np.exp(eta - xcenter))


def _increments(model: CoxModel, rows: np.ndarray[Any, Any], risk: FloatArray) -> _Increments:
    w = np.ones(model.time.shape[0]) if model.weights is None else model.weights
    start = None if model.start is None else model.start[rows]
    return _stratum_increments(
        model.time[rows],
        start,
        model.status[rows],
        w[rows],
        risk[rows],
        model.x[rows],
        model.efron,
    )


def baseline_hazard(result: CoxResult, *, centered: bool = True) -> BaselineHazard:
    """Cumulative baseline hazard, as R ``basehaz(fit, centered=)``."""
    model = model_of(result)
    risk = _risk(model)
    factor = 1.0 if centered else math.exp(-float(np.sum(model.means * model.beta)))
    times: list[FloatArray] = []
    haz: list[FloatArray] = []
    labels: list[str] = []
    for label, rows in _strata_rows(model):
        inc = _increments(model, rows, risk)
        times.append(inc.time)
        haz.append(inc.cumhaz * factor)
        if label is not None:
            labels.extend([label] * inc.time.shape[0])
    return BaselineHazard(
        time=np.concatenate(times),
        hazard=np.concatenate(haz),
        strata=tuple(labels) if model.strata is not None else None,
        centered=centered,
    )


def cox_survfit(
    result: CoxResult, profile: Mapping[str, Any], *, conf_level: float | None = None
) -> CoxSurvival:
    """Predicted survival curve of ``profile`` (a value for every covariate; strata
    columns select the stratum, all strata otherwise), as R ``survfit(fit, newdata=)``.
    """
    model = model_of(result)
    level = result.conf_level if conf_level is None else check_level(conf_level)
    if not isinstance(profile, Mapping):
        raise InputError("profile", type(profile).__name__, "a mapping of covariate to value")
    x2, stratum = encode_profile(model, profile)
    xcenter = float(np.sum(model.means * model.beta))
    lp2 = float(x2 @ model.beta) - xcenter
    if not abs(lp2) < _MAX_LOG_RISK:
        raise InputError(
            "profile",
            dict(profile),
            "covariate values whose risk score exp(x'β) is a finite number > 0",
        )
    risk2 = math.exp(lp2)
    risk = _risk(model)
    zq = float(norm.ppf(1 - (1 - level) / 2))
    parts: list[dict[str, FloatArray]] = []
    labels: list[str] = []
    wanted = None if stratum is None else model.strata_labels[stratum]
    for label, rows in _strata_rows(model):
        if wanted is not None and label != wanted:
            continue
        inc = _increments(model, rows, risk)
        dt = inc.cumhaz[:, None] * x2[None, :] - inc.xbar
        varh = (inc.varhaz + np.einsum("ij,jk,ik->i", dt, model.var, dt)) * risk2**2
        se = np.sqrt(varh)
        cumhaz = inc.cumhaz * risk2
        surv = np.exp(-cumhaz)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.where(surv > 0, np.log(np.where(surv > 0, surv, 1.0)), np.nan)
            lower = np.exp(logs - zq * se)
            upper = np.minimum(np.exp(logs + zq * se), 1.0)
        parts.append(
            {
                "time": inc.time,
                "n_risk": inc.n_risk,
                "n_event": inc.n_event,
                "n_censor": inc.n_censor,
                "surv": surv,
                "cumhaz": cumhaz,
                "std_err": se,
                "lower": lower,
                "upper": upper,
            }
        )
        if label is not None:
            labels.extend([label] * inc.time.shape[0])

    def cat(key: str) -> FloatArray:
        return np.concatenate([p[key] for p in parts])

    many = model.strata is not None and stratum is None
    return CoxSurvival(
        time=cat("time"),
        n_risk=cat("n_risk"),
        n_event=cat("n_event"),
        n_censor=cat("n_censor"),
        surv=cat("surv"),
        cumhaz=cat("cumhaz"),
        std_err=cat("std_err"),
        lower=cat("lower"),
        upper=cat("upper"),
        strata=tuple(labels) if many else None,
        conf_level=float(level),
        profile=dict(profile),
    )
