"""Cox regression of a Dask DataFrame from per-partition sums (see
:mod:`tacepath.survival.distributed` for the method): the structure in two reductions, then
one reduction per Newton–Raphson step, the evaluation and the iteration being the engine's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import chi2, norm

from tacepath.errors import InputError, StatisticalWarning
from tacepath.survival._cox import _check_finite, _check_ties, _fit_warnings
from tacepath.survival._coxfit import newton_right, wald_test
from tacepath.survival._coxmodel import design_matrix, model_terms, strata_codes
from tacepath.survival._coxresult import CoxControl, CoxResult, chisq_test
from tacepath.survival._dask import (
    SPLIT_EVERY,
    Table,
    add_tables,
    check_split,
    checked_part,
    count_cells,
    in_partition,
    label_keys,
    partitions,
    persist,
    reduction,
)
from tacepath.survival._data import FloatArray, IntArray, aeq_sorted
from tacepath.survival._input import check_level
from tacepath.survival.federated_cox import MAX_COVARIATES, CellSums, sums_evaluation

__all__ = ["cox_ph"]

#: exp() overflows near 709: as the engine, the linear predictor is shifted above this.
_ETA_GUARD = 500.0


@dataclass(frozen=True, slots=True)
class _CoxRows:
    """One partition's checked rows: raw times, events, design (n × p), strata labels."""

    time: FloatArray
    event: FloatArray
    x: FloatArray
    strata: tuple[npt.NDArray[Any], ...]
    names: tuple[str, ...] | None  # None: no usable row in the partition
    n_dropped: int


def _cox_rows(
    i: int,
    frame: pd.DataFrame,
    time: str,
    event: str,
    covariates: tuple[str, ...],
    strata: tuple[str, ...],
) -> _CoxRows:
    other = [("covariates", c) for c in covariates] + [("strata", s) for s in strata]
    sd = checked_part(frame, i, time, event, other)
    if isinstance(sd, int):
        none = np.zeros(0)
        empty = tuple(np.zeros(0, dtype=object) for _ in strata)
        return _CoxRows(none, none, np.zeros((0, 0)), empty, None, sd)
    try:
        x, names, _ = design_matrix(sd.columns, covariates, (), {})
        _check_finite(x, names, "covariates", sd.rows)
    except InputError as exc:
        raise in_partition(i, exc) from None
    labels = tuple(sd.columns[s] for s in strata)
    return _CoxRows(sd.time, sd.event, x, labels, names, sd.n_dropped)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the fit needs to know first: the counts per (stratum, time), the number of
    rows, the covariates' sums and whether each column holds only -1, 0 and 1."""

    table: Table
    n: int
    x_sum: FloatArray | None
    zero_one: npt.NDArray[np.bool_] | None
    names: tuple[str, ...] | None


def _shape(i: int, rows: _CoxRows) -> _Shape:
    if rows.names is None:
        return _Shape(Table(None, rows.n_dropped), 0, None, None, None)
    x = rows.x
    zero_one = ((x == 0.0) | (x == 1.0) | (x == -1.0)).all(axis=0)
    cells = count_cells(rows.strata, rows.time, rows.event)
    return _Shape(Table(cells, rows.n_dropped), x.shape[0], x.sum(axis=0), zero_one, rows.names)


def _add_shapes(a: _Shape, b: _Shape) -> _Shape:
    if a.names is None or b.names is None:
        keep = b if a.names is None else a
        return _Shape(add_tables(a.table, b.table), keep.n, keep.x_sum, keep.zero_one, keep.names)
    if a.names != b.names:
        raise InputError("covariates", ", ".join(b.names)[:80], f"the terms {list(a.names)}")
    assert a.x_sum is not None
    assert b.x_sum is not None
    assert a.zero_one is not None
    assert b.zero_one is not None
    return _Shape(
        add_tables(a.table, b.table),
        a.n + b.n,
        a.x_sum + b.x_sum,
        a.zero_one & b.zero_one,
        a.names,
    )


def _abs_dev(i: int, rows: _CoxRows, centre: FloatArray) -> FloatArray:
    if rows.names is None:
        return np.zeros(centre.size)
    return np.asarray(np.abs(rows.x - centre).sum(axis=0), dtype=float)


def _add(a: Any, b: Any) -> Any:
    return a + b


@dataclass(frozen=True, slots=True)
class _Grid:
    """The pooled structure: R's time fix (distinct raw times and their fixed values, or
    None when nothing merges), the strata (label combinations and their codes), and the
    event times, sorted by stratum then time, with each stratum's offsets."""

    raw: FloatArray | None
    fixed: FloatArray | None
    combos: pd.Index
    combo_code: IntArray
    time: FloatArray
    offsets: IntArray


