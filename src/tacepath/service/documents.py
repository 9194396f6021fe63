"""Documents attached to a patient: imaging reports, pathology, letters, consents.

A document is stored in the database with its SHA-256 and size; its type is judged by its
content (:func:`tacepath.interop.attachments.sniff`), never by the file name, and only PDF,
PNG, JPEG and UTF-8 text are taken. Access follows the patient's: adding needs
``patient.write``, listing and reading ``patient.read``, always within the principal's
organisation (another organisation's patient or document is 404). Adding is a change in the
audit trail; every view and every download is an audited read naming the document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from tacepath.domain.values import check_identifier
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.interop.attachments import KIND_LABELS, MAX_ATTACHMENT_BYTES, sniff
from tacepath.jsonsafe import JsonFields
from tacepath.service import audit
from tacepath.service.db import Database
from tacepath.service.errors import AlreadyExists, NotFound
from tacepath.service.patients import _date, _patient
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import DOCUMENT_KINDS, DocumentRow

__all__ = [
    "DOCUMENT_KINDS",
    "KIND_LABELS",
    "MAX_DOCUMENTS",
    "MAX_DOCUMENT_BYTES",
    "MAX_TITLE_CHARS",
    "Document",
    "add_document",
    "list_documents",
    "read_document",
]

#: The largest document taken (the content check's bound).
MAX_DOCUMENT_BYTES = MAX_ATTACHMENT_BYTES
#: Most documents one patient keeps (a bound, not a clinical number).
MAX_DOCUMENTS = 200
MAX_TITLE_CHARS = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Document(JsonFields):
    """A document's metadata (the content is read by :func:`read_document` only)."""

    id: int
    kind: str
    title: str
    date: dt.date
    media_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def filename(self) -> str:
        """A download name made of the record's own values, never the uploaded name."""
        ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
        suffix = ext.get(self.media_type, "txt")
        return f"{self.kind}-{self.date.isoformat()}-{self.id}.{suffix}"


def _document(row: DocumentRow) -> Document:
    return Document(
        id=row.id,
        kind=row.kind,
        title=row.title,
        date=row.document_date,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
    )


def _checked(kind: Any, title: Any, date: Any) -> tuple[str, str, dt.date]:
    """Every problem of the metadata at once (kind, title, date)."""
    problems: list[Problem] = []
    if kind not in DOCUMENT_KINDS:
        problems.append(Problem("kind", str(kind)[:40], ", ".join(DOCUMENT_KINDS)))
    text = title.strip() if isinstance(title, str) else ""
    if not text or len(text) > MAX_TITLE_CHARS:
        shown = f"{len(text)} characters" if text else "nothing"
        problems.append(Problem("title", shown, f"1 to {MAX_TITLE_CHARS} characters"))
    else:
        try:
            text = check_identifier(text)
        except ValueError as exc:
            problems.append(Problem("title", "a title with an invisible character", str(exc)))
    day: dt.date | None = None
    try:
        day = _date(date, "date")
        if day is None:
            problems.append(Problem("date", None, "the date the document bears (ISO)"))
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputErrors(problems)
    assert day is not None
    return str(kind), text, day


def add_document(
    db: Database,
    who: Principal,
    patient_id: int,
    *,
    kind: Any,
    title: Any,
    date: Any,
    content: bytes,
) -> Document:
    """Attach ``content`` to the patient (refused: another type, too large, the same file
    twice, more than :data:`MAX_DOCUMENTS`); the change is audited."""
    check(who.role, "patient.write")
    kind, title, day = _checked(kind, title, date)
    sniffed = sniff(content)  # before the write transaction opens
    digest = hashlib.sha256(content).hexdigest()
    with db.write() as s:
        p = _patient(s, who, patient_id, lock=True)
        q = select(DocumentRow.sha256).where(DocumentRow.patient_id == p.id)
        known = set(s.scalars(q).all())
        if digest in known:
            raise AlreadyExists("document", digest[:12])
        if len(known) >= MAX_DOCUMENTS:
            raise InputError("file", f"{len(known)} documents", f"at most {MAX_DOCUMENTS}")
        row = DocumentRow(
            patient_id=p.id,
            kind=kind,
            title=title,
            document_date=day,
            media_type=sniffed.media_type.split(";")[0],
            sha256=digest,
            size=len(content),
            content=content,
            uploaded_by=who.user_id if who.user_id > 0 else None,
        )
        s.add(row)
        s.flush()
        doc = _document(row)
        info = {k: v for k, v in doc.to_dict().items() if k != "uploaded_at"}
        audit.record(s, who, "document.add", "patient", p.id, after={"document": info})
        return doc


def list_documents(
    db: Database, who: Principal, patient_id: int, *, view: str | None = None
) -> list[Document]:
    """The patient's documents, newest date first (metadata only); with ``view`` the list is
    an audited read of its own (the patient page's read already covers it)."""
    check(who.role, "patient.read")
    if view is not None:
        audit.record_read(db, who, "patient.read", "patient", patient_id, view=view)
    with db.read() as s:
        p = _patient(s, who, patient_id)
        rows = s.scalars(
            select(DocumentRow)
            .where(DocumentRow.patient_id == p.id)
            .order_by(DocumentRow.document_date.desc(), DocumentRow.id.desc())
            .limit(MAX_DOCUMENTS)
        ).all()
        return [_document(r) for r in rows]


def read_document(
    db: Database,
    who: Principal,
    patient_id: int,
    document_id: int,
    *,
    how: Literal["view", "download"],
) -> tuple[Document, bytes]:
    """A document and its content (404 outside the patient or the organisation); the read is
    audited as ``patient.read`` with view ``document.view:<id>`` or ``document.download:<id>``."""
    check(who.role, "patient.read")
    with db.read() as s:
        p = _patient(s, who, patient_id)
        row = s.scalar(
            select(DocumentRow).where(DocumentRow.id == document_id, DocumentRow.patient_id == p.id)
        )
        if row is None:
            raise NotFound("document", document_id)
        doc, content = _document(row), bytes(row.content)
    audit.record_read(
        db, who, "patient.read", "patient", patient_id, view=f"document.{how}:{document_id}"
    )
    return doc, content
