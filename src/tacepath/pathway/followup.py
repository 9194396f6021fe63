"""The decision at the latest follow-up visit: repeat TACE, continue, or TACE failure → switch.

Reads the patient's timeline with the response engine (TACTICS unTACEable progression, the
JSH-LCSGJ refractoriness criteria, the TACTICS repeat-TACE trigger) and the regimen's
protocol. A new lesion treated at an earlier TACE (``tace_sessions[].treated_lesions``) is
read by its viable state after that TACE, not as a new lesion waiting for washout or
calling for TACE. Every decision carries the rule that made it and its source; what the sources do
not settle (e.g. what a trial did after TACE failure, when not read) is left to the MDT and
said so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from tacepath.domain.timeline import Timeline
from tacepath.domain.values import frozen
from tacepath.evidence.registry import registry
from tacepath.jsonsafe import JsonFields
from tacepath.pathway.course_state import FAILURE_NAMES, CourseState, TaceFailureState
from tacepath.pathway.model import catalogue
from tacepath.pathway.schedule import find_schedule
from tacepath.response.markers import jsh_marker_item
from tacepath.response.tace_failure import (
    jsh_refractoriness,
    repeat_tace_indication,
    untaceable_progression,
)

__all__ = [
    "Decision",
    "FollowUpDecision",
    "ImagingPlan",
    "followup",
    "imaging_plan",
    "regimen_id",
    "under_review",
]

Decision = Literal[
    "repeat-tace", "continue", "tace-failure", "wait", "deceased", "no-follow-up", "mdt-review"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImagingPlan:
    """The imaging of a regimen's own protocol (schedules.yaml), or that none was found."""

    first: str
    next: str
    source: str


def _weeks(days: int) -> str:
    return f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"


