"""A patient's documents: the list and upload form, view and download (each read audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError, Problem
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.http.files import document_file, letter_file
from tacepath.service import documents, letters, patients
from tacepath.service.errors import AlreadyExists
from tacepath.service.principal import Principal
from tacepath.web.messages import explain
from tacepath.web.render import page

router = APIRouter()


def _page(
    request: Request,
    who: Principal,
    patient_id: int,
    *,
    form: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
    fragment: bool = False,
    refused: str = "",
) -> HTMLResponse:
    db = get_db(request)
    record = patients.get_record(db, who, patient_id)
    ctx: dict[str, Any] = {
        "pid": patient_id,
        "mrn": record.mrn,
        "docs": documents.list_documents(db, who, patient_id, view="documents"),
        "kinds": documents.KIND_LABELS,
        "teams": letters.letter_teams(),
        "refused": refused,
        "form": form or {},
        "messages": explain(problems or [], form or {}).messages if problems else [],
    }
    if fragment:
        return page(request, "_documents_list.html", ctx, who=who)
    status = 422 if problems or refused else 200
    title = f"Documents of {record.mrn}"
    return page(request, "documents.html", ctx, who=who, status=status, title=title)


@router.get("/patients/{patient_id}/documents")
def documents_page(
    patient_id: RecordId,
    request: Request,
    fragment: bool = Query(False),
    who: Principal = Depends(Require("patient.read")),
) -> HTMLResponse:
    return _page(request, who, patient_id, fragment=fragment)


@router.post("/patients/{patient_id}/documents")
async def upload(
    patient_id: RecordId,
    request: Request,
    kind: str = Form("", max_length=20),
    title: str = Form("", max_length=400),
    date: str = Form("", max_length=32),
    file: UploadFile = File(...),
    who: Principal = Depends(Require("patient.write")),
) -> Response:
    content = await file.read(documents.MAX_DOCUMENT_BYTES + 1)
    form = {"kind": kind, "title": title, "date": date}
    try:
        await run_in_threadpool(
            documents.add_document,
            get_db(request),
            who,
            patient_id,
            kind=kind,
            title=title,
            date=date,
            content=content,
        )
    except InputError as exc:
        return _page(request, who, patient_id, form=form, problems=list(exc.problems))
    except AlreadyExists:
        same = [Problem("file", "the same file", "a file not yet attached to this patient")]
        return _page(request, who, patient_id, form=form, problems=same)
    return RedirectResponse(f"/patients/{patient_id}/documents", status_code=303)


@router.get("/patients/{patient_id}/documents/{document_id}")
def view(
    patient_id: RecordId,
    document_id: RecordId,
    request: Request,
    who: Principal = Depends(Require("patient.read")),
) -> Response:
    return document_file(request, who, patient_id, document_id, download=False)


@router.get("/patients/{patient_id}/documents/{document_id}/download")
def download(
    patient_id: RecordId,
    document_id: RecordId,
    request: Request,
    who: Principal = Depends(Require("patient.read")),
) -> Response:
    return document_file(request, who, patient_id, document_id, download=True)


@router.get("/patients/{patient_id}/letter")
def letter(
    patient_id: RecordId,
    request: Request,
    to: str = Query("", max_length=40),
    addressee_name: str = Query("", max_length=200),
    addressee_organisation: str = Query("", max_length=200),
    format: str = Query("pdf", pattern="^(pdf|html|docx)$"),
    who: Principal = Depends(Require("summary.read")),
) -> Response:
    """The letter (PDF, DOCX or HTML); a letter the decision does not allow is explained
    on the documents page (422) rather than as an API error."""
    try:
        return letter_file(
            request,
            who,
            patient_id,
            to=to,
            name=addressee_name,
            organisation=addressee_organisation,
            fmt=format,
        )
    except InputError as exc:
        p = exc.problems[0]
        team = letters.letter_teams().get(to, "that team")
        why = f"No letter to {team}: {p.allowed}." if p.field == "to" else str(p)
        return _page(request, who, patient_id, refused=why)
