"""The five-step pathway for one patient: candidate, systemic eligibility, sequence, MDT, follow-up.

The steps follow the seed patient page's outline (a secondary source, used only for the
outline); every rule and number inside them comes from the regimen catalogue and the
evidence registry, with its source. A regimen's criteria are those of its components and of
its populations (:meth:`tacepath.pathway.model.Catalogue.criteria_of`). Status semantics
(docs/pathway.md), written once in :func:`status_of`:

* each criterion gives ``pass``, ``fail``, ``unknown`` (an input not given, or a limit the
  source does not state) or ``caution`` (a relative contraindication or a judgement the
  source leaves to the MDT, with the question to ask);
* a regimen is ``not_eligible`` if any criterion fails; otherwise ``needs_information`` if
  any is unknown or caution (each missing input and MDT question is named); otherwise
  ``eligible``.

Regimens are ordered by a written rule, never by an invented score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from tacepath.clinical.assessment import Assessment, NotComputable, assess
from tacepath.domain.patient import PatientSnapshot
from tacepath.evidence.model import Trial
from tacepath.evidence.registry import Registry, registry
from tacepath.evidence.views import number_dict
from tacepath.jsonsafe import JsonFields
from tacepath.pathway.course_state import CourseState, TaceFailureState, course_state
from tacepath.pathway.eligibility import Verdict, run_check
from tacepath.pathway.model import (
    BoundCriterion,
    Catalogue,
    Criterion,
    Regimen,
    SourceRef,
    catalogue,
)

if TYPE_CHECKING:
    from tacepath.domain.timeline import Timeline

__all__ = [
    "NEGATIVE_LABEL",
    "ORDERING_RULE",
    "STATUS_ORDER",
    "Comparison",
    "CriterionResult",
    "PathwayResult",
    "RegimenAssessment",
    "Status",
    "Step",
    "cite_source",
    "deceased_criterion",
    "evaluate_criterion",
    "failure_criterion",
    "pathway",
    "status_of",
]

Status = Literal["eligible", "not_eligible", "needs_information"]
#: How the supporting trial's comparison of this regimen came out: ``positive`` (p < 0.05 or
#: a hazard-ratio CI below 1 in a positive trial), ``negative`` (results, none of them
#: positive), ``none`` (no comparison with results: a control arm, or no registry trial).
Comparison = Literal["positive", "negative", "none"]
NEGATIVE_LABEL = "its trial comparison was negative"
#: Most to least eligible.
STATUS_ORDER: tuple[Status, ...] = ("eligible", "needs_information", "not_eligible")

ORDERING_RULE = (
    "Regimens are listed by status (eligible, needs information, not eligible), then by the "
    "supporting trial in the evidence registry (a trial whose comparison of this regimen was "
    "positive — p < 0.05 or a hazard-ratio CI below 1 — before one that was not; phase III "
    "before phase II; regimens without a registry trial last), then in catalogue order. "
    "tacepath does not rank regimens by effect sizes or by any score. A regimen whose "
    "supporting comparison was negative is never listed above TACE alone and is labelled "
    '"its trial comparison was negative".'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionResult:
    """One criterion for one patient: result, the values that decided, and its source.

    ``origin`` says where the criterion comes from (``component:tace``,
    ``population:LAUNCH``, ``trial:EMERALD-3``, ``pathway``); ``question`` is what the MDT
    is asked for a caution (or why a limit is unknown); ``enrolled`` is the trial-population
    note that turned a component's contraindication into a caution; ``check`` is the check
    that ran (``feature_absent:<feature>`` for a finding).
    """

    name: str
    result: Verdict
    detail: str
    source: str
    citation: str
    citations: tuple[str, ...] = ()
    origin: str = ""
    rule: str = ""
    question: str = ""
    enrolled: str = ""
    check: str = ""

    @property
    def reason(self) -> str:
        """The one-line reason: criterion, the values, and the open question if any."""
        tail = f" — {self.question}" if self.question else ""
        return f"{self.name} — {self.detail}{tail}"

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "result": self.result,
            "detail": self.detail,
            "source": self.citation,
            "source_id": self.source,
            "origin": self.origin,
        }
        if self.rule:
            out["rule"] = self.rule
        if self.question:
            out["question"] = self.question
        if self.enrolled:
            out["trial_enrolled"] = self.enrolled
        if self.check:
            out["check"] = self.check
        return out


def status_of(criteria: tuple[CriterionResult, ...]) -> Status:
    """Not eligible if any criterion fails; otherwise needs information if any is unknown or
    a caution; otherwise eligible."""
    results = {c.result for c in criteria}
    if "fail" in results:
        return "not_eligible"
    if results & {"unknown", "caution"}:
        return "needs_information"
    return "eligible"


@dataclass(frozen=True, slots=True, kw_only=True)
class RegimenAssessment:
    """A regimen for this patient: status, criteria, evidence, level and caveats."""

    id: str
    label: str
    kind: str
    components: tuple[str, ...]
    status: Status
    criteria: tuple[CriterionResult, ...]
    evidence: tuple[dict[str, Any], ...]
    level: dict[str, Any]
    caveats: tuple[dict[str, Any], ...]
    comparison: Comparison = "none"

    @property
    def labels(self) -> list[str]:
        """Labels every view shows beside the regimen (:data:`NEGATIVE_LABEL`)."""
        return [NEGATIVE_LABEL] if self.comparison == "negative" else []

    @property
    def reasons(self) -> list[str]:
        """Why the status: the failed criteria, then the unknown, then the cautions."""
        order = {"fail": 0, "unknown": 1, "caution": 2}
        open_ = [c for c in self.criteria if c.result in order]
        open_.sort(key=lambda c: order[c.result])
        return [c.reason for c in open_]

    @property
    def missing(self) -> list[str]:
        """Each input not given (unknown criteria without a question)."""
        return list(
            dict.fromkeys(
                c.detail for c in self.criteria if c.result == "unknown" and not c.question
            )
        )

    @property
    def questions(self) -> list[str]:
        """Each question for the MDT (cautions, and limits the sources leave unknown)."""
        return list(
            dict.fromkeys(
                f"{c.question} ({c.detail})"
                for c in self.criteria
                if c.result in ("caution", "unknown") and c.question
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "kind": self.kind,
            "components": list(self.components),
            "status": self.status,
            "comparison": self.comparison,
            "labels": self.labels,
            "reasons": self.reasons,
            "missing": self.missing,
            "questions": self.questions,
            "criteria": [c.to_dict() for c in self.criteria],
            "evidence": list(self.evidence),
            "level": self.level,
            "caveats": list(self.caveats),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One of the five steps: what was found, with sources."""

    number: int
    title: str
    findings: tuple[str, ...]
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.number,
            "title": self.title,
            "findings": list(self.findings),
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PathwayResult(JsonFields):
    """The pathway for one patient (``tacepath pathway``)."""

    id: str
    steps: tuple[Step, ...]
    regimens: tuple[RegimenAssessment, ...]
    ordering_rule: str = ORDERING_RULE
    notes: tuple[str, ...] = field(default=())
    tace_failure: TaceFailureState | None = None
    deceased: dt.date | None = None

    def regimen(self, regimen_id: str) -> RegimenAssessment:
        return next(r for r in self.regimens if r.id == regimen_id)