@dataclass(frozen=True, slots=True)
class _Binned:
    """A partition's rows ready for the iteration: the centred and scaled design (n × p),
    the raw design (for the linear predictor), the event time each row is binned to (the
    last one at or before its time in its stratum; -1: none), events, fixed times and
    stratum codes."""

    xs: FloatArray
    x: FloatArray
    k: IntArray
    event: npt.NDArray[np.bool_]
    time: FloatArray
    code: IntArray


def _bin(i: int, rows: _CoxRows, grid: _Grid, centre: FloatArray, scale: FloatArray) -> _Binned:
    p = centre.size
    if rows.names is None:
        none = np.zeros(0, dtype=np.intp)
        return _Binned(
            np.zeros((0, p)), np.zeros((0, p)), none, none.astype(bool), np.zeros(0), none
        )
    t = rows.time
    if grid.raw is not None and grid.fixed is not None:
        t = grid.fixed[np.searchsorted(grid.raw, t)]
    if rows.strata:
        code = grid.combo_code[grid.combos.get_indexer(_label_index(rows.strata))]
    else:
        code = np.zeros(t.size, dtype=np.intp)
    k = np.full(t.size, -1, dtype=np.intp)
    for s in np.unique(code):
        m = code == s
        lo, hi = int(grid.offsets[s]), int(grid.offsets[s + 1])
        ks = lo + np.searchsorted(grid.time[lo:hi], t[m], side="right") - 1
        k[m] = np.where(ks >= lo, ks, -1)
    xs = (rows.x - centre) * scale
    return _Binned(xs, rows.x, k, rows.event > 0, t, code)


def _weighted(k: IntArray, r: FloatArray, xs: FloatArray, size: int) -> list[FloatArray]:
    """Per bin: the sums of r, r x and r x x' (as (size,), (size, p), (size, p, p))."""
    p = xs.shape[1]
    rx = xs * r[:, None]
    s1 = np.zeros((size, p))
    s2 = np.empty((size, p, p))
    for j in range(p):
        s1[:, j] = _bins(k, rx[:, j], size)
        for m in range(j, p):
            s2[:, j, m] = s2[:, m, j] = _bins(k, rx[:, j] * xs[:, m], size)
    return [_bins(k, r, size), s1, s2]


def _bins(k: IntArray, weights: FloatArray, size: int) -> FloatArray:
    return np.asarray(np.bincount(k, weights=weights, minlength=size), dtype=float)


def _constants(i: int, b: _Binned, size: int) -> list[FloatArray]:
    """Per event time, the deaths' design sum; per column, the largest |design value|."""
    p = b.xs.shape[1]
    kd = b.k[b.event]
    xd = b.xs[b.event]
    x_event = np.zeros((size, p))
    for j in range(p):
        x_event[:, j] = _bins(kd, xd[:, j], size)
    top = np.abs(b.xs).max(axis=0) if b.xs.shape[0] else np.zeros(p)
    return [x_event, top]


def _add_constants(a: list[FloatArray], b: list[FloatArray]) -> list[FloatArray]:
    return [a[0] + b[0], np.maximum(a[1], b[1])]


def _sums_at(
    i: int, b: _Binned, beta: FloatArray, shift: float, size: int, efron: bool
) -> list[FloatArray]:
    """A partition's sums at ``beta``: over the rows binned to each event time, and (Efron)
    over the deaths at it."""
    r = np.exp(b.xs @ beta - shift)
    at = b.k >= 0
    out = _weighted(b.k[at], r[at], b.xs[at], size)
    if efron:
        out += _weighted(b.k[b.event], r[b.event], b.xs[b.event], size)
    return out


def _add_lists(a: list[FloatArray], b: list[FloatArray]) -> list[FloatArray]:
    return [u + v for u, v in zip(a, b, strict=True)]


def _final(i: int, b: _Binned, beta: FloatArray, means: FloatArray) -> list[npt.NDArray[Any]]:
    """A partition's fixed times, events, strata and linear predictors, as the engine
    computes the predictor (R's ``linear.predictors``)."""
    lp = np.zeros(b.x.shape[0])
    for j in range(beta.size):
        if beta[j] != 0.0:
            lp += b.x[:, j] * beta[j]
    lp -= float(np.sum(beta * means))
    return [b.time, b.event.astype(float), b.code, lp]


