"""FHIR R4 import/export and registry CSV import, through the API."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

import pandas as pd
import pytest

from tacepath.clinical.cohort import assess_cohort
from tacepath.domain.timeline import parse_timeline
from tacepath.errors import InputError
from tacepath.interop.cohort_csv import cohort_patients
from tacepath.interop.fhir import bundle_to_record, record_to_bundle
from tacepath.interop.loinc import ECOG, LABS
from tests.platform.conftest import EXAMPLES, example, login


def _bundle() -> dict[str, Any]:
    snap = example("pathway/P003_snapshot.json") | {"date": "2026-06-29"}
    return record_to_bundle(snap, example("timelines/P003_untaceable_intrahepatic.json"), "P003")


def test_export_then_import_gives_back_labs_lesions_sessions_and_drugs() -> None:
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    imported = bundle_to_record(_bundle(), start_date=dt.date.fromisoformat(tl["start_date"]))
    assert imported.unsupported == []
    want, got = parse_timeline(tl), parse_timeline(imported.timeline)
    assert got.assessments == want.assessments
    assert got.tace_sessions == want.tace_sessions
    assert got.drug_periods == want.drug_periods
    assert got.child_pugh == want.child_pugh
    labs = example("pathway/P003_snapshot.json")["labs"]
    assert {k: v["value"] for k, v in imported.snapshot["labs"].items()} == {
        k: v["value"] for k, v in labs.items()
    }


def test_the_new_lesions_a_tace_session_treated_survive_export_and_import() -> None:
    tl = example("timelines/P010_new_lesion_treated_at_next_tace.json")
    snap = example("pathway/P003_snapshot.json") | {"date": "2026-05-04", "id": "P010"}
    bundle = record_to_bundle(snap, tl, "P010")
    imported = bundle_to_record(bundle, start_date=dt.date.fromisoformat(tl["start_date"]))
    want, got = parse_timeline(tl), parse_timeline(imported.timeline)
    assert got.tace_sessions == want.tace_sessions
    assert got.tace_sessions[1].treated_lesions == ("NL1",)
    assert [a.lesions for a in got.assessments] == [a.lesions for a in want.assessments]


def test_import_reports_what_it_does_not_use(client: Any, orgs: Any) -> None:
    login(client, "a-navigator")
    bundle = _bundle()
    bundle["entry"] += [
        {
            "resource": {
                "resourceType": "Condition",
                "id": "hcc",
                "code": {"text": "HCC"},
                "subject": {"reference": "Patient/patient"},
            }
        },
        {
            "resource": {
                "resourceType": "Flag",
                "id": "f",
                "status": "active",
                "code": {"text": "x"},
                "subject": {"reference": "Patient/patient"},
            }
        },
        {
            "resource": {
                "resourceType": "Observation",
                "id": "hb",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
                "valueQuantity": {"value": 13, "unit": "g/dL"},
            }
        },
    ]
    r = client.post("/api/import/fhir", json=bundle)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["created"] is True
    reasons = {u["resource"]: u["reason"] for u in report["unsupported"]}
    assert set(reasons) == {"Condition/hcc", "Flag/f", "Observation/hb"}
    assert "not read" in reasons["Flag/f"]
    assert any("bilirubin (LOINC 1975-2)" in u for u in report["used"])
    rec = client.get(f"/api/patients/{report['id']}").json()
    assert rec["snapshot"]["labs"]["albumin"]["value"] == 3.6
    assert len(rec["timeline"]["assessments"]) == 4
    # the same Bundle again updates the record (new snapshot), it does not duplicate it
    again = client.post("/api/import/fhir", json=bundle).json()
    assert again["created"] is False
    assert again["id"] == report["id"]
    exported = client.get(f"/api/patients/{report['id']}/fhir").json()
    assert exported["resourceType"] == "Bundle"
    codes = {
        e["resource"]["code"]["coding"][0]["code"]
        for e in exported["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["system"] == "http://loinc.org"
    }
    labs = {LABS[a].code for a in ("bilirubin", "albumin", "inr", "creatinine", "sodium", "afp")}
    assert codes == labs | {ECOG.code}


def test_a_bad_lab_in_a_bundle_is_refused_with_its_field(client: Any, db: Any, orgs: Any) -> None:
    login(client, "a-navigator")
    bundle = copy.deepcopy(_bundle())
    for e in bundle["entry"]:
        if e["resource"]["id"] == "lab-albumin":
            e["resource"]["valueQuantity"]["value"] = 45  # g/dL: cannot be real
    r = client.post("/api/import/fhir", json=bundle)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "labs.albumin"
    assert client.get("/api/patients").json() == []


def test_not_a_bundle(client: Any, orgs: Any) -> None:
    login(client, "a-navigator")
    r = client.post("/api/import/fhir", json={"resourceType": "Patient"})
    assert r.status_code == 422
    r = client.post(
        "/api/import/fhir", json={"resourceType": "Bundle", "type": "collection", "entry": []}
    )
    assert r.status_code == 422
    assert "exactly one Patient" in r.text


def test_csv_import_all_or_nothing(client: Any, orgs: Any) -> None:
    login(client, "a-navigator")
    good = (EXAMPLES / "cohort.csv").read_bytes()
    bad = good.replace(b"P002,female,58,0,12,", b"P002,female,58,9,12,")
    r = client.post("/api/import/csv", files={"file": ("c.csv", bad, "text/csv")})
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"].startswith("row 3 (id=P002).ecog")
    assert client.get("/api/patients").json() == []
    r = client.post("/api/import/csv", files={"file": ("c.csv", good, "text/csv")})
    assert r.status_code == 201
    assert len(r.json()["created"]) == 6
    r = client.post("/api/import/csv", files={"file": ("c.csv", good, "text/csv")})
    assert len(r.json()["updated"]) == 6
    assert len(client.get("/api/patients").json()) == 6


def test_csv_flags_are_read_as_tacepath_assess_reads_them() -> None:
    # 1.0/0.0 is how pandas writes a numeric yes/no column; `tacepath assess` accepts it.
    text = "id,macrovascular_invasion,extrahepatic_spread\nA,1.0,0.0\nB,yes,no\n"
    imported = cohort_patients(text)
    assert [(p.macrovascular_invasion, p.extrahepatic_spread) for p in imported] == [
        (True, False),
        (True, False),
    ]
    frame = pd.read_csv(io.StringIO(text), dtype=str)
    assessed = assess_cohort(frame)
    assert list(assessed["id"]) == ["A", "B"]
    with pytest.raises(InputError, match=r"row 2 \(id=A\)\.macrovascular_invasion: got '2'"):
        cohort_patients("id,macrovascular_invasion\nA,2\n")
