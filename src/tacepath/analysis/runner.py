"""Run a statistical analysis plan on ADSL/ADTTE/ADAE: a pure function, a frozen result.

:func:`run_analysis` does, for the plan's populations and endpoints, exactly what the plan
says and nothing else, with the survival engine (:mod:`tacepath.survival`, whose numbers are
R ``survival``'s):

* population counts per arm, the baseline table;
* per endpoint: Kaplan–Meier per arm (median with CI, S(t) at landmarks), the median
  follow-up by the reverse Kaplan–Meier method [5]_, the stratified
  log-rank test (R ``survdiff`` with ``strata()``; one-sided p from the signed statistic
  z = (O − E)/√V of the experimental arm), the stratified Cox hazard ratio of the
  experimental arm against the reference arm with its CI (R ``coxph`` with ``strata()``),
  RMST up to τ (unstratified; Uno et al. 2014);
* hierarchical testing (:func:`fixed_sequence`);
* subgroups: Cox HR per level and the treatment × subgroup interaction test, a
  likelihood-ratio test of the nested Cox models (or a Wald test of the interaction terms);
* safety: subjects with each adverse-event term at any grade and at grade ≥ the plan's
  threshold per arm, Fisher's exact test (two-sided); other categorical comparisons by
  Fisher's exact test (r × c by full enumeration).

Every number ends up in :meth:`TrialAnalysis.to_dict` (the report's ``results.json``).

References
----------
.. [1] Kudo M, et al. Final results of TACTICS. Liver Cancer 2022;11(4):354-367.
   doi:10.1159/000522547 (the gatekeeping rule: OS tested only if TACE-specific PFS
   p < 0.15).
.. [2] Maurer W, Hothorn LA, Lehmacher W. Multiple comparisons in drug clinical trials and
   preclinical assays: a-priori ordered hypotheses. In: Vollmar J, ed. Biometrie in der
   chemisch-pharmazeutischen Industrie 6. Fischer; 1995:3-18 (fixed-sequence testing).
.. [3] Westfall PH, Krishen A. Optimally weighted, fixed sequence and gatekeeper multiple
   testing procedures. J Stat Plan Inference 2001;99:25-40.
   doi:10.1016/S0378-3758(01)00077-5
.. [4] Uno H, et al. Moving beyond the hazard ratio in quantifying the between-group
   difference in survival analysis. J Clin Oncol 2014;32:2380-2385.
   doi:10.1200/JCO.2014.55.2208
.. [5] Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
   Control Clin Trials 1996;17(4):343-346. doi:10.1016/0197-2456(96)00075-X
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from tacepath import __version__
from tacepath.adam.model import AnalysisData, DataSource, check_analysis_data
from tacepath.analysis.sap import UNIT_DAYS, EndpointPlan, Sap, SubgroupVariable
from tacepath.errors import InputError, InputErrors, Problem, StatisticalWarning
from tacepath.survival import (
    KaplanMeierResult,
    cox_ph,
    fisher_exact_table,
    kaplan_meier,
    logrank_test,
    rmst_test,
)

__all__ = [
    "ArmSummary",
    "BaselineBlock",
    "CategoricalResult",
    "EndpointResult",
    "Estimate",
    "GateDecision",
    "GateInput",
    "InteractionTest",
    "SafetyResult",
    "SafetyRow",
    "SubgroupLevel",
    "SubgroupResult",
    "SubgroupVariableResult",
    "TrialAnalysis",
    "fixed_sequence",
    "run_analysis",
]

_T, _E, _ARM, _TRT = "_T", "_E", "_ARM", "_TRT"


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


# --------------------------------------------------------------------------- gatekeeping


@dataclass(frozen=True, slots=True, kw_only=True)
class GateInput:
    """One hypothesis in testing order: its p-value, its level and its gate."""

    endpoint: str
    p: float
    alpha: float
    gate: float


@dataclass(frozen=True, slots=True, kw_only=True)
class GateDecision:
    """What the sequence decided for one hypothesis, and why."""

    endpoint: str
    order: int
    p: float
    alpha: float
    gate: float
    tested: bool
    rejected: bool
    opens_next: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "order": self.order,
            "p": _num(self.p),
            "alpha": self.alpha,
            "gate": self.gate,
            "tested": self.tested,
            "rejected": self.rejected,
            "opens_next": self.opens_next,
            "reason": self.reason,
        }


def fixed_sequence(steps: Sequence[GateInput]) -> tuple[GateDecision, ...]:
    """Hierarchical testing in a fixed order (gatekeeping) [2]_ [3]_.

    The first hypothesis is tested. A tested hypothesis is rejected when ``p < alpha``
    (strictly: TACTICS tested OS "only when the difference in TACE-specific PFS between
    groups was significant (p < 0.15)" [1]_) and opens the next one when ``p < gate``; once
    a gate stays closed, no later hypothesis is tested. An undefined p (NaN) rejects
    nothing and closes the gate. With ``gate = alpha`` this is the fixed-sequence
    procedure, which controls the familywise error at alpha.
    """
    out: list[GateDecision] = []
    open_gate = True
    previous = ""
    for i, s in enumerate(steps):
        defined = math.isfinite(s.p)
        if not open_gate:
            out.append(
                GateDecision(
                    endpoint=s.endpoint,
                    order=i + 1,
                    p=s.p,
                    alpha=s.alpha,
                    gate=s.gate,
                    tested=False,
                    rejected=False,
                    opens_next=False,
                    reason=f"not tested: the gate at {previous} stayed closed",
                )
            )
            previous = s.endpoint
            continue
        rejected = defined and s.p < s.alpha
        opens = defined and s.p < s.gate
        p_text = f"p = {s.p:.4g}" if defined else "p undefined"
        verdict = (
            f"{p_text} < {s.alpha:g}: rejected"
            if rejected
            else f"{p_text} ≥ {s.alpha:g}: not rejected"
            if defined
            else f"{p_text}: not rejected"
        )
        gate_text = (
            f"; p < gate {s.gate:g}: next hypothesis tested"
            if opens
            else f"; p ≥ gate {s.gate:g}: the sequence stops"
            if defined
            else "; the sequence stops"
        )
        out.append(
            GateDecision(
                endpoint=s.endpoint,
                order=i + 1,
                p=s.p,
                alpha=s.alpha,
                gate=s.gate,
                tested=True,
                rejected=rejected,
                opens_next=opens,
                reason=verdict + (gate_text if i + 1 < len(steps) else ""),
            )
        )
        open_gate = opens
        previous = s.endpoint
    return tuple(out)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    """A point estimate with its confidence limits (NaN: not estimable / not reached)."""

    estimate: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            "estimate": _num(self.estimate),
            "lower": _num(self.lower),
            "upper": _num(self.upper),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmSummary:
    """One arm of one endpoint: n, events, median, S(t) at landmarks, RMST."""

    arm: str
    n: int
    events: int
    median: Estimate
    landmarks: tuple[tuple[float, Estimate | None], ...]
    rmst: Estimate | None
    rmst_se: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "events": self.events,
            "median": self.median.to_dict(),
            "landmarks": [
                {"time": t, **(e.to_dict() if e else {"estimate": None})} for t, e in self.landmarks
            ],
            "rmst": None if self.rmst is None else {**self.rmst.to_dict(), "se": self.rmst_se},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointResult:
    """Every number of one endpoint (see the module docstring for the methods)."""

    paramcd: str
    label: str
    population: str
    n: int
    experimental: ArmSummary
    reference: ArmSummary
    hr: Estimate
    cox_coef: float
    cox_se: float
    cox_p: float
    logrank_chisq: float
    logrank_z: float
    logrank_p: float
    logrank_p_two_sided: float
    sides: int
    direction: str
    strata: tuple[str, ...]
    n_strata: int
    rmst_tau: float | None
    rmst_difference: Estimate | None
    rmst_difference_p: float | None
    rmst_ratio: Estimate | None
    follow_up: Estimate
    observed: dict[str, float]
    expected: dict[str, float]
    tested: bool
    rejected: bool
    warnings: tuple[str, ...]
    km: KaplanMeierResult = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        arms = (self.experimental, self.reference)
        return {
            "label": self.label,
            "population": self.population,
            "n": self.n,
            "n_by_arm": {a.arm: a.n for a in arms},
            "events": {a.arm: a.events for a in arms},
            "median": {a.arm: a.median.to_dict() for a in arms},
            "landmarks": {a.arm: a.to_dict()["landmarks"] for a in arms},
            "rmst": {
                "tau": self.rmst_tau,
                "arms": {a.arm: a.to_dict()["rmst"] for a in arms},
                "difference": None
                if self.rmst_difference is None
                else {**self.rmst_difference.to_dict(), "p": _num(self.rmst_difference_p)},
                "ratio": None if self.rmst_ratio is None else self.rmst_ratio.to_dict(),
            },
            "follow_up_median": self.follow_up.to_dict(),
            "logrank_observed": dict(self.observed),
            "logrank_expected": dict(self.expected),
            "hr": _num(self.hr.estimate),
            "hr_lower": _num(self.hr.lower),
            "hr_upper": _num(self.hr.upper),
            "cox_coef": _num(self.cox_coef),
            "cox_se": _num(self.cox_se),
            "cox_p": _num(self.cox_p),
            "logrank_chisq": _num(self.logrank_chisq),
            "logrank_z": _num(self.logrank_z),
            "logrank_p": _num(self.logrank_p),
            "logrank_p_two_sided": _num(self.logrank_p_two_sided),
            "sides": self.sides,
            "direction": self.direction,
            "strata": list(self.strata),
            "n_strata": self.n_strata,
            "tested": self.tested,
            "rejected": self.rejected,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupLevel:
    """One subgroup: counts per arm and the Cox HR within it."""

    level: str
    n: dict[str, int]
    events: dict[str, int]
    hr: Estimate
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "n": dict(self.n),
            "events": dict(self.events),
            "hr": _num(self.hr.estimate),
            "hr_lower": _num(self.hr.lower),
            "hr_upper": _num(self.hr.upper),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionTest:
    """Treatment × subgroup interaction: statistic, degrees of freedom, p."""

    method: str
    statistic: float
    df: int
    p: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "statistic": _num(self.statistic),
            "df": self.df,
            "p": _num(self.p),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupVariableResult:
    variable: str
    label: str
    levels: tuple[SubgroupLevel, ...]
    interaction: InteractionTest
    n_missing: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "label": self.label,
            "levels": [lv.to_dict() for lv in self.levels],
            "interaction": self.interaction.to_dict(),
            "n_missing": self.n_missing,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupResult:
    """Subgroup analysis of one endpoint (HRs unstratified unless the plan says so)."""

    endpoint: str
    stratified: bool
    overall: SubgroupLevel
    variables: tuple[SubgroupVariableResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "stratified": self.stratified,
            "overall": self.overall.to_dict(),
            "variables": [v.to_dict() for v in self.variables],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineBlock:
    """One variable of the baseline table: per level (or summary) and arm."""

    variable: str
    label: str
    kind: str
    rows: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "label": self.label,
            "kind": self.kind,
            "rows": [dict(r) for r in self.rows],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyRow:
    """One adverse-event term: subjects per arm at any grade and at high grade, Fisher p."""

    term: str
    any_grade: dict[str, int]
    any_grade_p: float
    high_grade: dict[str, int]
    high_grade_p: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "any_grade": dict(self.any_grade),
            "any_grade_p": _num(self.any_grade_p),
            "high_grade": dict(self.high_grade),
            "high_grade_p": _num(self.high_grade_p),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyResult:
    population: str
    n: dict[str, int]
    high_grade: int
    rows: tuple[SafetyRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "population": self.population,
            "n": dict(self.n),
            "high_grade": self.high_grade,
            "test": "Fisher's exact test, two-sided",
            "terms": [r.to_dict() for r in self.rows],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoricalResult:
    variable: str
    label: str
    population: str
    levels: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    n: dict[str, int]
    n_missing: int
    p: float
    test: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "label": self.label,
            "population": self.population,
            "levels": list(self.levels),
            "counts": {a: dict(c) for a, c in self.counts.items()},
            "n": dict(self.n),
            "n_missing": self.n_missing,
            "p": _num(self.p),
            "test": self.test,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialAnalysis:
    """The whole analysis: plan, provenance and every number (``to_dict`` → results.json)."""

    sap: Sap
    sap_sha256: str
    sources: tuple[DataSource, ...]
    synthetic: bool
    software: str
    arms: tuple[str, str]
    populations: dict[str, dict[str, int]]
    baseline: tuple[BaselineBlock, ...]
    endpoints: tuple[EndpointResult, ...]
    gatekeeping: tuple[GateDecision, ...]
    subgroups: tuple[SubgroupResult, ...]
    safety: SafetyResult | None
    categorical: tuple[CategoricalResult, ...]

    def endpoint(self, paramcd: str) -> EndpointResult:
        return next(e for e in self.endpoints if e.paramcd == paramcd)

    def to_dict(self) -> dict[str, Any]:
        s = self.sap
        return {
            "title": s.title,
            "study": s.study,
            "synthetic": self.synthetic,
            "software": self.software,
            "sap_sha256": self.sap_sha256,
            "data": [src.to_dict() for src in self.sources],
            "data_cutoff": None if s.data_cutoff is None else s.data_cutoff.isoformat(),
            "time_unit": s.time_unit,
            "treatment": {
                "variable": s.treatment.planned,
                "experimental": self.arms[0],
                "reference": self.arms[1],
            },
            "sides": s.sides,
            "direction": s.direction,
            "alpha": s.alpha,
            "conf_level": s.conf_level,
            "km_conf_type": s.km_conf_type,
            "ties": s.ties,
            "strata": list(s.strata),
            "populations": {k: dict(v) for k, v in self.populations.items()},
            "baseline": [b.to_dict() for b in self.baseline],
            "endpoints": {e.paramcd: e.to_dict() for e in self.endpoints},
            "gatekeeping": {
                "procedure": None if s.testing is None else s.testing.procedure,
                "rule": "rejected if p < alpha; next hypothesis tested only if p < gate",
                "steps": [g.to_dict() for g in self.gatekeeping],
            },
            "subgroups": {
                sg.endpoint: sg.to_dict() | {"interaction_method": _interaction_name(s)}
                for sg in self.subgroups
            },
            "safety": None if self.safety is None else self.safety.to_dict(),
            "categorical": [c.to_dict() for c in self.categorical],
        }


def _interaction_name(s: Sap) -> str | None:
    if s.subgroups is None:
        return None
    return s.subgroups.interaction_test


# --------------------------------------------------------------------------- frames


def _text(values: pd.Series) -> pd.Series:
    """Categorical values as text ('0', not 0.0), missing kept missing."""

    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        s = str(v).strip()
        return s or None

    return values.map(one).astype(object)


def _population(sap: Sap, adsl: pd.DataFrame, key: str) -> pd.DataFrame:
    """ADSL rows of a population with the arm in ``_ARM`` (only the plan's two arms)."""
    pop = sap.populations[key]
    flag = _text(adsl[pop.flag]).str.upper()
    rows = adsl[(flag == "Y").to_numpy()].copy()
    column = sap.treatment.planned if pop.by == "planned" else sap.treatment.actual
    rows[_ARM] = _text(rows[column])
    arms = {sap.treatment.experimental, sap.treatment.reference}
    problems = [
        Problem(
            f"ADSL.{column} (USUBJID {sid!r})",
            arm,
            f"one of the plan's arms {sorted(arms)} for a subject of population {key}",
        )
        for sid, arm in zip(rows["USUBJID"], rows[_ARM], strict=True)
        if arm not in arms
    ]
    if problems:
        raise InputErrors(problems[:25])
    for arm in sorted(arms):
        if not (rows[_ARM] == arm).any():
            raise InputError(f"ADSL.{column}", arm, f"at least one subject of population {key}")
    rows[_TRT] = (rows[_ARM] == sap.treatment.experimental).astype(float)
    return rows


def _endpoint_frame(sap: Sap, data: AnalysisData, e: EndpointPlan) -> pd.DataFrame:
    pop = _population(sap, data.adsl, e.population)
    rows = data.adtte[data.adtte["PARAMCD"].astype(str) == e.paramcd][["USUBJID", "AVAL", "CNSR"]]
    if rows.empty:
        raise InputError("ADTTE.PARAMCD", e.paramcd, "a parameter present in ADTTE")
    frame = pop.merge(rows, on="USUBJID", how="left", validate="one_to_one")
    missing = frame["AVAL"].isna().to_numpy()
    if missing.any():
        raise InputErrors(
            [
                Problem(
                    f"ADTTE.PARAMCD (USUBJID {sid!r})",
                    None,
                    f"a {e.paramcd} row for every subject of population {e.population}",
                )
                for sid in frame["USUBJID"][missing][:25]
            ]
        )
    frame[_T] = pd.to_numeric(frame["AVAL"]) * UNIT_DAYS[sap.aval_unit] / UNIT_DAYS[sap.time_unit]
    frame[_E] = (pd.to_numeric(frame["CNSR"]) == 0).astype(int)
    for s in sap.strata:
        frame[s] = _text(frame[s])
        bad = frame[s].isna().to_numpy()
        if bad.any():
            raise InputErrors(
                [
                    Problem(f"ADSL.{s} (USUBJID {sid!r})", None, "a stratum value")
                    for sid in frame["USUBJID"][bad][:25]
                ]
            )
    return frame


# --------------------------------------------------------------------------- endpoint


def _quiet_cox(frame: pd.DataFrame, covariates: Sequence[str], sap: Sap, strata: Any) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        fit = cox_ph(
            frame,
            time=_T,
            event=_E,
            covariates=list(covariates),
            strata=strata,
            ties=sap.ties,
            conf_level=sap.conf_level,
        )
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, StatisticalWarning))
    return fit, notes


