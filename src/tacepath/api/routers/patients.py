"""Patients: records, snapshots, course, timeline, follow-ups, and what the engines say."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse, Response

from tacepath.api.schemas import CourseIn, FollowUpIn, dump
from tacepath.domain.patient import PatientSnapshot
from tacepath.domain.timeline import Timeline
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.http.responses import attachment, summary_html
from tacepath.service import clinical, followups, patients
from tacepath.service.principal import Principal

router = APIRouter(tags=["patients"])

Version = Query(
    None,
    ge=1,
    le=2**31 - 1,
    description="The record version read: required (428 without it, 409 if stale).",
)


@router.get("/patients")
def list_patients(
    request: Request,
    q: str | None = Query(None, max_length=64, description="Search in id and regimen."),
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=2**31 - 1),
    who: Principal = Depends(Require("patient.read")),
) -> list[dict[str, Any]]:
    """The organisation's patients."""
    return patients.list_patients(get_db(request), who, q, limit=limit, offset=offset)


@router.post("/patients", status_code=201)
def create_patient(
    body: PatientSnapshot, request: Request, who: Principal = Depends(Require("patient.write"))
) -> dict[str, Any]:
    """A new patient from a snapshot (the ``tacepath assess`` contract); 422 names every
    problem (field, value, allowed) and stores nothing."""
    return patients.create_patient(get_db(request), who, dump(body))


@router.get("/patients/{patient_id}")
def get_patient(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> dict[str, Any]:
    """The record: header (with ``version``), current snapshot, timeline, stored decisions."""
    return clinical.patient_record(get_db(request), who, patient_id)


@router.post("/patients/{patient_id}/snapshots", status_code=201)
def add_snapshot(
    patient_id: RecordId,
    body: PatientSnapshot,
    request: Request,
    version: int | None = Version,
    who: Principal = Depends(Require("patient.write")),
) -> dict[str, Any]:
    """A new current snapshot (labs, findings, tumours, history)."""
    return patients.add_snapshot(get_db(request), who, patient_id, dump(body), version=version)


@router.put("/patients/{patient_id}/course")
def update_course(
    patient_id: RecordId,
    body: CourseIn,
    request: Request,
    who: Principal = Depends(Require("patient.write")),
) -> dict[str, Any]:
    """Start date, regimen (a catalogue id), last contact, death date."""
    changes = dump(body)
    version = changes.pop("version", None)
    return patients.update_course(get_db(request), who, patient_id, changes, version=version)


@router.put("/patients/{patient_id}/timeline")
def replace_timeline(
    patient_id: RecordId,
    body: Timeline,
    request: Request,
    version: int | None = Version,
    who: Principal = Depends(Require("patient.write")),
) -> dict[str, Any]:
    """Replace the whole timeline (the ``tacepath response`` contract)."""
    return patients.replace_timeline(get_db(request), who, patient_id, dump(body), version=version)


@router.post("/patients/{patient_id}/followups", status_code=201)
def record_followup(
    patient_id: RecordId,
    body: FollowUpIn,
    request: Request,
    who: Principal = Depends(Require("followup.record")),
) -> dict[str, Any]:
    """Enter a follow-up (imaging with lesions, labs, AEs, TACE sessions...) and get the
    engine's decision, stored with the record version it was given on."""
    payload = dump(body)
    version = payload.pop("version", None)
    return followups.record_followup(get_db(request), who, patient_id, payload, version=version)


@router.post("/patients/{patient_id}/decisions", status_code=201)
def store_decision(
    patient_id: RecordId,
    request: Request,
    version: int | None = Version,
    who: Principal = Depends(Require("followup.record")),
) -> dict[str, Any]:
    """Ask the follow-up engine for the decision on the record ``version`` and store it."""
    return followups.store_decision(get_db(request), who, patient_id, version=version)


@router.get("/patients/{patient_id}/assessment")
def assessment(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> dict[str, Any]:
    """Every score of the current snapshot with its parts, rule and source; BCLC."""
    return (
        clinical.patient_view(get_db(request), who, patient_id, view="assessment")["assessment"]
        or {}
    )


@router.get("/patients/{patient_id}/pathway")
def pathway(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> dict[str, Any]:
    """The five steps and every regimen: eligible / not eligible / needs information."""
    return clinical.patient_view(get_db(request), who, patient_id, view="pathway")["pathway"] or {}


@router.get("/patients/{patient_id}/response")
def response(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> dict[str, Any]:
    """RECIST 1.1, mRECIST, EASL, RECICL per visit and the TACE-failure results."""
    return (
        clinical.patient_view(get_db(request), who, patient_id, view="response")["response"] or {}
    )


@router.get("/patients/{patient_id}/decision")
def decision(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> dict[str, Any]:
    """The follow-up decision on the current record (not stored)."""
    return (
        clinical.patient_view(get_db(request), who, patient_id, view="decision")["decision"] or {}
    )


@router.get("/patients/{patient_id}/matches")
def matches(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> list[dict[str, Any]]:
    """Registry trials that may still recruit, with unmet and open criteria."""
    view = clinical.patient_view(get_db(request), who, patient_id, view="matches")
    out: list[dict[str, Any]] = view["matches"]
    return out


@router.get(
    "/patients/{patient_id}/course.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def course_plot(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> Response:
    """The course plot (tumour burden, TACE sessions, drugs, responses)."""
    png = clinical.course_plot_png(get_db(request), who, patient_id)
    return Response(png, media_type="image/png")


def _pdf(html: str, name: str) -> Response:
    return attachment(clinical.summary_pdf(html), "application/pdf", name)


@router.get(
    "/patients/{patient_id}/schedule.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def schedule_ics(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> Response:
    """The patient's dated plan as an iCalendar file, for a calendar application."""
    ics = clinical.schedule_ics(get_db(request), who, patient_id)
    return attachment(ics, "text/calendar", f"schedule-{patient_id}.ics")


@router.get("/patients/{patient_id}/summary/mdt.html", response_class=HTMLResponse)
def mdt_html(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("summary.read"))
) -> HTMLResponse:
    """The one-page MDT case summary."""
    return summary_html(clinical.mdt_summary(get_db(request), who, patient_id))


@router.get(
    "/patients/{patient_id}/summary/mdt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def mdt_pdf(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("summary.read"))
) -> Response:
    html = clinical.mdt_summary(get_db(request), who, patient_id, fmt="pdf")
    return _pdf(html, f"mdt-{patient_id}.pdf")


@router.get("/patients/{patient_id}/summary/patient.html", response_class=HTMLResponse)
def patient_html(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("summary.read"))
) -> HTMLResponse:
    """The plain-language summary for the patient."""
    return summary_html(clinical.patient_summary(get_db(request), who, patient_id))


@router.get(
    "/patients/{patient_id}/summary/patient.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def patient_pdf(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("summary.read"))
) -> Response:
    html = clinical.patient_summary(get_db(request), who, patient_id, fmt="pdf")
    return _pdf(html, f"patient-{patient_id}.pdf")
