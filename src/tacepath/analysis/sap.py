"""The statistical analysis plan (SAP) of a two-arm time-to-event trial, as YAML.

A plan names the populations (ADSL flags), the treatment variable with its reference and
experimental arms, the randomisation strata used by the stratified log-rank test and the
stratified Cox model, sidedness and α, the endpoints (ADTTE ``PARAMCD``) with optional RMST
τ and landmark times, the hierarchical testing sequence, subgroups with their interaction
test, the baseline table, the safety tables and other categorical comparisons. It is
validated on load; every problem names the field (``tacepath schema sap`` prints the JSON
Schema). Times in the plan (``rmst_tau``, ``landmarks``, ``km.break_times``) are in
``time_unit``; ADTTE ``AVAL`` is converted from its unit, ``AVALU`` (ADaM ADTTE: the unit
of AVAL; DAYS, WEEKS, MONTHS or YEARS, see :data:`tacepath.adam.model.AVALU_DAYS`) or, in a
file without ``AVALU``, ``aval_unit`` (days by default). A plan that states ``aval_unit``
and data whose ``AVALU`` says otherwise are refused. A month is 365.25/12 days, a year
365.25 days, a week 7 days.

Example: ``examples/tactics-like/sap.yaml`` (the TACTICS plan [1]_: TACE-specific PFS then
OS, fixed sequence, OS tested only if the PFS p < 0.15, one-sided α 0.15).

References
----------
.. [1] Kudo M, Ueshima K, Ikeda M, et al. Final results of TACTICS. Liver Cancer
   2022;11(4):354-367. doi:10.1159/000522547 (Statistical Methods).
.. [2] ICH E9. Statistical principles for clinical trials. 1998 (the content of a SAP).
.. [3] ICH E9(R1). Addendum on estimands and sensitivity analysis in clinical trials to the
   guideline on statistical principles for clinical trials. Step 4, 20 November 2019
   (the estimand attributes and the intercurrent-event strategies).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tacepath.errors import InputError, InputErrors, Problem

__all__ = [
    "UNIT_DAYS",
    "BaselineVariable",
    "CategoricalComparison",
    "CompetingRisksPlan",
    "EndpointPlan",
    "Estimand",
    "GateStep",
    "GatekeepingPlan",
    "IntercurrentEvent",
    "KmOptions",
    "MonitoringPlan",
    "Population",
    "SafetyPlan",
    "Sap",
    "SubgroupPlan",
    "SubgroupVariable",
    "Treatment",
    "parse_sap",
    "sap_json_schema",
]

TimeUnit = Literal["days", "weeks", "months", "years"]
UNIT_DAYS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
"""Days per unit (a month is 365.25/12 = 30.4375 days; a year 365.25 days)."""

_CFG = ConfigDict(frozen=True, extra="forbid")
_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"


class Treatment(BaseModel):
    """The randomised treatment: ADSL columns and the two arms compared."""

    model_config = _CFG
    planned: str = Field("TRT01P", pattern=_NAME, description="ADSL column of the planned arm.")
    actual: str = Field(
        "TRT01A", pattern=_NAME, description="ADSL column of the arm received (safety)."
    )
    reference: str = Field(..., description="Control arm (the HR denominator).")
    experimental: str = Field(..., description="Experimental arm (the HR numerator).")


class Population(BaseModel):
    """An analysis population: an ADSL ``Y``/``N`` flag, or every ADSL subject (all
    randomised) when ``flag`` is left out."""

    model_config = _CFG
    flag: str | None = Field(
        None, pattern=_NAME, description="ADSL flag column; 'Y' = in (none: every subject)."
    )
    label: str = Field(..., description="Name shown in the report.")
    by: Literal["planned", "actual"] = Field(
        "planned", description="Arm as randomised (ITT) or as treated (safety)."
    )


_TEXT = 300


class IntercurrentEvent(BaseModel):
    """An intercurrent event and the strategy that handles it (ICH E9(R1) [3]_)."""

    model_config = _CFG
    event: str = Field(..., min_length=1, max_length=_TEXT, description="The event.")
    strategy: Literal[
        "treatment-policy", "hypothetical", "composite", "while-on-treatment", "principal-stratum"
    ] = Field(..., description="ICH E9(R1) strategy for the event.")


class Estimand(BaseModel):
    """The estimand of an endpoint by the attributes of ICH E9(R1) [3]_: treatment,
    population, variable, intercurrent events with their strategies, and the
    population-level summary measure. Text, carried into the report; the analysis is what
    the endpoint's other fields say."""

    model_config = _CFG
    treatment: str | None = Field(
        None, max_length=_TEXT, description="Default: the plan's experimental vs reference arm."
    )
    population: str | None = Field(
        None, max_length=_TEXT, description="Default: the endpoint's population label."
    )
    variable: str = Field(..., min_length=1, max_length=_TEXT, description="The endpoint.")
    intercurrent_events: tuple[IntercurrentEvent, ...] = Field(
        (), max_length=10, description="Intercurrent events and their strategies."
    )
    summary_measure: str = Field(
        ..., min_length=1, max_length=_TEXT, description="Population-level summary."
    )


