"""MDT meetings: the list and a new meeting, a meeting's patients (documents chosen for the
pack, the MDT's outcome per patient) and the meeting's pack (PDF)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.service import meetings
from tacepath.service.mdt_pack import document_ids
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()


def _list_page(
    request: Request, who: Principal, *, form: dict[str, str] | None = None, refused: str = ""
) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "meetings": meetings.list_meetings(get_db(request), who),
        "form": form or {},
        "refused": refused,
    }
    status = 422 if refused else 200
    return page(request, "meetings.html", ctx, who=who, status=status, title="MDT meetings")


def _meeting_page(
    request: Request, who: Principal, meeting_id: int, *, refused: dict[int, str] | None = None
) -> HTMLResponse:
    db = get_db(request)
    meeting, entries = meetings.meeting_detail(db, who, meeting_id)
    can_add = who.can("patient.write")
    ctx: dict[str, Any] = {
        "meeting": meeting,
        "entries": entries,
        "candidates": meetings.candidates(db, who, meeting) if can_add else [],
        "refused": refused or {},
        "max_text": meetings.MAX_OUTCOME_CHARS,
    }
    status = 422 if refused else 200
    title = f"MDT meeting {meeting.date}: {meeting.title}"
    return page(request, "meeting.html", ctx, who=who, status=status, title=title)


@router.get("/meetings")
def meetings_page(
    request: Request, who: Principal = Depends(Require("patient.read"))
) -> HTMLResponse:
    return _list_page(request, who)


@router.post("/meetings")
async def create(
    request: Request,
    date: str = Form("", max_length=32),
    title: str = Form("", max_length=400),
    who: Principal = Depends(Require("patient.write")),
) -> Response:
    try:
        m = await run_in_threadpool(
            meetings.create_meeting, get_db(request), who, date=date, title=title
        )
    except InputError as exc:
        p = exc.problems[0]
        return _list_page(
            request,
            who,
            form={"date": date, "title": title[:200]},
            refused=f"{p.field}: {p.allowed}",
        )
    return RedirectResponse(f"/meetings/{m.id}", status_code=303)


@router.get("/meetings/{meeting_id}")
def meeting_page(
    meeting_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> HTMLResponse:
    return _meeting_page(request, who, meeting_id)


def _patient_number(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) < 2**31:
        raise InputError("patient", text[:20] or None, "a patient of the organisation")
    return int(text)


@router.post("/meetings/{meeting_id}/patients")
async def add_patient(
    meeting_id: RecordId,
    request: Request,
    patient: str = Form("", max_length=12),
    documents: list[str] = Form([], max_length=40),
    who: Principal = Depends(Require("patient.write")),
) -> Response:
    """Put a patient on the list, or replace the documents chosen for the patient."""
    try:
        pid = _patient_number(patient)
        chosen = document_ids(documents)
        await run_in_threadpool(meetings.add_patient, get_db(request), who, meeting_id, pid, chosen)
    except InputError as exc:
        p = exc.problems[0]
        return _meeting_page(request, who, meeting_id, refused={0: f"{p.field}: {p.allowed}"})
    return RedirectResponse(f"/meetings/{meeting_id}#patient-{pid}", status_code=303)


@router.post("/meetings/{meeting_id}/patients/{patient_id}/outcome")
async def outcome(
    meeting_id: RecordId,
    patient_id: RecordId,
    request: Request,
    choice: str = Form("", max_length=64),
    text: str = Form("", max_length=8000),
    who: Principal = Depends(Require("patient.write")),
) -> Response:
    """Record the MDT's outcome; a choice the decision does not allow is explained beside
    the patient (422)."""
    try:
        await run_in_threadpool(
            meetings.record_outcome,
            get_db(request),
            who,
            meeting_id,
            patient_id,
            choice=choice,
            text=text,
        )
    except InputError as exc:
        p = exc.problems[0]
        why = p.allowed if p.field == "choice" else f"{p.field}: got {p.value}; {p.allowed}"
        return _meeting_page(request, who, meeting_id, refused={patient_id: why})
    return RedirectResponse(f"/meetings/{meeting_id}#patient-{patient_id}", status_code=303)


@router.get("/meetings/{meeting_id}/pack.pdf")
async def pack(
    meeting_id: RecordId, request: Request, who: Principal = Depends(Require("summary.read"))
) -> Response:
    pdf = await run_in_threadpool(meetings.meeting_pack, get_db(request), who, meeting_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="mdt-meeting-{meeting_id}.pdf"'},
    )
