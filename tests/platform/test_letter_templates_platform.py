"""An organisation's letter templates: saved as versions by an admin or navigator, audited,
used for that organisation's letters only; the family-doctor letter as DOCX from the API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from tacepath.store.models import AuditRecord
from tests.platform.conftest import client_for, example, login, store_course

docx = pytest.importorskip("docx")

BODY = (
    "<p>Dear oncology team of {{ addressee.organisation or 'our partner' }},</p>"
    "{{ pieces.failure }}{{ pieces.key_values }}{{ pieces.followup }}"
    "{{ pieces.options }}{{ pieces.missing }}<p>Yours, {{ sender.name }}</p>"
)


def test_saved_template_versions_are_used_audited_and_scoped(app: Any, db: Any, orgs: Any) -> None:
    nav = client_for(app)
    login(nav, "a-navigator")
    snap = {**example("pathway/intermediate_candidate.json"), "id": "TPL1"}
    pid: int = nav.post("/api/patients", json=snap).json()["id"]
    page = nav.get("/letters/templates?team=oncology")
    assert page.status_code == 200
    assert "Medical oncology: default" in page.text
    saved = nav.post(
        "/letters/templates", data={"team": "oncology", "body": BODY}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/letters/templates?team=oncology"
    page = nav.get("/letters/templates?team=oncology").text
    assert "Medical oncology: version 1" in page
    assert "version 1 (current)" in page
    letter = nav.get(f"/api/patients/{pid}/letter.html?to=oncology&addressee_organisation=Clinic")
    assert letter.status_code == 200
    assert "Dear oncology team of Clinic," in letter.text
    assert "letter template version 1" in letter.text
    assert "Options for your team" in letter.text  # the decision's piece, still there

    hostile = nav.post(
        "/letters/templates",
        data={"team": "oncology", "body": "{% for i in range(99999) %}x{% endfor %}"},
    )
    assert hostile.status_code == 422
    assert "Not saved: template: a For block at line 1" in hostile.text
    unknown = nav.post("/letters/templates", data={"team": "nobody", "body": BODY})
    assert unknown.status_code == 422

    admin = client_for(app)
    login(admin, "a-admin")
    assert admin.get("/letters/templates").status_code == 200
    clinician = client_for(app)
    login(clinician, "a-clinician")
    assert clinician.get("/letters/templates").status_code == 403
    other = client_for(app)
    login(other, "b-navigator")
    assert "Medical oncology: default" in other.get("/letters/templates?team=oncology").text
    snap_b = {**example("pathway/intermediate_candidate.json"), "id": "TPLB"}
    pid_b: int = other.post("/api/patients", json=snap_b).json()["id"]
    letter_b = other.get(f"/api/patients/{pid_b}/letter.html?to=oncology").text
    assert "letter template default" in letter_b
    assert "Dear colleagues," in letter_b

    with db.read() as s:
        trail = s.scalars(
            select(AuditRecord.after).where(AuditRecord.action == "letter.template")
        ).all()
    assert len(trail) == 1
    assert trail[0]["team"] == "oncology"
    assert trail[0]["version"] == 1
    assert trail[0]["characters"] == len(BODY)
    assert len(trail[0]["sha256"]) == 64


def test_family_doctor_letter_as_docx_and_refused_after_death(app: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    pid, _ = store_course(
        client,
        {**example("pathway/intermediate_candidate.json"), "id": "P002"},
        example("timelines/P002_complete_response.json"),
        "tace-sorafenib",
    )
    r = client.get(f"/api/patients/{pid}/letter.docx?to=family-doctor&addressee_name=Dr%20GP")
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == (
        f'attachment; filename="letter-family-doctor-{pid}.docx"'
    )
    doc = docx.Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Treatment plan: patient P002" in text
    assert "Dear Dr GP," in text
    plan_html = client.get(f"/api/patients/{pid}/letter.html?to=family-doctor").text
    (table,) = doc.tables
    for row in table.rows[1:]:
        assert f"<tr><td>{row.cells[0].text}</td>" in plan_html
    web = client.get(f"/patients/{pid}/letter?to=family-doctor&format=docx")
    assert web.status_code == 200
    assert web.content[:2] == b"PK"
    dead, _ = store_course(
        client,
        {**example("pathway/intermediate_candidate.json"), "id": "P008"},
        example("timelines/P008_death_without_progression.json"),
        "tace-sorafenib",
    )
    refused = client.get(f"/api/patients/{dead}/letter.docx?to=family-doctor")
    assert refused.status_code == 422
    assert "a living patient" in refused.text
