"""The regimen catalogue as data: components and their rules, trial populations, regimens.

A regimen is a composition: its components (TACE and each drug) and the populations that
support it (the trial behind it, or a guideline's indication). Each component carries its
own cautions and contraindications (``components.yaml``); each population its criteria
(``regimens.yaml``). A regimen's criteria are computed from both — every rule of every
component it contains, then every criterion of its populations — never copied by hand
(:meth:`Catalogue.criteria_of`). Where a trial enrolled patients that a component's rule
would exclude, the population says so (``enrolled``) and that rule gives a ``caution`` naming
both sources instead of a silent pass or a silent exclusion.

Both files are checked on load: every criterion uses a check of the closed vocabulary of
:mod:`tacepath.pathway.eligibility`, every source resolves (to the catalogue's own sources
or to a trial of the evidence registry), every component, rule, population, evidence trial
and arm exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, model_validator

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.errors import InputErrors, Problem
from tacepath.evidence.model import Source
from tacepath.evidence.registry import Registry, registry

__all__ = [
    "CATALOGUE_FILE",
    "CHECKS",
    "COMPONENTS_FILE",
    "BoundCriterion",
    "Catalogue",
    "Component",
    "Criterion",
    "Enrolled",
    "EvidenceLink",
    "Population",
    "Regimen",
    "Rule",
    "SourceRef",
    "TrialCriteria",
    "catalogue",
    "load_catalogue",
]

CATALOGUE_FILE = Path(__file__).resolve().parent / "regimens.yaml"
COMPONENTS_FILE = Path(__file__).resolve().parent / "components.yaml"

Check = Literal[
    "bclc_in",
    "child_pugh_score_max",
    "child_pugh_class_in",
    "ecog_max",
    "hap_class_in",
    "age_min",
    "tumours_max",
    "tumour_diameter_max_mm",
    "prior_tace_max",
    "last_tace_months_before",
    "no_prior_systemic",
    "renal_function",
    "proteinuria_below",
    "hypertension_not_uncontrolled",
    "encephalopathy_absent",
    "no_refractory_ascites",
    "varices_not_high_risk_untreated",
    "autoimmune_disease",
    "no_organ_transplant",
    "event_window",
    "feature_absent",
    "mdt_confirms",
    "not_read",
]
#: The closed vocabulary of checks (implemented in eligibility.py).
CHECKS: tuple[str, ...] = get_args(Check)
#: What a failing check means: ``exclude`` -> the criterion fails (not eligible);
#: ``caution`` -> a relative contraindication or a judgement the source leaves to the MDT;
#: ``unknown`` -> the source's limit is not known (e.g. only the enrolled values were read).
OnFail = Literal["exclude", "caution", "unknown"]


class SourceRef(_Frozen):
    """A source: an entry of a registry trial (``trial`` + ``source``) or of the catalogue."""

    source: str
    trial: str | None = None


class ConflictRef(_Frozen):
    """A conflict recorded in the evidence registry."""

    trial: str
    id: str


class Criterion(_Frozen):
    """One criterion: a check with its parameter, what a failure means, wording and source.

    ``question`` is what the MDT is asked when the criterion gives ``caution`` (or, for
    ``on_fail: unknown``, why the answer is not known); the wording ``text`` otherwise.
    """

    id: str | None = None
    check: Check
    value: Any = None
    on_fail: OnFail = "exclude"
    text: str
    question: str | None = None
    source: SourceRef
    also: tuple[SourceRef, ...] = ()

    @model_validator(mode="after")
    def _question_when_not_exclusion(self) -> Criterion:
        if self.on_fail != "exclude" and not self.question:
            raise ValueError(f"a criterion with on_fail {self.on_fail!r} needs its question")
        if self.check in ("mdt_confirms", "not_read") and not self.question:
            raise ValueError(f"a {self.check} criterion needs its question")
        return self


class Rule(Criterion):
    """A caution or contraindication of one or more components (``components.yaml``)."""

    id: str
    components: tuple[str, ...] = Field(min_length=1)


class Component(_Frozen):
    """TACE or one drug: what a regimen is made of."""

    id: str
    label: str
    kind: Literal["procedure", "drug"]


class Condition(_Frozen):
    """A check that must pass for an ``enrolled`` note to apply (e.g. BCLC C only)."""

    check: Check
    value: Any = None


class Enrolled(_Frozen):
    """The trial enrolled patients whom a component's rule would exclude: that rule gives a
    ``caution`` naming both sources (only when ``when`` passes, if given)."""

    rule: str
    when: Condition | None = None
    text: str
    source: SourceRef


class Population(_Frozen):
    """Who the evidence behind a regimen applies to: a trial's population or a guideline's
    indication, with the criteria read and those marked not read."""

    id: str
    kind: Literal["trial", "guideline"]
    trial: str | None = None  # the evidence-registry trial, when the trial is in the registry
    label: str
    criteria: tuple[Criterion, ...]
    enrolled: tuple[Enrolled, ...] = ()


class CitedText(_Frozen):
    text: str
    source: SourceRef
    conflict: ConflictRef | None = None


class EvidenceLink(_Frozen):
    """A registry trial arm that supports a regimen (and its comparator arm)."""

    trial: str
    arm: str
    comparator: str | None = None


class Regimen(_Frozen):
    """A treatment option: its components, the populations behind it, the evidence."""

    id: str
    label: str
    components: tuple[str, ...] = Field(min_length=1)
    populations: tuple[str, ...] = ()
    evidence: tuple[EvidenceLink, ...]
    level: CitedText
    caveats: tuple[CitedText, ...] = ()

    @property
    def drugs(self) -> tuple[str, ...]:
        """The drug components (every component but TACE)."""
        return tuple(c for c in self.components if c != "tace")

    @property
    def kind(self) -> Literal["tace", "tace+systemic", "systemic"]:
        if "tace" not in self.components:
            return "systemic"
        return "tace+systemic" if self.drugs else "tace"


class TrialCriteria(_Frozen):
    """The stated eligibility of a registry trial that may still recruit (trial matching);
    the rules of its components apply as well."""

    trial: str
    recruitment: CitedText
    components: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...]
    enrolled: tuple[Enrolled, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class BoundCriterion:
    """A criterion as it applies to one regimen: where it comes from, and the trial
    enrolment notes that turn its failure into a caution."""

    criterion: Criterion
    origin: str  # "component:<id>" or "population:<id>"
    enrolled: tuple[Enrolled, ...] = ()


class _ComponentsFile(_Frozen):
    components: tuple[Component, ...] = Field(min_length=1)
    rules: tuple[Rule, ...]


class StageMigration(_Frozen):
    """What TACE failure changes (regimens.yaml ``stage_migration``): options containing
    ``component`` are not repeated; the criteria named in ``satisfies`` pass for a patient
    staged in ``from_stages`` (treatment-stage migration), citing ``migration``."""

    component: str
    not_repeated: CitedText
    satisfies: tuple[str, ...] = Field(min_length=1)
    from_stages: tuple[str, ...] = Field(min_length=1)
    migration: CitedText


class _RegimensFile(_Frozen):
    sources: tuple[Source, ...]
    populations: tuple[Population, ...]
    regimens: tuple[Regimen, ...] = Field(min_length=1)
    trial_matching: tuple[TrialCriteria, ...] = ()
    stage_migration: StageMigration


class Catalogue(_Frozen):
    """Components and their rules, populations, regimens, trials for matching, sources."""

    sources: tuple[Source, ...]
    components: tuple[Component, ...]
    rules: tuple[Rule, ...]
    populations: tuple[Population, ...]
    regimens: tuple[Regimen, ...] = Field(min_length=1)
    trial_matching: tuple[TrialCriteria, ...] = ()
    stage_migration: StageMigration

    def regimen(self, regimen_id: str) -> Regimen:
        from tacepath.errors import InputError

        for r in self.regimens:
            if r.id == regimen_id:
                return r
        raise InputError("regimen", regimen_id, ", ".join(r.id for r in self.regimens))

    def population(self, population_id: str) -> Population:
        return next(p for p in self.populations if p.id == population_id)

    def source(self, ref: SourceRef, reg: Registry) -> Source:
        if ref.trial is None:
            return next(s for s in self.sources if s.id == ref.source)
        return reg.get(ref.trial).source(ref.source)

    def rules_of(self, components: tuple[str, ...]) -> list[tuple[str, Rule]]:
        """Every rule of each component, in component order, each rule once."""
        out: list[tuple[str, Rule]] = []
        seen: set[str] = set()
        for comp in components:
            for r in self.rules:
                if comp in r.components and r.id not in seen:
                    seen.add(r.id)
                    out.append((comp, r))
        return out

    def criteria_of(self, item: Regimen | TrialCriteria) -> tuple[BoundCriterion, ...]:
        """The criteria of a regimen (or a trial to match): the union of its components'
        rules and its populations' criteria, with the enrolment notes that apply."""
        pops = [self.population(p) for p in getattr(item, "populations", ())]
        notes = [e for p in pops for e in p.enrolled]
        if isinstance(item, TrialCriteria):
            notes += item.enrolled
        out = [
            BoundCriterion(
                criterion=rule,
                origin=f"component:{comp}",
                enrolled=tuple(e for e in notes if e.rule == rule.id),
            )
            for comp, rule in self.rules_of(item.components)
        ]
        for p in pops:
            out += [BoundCriterion(criterion=c, origin=f"population:{p.id}") for c in p.criteria]
        if isinstance(item, TrialCriteria):
            out += [
                BoundCriterion(criterion=c, origin=f"trial:{item.trial}") for c in item.criteria
            ]
        return tuple(out)


