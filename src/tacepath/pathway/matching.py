"""Trial matching: registry trials that may still recruit, against the patient's record.

A trial matches when no criterion fails — its stated criteria and the rules of its components
(TACE and each drug) — and the unknown or caution criteria are listed as open. Recruitment
status is never assumed: each match says how to check it.

After TACE failure (recorded, or derived from the timeline) every trial whose components
contain TACE is not eligible with that reason; after death there is no match at all
(docs/pathway.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from tacepath.clinical.assessment import assess
from tacepath.domain.patient import PatientSnapshot
from tacepath.evidence.model import Trial, TrialSite
from tacepath.evidence.registry import Registry, registry
from tacepath.pathway.course_state import CourseState, course_state
from tacepath.pathway.model import Catalogue, catalogue
from tacepath.pathway.pathway import (
    CriterionResult,
    cite_source,
    evaluate_criterion,
    failure_criterion,
)

if TYPE_CHECKING:
    from tacepath.domain.timeline import Timeline

__all__ = ["TrialMatch", "match_trials"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialMatch:
    """One candidate trial: verdict, criteria results and how to check recruitment."""

    trial: str
    name: str
    phase: str
    registry_ids: Mapping[str, str]
    verdict: Literal["possible", "not_eligible"]
    unmet: tuple[str, ...]
    open: tuple[str, ...]
    criteria: tuple[CriterionResult, ...]
    recruitment: str
    recruitment_source: str
    sites: tuple[Mapping[str, Any], ...] = ()

    @property
    def sites_note(self) -> str:
        """What the match says of the trial's sites: nothing is invented when none is stored."""
        if self.sites:
            return ""
        ids = ", ".join(self.registry_ids.values()) or "none stored"
        return f"No site list is stored for {self.name}: see its registry record ({ids})."

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "name": self.name,
            "phase": self.phase,
            "registry": dict(self.registry_ids),
            "verdict": self.verdict,
            "unmet": list(self.unmet),
            "open": list(self.open),
            "criteria": [c.to_dict() for c in self.criteria],
            "recruitment": self.recruitment,
            "recruitment_source": self.recruitment_source,
            "sites": [dict(x) for x in self.sites],
            "sites_note": self.sites_note,
        }


def _site(t: Trial, x: TrialSite) -> Mapping[str, Any]:
    """A stored site as a match shows it: its values, its status with the date it was read,
    and the citation of the record it comes from."""
    return MappingProxyType(
        {
            "name": x.name,
            "city": x.city,
            "country": x.country,
            "contact": x.contact,
            "status": x.status_text,
            "retrieved": x.retrieved.isoformat(),
            "source": t.source(x.source).text(),
        }
    )


def match_trials(
    patient: PatientSnapshot,
    *,
    timeline: Timeline | None = None,
    state: CourseState | None = None,
    cat: Catalogue | None = None,
    reg: Registry | None = None,
) -> tuple[TrialMatch, ...]:
    """Every trial of the catalogue's matching list, possible matches first; none after
    death (the timeline's date of death). ``state``: the course state already read from
    the record, if the caller has it."""
    cat = cat or catalogue()
    reg = reg or registry()
    state = state if state is not None else course_state(patient, timeline)
    if state.deceased is not None:
        return ()
    a = assess(patient)
    out = []
    for m in cat.trial_matching:
        t = reg.get(m.trial)
        crit = tuple(evaluate_criterion(c, patient, a, cat, reg) for c in cat.criteria_of(m))
        if state.tace_failure is not None and cat.stage_migration.component in m.components:
            crit = (failure_criterion(state.tace_failure, cat, reg), *crit)
        unmet = tuple(c.reason for c in crit if c.result == "fail")
        open_ = tuple(c.reason for c in crit if c.result in ("unknown", "caution"))
        out.append(
            TrialMatch(
                trial=t.id,
                name=t.name,
                phase=t.phase,
                registry_ids=MappingProxyType(dict(t.registry)),
                verdict="not_eligible" if unmet else "possible",
                unmet=unmet,
                open=open_,
                criteria=crit,
                recruitment=m.recruitment.text,
                recruitment_source=cite_source(cat, reg, m.recruitment.source),
                sites=tuple(_site(t, x) for x in t.sites),
            )
        )
    out.sort(key=lambda x: x.verdict != "possible")
    return tuple(out)