def _concat(a: list[npt.NDArray[Any]], b: list[npt.NDArray[Any]]) -> list[npt.NDArray[Any]]:
    return [np.concatenate([u, v]) for u, v in zip(a, b, strict=True)]


def _label_index(labels: Sequence[npt.NDArray[Any]]) -> pd.Index:
    """The strata label combinations of some rows, as a pandas index to look up."""
    if len(labels) == 1:
        return pd.Index(labels[0])  # type: ignore[no-any-return]
    return pd.MultiIndex.from_arrays(list(labels))


def _grid(shape: _Shape, strata: tuple[str, ...]) -> tuple[_Grid, FloatArray]:
    """The pooled structure of the fit and the deaths per event time."""
    table = shape.table
    if table.cells is None:
        raise InputError(
            "data", f"0 usable rows ({table.n_dropped} with a missing value)", "at least one row"
        )
    cells = table.cells.reset_index()
    raw_times = cells["time"].to_numpy(dtype=float)
    u = np.unique(raw_times)
    fixed = aeq_sorted(u)
    cells["time"] = fixed[np.searchsorted(u, raw_times)]
    keys = label_keys(len(strata))
    index, combo_code, n_strata = pd.Index([]), np.zeros(0, dtype=np.intp), 1
    cells["code"] = 0
    if strata:
        combos = cells[keys].drop_duplicates()
        columns = {s: combos[k].to_numpy() for s, k in zip(strata, keys, strict=True)}
        codes, labels = strata_codes(columns, strata)
        assert codes is not None
        index = _label_index([combos[k].to_numpy() for k in keys])
        combo_code, n_strata = np.asarray(codes, dtype=np.intp), len(labels)
        cells["code"] = combo_code[
            index.get_indexer(_label_index([cells[k].to_numpy() for k in keys]))
        ]
    events = cells[cells["d"] > 0].groupby(["code", "time"], sort=True)["d"].sum()
    grid_code = events.index.get_level_values("code").to_numpy(dtype=np.intp)
    grid = _Grid(
        raw=None if fixed is u else u,
        fixed=None if fixed is u else fixed,
        combos=index,
        combo_code=combo_code,
        time=events.index.get_level_values("time").to_numpy(dtype=float),
        offsets=np.searchsorted(grid_code, np.arange(n_strata + 1)).astype(np.intp),
    )
    return grid, events.to_numpy(dtype=float)


