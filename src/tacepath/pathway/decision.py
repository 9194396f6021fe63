"""One patient's decision, computed once: course state, pathway, trials, follow-up, plan.

Every view of a patient — ``tacepath pathway``/``followup``/``schedule``/``match``/``summary``,
the API, the web patient page, the MDT and patient summaries — renders a
:class:`PatientDecision` made here, so they cannot disagree: the TACE failure and death are
read once from the record (:func:`~tacepath.pathway.course_state.course_state`) and handed
to each engine (docs/pathway.md, "One decision").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tacepath.pathway.course_state import (
    CourseState,
    TaceFailureState,
    course_state,
    timeline_state,
)
from tacepath.pathway.followup import FollowUpDecision, followup, regimen_id, under_review
from tacepath.pathway.matching import TrialMatch, match_trials
from tacepath.pathway.pathway import PathwayResult, RegimenAssessment, pathway
from tacepath.pathway.schedule import Schedule, find_schedule, schedule

if TYPE_CHECKING:
    from tacepath.domain.patient import PatientSnapshot
    from tacepath.domain.timeline import Timeline

__all__ = ["PatientDecision", "decide"]

#: How far the plan is laid out from the timeline's start (months, the schedule's default).
PLAN_MONTHS = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientDecision:
    """Everything decided for one patient, from one reading of the record.

    ``pathway`` and ``matches`` need a snapshot; ``followup`` and ``plan`` need a timeline
    and the current regimen. After death there are no options, matches or plan; the
    follow-up decision says ``deceased``.
    """

    id: str
    patient: PatientSnapshot | None
    timeline: Timeline | None
    state: CourseState
    regimen: str | None
    pathway: PathwayResult | None
    matches: tuple[TrialMatch, ...]
    followup: FollowUpDecision | None
    plan: Schedule | None
    plan_note: str = ""

    @property
    def deceased_text(self) -> str:
        return self.state.deceased_text

    @property
    def options(self) -> tuple[RegimenAssessment, ...]:
        """The regimens a patient may be offered: eligible or needing information (none after
        death; none containing TACE after TACE failure, which the pathway already fails)."""
        if self.pathway is None or self.state.deceased is not None:
            return ()
        return tuple(r for r in self.pathway.regimens if r.status != "not_eligible")

    def refusal(self, regimen: str) -> str | None:
        """Why ``regimen`` may not be chosen for this patient (an MDT outcome, a referral),
        or ``None`` when it is one of :attr:`options`: nothing after death, no regimen with
        TACE after TACE failure, no regimen the pathway found not eligible (fail closed,
        docs/pathway.md)."""
        if self.state.deceased is not None:
            return f"the patient is {self.deceased_text}: no treatment is chosen"
        if self.pathway is None:
            return "no snapshot of the patient: no regimen has been assessed"
        found = next((r for r in self.pathway.regimens if r.id == regimen), None)
        if found is None:
            shown = repr(regimen[:64])
            shown = shown if len(shown) <= 80 else shown[:79] + "…"  # never echoed whole
            return f"{shown} is not a regimen of the pathway"
        failure = self.state.tace_failure
        if failure is not None and "tace" in found.components:
            return f"TACE is not allowed: {failure.text}; TACE is not repeated"
        if found.status == "not_eligible":
            why = "; ".join(found.reasons[:2]) or "a criterion failed"
            return f"{found.label} is not eligible: {why}"
        return None

    def to_dict(self) -> dict[str, Any]:
        """``{"id", "deceased", "tace_failure", "regimen", "pathway", "matches", "followup",
        "plan", "plan_note", "options"}``; each part is its engine's own JSON contract."""
        f = self.state.tace_failure
        return {
            "id": self.id,
            "deceased": self.state.deceased.isoformat() if self.state.deceased else None,
            "tace_failure": f.to_dict() if f is not None else None,
            "regimen": self.regimen,
            "pathway": self.pathway.to_dict() if self.pathway is not None else None,
            "matches": [m.to_dict() for m in self.matches],
            "followup": self.followup.to_dict() if self.followup is not None else None,
            "plan": self.plan.to_dict() if self.plan is not None else None,
            "plan_note": self.plan_note,
            "options": [r.id for r in self.options],
        }


