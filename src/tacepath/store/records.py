"""Between the engines' input contracts and the rows: snapshots and timelines.

A snapshot or a timeline is validated by the domain (``parse_patient``, ``parse_timeline``)
*before* it becomes rows, and rebuilt from rows into the same contract for the engines, so
that a record read back is the record entered (``tests/platform/test_records.py`` checks the
round trip on every example). The rows also pass :func:`row_problems`: what a database
column cannot hold (a string longer than the column, a NUL character, an integer beyond 32
bits, a non-finite number, a date outside 1900–2200) is refused with the field named, rather
than failing in the database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase

from tacepath.domain.labs import Labs
from tacepath.domain.patient import History, PatientSnapshot
from tacepath.domain.timeline import Assessment, Timeline
from tacepath.domain.values import DATE_RANGE as VALUE_DATE_RANGE
from tacepath.errors import Problem
from tacepath.store.models import (
    AdverseEventRow,
    ChildPughRow,
    ClinicalEvent,
    DrugExposure,
    ImagingAssessment,
    LesionRow,
    Snapshot,
    SnapshotLab,
    SnapshotTumour,
    TaceSessionRow,
    TumourMarkerRow,
)

__all__ = [
    "DATE_RANGE",
    "TIMELINE_LISTS",
    "TimelineRows",
    "assessment_row",
    "json_problems",
    "list_rows",
    "row_problems",
    "snapshot_dict",
    "snapshot_row",
    "timeline_dict",
    "timeline_rows",
]

#: Dates the platform stores (a plausibility limit of the record, not a clinical rule).
DATE_RANGE = VALUE_DATE_RANGE  # the domain's own limits, checked again at the columns
_INT_LIMIT = 2**31 - 1

_SNAPSHOT_SCALARS = (
    "date",
    "assessment_date",
    "sex",
    "age_years",
    "ecog",
    "weight_kg",
    "pt_prolongation_s",
    "dialysis_twice_past_week",
    "cvvhd_24h_past_week",
    "ascites",
    "encephalopathy",
    "cholestatic_disease",
    "macrovascular_invasion",
    "extrahepatic_spread",
    "end_stage_liver_function",
)
_HISTORY_SCALARS = (
    "varices",
    "hypertension",
    "proteinuria_g_per_24h",
    "autoimmune_disease",
    "organ_transplant",
    "prior_tace_sessions",
    "locoregional_therapy_to_current_tumours",
    "jaundice",
    "refractory_ascites",
    "hepatorenal_syndrome",
    "bland_portal_vein_thrombosis",
    "hepatofugal_portal_flow",
    "tumour_in_both_entire_lobes",
    "intra_arterial_technical_contraindication",
    "creatinine_clearance_ml_min",
    "severe_comorbidity",
    "incompetent_papilla_with_aerobilia",
    "biliary_dilatation",
    "nephrotic_or_nephritic_syndrome",
    "liver_transplant_candidate",
    "hbv_hcv_coinfection",
)


def _known_column(date_field: str) -> str:
    """The column recording that a history date was given (``null`` = never)."""
    return date_field.removesuffix("_date") + "_known"


_MEASURED = (
    "status",
    "longest_mm",
    "perpendicular_mm",
    "short_axis_mm",
    "viable_longest_mm",
    "viable_perpendicular_mm",
    "typical_hcc",
)
_NON_TARGET = ("status", "viable", "short_axis_mm")
_NEW = (
    "longest_mm",
    "short_axis_mm",
    "typical_hcc",
    "porta_hepatis",
    "equivocal",
    "cytology_malignant",
)
#: Each kind of lesion row: the assessment's list that holds it and the columns it fills.
_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "measured": ("lesions", _MEASURED),
    "non_target": ("non_target", _NON_TARGET),
    "new": ("new_lesions", _NEW),
}


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


# --------------------------------------------------------------------------- checks


def json_problems(value: Any, field: str) -> list[Problem]:
    """NUL characters and non-finite numbers anywhere in a JSON-like value."""
    out: list[Problem] = []
    if isinstance(value, str):
        if "\x00" in value:
            out.append(Problem(field, value, "text without NUL characters"))
    elif isinstance(value, bool):
        pass
    elif isinstance(value, float):
        if not math.isfinite(value):
            out.append(Problem(field, value, "a finite number"))
    elif isinstance(value, int):
        if abs(value) > 2**53:
            out.append(Problem(field, value, f"an integer of at most {2**53} in magnitude"))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            out.extend(json_problems(str(k), f"{field}.{k}"))
            out.extend(json_problems(v, f"{field}.{k}"))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            out.extend(json_problems(v, f"{field}[{i}]"))
    return out


def row_problems(
    row: DeclarativeBase, field: str, names: Mapping[str, str] | None = None
) -> list[Problem]:
    """What the columns of ``row`` cannot hold; ``names`` maps a column to the input field."""
    out: list[Problem] = []
    table = row.__table__
    names = names or {}
    for col in table.columns:
        value = getattr(row, col.key, None)
        if value is None:
            continue
        where = f"{field}.{names.get(col.key, col.key)}" if field else names.get(col.key, col.key)
        if isinstance(value, str):
            length = col.type.length if isinstance(col.type, String) else None
            if length is not None and len(value) > length:
                out.append(Problem(where, value, f"at most {length} characters"))
        if isinstance(col.type, Integer) and isinstance(value, int) and abs(value) > _INT_LIMIT:
            out.append(Problem(where, value, f"an integer of at most {_INT_LIMIT} in magnitude"))
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            lo, hi = DATE_RANGE
            if not lo <= value <= hi:
                out.append(Problem(where, value.isoformat(), f"a date from {lo} to {hi}"))
        out.extend(json_problems(value, where))
    return out


# --------------------------------------------------------------------------- snapshots


def snapshot_row(p: PatientSnapshot) -> Snapshot:
    """The rows of a validated snapshot (labs and tumours as child rows)."""
    row = Snapshot(**{k: getattr(p, k) for k in _SNAPSHOT_SCALARS})
    for name in Labs.model_fields:
        lab = getattr(p.labs, name)
        if lab is not None:
            row.labs.append(
                SnapshotLab(analyte=name, value=lab.value, unit=lab.unit, ng_per_iu=lab.ng_per_iu)
            )
    row.tumours_known = p.tumours is not None
    for i, t in enumerate(p.tumours or ()):
        row.tumours.append(SnapshotTumour(position=i, diameter_mm=t.diameter_mm))
    h = p.history
    row.history_known = h is not None
    if h is not None:
        for k in _HISTORY_SCALARS:
            setattr(row, k, getattr(h, k))
        row.prior_systemic_therapy = (
            list(h.prior_systemic_therapy) if h.prior_systemic_therapy is not None else None
        )
        for k in History.DATES:
            setattr(row, _known_column(k), k in h.model_fields_set)
            setattr(row, k, getattr(h, k))
        tf = h.tace_failure
        row.tace_failure_date = tf.date if tf is not None else None
        row.tace_failure_criterion = tf.criterion if tf is not None else None
    return row


def snapshot_problems(row: Snapshot) -> list[Problem]:
    out = row_problems(row, "")
    for lab in row.labs:
        out.extend(row_problems(lab, f"labs.{lab.analyte}", {"analyte": "name"}))
    return out


def snapshot_dict(row: Snapshot, mrn: str) -> dict[str, Any]:
    """The snapshot contract (``tacepath assess`` input) of stored rows."""
    d: dict[str, Any] = {"id": mrn}
    for k in _SNAPSHOT_SCALARS:
        v = getattr(row, k)
        if v is not None:
            d[k] = _plain(v)
    labs: dict[str, Any] = {}
    for lab in row.labs:
        item: dict[str, Any] = {"value": lab.value, "unit": lab.unit}
        if lab.ng_per_iu is not None:
            item["ng_per_iu"] = lab.ng_per_iu
        labs[lab.analyte] = item
    if labs:
        d["labs"] = labs
    if row.tumours_known:
        d["tumours"] = [{"diameter_mm": t.diameter_mm} for t in row.tumours]
    if row.history_known:
        h: dict[str, Any] = {}
        for k in _HISTORY_SCALARS:
            v = getattr(row, k)
            if v is not None:
                h[k] = v
        if row.prior_systemic_therapy is not None:
            h["prior_systemic_therapy"] = list(row.prior_systemic_therapy)
        for k in History.DATES:
            if getattr(row, _known_column(k)):
                h[k] = _plain(getattr(row, k))
        if row.tace_failure_date is not None or row.tace_failure_criterion is not None:
            h["tace_failure"] = {
                "date": _plain(row.tace_failure_date),
                "criterion": row.tace_failure_criterion,
            }
        d["history"] = h
    return d


# --------------------------------------------------------------------------- timelines


def assessment_row(a: Assessment) -> ImagingAssessment:
    """An imaging assessment with its measured, non-target and new lesions as rows."""
    row = ImagingAssessment(date=a.date, modality=a.modality, afp_ng_ml=a.afp_ng_ml)
    listed = [(kind, les) for kind, (attr, _) in _KINDS.items() for les in getattr(a, attr)]
    for pos, (kind, les) in enumerate(listed):
        row.lesions.append(
            LesionRow(
                kind=kind,
                position=pos,
                lesion_key=les.id,
                organ=les.organ,
                **({"target": les.target} if kind == "measured" else {}),
                **{k: getattr(les, k) for k in _KINDS[kind][1]},
            )
        )
    return row


def _lesion_dict(row: LesionRow) -> dict[str, Any]:
    fields = _KINDS[row.kind][1]
    d: dict[str, Any] = {}
    if row.lesion_key is not None:
        d["id"] = row.lesion_key
    d["organ"] = row.organ
    if row.kind == "measured":
        d["target"] = bool(row.target)
    for k in fields:
        v = getattr(row, k)
        if v is not None:
            d[k] = v
    return d


def _assessment_dict(row: ImagingAssessment) -> dict[str, Any]:
    d: dict[str, Any] = {"date": row.date.isoformat(), "modality": row.modality}
    if row.afp_ng_ml is not None:
        d["afp_ng_ml"] = row.afp_ng_ml
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _KINDS}
    for les in row.lesions:
        by_kind[les.kind].append(_lesion_dict(les))
    for kind, (attr, _) in _KINDS.items():
        d[attr] = by_kind[kind]
    return d


class TimelineRows:
    """The child rows of a timeline, by table (the patient row holds its header)."""

    #: The attribute holding each table's rows and the table's model, in the record's order.
    TABLES: ClassVar[tuple[tuple[str, Any], ...]] = (
        ("assessments", ImagingAssessment),
        ("tace_sessions", TaceSessionRow),
        ("child_pugh", ChildPughRow),
        ("events", ClinicalEvent),
        ("drug_periods", DrugExposure),
        ("adverse_events", AdverseEventRow),
        ("markers", TumourMarkerRow),
    )

    def __init__(self) -> None:
        self.assessments: list[ImagingAssessment] = []
        self.tace_sessions: list[TaceSessionRow] = []
        self.child_pugh: list[ChildPughRow] = []
        self.events: list[ClinicalEvent] = []
        self.drug_periods: list[DrugExposure] = []
        self.adverse_events: list[AdverseEventRow] = []
        self.markers: list[TumourMarkerRow] = []

    def all(self) -> Iterable[DeclarativeBase]:
        for name, _ in self.TABLES:
            yield from getattr(self, name)

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        for i, a in enumerate(self.assessments):
            out.extend(row_problems(a, f"assessments[{i}]"))
            for les in a.lesions:
                out.extend(row_problems(les, f"assessments[{i}].lesions", {"lesion_key": "id"}))
        for name in ("tace_sessions", "child_pugh", "events", "drug_periods", "markers"):
            for i, r in enumerate(getattr(self, name)):
                out.extend(row_problems(r, f"{name}[{i}]"))
        for i, ae in enumerate(self.adverse_events):
            out.extend(row_problems(ae, f"adverse_events[{i}]", {"grading_values": "values"}))
        return out


def list_rows(name: str, items: Iterable[Any]) -> list[Any]:
    """Rows of one list of the timeline contract (``tace_sessions``, ``child_pugh``, ...)."""
    if name == "tace_sessions":
        return [
            TaceSessionRow(
                date=s.date,
                technique=s.technique,
                regimen_changed=s.regimen_changed,
                treated_lesions=list(s.treated_lesions) or None,
            )
            for s in items
        ]
    if name == "child_pugh":
        return [ChildPughRow(date=c.date, score=c.score) for c in items]
    if name == "events":
        return [
            ClinicalEvent(
                date=e.date, type=e.type, size_mm=e.size_mm, organ=e.organ, detail=e.detail
            )
            for e in items
        ]
    if name == "drug_periods":
        return [DrugExposure(drug=d.drug, start=d.start, end=d.end) for d in items]
    if name == "adverse_events":
        return [
            AdverseEventRow(
                date=ae.date,
                term=ae.term,
                grade=ae.grade,
                drug=ae.drug,
                current_dose=ae.current_dose,
                occurrence=ae.occurrence,
                grading_values=dict(ae.values),
                facts=dict(ae.facts),
            )
            for ae in items
        ]
    if name == "markers":
        return [
            TumourMarkerRow(
                date=m.date, marker=m.marker, value=m.value, unit=m.unit, ng_per_iu=m.ng_per_iu
            )
            for m in items
        ]
    raise ValueError(f"no timeline list {name!r}")


#: The lists of the timeline contract stored as rows (besides the assessments).
TIMELINE_LISTS = (
    "tace_sessions",
    "child_pugh",
    "events",
    "drug_periods",
    "adverse_events",
    "markers",
)


def timeline_rows(tl: Timeline) -> TimelineRows:
    """Rows for the whole of ``tl`` (the patient row holds its header)."""
    out = TimelineRows()
    out.assessments = [assessment_row(a) for a in tl.assessments]
    for name in TIMELINE_LISTS:
        setattr(out, name, list_rows(name, getattr(tl, name)))
    return out


def timeline_dict(
    *,
    mrn: str,
    start_date: dt.date,
    last_contact_date: dt.date | None,
    death_date: dt.date | None,
    rows: TimelineRows,
) -> dict[str, Any]:
    """The timeline contract (``tacepath response`` input) of stored rows, in date order."""
    d: dict[str, Any] = {
        "id": mrn,
        "start_date": start_date.isoformat(),
        "assessments": [
            _assessment_dict(a) for a in sorted(rows.assessments, key=lambda a: (a.date, a.id))
        ],
        "tace_sessions": [
            {"date": s.date.isoformat(), "technique": s.technique}
            | ({"regimen_changed": s.regimen_changed} if s.regimen_changed is not None else {})
            | ({"treated_lesions": list(s.treated_lesions)} if s.treated_lesions else {})
            for s in sorted(rows.tace_sessions, key=lambda s: (s.date, s.id))
        ],
        "child_pugh": [
            {"date": c.date.isoformat(), "score": c.score}
            for c in sorted(rows.child_pugh, key=lambda c: (c.date, c.id))
        ],
        "events": [
            {"date": e.date.isoformat(), "type": e.type}
            | ({"size_mm": e.size_mm} if e.size_mm is not None else {})
            | ({"organ": e.organ} if e.organ is not None else {})
            | ({"detail": e.detail} if e.detail else {})
            for e in sorted(rows.events, key=lambda e: (e.date, e.id))
        ],
        "drug_periods": [
            {"drug": p.drug, "start": p.start.isoformat(), "end": _plain(p.end)}
            for p in sorted(rows.drug_periods, key=lambda p: (p.start, p.id))
        ],
        "adverse_events": [
            {"date": ae.date.isoformat(), "term": ae.term, "occurrence": ae.occurrence}
            | ({"grade": ae.grade} if ae.grade is not None else {})
            | ({"drug": ae.drug} if ae.drug is not None else {})
            | ({"current_dose": ae.current_dose} if ae.current_dose is not None else {})
            | ({"values": dict(ae.grading_values)} if ae.grading_values else {})
            | ({"facts": dict(ae.facts)} if ae.facts else {})
            for ae in sorted(rows.adverse_events, key=lambda ae: (ae.date, ae.id))
        ],
        "markers": [
            {"date": m.date.isoformat(), "marker": m.marker, "value": m.value, "unit": m.unit}
            | ({"ng_per_iu": m.ng_per_iu} if m.ng_per_iu is not None else {})
            for m in sorted(rows.markers, key=lambda m: (m.date, m.id))
        ],
    }
    if last_contact_date is not None:
        d["last_contact_date"] = last_contact_date.isoformat()
    if death_date is not None:
        d["death_date"] = death_date.isoformat()
    return d