class CompetingRisksPlan(BaseModel):
    """The endpoint's events split into the cause of interest and a competing event.

    ADTTE encoding: an event row (``CNSR`` 0) names its kind in ``column`` (ADaM ADTTE
    ``EVNTDESC`` by default); a value listed in ``cause`` is the event of interest, one listed
    in ``competing`` the competing event, and every other event row is refused (rows named).
    Censored rows (``CNSR`` ≥ 1) stay censored. Example: TACE-specific PFS with
    ``cause: [UNTACEABLE PROGRESSION]`` and ``competing: [DEATH]``.
    """

    model_config = _CFG
    column: str = Field(
        "EVNTDESC", pattern=_NAME, description="ADTTE column naming the kind of each event."
    )
    cause: tuple[str, ...] = Field(
        ..., min_length=1, max_length=20, description="Values of `column`: event of interest."
    )
    competing: tuple[str, ...] = Field(
        ..., min_length=1, max_length=20, description="Values of `column`: competing event."
    )

    @model_validator(mode="after")
    def _disjoint(self) -> CompetingRisksPlan:
        if set(self.cause) & set(self.competing):
            raise ValueError("competing_risks: a value is either a cause or competing, not both")
        return self


class EndpointPlan(BaseModel):
    """One time-to-event endpoint (an ADTTE parameter)."""

    model_config = _CFG
    paramcd: str = Field(..., description="ADTTE PARAMCD.")
    label: str = Field(..., description="Name shown in the report.")
    population: str = Field("ITT", description="Key of `populations`.")
    rmst_tau: float | None = Field(
        None, gt=0, description="RMST horizon τ in `time_unit` (none: no RMST)."
    )
    rmst_stratified: bool = Field(
        False,
        description="Also the RMST difference stratified by the test strata (stratum-size "
        "weights); needs rmst_tau and strata.",
    )
    landmarks: tuple[float, ...] = Field(
        (), description="Times (in `time_unit`) at which S(t) is reported per arm."
    )
    test: Literal["logrank", "fleming-harrington", "maxcombo", "gray"] = Field(
        "logrank",
        description=(
            "The endpoint's test (its p is the one gatekeeping uses): the (stratified) "
            "log-rank test, a Fleming-Harrington G(rho, gamma) test, MaxCombo, or Gray's test "
            "of the cumulative incidence of the cause (needs competing_risks)."
        ),
    )
    rho: float = Field(0.0, ge=0, description="fleming-harrington: weight S(t-)^rho.")
    gamma: float = Field(0.0, ge=0, description="fleming-harrington: weight (1-S(t-))^gamma.")
    combo: tuple[tuple[float, float], ...] = Field(
        ((0, 0), (0, 1), (1, 0), (1, 1)),
        min_length=1,
        description="maxcombo: the (rho, gamma) pairs (default Lin et al. 2020's four).",
    )
    estimand: Estimand | None = Field(
        None, description="ICH E9(R1) attributes of the endpoint's estimand (for the report)."
    )
    competing_risks: CompetingRisksPlan | None = Field(
        None,
        description=(
            "Also analyse the cause of interest with the competing event: cumulative "
            "incidence per arm (at the landmarks), Gray's test, Fine-Gray hazard ratio."
        ),
    )

    @model_validator(mode="after")
    def _test_options(self) -> EndpointPlan:
        if self.test != "fleming-harrington" and (self.rho != 0 or self.gamma != 0):
            raise ValueError("rho and gamma are options of test: fleming-harrington")
        if self.test == "gray" and self.competing_risks is None:
            raise ValueError("test: gray needs competing_risks (the cause and competing event)")
        for rho, gamma in self.combo:
            if rho < 0 or gamma < 0:
                raise ValueError("combo: every rho and gamma must be >= 0")
        if len(set(self.combo)) != len(self.combo):
            raise ValueError("combo: the (rho, gamma) pairs must be distinct")
        return self


