"""Files sent back to the browser, the same from the API and the pages: a stored document
(its type as judged when it was stored, inline or as a download, and nothing it can run) and
a letter (a page under the summaries' CSP, or a PDF or DOCX download)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tacepath.http.deps import get_db
from tacepath.http.responses import attachment, summary_html
from tacepath.service import documents, letters
from tacepath.service.principal import Principal

__all__ = ["DOCUMENT_CSP", "LETTER_MEDIA", "document_file", "letter_file", "stored_file"]

#: The media type of a letter's file formats.
LETTER_MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

#: What a served document may do in the browser: nothing but be shown.
DOCUMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def stored_file(content: bytes, media_type: str, filename: str, *, download: bool) -> Response:
    """``content`` with ``media_type`` (text as UTF-8), ``nosniff``, a sandboxing CSP, no
    caching, and ``filename`` (made by tacepath, never the uploaded name)."""
    media = "text/plain; charset=utf-8" if media_type == "text/plain" else media_type
    how = "attachment" if download else "inline"
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": f'{how}; filename="{filename}"',
            "Content-Security-Policy": DOCUMENT_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def document_file(
    request: Request, who: Principal, patient_id: int, document_id: int, *, download: bool
) -> Response:
    """A patient's stored document, shown inline or downloaded; the read is audited as a
    ``view`` or a ``download`` by :func:`tacepath.service.documents.read_document`."""
    doc, content = documents.read_document(
        get_db(request), who, patient_id, document_id, how="download" if download else "view"
    )
    return stored_file(content, doc.media_type, doc.filename, download=download)


def letter_file(
    request: Request,
    who: Principal,
    patient_id: int,
    *,
    to: str,
    name: str,
    organisation: str,
    fmt: str,
) -> Response:
    """The letter to the team ``to``, addressed to ``name`` of ``organisation`` (both
    optional): HTML as a page, PDF or DOCX as ``letter-<to>-<patient>.<fmt>`` (``to`` is a
    team id the service checked). A letter the decision does not allow raises the service's
    :class:`~tacepath.errors.InputError`, for the caller to show."""
    addressee = letters.Party.of(name, organisation, field="addressee")
    out = letters.letter(get_db(request), who, patient_id, to=to, addressee=addressee, fmt=fmt)
    if isinstance(out, bytes):
        return attachment(out, LETTER_MEDIA[fmt], f"letter-{to}-{patient_id}.{fmt}")
    return summary_html(out)
