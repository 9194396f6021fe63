"""The MDT pack: a contents page, the patient's MDT case summary, then the chosen documents.

One PDF (and an HTML rendering) for an MDT meeting. The summary is the HTML that
:func:`tacepath.report.summaries.render_mdt_summary` made from the patient's one decision;
this module only assembles. PDFs are appended page by page with pypdf (a maintained
library: tacepath neither parses nor rewrites PDF itself); an image is placed on a page of
its own and a text document printed as preformatted text (WeasyPrint). The contents page
names each document (kind, date, title, the first 12 hex digits of its SHA-256) and the page
it starts on.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import io
from dataclasses import dataclass
from typing import Any

from tacepath import __version__
from tacepath.errors import InputError
from tacepath.report.summaries import environment, pdf_bytes, stylesheet

__all__ = ["PackDocument", "mdt_pack_html", "mdt_pack_pdf", "pdf_page_count"]

#: How many hex digits of a SHA-256 the contents page shows.
SHA_PREFIX = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class PackDocument:
    """One chosen document: its record's values and its content (checked on upload)."""

    id: int
    kind_label: str
    title: str
    date: dt.date
    media_type: str
    sha256: str
    content: bytes

    @property
    def sha_prefix(self) -> str:
        return self.sha256[:SHA_PREFIX]

    @property
    def is_pdf(self) -> bool:
        return self.media_type == "application/pdf"


def _pypdf() -> Any:
    try:
        return importlib.import_module("pypdf")
    except ImportError as exc:  # pragma: no cover - a declared extra
        raise InputError("pdf", "MDT pack", "pypdf installed (pip install tacepath[pdf])") from exc


def pdf_page_count(content: bytes, *, where: str = "document") -> int:
    """The number of pages of a PDF (pypdf); a PDF that cannot be read is refused by name."""
    pypdf = _pypdf()
    try:
        return len(pypdf.PdfReader(io.BytesIO(content)).pages)
    except Exception as exc:  # pypdf raises several error types for a damaged file
        raise InputError(where, "a PDF that cannot be read", "a readable PDF") from exc


def _shown(doc: PackDocument) -> dict[str, Any]:
    """What the document's page shows: an image as a data URI, or the text."""
    if doc.media_type.startswith("image/"):
        uri = f"data:{doc.media_type};base64," + base64.b64encode(doc.content).decode("ascii")
        return {"image": uri, "text": None}
    if doc.media_type.startswith("text/"):
        return {"image": None, "text": doc.content.decode("utf-8")}
    return {"image": None, "text": None}


def _part(patient: str, **ctx: Any) -> str:
    """A printable page of the pack (the contents, or one image or text document)."""
    base: dict[str, Any] = {"doc": None, "docs": [], "starts": None, "summary_pages": None}
    base |= {"text": None, "image": None}
    return (
        environment()
        .get_template("mdt_pack_part.html")
        .render(
            css=stylesheet(),
            patient=patient,
            version=__version__,
            generated=dt.date.today().isoformat(),
            **{**base, **ctx},
        )
    )


def mdt_pack_pdf(patient: str, summary_html: str, docs: list[PackDocument]) -> bytes:
    """The pack as one PDF: the contents, the summary's pages, then each document's pages in
    the order chosen (a PDF's pages as they are; an image or a text as printed)."""
    pypdf = _pypdf()
    summary = pdf_bytes(summary_html, where="MDT summary")
    parts = [
        d.content if d.is_pdf else pdf_bytes(_part(patient, doc=d, **_shown(d)), where="document")
        for d in docs
    ]
    summary_pages = pdf_page_count(summary, where="MDT summary")
    counts = [pdf_page_count(p, where=f"document {d.id}") for p, d in zip(parts, docs, strict=True)]
    ctx: dict[str, Any] = {"docs": docs, "summary_pages": summary_pages}
    first = pdf_page_count(pdf_bytes(_part(patient, **ctx), where="contents"), where="contents")
    starts, page = [], first + summary_pages + 1
    for n in counts:
        starts.append(page)
        page += n
    contents = pdf_bytes(_part(patient, starts=starts, **ctx), where="contents")
    writer = pypdf.PdfWriter()
    names = ["contents", "MDT summary", *(f"document {d.id}" for d in docs)]
    for name, part in zip(names, (contents, summary, *parts), strict=True):
        try:
            writer.append(pypdf.PdfReader(io.BytesIO(part)))
        except Exception as exc:  # pypdf raises several error types for a damaged file
            raise InputError(name, "a PDF that cannot be read", "a readable PDF") from exc
    writer.add_metadata({"/Title": f"MDT pack: patient {patient}", "/Producer": "tacepath"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mdt_pack_html(patient: str, summary_html: str, docs: list[PackDocument]) -> str:
    """The pack as one HTML page: the contents before the summary, each document after it
    (images and texts shown; a PDF named, its pages being in the PDF pack)."""
    env = environment()
    pack = env.get_template("_mdt_pack.html").module
    css = env.get_template("_mdt_pack.css").render()
    contents = str(pack.contents(patient, docs, None, None, __version__, dt.date.today()))  # type: ignore[attr-defined]
    pages = "".join(
        str(
            pack.document(  # type: ignore[attr-defined]
                d, pdf_pages=pdf_page_count(d.content) if d.is_pdf else None, **_shown(d)
            )
        )
        for d in docs
    )
    head, body = summary_html.split("</head>", 1)
    start, rest = body.split("<body>", 1)
    main, end = rest.rsplit("</body>", 1)
    return (
        f"{head}<style>{css}</style></head>{start}<body>{contents}"
        f'<div class="pack-page">{main}</div>{pages}</body>{end}'
    )