def cox_ph(
    data: Any,
    *,
    time: str,
    event: str,
    covariates: Sequence[str],
    strata: str | Sequence[str] | None = None,
    ties: str = "efron",
    conf_level: float = 0.95,
    control: CoxControl | None = None,
    concordance: bool = True,
    split_every: int = SPLIT_EVERY,
) -> CoxResult:
    """The Cox model of a Dask DataFrame, as :func:`tacepath.survival.cox_ph` fits it to
    the same rows (numeric or boolean covariates, strata, Efron or Breslow ties).

    The result has no rows: its baseline hazard, predicted curves and ``cox_zph`` are
    refused. ``concordance=False`` skips Harrell's C (NaN), the one step that gathers a
    few numbers per row to this process.
    """
    tie = _check_ties(ties)
    level = check_level(conf_level)
    ctl = control if control is not None else CoxControl()
    every = check_split(split_every)
    covs, _, _ = model_terms(covariates, (), None)
    if len(covs) > MAX_COVARIATES:  # each step moves (event times × p²) sums per partition
        raise InputError("covariates", len(covs), f"at most {MAX_COVARIATES} covariates")
    strata_cols: tuple[str, ...] = ()
    if strata is not None:
        strata_cols = (strata,) if isinstance(strata, str) else tuple(strata)
    from dask.delayed import delayed

    other = [("covariates", c) for c in covs] + [("strata", s) for s in strata_cols]
    parts = partitions(data, [("time", time), ("event", event), *other])
    rows = persist(
        [delayed(_cox_rows)(i, p, time, event, covs, strata_cols) for i, p in enumerate(parts)]
    )
    shape: _Shape = reduction(rows, _shape, _add_shapes, split_every=every)
    grid, deaths = _grid(shape, strata_cols)
    n_event = int(deaths.sum())
    if n_event == 0:
        raise InputError("event", "no events", "at least one event to fit a Cox model")
    assert shape.names is not None
    assert shape.x_sum is not None
    assert shape.zero_one is not None
    names, p, n = shape.names, len(shape.names), shape.n
    wmean = shape.x_sum / n
    means = np.where(shape.zero_one, 0.0, wmean)
    centre = means
    mad = reduction(rows, _abs_dev, _add, centre, split_every=every) / n
    scale = np.where(shape.zero_one | (mad <= 0), 1.0, 1.0 / np.where(mad > 0, mad, 1.0))
    size = grid.time.size
    grid_d = delayed(grid, pure=True)
    binned = persist([delayed(_bin)(i, r, grid_d, centre, scale) for i, r in enumerate(rows)])
    x_event, top = reduction(binned, _constants, _add_constants, size, split_every=every)
    stratum = tuple(
        str(c) for c in np.repeat(np.arange(grid.offsets.size - 1), np.diff(grid.offsets))
    )
    efron = tie == "efron"

    def ev(b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        bound = float(np.abs(b) @ top)
        shift = bound - _ETA_GUARD if bound > _ETA_GUARD else 0.0
        got = reduction(binned, _sums_at, _add_lists, b, shift, size, efron, split_every=every)
        s0, s1, s2 = got[:3]
        d0, d1, d2 = (
            got[3:] if efron else (np.zeros(size), np.zeros((size, p)), np.zeros((size, p, p)))
        )
        cells = CellSums(stratum, deaths, deaths, x_event, s0, s1, s2, d0, d1, d2)
        ll, u, info = sums_evaluation(cells, b, tie)
        return ll - n_event * shift, u, info

    res = newton_right(ev, np.zeros(p), iter_max=ctl.iter_max, eps=ctl.eps, toler=ctl.toler_chol)
    return _result(
        res,
        rows=binned,
        names=names,
        n=n,
        n_event=n_event,
        n_dropped=shape.table.n_dropped,
        means=means,
        scale=scale,
        strata=strata_cols,
        tie=tie,
        level=level,
        control=ctl,
        concordance=concordance,
        every=every,
    )


def _result(
    res: Any,
    *,
    rows: list[Any],
    names: tuple[str, ...],
    n: int,
    n_event: int,
    n_dropped: int,
    means: FloatArray,
    scale: FloatArray,
    strata: tuple[str, ...],
    tie: Any,
    level: float,
    control: CoxControl,
    concordance: bool,
    every: int,
) -> CoxResult:
    """The fit on the original scale, as the engine reports it (naive variance)."""
    from tacepath.survival._concordance import concordance as harrell

    p = len(names)
    beta = res.beta * scale
    naive = res.var * np.outer(scale, scale)
    u = res.u / scale
    sing = np.diag(naive) == 0 if res.flag < p else np.zeros(p, dtype=bool)
    coef = beta.copy()
    if control.iter_max > 0:
        coef[sing] = np.nan
    est = ~np.isnan(coef)
    beta0 = np.where(est, beta, 0.0)
    time, status, code, lp = reduction(rows, _final, _concat, beta0, means, split_every=every)
    messages = _fit_warnings(
        res,
        beta=beta,
        u=u,
        naive=naive,
        lp_max=float(np.max(lp)),
        names=names,
        counting=False,
        control=control,
    )
    for msg in messages:
        warnings.warn(msg, StatisticalWarning, stacklevel=3)
    conc = (
        harrell(time, status, lp, start=None, strata=code if strata else None, weights=None)
        if concordance
        else None
    )
    df = int(est.sum())
    wstat, _ = wald_test(naive[np.ix_(est, est)], coef[est], control.toler_chol)
    se = np.where(est, np.sqrt(np.diag(naive)), np.nan)
    zq = float(norm.ppf((1.0 + level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = coef / se
        return CoxResult(
            terms=names,
            coef=coef,
            se=se,
            robust_se=None,
            z=z,
            p=np.asarray(chi2.sf(z**2, 1), dtype=float),
            hr=np.exp(coef),
            hr_lower=np.exp(coef - zq * se),
            hr_upper=np.exp(coef + zq * se),
            var=naive,
            naive_var=naive,
            loglik=(res.loglik0, res.loglik),
            lr=chisq_test(-2.0 * (res.loglik0 - res.loglik), df),
            wald=chisq_test(wstat, df),
            score=chisq_test(res.score_test, df),
            robust_score=None,
            concordance=math.nan if conc is None else conc.concordance,
            concordance_se=math.nan if conc is None else conc.std,
            n=n,
            n_event=n_event,
            n_dropped=n_dropped,
            iterations=res.iterations,
            converged=not res.ran_out,
            warnings=tuple(messages),
            ties=tie,
            conf_level=level,
            means=means,
            # No rows are kept: the baseline hazard, predicted curves and cox.zph refuse
            # the result (model_of) instead of computing from nothing.
            model=None,  # type: ignore[arg-type]
        )
