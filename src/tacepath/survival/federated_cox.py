"""Federated Cox regression: Newton–Raphson on the pooled partial likelihood, round by round.

The log partial likelihood of right-censored data, its gradient and its information matrix
depend on the rows only through sums per stratum and distinct time: the number of rows and
of events, the events' covariate sum, and the sums of ``exp(eta)``, ``exp(eta) x`` and
``exp(eta) x x'`` over all rows at that time and over the events at that time (``eta`` =
``(x - centre) beta``). These sums add up across sites, so each round a site evaluates them
at the coordinating centre's ``beta`` (:func:`site_round`), the centre adds them, takes
reverse cumulative sums per stratum for the risk sets and gets the pooled log-likelihood,
gradient and information (:func:`pooled_evaluation`) — Breslow's and Efron's tie handling
both exactly, since Efron's correction needs only the events' sums at each tied time.

The iteration is :func:`tacepath.survival._coxfit.newton_right`, the one ``cox_ph`` uses
(R ``coxfit6``'s steps, step halving and stopping rule): :func:`combine` replays it over the
evaluations of earlier rounds, which the state keeps, and stops at the first ``beta`` not
yet evaluated — the next round's request — or at convergence. Newton's iterates do not
depend on centring or scaling the covariates, so the estimates equal the pooled ``cox_ph``
to rounding (tested to 1e-8 on three simulated sites).

Disclosure control as for :mod:`tacepath.survival.federated`: a site file is refused when a
stratum and time cell holds fewer than ``min_count`` rows (coarsen the time to merge them),
or a stratum fewer than ``min_count`` patients. Hand-written because no Python library
fits a Cox model from shared aggregates (lifelines and R ``survival`` need the rows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields
from tacepath.survival._coxfit import Newton, newton_right, wald_test
from tacepath.survival._coxresult import ChiSquareTest, CoxControl, chisq_test
from tacepath.survival._data import FloatArray, plain_value
from tacepath.survival._input import SurvivalData
from tacepath.survival.federated import TIME_UNITS, TimeUnit, coarsen_times

__all__ = [
    "ROUND_FORMAT",
    "STATE_FORMAT",
    "CellSums",
    "CoxSpec",
    "FederatedCoxResult",
    "combine",
    "pooled_evaluation",
    "site_round",
    "sums_evaluation",
]

ROUND_FORMAT = "tacepath-federated-cox-round"
STATE_FORMAT = "tacepath-federated-cox-state"
_VERSION = 1
#: The most covariates, cells per site file, sites and evaluations a state may hold.
MAX_COVARIATES = 50
MAX_CELLS = 200_000
MAX_SITES = 1000
MAX_ROUNDS = 200
Ties = Literal["efron", "breslow"]


@dataclass(frozen=True, slots=True)
class CoxSpec(JsonFields):
    """The analysis every site and round must agree on."""

    time: str
    event: str
    covariates: tuple[str, ...]
    strata: tuple[str, ...] = ()
    ties: Ties = "efron"
    time_unit: TimeUnit | None = None
    min_count: int = 5

    def __post_init__(self) -> None:
        names = (self.time, self.event, *self.covariates, *self.strata)
        if not all(isinstance(c, str) and 1 <= len(c) <= 200 for c in names):
            raise InputError("columns", str(names)[:80], "column names of 1 to 200 characters")
        if not 1 <= len(self.covariates) <= MAX_COVARIATES:
            raise InputError("covariates", len(self.covariates), f"1 to {MAX_COVARIATES}")
        if len(set(self.covariates)) != len(self.covariates) or len(self.strata) > 10:
            raise InputError("covariates", ",".join(self.covariates)[:80], "distinct columns")
        if self.ties not in ("efron", "breslow"):
            raise InputError("ties", self.ties, "efron or breslow")
        if self.time_unit is not None and self.time_unit not in TIME_UNITS:
            raise InputError("time_unit", self.time_unit, "day, week, month or null")
        m = self.min_count
        if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 1000:
            raise InputError("min_count", m, "a whole number from 1 to 1000")

    @classmethod
    def from_dict(cls, obj: Any, name: str) -> CoxSpec:
        if not isinstance(obj, dict):
            raise InputError(f"{name}: spec", type(obj).__name__, "an object")
        cov, strata = obj.get("covariates"), obj.get("strata")
        if not isinstance(cov, list) or not isinstance(strata, list):
            raise InputError(f"{name}: spec", "covariates/strata", "lists of column names")
        return cls(
            time=obj.get("time"),  # type: ignore[arg-type]
            event=obj.get("event"),  # type: ignore[arg-type]
            covariates=tuple(cov),
            strata=tuple(strata),
            ties=obj.get("ties"),  # type: ignore[arg-type]
            time_unit=obj.get("time_unit"),
            min_count=obj.get("min_count"),  # type: ignore[arg-type]
        )


# ------------------------------------------------------------------------ the site's part


def _numbers(raw: Any, shape: tuple[int, ...], label: str) -> FloatArray:
    """A list of finite numbers of the given shape, or a clear error."""
    try:
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise InputError(label, str(raw)[:60], f"numbers of shape {shape}") from None
    if arr.shape != shape or not np.isfinite(arr).all():
        raise InputError(label, str(raw)[:60], f"finite numbers of shape {shape}")
    return arr


def _check_request(spec: CoxSpec, beta: Any, centre: Any) -> tuple[FloatArray, FloatArray]:
    p = len(spec.covariates)
    b = _numbers(beta, (p,), "beta")
    c = np.zeros(p) if centre is None else _numbers(centre, (p,), "centre")
    if np.abs(b).max(initial=0.0) > 1e6 or np.abs(c).max(initial=0.0) > 1e12:
        raise InputError("beta", "out of range", "|beta| ≤ 1e6 and |centre| ≤ 1e12")
    return b, c


def site_round(
    data: Any,
    spec: CoxSpec,
    *,
    beta: Any,
    centre: Any = None,
    site: str = "site",
    round_no: int = 0,
) -> dict[str, Any]:
    """A site's sums at ``beta`` (covariates centred at ``centre``; 0 when None): one cell
    per stratum and distinct (coarsened) time, as the JSON object a site sends. Refused
    (:class:`InputError`) when a cell or stratum has fewer than ``spec.min_count`` rows."""
    if not 1 <= len(site) <= 200:
        raise InputError("site", site[:50], "a name of 1 to 200 characters")
    b, c = _check_request(spec, beta, centre)
    other = [("covariates", v) for v in spec.covariates] + [("strata", s) for s in spec.strata]
    sd = SurvivalData.from_frame(data, time=spec.time, event=spec.event, other=other)
    x = np.empty((sd.time.size, len(spec.covariates)))
    for j, name in enumerate(spec.covariates):
        values = sd.columns[name]
        if not (np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_):
            raise InputError(name, str(values[0])[:40], "a numeric covariate (code 0/1 yourself)")
        x[:, j] = np.asarray(values, dtype=float)
    if not np.isfinite(x).all():
        raise InputError("covariates", "an infinite value", "finite covariate values")
    t = np.asarray(sd.time, dtype=float)
    t = coarsen_times(t, spec.time_unit) if spec.time_unit else t
    event = np.asarray(sd.event, dtype=float)
    frame = pd.DataFrame({"time": t})
    for i, s in enumerate(spec.strata):
        frame[f"s{i}"] = [plain_value(v) for v in sd.columns[s]]
    eta = (x - c) @ b
    if eta.size and eta.max() > 700:
        raise InputError("beta", float(eta.max()), "a linear predictor below 700 (exp overflows)")
    r = np.exp(eta)
    cells: list[list[Any]] = []
    small = 0
    keys = [f"s{i}" for i in range(len(spec.strata))]
    parts = frame.groupby(keys, sort=True, dropna=False) if keys else [((), frame)]
    for key, part in parts:
        stratum = [plain_value(v) for v in (key if isinstance(key, tuple) else (key,))]
        rows = part.index.to_numpy()
        if rows.size < spec.min_count:
            small += 1
        times, inv = np.unique(t[rows], return_inverse=True)
        for k, time in enumerate(times):
            at = rows[inv == k]
            small += int(at.size < spec.min_count)
            dead = at[event[at] == 1]
            cells.append(_cell(stratum, float(time), x[at], x[dead], r[at], r[dead], c))
    if small:
        raise InputError(
            "min_count",
            f"{small} cells or strata with fewer than {spec.min_count} rows",
            "every cell and stratum with at least min_count rows: coarsen the time "
            "(--time-unit week or month) or leave out a sparse stratum",
        )
    if len(cells) > MAX_CELLS:
        raise InputError("cells", len(cells), f"at most {MAX_CELLS} (coarsen the time)")
    return {
        "format": ROUND_FORMAT,
        "version": _VERSION,
        "site": site,
        "round": round_no,
        "spec": spec.to_dict(),
        "beta": b.tolist(),
        "centre": c.tolist(),
        "n": int(t.size),
        "n_dropped": sd.n_dropped,
        "n_event": int(event.sum()),
        "x_sum": x.sum(axis=0).tolist(),
        "columns": ["stratum", "time", "n", "d", "x_event", "s0", "s1", "s2", "d0", "d1", "d2"],
        "cells": cells,
    }


def _cell(
    stratum: list[Any],
    time: float,
    xa: FloatArray,
    xd: FloatArray,
    ra: FloatArray,
    rd: FloatArray,
    centre: FloatArray,
) -> list[Any]:
    """One cell: counts, the events' centred covariate sum, and the weighted sums of all
    rows (s) and of the events (d) at this time."""
    xa, xd = xa - centre, xd - centre
    return [
        stratum,
        time,
        int(xa.shape[0]),
        int(xd.shape[0]),
        xd.sum(axis=0).tolist(),
        float(ra.sum()),
        (ra @ xa).tolist(),
        ((xa * ra[:, None]).T @ xa).tolist(),
        float(rd.sum()),
        (rd @ xd).tolist(),
        ((xd * rd[:, None]).T @ xd).tolist(),
    ]


# ------------------------------------------------------------------ the centre's part


@dataclass(frozen=True, slots=True)
class CellSums:
    """The pooled sums of one round, one row per stratum and time (sorted)."""

    stratum: tuple[str, ...]
    n: FloatArray
    d: FloatArray
    x_event: FloatArray
    s0: FloatArray
    s1: FloatArray
    s2: FloatArray
    d0: FloatArray
    d1: FloatArray
    d2: FloatArray


def _pool(rounds: Sequence[dict[str, Any]], p: int) -> CellSums:
    """Add the sites' cells of equal stratum and time."""
    table: dict[tuple[str, float], list[Any]] = {}
    for obj in rounds:
        for i, raw in enumerate(obj["cells"]):
            label = f"{obj['site']}: cells[{i}]"
            if not isinstance(raw, list) or len(raw) != 11:
                raise InputError(label, str(raw)[:60], "11 fields, as the columns say")
            st, time, n, d = raw[0], raw[1], raw[2], raw[3]
            ok = isinstance(n, int) and isinstance(d, int) and 0 <= d <= n <= 50_000_000
            if not ok or not isinstance(time, int | float) or not isinstance(st, list):
                raise InputError(label, str(raw)[:60], "stratum, time, 0 ≤ d ≤ n, ...")
            parts = [
                _numbers(raw[4], (p,), label),
                _numbers(raw[5], (), label),
                _numbers(raw[6], (p,), label),
                _numbers(raw[7], (p, p), label),
                _numbers(raw[8], (), label),
                _numbers(raw[9], (p,), label),
                _numbers(raw[10], (p, p), label),
            ]
            key = (repr([str(v) for v in st]), float(time))
            old = table.get(key)
            new = [float(n), float(d), *parts]
            table[key] = new if old is None else [a + b for a, b in zip(old, new, strict=True)]
    if not table:
        raise InputError("SITES", "no cells", "site files with data")
    keys = sorted(table)
    cols = list(zip(*(table[k] for k in keys), strict=True))
    return CellSums(tuple(k[0] for k in keys), *(np.asarray(c, dtype=float) for c in cols))


