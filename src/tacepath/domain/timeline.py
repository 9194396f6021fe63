"""A patient's longitudinal record: imaging assessments, TACE sessions, Child-Pugh, events.

The timeline is the single input of every response criterion (:mod:`tacepath.response`) and of
the trial endpoints (:mod:`tacepath.adam.endpoints`). It is checked once, when it enters
(:func:`parse_timeline`): dates in order, nothing measured after death, no target lesion that
vanishes from the record without being declared, a baseline with at least one target, and no
impossible size. Every refusal names the patient, the date, the lesion and the field.

Conventions
-----------
* The first assessment is the baseline; ``start_date`` is randomisation or treatment start.
* ``lesions`` holds every *measured* lesion. ``target: true`` marks the RECIST 1.1 / mRECIST
  target lesions (chosen at baseline, at most 5 in total and 2 per organ, RECIST 1.1 [1]_);
  measured liver lesions with ``target: false`` still count for the bidimensional criteria
  (EASL, RECICL, TACTICS use up to the five largest intrahepatic lesions [3]_).
* Every baseline target lesion appears at every follow-up with a ``status``: ``present``
  (measured), ``too_small`` (present, too small to measure: RECIST records 5 mm [1]_),
  ``absent`` (disappeared: 0 mm) or ``not_assessed``.
* Lymph nodes (``organ: "lymph_node"``) carry ``short_axis_mm`` [1]_.
* ``viable_longest_mm`` / ``viable_perpendicular_mm`` are the arterially enhancing part of the
  lesion (mRECIST, EASL, RECICL [2]_); 0 means no enhancing tissue left.
* ``new_lesions`` lists every lesion absent at baseline and seen at this assessment; give it an
  ``id`` to follow it over visits (needed for equivocal lesions confirmed later).
* A TACE session's ``treated_lesions`` names the new liver lesions it embolised. From then on
  such a lesion is a measured lesion (``lesions``, ``target: false``) at every assessment, no
  longer a new one (:mod:`tacepath.domain.treated`).

References
----------
.. [1] Eisenhauer EA, et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer 2009;45(2):228-247. doi:10.1016/j.ejca.2008.10.026
.. [2] Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma.
   Semin Liver Dis 2010;30(1):52-60. doi:10.1055/s-0030-1247132
.. [3] Kudo M, et al. Final results of TACTICS. Liver Cancer 2022;11(4):354-367.
   doi:10.1159/000522547
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from tacepath.domain._lesion_checks import baseline_target_problems, lesion_problems
from tacepath.domain.labs import LabValue, check_lab, convert
from tacepath.domain.patient import MAX_TUMOUR_DIAMETER_MM
from tacepath.domain.treated import treated_lesion_problems
from tacepath.domain.values import Identifier, Record
from tacepath.errors import InputError, InputErrors, Problem

__all__ = [
    "EVENT_TYPES",
    "MARKERS",
    "MAX_ASSESSMENTS",
    "MAX_DETAIL_CHARS",
    "MAX_LESIONS",
    "MAX_RECORDS",
    "MAX_TACE_SESSIONS",
    "ORGANS",
    "PIVKA_II_UNITS",
    "AdverseEventRecord",
    "Assessment",
    "ChildPughRecord",
    "DrugPeriod",
    "Event",
    "Lesion",
    "NewLesion",
    "NonTargetLesion",
    "TaceSession",
    "Timeline",
    "TumourMarker",
    "parse_timeline",
    "parse_timelines",
    "parse_timelines_jsonl",
    "timeline_json_schema",
]

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
_CFG = ConfigDict(frozen=True, extra="forbid")

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

    model_config = _CFG

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

    model_config = _CFG

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

    model_config = _CFG

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

    model_config = _CFG

    date: dt.date
    modality: Literal["CT", "MRI", "PET-CT", "other"] = "CT"
    lesions: tuple[Lesion, ...] = Field((), max_length=MAX_LESIONS)
    non_target: tuple[NonTargetLesion, ...] = Field((), max_length=MAX_LESIONS)
    new_lesions: tuple[NewLesion, ...] = Field((), max_length=MAX_LESIONS)
    afp_ng_ml: float | None = Field(None, ge=0, description="AFP, recorded (not used by rules).")


class TaceSession(Record):
    """One TACE session."""

    model_config = _CFG

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

    model_config = _CFG

    date: dt.date
    score: int = Field(ge=5, le=15)


class Event(Record):
    """A clinical event with a date."""

    model_config = _CFG

    date: dt.date
    type: EventType
    size_mm: float | None = Field(None, gt=0, description="Size (extrahepatic spread).")
    organ: Organ | None = None
    detail: str = Field("", max_length=MAX_DETAIL_CHARS)


class DrugPeriod(Record):
    """A period on a systemic drug (drawn on the course plot)."""

    model_config = _CFG

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

    model_config = _CFG

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

    model_config = _CFG

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

    model_config = _CFG

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


# --------------------------------------------------------------------------- checking


def _loc_name(raw: Any, loc: Sequence[int | str]) -> str:
    """Readable field path with the assessment date and the lesion id where known."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int) and parts:
            child = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            label = f"[{item}]"
            if isinstance(child, Mapping):
                if child.get("id") is not None:
                    label = f"[{child['id']}]"
                elif child.get("date") is not None:
                    label = f"[{item}]({child['date']})"
            parts[-1] += label
            node = child
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, Mapping) else None
    return ".".join(parts)