#: The regimen no option with a negative comparison is listed above (docs/pathway.md).
TACE_ALONE = "tace-alone"


def cite_source(cat: Catalogue, reg: Registry, ref: SourceRef) -> str:
    """The citation text of a catalogue or registry source."""
    src = cat.source(ref, reg)
    return f"{ref.trial}: {src.text()}" if ref.trial else src.text()


def _source_id(ref: SourceRef) -> str:
    return ref.source if ref.trial is None else f"{ref.trial}:{ref.source}"


def evaluate_criterion(
    item: BoundCriterion | Criterion,
    patient: PatientSnapshot,
    a: Assessment,
    cat: Catalogue,
    reg: Registry,
) -> CriterionResult:
    """Run one criterion's check; apply what a failure means (``on_fail``) and the trial
    enrolment notes; attach its wording, question and citations."""
    bound = item if isinstance(item, BoundCriterion) else BoundCriterion(criterion=item, origin="")
    c = bound.criterion
    out = run_check(c.check, patient, a, c.value)
    result: Verdict = out.result
    if result == "fail" and c.on_fail != "exclude":
        result = c.on_fail
    by_source = result == "unknown" and (out.result == "fail" or c.check == "not_read")
    question = (c.question or c.text) if result == "caution" or by_source else ""
    cites = [cite_source(cat, reg, c.source), *(cite_source(cat, reg, x) for x in c.also)]
    enrolled = ""
    if result in ("fail", "caution"):
        for e in bound.enrolled:
            if (
                e.when is not None
                and run_check(e.when.check, patient, a, e.when.value).result != "pass"
            ):
                continue
            result, enrolled = "caution", e.text
            question = f"Trial population: {e.text} The MDT weighs that evidence against this rule."
            cites.append(cite_source(cat, reg, e.source))
            break
    return CriterionResult(
        name=c.text,
        result=result,
        detail=out.detail,
        source=_source_id(c.source),
        citation="; ".join(cites),
        citations=tuple(cites),
        origin=bound.origin,
        rule=c.id or "",
        question=question,
        enrolled=enrolled,
        check=f"{c.check}:{c.value}" if c.check == "feature_absent" else c.check,
    )


