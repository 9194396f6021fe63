"""Patient records: create, search, snapshots, the course header, timelines, follow-ups.

Every input is validated by the domain's parsers (``parse_patient``, ``parse_timeline``) on
the whole record it would produce, inside the transaction that stores it: a refused value
raises :class:`~tacepath.errors.InputError` (field, value, allowed) and nothing is stored.
The follow-up decision is the engine's (:func:`tacepath.pathway.followup.followup`), stored
as it was given. Every change names the ``version`` it was made on (refused without one, or
when stale) and increases it by one (optimistic versioning; the write session does not
autoflush, so a change is one UPDATE of the record); it writes an audit record with the
record before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tacepath.domain.patient import PatientSnapshot, parse_patient
from tacepath.domain.timeline import Timeline, parse_timeline
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.pathway.model import catalogue
from tacepath.service import audit
from tacepath.service.db import Database
from tacepath.service.errors import AlreadyExists, NotFound, StaleVersion, VersionRequired
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import (
    DecisionRow,
    ImagingAssessment,
    Patient,
    Snapshot,
    utcnow,
)
from tacepath.store.records import (
    DATE_RANGE,
    TIMELINE_LISTS,
    TimelineRows,
    json_problems,
    snapshot_dict,
    snapshot_problems,
    snapshot_row,
    timeline_dict,
    timeline_rows,
)

__all__ = [
    "FOLLOWUP_LISTS",
    "PatientRecord",
    "add_snapshot",
    "check_snapshot",
    "create_patient",
    "decision_dict",
    "find_patient",
    "get_record",
    "insert_patient",
    "insert_snapshot",
    "insert_timeline",
    "list_patients",
    "patient_id_for",
    "regimen_choices",
    "replace_timeline",
    "update_course",
]

#: The lists a follow-up may add to the timeline (the timeline contract's names).
FOLLOWUP_LISTS = TIMELINE_LISTS
_COURSE_FIELDS = ("start_date", "regimen", "last_contact_date", "death_date")


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientRecord:
    """A patient's record as stored: header, current snapshot, timeline, decisions."""

    id: int
    mrn: str
    version: int
    start_date: dt.date | None
    regimen: str | None
    last_contact_date: dt.date | None
    death_date: dt.date | None
    updated_at: dt.datetime
    snapshot: PatientSnapshot | None
    snapshot_raw: dict[str, Any] | None
    snapshots: int
    timeline: Timeline | None
    timeline_raw: dict[str, Any] | None
    decisions: tuple[dict[str, Any], ...] = field(default=())

    def header(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mrn": self.mrn,
            "version": self.version,
            "start_date": _iso(self.start_date),
            "regimen": self.regimen,
            "last_contact_date": _iso(self.last_contact_date),
            "death_date": _iso(self.death_date),
            "updated_at": self.updated_at.isoformat(),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.header(),
            "snapshot": self.snapshot_raw,
            "snapshot_count": self.snapshots,
            "timeline": self.timeline_raw,
            "decisions": list(self.decisions),
        }


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def regimen_choices() -> list[dict[str, str]]:
    """The regimens of the catalogue (id and label), for the course header."""
    return [{"id": r.id, "label": r.label, "kind": r.kind} for r in catalogue().regimens]


# --------------------------------------------------------------------------- loading


def _patient(s: Session, who: Principal, patient_id: int, *, lock: bool = False) -> Patient:
    q = select(Patient).where(
        Patient.id == patient_id, Patient.organisation_id == who.organisation_id
    )
    if lock:
        q = q.with_for_update()
    p = s.scalar(q)
    if p is None:
        raise NotFound("patient", patient_id)
    return p


def _check_version(p: Patient, version: int | None) -> None:
    """The write names the version it was made on (428 without one), and it is current (409)."""
    if version is None:
        raise VersionRequired("patient", p.id, p.version)
    if version != p.version:
        raise StaleVersion("patient", p.id, version, p.version)


def _current_snapshot(s: Session, p: Patient) -> Snapshot | None:
    return s.scalar(
        select(Snapshot).where(Snapshot.patient_id == p.id).order_by(Snapshot.id.desc()).limit(1)
    )


def _timeline_rows(s: Session, p: Patient) -> TimelineRows:
    rows = TimelineRows()
    for name, model in TimelineRows.TABLES:
        setattr(rows, name, list(s.scalars(select(model).where(model.patient_id == p.id))))
    return rows