def imaging_plan(regimen: str) -> ImagingPlan:
    """The regimen's imaging rule from its own trial's protocol (schedules.yaml: after each
    TACE, e.g. TACTICS, or from the start, e.g. LEAP-012); where the sources read give none,
    the plan says so and leaves the interval to the MDT (no other trial's is borrowed)."""
    found = find_schedule(regimen)
    rule = found.imaging if found is not None else None
    if rule is None:
        label = catalogue().regimen(regimen).label
        none = (
            f"imaging interval: not in the sources read for {label}; the MDT sets it "
            "(no other trial's interval is used)"
        )
        return ImagingPlan(first=none, next=none, source="")
    trial = f"{rule.source.trial} protocol" if rule.source.trial else "protocol"
    after = "TACE" if rule.from_ == "each_tace" else "the start of treatment"
    return ImagingPlan(
        first=f"first response assessment: imaging {_weeks(rule.first_after_days)} after "
        f"{after} ({trial})",
        next=f"next imaging in {_weeks(rule.then_every_days)} ({trial})",
        source=catalogue().source(rule.source, registry()).text(),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpDecision(JsonFields):
    """The decision at ``date`` with its reasons, the TACE-failure results and next steps."""

    id: str
    regimen: str
    date: dt.date
    decision: Decision
    reasons: tuple[str, ...]
    next_steps: tuple[str, ...]
    sources: tuple[str, ...]
    untaceable_progression: Mapping[str, Any]
    jsh_refractoriness: Mapping[str, Any]
    repeat_tace: Mapping[str, Any] | None
    drug_actions: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        for name in ("untaceable_progression", "jsh_refractoriness", "repeat_tace", "drug_actions"):
            object.__setattr__(self, name, frozen(getattr(self, name)))


def under_review(d: FollowUpDecision, label: str, why: tuple[str, ...]) -> FollowUpDecision:
    """``d`` when the current regimen is no longer eligible on the current record (``why``:
    its failed criteria): an MDT review of the regimen comes before continuing or repeating
    anything; TACE failure and death stand as they are."""
    if d.decision in ("tace-failure", "deceased") or not why:
        return d
    return replace(
        d,
        decision="mdt-review",
        reasons=(f"{label} is not eligible on the current record: " + "; ".join(why), *d.reasons),
        next_steps=(
            f"MDT review of {label} before it is continued (the engine would otherwise have "
            f"said: {d.decision})",
            *d.next_steps,
        ),
    )


def _drug_actions(timeline: Timeline, rid: str) -> tuple[dict[str, Any], ...]:
    """The label's action for each adverse event since the previous assessment."""
    from tacepath.errors import InputError
    from tacepath.pathway.ctcae import grade
    from tacepath.pathway.dosing import dose_action

    last = timeline.assessments[-1].date
    prev = timeline.assessments[-2].date if len(timeline.assessments) > 1 else timeline.start_date
    drugs = catalogue().regimen(rid).drugs
    out: list[dict[str, Any]] = []
    for i, ae in enumerate(timeline.adverse_events):
        if not prev < ae.date <= last:
            continue
        where = f"{timeline.id}.adverse_events[{i}]"
        if ae.grade is not None:
            event: Any = (ae.term, ae.grade)
        else:
            try:
                event = grade(ae.term, **ae.values)  # type: ignore[arg-type]
            except (InputError, TypeError) as exc:
                raise InputError(f"{where}.values", ae.values, str(exc)) from exc
        for drug in (ae.drug,) if ae.drug else drugs:
            if ae.current_dose is None:
                out.append(
                    {
                        "date": ae.date.isoformat(),
                        "drug": drug,
                        "event": ae.term,
                        "action": "needs-information",
                        "needs": ["current_dose of the adverse event record"],
                    }
                )
                continue
            act = dose_action(
                drug, event, current_dose=ae.current_dose, occurrence=ae.occurrence,
                facts=ae.facts,
            )  # fmt: skip
            out.append({"date": ae.date.isoformat(), **act.to_dict()})
    return tuple(out)


def _failure_outside_timeline(state: CourseState | None) -> TaceFailureState | None:
    """A TACE failure recorded in the history (or given), whatever its date: the decision is
    taken now, and once TACE has failed it is not proposed again, even when the failure was
    recorded after the last imaging. One derived from the timeline is read from the timeline
    itself."""
    f = state.tace_failure if state is not None else None
    if f is None or f.origin == "timeline":
        return None
    return f


def regimen_id(name: str) -> str:
    """The regimen id of ``name``: an id of the catalogue or an alias of its schedule."""
    found = find_schedule(name)
    rid = found.regimen if found is not None else name.strip()
    catalogue().regimen(rid)  # raises InputError naming the known ids
    return rid


def followup(
    timeline: Timeline, regimen: str, *, state: CourseState | None = None
) -> FollowUpDecision:
    """Decide at the latest assessment of ``timeline`` for a patient on ``regimen``.

    ``state`` is the course state read from the whole record (:func:`~tacepath.pathway.
    course_state.course_state`): a TACE failure recorded in the patient history (or given)
    ends TACE here too, as it does in the pathway, even when the timeline alone does not
    show it (docs/pathway.md)."""
    rid = regimen_id(regimen)
    last = timeline.assessments[-1]
    up = untaceable_progression(timeline)
    jsh = jsh_refractoriness(timeline)
    imaging = imaging_plan(rid)

    death = state.deceased if state is not None else timeline.date_of_death
    # after death: no drug action, no next step (docs/pathway.md, "Death")
    actions = _drug_actions(timeline, rid) if death is None else ()
    # JSH item 2 is not quantified: its questions go to the MDT, never into the decision
    markers = (
        tuple(f"MDT review: {q}" for q in jsh_marker_item(timeline).questions)
        if death is None
        else ()
    )
    holds = tuple(
        f"{a['drug']}: {a['action']} for {a['event']}"
        + (f" (resume: {a['resume']})" if a.get("resume") else "")
        + (f"; new dose {a['new_dose']}" if a.get("new_dose") else "")
        for a in actions
        if a["action"] not in ("continue",)
    )

    def make(
        decision: Decision,
        reasons: tuple[str, ...],
        next_steps: tuple[str, ...],
        sources: tuple[str, ...],
        repeat_tace: dict[str, Any] | None,
    ) -> FollowUpDecision:
        return FollowUpDecision(
            id=timeline.id,
            regimen=rid,
            date=last.date,
            decision=decision,
            reasons=reasons,
            next_steps=(*holds, *next_steps, *markers),
            sources=sources,
            untaceable_progression=up.summary(),
            jsh_refractoriness=jsh.summary(),
            repeat_tace=repeat_tace,
            drug_actions=actions,
        )

    if death is not None:
        return make("deceased", (f"deceased on {death.isoformat()}",), (), (), None)
    # JSH refractoriness first: on the same date it is the one named (as in course_state)
    failed = [r for r in (jsh, up) if r.event and r.date is not None and r.date <= last.date]
    outside = _failure_outside_timeline(state)
    if not timeline.follow_ups and outside is None:
        return make(
            "no-follow-up",
            ("only the baseline assessment is recorded",),
            (imaging.first,),
            tuple(x for x in (imaging.source,) if x),
            None,
        )
    if failed or outside is not None:
        if failed:
            first_name = min(failed, key=lambda r: r.date or last.date).name
            reasons = tuple(f"{r.name}: {r.why}" for r in failed)
        else:
            first_name, reasons = "", ()
        if outside is not None:
            reasons = (f"{outside.text}: {outside.note or outside.origin}", *reasons)
            first_name = first_name or FAILURE_NAMES.get(outside.criterion, outside.criterion)
        rules = find_schedule(rid)
        told = rules.after_failure if rules is not None else None
        after = (
            told.text
            if told is not None
            else "What the supporting trial did after TACE failure is not in the sources read: "
            "an MDT decision."
        )
        after_source = catalogue().source(told.source, registry()).text() if told else ""
        systemic = [r.label for r in catalogue().regimens if r.kind == "systemic"]
        steps = (
            "stop TACE",
            after,
            "review the systemic options in the pathway on the current record: "
            + "; ".join(systemic),
        )
        return make(
            "tace-failure",
            (f"TACE failure first by {first_name}", *reasons),
            steps,
            tuple(
                dict.fromkeys(s for s in (str(up.citation), str(jsh.citation), after_source) if s)
            ),
            None,
        )
    rep = repeat_tace_indication(timeline, at=last.date)
    review = ("MDT review: " + "; ".join(rep.review),) if rep.review else ()
    own_trigger = (found := find_schedule(rid)) is not None and found.repeat_trigger is not None
    if rep.indicated and not own_trigger:
        regimen_def = catalogue().regimen(rid)
        trial = regimen_def.evidence[0].trial if regimen_def.evidence else regimen_def.label
        return make(
            "mdt-review",
            (
                *rep.reasons,
                f"TACTICS' trigger would repeat TACE; the retreatment rule of {trial} is not "
                "in the sources read, so TACTICS' is not applied to it",
                *rep.notes,
            ),
            ("MDT review: repeat TACE or not, under the regimen's own protocol", *review),
            (str(rep.citation),),
            rep.to_dict(),
        )
    if rep.indicated:
        return make(
            "repeat-tace",
            (*rep.reasons, *rep.notes),
            (
                "schedule the next TACE (the regimen's plan gives the holds and scans around it)",
                *review,
            ),
            (str(rep.citation),),
            rep.to_dict(),
        )
    if rep.wait:
        return make(
            "wait",
            (*rep.wait, *rep.notes),
            ("confirm arterial enhancement with washout on the next scan", *review),
            (str(rep.citation),),
            rep.to_dict(),
        )
    pct = rep.pct_of_baseline
    shown = f"{pct:.1f}% of baseline" if pct is not None else "not measurable"
    return make(
        "continue",
        (
            f"viable tumour {shown} ("
            + ("repeat TACE above 50%" if own_trigger else "TACTICS would repeat TACE above 50%")
            + "); no TACE failure",
            *rep.treated,
            *rep.notes,
        ),
        (*review, imaging.next),
        tuple(x for x in (str(rep.citation), imaging.source) if x),
        rep.to_dict(),
    )