def _evidence(
    trial: Trial, arm: str, comparator: str | None, crit: tuple[CriterionResult, ...]
) -> dict[str, Any]:
    """The trial's results for this comparison and how the patient matches its population."""
    results = []
    for r in trial.results:
        if r.comparison is None or r.comparison[0] != arm:
            continue
        if comparator is not None and r.comparison[1] != comparator:
            continue
        results.append(
            {
                "endpoint": trial.endpoint(r.endpoint).name,
                "primary": trial.endpoint(r.endpoint).primary,
                "analysis": r.analysis,
                "medians": {a: number_dict(v, trial) for a, v in r.medians.items()},
                "hr": number_dict(r.hr, trial) if r.hr else None,
                "p": number_dict(r.p, trial) if r.p else None,
                "other": {k: number_dict(v, trial) for k, v in r.other.items()},
            }
        )
    own = [c for c in crit if c.origin == f"population:{trial.id}"]
    if not own:
        match = "the trial's eligibility is not encoded"
    elif any(c.result == "fail" for c in own):
        match = "outside the trial population: " + "; ".join(
            c.detail for c in own if c.result == "fail"
        )
    elif any(c.result in ("unknown", "caution") for c in own):
        match = "not settled: " + "; ".join(
            c.detail for c in own if c.result in ("unknown", "caution")
        )
    else:
        match = "within the trial's stated population (criteria encoded here)"
    return {
        "trial": trial.id,
        "phase": trial.phase,
        "trial_status": trial.status,
        "arm": trial.arm(arm).label,
        "comparator": trial.arm(comparator).label if comparator else None,
        "population_match": match,
        "results": results,
        "conflicts": [c.id for c in trial.conflicts],
    }


def _cited_text(item: Any, cat: Catalogue, reg: Registry) -> dict[str, Any]:
    out: dict[str, Any] = {"text": item.text, "source": cite_source(cat, reg, item.source)}
    conflict = getattr(item, "conflict", None)
    if conflict is not None:
        c = reg.get(conflict.trial).conflict(conflict.id)
        out["conflict"] = {
            "trial": conflict.trial,
            "id": c.id,
            "topic": c.topic,
            "seed_says": c.seed.text,
            "source_says": c.source_says.text,
        }
    return out


