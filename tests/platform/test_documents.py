"""Documents attached to a patient: type judged by content, bounded, hashed, listed, access by
the patient's permissions and organisation, every view and download audited."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tacepath.errors import InputError
from tacepath.interop.attachments import MAX_ATTACHMENT_BYTES, sniff
from tacepath.store.models import AuditRecord
from tests.platform.conftest import client_for, example, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)


@pytest.mark.parametrize(
    ("content", "media"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        ("Échographie: nodule 32 mm\r\n".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_type_is_judged_by_content(content: bytes, media: str) -> None:
    assert sniff(content).media_type == media


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"PK\x03\x04" + bytes(30), "ZIP"),  # a DOCX named report.pdf is still a ZIP
        (b"MZ\x90\x00" + bytes(30), "NUL bytes"),
        (b"text with a NUL \x00 byte", "NUL bytes"),
        (b"\xff\xfe latin-1 \xe9", "binary content"),
        (b"", "an empty file"),
    ],
)
def test_other_content_is_refused_naming_what_it_is(content: bytes, found: str) -> None:
    with pytest.raises(InputError) as err:
        sniff(content)
    assert found in str(err.value.problems[0].value)
    assert err.value.problems[0].allowed == "a PDF, PNG or JPEG file, or UTF-8 text"


def test_size_is_bounded_on_both_sides() -> None:
    at_limit = b"a" * MAX_ATTACHMENT_BYTES
    assert sniff(at_limit).extension == "txt"
    with pytest.raises(InputError, match="at most 20 MiB"):
        sniff(at_limit + b"a")


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_any_bytes_are_accepted_only_as_a_known_type(content: bytes) -> None:
    try:
        got = sniff(content)
    except InputError:
        return
    if got.extension == "txt":
        content.decode("utf-8")  # text is valid UTF-8
    else:
        assert content[:3] in (b"%PD", b"\x89PN", b"\xff\xd8\xff")


def _patient(client: Any) -> int:
    snap = {**example("pathway/intermediate_candidate.json"), "id": "D1"}
    pid: int = client.post("/api/patients", json=snap).json()["id"]
    return pid


def _upload(client: Any, pid: int, content: bytes, name: str, **form: str) -> Any:
    data = {"kind": "imaging_report", "title": "CT after TACE 1", "date": "2026-03-02", **form}
    return client.post(
        f"/api/patients/{pid}/documents",
        data=data,
        files={"file": (name, content, "application/octet-stream")},
    )


def test_attach_list_view_download_audited(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    pid = _patient(client)
    r = _upload(client, pid, PDF, "scan.txt")  # the name says text; the content is a PDF
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["media_type"] == "application/pdf"
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert doc["size"] == len(PDF)
    again = _upload(client, pid, PDF, "copy.pdf", title="the same file")
    assert again.status_code == 409
    bad = _upload(client, pid, b"PK\x03\x04" + bytes(30), "report.pdf", kind="x", date="2026-13-01")
    assert bad.status_code == 422
    fields = {p["field"] for p in bad.json()["problems"]}
    assert fields == {"kind", "date"}  # metadata first, all at once
    zipped = _upload(client, pid, b"PK\x03\x04" + bytes(30), "report.pdf")
    assert zipped.status_code == 422
    assert "ZIP" in zipped.text
    listed = client.get(f"/api/patients/{pid}/documents").json()
    assert [(d["id"], d["kind"], d["date"]) for d in listed] == [
        (doc["id"], "imaging_report", "2026-03-02")
    ]
    shown = client.get(f"/api/patients/{pid}/documents/{doc['id']}")
    assert shown.content == PDF
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in shown.headers["content-security-policy"]
    assert shown.headers["content-disposition"].startswith("inline;")
    got = client.get(f"/api/patients/{pid}/documents/{doc['id']}?download=true")
    name = f"imaging_report-2026-03-02-{doc['id']}.pdf"
    assert got.headers["content-disposition"] == f'attachment; filename="{name}"'
    page = client.get(f"/patients/{pid}/documents/{doc['id']}/download")
    assert page.content == PDF
    with db.read() as s:
        views = s.scalars(
            select(AuditRecord.after).where(
                AuditRecord.action == "patient.read", AuditRecord.entity_id == str(pid)
            )
        ).all()
        added = s.scalars(
            select(AuditRecord.action).where(AuditRecord.action == "document.add")
        ).all()
    assert [v["view"] for v in views if v["view"].startswith("document.")] == [
        f"document.view:{doc['id']}",
        f"document.download:{doc['id']}",
        f"document.download:{doc['id']}",
    ]
    assert added == ["document.add"]


def test_another_organisation_and_other_roles(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-clinician")
    pid = _patient(client)
    doc = _upload(client, pid, PNG, "x.png", kind="pathology").json()
    other = client_for(app)
    login(other, "b-navigator")
    assert other.get(f"/api/patients/{pid}/documents").status_code == 404
    assert other.get(f"/api/patients/{pid}/documents/{doc['id']}").status_code == 404
    assert _upload(other, pid, JPEG, "y.jpg").status_code == 404
    stat = client_for(app)
    login(stat, "a-statistician")
    assert stat.get(f"/api/patients/{pid}/documents/{doc['id']}").status_code == 403
    with db.read() as s:
        reads = s.scalars(
            select(AuditRecord.after).where(AuditRecord.action == "patient.read")
        ).all()
    assert not [v for v in reads if v and str(v.get("view", "")).startswith("document.")]


def test_pages_attach_and_show(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    token = login(client, "a-navigator")
    pid = _patient(client)
    r = client.post(
        f"/patients/{pid}/documents",
        data={"kind": "letter", "title": "Discharge letter", "date": "2026-02-01",
              "csrf_token": token},
        files={"file": ("letter.txt", b"Discharged after TACE 1.", "text/plain")},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    listing = client.get(f"/patients/{pid}/documents")
    assert "Discharge letter" in listing.text
    assert "letter" in listing.text
    fragment = client.get(f"/patients/{pid}/documents?fragment=1")
    assert "<html" not in fragment.text
    assert "Discharge letter" in fragment.text
    bad = client.post(
        f"/patients/{pid}/documents",
        data={"kind": "letter", "title": "", "date": "", "csrf_token": token},
        files={"file": ("x.exe", b"MZ\x90\x00" + bytes(30), "application/octet-stream")},
    )
    assert bad.status_code == 422
    assert "nothing was saved" in bad.text
    patient_page = client.get(f"/patients/{pid}")
    assert f'hx-get="/patients/{pid}/documents?fragment=1"' in patient_page.text
