"""Documents attached to a patient: list, attach, view or download (every read audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from tacepath.http.deps import RecordId, Require, get_db
from tacepath.http.files import document_file
from tacepath.http.responses import attachment, summary_html
from tacepath.service import documents, mdt_pack
from tacepath.service.principal import Principal

router = APIRouter(tags=["documents"])


@router.get("/patients/{patient_id}/documents")
def list_documents(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> list[dict[str, Any]]:
    """``[{"id", "kind", "title", "date", "media_type", "size", "sha256", "uploaded_at"}]``."""
    docs = documents.list_documents(get_db(request), who, patient_id, view="documents")
    return [d.to_dict() for d in docs]


@router.post("/patients/{patient_id}/documents", status_code=201)
async def add_document(
    patient_id: RecordId,
    request: Request,
    kind: str = Form(..., max_length=20),
    title: str = Form(..., max_length=400),
    date: str = Form(..., max_length=32),
    file: UploadFile = File(...),
    who: Principal = Depends(Require("patient.write")),
) -> dict[str, Any]:
    """Attach a PDF, PNG, JPEG or UTF-8 text file (judged by its content; at most 20 MiB)
    of a ``kind`` (imaging_report, pathology, letter, consent, other), its ``title`` and the
    ``date`` it bears; 409 for the same file twice."""
    content = await file.read(documents.MAX_DOCUMENT_BYTES + 1)
    doc = await run_in_threadpool(
        documents.add_document,
        get_db(request),
        who,
        patient_id,
        kind=kind,
        title=title,
        date=date,
        content=content,
    )
    return doc.to_dict()


@router.get("/patients/{patient_id}/documents/{document_id}")
def get_document(
    patient_id: RecordId,
    document_id: RecordId,
    request: Request,
    download: bool = Query(False, description="As an attachment (else shown inline)."),
    who: Principal = Depends(Require("patient.read")),
) -> Response:
    """The document's bytes, inline or as a download; each read is audited."""
    return document_file(request, who, patient_id, document_id, download=download)


@router.get(
    "/patients/{patient_id}/mdt-pack.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def mdt_pack_pdf(
    patient_id: RecordId,
    request: Request,
    documents_: list[str] = Query([], alias="documents", max_length=20),
    who: Principal = Depends(Require("summary.read")),
) -> Response:
    """The MDT pack: a contents page, the MDT case summary of the patient's decision, then
    the chosen documents' pages; audited as an export naming the document ids."""
    pdf = mdt_pack.mdt_pack(
        get_db(request), who, patient_id, mdt_pack.document_ids(documents_), fmt="pdf"
    )
    return attachment(pdf, "application/pdf", f"mdt-pack-{patient_id}.pdf")


@router.get("/patients/{patient_id}/mdt-pack.html", response_class=HTMLResponse)
def mdt_pack_html(
    patient_id: RecordId,
    request: Request,
    documents_: list[str] = Query([], alias="documents", max_length=20),
    who: Principal = Depends(Require("summary.read")),
) -> HTMLResponse:
    """The MDT pack as one HTML page (a PDF document is named; its pages are in the PDF)."""
    html = mdt_pack.mdt_pack(
        get_db(request), who, patient_id, mdt_pack.document_ids(documents_), fmt="html"
    )
    return summary_html(str(html))