def failure_criterion(failure: TaceFailureState, cat: Catalogue, reg: Registry) -> CriterionResult:
    """The failing criterion of an option containing TACE after TACE failure (data:
    ``stage_migration.not_repeated``)."""
    nr = cat.stage_migration.not_repeated
    cite = cite_source(cat, reg, nr.source)
    detail = f"{failure.text}: TACE is not repeated"
    if failure.note:
        detail += f" ({failure.note})"
    return CriterionResult(
        name=nr.text,
        result="fail",
        detail=detail,
        source=_source_id(nr.source),
        citation=cite,
        citations=(cite,),
        origin="pathway",
        rule="tace-failure",
    )


def deceased_criterion(date: dt.date) -> CriterionResult:
    """The failing criterion of every option after death (docs/pathway.md, "Death")."""
    return CriterionResult(
        name="Alive: no treatment, trial or follow-up plan after death",
        result="fail",
        detail=f"deceased on {date.isoformat()}",
        source="timeline",
        citation="the patient's timeline (date of death)",
        citations=("the patient's timeline (date of death)",),
        origin="pathway",
        rule="deceased",
    )


def _migrated(
    c: CriterionResult, failure: TaceFailureState, a: Assessment, cat: Catalogue, reg: Registry
) -> CriterionResult:
    """A criterion that treatment-stage migration satisfies after TACE failure (data:
    ``stage_migration``): it passes for a stage in ``from_stages``; anything else is kept."""
    mig = cat.stage_migration
    stage = a["bclc"]
    code = None if isinstance(stage, NotComputable) else stage.to_dict().get("stage")
    if c.rule not in mig.satisfies or code not in mig.from_stages:
        return c
    cite = cite_source(cat, reg, mig.migration.source)
    return replace(
        c,
        result="pass",
        detail=f"BCLC {code}; {mig.migration.text} — {failure.text}",
        question="",
        citation=f"{c.citation}; {cite}" if cite not in c.citation else c.citation,
        citations=tuple(dict.fromkeys((*c.citations, cite))),
    )


def _assess_regimen(
    r: Regimen,
    patient: PatientSnapshot,
    a: Assessment,
    cat: Catalogue,
    reg: Registry,
    state: CourseState,
) -> RegimenAssessment:
    crits = tuple(evaluate_criterion(c, patient, a, cat, reg) for c in cat.criteria_of(r))
    failure = state.tace_failure
    if failure is not None:
        crits = tuple(_migrated(c, failure, a, cat, reg) for c in crits)
        if cat.stage_migration.component in r.components:
            crits = (failure_criterion(failure, cat, reg), *crits)
    if state.deceased is not None:
        crits = (deceased_criterion(state.deceased), *crits)
    evidence = tuple(_evidence(reg.get(e.trial), e.arm, e.comparator, crits) for e in r.evidence)
    comparison = _comparison(reg.get(r.evidence[0].trial), evidence) if r.evidence else "none"
    return RegimenAssessment(
        id=r.id,
        label=r.label,
        kind=r.kind,
        components=r.components,
        status=status_of(crits),
        criteria=crits,
        evidence=evidence,
        level=_cited_text(r.level, cat, reg),
        caveats=tuple(_cited_text(c, cat, reg) for c in r.caveats),
        comparison=comparison,
    )


def _comparison(trial: Trial, evidence: tuple[dict[str, Any], ...]) -> Comparison:
    """How the first supporting trial's comparison of the regimen came out."""
    if not evidence or not evidence[0]["results"]:
        return "none"
    positive = trial.status == "positive" and any(
        (res["p"] is not None and res["p"]["value"] < 0.05)
        or (res["hr"] is not None and res["hr"]["ci"] is not None and res["hr"]["ci"][1] < 1)
        for res in evidence[0]["results"]
    )
    return "positive" if positive else "negative"


def _order_key(r: RegimenAssessment, index: int, reg: Registry) -> tuple[int, int, int]:
    status_rank = STATUS_ORDER.index(r.status)
    if not r.evidence:
        design = 9
    else:
        t = reg.get(r.evidence[0]["trial"])
        phase3 = "III" in t.phase.split("(")[0] and "II/III" not in t.phase
        design = (0 if r.comparison == "positive" else 2) + (0 if phase3 else 1)
    return status_rank, design, index


