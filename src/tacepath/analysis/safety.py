"""Safety tables (subjects with each adverse-event term, any grade and at or above the plan's
grade, per arm, Fisher's exact test) and the plan's other categorical comparisons."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tacepath.adam.model import AnalysisData
from tacepath.analysis._frames import _ARM, _population, _text
from tacepath.analysis.results import CategoricalResult, SafetyResult, SafetyRow
from tacepath.analysis.sap import Sap
from tacepath.survival import (
    fisher_exact_table,
)

__all__ = ["categorical_results", "safety_result"]


def _fisher_2x2(a: int, n_a: int, b: int, n_b: int) -> float:
    return fisher_exact_table([[a, n_a - a], [b, n_b - b]]).p


def safety_result(sap: Sap, data: AnalysisData, arms: Sequence[str]) -> SafetyResult | None:
    plan = sap.safety
    if plan is None or data.adae is None:
        return None
    pop = _population(sap, data.adsl, plan.population)
    arm_of = dict(zip(pop["USUBJID"].astype(str), pop[_ARM], strict=True))
    n = {a: int((pop[_ARM] == a).sum()) for a in arms}
    ae = data.adae.copy()
    ae["_SUBJ"] = ae["USUBJID"].astype(str)
    ae = ae[ae["_SUBJ"].isin(arm_of)]
    ae[_ARM] = ae["_SUBJ"].map(arm_of)
    ae["_G"] = pd.to_numeric(ae[plan.grade])
    rows = []
    for term, g in ae.groupby(ae[plan.term].astype(str), sort=True):
        any_n = {a: int(g.loc[g[_ARM] == a, "_SUBJ"].nunique()) for a in arms}
        hi = g[g["_G"] >= plan.high_grade]
        hi_n = {a: int(hi.loc[hi[_ARM] == a, "_SUBJ"].nunique()) for a in arms}
        pct = [100.0 * any_n[a] / n[a] for a in arms if n[a]]
        if max(pct, default=0.0) < plan.min_percent:
            continue
        rows.append(
            SafetyRow(
                term=str(term),
                any_grade=any_n,
                any_grade_p=_fisher_2x2(any_n[arms[0]], n[arms[0]], any_n[arms[1]], n[arms[1]]),
                high_grade=hi_n,
                high_grade_p=_fisher_2x2(hi_n[arms[0]], n[arms[0]], hi_n[arms[1]], n[arms[1]]),
            )
        )
    rows.sort(key=lambda r: (-sum(r.any_grade.values()), r.term))
    return SafetyResult(
        population=plan.population, n=n, high_grade=plan.high_grade, rows=tuple(rows)
    )


def categorical_results(
    sap: Sap, adsl: pd.DataFrame, arms: Sequence[str]
) -> tuple[CategoricalResult, ...]:
    out = []
    for c in sap.categorical:
        pop = _population(sap, adsl, c.population)
        vals = _text(pop[c.variable])
        keep = vals.notna().to_numpy()
        levels = tuple(sorted(set(vals[keep])))
        counts = {
            a: {
                lv: int(((pop[_ARM] == a).to_numpy() & (vals == lv).to_numpy()).sum())
                for lv in levels
            }
            for a in arms
        }
        table = [[counts[a][lv] for lv in levels] for a in arms]
        p = fisher_exact_table(table).p if len(levels) > 1 else float("nan")
        out.append(
            CategoricalResult(
                variable=c.variable,
                label=c.label,
                population=c.population,
                levels=levels,
                counts=counts,
                n={a: int((pop[_ARM] == a).sum()) for a in arms},
                n_missing=int((~keep).sum()),
                p=p,
                test="Fisher's exact test, two-sided",
            )
        )
    return tuple(out)
