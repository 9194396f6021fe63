"""Patient records through the API: validation by the domain, engines' answers, versions, audit."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from sqlalchemy import func, select

from tacepath.clinical.assessment import assess
from tacepath.domain.patient import parse_patient
from tacepath.domain.timeline import parse_timeline
from tacepath.pathway.followup import followup
from tacepath.pathway.model import catalogue
from tacepath.pathway.schedule import schedule
from tacepath.store.models import AuditRecord, DecisionRow, LesionRow, Patient, Snapshot
from tests.platform.conftest import client_for, example, login, store_course


def _counts(db: Any) -> tuple[int, int, int, int]:
    with db.read() as s:
        changes = (  # reading the record is audited too: changes only
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action != "patient.read")
        )
        return (  # type: ignore[return-value]
            *(
                s.scalar(select(func.count()).select_from(m)) or 0
                for m in (Patient, Snapshot, LesionRow)
            ),
            s.scalar(changes) or 0,
        )


def _p003(client: Any) -> int:
    r = client.post("/api/patients", json=example("pathway/P003_snapshot.json"))
    assert r.status_code == 201, r.text
    pid: int = r.json()["id"]
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json=tl)
    assert r.status_code == 200, r.text
    rec = client.get(f"/api/patients/{pid}").json()
    r = client.put(
        f"/api/patients/{pid}/course", json={"version": rec["version"], "regimen": "tace-sorafenib"}
    )
    assert r.status_code == 200, r.text
    return pid


def test_bad_values_get_422_with_field_value_allowed_and_nothing_is_stored(
    client: Any, db: Any, orgs: Any
) -> None:
    login(client, "a-clinician")
    before = _counts(db)
    bad = {
        "id": "X1",
        "ecog": 7,
        "labs": {
            "bilirubin": {"value": -1, "unit": "mg/dL"},
            "albumin": {"value": 45, "unit": "g/dL"},
        },
    }
    r = client.post("/api/patients", json=bad)
    assert r.status_code == 422
    problems = {p["field"]: p for p in r.json()["problems"]}
    assert problems["ecog"]["value"] == 7
    assert "5" in problems["ecog"]["allowed"]
    # the lab limits are the domain's (bilirubin > 0, albumin <= 10 g/dL), second pass
    r = client.post("/api/patients", json={"id": "X1", "labs": bad["labs"]})
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["problems"]}
    assert fields == {"labs.bilirubin", "labs.albumin"}
    assert _counts(db) == before


def test_scores_and_pathway_are_the_engines(client: Any, orgs: Any) -> None:
    login(client, "a-navigator")
    raw = example("pathway/intermediate_candidate.json")
    pid = client.post("/api/patients", json=raw).json()["id"]
    got = client.get(f"/api/patients/{pid}/assessment").json()
    want = assess(parse_patient(raw)).to_dict()
    assert got["child_pugh"]["score"] == want["child_pugh"]["score"]
    assert got["bclc"]["stage"] == want["bclc"]["stage"]
    assert got["albi"]["score"] == want["albi"]["score"]
    statuses = {
        r["id"]: r["status"] for r in client.get(f"/api/patients/{pid}/pathway").json()["regimens"]
    }
    assert statuses["tace-sorafenib"] in ("eligible", "needs_information", "not_eligible")
    assert set(statuses) == {r.id for r in catalogue().regimens}  # every regimen of the catalogue


def test_followup_gives_the_engines_decision_and_stores_it(client: Any, db: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid = _p003(client)
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    last = tl["assessments"].pop()
    version = client.get(f"/api/patients/{pid}").json()["version"]
    r = client.put(f"/api/patients/{pid}/timeline?version={version}", json=tl)
    assert r.status_code == 200
    version = r.json()["version"]
    r = client.post(
        f"/api/patients/{pid}/followups",
        json={
            "version": version,
            "assessment": last,
            "labs": {"bilirubin": {"value": 1.4, "unit": "mg/dL"}},
        },
    )
    assert r.status_code == 201, r.text
    got = r.json()["decision"]
    want = followup(
        parse_timeline(example("timelines/P003_untaceable_intrahepatic.json")), "tace-sorafenib"
    )
    assert got["decision"] == want.decision == "tace-failure"
    assert got["reasons"] == list(want.reasons)
    assert got["record_version"] == r.json()["version"]
    rec = client.get(f"/api/patients/{pid}").json()
    assert rec["snapshot"]["labs"]["bilirubin"]["value"] == 1.4
    assert rec["snapshot"]["date"] == last["date"]
    assert rec["decisions"][0]["decision"] == "tace-failure"
    with db.read() as s:
        actions = s.scalars(
            select(AuditRecord.action).where(
                AuditRecord.entity_id == str(pid), AuditRecord.action != "patient.read"
            )
        ).all()
    assert actions[-1] == "followup.record"


def test_a_followup_that_breaks_the_timeline_is_refused_whole(
    client: Any, db: Any, orgs: Any
) -> None:
    login(client, "a-clinician")
    pid = _p003(client)
    before = _counts(db)
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    visit = copy.deepcopy(tl["assessments"][1])
    visit["date"] = "2026-02-01"  # before the last assessment: dates out of order
    visit["lesions"][0]["longest_mm"] = -3
    version = client.get(f"/api/patients/{pid}").json()["version"]
    r = client.post(
        f"/api/patients/{pid}/followups", json={"version": version, "assessment": visit}
    )
    assert r.status_code == 422
    assert all({"field", "value", "allowed"} <= set(p) for p in r.json()["problems"])
    assert _counts(db) == before


def test_concurrent_edits_of_one_record_are_detected(app: Any, orgs: Any) -> None:
    alice, bob = client_for(app), client_for(app)
    login(alice, "a-clinician")
    login(bob, "a-navigator")
    pid = _p003(alice)
    version = alice.get(f"/api/patients/{pid}").json()["version"]
    assert version == bob.get(f"/api/patients/{pid}").json()["version"]
    r1 = alice.put(
        f"/api/patients/{pid}/course", json={"version": version, "last_contact_date": "2026-11-01"}
    )
    assert r1.status_code == 200
    r2 = bob.put(
        f"/api/patients/{pid}/course", json={"version": version, "last_contact_date": "2026-11-02"}
    )
    assert r2.status_code == 409
    assert r2.json()["current_version"] == r1.json()["version"]
    assert alice.get(f"/api/patients/{pid}").json()["last_contact_date"] == "2026-11-01"


def test_every_change_is_audited_with_before_and_after(client: Any, db: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid = _p003(client)
    with db.read() as s:
        rows = s.scalars(
            select(AuditRecord)
            .where(AuditRecord.entity == "patient", AuditRecord.entity_id == str(pid))
            .order_by(AuditRecord.id)
        ).all()
        trail = [
            (r.action, r.username, r.before, r.after) for r in rows if r.action != "patient.read"
        ]
    assert [a for a, *_ in trail] == ["patient.create", "timeline.replace", "course.update"]
    assert all(user == "a-clinician" for _, user, *_ in trail)
    course = trail[2]
    assert course[2]["regimen"] is None
    assert course[3]["regimen"] == "tace-sorafenib"
    assert course[3]["start_date"] == "2026-01-12"


def test_schedule_is_the_engines(client: Any, orgs: Any) -> None:
    login(client, "a-navigator")
    r = client.get(
        "/api/schedule",
        params={"regimen": "tactics", "start": "2026-12-01", "tace_dates": ["2026-12-17"]},
    )
    assert r.status_code == 200
    want = schedule("tactics", dt.date(2026, 12, 1), tace_dates=(dt.date(2026, 12, 17),))
    assert r.json()["events"] == want.to_dict()["events"]
    r = client.get("/api/schedule", params={"regimen": "nonsense", "start": "2026-12-01"})
    assert r.status_code == 422


def test_course_plot_and_summaries(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid = _p003(client)
    png = client.get(f"/api/patients/{pid}/course.png")
    assert png.status_code == 200
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    mdt = client.get(f"/api/patients/{pid}/summary/mdt.html")
    assert mdt.status_code == 200
    assert "P003" in mdt.text
    assert "style-src 'unsafe-inline'" in mdt.headers["content-security-policy"]
    pdf = client.get(f"/api/patients/{pid}/summary/patient.pdf")
    assert pdf.status_code == 200
    assert pdf.content[:5] == b"%PDF-"


def test_decisions_table_holds_rows(client: Any, db: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid = _p003(client)
    version = client.get(f"/api/patients/{pid}").json()["version"]
    assert client.post(f"/api/patients/{pid}/decisions?version={version}").status_code == 201
    with db.read() as s:
        d = s.scalars(select(DecisionRow).where(DecisionRow.patient_id == pid)).one()
    assert d.decision == "tace-failure"
    assert d.visit_date == dt.date(2026, 6, 29)


def test_a_failure_recorded_in_the_history_reaches_the_stored_decision(
    client: Any, orgs: Any
) -> None:
    """V12's history records JSH refractoriness on 2026-04-13; P002's timeline alone shows a
    complete response. The stored decision, the live decision and the pathway are the one
    decision of the record: TACE failure, no TACE option."""
    login(client, "a-clinician")
    raw = example("timelines/P002_complete_response.json")
    snap = {**_vignette("v12_tace_failure_recorded.json"), "id": raw["id"]}
    pid, version = store_course(client, snap, raw, "tace-alone")
    assert followup(parse_timeline(raw), "tace-alone").decision != "tace-failure"
    live = client.get(f"/api/patients/{pid}/decision").json()
    assert live["decision"] == "tace-failure"
    stored = client.post(f"/api/patients/{pid}/decisions?version={version}")
    assert stored.status_code == 201, stored.text
    assert stored.json()["decision"] == "tace-failure"
    regimens = client.get(f"/api/patients/{pid}/pathway").json()["regimens"]
    offered = [x["id"] for x in regimens if x["status"] != "not_eligible"]
    assert offered
    assert not [x for x in regimens if "tace" in x["components"] and x["status"] != "not_eligible"]
    page = client.get(f"/patients/{pid}").text
    assert "TACE failure (refractoriness, JSH-LCSGJ criteria) on 2026-04-13" in page


def _vignette(name: str) -> dict[str, Any]:
    import json
    from pathlib import Path

    here = Path(__file__).resolve().parents[1] / "pathway" / "vignettes" / name
    out: dict[str, Any] = json.loads(here.read_text())
    return out
