"""The audit trail's page and API: filters, pages, CSV export, and who sees what.

The admin sees who, when, what record and which fields changed, never values; clinician
and navigator of the same organisation see their patients' records with the values before
and after; another organisation sees nothing of them; the statistician not the trail.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from tests.platform.conftest import client_for, example, login, store_p003, web_login

FORMULA = '=HYPERLINK("http://x")'


def _patient(client: Any) -> int:
    pid = store_p003(client)
    assert client.get(f"/api/patients/{pid}").status_code == 200
    return pid


@pytest.fixture
def trail(app: Any, orgs: Any) -> dict[str, Any]:
    """Hospital A: a clinician makes and reads P003 and a patient whose identifier is a
    formula, a navigator reads P003, the clinician fails a login; an unknown user name fails
    too. Hospital B: its clinician makes its own P003."""
    a = client_for(app)
    login(a, "a-clinician")
    pid = _patient(a)
    nav = client_for(app)
    login(nav, "a-navigator")
    assert nav.get(f"/api/patients/{pid}/fhir").status_code == 200
    formula = {**example("pathway/P003_snapshot.json"), "id": FORMULA}
    assert a.post("/api/patients", json=formula).status_code == 201
    for username in ("a-clinician", "nobody"):
        r = client_for(app).post("/api/auth/login", json={"username": username, "password": "x"})
        assert r.status_code == 401
    b = client_for(app)
    login(b, "b-clinician")
    other = _patient(b)
    return {"app": app, "pid": pid, "other": other}


def _as(app: Any, username: str) -> Any:
    c = client_for(app)
    login(c, username)
    return c


def test_the_admin_filters_by_user_patient_action_and_days(trail: dict[str, Any]) -> None:
    admin = _as(trail["app"], "a-admin")
    everything = admin.get("/api/audit")
    assert everything.status_code == 200
    total = int(everything.headers["x-total-count"])
    assert total == len(everything.json()) >= 9
    by_user = admin.get("/api/audit", params={"user": "a-navigator"}).json()
    assert {a["user"] for a in by_user} == {"a-navigator"}
    assert {a["action"] for a in by_user} == {"auth.login", "patient.export"}
    by_patient = admin.get("/api/audit", params={"patient": "P003"}).json()
    assert {a["entity_id"] for a in by_patient} == {str(trail["pid"])}
    assert {a["action"] for a in by_patient} >= {
        "patient.create",
        "timeline.replace",
        "course.update",
        "patient.read",
        "patient.export",
    }
    by_action = admin.get("/api/audit", params={"action": "course.update"}).json()
    assert [a["fields"] for a in by_action] == [["regimen"]]
    today = dt.datetime.now(dt.UTC).date()
    day = dt.timedelta(days=1)
    assert len(admin.get("/api/audit", params={"since": today.isoformat()}).json()) == total
    assert admin.get("/api/audit", params={"since": (today + day).isoformat()}).json() == []
    assert admin.get("/api/audit", params={"until": (today - day).isoformat()}).json() == []
    assert len(admin.get("/api/audit", params={"until": today.isoformat()}).json()) == total
    assert admin.get("/api/audit", params={"patient": "P999"}).json() == []
    # both sides of the day range and hostile filters: a clear 422, never a 500
    assert (
        admin.get("/api/audit", params={"since": "2026-02-01", "until": "2026-01-31"}).status_code
        == 422
    )
    assert admin.get("/api/audit", params={"since": "0001-01-01"}).status_code == 422
    assert admin.get("/api/audit", params={"user": "u" * 81}).status_code == 422
    assert admin.get("/api/audit", params={"offset": -1}).status_code == 422
    assert admin.get("/api/audit", params={"limit": 1001}).status_code == 422


def test_pages_of_the_trail_cover_it_once_newest_first(trail: dict[str, Any]) -> None:
    admin = _as(trail["app"], "a-admin")
    whole = admin.get("/api/audit").json()
    ids = [a["id"] for a in whole]
    assert ids == sorted(ids, reverse=True)
    pages = []
    for offset in range(0, len(ids), 4):
        r = admin.get("/api/audit", params={"offset": offset, "limit": 4})
        assert int(r.headers["x-total-count"]) == len(ids)
        pages.extend(a["id"] for a in r.json())
    assert pages == ids
    assert admin.get("/api/audit", params={"offset": len(ids)}).json() == []


def test_the_admin_never_sees_values_and_logins_are_apart(trail: dict[str, Any]) -> None:
    admin = _as(trail["app"], "a-admin")
    text = json.dumps(admin.get("/api/audit").json())
    for value in ("tace-sorafenib", "2026-01-12", "P003", "bilirubin"):
        assert value not in text, value
    page = admin.get("/audit")
    assert page.status_code == 200
    assert "<td>course.update</td>" in page.text
    assert "regimen" in page.text
    assert "<td>auth.login" not in page.text  # the page opens on changes, sign-ins apart
    assert "tace-sorafenib" not in page.text
    assert "P003" not in page.text
    signins = admin.get("/audit", params={"category": "access"}).text
    assert "<td>auth.login_failed</td>" in signins
    assert "<td>course.update</td>" not in signins
    export = admin.get("/api/audit.csv", params={"patient": "P003"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "tace-sorafenib" not in export.text
    assert "P003" not in export.text


def test_the_csv_export_is_formula_safe(trail: dict[str, Any]) -> None:
    admin = _as(trail["app"], "a-admin")
    r = admin.get("/api/audit.csv", params={"category": "access"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == [
        "id",
        "at",
        "user",
        "action",
        "category",
        "entity",
        "entity_id",
        "fields",
        "view",
    ]
    failed = [row for row in rows if row["action"] == "auth.login_failed"]
    assert [row["user"] for row in failed] == ["a-clinician"]  # "nobody": no organisation
    total = admin.get("/api/audit", params={"category": "access"}).headers["x-total-count"]
    assert len(rows) == int(total)
    clinician = _as(trail["app"], "a-clinician")
    rows = list(csv.DictReader(io.StringIO(clinician.get("/api/audit.csv").text)))
    assert "'" + FORMULA in {row["patient"] for row in rows}
    assert FORMULA not in {row["patient"] for row in rows}
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())


@pytest.mark.parametrize("role", ["clinician", "navigator"])
def test_clinical_roles_see_their_patients_values(trail: dict[str, Any], role: str) -> None:
    c = _as(trail["app"], f"a-{role}")
    r = c.get("/api/audit", params={"action": "course.update"})
    assert r.status_code == 200
    (row,) = r.json()
    assert row["patient"] == "P003"
    assert row["changes"]["regimen"] == {"before": None, "after": "tace-sorafenib"}
    whole = c.get("/api/audit").json()
    assert {a["entity"] for a in whole} == {"patient"}  # no sign-ins, accounts or trials
    seen = {a["entity_id"] for a in whole}
    assert str(trail["pid"]) in seen
    assert str(trail["other"]) not in seen  # never Hospital B's P003
    assert c.get("/api/audit", params={"category": "access"}).json() == []
    page = c.get("/audit", params={"patient": "P003"})
    assert page.status_code == 200
    assert "patient P003" in page.text
    assert "tace-sorafenib" in page.text
    export = list(csv.DictReader(io.StringIO(c.get("/api/audit.csv").text)))
    course = [e for e in export if e["action"] == "course.update"]
    assert json.loads(course[0]["changes"])["regimen"]["after"] == "tace-sorafenib"


def test_another_organisation_never_sees_the_records(trail: dict[str, Any]) -> None:
    for username in ("b-clinician", "b-admin"):
        c = _as(trail["app"], username)
        rows = c.get("/api/audit").json()
        assert str(trail["pid"]) not in {a["entity_id"] for a in rows if a["entity"] == "patient"}
        assert not any(a["user"].startswith("a-") for a in rows)
        assert "a-clinician" not in c.get("/api/audit.csv").text
        assert "a-clinician" not in c.get("/audit", params={"category": ""}).text
    b = _as(trail["app"], "b-clinician")
    (mine,) = b.get("/api/audit", params={"action": "course.update"}).json()
    assert mine["entity_id"] == str(trail["other"])


def test_the_statistician_may_not_read_the_trail(trail: dict[str, Any]) -> None:
    stat = _as(trail["app"], "a-statistician")
    assert stat.get("/api/audit").status_code == 403
    assert stat.get("/api/audit.csv").status_code == 403
    web = client_for(trail["app"])
    web_login(web, "a-statistician")
    assert web.get("/audit").status_code == 403


def test_the_page_pages_through_the_trail(
    trail: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tacepath.web.routes import account

    monkeypatch.setattr(account, "AUDIT_PAGE_SIZE", 3)
    admin = client_for(trail["app"])
    web_login(admin, "a-admin")
    first = admin.get("/audit", params={"category": ""})
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    second = admin.get("/audit", params={"category": "", "page": 2})
    assert 'rel="prev"' in second.text
    assert admin.get("/audit", params={"page": 0}).status_code == 422


def test_long_values_are_given_as_an_excerpt(trail: dict[str, Any]) -> None:
    from tacepath.service.audit import MAX_VALUE_CHARS

    c = _as(trail["app"], "a-clinician")
    (row,) = c.get("/api/audit", params={"action": "timeline.replace"}).json()
    after = row["changes"]["timeline"]["after"]
    # the stored timeline's JSON is longer than the bound: its beginning is shown, cut
    assert isinstance(after, str)
    assert len(after) == MAX_VALUE_CHARS + 1
    assert after.endswith("…")
    assert after.startswith("{")
    short = c.get("/api/audit", params={"action": "course.update"}).json()[0]
    assert short["changes"]["regimen"]["after"] == "tace-sorafenib"  # short values whole