def _landmarks(curve: Any, times: Sequence[float]) -> tuple[tuple[float, Estimate | None], ...]:
    if not times:
        return ()
    at = curve.at(list(times))
    found = {float(t): i for i, t in enumerate(at.time)}
    out: list[tuple[float, Estimate | None]] = []
    for t in times:
        i = found.get(float(t))
        out.append(
            (
                float(t),
                None
                if i is None
                else Estimate(
                    estimate=float(at.surv[i]), lower=float(at.lower[i]), upper=float(at.upper[i])
                ),
            )
        )
    return tuple(out)


def _one_sided(z: float, direction: str) -> float:
    return float(norm.cdf(z) if direction == "less" else norm.sf(z))


def _endpoint(sap: Sap, data: AnalysisData, e: EndpointPlan) -> EndpointResult:
    frame = _endpoint_frame(sap, data, e)
    exp, ref = sap.treatment.experimental, sap.treatment.reference
    strata = list(sap.strata) or None
    km = kaplan_meier(
        frame,
        time=_T,
        event=_E,
        group=_ARM,
        conf_type=sap.km_conf_type,
        conf_level=sap.conf_level,
    )
    lr = logrank_test(frame, time=_T, event=_E, group=_ARM, strata=strata)
    k = [str(g) for g in lr.groups].index(exp)
    oe = float(lr.observed[k] - lr.expected[k])
    v = float(lr.variance[k, k])
    z = oe / math.sqrt(v) if v > 0 else float("nan")
    p_two = lr.p
    p = _one_sided(z, sap.direction) if sap.sides == 1 else p_two
    cox, notes = _quiet_cox(frame, [_TRT], sap, strata)
    reverse = kaplan_meier(
        frame.assign(_C=1 - frame[_E]),
        time=_T,
        event="_C",
        conf_type=sap.km_conf_type,
        conf_level=sap.conf_level,
    ).curves[0]
    groups = [str(g) for g in lr.groups]
    rmst = None
    if e.rmst_tau is not None:
        rmst = rmst_test(
            frame,
            time=_T,
            event=_E,
            group=_ARM,
            tau=e.rmst_tau,
            reference=ref,
            conf_level=sap.conf_level,
        )

    def arm(name: str) -> ArmSummary:
        c = km[name]
        r = None if rmst is None else (rmst.experimental if name == exp else rmst.reference)
        return ArmSummary(
            arm=name,
            n=c.n,
            events=round(c.n_events),
            median=Estimate(estimate=c.median, lower=c.median_lower, upper=c.median_upper),
            landmarks=_landmarks(c, e.landmarks),
            rmst=None if r is None else Estimate(estimate=r.rmst, lower=r.lower, upper=r.upper),
            rmst_se=None if r is None else r.se,
        )

    return EndpointResult(
        paramcd=e.paramcd,
        label=e.label,
        population=e.population,
        n=len(frame),
        experimental=arm(exp),
        reference=arm(ref),
        hr=Estimate(
            estimate=float(cox.hr[0]), lower=float(cox.hr_lower[0]), upper=float(cox.hr_upper[0])
        ),
        cox_coef=float(cox.coef[0]),
        cox_se=float(cox.se[0]),
        cox_p=float(cox.p[0]),
        logrank_chisq=lr.chisq,
        logrank_z=z,
        logrank_p=p,
        logrank_p_two_sided=p_two,
        sides=sap.sides,
        direction=sap.direction,
        strata=tuple(sap.strata),
        n_strata=lr.n_strata,
        rmst_tau=e.rmst_tau,
        rmst_difference=None
        if rmst is None
        else Estimate(
            estimate=rmst.difference.estimate,
            lower=rmst.difference.lower,
            upper=rmst.difference.upper,
        ),
        rmst_difference_p=None if rmst is None else rmst.difference.p,
        rmst_ratio=None
        if rmst is None
        else Estimate(estimate=rmst.ratio.estimate, lower=rmst.ratio.lower, upper=rmst.ratio.upper),
        follow_up=Estimate(
            estimate=reverse.median, lower=reverse.median_lower, upper=reverse.median_upper
        ),
        observed={g: float(lr.observed[i]) for i, g in enumerate(groups)},
        expected={g: float(lr.expected[i]) for i, g in enumerate(groups)},
        tested=False,
        rejected=False,
        warnings=notes,
        km=km,
    )


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


