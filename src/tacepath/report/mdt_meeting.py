"""The MDT pack of a meeting: a contents page naming each patient to discuss, then each
patient's own pack (:func:`tacepath.report.mdt_pack.mdt_pack_pdf`: its contents, the MDT case
summary of the one decision with the questions for the MDT, the chosen documents).

This module only assembles PDFs it is given (pypdf, as the patient pack does); the
contents page gives the page each patient's part starts on.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from tacepath import __version__
from tacepath.errors import InputError
from tacepath.report.mdt_pack import _pypdf, pdf_page_count
from tacepath.report.summaries import environment, pdf_bytes, stylesheet

__all__ = ["MeetingPart", "meeting_pack_pdf"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingPart:
    """One patient's part of the meeting pack: the identifier, the number of documents
    chosen, the open questions' count and the patient's pack as PDF bytes."""

    patient: str
    documents: int
    questions: tuple[str, ...]
    pdf: bytes


def _contents(
    title: str, day: dt.date, organisation: str, parts: list[MeetingPart], starts: list[int] | None
) -> bytes:
    html = (
        environment()
        .get_template("mdt_meeting_contents.html")
        .render(
            css=stylesheet(),
            title=title,
            date=day.isoformat(),
            organisation=organisation,
            parts=parts,
            starts=starts,
            version=__version__,
            generated=dt.date.today().isoformat(),
        )
    )
    return pdf_bytes(html, where="meeting contents")


def meeting_pack_pdf(
    title: str, day: dt.date, organisation: str, parts: list[MeetingPart]
) -> bytes:
    """The meeting's pack as one PDF: its contents page(s), then each patient's pack in the
    order of the meeting's list."""
    pypdf: Any = _pypdf()
    counts = [pdf_page_count(p.pdf, where=f"pack of {p.patient}") for p in parts]
    first = pdf_page_count(_contents(title, day, organisation, parts, None), where="contents")
    starts, page = [], first + 1
    for n in counts:
        starts.append(page)
        page += n
    contents = _contents(title, day, organisation, parts, starts)
    writer = pypdf.PdfWriter()
    for name, pdf in [("contents", contents), *((f"pack of {p.patient}", p.pdf) for p in parts)]:
        try:
            writer.append(pypdf.PdfReader(io.BytesIO(pdf)))
        except Exception as exc:  # pypdf raises several error types for a damaged file
            raise InputError(name, "a PDF that cannot be read", "a readable PDF") from exc
    writer.add_metadata(
        {"/Title": f"MDT pack: {title}, {day.isoformat()}", "/Producer": "tacepath"}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