def _timeline_raw(p: Patient, rows: TimelineRows) -> dict[str, Any] | None:
    if p.start_date is None or not rows.assessments:
        return None
    return timeline_dict(
        mrn=p.mrn,
        start_date=p.start_date,
        last_contact_date=p.last_contact_date,
        death_date=p.death_date,
        rows=rows,
    )


def decision_dict(d: DecisionRow) -> dict[str, Any]:
    return {
        "id": d.id,
        "visit_date": d.visit_date.isoformat(),
        "regimen": d.regimen,
        "decision": d.decision,
        "reasons": list(d.reasons),
        "next_steps": list(d.next_steps),
        "sources": list(d.sources),
        "record_version": d.record_version,
        "decided_at": d.decided_at.isoformat(),
        "detail": d.detail,
    }


def engine_inputs(s: Session, p: Patient) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The stored snapshot and timeline as the engines' contracts, unparsed (``_load``
    parses them; the stored results' key is a digest of them)."""
    snap = _current_snapshot(s, p)
    raw = snapshot_dict(snap, p.mrn) if snap is not None else None
    return raw, _timeline_raw(p, _timeline_rows(s, p))


def _load(s: Session, p: Patient) -> PatientRecord:
    raw, traw = engine_inputs(s, p)
    count = s.scalar(select(func.count()).where(Snapshot.patient_id == p.id)) or 0
    decisions = s.scalars(
        select(DecisionRow).where(DecisionRow.patient_id == p.id).order_by(DecisionRow.id.desc())
    ).all()
    return PatientRecord(
        id=p.id,
        mrn=p.mrn,
        version=p.version,
        start_date=p.start_date,
        regimen=p.regimen,
        last_contact_date=p.last_contact_date,
        death_date=p.death_date,
        updated_at=p.updated_at,
        snapshot=parse_patient(raw) if raw is not None else None,
        snapshot_raw=raw,
        snapshots=int(count),
        timeline=parse_timeline(traw) if traw is not None else None,
        timeline_raw=traw,
        decisions=tuple(decision_dict(d) for d in decisions),
    )


def get_record(db: Database, who: Principal, patient_id: int) -> PatientRecord:
    """The patient's record (404 outside the principal's organisation)."""
    check(who.role, "patient.read")
    with db.read() as s:
        return _load(s, _patient(s, who, patient_id))


def patient_id_for(db: Database, who: Principal, mrn: str) -> int:
    """The record number of the organisation's patient with this identifier (404 if none)."""
    check(who.role, "patient.read")
    with db.read() as s:
        p = find_patient(s, who, mrn[:64])
        if p is None:
            raise NotFound("patient", mrn[:64])
        return p.id