def _subgroups(sap: Sap, data: AnalysisData) -> tuple[SubgroupResult, ...]:
    plan = sap.subgroups
    if plan is None:
        return ()
    arms = (sap.treatment.experimental, sap.treatment.reference)
    strata = (list(sap.strata) or None) if plan.stratified else None
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


# --------------------------------------------------------------------------- tables


def _population_counts(
    sap: Sap, adsl: pd.DataFrame, arms: Sequence[str]
) -> dict[str, dict[str, int]]:
    out = {}
    for key in sap.populations:
        rows = _population(sap, adsl, key)
        counts = {a: int((rows[_ARM] == a).sum()) for a in arms}
        out[key] = {**counts, "total": sum(counts.values())}
    return out


def _baseline(sap: Sap, adsl: pd.DataFrame, arms: Sequence[str]) -> tuple[BaselineBlock, ...]:
    if not sap.baseline:
        return ()
    pop = _population(sap, adsl, sap.endpoints[0].population)
    groups = {a: pop[pop[_ARM] == a] for a in arms}
    groups["total"] = pop
    blocks = []
    for b in sap.baseline:
        rows: list[dict[str, Any]] = []
        if b.kind == "continuous":
            for stat in ("n", "median", "min", "max", "mean", "sd"):
                row: dict[str, Any] = {"level": stat}
                for g, frame in groups.items():
                    x = pd.to_numeric(frame[b.variable], errors="coerce").dropna()
                    value = {
                        "n": float(x.size),
                        "median": float(x.median()) if x.size else float("nan"),
                        "min": float(x.min()) if x.size else float("nan"),
                        "max": float(x.max()) if x.size else float("nan"),
                        "mean": float(x.mean()) if x.size else float("nan"),
                        "sd": float(x.std(ddof=1)) if x.size > 1 else float("nan"),
                    }[stat]
                    row[g] = _num(value)
                rows.append(row)
        else:
            vals = {g: _text(f[b.variable]) for g, f in groups.items()}
            levels = sorted({v for v in vals["total"] if v is not None})
            for lv in levels:
                row = {"level": lv}
                for g, v in vals.items():
                    k = int((v == lv).sum())
                    row[g] = {"n": k, "percent": 100.0 * k / len(v) if len(v) else None}
                rows.append(row)
            n_missing = {g: int(v.isna().sum()) for g, v in vals.items()}
            if any(n_missing.values()):
                rows.append(
                    {
                        "level": "missing",
                        **{g: {"n": k, "percent": None} for g, k in n_missing.items()},
                    }
                )
        blocks.append(
            BaselineBlock(variable=b.variable, label=b.label, kind=b.kind, rows=tuple(rows))
        )
    return tuple(blocks)