def _state(
    patient: PatientSnapshot | None,
    timeline: Timeline | None,
    given: TaceFailureState | None,
    died: dt.date | None,
) -> CourseState:
    if patient is not None:
        state = course_state(patient, timeline, given=given)
    elif timeline is not None:
        state = timeline_state(timeline)
        if state.tace_failure is None and given is not None:
            state = CourseState(tace_failure=given, deceased=state.deceased)
    else:
        state = CourseState(tace_failure=given)
    if state.deceased is None and died is not None:
        state = CourseState(tace_failure=state.tace_failure, deceased=died)
    return state


def _plan(
    timeline: Timeline | None,
    regimen: str | None,
    state: CourseState,
    start: dt.date | None,
    weight_kg: float | None,
) -> tuple[Schedule | None, str]:
    """The regimen's dated plan from the course start (the timeline's, else ``start``) and the
    timeline's TACE sessions, stopped at death or TACE failure; none after death, none for a
    regimen without a schedule. A weight-based dose uses ``weight_kg`` (the snapshot's)."""
    begin = timeline.start_date if timeline is not None else start
    if begin is None or regimen is None:
        return None, ""
    if state.deceased is not None:
        return None, f"{state.deceased_text}: no plan."
    if find_schedule(regimen) is None:
        return None, f"no dated schedule is encoded for {regimen}; the MDT sets the plan."
    f = state.tace_failure
    if f is not None and f.date is None:
        # every encoded schedule is a TACE plan; an undated failure leaves no date to stop at
        return None, f"{f.text}: TACE is not repeated, so no TACE plan."
    tace_dates = tuple(s.date for s in timeline.tace_sessions) if timeline is not None else ()
    plan = schedule(
        regimen, begin, tace_dates=tace_dates, months=PLAN_MONTHS, weight_kg=weight_kg,
        stop_at=state.stop,
    )  # fmt: skip
    return plan, ""


def decide(
    patient: PatientSnapshot | None,
    *,
    timeline: Timeline | None = None,
    regimen: str | None = None,
    tace_failure: TaceFailureState | str | None = None,
    start: dt.date | None = None,
    died: dt.date | None = None,
) -> PatientDecision:
    """The decision for one patient: ``patient`` (the current snapshot, if any), its
    ``timeline`` (if any) and the current ``regimen`` (for the follow-up decision and plan).

    ``tace_failure`` is a failure a caller knows of that neither the history nor the timeline
    records (a criterion id, or a state). The course state is read once and every engine
    gets that same state. ``start`` is the course start for the plan when there is no
    timeline yet (a course set up before its first imaging); ``died`` a date of death
    recorded outside a timeline (the timeline's own wins).
    """
    if patient is None and timeline is None:
        raise ValueError("decide() needs a patient snapshot, a timeline or both")
    if patient is not None and timeline is not None and timeline.id != patient.id:
        from tacepath.errors import InputError

        raise InputError("timeline.id", timeline.id, f"the patient's id {patient.id!r}")
    given = (
        TaceFailureState(criterion=tace_failure, date=None, origin="given")
        if isinstance(tace_failure, str)
        else tace_failure
    )
    state = _state(patient, timeline, given, died)
    regimen = regimen_id(regimen) if regimen is not None else None
    result = matches = None
    if patient is not None:
        result = pathway(patient, timeline=timeline, state=state)
        matches = match_trials(patient, timeline=timeline, state=state)
    follow = (
        followup(timeline, regimen, state=state)
        if timeline is not None and regimen is not None
        else None
    )
    if follow is not None and result is not None:
        current = result.regimen(follow.regimen)
        if current.status == "not_eligible":
            failed = tuple(c.reason for c in current.criteria if c.result == "fail")
            follow = under_review(follow, current.label, failed)
    weight = patient.weight_kg if patient is not None else None
    plan, note = _plan(timeline, regimen, state, start, weight)
    pid = patient.id if patient is not None else timeline.id  # type: ignore[union-attr]
    return PatientDecision(
        id=pid,
        patient=patient,
        timeline=timeline,
        state=state,
        regimen=regimen,
        pathway=result,
        matches=matches or (),
        followup=follow,
        plan=plan,
        plan_note=note,
    )
