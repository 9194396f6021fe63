"""Pointwise confidence bands of a survival curve and the quantiles read off them.

Both follow R ``survival`` 3.5 exactly (``survfit_confint``, ``quantile.survfit``), including
what happens where the curve is 1 or 0. The median of ``print.survfit`` is
:func:`tacepath.survival.steps.step_median`.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from scipy.stats import norm

from tacepath.errors import InputError
from tacepath.survival._data import FloatArray, IntArray
from tacepath.survival._input import check_level

__all__ = [
    "CONF_TYPES",
    "ConfType",
    "check_conf",
    "confidence_band",
    "quantile_from_curve",
]

ConfType = Literal["log", "log-log", "plain", "logit", "arcsin", "none"]
CONF_TYPES: tuple[str, ...] = get_args(ConfType)

#: R's ``sqrt(.Machine$double.eps)``, the tolerance of its quantile rules.
_TOL = float(np.sqrt(np.finfo(float).eps))


def check_conf(conf_type: str, conf_level: float) -> None:
    """Refuse an unknown ``conf_type`` or a ``conf_level`` outside (0, 1)."""
    if conf_type not in CONF_TYPES:
        raise InputError("conf_type", conf_type, " | ".join(CONF_TYPES))
    check_level(conf_level)


def confidence_band(
    surv: FloatArray,
    se: FloatArray,
    *,
    logse: bool,
    conf_type: ConfType,
    conf_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Lower and upper pointwise limits of S(t) (R ``survfit_confint``, ``conf.lower="usual"``).

    ``se`` is the standard error of log S(t) (Greenwood) when ``logse`` is true, else of
    S(t) itself (the infinitesimal-jackknife variance used with non-integer case weights).
    Transforms, with z the normal quantile of ``conf_level``:

    * ``log`` (R's default): exp(log S ± z·se), upper limit at most 1;
    * ``log-log`` (SAS PROC LIFETEST's default): exp(−exp(log(−log S) ∓ z·se / log S));
    * ``plain``: S ± z·se·S, cut to [0, 1];
    * ``logit``: on log(S / (1 − S)) with se·(1 + S/(1 − S));
    * ``arcsin``: on asin(√S) with ½·se·√(S/(1 − S)).

    Undefined limits (S = 0 for ``log``, S ∈ {0, 1} for ``log-log``) are NaN, as R's NA.
    """
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    p = np.asarray(surv, dtype=float)
    s = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if not logse:
            s = np.where(s == 0, 0.0, s / p)
        if conf_type == "none":
            nan = np.full_like(p, np.nan)
            return nan, nan.copy()
        if conf_type == "plain":
            half = s * p * z
            return np.maximum(p - half, 0.0), np.minimum(p + half, 1.0)
        if conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            half = z * s
            return xx * np.exp(-half), np.minimum(xx * np.exp(half), 1.0)
        if conf_type == "log-log":
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            half = z * s / np.log(xx)
            ll = np.log(-np.log(xx))
            return np.exp(-np.exp(ll - half)), np.exp(-np.exp(ll + half))
        if conf_type == "logit":
            xx = np.where(p == 0, np.nan, p)
            half = z * s * (1 + xx / (1 - xx))
            lg = np.log(p / (1 - p))
            return 1 - 1 / (1 + np.exp(lg - half)), 1 - 1 / (1 + np.exp(lg + half))
        # arcsin
        xx = np.where(p == 0, np.nan, p)
        half = 0.5 * z * s * np.sqrt(xx / (1 - xx))
        a = np.arcsin(np.sqrt(xx))
        return (
            np.sin(np.maximum(0.0, a - half)) ** 2,
            np.sin(np.minimum(np.pi / 2, a + half)) ** 2,
        )


def quantile_from_curve(
    x: FloatArray, y: FloatArray, probs: FloatArray, tol: float = _TOL
) -> FloatArray:
    """Times at which the cumulative curve ``y`` (= 1 − S, or 1 − a band) reaches ``probs``.

    R ``quantile.survfit`` (its internal ``findq``): ``x`` starts with the curve's start
    time and ``y`` with 0; where the curve is flat exactly at p over an interval, the
    midpoint of that interval; at a last flat piece, the midpoint to the last time.
    """
    probs = np.asarray(probs, dtype=float)
    out = np.full(probs.shape, np.nan)
    if np.all(np.isnan(y)) or np.nanmax(y) < probs.min():
        return out
    xmax = x[-1]
    # R's duplicated(): keep the first of equal values (all NaNs count as equal).
    _, first = np.unique(y, return_index=True)
    keep = np.zeros(y.shape, dtype=bool)
    keep[first] = True
    xk, yk = x[keep], y[keep]
    # R's approx() drops NA pairs and sorts by the abscissa.
    valid = np.flatnonzero(~np.isnan(yk))
    for j, p in enumerate(probs):
        i1 = _approx_constant_right(yk[valid] + tol, valid, p)
        i2 = _approx_constant_right(yk[valid] - tol, valid, p)
        if i1 is not None and i2 is not None:
            out[j] = (xk[i1] + xk[i2]) / 2
        if p == 0:
            out[j] = xk[0]
        if not np.isnan(yk[-1]) and abs(p - yk[-1]) < tol and i1 is not None:
            out[j] = (xk[i1] + xmax) / 2
    return out


def _approx_constant_right(xs: FloatArray, ys: IntArray, at: float) -> int | None:
    """R ``approx(xs, ys, at, method="constant", f=1)``: ``ys`` at the first ``xs`` ≥ ``at``.

    ``xs`` is sorted first (as R does); outside its range the result is NA (None).
    """
    if xs.size == 0:
        return None
    order = np.argsort(xs, kind="stable")
    xs, ys = xs[order], ys[order]
    if at < xs[0] or at > xs[-1]:
        return None
    return int(ys[int(np.searchsorted(xs, at, side="left"))])
