"""Letters rendered from the patient's one decision (HTML, PDF or DOCX)."""

from __future__ import annotations

from collections.abc import Callable

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


def _letter_route(fmt: str, doc: str) -> Callable[..., Response]:
    """The endpoint of the letter as ``fmt``: the parameters are the same for every format,
    the one rendering is :func:`tacepath.http.files.letter_file`."""

    def endpoint(
        patient_id: RecordId,
        request: Request,
        to: str = _TO,
        addressee_name: str = _NAME,
        addressee_organisation: str = _ORG,
        who: Principal = Depends(Require("summary.read")),
    ) -> Response:
        return letter_file(
            request,
            who,
            patient_id,
            to=to,
            name=addressee_name,
            organisation=addressee_organisation,
            fmt=fmt,
        )

    endpoint.__doc__ = doc
    return endpoint


for _fmt, _doc in (
    (
        "html",
        "A referral letter to ``to`` from the signed-in user; 422 naming why when the "
        "decision\ngives that team nothing to act on (after death; TACE after TACE failure).",
    ),
    ("pdf", "The referral letter as PDF."),
    ("docx", "The letter as a Word document (DOCX)."),
):
    router.add_api_route(
        f"/patients/{{patient_id}}/letter.{_fmt}",
        _letter_route(_fmt, _doc),
        methods=["GET"],
        name=f"letter_{_fmt}",
        response_class=HTMLResponse if _fmt == "html" else Response,
        responses={} if _fmt == "html" else {200: {"content": {LETTER_MEDIA[_fmt]: {}}}},
    )