def pooled_evaluation(
    rounds: Sequence[dict[str, Any]], beta: FloatArray, ties: Ties
) -> tuple[float, FloatArray, FloatArray]:
    """The pooled log partial likelihood, gradient and information at ``beta`` from the
    sites' sums (Breslow or Efron ties; R ``coxfit6``'s definitions)."""
    return sums_evaluation(_pool(rounds, beta.size), beta, ties)


def sums_evaluation(
    s: CellSums, beta: FloatArray, ties: Ties
) -> tuple[float, FloatArray, FloatArray]:
    """The log partial likelihood, gradient and information at ``beta`` from the sums per
    stratum and time (also used by :mod:`tacepath.survival.distributed`)."""
    # risk sets: the rows of the stratum with time >= t (reverse cumulative sums)
    risk0, risk1, risk2 = np.empty_like(s.s0), np.empty_like(s.s1), np.empty_like(s.s2)
    labels = np.asarray(s.stratum, dtype=object)
    for lab in dict.fromkeys(s.stratum):
        idx = np.flatnonzero(labels == lab)
        for src, dst in ((s.s0, risk0), (s.s1, risk1), (s.s2, risk2)):
            dst[idx] = np.cumsum(src[idx][::-1], axis=0)[::-1]
    ev = np.flatnonzero(s.d > 0)
    d = s.d[ev].astype(np.int64)
    # one term per death: k = 0..d-1, downweight k/d (Efron) or 0 (Breslow)
    g = np.repeat(ev, d)
    k = np.arange(g.size) - np.repeat(np.cumsum(d) - d, d)
    frac = k / np.repeat(d, d) if ties == "efron" else np.zeros(g.size)
    den = risk0[g] - frac * s.d0[g]
    if (den <= 0).any():
        raise InputError("SITES", "a risk set with no weight", "consistent site sums")
    mean = (risk1[g] - frac[:, None] * s.d1[g]) / den[:, None]
    second = (risk2[g] - frac[:, None, None] * s.d2[g]) / den[:, None, None]
    x_event = s.x_event[ev].sum(axis=0)
    loglik = float(x_event @ beta - np.log(den).sum())
    u = x_event - mean.sum(axis=0)
    info = (second - mean[:, :, None] * mean[:, None, :]).sum(axis=0)
    return loglik, u, info


