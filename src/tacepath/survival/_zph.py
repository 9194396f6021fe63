"""Test of the proportional-hazards assumption, as R ``cox.zph`` (survival >= 3.0).

For each covariate x the model is extended by a term g(t)·x, g a transform of time, and
the score test of "its coefficient is 0" is computed at the fitted coefficients: the
score of the g(t)·x terms is sum over events of g(t)·(x − x̄(t)), the information is the
2p × 2p matrix of the extended model (blocks weighted by 1, g(t), g(t)²). Per covariate
the test uses that covariate's g(t)·x columns (a categorical covariate: all its columns,
several degrees of freedom); GLOBAL uses all. g(t) is centred at its mean over the events.

Transforms: ``km`` (default, R's): 1 − KM(t−) from the Kaplan–Meier curve of all rows
(unweighted, strata ignored); ``identity``; ``rank`` (ranks of the times, ties averaged);
``log``.

References
----------
.. [1] Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on
   weighted residuals. Biometrika 1994;81:515-526. doi:10.1093/biomet/81.3.515
.. [2] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model.
   Springer; 2000, chapter 6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata

from tacepath.errors import InputError
from tacepath.survival._coxfit import _per_row, _terms, risk_sets
from tacepath.survival._coxmodel import model_of
from tacepath.survival._data import FloatArray

if TYPE_CHECKING:
    from tacepath.survival._coxresult import CoxResult

__all__ = ["CoxZphResult", "ZphTransform", "cox_zph"]

ZphTransform = Literal["km", "identity", "rank", "log"]
_TRANSFORMS = ("km", "identity", "rank", "log")


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxZphResult:
    """R ``cox.zph(fit)$table``: one row per covariate (or design column) and GLOBAL."""

    rows: tuple[str, ...]
    chisq: FloatArray
    df: tuple[int, ...]
    p: FloatArray
    transform: ZphTransform

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"term": list(self.rows), "chisq": self.chisq, "df": list(self.df), "p": self.p}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "transform": self.transform,
            "rows": list(self.rows),
            "chisq": [float(v) for v in self.chisq],
            "df": list(self.df),
            "p": [float(v) for v in self.p],
        }


def _km_left(time: FloatArray, start: FloatArray | None, status: FloatArray) -> FloatArray:
    """1 − S(t−) at each row's time, S the unweighted Kaplan–Meier curve of all rows."""
    grid = np.unique(time)
    idx = np.searchsorted(grid, time)
    m = grid.shape[0]
    deaths = np.bincount(idx, status, minlength=m)
    at_risk = np.cumsum(np.bincount(idx, minlength=m)[::-1])[::-1].astype(float)
    if start is not None:
        # rows with start >= t have not entered the risk set at t
        at_risk = at_risk - (start.shape[0] - np.searchsorted(np.sort(start), grid, side="left"))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(deaths > 0, 1.0 - deaths / at_risk, 1.0)
    surv = np.cumprod(factor)
    before = np.concatenate([[1.0], surv])[idx]
    return np.asarray(1.0 - before)


def cox_zph(result: CoxResult, transform: ZphTransform = "km", terms: bool = True) -> CoxZphResult:
    """Score tests of proportional hazards per covariate and globally (R ``cox.zph``).

    ``terms=True`` tests each covariate as a whole (a categorical covariate on as many
    degrees of freedom as it has columns); ``False`` each design column.
    """
    model = model_of(result)
    if transform not in _TRANSFORMS:
        raise InputError("transform", transform, "one of 'km', 'identity', 'rank', 'log'")
    keep = ~np.isnan(result.coef)
    cols = np.flatnonzero(keep)
    x = model.x[:, cols]
    x = x - x.mean(axis=0)
    p = x.shape[1]
    groups: list[tuple[str, list[int]]] = []
    if terms:
        pos = {int(c): i for i, c in enumerate(cols)}
        for name, idx in model.assign():
            kept = [pos[j] for j in idx if j in pos]
            if kept:
                groups.append((name, kept))
    else:
        groups = [(model.names[int(c)], [i]) for i, c in enumerate(cols)]

    times = model.time
    status = model.status
    if transform == "km":
        g = _km_left(times, model.start, status)
    elif transform == "identity":
        g = times.astype(float)
    elif transform == "rank":
        g = rankdata(times).astype(float)
    else:
        if np.any(times[status > 0] <= 0):
            raise InputError("transform", transform, "km, identity or rank: an event at time 0")
        g = np.log(times)
    dead = status > 0
    g = g - float(np.mean(g[dead]))

    w = np.ones(times.shape[0]) if model.weights is None else model.weights
    rs = risk_sets(times, status, model.start, model.strata, efron=model.efron)
    xt = np.take(np.ascontiguousarray(x.T), rs.order, axis=1)
    ws = w[rs.order]
    t = _terms(rs, xt, ws, model.beta[cols])
    hz = t.wtave / t.den
    dr = rs.death_rows
    gt = g[rs.order][dr]  # every death of a tied set has the set's time
    u = np.take(xt, dr, axis=1) @ (ws[dr] * gt) - t.sums @ (hz * gt)
    own = (1.0 - rs.downwt) * hz
    risk = ws * t.score
    info = np.zeros((2 * p, 2 * p))
    for power, (r0, c0) in ((0, (0, 0)), (1, (0, p)), (2, (p, p))):
        gp = gt**power
        h = _per_row(rs, hz * gp, own * gp)
        block = (xt * (risk * h)) @ xt.T - (t.sums * (hz * gp / t.den)) @ t.sums.T
        info[r0 : r0 + p, c0 : c0 + p] = block
    info[p:, :p] = info[:p, p:].T

    rows: list[str] = []
    stats: list[float] = []
    dfs: list[int] = []
    for name, idx in groups:
        kk = list(range(p)) + [p + j for j in idx]
        uu = np.concatenate([np.zeros(p), u[idx]])
        sub = info[np.ix_(kk, kk)]
        stats.append(float(uu @ np.linalg.solve(sub, uu)))
        rows.append(name)
        dfs.append(len(idx))
    uu = np.concatenate([np.zeros(p), u])
    stats.append(float(uu @ np.linalg.solve(info, uu)))
    rows.append("GLOBAL")
    dfs.append(p)
    chisq = np.asarray(stats)
    pval = np.asarray(
        [
            float(chi2.sf(s, d)) if math.isfinite(s) else math.nan
            for s, d in zip(stats, dfs, strict=True)
        ]
    )
    return CoxZphResult(rows=tuple(rows), chisq=chisq, df=tuple(dfs), p=pval, transform=transform)
