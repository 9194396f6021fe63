"""Reads of patient data are audited; the admin sees who, when, what and which fields,
never the values; sign-ins are kept apart from clinical changes.

Before: viewing a patient, its FHIR export, summaries and course plot left no trace, and
``GET /api/audit`` and the admin page showed every before and after image in full to the
admin, who has no clinical role.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tacepath.store.models import AuditRecord
from tests.platform.conftest import login, store_p003, web_login

_READS = [
    ("/api/patients/{pid}", "patient.read", "record"),
    ("/patients/{pid}", "patient.read", "page"),
    ("/api/patients/{pid}/assessment", "patient.read", "assessment"),
    ("/api/patients/{pid}/decision", "patient.read", "decision"),
    ("/api/patients/{pid}/course.png", "patient.read", "course.png"),
    ("/api/patients/{pid}/fhir", "patient.export", "fhir"),
    ("/api/patients/{pid}/summary/mdt.html", "summary.read", "mdt.html"),
    ("/api/patients/{pid}/summary/patient.html", "summary.read", "patient.html"),
    ("/api/patients/{pid}/summary/mdt.pdf", "summary.read", "mdt.pdf"),
]


def _reads(db: Any, pid: int) -> list[tuple[str, str, str, Any]]:
    with db.read() as s:
        rows = s.scalars(
            select(AuditRecord)
            .where(
                AuditRecord.entity_id == str(pid),
                AuditRecord.action.in_(["patient.read", "patient.export", "summary.read"]),
            )
            .order_by(AuditRecord.id)
        ).all()
        return [(r.action, r.username, r.after["view"], r.after) for r in rows]


def test_every_read_of_a_patient_is_audited_without_its_values(
    client: Any, db: Any, orgs: Any
) -> None:
    login(client, "a-clinician")
    pid = store_p003(client)
    assert _reads(db, pid) == []
    web_login(client, "a-clinician")
    for path, _, _ in _READS:
        r = client.get(path.format(pid=pid))
        assert r.status_code == 200, (path, r.text[:200])
    got = _reads(db, pid)
    assert [(a, v) for a, _, v, _ in got] == [(a, v) for _, a, v in _READS]
    assert all(user == "a-clinician" for _, user, _, _ in got)
    assert all(after == {"view": view} for _, _, view, after in got)  # never values


def test_a_read_refused_to_another_organisation_records_nothing(
    client: Any, db: Any, orgs: Any
) -> None:
    login(client, "a-clinician")
    pid = store_p003(client)
    client.post("/api/auth/logout")
    login(client, "b-clinician")
    assert client.get(f"/api/patients/{pid}").status_code == 404
    assert _reads(db, pid) == []


def test_the_admin_sees_fields_and_views_never_values(client: Any, db: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid = store_p003(client)
    client.get(f"/api/patients/{pid}/fhir")
    client.post("/api/auth/logout")
    login(client, "a-admin")
    r = client.get("/api/audit", params={"entity": "patient", "entity_id": str(pid)})
    assert r.status_code == 200
    trail = r.json()
    text = json.dumps(trail)
    for value in ("tace-sorafenib", "2026-01-12", "P003", "bilirubin"):
        assert value not in text, value  # no value of the record reaches the admin
    assert all("before" not in a and "after" not in a for a in trail)
    by_action = {a["action"]: a for a in trail}
    assert "regimen" in by_action["course.update"]["fields"]
    assert by_action["patient.export"]["view"] == "fhir"
    assert by_action["patient.export"]["category"] == "read"
    page = client.get("/admin")
    assert page.status_code == 200
    assert "tace-sorafenib" not in page.text
    assert "regimen" in page.text


def test_sign_ins_are_kept_apart_from_changes_and_reads(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid = store_p003(client)
    client.get(f"/api/patients/{pid}")
    client.post("/api/auth/logout")
    assert client.post("/api/auth/login", json={"username": "a-clinician", "password": "no"})
    login(client, "a-admin")
    got = {}
    for category in ("access", "read", "change"):
        r = client.get("/api/audit", params={"category": category})
        assert r.status_code == 200
        got[category] = {a["action"] for a in r.json()}
        assert {a["category"] for a in r.json()} == {category}
    assert {"auth.login", "auth.logout", "auth.login_failed"} <= got["access"]
    assert got["read"] == {"patient.read"}
    assert {"patient.create", "timeline.replace", "course.update"} <= got["change"]
    assert not any(a.startswith("auth.") for a in got["change"])
    assert client.get("/api/audit", params={"category": "values"}).status_code == 422
    page = client.get("/admin", params={"category": "access"})
    assert page.status_code == 200
    assert "course.update" not in page.text
