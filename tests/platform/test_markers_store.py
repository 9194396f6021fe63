"""Tumour markers are stored with the timeline, added by a follow-up, and read back as given;
a timeline stored without them still loads (the contract is backward compatible)."""

from __future__ import annotations

from typing import Any

from tacepath.domain.timeline import parse_timeline
from tacepath.pathway.followup import followup
from tests.platform.conftest import client_for, example, login


def test_markers_round_trip_and_a_followup_adds_one(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-clinician")
    snap = {**example("pathway/intermediate_candidate.json"), "id": "P007"}
    pid = client.post("/api/patients", json=snap).json()["id"]
    tl = example("timelines/P007_jsh_refractory.json")
    last = tl["assessments"].pop()
    given = tl.pop("markers")
    tl["markers"] = [m for m in given if m["date"] < last["date"]]
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json=tl)
    assert r.status_code == 200, r.text
    stored = client.get(f"/api/patients/{pid}").json()
    assert stored["timeline"]["markers"] == tl["markers"]
    r = client.post(
        f"/api/patients/{pid}/followups",
        json={
            "version": stored["version"],
            "regimen": "tace-sorafenib",
            "assessment": last,
            "markers": [given[-1]],  # AFP 890 ng/mL on 2026-06-08
        },
    )
    assert r.status_code == 201, r.text
    rec = client.get(f"/api/patients/{pid}").json()
    assert rec["timeline"]["markers"] == given
    want = followup(parse_timeline(example("timelines/P007_jsh_refractory.json")), "tace-sorafenib")
    got = r.json()["decision"]
    assert got["next_steps"] == list(want.next_steps)
    assert any(s.startswith("MDT review: AFP after TACE on 2026-03-09") for s in got["next_steps"])
    bad = client.post(
        f"/api/patients/{pid}/followups",
        json={
            "version": rec["version"],
            "markers": [{"date": "2026-06-09", "marker": "pivka_ii", "value": 1, "unit": "ng/mL"}],
        },
    )
    assert bad.status_code == 422
    assert "mAU/mL" in bad.text


def test_a_timeline_without_markers_still_loads(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    snap = {**example("pathway/intermediate_candidate.json"), "id": "P001"}
    pid = client.post("/api/patients", json=snap).json()["id"]
    tl = example("timelines/P001_new_liver_lesion_only.json")
    assert "markers" not in tl
    assert client.put(f"/api/patients/{pid}/timeline?version=1", json=tl).status_code == 200
    assert client.get(f"/api/patients/{pid}").json()["timeline"]["markers"] == []
