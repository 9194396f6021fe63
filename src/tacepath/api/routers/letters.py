"""Letters rendered from the patient's one decision (HTML, PDF or DOCX)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse, Response

from tacepath.http.deps import RecordId, Require, get_db
from tacepath.http.responses import SUMMARY_CSP
from tacepath.service import letters
from tacepath.service.principal import Principal

router = APIRouter(tags=["letters"])


def _letter(
    request: Request, who: Principal, pid: int, to: str, name: str, org: str, fmt: str
) -> str | bytes:
    addressee = letters.Party.of(name, org, field="addressee")
    return letters.letter(get_db(request), who, pid, to=to, addressee=addressee, fmt=fmt)


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
) -> HTMLResponse:
    """A referral letter to ``to`` from the signed-in user; 422 naming why when the decision
    gives that team nothing to act on (after death; TACE after TACE failure)."""
    html = _letter(request, who, patient_id, to, addressee_name, addressee_organisation, "html")
    return HTMLResponse(str(html), headers={"Content-Security-Policy": SUMMARY_CSP})


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
    pdf = _letter(request, who, patient_id, to, addressee_name, addressee_organisation, "pdf")
    name = f"letter-{to}-{patient_id}.pdf"  # a known team id (checked by the service)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/patients/{patient_id}/letter.docx",
    response_class=Response,
    responses={200: {"content": {DOCX: {}}}},
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
    out = _letter(request, who, patient_id, to, addressee_name, addressee_organisation, "docx")
    name = f"letter-{to}-{patient_id}.docx"  # a known team id (checked by the service)
    return Response(
        out, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
