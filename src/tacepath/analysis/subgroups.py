"""Subgroup analyses: the Cox hazard ratio per level and the treatment x subgroup interaction
test (likelihood ratio of nested Cox models, or Wald)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from tacepath.adam.model import AnalysisData
from tacepath.analysis._frames import _ARM, _E, _TRT, _endpoint_frame, _text
from tacepath.analysis.efficacy import _quiet_cox
from tacepath.analysis.results import (
    Estimate,
    InteractionTest,
    SubgroupLevel,
    SubgroupResult,
    SubgroupVariableResult,
)
from tacepath.analysis.sap import Sap, SubgroupVariable
from tacepath.errors import InputError

__all__ = ["subgroup_results"]


# --------------------------------------------------------------------------- subgroups


def _counts(frame: pd.DataFrame, arms: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    n = {a: int((frame[_ARM] == a).sum()) for a in arms}
    ev = {a: int(frame.loc[frame[_ARM] == a, _E].sum()) for a in arms}
    return n, ev


def _subgroup_level(
    frame: pd.DataFrame, level: str, sap: Sap, strata: Any, arms: Sequence[str]
) -> SubgroupLevel:
    n, ev = _counts(frame, arms)
    nan = Estimate(estimate=float("nan"), lower=float("nan"), upper=float("nan"))
    if min(n.values()) == 0 or sum(ev.values()) == 0:
        return SubgroupLevel(
            level=level, n=n, events=ev, hr=nan, note="not estimable (an empty arm or no events)"
        )
    fit, notes = _quiet_cox(frame, [_TRT], sap, strata)
    hr = Estimate(
        estimate=float(fit.hr[0]), lower=float(fit.hr_lower[0]), upper=float(fit.hr_upper[0])
    )
    note = ""
    if notes or min(ev.values()) == 0:
        note = "not estimable (no events in one arm: the estimate is infinite)"
        hr = nan
    return SubgroupLevel(level=level, n=n, events=ev, hr=hr, note=note)


def _interaction(
    frame: pd.DataFrame, levels: Sequence[str], var: str, sap: Sap, strata: Any, method: str
) -> InteractionTest:
    d = frame.copy()
    dummies, inter = [], []
    for j, lv in enumerate(levels[1:]):
        dn, inn = f"_D{j}", f"_I{j}"
        d[dn] = (d[var] == lv).astype(float)
        d[inn] = d[dn] * d[_TRT]
        dummies.append(dn)
        inter.append(inn)
    full, _ = _quiet_cox(d, [_TRT, *dummies, *inter], sap, strata)
    idx = [full.terms.index(c) for c in inter]
    ok = [i for i in idx if math.isfinite(float(full.coef[i]))]
    if method == "wald":
        b = np.asarray([full.coef[i] for i in ok], dtype=float)
        vv = np.asarray(full.var, dtype=float)[np.ix_(ok, ok)]
        stat = float(b @ np.linalg.solve(vv, b)) if ok else float("nan")
        name = "Wald test of the treatment x subgroup terms (Cox)"
    else:
        reduced, _ = _quiet_cox(d, [_TRT, *dummies], sap, strata)
        stat = 2.0 * (full.loglik[1] - reduced.loglik[1])
        name = "likelihood-ratio test, Cox with vs without treatment x subgroup terms"
    df = len(ok)
    p = float(chi2.sf(stat, df)) if df > 0 and math.isfinite(stat) else float("nan")
    return InteractionTest(method=name, statistic=stat, df=df, p=p)


def _levels(values: pd.Series, spec: SubgroupVariable) -> tuple[str, ...]:
    present = sorted({v for v in values if v is not None})
    if spec.levels is None:
        return tuple(present)
    unknown = [v for v in present if v not in spec.levels]
    if unknown:
        raise InputError(
            f"sap.subgroups {spec.variable}.levels",
            list(spec.levels),
            f"every level in the data (also {unknown})",
        )
    return tuple(spec.levels)


def subgroup_results(sap: Sap, data: AnalysisData) -> tuple[SubgroupResult, ...]:
    plan = sap.subgroups
    if plan is None:
        return ()
    arms = (sap.treatment.experimental, sap.treatment.reference)
    strata = (list(sap.strata_for_model()) or None) if plan.stratified else None
    out = []
    for code in plan.endpoints:
        frame = _endpoint_frame(sap, data, sap.endpoint(code))
        overall = _subgroup_level(frame, "All patients", sap, strata, arms)
        variables = []
        for spec in plan.variables:
            vals = _text(frame[spec.variable])
            sub = frame.assign(**{spec.variable: vals})
            keep = vals.notna().to_numpy()
            sub = sub[keep]
            levels = _levels(sub[spec.variable], spec)
            rows = tuple(
                _subgroup_level(sub[sub[spec.variable] == lv], lv, sap, strata, arms)
                for lv in levels
            )
            test = _interaction(sub, levels, spec.variable, sap, strata, plan.interaction_test)
            variables.append(
                SubgroupVariableResult(
                    variable=spec.variable,
                    label=spec.label,
                    levels=rows,
                    interaction=test,
                    n_missing=int((~keep).sum()),
                )
            )
        out.append(
            SubgroupResult(
                endpoint=code,
                stratified=plan.stratified,
                overall=overall,
                variables=tuple(variables),
            )
        )
    return tuple(out)