def _pydantic_problems(err: ValidationError, raw: Any, prefix: str) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors():
        msg = str(e["msg"])
        allowed = msg.removeprefix("Input should be ").removeprefix("Value error, ")
        value: object = e.get("input")
        if e["type"] == "missing":
            allowed, value = "a value (required)", None
        elif e["type"] == "extra_forbidden":
            allowed = "no such field (see `tacepath schema timeline`)"
        out.append(Problem(prefix + _loc_name(raw, e["loc"]), value, allowed))
    return out


def _a_name(pid: str, i: int, a: Assessment) -> str:
    return f"{pid}.assessments[{i}]({a.date.isoformat()})"


def _marker_problems(tl: Timeline) -> list[Problem]:
    """Each marker's unit: AFP by the lab rules of the snapshot (units, IU factor, range),
    PIVKA-II in :data:`PIVKA_II_UNITS`."""
    out: list[Problem] = []
    for j, m in enumerate(tl.markers):
        where = f"{tl.id}.markers[{j}]({m.date.isoformat()})"
        if m.marker == "afp":
            lab = LabValue(value=m.value, unit=m.unit, ng_per_iu=m.ng_per_iu)
            try:
                check_lab("afp", lab, where)
            except InputError as exc:
                out.extend(exc.problems)
        elif m.unit not in PIVKA_II_UNITS:
            out.append(Problem(f"{where}.unit", m.unit, ", ".join(PIVKA_II_UNITS)))
        elif m.ng_per_iu is not None:
            out.append(Problem(f"{where}.ng_per_iu", m.ng_per_iu, "only for AFP in IU/mL"))
    return out


def _check(tl: Timeline) -> list[Problem]:
    pid = tl.id
    out: list[Problem] = []
    death = tl.date_of_death
    # dates in order
    prev: dt.date | None = None
    for i, a in enumerate(tl.assessments):
        if prev is not None and a.date <= prev:
            out.append(
                Problem(
                    f"{_a_name(pid, i, a)}.date", a.date.isoformat(), f"after {prev.isoformat()}"
                )
            )
        prev = a.date
    for name in ("tace_sessions", "child_pugh", "events", "adverse_events", "markers"):
        items: tuple[Any, ...] = getattr(tl, name)
        for j in range(1, len(items)):
            if items[j].date < items[j - 1].date:
                out.append(
                    Problem(
                        f"{pid}.{name}[{j}].date",
                        items[j].date.isoformat(),
                        f"on or after {items[j - 1].date.isoformat()} (chronological order)",
                    )
                )
    for j, d in enumerate(tl.drug_periods):
        if d.end is not None and d.end < d.start:
            out.append(Problem(f"{pid}.drug_periods[{j}].end", d.end.isoformat(), ">= start"))
    for i, a in enumerate(tl.follow_ups, start=1):
        if a.date < tl.start_date:
            out.append(
                Problem(
                    f"{_a_name(pid, i, a)}.date",
                    a.date.isoformat(),
                    f"on or after start_date ({tl.start_date.isoformat()}) for a follow-up; "
                    "the first assessment is the baseline",
                )
            )
    last_assess = tl.assessments[-1].date
    if tl.last_contact_date is not None and tl.last_contact_date < last_assess:
        out.append(
            Problem(
                f"{pid}.last_contact_date",
                tl.last_contact_date.isoformat(),
                f"on or after the last assessment ({last_assess.isoformat()})",
            )
        )
    # nothing after death
    if death is not None:
        for i, a in enumerate(tl.assessments):
            if a.date > death:
                ids = [les.id for les in a.lesions]
                field = f"lesions[{ids[0]}]" if ids else "date"
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.{field}",
                        a.date.isoformat(),
                        f"no measurement after death ({death.isoformat()})",
                    )
                )
        names = ("tace_sessions", "child_pugh", "events", "drug_periods", "adverse_events")
        for name in (*names, "markers"):
            for j, item in enumerate(getattr(tl, name)):
                d = item.start if name == "drug_periods" else item.date
                if d > death:
                    out.append(
                        Problem(
                            f"{pid}.{name}[{j}].date",
                            d.isoformat(),
                            f"on or before death ({death.isoformat()})",
                        )
                    )
        if tl.last_contact_date is not None and tl.last_contact_date > death:
            out.append(
                Problem(
                    f"{pid}.last_contact_date",
                    tl.last_contact_date.isoformat(),
                    f"on or before death ({death.isoformat()})",
                )
            )
        deaths = tl.events_of("death")
        if tl.death_date is not None and any(e.date != tl.death_date for e in deaths):
            out.append(
                Problem(
                    f"{pid}.events(death).date",
                    [e.date.isoformat() for e in deaths],
                    f"the death_date ({tl.death_date.isoformat()})",
                )
            )
    out.extend(_marker_problems(tl))
    for j, e in enumerate(tl.events):
        if e.type == "extrahepatic_spread" and e.size_mm is None:
            out.append(
                Problem(
                    f"{pid}.events[{j}]({e.date.isoformat()}).size_mm",
                    None,
                    "the size in mm of the extrahepatic lesion",
                )
            )
    # lesions
    base = tl.baseline
    out.extend(baseline_target_problems(pid, base))
    target_ids = {les.id for les in base.lesions if les.target}
    for i, a in enumerate(tl.assessments):
        seen: set[str] = set()
        for les in a.lesions:
            if les.id in seen:
                out.append(
                    Problem(f"{_a_name(pid, i, a)}.lesions[{les.id}].id", les.id, "a unique id")
                )
            seen.add(les.id)
            out.extend(lesion_problems(pid, i, a, les, baseline=i == 0))
            if i > 0 and les.target and les.id not in target_ids:
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.lesions[{les.id}].target",
                        True,
                        f"targets are chosen at baseline: one of {sorted(target_ids)}",
                    )
                )
            if i > 0 and les.id in target_ids and not les.target:
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.lesions[{les.id}].target",
                        False,
                        "true (it is a baseline target lesion)",
                    )
                )
        if i > 0:
            for missing in sorted(target_ids - seen):
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.lesions[{missing}]",
                        None,
                        "every baseline target at every assessment: declare status "
                        "'absent', 'too_small' or 'not_assessed' instead of leaving it out",
                    )
                )
        nt_seen: set[str] = set()
        for nt in a.non_target:
            if nt.id in nt_seen:
                out.append(
                    Problem(f"{_a_name(pid, i, a)}.non_target[{nt.id}].id", nt.id, "a unique id")
                )
            nt_seen.add(nt.id)
        for k, nl in enumerate(a.new_lesions):
            if i == 0:
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.new_lesions[{nl.id or k}]",
                        nl.organ,
                        "no new lesion at baseline (record it as a lesion or non-target)",
                    )
                )
            if nl.organ not in ("ascites", "pleural_effusion") and nl.size_mm is None:
                need = "short_axis_mm" if nl.organ == "lymph_node" else "longest_mm"
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.new_lesions[{nl.id or k}].{need}",
                        None,
                        "the size in mm of the new lesion",
                    )
                )
    return out + treated_lesion_problems(tl)


