"""The regimen catalogue as data: regimens, their eligibility criteria, drug screens, sources.

Loaded from ``regimens.yaml`` in this package and checked on load: every criterion uses a
check of the closed vocabulary of :mod:`tacepath.pathway.eligibility`, every source
resolves (to the catalogue's own sources or to a trial of the evidence registry), every
evidence link names a registry trial and arm.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from tacepath.domain.datafile import read_yaml_model
from tacepath.errors import InputErrors, Problem
from tacepath.evidence.model import Source
from tacepath.evidence.registry import Registry, registry

__all__ = [
    "CHECKS",
    "Catalogue",
    "Criterion",
    "EvidenceLink",
    "Regimen",
    "SourceRef",
    "TrialCriteria",
    "catalogue",
    "load_catalogue",
]

CATALOGUE_FILE = Path(__file__).resolve().parent / "regimens.yaml"

Check = Literal[
    "bclc_in",
    "child_pugh_score_max",
    "child_pugh_class_in",
    "ecog_max",
    "no_macrovascular_invasion",
    "no_extrahepatic_spread",
    "tumours_max",
    "tumour_diameter_max_mm",
    "prior_tace_max",
    "no_prior_systemic",
    "creatinine_below_mg_dl",
    "varices_not_high_risk_untreated",
    "no_variceal_bleeding",
    "hypertension_not_uncontrolled",
    "proteinuria_below",
    "no_thromboembolism",
    "no_active_autoimmune",
    "no_organ_transplant",
    "age_min",
    "hap_class_in",
    "mdt_confirms",
]
#: The closed vocabulary of checks (implemented in eligibility.py).
CHECKS: tuple[str, ...] = get_args(Check)
Severity = Literal["exclusion", "judgement"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRef(_Frozen):
    """A source: an entry of a registry trial (``trial`` + ``source``) or of the catalogue."""

    source: str
    trial: str | None = None


class ConflictRef(_Frozen):
    """A conflict recorded in the evidence registry."""

    trial: str
    id: str


class Criterion(_Frozen):
    """One eligibility criterion: a check with its parameter, wording and source."""

    check: Check
    value: Any = None
    severity: Severity
    text: str
    source: SourceRef
    also: tuple[SourceRef, ...] = ()


class Screen(Criterion):
    """A criterion applied to every regimen that contains one of ``drugs``."""

    id: str
    drugs: tuple[str, ...]


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
    """A treatment option: what it contains, the evidence for it, who is eligible."""

    id: str
    label: str
    kind: Literal["tace", "tace+systemic", "systemic"]
    drugs: tuple[str, ...]
    evidence: tuple[EvidenceLink, ...]
    level: CitedText
    criteria: tuple[Criterion, ...]
    caveats: tuple[CitedText, ...] = ()


class TrialCriteria(_Frozen):
    """The stated eligibility of a registry trial that may still recruit (trial matching)."""

    trial: str
    recruitment: CitedText
    drugs: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...]


class Catalogue(_Frozen):
    """All regimens, drug screens, trials for matching and the catalogue's own sources."""

    sources: tuple[Source, ...]
    screens: tuple[Screen, ...]
    regimens: tuple[Regimen, ...] = Field(min_length=1)
    trial_matching: tuple[TrialCriteria, ...] = ()

    def regimen(self, regimen_id: str) -> Regimen:
        from tacepath.errors import InputError

        for r in self.regimens:
            if r.id == regimen_id:
                return r
        raise InputError("regimen", regimen_id, ", ".join(r.id for r in self.regimens))

    def source(self, ref: SourceRef, reg: Registry) -> Source:
        if ref.trial is None:
            return next(s for s in self.sources if s.id == ref.source)
        return reg.get(ref.trial).source(ref.source)

    def screens_for(self, regimen: Regimen | TrialCriteria) -> list[Screen]:
        """The drug screens that apply to the drugs of a regimen or trial."""
        return [s for s in self.screens if set(s.drugs) & set(regimen.drugs)]


def _check_references(cat: Catalogue, reg: Registry) -> list[Problem]:
    problems: list[Problem] = []
    own = {s.id for s in cat.sources}
    trial_ids = {t.id for t in reg}

    def ref(where: str, r: SourceRef) -> None:
        if r.trial is None:
            if r.source not in own:
                problems.append(Problem(f"{where}.source", r.source, f"one of {sorted(own)}"))
            return
        if r.trial not in trial_ids:
            problems.append(Problem(f"{where}.trial", r.trial, "a trial of the evidence registry"))
            return
        t = reg.get(r.trial)
        ids = {s.id for s in t.sources}
        if r.source not in ids:
            problems.append(
                Problem(f"{where}.source", r.source, f"a source of {r.trial}: {sorted(ids)}")
            )

    def conflict(where: str, c: ConflictRef | None) -> None:
        if c is None:
            return
        if c.trial not in trial_ids or c.id not in {x.id for x in reg.get(c.trial).conflicts}:
            problems.append(
                Problem(f"{where}.conflict", f"{c.trial} {c.id}", "a registry conflict")
            )

    for s in cat.screens:
        ref(f"screens[{s.id}]", s.source)
        for a in s.also:
            ref(f"screens[{s.id}].also", a)
    for m in cat.trial_matching:
        if m.trial not in trial_ids:
            problems.append(Problem("trial_matching.trial", m.trial, "a registry trial"))
            continue
        ref(f"trial_matching[{m.trial}].recruitment", m.recruitment.source)
        for i, c in enumerate(m.criteria):
            ref(f"trial_matching[{m.trial}].criteria[{i}]", c.source)
    for r in cat.regimens:
        ref(f"regimens[{r.id}].level", r.level.source)
        for i, c in enumerate(r.criteria):
            ref(f"regimens[{r.id}].criteria[{i}]", c.source)
            for a in c.also:
                ref(f"regimens[{r.id}].criteria[{i}].also", a)
        for i, cv in enumerate(r.caveats):
            ref(f"regimens[{r.id}].caveats[{i}]", cv.source)
            conflict(f"regimens[{r.id}].caveats[{i}]", cv.conflict)
        for e in r.evidence:
            if e.trial not in trial_ids:
                problems.append(Problem(f"regimens[{r.id}].evidence", e.trial, "a registry trial"))
                continue
            arms = {a.id for a in reg.get(e.trial).arms}
            for arm in (e.arm, e.comparator):
                if arm is not None and arm not in arms:
                    problems.append(
                        Problem(f"regimens[{r.id}].evidence.arm", arm, f"an arm of {e.trial}")
                    )
    return problems


def load_catalogue(path: Path | None = None, reg: Registry | None = None) -> Catalogue:
    """Read and check the regimen catalogue against the evidence registry."""
    file = path or CATALOGUE_FILE
    cat = read_yaml_model(file, Catalogue)
    problems = _check_references(cat, reg or registry())
    if problems:
        raise InputErrors(problems)
    return cat


@cache
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded once (immutable data shipped with tacepath)."""
    return load_catalogue()