class GateStep(BaseModel):
    """One hypothesis of the fixed sequence.

    Rejected when p < ``alpha``; the next hypothesis is tested only when p < ``gate``
    (default: ``alpha``, the fixed-sequence rule).
    """

    model_config = _CFG
    endpoint: str = Field(..., description="PARAMCD of an endpoint of the plan.")
    alpha: float | None = Field(
        None, gt=0, lt=1, description="Level of this test (default: the plan's alpha)."
    )
    gate: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="The next hypothesis is tested only if p < gate (default: alpha).",
    )


class GatekeepingPlan(BaseModel):
    """Testing of the endpoints: hierarchical (fixed sequence, each step with its level and
    gate) or a familywise procedure at the plan's alpha (Bonferroni, Holm, Hochberg, or a
    graph of Bretz et al. 2009: initial ``weights`` and ``transitions``, in the order of
    ``steps``)."""

    model_config = _CFG
    procedure: Literal["fixed-sequence", "bonferroni", "holm", "hochberg", "graph"] = Field(
        "fixed-sequence"
    )
    steps: tuple[GateStep, ...] = Field(..., min_length=1, max_length=20)
    weights: tuple[float, ...] | None = Field(
        None, description="graph: initial weight of each step's hypothesis (≥ 0, sum ≤ 1)."
    )
    transitions: tuple[tuple[float, ...], ...] | None = Field(
        None,
        description="graph: g[j][k], the share of H_j's weight passed to H_k once H_j is "
        "rejected (≥ 0, zero diagonal, rows summing to ≤ 1).",
    )

    @model_validator(mode="after")
    def _procedure_options(self) -> GatekeepingPlan:
        m = len(self.steps)
        graph = self.procedure == "graph"
        if graph != (self.weights is not None) or graph != (self.transitions is not None):
            raise ValueError("testing: weights and transitions go with procedure: graph only")
        if self.procedure != "fixed-sequence" and any(
            st.alpha is not None or st.gate is not None for st in self.steps
        ):
            raise ValueError(
                "testing.steps: alpha and gate are options of the fixed sequence "
                f"({self.procedure} tests at the plan's alpha)"
            )
        if self.weights is not None and self.transitions is not None:
            w, g = self.weights, self.transitions
            if len(w) != m or len(g) != m or any(len(row) != m for row in g):
                raise ValueError(f"testing: {m} weights and a {m} x {m} transitions matrix")
            if any(v < 0 for v in w) or sum(w) > 1 + 1e-12:
                raise ValueError("testing.weights: each ≥ 0, summing to at most 1")
            if any(v < 0 or v > 1 for row in g for v in row) or any(
                sum(row) > 1 + 1e-12 for row in g
            ):
                raise ValueError("testing.transitions: entries in [0, 1], rows summing to ≤ 1")
            if any(g[i][i] != 0 for i in range(m)):
                raise ValueError("testing.transitions: a zero diagonal")
        return self


class MonitoringPlan(BaseModel):
    """Interim monitoring of one endpoint designed with Lan-DeMets alpha spending: the
    boundary of this analysis is recomputed at the observed information fraction
    (events / ``planned_events``; 1 when ``final``), after the earlier analyses' event counts
    ``previous_events``, at the plan's alpha and sidedness."""

    model_config = _CFG
    endpoint: str = Field(..., description="PARAMCD of the monitored endpoint (log-rank test).")
    spending: Literal["obrien-fleming", "pocock"] = Field(
        ..., description="Lan-DeMets spending function (rpact asOF, asP)."
    )
    planned_events: int = Field(..., gt=0, le=1_000_000, description="Events at t = 1.")
    previous_events: tuple[int, ...] = Field(
        (), max_length=19, description="Events at the earlier analyses, increasing."
    )
    final: bool = Field(False, description="This analysis is the final one (t = 1).")


class SubgroupVariable(BaseModel):
    """A baseline factor defining subgroups."""

    model_config = _CFG
    variable: str = Field(..., pattern=_NAME, description="ADSL column.")
    label: str = Field(..., description="Name shown in the forest plot.")
    levels: tuple[str, ...] | None = Field(
        None, description="Levels in display order (default: all, sorted)."
    )


class SubgroupPlan(BaseModel):
    """Subgroup hazard ratios and treatment-by-subgroup interaction tests."""

    model_config = _CFG
    endpoints: tuple[str, ...] = Field(..., min_length=1)
    variables: tuple[SubgroupVariable, ...] = Field(..., min_length=1)
    interaction_test: Literal["likelihood-ratio", "wald"] = Field(
        "likelihood-ratio",
        description="Cox treatment x subgroup: likelihood-ratio (nested models) or Wald.",
    )
    stratified: bool = Field(
        False, description="Stratify the subgroup Cox models by the plan's strata."
    )