def parse_timeline(raw: object, *, where: str = "") -> Timeline:
    """Validate one timeline; raise :class:`InputErrors` listing every problem.

    Parameters
    ----------
    raw
        The decoded JSON object (see ``tacepath schema timeline``).
    where
        Prefix for field names of structural errors (``"[3]."`` for the fourth line of a file).

    Returns
    -------
    Timeline
        The immutable, checked timeline.

    Raises
    ------
    InputErrors
        One :class:`~tacepath.errors.Problem` per refused field, each naming patient, date,
        lesion and field.
    """
    if not isinstance(raw, Mapping):
        raise InputError(where.rstrip(".") or "timeline", type(raw).__name__, "a JSON object")
    prefix = where or (f"{raw['id']}." if isinstance(raw.get("id"), str) else "")
    try:
        tl = Timeline.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(_pydantic_problems(exc, raw, prefix)) from None
    problems = _check(tl)
    if problems:
        raise InputErrors(problems)
    return tl


def parse_timelines(raw: Iterable[object]) -> list[Timeline]:
    """Validate several timelines; problems of all of them are reported together."""
    out: list[Timeline] = []
    problems: list[Problem] = []
    for i, item in enumerate(raw):
        pid = item.get("id") if isinstance(item, Mapping) else None
        try:
            out.append(parse_timeline(item, where=f"[{i}]" + (f"({pid})." if pid else ".")))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputErrors(problems)
    return out


def parse_timelines_jsonl(text: str) -> list[Timeline]:
    """Parse JSON Lines (one timeline per line; blank lines skipped)."""
    raws: list[object] = []
    problems: list[Problem] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raws.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(f"line {n}", line[:40], f"one JSON object per line ({exc.msg})")
            )
    if problems:
        raise InputErrors(problems)
    return parse_timelines(raws)


def timeline_json_schema() -> dict[str, Any]:
    """The JSON Schema of one timeline (``tacepath schema timeline``)."""
    schema = Timeline.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tacepath patient timeline"
    schema["description"] = (
        "One patient's course. The first assessment is the baseline; start_date is "
        "randomisation or treatment start. Every baseline target lesion appears at every "
        "assessment with a status. Checked on load: dates in order, nothing after death, "
        "a baseline with targets, no impossible size."
    )
    return schema