class _Pending(Exception):
    """The iteration asks for ``beta``, not evaluated yet."""

    def __init__(self, beta: FloatArray) -> None:
        super().__init__("pending")
        self.beta = beta


def replay(
    evaluations: Sequence[tuple[FloatArray, float, FloatArray, FloatArray]],
    p: int,
    control: CoxControl,
) -> Newton | FloatArray:
    """Run ``cox_ph``'s Newton–Raphson over the evaluations so far: its end, or the next
    ``beta`` to evaluate."""
    cache = {b.tobytes(): (ll, u, info) for b, ll, u, info in evaluations}

    def ev(b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        hit = cache.get(np.asarray(b, dtype=float).tobytes())
        if hit is None:
            raise _Pending(np.asarray(b, dtype=float).copy())
        return hit[0], hit[1].copy(), hit[2].copy()

    try:
        return newton_right(
            ev, np.zeros(p), iter_max=control.iter_max, eps=control.eps, toler=control.toler_chol
        )
    except _Pending as need:
        return need.beta


@dataclass(frozen=True, slots=True, kw_only=True)
class FederatedCoxResult:
    """The pooled Cox fit: the keys of ``tacepath survival cox --json`` that aggregates
    allow (no robust variance, no concordance: they need the rows)."""

    terms: tuple[str, ...]
    coef: FloatArray
    se: FloatArray
    z: FloatArray
    p: FloatArray
    hr: FloatArray
    hr_lower: FloatArray
    hr_upper: FloatArray
    var: FloatArray
    loglik: tuple[float, float]
    lr: ChiSquareTest
    wald: ChiSquareTest
    score: ChiSquareTest
    n: int
    n_event: int
    n_dropped: int
    iterations: int
    converged: bool
    ties: str
    conf_level: float
    sites: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "terms": list(self.terms),
            **{
                k: [None if not math.isfinite(v) else float(v) for v in getattr(self, k)]
                for k in ("coef", "se", "z", "p", "hr", "hr_lower", "hr_upper")
            },
            "var": self.var.tolist(),
            "loglik": list(self.loglik),
            "wald": self.wald.to_dict(),
            "lr": self.lr.to_dict(),
            "score": self.score.to_dict(),
            "n": self.n,
            "n_event": self.n_event,
            "n_dropped": self.n_dropped,
            "iterations": self.iterations,
            "converged": self.converged,
            "ties": self.ties,
            "conf_level": self.conf_level,
            "sites": list(self.sites),
        }