class BaselineVariable(BaseModel):
    """A row block of the baseline table."""

    model_config = _CFG
    variable: str = Field(..., pattern=_NAME)
    label: str
    kind: Literal["categorical", "continuous"] = "categorical"


class SafetyPlan(BaseModel):
    """Adverse-event tables: subjects with any grade and with grade ≥ ``high_grade``."""

    model_config = _CFG
    population: str = Field("SAFETY", description="Key of `populations`.")
    term: str = Field("AEDECOD", pattern=_NAME, description="ADAE column of the term.")
    grade: str = Field("ATOXGRN", pattern=_NAME, description="ADAE column of the grade 1-5.")
    high_grade: int = Field(3, ge=1, le=5, description="Grade ≥ this is 'high grade'.")
    min_percent: float = Field(
        0.0, ge=0, le=100, description="List terms with any-grade % ≥ this in either arm."
    )


class CategoricalComparison(BaseModel):
    """A categorical ADSL variable compared between arms by Fisher's exact test."""

    model_config = _CFG
    variable: str = Field(..., pattern=_NAME)
    label: str
    population: str = "ITT"
    test: Literal["fisher"] = "fisher"


class KmOptions(BaseModel):
    """Kaplan–Meier figure: x ticks (also the risk-table times) in `time_unit`."""

    model_config = _CFG
    break_times: tuple[float, ...] | None = None


class Sap(BaseModel):
    """A statistical analysis plan (see the module docstring)."""

    model_config = _CFG
    sap_version: Literal[1] = 1
    title: str
    study: str | None = None
    data_cutoff: dt.date | None = Field(
        None, description="No ADTTE date may fall after it (checked on load)."
    )
    aval_unit: TimeUnit | None = Field(
        None,
        description=(
            "Unit of ADTTE AVAL when ADTTE has no AVALU column (default days); when given, "
            "AVALU must agree with it."
        ),
    )
    time_unit: TimeUnit = Field("months", description="Unit of the report and of plan times.")
    treatment: Treatment
    populations: dict[str, Population]
    strata: tuple[str, ...] = Field(
        (), description="ADSL columns: strata of the log-rank test and of the Cox model."
    )
    test_strata: tuple[str, ...] | None = Field(
        None,
        description="ADSL columns stratifying the tests (log-rank, FH, MaxCombo, Gray) and a "
        "stratified RMST, when they differ from `strata`.",
    )
    model_strata: tuple[str, ...] | None = Field(
        None,
        description="ADSL columns stratifying the Cox models, when they differ from `strata`.",
    )
    sides: Literal[1, 2] = 2
    direction: Literal["less", "greater"] = Field(
        "less", description="One-sided alternative: experimental HR < 1 ('less') or > 1."
    )
    alpha: float = Field(0.05, gt=0, lt=1)
    conf_level: float = Field(0.95, gt=0, lt=1)
    km_conf_type: Literal["log", "log-log", "plain", "logit", "arcsin"] = Field(
        "log", description="KM band (R's default log; SAS LIFETEST's log-log)."
    )
    ties: Literal["efron", "breslow"] = Field(
        "efron", description="Cox ties (R's default Efron; SAS PHREG's Breslow)."
    )
    endpoints: tuple[EndpointPlan, ...] = Field(..., min_length=1)
    testing: GatekeepingPlan | None = None
    monitoring: MonitoringPlan | None = None
    subgroups: SubgroupPlan | None = None
    baseline: tuple[BaselineVariable, ...] = ()
    safety: SafetyPlan | None = None
    categorical: tuple[CategoricalComparison, ...] = ()
    km: KmOptions = Field(default_factory=KmOptions)

    @model_validator(mode="after")
    def _cross_checks(self) -> Sap:
        problems = _cross_problems(self)
        if problems:
            raise ValueError("; ".join(f"{f}: {a}" for f, a in problems))
        return self

    def endpoint(self, paramcd: str) -> EndpointPlan:
        return next(e for e in self.endpoints if e.paramcd == paramcd)

    def strata_for_test(self) -> tuple[str, ...]:
        """Strata of the tests: ``test_strata``, else ``strata``."""
        return self.strata if self.test_strata is None else self.test_strata

    def strata_for_model(self) -> tuple[str, ...]:
        """Strata of the Cox models: ``model_strata``, else ``strata``."""
        return self.strata if self.model_strata is None else self.model_strata

    def adsl_columns(self) -> tuple[str, ...]:
        """Every ADSL column the plan uses."""
        cols = [self.treatment.planned]
        if any(p.by == "actual" for p in self.populations.values()):
            cols.append(self.treatment.actual)
        cols += [p.flag for p in self.populations.values() if p.flag is not None]
        cols += list(self.strata) + list(self.strata_for_test()) + list(self.strata_for_model())
        cols += [b.variable for b in self.baseline]
        cols += [c.variable for c in self.categorical]
        if self.subgroups is not None:
            cols += [v.variable for v in self.subgroups.variables]
        return tuple(dict.fromkeys(cols))