def _negative_below_tace_alone(
    regimens: list[RegimenAssessment], tace_alone: str
) -> list[RegimenAssessment]:
    """Move each regimen with a negative comparison listed above TACE alone to just below it."""
    ids = [r.id for r in regimens]
    if tace_alone not in ids:
        return regimens
    k = ids.index(tace_alone)
    above = [r for r in regimens[:k] if r.comparison == "negative"]
    rest = [r for r in regimens[:k] if r.comparison != "negative"]
    return [*rest, regimens[k], *above, *regimens[k + 1 :]]


def _timing_source(reg: Registry, evidence: dict[str, Any]) -> str:
    """The source id of the supporting arm's timing statement ('' when it has none)."""
    t = reg.get(evidence["trial"])
    arm = next(x for x in t.arms if x.label == evidence["arm"])
    return arm.timing.source if arm.timing is not None else ""


def _steps(
    patient: PatientSnapshot,
    a: Assessment,
    regimens: list[RegimenAssessment],
    cat: Catalogue,
    reg: Registry,
) -> tuple[Step, ...]:
    bclc = a["bclc"]
    if isinstance(bclc, NotComputable):
        stage = f"BCLC not computable (missing {', '.join(bclc.missing) or bclc.reason})"
    else:
        d = bclc.to_dict()
        stage = (
            f"BCLC {d['stage']}"
            if d["stage"]
            else "BCLC needs MDT judgement: " + "; ".join(d["reasons"])  # type: ignore[arg-type]
        )
    cp = a["child_pugh"]
    liver = (
        f"Child-Pugh not computable (missing {', '.join(cp.missing)})"
        if isinstance(cp, NotComputable)
        else f"Child-Pugh {cp.to_dict()['class']} ({cp.to_dict()['score']} points)"
    )
    step1 = Step(
        number=1,
        title="Confirm BCLC stage and liver function",
        findings=(
            stage,
            liver,
            "The TACE + systemic trials enrolled Child-Pugh A (LEAP-012) or scores up to 7 "
            "(TACTICS, EMERALD-1 'A to B7'); see each regimen's criteria.",
        ),
        sources=(
            cat.source(SourceRef(source="bclc2022"), reg).text(),
            "evidence registry: TACTICS, EMERALD-1, LEAP-012 (eligibility criteria)",
        ),
    )
    rules: dict[str, CriterionResult] = {}
    for r in regimens:
        for c in r.criteria:
            if c.origin.startswith("component:") and not c.enrolled and c.rule not in rules:
                rules[c.rule] = c
    order = {"fail": 0, "unknown": 1, "caution": 2, "pass": 3}
    shown = sorted(rules.values(), key=lambda c: order[c.result])
    step2 = Step(
        number=2,
        title="Assess the contraindications of each component (TACE, anti-angiogenic agents, "
        "checkpoint inhibitors)",
        findings=tuple(f"{c.result.upper()}: {c.reason}" for c in shown)
        or ("no component rule in the catalogue",),
        sources=tuple(sorted({c.citation for c in shown})),
    )
    seq = []
    for r in regimens:
        if r.kind != "tace+systemic" or r.status == "not_eligible":
            continue
        for e in r.evidence:
            t = reg.get(e["trial"])
            arm = next(x for x in t.arms if x.label == e["arm"])
            if arm.timing is not None:
                flag = f" [conflict {arm.timing.conflict}]" if arm.timing.conflict else ""
                seq.append(f"{r.label}: {arm.timing.text}{flag} ({t.id})")
    step3 = Step(
        number=3,
        title="Choose the sequence of systemic therapy and TACE",
        findings=tuple(seq) or ("no TACE + systemic regimen is eligible or pending information",),
        sources=tuple(
            dict.fromkeys(
                cite_source(cat, reg, SourceRef(trial=e["trial"], source=_timing_source(reg, e)))
                for r in regimens
                if r.kind == "tace+systemic" and r.status != "not_eligible"
                for e in r.evidence
                if _timing_source(reg, e)
            )
        ),
    )
    questions: list[str] = []
    cited: dict[str, None] = {}
    for r in regimens:
        if r.status == "not_eligible":
            continue  # its open points cannot change the decision
        for c in r.criteria:
            if c.result in ("unknown", "caution"):
                q = c.reason
                if q not in questions:
                    questions.append(q)
                    cited.update(dict.fromkeys(c.citations or (c.citation,)))
    step4 = Step(
        number=4,
        title="Discuss at the hepatobiliary MDT",
        findings=tuple(questions) or ("no open question from the encoded criteria",),
        sources=tuple(cited),
    )
    tactics = reg.get("TACTICS")
    step5 = Step(
        number=5,
        title="Monitor response jointly",
        findings=(
            "TACTICS: CT 4 weeks after each TACE, then dynamic CT/MRI every 8 weeks; repeat TACE "
            "when viable tumour exceeds 50% of baseline (tacepath response, "
            "repeat_tace_indication).",
            "The seed page suggests mRECIST for treated lesions and RECIST 1.1 overall every 4-8 "
            "weeks (secondary source); tacepath response reports both, with RECICL and EASL.",
        ),
        sources=(
            tactics.source("lc2022").text(),
            cat.source(SourceRef(source="seed_cf"), reg).text(),
        ),
    )
    return (step1, step2, step3, step4, step5)