def _fisher_2x2(a: int, n_a: int, b: int, n_b: int) -> float:
    return fisher_exact_table([[a, n_a - a], [b, n_b - b]]).p


def _safety(sap: Sap, data: AnalysisData, arms: Sequence[str]) -> SafetyResult | None:
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


def _categorical(
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


# --------------------------------------------------------------------------- runner


def _gate_inputs(sap: Sap, endpoints: Mapping[str, EndpointResult]) -> list[GateInput]:
    if sap.testing is None:
        return []
    out = []
    for st in sap.testing.steps:
        alpha = st.alpha if st.alpha is not None else sap.alpha
        out.append(
            GateInput(
                endpoint=st.endpoint,
                p=endpoints[st.endpoint].logrank_p,
                alpha=alpha,
                gate=st.gate if st.gate is not None else alpha,
            )
        )
    return out


def run_analysis(sap: Sap, data: AnalysisData, *, sap_sha256: str = "") -> TrialAnalysis:
    """Run the plan on the data (checked first; every problem is reported at once).

    Parameters
    ----------
    sap
        The validated plan (:func:`tacepath.analysis.sap.load_sap`).
    data
        ADSL, ADTTE and optionally ADAE (:func:`tacepath.adam.model.read_dataset`).
    sap_sha256
        SHA-256 of the plan file, recorded in the result.

    Returns
    -------
    TrialAnalysis
        Frozen; ``to_dict()`` holds every number (the report's ``results.json``).
    """
    check_analysis_data(
        data,
        adsl_required=sap.adsl_columns(),
        cutoff=sap.data_cutoff,
        grade=sap.safety.grade if sap.safety is not None else None,
    )
    arms = (sap.treatment.experimental, sap.treatment.reference)
    endpoints = {e.paramcd: _endpoint(sap, data, e) for e in sap.endpoints}
    gates = fixed_sequence(_gate_inputs(sap, endpoints))
    for g in gates:
        endpoints[g.endpoint] = replace(endpoints[g.endpoint], tested=g.tested, rejected=g.rejected)
    return TrialAnalysis(
        sap=sap,
        sap_sha256=sap_sha256,
        sources=data.sources,
        synthetic=data.synthetic,
        software=f"tacepath {__version__}",
        arms=arms,
        populations=_population_counts(sap, data.adsl, arms),
        baseline=_baseline(sap, data.adsl, arms),
        endpoints=tuple(endpoints.values()),
        gatekeeping=gates,
        subgroups=_subgroups(sap, data),
        safety=_safety(sap, data, arms),
        categorical=_categorical(sap, data.adsl, arms),
    )


def analysis_date() -> str:
    """Today's date (UTC), ISO format: when a report is generated."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
