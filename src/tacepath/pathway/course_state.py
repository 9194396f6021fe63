"""Where the patient's course stands for the pathway: TACE failure and death.

Both come from the record: a TACE failure recorded in the history
(``history.tace_failure``) or derived from the timeline by the response engine
(:mod:`tacepath.response.tace_failure`: unTACEable progression, JSH refractoriness); death
from the timeline (``death_date`` or a ``death`` event). A recorded failure wins when both
exist, and the result says which was used (docs/pathway.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tacepath.domain.patient import PatientSnapshot
    from tacepath.domain.timeline import Timeline

__all__ = [
    "FAILURE_NAMES",
    "CourseState",
    "FailureOrigin",
    "TaceFailureState",
    "course_state",
    "derived_failure",
    "timeline_state",
]

FailureOrigin = Literal["recorded", "timeline", "given"]


#: How each failure criterion is named to clinicians (the ids are the timeline's and the
#: record's): TACTICS' unTACEable progression (Kudo 2022), the JSH-LCSGJ refractoriness
#: criteria (Kudo 2014).
FAILURE_NAMES = {
    "untaceable_progression": "unTACEable progression, TACTICS",
    "jsh_refractoriness": "refractoriness, JSH-LCSGJ criteria",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TaceFailureState:
    """A TACE failure as the pathway uses it: criterion, date, and where it came from."""

    criterion: str
    date: dt.date | None
    origin: FailureOrigin
    note: str = ""

    @property
    def text(self) -> str:
        """``TACE failure (criterion's name) on DATE``."""
        on = f" on {self.date.isoformat()}" if self.date is not None else ""
        return f"TACE failure ({FAILURE_NAMES.get(self.criterion, self.criterion)}){on}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "date": self.date.isoformat() if self.date is not None else None,
            "origin": self.origin,
            "note": self.note,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseState:
    """TACE failure and death, if any."""

    tace_failure: TaceFailureState | None = None
    deceased: dt.date | None = None

    @property
    def deceased_text(self) -> str:
        return f"deceased on {self.deceased.isoformat()}" if self.deceased else ""

    @property
    def stop(self) -> tuple[dt.date, str] | None:
        """Where a TACE-based plan stops: the earlier of death and a dated TACE failure."""
        stops: list[tuple[dt.date, str]] = []
        if self.deceased is not None:
            stops.append((self.deceased, self.deceased_text))
        f = self.tace_failure
        if f is not None and f.date is not None:
            stops.append((f.date, f"{f.text}: TACE is not repeated"))
        return min(stops) if stops else None


def derived_failure(timeline: Timeline) -> TaceFailureState | None:
    """The earliest TACE failure the response engine finds in ``timeline`` (or None)."""
    from tacepath.response.tace_failure import jsh_refractoriness, untaceable_progression

    hits = [
        (r.date or dt.date.max, name, r)
        for name, r in (
            ("jsh_refractoriness", jsh_refractoriness(timeline)),
            ("untaceable_progression", untaceable_progression(timeline)),
        )
        if r.event
    ]
    if not hits:
        return None
    hits.sort(key=lambda h: h[0])  # earliest; same date: JSH refractoriness named first
    first = hits[0]
    note = "; ".join(f"{r.name}: {r.criterion_text} on {d.isoformat()}" for d, _, r in hits)
    return TaceFailureState(
        criterion=first[1],
        date=first[2].date,
        origin="timeline",
        note=f"derived from the timeline: {note}",
    )


def timeline_state(timeline: Timeline) -> CourseState:
    """TACE failure derived from ``timeline`` and its date of death (no patient record)."""
    return CourseState(tace_failure=derived_failure(timeline), deceased=timeline.date_of_death)


def course_state(
    patient: PatientSnapshot,
    timeline: Timeline | None = None,
    *,
    given: TaceFailureState | None = None,
) -> CourseState:
    """TACE failure (recorded in the history, else derived from the timeline, else
    ``given``) and the date of death (from the timeline)."""
    derived = timeline_state(timeline).tace_failure if timeline is not None else None
    recorded = patient.history.tace_failure if patient.history is not None else None
    failure: TaceFailureState | None
    if recorded is not None:
        note = "recorded in the patient history"
        if derived is not None:
            note += f" (used; the timeline also gives {derived.text}, {derived.note})"
        failure = TaceFailureState(
            criterion=recorded.criterion, date=recorded.date, origin="recorded", note=note
        )
    else:
        failure = derived or given
    death = timeline.date_of_death if timeline is not None else None
    return CourseState(tace_failure=failure, deceased=death)
