"""The MDT pack: contents page, the MDT summary of the one decision, the chosen documents
(PDF pages appended, images and texts printed), each document's permission checked, the
pack audited as an export."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
from sqlalchemy import select

from tacepath.errors import InputError
from tacepath.service.mdt_pack import MAX_PACK_DOCUMENTS, document_ids
from tacepath.store.models import AuditRecord
from tests.platform.conftest import client_for, example, login

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")


def _pdf(pages: int, label: str) -> bytes:
    """A real PDF of ``pages`` blank pages (pypdf), titled so it can be told apart."""
    w = pypdf.PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    w.add_metadata({"/Title": label})
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _png(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG (RFC 2083: signature, IHDR, one IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes([128] * width) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _upload(client: Any, pid: int, content: bytes, kind: str, title: str, date: str) -> int:
    r = client.post(
        f"/api/patients/{pid}/documents",
        data={"kind": kind, "title": title, "date": date},
        files={"file": ("f", content, "application/octet-stream")},
    )
    assert r.status_code == 201, r.text
    doc_id: int = r.json()["id"]
    return doc_id


def _pages(content: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def _text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)


def _patient(client: Any, mrn: str) -> int:
    snap = {**example("pathway/intermediate_candidate.json"), "id": mrn}
    pid: int = client.post("/api/patients", json=snap).json()["id"]
    return pid


def test_pack_pages_contents_and_choice(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    pid = _patient(client, "PACK1")
    two_pages = _pdf(2, "CT report")
    note = b"Pathology: moderately differentiated HCC.\nSecond line."
    ct = _upload(client, pid, two_pages, "imaging_report", "CT after TACE 1", "2026-03-02")
    path = _upload(client, pid, note, "pathology", "Biopsy report", "2026-01-15")
    img = _upload(client, pid, _png(), "other", "Key image", "2026-03-03")
    left_out = _upload(client, pid, _pdf(3, "consent"), "consent", "Signed consent", "2026-01-02")
    summary = client.get(f"/api/patients/{pid}/summary/mdt.pdf")
    assert summary.status_code == 200
    summary_pages = _pages(summary.content)
    r = client.get(f"/api/patients/{pid}/mdt-pack.pdf?documents={ct},{path},{img}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    # contents page + summary + 2 PDF pages + the text on one page + the image on one page
    assert _pages(r.content) == 1 + summary_pages + 2 + 1 + 1
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    contents = reader.pages[0].extract_text()
    first = 1 + summary_pages + 1  # the page after the contents and the summary
    for kind, date, title, content, page in [
        ("imaging report", "2026-03-02", "CT after TACE 1", two_pages, first),
        ("pathology", "2026-01-15", "Biopsy report", note, first + 2),
        ("other", "2026-03-03", "Key image", _png(), first + 3),
    ]:
        assert kind in contents
        assert date in contents
        assert title in contents
        # the SHA-256 prefix, then the page the document starts on
        assert f"{hashlib.sha256(content).hexdigest()[:12]} {page}" in contents
    assert "Signed consent" not in _text(r.content)
    assert "moderately differentiated HCC" in _text(r.content)
    assert "MDT case summary: patient PACK1" in reader.pages[1].extract_text()
    html = client.get(f"/api/patients/{pid}/mdt-pack.html?documents={path}&documents={ct}")
    assert html.status_code == 200
    assert "Biopsy report" in html.text
    assert "moderately differentiated HCC" in html.text
    assert "its pages are in the PDF pack" in html.text
    assert "Signed consent" not in html.text
    assert html.text.index("Biopsy report") < html.text.index("CT after TACE 1")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    with db.read() as s:
        exports = s.scalars(
            select(AuditRecord.after).where(
                AuditRecord.action == "patient.export", AuditRecord.entity_id == str(pid)
            )
        ).all()
    assert [e["view"] for e in exports] == [
        f"mdt-pack.pdf:{ct},{path},{img}",
        f"mdt-pack.html:{path},{ct}",
    ]
    assert left_out not in (ct, path, img)


def test_pack_refuses_other_organisations_and_roles(app: Any, db: Any, orgs: Any) -> None:
    a = client_for(app)
    login(a, "a-navigator")
    pid = _patient(a, "PACK2")
    mine = _upload(a, pid, b"Discharged after TACE 1.", "letter", "Discharge", "2026-02-01")
    b = client_for(app)
    login(b, "b-navigator")
    other_pid = _patient(b, "PACKB")
    theirs = _upload(b, other_pid, b"Another hospital's note.", "letter", "Theirs", "2026-02-01")
    refused = a.get(f"/api/patients/{pid}/mdt-pack.pdf?documents={mine},{theirs}")
    assert refused.status_code == 404
    assert "Another hospital" not in refused.text
    assert b.get(f"/api/patients/{pid}/mdt-pack.pdf?documents={mine}").status_code == 404
    stat = client_for(app)
    login(stat, "a-statistician")
    assert stat.get(f"/api/patients/{pid}/mdt-pack.pdf").status_code == 403
    with db.read() as s:
        exports = s.scalars(
            select(AuditRecord.id).where(AuditRecord.action == "patient.export")
        ).all()
    assert exports == []  # nothing refused was rendered or recorded as read
    ok = a.get(f"/api/patients/{pid}/mdt-pack.pdf")  # no document: contents + summary
    assert ok.status_code == 200
    assert (
        "No document was chosen" in pypdf.PdfReader(io.BytesIO(ok.content)).pages[0].extract_text()
    )


def test_a_damaged_pdf_is_refused_by_name(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    pid = _patient(client, "PACK4")
    damaged = _upload(client, pid, b"%PDF-1.4\nnot a PDF body\n", "other", "Scan", "2026-02-03")
    r = client.get(f"/api/patients/{pid}/mdt-pack.pdf?documents={damaged}")
    assert r.status_code == 422
    assert r.json()["problems"] == [
        {
            "field": f"document {damaged}",
            "value": "a PDF that cannot be read",
            "allowed": "a readable PDF",
        }
    ]


def test_documents_page_offers_the_pack(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    pid = _patient(client, "PACK3")
    doc = _upload(client, pid, b"Imaging report text.", "imaging_report", "MRI", "2026-02-03")
    page = client.get(f"/patients/{pid}/documents").text
    assert f'form="pack-form" name="documents" value="{doc}"' in page
    assert f'action="/api/patients/{pid}/mdt-pack.pdf"' in page


def test_document_ids_bounds_and_hostile_input() -> None:
    assert document_ids(["3,1", "3", " 2 "]) == (3, 1, 2)
    assert document_ids([]) == ()
    at_limit = ",".join(str(i) for i in range(1, MAX_PACK_DOCUMENTS + 1))
    assert len(document_ids([at_limit])) == MAX_PACK_DOCUMENTS
    with pytest.raises(InputError, match="at most 20"):
        document_ids([at_limit + f",{MAX_PACK_DOCUMENTS + 1}"])
    assert document_ids(["2147483647"]) == (2147483647,)
    for bad in ["0", "-1", "1e3", "²", "x" * 500, "2147483648", "9" * 5000]:
        with pytest.raises(InputError) as err:
            document_ids([bad])
        assert len(str(err.value.problems[0].value)) <= 20