def _result(
    res: Newton, spec: CoxSpec, rounds: Sequence[dict[str, Any]], conf_level: float
) -> FederatedCoxResult:
    coef, var = res.beta, res.var
    est = np.diag(var) > 0
    se = np.where(est, np.sqrt(np.abs(np.diag(var))), np.nan)
    df = int(est.sum())
    wstat, _ = wald_test(var[np.ix_(est, est)], coef[est], CoxControl().toler_chol)
    zq = float(norm.ppf((1.0 + conf_level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = coef / se
        return FederatedCoxResult(
            terms=spec.covariates,
            coef=coef,
            se=se,
            z=z,
            p=np.asarray(chi2.sf(z**2, 1), dtype=float),
            hr=np.exp(coef),
            hr_lower=np.exp(coef - zq * se),
            hr_upper=np.exp(coef + zq * se),
            var=var,
            loglik=(res.loglik0, res.loglik),
            lr=chisq_test(-2.0 * (res.loglik0 - res.loglik), df),
            wald=chisq_test(wstat, df),
            score=chisq_test(res.score_test, df),
            n=sum(int(r["n"]) for r in rounds),
            n_event=sum(int(r["n_event"]) for r in rounds),
            n_dropped=sum(int(r["n_dropped"]) for r in rounds),
            iterations=res.iterations,
            converged=not res.ran_out,
            ties=spec.ties,
            conf_level=conf_level,
            sites=tuple(str(r["site"]) for r in rounds),
        )


def _check_round(obj: Any, name: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or obj.get("format") != ROUND_FORMAT:
        raise InputError(name, "not a Cox round file", f"a JSON object with format {ROUND_FORMAT}")
    if obj.get("version") != _VERSION:
        raise InputError(name, obj.get("version"), f"version {_VERSION}")
    site = obj.get("site")
    if not isinstance(site, str) or not 1 <= len(site) <= 200:
        raise InputError(f"{name}: site", str(site)[:50], "a name of 1 to 200 characters")
    for key in ("n", "n_dropped", "n_event", "round"):
        v = obj.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 50_000_000:
            raise InputError(f"{name}: {key}", v, "a whole number ≥ 0")
    cells = obj.get("cells")
    if not isinstance(cells, list) or len(cells) > MAX_CELLS:
        raise InputError(f"{name}: cells", type(cells).__name__, f"a list of ≤ {MAX_CELLS}")
    return obj


def new_state(spec: CoxSpec) -> dict[str, Any]:
    """The state before the first round: evaluate at beta = 0, covariates uncentred."""
    p = len(spec.covariates)
    return {
        "format": STATE_FORMAT,
        "version": _VERSION,
        "spec": spec.to_dict(),
        "round": 0,
        "sites": None,
        "centre": [0.0] * p,
        "beta": [0.0] * p,
        "evaluations": [],
        "done": False,
        "result": None,
    }


def read_state(obj: Any, name: str = "state") -> tuple[CoxSpec, dict[str, Any]]:
    """Check a state file; its spec and contents."""
    if not isinstance(obj, dict) or obj.get("format") != STATE_FORMAT:
        raise InputError(name, "not a Cox state", f"a JSON object with format {STATE_FORMAT}")
    if obj.get("version") != _VERSION:
        raise InputError(name, obj.get("version"), f"version {_VERSION}")
    spec = CoxSpec.from_dict(obj.get("spec"), name)
    p = len(spec.covariates)
    _check_request(spec, obj.get("beta"), obj.get("centre"))
    evals = obj.get("evaluations")
    if not isinstance(evals, list) or len(evals) > MAX_ROUNDS:
        raise InputError(f"{name}: evaluations", type(evals).__name__, f"≤ {MAX_ROUNDS}")
    for i, e in enumerate(evals):
        if not isinstance(e, dict):
            raise InputError(f"{name}: evaluations[{i}]", str(e)[:40], "an object")
        _numbers(e.get("beta"), (p,), f"{name}: evaluations[{i}].beta")
        _numbers(e.get("loglik"), (), f"{name}: evaluations[{i}].loglik")
        _numbers(e.get("u"), (p,), f"{name}: evaluations[{i}].u")
        _numbers(e.get("info"), (p, p), f"{name}: evaluations[{i}].info")
    sites = obj.get("sites")
    if sites is not None and (
        not isinstance(sites, list) or not all(isinstance(s, str) for s in sites)
    ):
        raise InputError(f"{name}: sites", str(sites)[:60], "a list of site names")
    return spec, obj


def combine(
    state: dict[str, Any],
    site_files: Sequence[tuple[str, Any]],
    *,
    conf_level: float = 0.95,
    control: CoxControl | None = None,
) -> dict[str, Any]:
    """The next state from the current one and every site's file of this round: the next
    ``beta`` to evaluate, or (``done``) the pooled fit under ``result``."""
    spec, state = read_state(state)
    if state.get("done"):
        raise InputError("state", "done", "a state still iterating (the fit is finished)")
    if not 1 <= len(site_files) <= MAX_SITES:
        raise InputError("SITES", len(site_files), f"1 to {MAX_SITES} site files")
    rounds = [_check_round(obj, name) for name, obj in site_files]
    names = [r["site"] for r in rounds]
    if len(set(names)) != len(names):
        raise InputError("SITES", ", ".join(names)[:200], "a different site name per file")
    expected = state["sites"]
    if expected is not None and sorted(names) != sorted(expected):
        raise InputError("SITES", ", ".join(sorted(names))[:200], f"the sites {expected}")
    for r, (name, _) in zip(rounds, site_files, strict=True):
        if CoxSpec.from_dict(r.get("spec"), name) != spec:
            raise InputError(f"{name}: spec", r.get("spec"), f"the state's {spec.to_dict()}")
        if r.get("round") != state["round"]:
            raise InputError(f"{name}: round", r.get("round"), f"round {state['round']}")
        if r.get("beta") != state["beta"] or r.get("centre") != state["centre"]:
            raise InputError(f"{name}: beta", str(r.get("beta"))[:80], "the state's beta")
    p = len(spec.covariates)
    beta = np.asarray(state["beta"], dtype=float)
    loglik, u, info = pooled_evaluation(rounds, beta, spec.ties)
    evaluations = [
        *state["evaluations"],
        {"beta": beta.tolist(), "loglik": loglik, "u": u.tolist(), "info": info.tolist()},
    ]
    if sum(int(r["n_event"]) for r in rounds) == 0:
        raise InputError("SITES", "no events", "at least one event to fit a Cox model")
    centre = state["centre"]
    if state["round"] == 0:  # from now on the sites centre at the pooled means
        n = sum(int(r["n"]) for r in rounds)
        x_sum = sum(_numbers(r.get("x_sum"), (p,), "x_sum") for r in rounds)
        centre = (np.asarray(x_sum) / n).tolist()
    parsed = [
        (
            np.asarray(e["beta"], dtype=float),
            float(e["loglik"]),
            np.asarray(e["u"], dtype=float),
            np.asarray(e["info"], dtype=float),
        )
        for e in evaluations
    ]
    out = replay(parsed, p, control or CoxControl())
    nxt = dict(state, round=state["round"] + 1, sites=sorted(names), centre=centre)
    nxt["evaluations"] = evaluations
    if isinstance(out, Newton):
        nxt.update(done=True, result=_result(out, spec, rounds, conf_level).to_dict())
    elif len(evaluations) >= MAX_ROUNDS:
        raise InputError("rounds", len(evaluations), f"convergence within {MAX_ROUNDS} rounds")
    else:
        nxt["beta"] = out.tolist()
    return nxt
