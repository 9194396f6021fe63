"""Import and export of records: FHIR R4 Bundles and registry CSV extracts.

An import is one transaction: every patient, snapshot and timeline of the file is validated
by the domain's parsers first, then stored with its audit records — or nothing is stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from tacepath.domain.patient import parse_patient
from tacepath.domain.timeline import parse_timeline
from tacepath.errors import InputError
from tacepath.interop.cohort_csv import cohort_patients
from tacepath.interop.fhir import bundle_to_record, record_to_bundle
from tacepath.interop.files import decode_text, parse_json, shown_path
from tacepath.service.audit import record_read
from tacepath.service.db import Database
from tacepath.service.errors import AlreadyExists
from tacepath.service.patients import (
    find_patient,
    get_record,
    insert_patient,
    insert_snapshot,
    insert_timeline,
)
from tacepath.service.permissions import check
from tacepath.service.principal import Principal

__all__ = [
    "MAX_UPLOAD_BYTES",
    "bundle_from_bytes",
    "export_fhir",
    "import_csv",
    "import_csv_text",
    "import_fhir",
]

#: The largest file an import accepts (10 MB).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _check_size(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError("file", f"{len(data)} bytes", f"at most {MAX_UPLOAD_BYTES} bytes")


def bundle_from_bytes(data: bytes, filename: str | None) -> Any:
    """An uploaded file as the JSON of a FHIR Bundle (checked by :func:`import_fhir`)."""
    _check_size(data)
    name = shown_path(filename or "file")
    return parse_json(decode_text(data, name=name, kind="JSON"), name=name)


def import_fhir(db: Database, who: Principal, raw: Any) -> dict[str, Any]:
    """Store a FHIR R4 Bundle as a patient's record; the answer says what became of each
    resource (used / unsupported with the reason)."""
    check(who.role, "interop.import")
    # checked whole before a write transaction opens
    imported = bundle_to_record(raw)
    snap = parse_patient(imported.snapshot)
    tl = parse_timeline(imported.timeline) if imported.timeline is not None else None
    with db.write() as s:
        existing = find_patient(s, who, imported.mrn)
        if existing is not None and existing.start_date is not None and imported.timeline:
            # times relative to the course start already stored
            imported = bundle_to_record(raw, start_date=existing.start_date)
            snap = parse_patient(imported.snapshot)
            tl = parse_timeline(imported.timeline) if imported.timeline is not None else None
        if existing is None:
            p = insert_patient(s, who, snap)
            created = True
        else:
            p = existing
            insert_snapshot(s, who, p, snap)
            created = False
        if tl is not None:
            insert_timeline(s, who, p, tl)
        s.flush()
        return {
            "id": p.id,
            "mrn": p.mrn,
            "created": created,
            "version": p.version,
            **imported.report(),
        }


def export_fhir(db: Database, who: Principal, patient_id: int) -> dict[str, Any]:
    """The patient's record (current snapshot and timeline) as a FHIR R4 Bundle."""
    check(who.role, "interop.export")
    record = get_record(db, who, patient_id)
    record_read(db, who, "patient.export", "patient", patient_id, view="fhir")
    return record_to_bundle(record.snapshot_raw, record.timeline_raw, record.mrn)


def import_csv(db: Database, who: Principal, data: bytes) -> dict[str, Any]:
    """A registry extract (cohort CSV) uploaded as bytes: UTF-8 text (BOM accepted), not
    binary; then as :func:`import_csv_text`."""
    check(who.role, "interop.import")
    _check_size(data)
    return import_csv_text(db, who, decode_text(data, name="file", kind="CSV"))


def import_csv_text(db: Database, who: Principal, text: str) -> dict[str, Any]:
    """A registry extract (cohort CSV): new patients created, known ones get a new snapshot."""
    check(who.role, "interop.import")
    patients = cohort_patients(text)
    created, updated = [], []
    try:
        with db.write() as s:
            for snap in patients:
                p = find_patient(s, who, snap.id)
                if p is None:
                    p = insert_patient(s, who, snap)
                    created.append(snap.id)
                else:
                    insert_snapshot(s, who, p, snap)
                    updated.append(snap.id)
    except IntegrityError as exc:
        raise AlreadyExists("patient", "(concurrent import)") from exc
    return {"created": created, "updated": updated, "rows": len(patients)}
