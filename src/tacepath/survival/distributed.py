"""Exact survival on Dask: Kaplan–Meier, log-rank and Cox of a Dask DataFrame.

The functions here take a Dask DataFrame [1]_ (its partitions may live on many machines)
and return what :func:`~tacepath.survival.kaplan_meier`,
:func:`~tacepath.survival.logrank_test` and :func:`~tacepath.survival.cox_ph` return for
the same rows, equal to rounding (tested to 1e-10), because they feed the same code with
the same sufficient statistics:

* **Kaplan–Meier and log-rank** depend on the rows only through the number of rows and of
  events per group, stratum and distinct time. Each partition counts its rows (checked as
  the single-process engine checks them), the counts are added by a tree reduction
  (:meth:`dask.bag.Bag.reduction`, ``split_every`` partitions per node), and the
  coordinating process merges times equal up to R's ``aeqSurv`` tolerance (a rule on the
  distinct times, so merging after the reduction is merging before it) and hands the
  counts to the engine's curve and test code.
* **Cox** (Efron or Breslow ties, strata): after two reductions for the structure (the
  distinct times, strata and event times, the covariates' means and mean absolute
  deviations, so the iteration runs on R's centred and scaled design, as ``cox_ph``), each
  Newton–Raphson step is one reduction in which every partition returns, per stratum and
  event time, the sums of ``exp(eta)``, ``exp(eta) x`` and ``exp(eta) x x'`` over its rows
  whose time falls between that event time and the next (the risk sets are their reverse
  cumulative sums) and over its deaths at that time (Efron's correction). The coordinator
  forms the log partial likelihood, gradient and information from them
  (:func:`tacepath.survival.federated_cox.sums_evaluation`, the code of the federated fit)
  and runs ``cox_ph``'s own iteration (R ``coxfit6``'s steps, step halving and stopping
  rule). Harrell's concordance needs the order of every pair: the last step gathers four
  numbers per row (time, status, stratum, linear predictor) to the coordinator, the one
  step whose memory grows with the rows (``concordance=False`` skips it).

Not offered here (refused with a clear error): case weights, (start, stop] data, robust
variance, categorical covariates (code them 0/1), and what needs the rows after the fit
(baseline hazard, predicted curves, ``cox.zph``: the result refuses them). A problem in a
partition's rows is reported with the partition and the row within it. Hand-written
because no library computes R's survival estimates from per-partition sums (lifelines and
scikit-survival need the rows in one process).

References
----------
.. [1] Dask DataFrame, https://docs.dask.org/en/stable/dataframe.html; tree reductions,
   https://docs.dask.org/en/stable/generated/dask.bag.Bag.reduction.html
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tacepath.errors import InputError
from tacepath.survival._band import ConfType, check_conf
from tacepath.survival._dask import SPLIT_EVERY, check_split, label_keys, pooled_counts
from tacepath.survival._dask_cox import cox_ph
from tacepath.survival._data import group_codes
from tacepath.survival._input import check_gamma, check_positive, check_rho
from tacepath.survival._km import KaplanMeierResult, _Counts, _curve
from tacepath.survival._logrank import LogrankResult, _sums_from_table, logrank_result

__all__ = ["SPLIT_EVERY", "cox_ph", "kaplan_meier", "logrank_test"]


def kaplan_meier(
    data: Any,
    *,
    time: str,
    event: str,
    group: str | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
    tau: float | None = None,
    split_every: int = SPLIT_EVERY,
) -> KaplanMeierResult:
    """Kaplan–Meier curves of a Dask DataFrame, as :func:`tacepath.survival.kaplan_meier`
    gives for the same rows (right-censored data, no weights)."""
    check_conf(conf_type, conf_level)
    horizon = None if tau is None else check_positive(tau, "tau")
    roles = [] if group is None else [("group", group)]
    cells, n_dropped = pooled_counts(data, time, event, roles, check_split(split_every))
    options: dict[str, Any] = {
        "conf_type": conf_type,
        "conf_level": float(conf_level),
        "tau": float(cells["time"].max()) if horizon is None else horizon,
    }
    empty = np.zeros(0)
    if group is None:
        parts: list[tuple[Any, pd.DataFrame]] = [(None, cells)]
    else:
        levels, codes = group_codes(cells["k0"].to_numpy())
        parts = [(lev, cells[codes == j]) for j, lev in enumerate(levels)]
    curves = []
    for level, part in parts:
        per = part.groupby("time", sort=True)[["n", "d"]].sum()
        n = per["n"].to_numpy(dtype=float)
        d = per["d"].to_numpy(dtype=float)
        c = _Counts(
            time=per.index.to_numpy(dtype=float),
            n_risk=np.cumsum(n[::-1])[::-1],
            n_event=d,
            n_censor=n - d,
            d_count=d,
        )
        curves.append(_curve(level, c, empty, empty, None, None, n=int(n.sum()), **options))
    return KaplanMeierResult(
        curves=tuple(curves),
        group_column=group,
        n_dropped=n_dropped,
        conf_type=conf_type,
        conf_level=conf_level,
        counting=False,
        notes=(),
    )


def logrank_test(
    data: Any,
    *,
    time: str,
    event: str,
    group: str,
    strata: str | Sequence[str] | None = None,
    rho: float = 0,
    gamma: float = 0,
    trend: bool | Sequence[float] = False,
    split_every: int = SPLIT_EVERY,
) -> LogrankResult:
    """The (stratified, weighted) log-rank test of a Dask DataFrame, as
    :func:`tacepath.survival.logrank_test` gives for the same rows."""
    weight = check_rho(rho)
    late = check_gamma(gamma)
    strata_cols: tuple[str, ...] = (
        () if strata is None else (strata,) if isinstance(strata, str) else tuple(strata)
    )
    roles = [("group", group)] + [("strata", s) for s in strata_cols]
    cells, n_dropped = pooled_counts(data, time, event, roles, check_split(split_every))
    levels, codes = group_codes(cells["k0"].to_numpy())
    if len(levels) < 2:
        raise InputError(f"group {group!r}", levels[0], "a column with at least 2 levels")
    g = len(levels)
    cells = cells.assign(code=codes)
    n_rows = np.bincount(codes, weights=cells["n"].to_numpy(dtype=float), minlength=g)
    skeys = label_keys(len(roles))[1:]
    groups = cells.groupby(skeys, sort=True, dropna=False) if skeys else [((), cells)]
    observed, expected, variance = np.zeros(g), np.zeros(g), np.zeros((g, g))
    n_strata = 0
    for _, part in groups:
        n_strata += 1
        times, t_idx = np.unique(part["time"].to_numpy(dtype=float), return_inverse=True)
        rows = np.zeros((g, times.size))
        deaths = np.zeros((g, times.size))
        np.add.at(rows, (part["code"].to_numpy(), t_idx), part["n"].to_numpy(dtype=float))
        np.add.at(deaths, (part["code"].to_numpy(), t_idx), part["d"].to_numpy(dtype=float))
        o, e, v = _sums_from_table(rows, deaths, weight, late)
        observed += o
        expected += e
        variance += v
    return logrank_result(
        levels,
        n_rows,
        observed,
        expected,
        variance,
        rho=weight,
        gamma=late,
        trend=trend,
        group_column=group,
        strata_columns=strata_cols,
        n_strata=n_strata,
        n_dropped=n_dropped,
    )