def _cross_problems(s: Sap) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if s.treatment.reference == s.treatment.experimental:
        out.append(("treatment.experimental", "an arm different from the reference"))
    codes = [e.paramcd for e in s.endpoints]
    if len(set(codes)) != len(codes):
        out.append(("endpoints", "each PARAMCD once"))
    pops = set(s.populations)
    for key in ("strata", "test_strata", "model_strata"):
        cols = getattr(s, key) or ()
        if len(cols) > 10 or any(not _is_name(c) for c in cols):
            out.append((key, "at most 10 ADSL column names (letters, digits, _)"))
        if len(set(cols)) != len(cols):
            out.append((key, "each column once"))
    for i, e in enumerate(s.endpoints):
        if e.rmst_stratified and (e.rmst_tau is None or not s.strata_for_test()):
            out.append((f"endpoints[{i}].rmst_stratified", "rmst_tau and test strata"))
        if e.population not in pops:
            out.append((f"endpoints[{i}].population", f"one of {sorted(pops)}"))
    if s.testing is not None:
        seen: set[str] = set()
        for i, st in enumerate(s.testing.steps):
            if st.endpoint not in codes:
                out.append((f"testing.steps[{i}].endpoint", f"one of {codes}"))
            if st.endpoint in seen:
                out.append((f"testing.steps[{i}].endpoint", "each endpoint once"))
            seen.add(st.endpoint)
            level = st.alpha if st.alpha is not None else s.alpha
            if st.gate is not None and st.gate > level:
                out.append(
                    (
                        f"testing.steps[{i}].gate",
                        f"≤ the step's alpha {level:g} (a looser gate would not control "
                        "the familywise error)",
                    )
                )
    if s.monitoring is not None:
        m = s.monitoring
        if m.endpoint not in codes:
            out.append(("monitoring.endpoint", f"one of {codes}"))
        elif s.endpoint(m.endpoint).test != "logrank":
            out.append(
                (
                    "monitoring.endpoint",
                    "an endpoint tested by the log-rank test (its information is its events)",
                )
            )
        prev = m.previous_events
        if any(e <= 0 for e in prev) or any(b <= a for a, b in itertools.pairwise(prev)):
            out.append(("monitoring.previous_events", "positive, increasing event counts"))
    if s.subgroups is not None:
        for i, code in enumerate(s.subgroups.endpoints):
            if code not in codes:
                out.append((f"subgroups.endpoints[{i}]", f"one of {codes}"))
    if s.safety is not None and s.safety.population not in pops:
        out.append(("safety.population", f"one of {sorted(pops)}"))
    for i, c in enumerate(s.categorical):
        if c.population not in pops:
            out.append((f"categorical[{i}].population", f"one of {sorted(pops)}"))
    return out


def _is_name(text: str) -> bool:
    return re.fullmatch(_NAME, text) is not None


def sap_json_schema() -> dict[str, Any]:
    """JSON Schema of the plan (``tacepath schema sap``)."""
    schema = Sap.model_json_schema()
    schema["title"] = "tacepath statistical analysis plan"
    schema["$comment"] = (
        "YAML or JSON. Example: examples/tactics-like/sap.yaml. Times in time_unit; "
        "a test step rejects when p < alpha and opens the next step when p < gate."
    )
    return schema


def _problems(err: ValidationError) -> list[Problem]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "sap"
        msg = str(e["msg"]).removeprefix("Value error, ")
        if e["type"] == "missing":
            out.append(Problem(f"sap.{loc}", None, "a value (required)"))
        elif e["type"] == "extra_forbidden":
            out.append(Problem(f"sap.{loc}", e.get("input"), "no such field (tacepath schema sap)"))
        elif e["type"] == "value_error" and ": " in msg:
            for part in msg.split("; "):
                field, allowed = part.split(": ", 1)
                out.append(Problem(f"sap.{field}", "given", allowed))
        else:
            out.append(Problem(f"sap.{loc}", e.get("input"), msg))
    return out


def parse_sap(raw: Any) -> Sap:
    """Validate a plan given as a mapping (parsed YAML or JSON)."""
    if not isinstance(raw, dict):
        raise InputError("sap", type(raw).__name__, "a mapping (YAML document)")
    try:
        return Sap.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(_problems(exc)) from None