def pathway(
    patient: PatientSnapshot,
    *,
    timeline: Timeline | None = None,
    tace_failure: TaceFailureState | str | None = None,
    state: CourseState | None = None,
    cat: Catalogue | None = None,
    reg: Registry | None = None,
) -> PathwayResult:
    """Walk the five steps for ``patient`` and assess every regimen of the catalogue.

    TACE failure (recorded in the history; else derived from ``timeline``; else
    ``tace_failure`` as given by a caller) makes every option containing TACE not eligible and
    applies treatment-stage migration to the systemic options. Death (from ``timeline``)
    makes every option not eligible: "deceased on DATE" (docs/pathway.md). ``state``, when
    given, is the course state already read from the record (:func:`tacepath.pathway.decision.
    decide` passes its own so that every part of a decision reads the same one).
    """
    cat = cat or catalogue()
    reg = reg or registry()
    if state is None:
        given = (
            TaceFailureState(criterion=tace_failure, date=None, origin="given")
            if isinstance(tace_failure, str)
            else tace_failure
        )
        state = course_state(patient, timeline, given=given)
    a = assess(patient)
    assessed = [_assess_regimen(r, patient, a, cat, reg, state) for r in cat.regimens]
    order = sorted(range(len(assessed)), key=lambda i: _order_key(assessed[i], i, reg))
    regimens = tuple(_negative_below_tace_alone([assessed[i] for i in order], TACE_ALONE))
    notes = list(a.warnings)
    if patient.history is None:
        notes.append(
            "No history given: every contraindication and trial criterion that reads it is "
            "unknown, so no regimen can be eligible (add the history object)."
        )
    if state.tace_failure is not None:
        f = state.tace_failure
        notes.append(
            f"{f.text} ({f.note or f.origin}): TACE is not repeated; systemic options are "
            "assessed after treatment-stage migration (docs/pathway.md)."
        )
    steps = _steps(patient, a, list(regimens), cat, reg)
    if state.deceased is not None:
        notes.append(f"{state.deceased_text}: no treatment option, plan or trial match.")
        steps = tuple(
            Step(number=s.number, title=s.title, findings=(state.deceased_text,)) for s in steps
        )
    return PathwayResult(
        id=patient.id,
        steps=steps,
        regimens=regimens,
        notes=tuple(notes),
        tace_failure=state.tace_failure,
        deceased=state.deceased,
    )
