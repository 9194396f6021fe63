"""The records a patient timeline holds: imaging assessments with their lesions, TACE sessions,
Child-Pugh, clinical events, drug periods, adverse events and tumour markers, and the size
limits of one timeline.

Each record checks its own fields (ranges, lengths, units); what holds across records (dates in
order, lesions followed from the baseline, nothing after death) is checked when a timeline
enters, by :func:`tacepath.domain.timeline.parse_timeline`. The conventions the fields follow
are in :mod:`tacepath.domain.timeline`, where every name here is imported from.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from tacepath.domain.labs import LabValue, convert
from tacepath.domain.patient import MAX_TUMOUR_DIAMETER_MM
from tacepath.domain.values import Identifier, Record

Organ = Literal[
    "liver",
    "lung",
    "lymph_node",
    "bone",
    "adrenal",
    "peritoneum",
    "brain",
    "pleura",
    "portal_vein",
    "ascites",
    "pleural_effusion",
    "other",
]
ORGANS: tuple[str, ...] = Organ.__args__  # type: ignore[attr-defined]

EventType = Literal[
    "death",
    "macrovascular_invasion",
    "extrahepatic_spread",
    "new_systemic_therapy",
    "transplant",
    "resection",
    "lost_to_follow_up",
    "withdrawal",
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]

LesionStatus = Literal["present", "too_small", "absent", "not_assessed"]
NonTargetStatus = Literal["present", "absent", "unequivocal_progression", "not_assessed"]

_MM = "a length in mm"

# Size limits of a timeline (validation limits, not clinical ones: a real course never comes
# near them; they bound the work and memory one request can ask for).
#: Imaging assessments in one timeline (every 6 weeks for 50 years is 434).
MAX_ASSESSMENTS = 500
#: Lesions of each kind (measured, non-target, new) in one assessment.
MAX_LESIONS = 100
#: TACE sessions in one timeline.
MAX_TACE_SESSIONS = 200
#: Child-Pugh records, clinical events, drug periods and adverse events in one timeline.
MAX_RECORDS = 2000
#: Characters of an identifier (patient, lesion) and of a short name (drug, dose, term).
MAX_ID_CHARS = 64
MAX_LESION_ID_CHARS = 40
MAX_NAME_CHARS = 120
#: Characters of a free-text ``detail``.
MAX_DETAIL_CHARS = 2000
#: Entries of an adverse event's ``values`` and ``facts``.
MAX_AE_ENTRIES = 30

_Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
_Key = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]


class Lesion(Record):
    """One measured lesion at one assessment (diameters in mm)."""

    id: Identifier = Field(
        min_length=1,
        max_length=MAX_LESION_ID_CHARS,
        description="Lesion identifier, stable across assessments.",
    )
    organ: Organ
    target: bool = Field(False, description="RECIST 1.1 / mRECIST target lesion (set at baseline).")
    status: LesionStatus = "present"
    longest_mm: float | None = Field(
        None, gt=0, le=MAX_TUMOUR_DIAMETER_MM, description="Longest diameter (whole lesion)."
    )
    perpendicular_mm: float | None = Field(
        None,
        gt=0,
        le=MAX_TUMOUR_DIAMETER_MM,
        description="Longest diameter perpendicular to the longest (whole lesion).",
    )
    short_axis_mm: float | None = Field(
        None, gt=0, le=MAX_TUMOUR_DIAMETER_MM, description="Short axis (lymph nodes)."
    )
    viable_longest_mm: float | None = Field(
        None,
        ge=0,
        le=MAX_TUMOUR_DIAMETER_MM,
        description="Longest diameter of the arterially enhancing (viable) part.",
    )
    viable_perpendicular_mm: float | None = Field(
        None,
        ge=0,
        le=MAX_TUMOUR_DIAMETER_MM,
        description="Perpendicular diameter of the viable part.",
    )
    typical_hcc: bool | None = Field(
        None, description="Arterial hyperenhancement typical of HCC (mRECIST target eligibility)."
    )

    @property
    def is_node(self) -> bool:
        return self.organ == "lymph_node"

    @property
    def intrahepatic(self) -> bool:
        return self.organ == "liver"


class NonTargetLesion(Record):
    """A non-target lesion, followed qualitatively."""

    id: Identifier = Field(min_length=1, max_length=MAX_LESION_ID_CHARS)
    organ: Organ
    status: NonTargetStatus = "present"
    viable: bool | None = Field(
        None,
        description="Intratumoral arterial enhancement persists (mRECIST/EASL); null = unknown.",
    )
    short_axis_mm: float | None = Field(None, gt=0, le=MAX_TUMOUR_DIAMETER_MM)


class NewLesion(Record):
    """A lesion absent at baseline, seen at this assessment."""

    id: Identifier | None = Field(
        None,
        min_length=1,
        max_length=MAX_LESION_ID_CHARS,
        description="Identifier to follow the lesion over visits.",
    )
    organ: Organ
    longest_mm: float | None = Field(None, gt=0, le=MAX_TUMOUR_DIAMETER_MM)
    short_axis_mm: float | None = Field(
        None, gt=0, le=MAX_TUMOUR_DIAMETER_MM, description="Short axis (lymph nodes)."
    )
    typical_hcc: bool | None = Field(
        None, description="Arterial hyperenhancement with washout (typical HCC pattern)."
    )
    porta_hepatis: bool = Field(
        False, description="Lymph node at the porta hepatis (mRECIST: malignant only if large)."
    )
    equivocal: bool = Field(False, description="Not unequivocally malignant yet.")
    cytology_malignant: bool | None = Field(
        None, description="Effusions: malignant cytology proven (mRECIST)."
    )

    @property
    def intrahepatic(self) -> bool:
        return self.organ == "liver"

    @property
    def size_mm(self) -> float | None:
        """The size that decides whether it counts: short axis for nodes, else longest."""
        if self.organ == "lymph_node":
            return self.short_axis_mm if self.short_axis_mm is not None else self.longest_mm
        return self.longest_mm


class Assessment(Record):
    """One imaging assessment (the first one of a timeline is the baseline)."""

    date: dt.date
    modality: Literal["CT", "MRI", "PET-CT", "other"] = "CT"
    lesions: tuple[Lesion, ...] = Field((), max_length=MAX_LESIONS)
    non_target: tuple[NonTargetLesion, ...] = Field((), max_length=MAX_LESIONS)
    new_lesions: tuple[NewLesion, ...] = Field((), max_length=MAX_LESIONS)
    afp_ng_ml: float | None = Field(None, ge=0, description="AFP, recorded (not used by rules).")


class TaceSession(Record):
    """One TACE session."""

    date: dt.date
    technique: Literal["cTACE", "DEB-TACE", "TAE", "other"] = "cTACE"
    regimen_changed: bool | None = Field(
        None,
        description="Chemotherapeutic agent changed or feeding artery re-analysed before this "
        "session (JSH-LCSGJ refractoriness); null = unknown.",
    )
    treated_lesions: tuple[str, ...] = Field(
        (),
        description="Ids of new liver lesions embolised at this session; afterwards each is "
        "recorded under lesions (target: false) at every assessment, not under new_lesions.",
    )


class ChildPughRecord(Record):
    """A Child-Pugh score on a date."""

    date: dt.date
    score: int = Field(ge=5, le=15)


class Event(Record):
    """A clinical event with a date."""

    date: dt.date
    type: EventType
    size_mm: float | None = Field(None, gt=0, description="Size (extrahepatic spread).")
    organ: Organ | None = None
    detail: str = Field("", max_length=MAX_DETAIL_CHARS)


class DrugPeriod(Record):
    """A period on a systemic drug (drawn on the course plot)."""

    drug: str = Field(min_length=1, max_length=80)
    start: dt.date
    end: dt.date | None = None


class AdverseEventRecord(Record):
    """An adverse event: its CTCAE term and either the grade assigned or the values to grade.

    ``drug`` is the suspected drug (absent: every drug of the regimen), ``current_dose`` the
    dose given when it occurred (needed for the dose rule), ``occurrence`` which occurrence
    of this event it is, ``values`` the inputs of CTCAE grading (``value``, ``uln``,
    ``baseline``, ``unit``, ``systolic``, ``diastolic``...) when no grade is given, ``facts``
    what a dose rule may ask (e.g. ``persistent_and_intolerable``).
    """

    date: dt.date
    term: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    grade: int | None = Field(None, ge=1, le=5)
    drug: str | None = Field(None, max_length=80)
    current_dose: str | None = Field(None, max_length=80)
    occurrence: int = Field(1, ge=1, le=100)
    values: dict[_Key, float | _Name | bool] = Field(
        default_factory=dict, max_length=MAX_AE_ENTRIES
    )
    facts: dict[_Key, bool] = Field(default_factory=dict, max_length=MAX_AE_ENTRIES)


#: The tumour markers a timeline may record (JSH: AFP and DCP/PIVKA-II are evaluated after
#: TACE, reference/response-criteria.md 4.3 and 5.1 item 2).
MarkerName = Literal["afp", "pivka_ii"]
MARKERS: tuple[str, ...] = MarkerName.__args__  # type: ignore[attr-defined]
#: PIVKA-II (DCP) is accepted in mAU/mL only: no conversion between its assays' units is
#: verified, so no other unit is taken.
PIVKA_II_UNITS = ("mAU/mL",)


class TumourMarker(Record):
    """A tumour-marker draw: AFP (ng/mL or µg/L; IU/mL with the assay's ``ng_per_iu``, as
    in the snapshot's labs) or PIVKA-II/DCP (mAU/mL)."""

    date: dt.date
    marker: MarkerName
    value: float = Field(ge=0, le=1.0e8, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=20)
    ng_per_iu: float | None = Field(None, gt=0, le=100)

    def canonical(self) -> float:
        """The value in the marker's canonical unit (AFP ng/mL, PIVKA-II mAU/mL)."""
        if self.marker == "afp":
            lab = LabValue(value=self.value, unit=self.unit, ng_per_iu=self.ng_per_iu)
            return convert("afp", lab)
        return self.value

    @property
    def canonical_unit(self) -> str:
        return "ng/mL" if self.marker == "afp" else "mAU/mL"


class Timeline(Record):
    """One patient's course. Build it with :func:`parse_timeline` (which checks it)."""

    id: Identifier = Field(min_length=1, max_length=MAX_ID_CHARS)
    start_date: dt.date = Field(description="Randomisation or treatment start.")
    assessments: tuple[Assessment, ...] = Field(min_length=1, max_length=MAX_ASSESSMENTS)
    tace_sessions: tuple[TaceSession, ...] = Field((), max_length=MAX_TACE_SESSIONS)
    child_pugh: tuple[ChildPughRecord, ...] = Field((), max_length=MAX_RECORDS)
    events: tuple[Event, ...] = Field((), max_length=MAX_RECORDS)
    drug_periods: tuple[DrugPeriod, ...] = Field((), max_length=MAX_RECORDS)
    adverse_events: tuple[AdverseEventRecord, ...] = Field((), max_length=MAX_RECORDS)
    markers: tuple[TumourMarker, ...] = Field((), max_length=MAX_RECORDS)
    last_contact_date: dt.date | None = None
    death_date: dt.date | None = None

    @property
    def baseline(self) -> Assessment:
        return self.assessments[0]

    @property
    def follow_ups(self) -> tuple[Assessment, ...]:
        return self.assessments[1:]

    @property
    def date_of_death(self) -> dt.date | None:
        """``death_date``, or the date of a ``death`` event."""
        if self.death_date is not None:
            return self.death_date
        for e in self.events:
            if e.type == "death":
                return e.date
        return None

    @property
    def last_known_alive(self) -> dt.date:
        """The latest date the patient is known alive (contact, assessment, session, record)."""
        dates = [a.date for a in self.assessments]
        dates += [s.date for s in self.tace_sessions] + [c.date for c in self.child_pugh]
        if self.last_contact_date is not None:
            dates.append(self.last_contact_date)
        return max(dates)

    def events_of(self, kind: str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.type == kind)