def _check_references(cat: Catalogue, reg: Registry) -> list[Problem]:
    problems: list[Problem] = []
    own = {s.id for s in cat.sources}
    trial_ids = {t.id for t in reg}
    components = {c.id for c in cat.components}
    rule_ids = [r.id for r in cat.rules]
    pop_ids = {p.id for p in cat.populations}

    def ref(where: str, r: SourceRef) -> None:
        if r.trial is None:
            if r.source not in own:
                problems.append(Problem(f"{where}.source", r.source, f"one of {sorted(own)}"))
            return
        if r.trial not in trial_ids:
            problems.append(Problem(f"{where}.trial", r.trial, "a trial of the evidence registry"))
            return
        ids = {s.id for s in reg.get(r.trial).sources}
        if r.source not in ids:
            problems.append(
                Problem(f"{where}.source", r.source, f"a source of {r.trial}: {sorted(ids)}")
            )

    def criterion(where: str, c: Criterion) -> None:
        ref(where, c.source)
        for a in c.also:
            ref(f"{where}.also", a)

    def comps(where: str, ids: tuple[str, ...]) -> None:
        for c in ids:
            if c not in components:
                problems.append(Problem(where, c, f"a component: {sorted(components)}"))

    def conflict(where: str, c: ConflictRef | None) -> None:
        if c is None:
            return
        if c.trial not in trial_ids or c.id not in {x.id for x in reg.get(c.trial).conflicts}:
            problems.append(
                Problem(f"{where}.conflict", f"{c.trial} {c.id}", "a registry conflict")
            )

    for rule in cat.rules:
        criterion(f"rules[{rule.id}]", rule)
        comps(f"rules[{rule.id}].components", rule.components)
    for dup in {x for x in rule_ids if rule_ids.count(x) > 1}:
        problems.append(Problem("rules.id", dup, "a rule id used once"))
    for p in cat.populations:
        if p.trial is not None and p.trial not in trial_ids:
            problems.append(Problem(f"populations[{p.id}].trial", p.trial, "a registry trial"))
        for i, c in enumerate(p.criteria):
            criterion(f"populations[{p.id}].criteria[{i}]", c)
        for e in p.enrolled:
            ref(f"populations[{p.id}].enrolled[{e.rule}]", e.source)
            if e.rule not in rule_ids:
                problems.append(Problem(f"populations[{p.id}].enrolled.rule", e.rule, "a rule id"))
    for m in cat.trial_matching:
        if m.trial not in trial_ids:
            problems.append(Problem("trial_matching.trial", m.trial, "a registry trial"))
            continue
        ref(f"trial_matching[{m.trial}].recruitment", m.recruitment.source)
        comps(f"trial_matching[{m.trial}].components", m.components)
        for i, c in enumerate(m.criteria):
            criterion(f"trial_matching[{m.trial}].criteria[{i}]", c)
        for e in m.enrolled:
            ref(f"trial_matching[{m.trial}].enrolled[{e.rule}]", e.source)
            if e.rule not in rule_ids:
                problems.append(
                    Problem(f"trial_matching[{m.trial}].enrolled.rule", e.rule, "a rule id")
                )
    mig = cat.stage_migration
    comps("stage_migration.component", (mig.component,))
    ref("stage_migration.not_repeated", mig.not_repeated.source)
    ref("stage_migration.migration", mig.migration.source)
    criterion_ids = {c.id for p in cat.populations for c in p.criteria if c.id}
    for cid in mig.satisfies:
        if cid not in criterion_ids:
            problems.append(Problem("stage_migration.satisfies", cid, "a population criterion id"))
    for r in cat.regimens:
        comps(f"regimens[{r.id}].components", r.components)
        for p_id in r.populations:
            if p_id not in pop_ids:
                problems.append(
                    Problem(f"regimens[{r.id}].populations", p_id, f"one of {sorted(pop_ids)}")
                )
        ref(f"regimens[{r.id}].level", r.level.source)
        for i, cv in enumerate(r.caveats):
            ref(f"regimens[{r.id}].caveats[{i}]", cv.source)
            conflict(f"regimens[{r.id}].caveats[{i}]", cv.conflict)
        for link in r.evidence:
            if link.trial not in trial_ids:
                problems.append(
                    Problem(f"regimens[{r.id}].evidence", link.trial, "a registry trial")
                )
                continue
            arms = {a.id for a in reg.get(link.trial).arms}
            for arm in (link.arm, link.comparator):
                if arm is not None and arm not in arms:
                    problems.append(
                        Problem(f"regimens[{r.id}].evidence.arm", arm, f"an arm of {link.trial}")
                    )
    return problems


def load_catalogue(
    path: Path | None = None, reg: Registry | None = None, components: Path | None = None
) -> Catalogue:
    """Read the regimens and components files and check them against the registry."""
    regs = read_yaml_model(path or CATALOGUE_FILE, _RegimensFile)
    comps = read_yaml_model(components or COMPONENTS_FILE, _ComponentsFile)
    cat = Catalogue(
        sources=regs.sources,
        components=comps.components,
        rules=comps.rules,
        populations=regs.populations,
        regimens=regs.regimens,
        trial_matching=regs.trial_matching,
        stage_migration=regs.stage_migration,
    )
    problems = _check_references(cat, reg or registry())
    if problems:
        raise InputErrors(problems)
    return cat


@cache
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded once (immutable data shipped with tacepath)."""
    return load_catalogue()
