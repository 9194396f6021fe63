"""The MDT pack of a stored patient: the MDT case summary of its one decision and the
documents the navigator chose, as one PDF or HTML (:mod:`tacepath.report.mdt_pack`).

Needs ``summary.read`` and ``patient.read``; every chosen document must belong to the
patient within the principal's organisation (otherwise 404, naming the document id, and
nothing is rendered). The pack is audited once as ``patient.export`` naming the format and
the document ids (never their content).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy import select

from tacepath.errors import InputError
from tacepath.interop.attachments import MAX_LISTED_DOCUMENTS
from tacepath.report.mdt_pack import PackDocument
from tacepath.service.audit import record_read
from tacepath.service.clinical import summary_decision
from tacepath.service.db import Database
from tacepath.service.documents import KIND_LABELS
from tacepath.service.errors import NotFound
from tacepath.service.patients import _patient, get_record
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import DocumentRow

__all__ = ["MAX_PACK_DOCUMENTS", "document_ids", "mdt_pack", "pack_parts"]

#: Most documents one pack takes (a bound on work and size, not a clinical number).
MAX_PACK_DOCUMENTS = MAX_LISTED_DOCUMENTS
_MAX_ID = 2_147_483_647


def document_ids(values: Iterable[str]) -> tuple[int, ...]:
    """The chosen document ids from ``documents=1,2`` (or the parameter repeated), in order,
    each once; refused: not a positive integer, more than :data:`MAX_PACK_DOCUMENTS`."""
    out: dict[int, None] = {}
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            digits = part.isascii() and part.isdigit() and len(part) <= len(str(_MAX_ID))
            if not digits or not 1 <= int(part) <= _MAX_ID:
                raise InputError("documents", part[:20], "document ids, e.g. documents=1,2")
            out.setdefault(int(part), None)
            if len(out) > MAX_PACK_DOCUMENTS:
                raise InputError(
                    "documents", f"more than {MAX_PACK_DOCUMENTS}", f"at most {MAX_PACK_DOCUMENTS}"
                )
    return tuple(out)


def pack_parts(
    db: Database, who: Principal, patient_id: int, chosen: tuple[int, ...]
) -> tuple[str, str, list[PackDocument]]:
    """What one patient's pack holds: the patient's identifier, the MDT case summary (HTML)
    of its current decision and the ``chosen`` documents in that order (not audited: the
    caller records the export)."""
    from tacepath.report.summaries import render_mdt_summary

    check(who.role, "summary.read")
    check(who.role, "patient.read")
    if len(chosen) > MAX_PACK_DOCUMENTS:
        raise InputError("documents", f"{len(chosen)} ids", f"at most {MAX_PACK_DOCUMENTS}")
    record = get_record(db, who, patient_id)
    html = render_mdt_summary(summary_decision(record))
    with db.read() as s:
        p = _patient(s, who, patient_id)
        rows = {
            r.id: r
            for r in s.scalars(
                select(DocumentRow).where(
                    DocumentRow.patient_id == p.id, DocumentRow.id.in_(chosen)
                )
            ).all()
        }
        missing = [i for i in chosen if i not in rows]
        if missing:
            raise NotFound("document", missing[0])
        docs = [
            PackDocument(
                id=r.id,
                kind_label=KIND_LABELS[r.kind],
                title=r.title,
                date=r.document_date,
                media_type=r.media_type,
                sha256=r.sha256,
                content=bytes(r.content),
            )
            for r in (rows[i] for i in chosen)
        ]
    return record.mrn, html, docs


def mdt_pack(
    db: Database,
    who: Principal,
    patient_id: int,
    chosen: tuple[int, ...],
    *,
    fmt: Literal["pdf", "html"],
) -> bytes | str:
    """The pack of the patient's current decision and the ``chosen`` documents, in that
    order: PDF bytes or an HTML string."""
    from tacepath.report.mdt_pack import mdt_pack_html, mdt_pack_pdf

    mrn, html, docs = pack_parts(db, who, patient_id, chosen)
    ids = ",".join(str(i) for i in chosen) or "none"
    record_read(db, who, "patient.export", "patient", patient_id, view=f"mdt-pack.{fmt}:{ids}")
    if fmt == "pdf":
        return mdt_pack_pdf(mrn, html, docs)
    return mdt_pack_html(mrn, html, docs)
