"""Letters rendered from the patient's one decision (HTML, PDF or DOCX)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse, Response

from tacepath.http.deps import RecordId, Require
from tacepath.http.files import LETTER_MEDIA, letter_file
from tacepath.service import letters
from tacepath.service.principal import Principal

router = APIRouter(tags=["letters"])


_TO = Query(
    ..., max_length=40, description="The receiving team: " + ", ".join(letters.letter_teams())
)
_NAME = Query("", max_length=200, description="The addressee's name (optional).")
_ORG = Query("", max_length=200, description="The addressee's organisation (optional).")


@router.get("/patients/{patient_id}/letter.html", response_class=HTMLResponse)
def letter_html(
    patient_id: RecordId,
    request: Request,
    to: str = _TO,
    addressee_name: str = _NAME,
    addressee_organisation: str = _ORG,
    who: Principal = Depends(Require("summary.read")),
) -> Response:
    """A referral letter to ``to`` from the signed-in user; 422 naming why when the decision
    gives that team nothing to act on (after death; TACE after TACE failure)."""
    return letter_file(
        request,
        who,
        patient_id,
        to=to,
        name=addressee_name,
        organisation=addressee_organisation,
        fmt="html",
    )


@router.get(
    "/patients/{patient_id}/letter.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def letter_pdf(
    patient_id: RecordId,
    request: Request,
    to: str = _TO,
    addressee_name: str = _NAME,
    addressee_organisation: str = _ORG,
    who: Principal = Depends(Require("summary.read")),
) -> Response:
    """The referral letter as PDF."""
    return letter_file(
        request,
        who,
        patient_id,
        to=to,
        name=addressee_name,
        organisation=addressee_organisation,
        fmt="pdf",
    )


@router.get(
    "/patients/{patient_id}/letter.docx",
    response_class=Response,
    responses={200: {"content": {LETTER_MEDIA["docx"]: {}}}},
)
def letter_docx(
    patient_id: RecordId,
    request: Request,
    to: str = _TO,
    addressee_name: str = _NAME,
    addressee_organisation: str = _ORG,
    who: Principal = Depends(Require("summary.read")),
) -> Response:
    """The letter as a Word document (DOCX)."""
    return letter_file(
        request,
        who,
        patient_id,
        to=to,
        name=addressee_name,
        organisation=addressee_organisation,
        fmt="docx",
    )
