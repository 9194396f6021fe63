"""The frozen results of an analysis: estimates, endpoints, subgroups, baseline, safety.

:class:`TrialAnalysis` holds them all; its ``to_dict()`` is the report's ``results.json``.
Counts by arm (or by population and arm) are read-only mappings: a result given a dict keeps
its own read-only copy, so nothing changes a result after it is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from tacepath.adam.model import DataSource
from tacepath.analysis.multiplicity import GateDecision
from tacepath.analysis.sap import Sap
from tacepath.design.monitoring import InterimLook
from tacepath.jsonsafe import JsonFields, finite_or_none
from tacepath.survival import CumulativeIncidence, KaplanMeierResult

__all__ = [
    "ArmSummary",
    "BaselineBlock",
    "CategoricalResult",
    "CompetingRisksResult",
    "EndpointResult",
    "EndpointTest",
    "Estimate",
    "InteractionTest",
    "InterimResult",
    "SafetyResult",
    "SafetyRow",
    "StratifiedRmst",
    "StratumRmst",
    "SubgroupLevel",
    "SubgroupResult",
    "SubgroupVariableResult",
    "TrialAnalysis",
]


def _read_only(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


def _read_only_nested(d: Mapping[str, Mapping[str, int]]) -> Mapping[str, Mapping[str, int]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in d.items()})


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate(JsonFields):
    """A point estimate with its confidence limits (NaN: not estimable / not reached)."""

    estimate: float
    lower: float
    upper: float


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
class EndpointTest:
    """The endpoint's test as the plan names it (log-rank, Fleming–Harrington G(rho, gamma),
    MaxCombo or Gray's test): z of the experimental arm per weight (one for log-rank, FH and
    Gray, whose weight is (1 − F(t−))^rho with cmprsk's default rho = 0, shown as
    ``{"rho": 0, "gamma": null}``), the statistic (z, or max |z| / max of the signed z for
    MaxCombo), the p the plan's sidedness asks for and the two-sided p."""

    method: str
    weights: tuple[tuple[float, float], ...]
    z: tuple[float, ...]
    statistic: float
    p: float
    p_two_sided: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "tests": [
                {"rho": r, "gamma": None if self.method == "gray" else g, "z": finite_or_none(z)}
                for (r, g), z in zip(self.weights, self.z, strict=True)
            ],
            "statistic": finite_or_none(self.statistic),
            "p": finite_or_none(self.p),
            "p_two_sided": finite_or_none(self.p_two_sided),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StratumRmst:
    """One stratum of a stratified RMST: its size, weight and each arm's RMST with SE."""

    level: str
    n: int
    weight: float
    experimental: float
    experimental_se: float
    reference: float
    reference_se: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "stratum": self.level,
            "n": self.n,
            "weight": self.weight,
            "experimental": finite_or_none(self.experimental),
            "experimental_se": finite_or_none(self.experimental_se),
            "reference": finite_or_none(self.reference),
            "reference_se": finite_or_none(self.reference_se),
            "difference": finite_or_none(self.experimental - self.reference),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class StratifiedRmst:
    """The stratum-size-weighted RMST difference (experimental − reference) up to ``tau``."""

    strata: tuple[str, ...]
    tau: float
    rows: tuple[StratumRmst, ...]
    difference: Estimate
    se: float
    p: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "strata": list(self.strata),
            "weights": "stratum size / N",
            "by_stratum": [r.to_dict() for r in self.rows],
            "difference": {
                **self.difference.to_dict(),
                "se": finite_or_none(self.se),
                "p": finite_or_none(self.p),
            },
            "note": self.note,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetingRisksResult:
    """The cause of interest with its competing event (``cmprsk``'s methods): events per arm
    and kind, cumulative incidence of the cause per arm at the landmarks (estimate and
    variance, ``cuminc``/``timepoints``), Gray's test of the cause and of the competing event
    (stratified by the plan's strata), and the Fine-Gray subdistribution hazard ratio of the
    experimental arm (``crr``, unstratified: ``crr`` has no strata)."""

    cause: tuple[str, ...]
    competing: tuple[str, ...]
    events: Mapping[str, Mapping[str, int]]
    cif: Mapping[str, tuple[tuple[float, float, float], ...]]
    gray_stat: float
    gray_df: int
    gray_p: float
    gray_competing_stat: float
    gray_competing_p: float
    hr: Estimate
    coef: float
    se: float
    p: float
    curves: tuple[CumulativeIncidence, ...] = field(default=(), repr=False, compare=False)
    #: Gray's score of the cause over its standard deviation, signed for the experimental arm
    #: (> 0: a higher cumulative incidence than expected under equality); z² = gray_stat.
    gray_z: float = float("nan")

    def __post_init__(self) -> None:
        _set(self, "events", _read_only_nested(self.events))
        _set(self, "cif", _read_only(self.cif))

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": list(self.cause),
            "competing": list(self.competing),
            "events": {a: dict(v) for a, v in self.events.items()},
            "cif": {
                a: [
                    {"time": t, "estimate": finite_or_none(f), "variance": finite_or_none(v)}
                    for t, f, v in rows
                ]
                for a, rows in self.cif.items()
            },
            "gray_test": {
                "stat": finite_or_none(self.gray_stat),
                "df": self.gray_df,
                "p": finite_or_none(self.gray_p),
                "z": finite_or_none(self.gray_z),
            },
            "gray_test_competing": {
                "stat": finite_or_none(self.gray_competing_stat),
                "df": self.gray_df,
                "p": finite_or_none(self.gray_competing_p),
            },
            "fine_gray": {
                "hr": finite_or_none(self.hr.estimate),
                "hr_lower": finite_or_none(self.hr.lower),
                "hr_upper": finite_or_none(self.hr.upper),
                "coef": finite_or_none(self.coef),
                "se": finite_or_none(self.se),
                "p": finite_or_none(self.p),
            },
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
    observed: Mapping[str, float]
    expected: Mapping[str, float]
    tested: bool
    rejected: bool
    warnings: tuple[str, ...]
    km: KaplanMeierResult = field(repr=False, compare=False)
    test: EndpointTest | None = None
    competing_risks: CompetingRisksResult | None = None
    model_strata: tuple[str, ...] = ()
    rmst_stratified: StratifiedRmst | None = None

    @property
    def test_p(self) -> float:
        """The p of the plan's test for this endpoint (the log-rank p by default)."""
        return self.logrank_p if self.test is None else self.test.p

    def __post_init__(self) -> None:
        _set(self, "observed", _read_only(self.observed))
        _set(self, "expected", _read_only(self.expected))

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
                else {
                    **self.rmst_difference.to_dict(),
                    "p": finite_or_none(self.rmst_difference_p),
                },
                "ratio": None if self.rmst_ratio is None else self.rmst_ratio.to_dict(),
                "stratified": None
                if self.rmst_stratified is None
                else self.rmst_stratified.to_dict(),
            },
            "follow_up_median": self.follow_up.to_dict(),
            "logrank_observed": dict(self.observed),
            "logrank_expected": dict(self.expected),
            "hr": finite_or_none(self.hr.estimate),
            "hr_lower": finite_or_none(self.hr.lower),
            "hr_upper": finite_or_none(self.hr.upper),
            "cox_coef": finite_or_none(self.cox_coef),
            "cox_se": finite_or_none(self.cox_se),
            "cox_p": finite_or_none(self.cox_p),
            "logrank_chisq": finite_or_none(self.logrank_chisq),
            "logrank_z": finite_or_none(self.logrank_z),
            "logrank_p": finite_or_none(self.logrank_p),
            "logrank_p_two_sided": finite_or_none(self.logrank_p_two_sided),
            "sides": self.sides,
            "direction": self.direction,
            "strata": list(self.strata),
            "model_strata": list(self.model_strata),
            "n_strata": self.n_strata,
            "tested": self.tested,
            "rejected": self.rejected,
            "warnings": list(self.warnings),
            "test": None if self.test is None else self.test.to_dict(),
            "competing_risks": None
            if self.competing_risks is None
            else self.competing_risks.to_dict(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupLevel:
    """One subgroup: counts per arm and the Cox HR within it."""

    level: str
    n: Mapping[str, int]
    events: Mapping[str, int]
    hr: Estimate
    note: str = ""

    def __post_init__(self) -> None:
        _set(self, "n", _read_only(self.n))
        _set(self, "events", _read_only(self.events))

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "n": dict(self.n),
            "events": dict(self.events),
            "hr": finite_or_none(self.hr.estimate),
            "hr_lower": finite_or_none(self.hr.lower),
            "hr_upper": finite_or_none(self.hr.upper),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionTest(JsonFields):
    """Treatment × subgroup interaction: statistic, degrees of freedom, p."""

    method: str
    statistic: float
    df: int
    p: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupVariableResult(JsonFields):
    variable: str
    label: str
    levels: tuple[SubgroupLevel, ...]
    interaction: InteractionTest
    n_missing: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SubgroupResult(JsonFields):
    """Subgroup analysis of one endpoint (HRs unstratified unless the plan says so)."""

    endpoint: str
    stratified: bool
    overall: SubgroupLevel
    variables: tuple[SubgroupVariableResult, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineBlock:
    """One variable of the baseline table: per level (or summary) and arm."""

    variable: str
    label: str
    kind: str
    rows: tuple[Mapping[str, Any], ...]

    def __post_init__(self) -> None:
        _set(self, "rows", tuple(_read_only(r) for r in self.rows))

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "label": self.label,
            "kind": self.kind,
            "rows": [dict(r) for r in self.rows],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyRow(JsonFields):
    """One adverse-event term: subjects per arm at any grade and at high grade, Fisher p."""

    term: str
    any_grade: Mapping[str, int]
    any_grade_p: float
    high_grade: Mapping[str, int]
    high_grade_p: float

    def __post_init__(self) -> None:
        _set(self, "any_grade", _read_only(self.any_grade))
        _set(self, "high_grade", _read_only(self.high_grade))


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyResult:
    population: str
    n: Mapping[str, int]
    high_grade: int
    rows: tuple[SafetyRow, ...]

    def __post_init__(self) -> None:
        _set(self, "n", _read_only(self.n))

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
    counts: Mapping[str, Mapping[str, int]]
    n: Mapping[str, int]
    n_missing: int
    p: float
    test: str

    def __post_init__(self) -> None:
        _set(self, "counts", _read_only_nested(self.counts))
        _set(self, "n", _read_only(self.n))

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "label": self.label,
            "population": self.population,
            "levels": list(self.levels),
            "counts": {a: dict(c) for a, c in self.counts.items()},
            "n": dict(self.n),
            "n_missing": self.n_missing,
            "p": finite_or_none(self.p),
            "test": self.test,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class InterimResult(JsonFields):
    """Interim monitoring of one endpoint: the analyses' boundaries at their observed
    information, this analysis' z toward benefit, and the decision."""

    endpoint: str
    spending: str
    planned_events: int
    final: bool
    looks: tuple[InterimLook, ...]
    z: float
    decision: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialAnalysis:
    """The whole analysis: plan, provenance and every number (``to_dict`` → results.json)."""

    sap: Sap
    sap_sha256: str
    sources: tuple[DataSource, ...]
    synthetic: bool
    software: str
    arms: tuple[str, str]
    populations: Mapping[str, Mapping[str, int]]
    baseline: tuple[BaselineBlock, ...]
    endpoints: tuple[EndpointResult, ...]
    gatekeeping: tuple[GateDecision, ...]
    subgroups: tuple[SubgroupResult, ...]
    safety: SafetyResult | None
    categorical: tuple[CategoricalResult, ...]
    monitoring: InterimResult | None = None

    def __post_init__(self) -> None:
        _set(self, "populations", _read_only_nested(self.populations))

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
            "test_strata": list(s.strata_for_test()),
            "model_strata": list(s.strata_for_model()),
            "populations": {k: dict(v) for k, v in self.populations.items()},
            "baseline": [b.to_dict() for b in self.baseline],
            "endpoints": {
                e.paramcd: e.to_dict() | {"estimand": _estimand(s, e.paramcd, self.arms)}
                for e in self.endpoints
            },
            "gatekeeping": {
                "procedure": None if s.testing is None else s.testing.procedure,
                "rule": _testing_rule(s),
                "weights": None if s.testing is None else s.testing.weights,
                "transitions": None if s.testing is None else s.testing.transitions,
                "steps": [g.to_dict() for g in self.gatekeeping],
            },
            "subgroups": {
                sg.endpoint: sg.to_dict() | {"interaction_method": _interaction_name(s)}
                for sg in self.subgroups
            },
            "safety": None if self.safety is None else self.safety.to_dict(),
            "categorical": [c.to_dict() for c in self.categorical],
            "monitoring": None if self.monitoring is None else self.monitoring.to_dict(),
        }


def _estimand(s: Sap, paramcd: str, arms: tuple[str, str]) -> dict[str, Any] | None:
    """The endpoint's ICH E9(R1) attributes, with the plan's defaults filled in."""
    e = s.endpoint(paramcd)
    if e.estimand is None:
        return None
    est = e.estimand
    return {
        "treatment": est.treatment or f"{arms[0]} vs {arms[1]}",
        "population": est.population or s.populations[e.population].label,
        "variable": est.variable,
        "intercurrent_events": [
            {"event": ie.event, "strategy": ie.strategy} for ie in est.intercurrent_events
        ],
        "summary_measure": est.summary_measure,
    }


def _testing_rule(s: Sap) -> str:
    if s.testing is None or s.testing.procedure == "fixed-sequence":
        return "rejected if p < alpha; next hypothesis tested only if p < gate"
    name = {
        "bonferroni": "Bonferroni",
        "holm": "Holm (step-down)",
        "hochberg": "Hochberg (step-up)",
        "graph": "graphical weighted Bonferroni (Bretz et al. 2009)",
    }[s.testing.procedure]
    return f"{name}: every hypothesis tested; rejected if its adjusted p ≤ alpha {s.alpha:g}"


def _interaction_name(s: Sap) -> str | None:
    if s.subgroups is None:
        return None
    return s.subgroups.interaction_test