def list_patients(
    db: Database, who: Principal, query: str | None = None, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The organisation's patients, searched by identifier or regimen (case-insensitive)."""
    check(who.role, "patient.read")
    limit = max(1, min(limit, 500))
    offset = max(0, min(offset, 2**31 - 1))
    with db.read() as s:
        q = select(Patient).where(Patient.organisation_id == who.organisation_id)
        if query:
            term = query.strip()[:64].replace("\x00", "")
            like = f"%{term.lower()}%"
            q = q.where(
                or_(func.lower(Patient.mrn).like(like), func.lower(Patient.regimen).like(like))
            )

        def latest(model: Any, column: Any) -> Any:
            return (
                select(column)
                .where(model.patient_id == Patient.id)
                .order_by(model.id.desc())
                .limit(1)
                .correlate(Patient)
                .scalar_subquery()
            )

        q = q.add_columns(
            latest(DecisionRow, DecisionRow.decision),
            latest(DecisionRow, DecisionRow.visit_date),
            latest(Snapshot, Snapshot.date),
            latest(Snapshot, Snapshot.assessment_date),
        )
        out = []
        rows: Any = s.execute(q.order_by(Patient.mrn).limit(limit).offset(offset)).all()
        for p, decision, visit, snap_date, snap_assessed in rows:
            out.append(
                {
                    "id": p.id,
                    "mrn": p.mrn,
                    "regimen": p.regimen,
                    "start_date": _iso(p.start_date),
                    "snapshot_date": _iso(snap_date or snap_assessed),
                    "last_decision": decision,
                    "last_decision_date": _iso(visit),
                    "updated_at": p.updated_at.isoformat(),
                    "version": p.version,
                }
            )
        return out


# --------------------------------------------------------------------------- writing


def _touch(p: Patient) -> None:
    """Mark the record changed (the version column increases at flush)."""
    p.updated_at = utcnow()


def _flush(s: Session, p: Patient, version: int | None) -> None:
    try:
        s.flush()
    except StaleDataError as exc:
        raise StaleVersion("patient", p.id, version, None) from exc


def _parse_snapshot(raw: Mapping[str, Any], mrn: str | None) -> PatientSnapshot:
    if not isinstance(raw, Mapping):
        raise InputError("patient", type(raw).__name__, "a JSON object (the patient contract)")
    data = dict(raw)
    if mrn is not None:
        given = data.get("id")
        if given is None:
            data["id"] = mrn
        elif given != mrn:
            raise InputError("id", given, f"the patient's identifier {mrn!r} (or no id)")
    return parse_patient(data)


def _with_id(raw: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    """``raw`` with a stand-in ``id`` when it has none: checked whole before the write
    transaction opens, where the stored record's identifier is not known yet."""
    if not isinstance(raw, Mapping):
        kind = "the patient contract" if what == "snapshot" else "the timeline"
        raise InputError(what, type(raw).__name__, f"a JSON object ({kind})")
    return raw if raw.get("id") is not None else {**raw, "id": "(the patient's)"}


def _snapshot_for_store(snap: PatientSnapshot) -> Snapshot:
    row = snapshot_row(snap)
    problems = snapshot_problems(row)
    if len(snap.id) > 64:
        problems.insert(0, Problem("id", snap.id, "at most 64 characters"))
    problems.extend(json_problems(snap.id, "id"))
    if problems:
        raise InputErrors(problems)
    return row


def check_snapshot(raw: Mapping[str, Any], mrn: str | None = None) -> list[Problem]:
    """Every problem a snapshot would be refused for (the domain's and the columns'), without
    storing anything: a form shows them all at once, with its own."""
    try:
        _snapshot_for_store(_parse_snapshot(raw, mrn))
    except InputError as exc:
        return list(exc.problems)
    return []


def insert_patient(s: Session, who: Principal, snap: PatientSnapshot) -> Patient:
    """Add a patient with its first snapshot to the transaction ``s`` (audited)."""
    row = _snapshot_for_store(snap)
    exists = s.scalar(
        select(Patient.id).where(
            Patient.organisation_id == who.organisation_id, Patient.mrn == snap.id
        )
    )
    if exists is not None:
        raise AlreadyExists("patient", snap.id)
    p = Patient(organisation_id=who.organisation_id, mrn=snap.id)
    s.add(p)
    s.flush()
    row.patient_id = p.id
    row.recorded_by = who.user_id if who.user_id > 0 else None
    s.add(row)
    s.flush()
    audit.record(
        s,
        who,
        "patient.create",
        "patient",
        p.id,
        after={"snapshot": snapshot_dict(row, p.mrn)},
    )
    return p


def create_patient(db: Database, who: Principal, raw: Mapping[str, Any]) -> dict[str, Any]:
    """A new patient from a snapshot (the ``tacepath assess`` contract)."""
    check(who.role, "patient.write")
    snap = _parse_snapshot(raw, None)
    _snapshot_for_store(snap)  # refuse what the columns cannot hold before opening a write
    try:
        with db.write() as s:
            p = insert_patient(s, who, snap)
            return {"id": p.id, "mrn": p.mrn, "version": p.version}
    except IntegrityError as exc:  # a concurrent create of the same identifier
        raise AlreadyExists("patient", snap.id) from exc


def add_snapshot(
    db: Database,
    who: Principal,
    patient_id: int,
    raw: Mapping[str, Any],
    *,
    version: int | None,
) -> dict[str, Any]:
    """Record a new current snapshot (labs, clinical findings, tumours, history)."""
    check(who.role, "patient.write")
    _snapshot_for_store(_parse_snapshot(_with_id(raw, "snapshot"), None))  # before the write
    with db.write() as s:
        p = _patient(s, who, patient_id, lock=True)
        _check_version(p, version)
        row = insert_snapshot(s, who, p, _parse_snapshot(raw, p.mrn))
        _flush(s, p, version)
        return {"id": p.id, "version": p.version, "snapshot_id": row.id}


def insert_snapshot(s: Session, who: Principal, p: Patient, snap: PatientSnapshot) -> Snapshot:
    """Add a new current snapshot of ``p`` to the transaction ``s`` (audited)."""
    before = _current_snapshot(s, p)
    row = _snapshot_for_store(snap)
    row.patient_id = p.id
    row.recorded_by = who.user_id if who.user_id > 0 else None
    s.add(row)
    _touch(p)
    s.flush()
    audit.record(
        s,
        who,
        "snapshot.add",
        "patient",
        p.id,
        before={"snapshot": snapshot_dict(before, p.mrn)} if before else None,
        after={"snapshot": snapshot_dict(row, p.mrn)},
    )
    return row


def _date(raw: Any, name: str) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.date):
        d = raw
    else:
        try:
            d = dt.date.fromisoformat(str(raw).strip())
        except ValueError as exc:
            raise InputError(name, raw, "an ISO date, e.g. 2026-12-01") from exc
    lo, hi = DATE_RANGE
    if not lo <= d <= hi:
        raise InputError(name, d.isoformat(), f"a date from {lo} to {hi}")
    return d


def _regimen(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise InputError("regimen", raw, "a regimen id of the catalogue")
    return catalogue().regimen(raw.strip()).id


def _header(p: Patient) -> dict[str, Any]:
    return {k: _iso(getattr(p, k)) if k != "regimen" else p.regimen for k in _COURSE_FIELDS}


def _validate_timeline(p: Patient, rows: TimelineRows) -> Timeline | None:
    raw = _timeline_raw(p, rows)
    return parse_timeline(raw) if raw is not None else None


def update_course(
    db: Database,
    who: Principal,
    patient_id: int,
    changes: Mapping[str, Any],
    *,
    version: int | None,
) -> dict[str, Any]:
    """Change the course header (start date, regimen, last contact, death date)."""
    check(who.role, "patient.write")
    unknown = sorted(set(changes) - set(_COURSE_FIELDS))
    if unknown:
        raise InputError(unknown[0], changes[unknown[0]], "one of " + ", ".join(_COURSE_FIELDS))
    with db.write() as s:
        p = _patient(s, who, patient_id, lock=True)
        _check_version(p, version)
        before = _header(p)
        problems: list[Problem] = []
        for k, v in changes.items():
            try:
                setattr(p, k, _regimen(v) if k == "regimen" else _date(v, k))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputErrors(problems)
        _validate_timeline(p, _timeline_rows(s, p))
        _touch(p)
        _flush(s, p, version)
        audit.record(s, who, "course.update", "patient", p.id, before=before, after=_header(p))
        return {"id": p.id, "version": p.version, **_header(p)}


def replace_timeline(
    db: Database,
    who: Principal,
    patient_id: int,
    raw: Mapping[str, Any],
    *,
    version: int | None,
) -> dict[str, Any]:
    """Replace the patient's whole timeline (import of a record kept elsewhere)."""
    check(who.role, "patient.write")
    problems = timeline_rows(parse_timeline(_with_id(raw, "timeline"))).problems()
    if problems:  # checked whole before the write transaction opens
        raise InputErrors(problems)
    with db.write() as s:
        p = _patient(s, who, patient_id, lock=True)
        _check_version(p, version)
        data = dict(raw)
        given = data.get("id")
        if given is None:
            data["id"] = p.mrn
        elif given != p.mrn:
            raise InputError("id", given, f"the patient's identifier {p.mrn!r} (or no id)")
        insert_timeline(s, who, p, parse_timeline(data))
        _flush(s, p, version)
        return {"id": p.id, "version": p.version}


def insert_timeline(s: Session, who: Principal, p: Patient, tl: Timeline) -> None:
    """Replace the timeline of ``p`` by ``tl`` in the transaction ``s`` (audited)."""
    new = timeline_rows(tl)
    problems = new.problems()
    if problems:
        raise InputErrors(problems)
    old = _timeline_rows(s, p)
    before = _timeline_raw(p, old)
    for r in old.all():
        s.delete(r)
    s.flush()
    p.start_date = tl.start_date
    p.last_contact_date = tl.last_contact_date
    p.death_date = tl.death_date
    _add_rows(s, p, new, who)
    _touch(p)
    s.flush()
    audit.record(
        s,
        who,
        "timeline.replace",
        "patient",
        p.id,
        before={"timeline": before} if before else None,
        after={"timeline": _timeline_raw(p, new)},
    )


def _add_rows(s: Session, p: Patient, rows: TimelineRows, who: Principal) -> None:
    for r in rows.all():
        r.patient_id = p.id  # type: ignore[attr-defined]
        if isinstance(r, ImagingAssessment):
            r.recorded_by = who.user_id if who.user_id > 0 else None
        s.add(r)


def find_patient(s: Session, who: Principal, mrn: str) -> Patient | None:
    """The organisation's patient with this identifier, if any."""
    return s.scalar(
        select(Patient).where(Patient.organisation_id == who.organisation_id, Patient.mrn == mrn)
    )
