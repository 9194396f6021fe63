"""The web pages through their forms: new patient, baseline and follow-up, the decision."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.platform.conftest import (
    client_for,
    csrf_token,
    example,
    followup_form,
    login,
    web_login,
)


@pytest.fixture
def clinician(app: Any, orgs: Any) -> Any:
    c = client_for(app)
    assert web_login(c, "a-clinician").status_code == 303
    return c


def test_new_patient_form_refuses_bad_values_and_keeps_the_entries(clinician: Any) -> None:
    page = clinician.get("/patients/new")
    form = {
        "csrf_token": csrf_token(page.text),
        "id": "W1",
        "ecog": "9",
        "lab-albumin-value": "45",
        "lab-albumin-unit": "g/dL",
        "tumours": "45;abc",
    }
    r = clinician.post("/patients/new", data=form)
    assert r.status_code == 422
    assert 'role="alert"' in r.text
    assert "nothing was saved" in r.text
    assert "Intrahepatic tumours must be a list of diameters in mm separated by ;" in r.text
    assert 'value="W1"' in r.text
    # every problem at once, in words
    assert "ECOG must be at most 5" in r.text
    assert "Albumin must be" in r.text
    form["tumours"] = "45;22"
    r = clinician.post("/patients/new", data=form)
    assert r.status_code == 422
    assert "ECOG must be at most 5" in r.text
    form.update({"ecog": "0", "lab-albumin-value": "3.6"})
    r = clinician.post("/patients/new", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = clinician.get(r.headers["location"])
    assert "Patient W1" in page.text
    assert "Enter the baseline imaging" in page.text


def test_baseline_then_followup_gives_the_decision(clinician: Any) -> None:
    snap = example("pathway/intermediate_candidate.json")
    created = clinician.post(
        "/api/patients",
        json=snap,
        headers={"X-CSRF-Token": csrf_token(clinician.get("/patients/new").text)},
    )
    pid = created.json()["id"]
    page = clinician.get(f"/patients/{pid}").text
    form = followup_form(page) | {
        "start_date": "2026-01-05",
        "regimen": "tace-sorafenib",
        "visit_date": "2026-01-02",
        "lesion-0-id": "L1",
        "lesion-0-organ": "liver",
        "lesion-0-target": "on",
        "lesion-0-longest_mm": "50",
        "lesion-0-perpendicular_mm": "40",
        "lesion-0-viable_longest_mm": "50",
        "lesion-0-viable_perpendicular_mm": "40",
        "lesion-0-typical_hcc": "yes",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    page = clinician.get(f"/patients/{pid}").text
    assert "no-follow-up" in page  # only the baseline: the engine says so
    form = followup_form(page) | {
        "visit_date": "2026-03-02",
        "tace_date": "2026-01-20",
        "lesion-0-longest_mm": "48",
        "lesion-0-perpendicular_mm": "38",
        "lesion-0-viable_longest_mm": "40",
        "lesion-0-viable_perpendicular_mm": "35",
        "ae-0-term": "AST increased",
        "ae-0-grade": "3",
        "ae-0-drug": "sorafenib",
        "ae-0-current_dose": "400 mg twice daily",
        "lab-bilirubin-value": "1.3",
        "lab-bilirubin-unit": "mg/dL",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    page = clinician.get(f"/patients/{pid}").text
    # viable 40x35 = 1400 of 2000 mm2 = 70% > 50%: the TACTICS repeat-TACE trigger
    assert 'class="status repeat-tace"' in page
    assert "sorafenib:" in page  # the label's action for the grade 3 AST increase


def test_followup_errors_are_shown_and_nothing_is_saved(clinician: Any) -> None:
    created = clinician.post(
        "/api/patients",
        json={"id": "E1"},
        headers={"X-CSRF-Token": csrf_token(clinician.get("/patients/new").text)},
    )
    pid = created.json()["id"]
    page = clinician.get(f"/patients/{pid}").text
    form = followup_form(page) | {
        "start_date": "2026-01-05",
        "regimen": "tace-alone",
        "visit_date": "2026-01-02",
        "lesion-0-id": "L1",
        "lesion-0-target": "on",
        "lesion-0-longest_mm": "-4",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=form)
    assert r.status_code == 422
    assert "nothing was saved" in r.text
    assert "Longest diameter of L1 must be above 0 mm" in r.text
    assert clinician.get(f"/api/patients/{pid}").json()["timeline"] is None


def test_navigator_sees_no_followup_form(app: Any, orgs: Any) -> None:
    c = client_for(app)
    web_login(c, "a-navigator")
    login(c, "a-navigator")
    pid = c.post("/api/patients", json={"id": "N1"}).json()["id"]
    page = c.get(f"/patients/{pid}").text
    assert "Enter the baseline imaging" not in page
    assert "MDT summary (HTML)" in page


def test_search_is_htmx_partial(clinician: Any) -> None:
    clinician.post(
        "/api/patients",
        json={"id": "S1"},
        headers={"X-CSRF-Token": csrf_token(clinician.get("/patients/new").text)},
    )
    r = clinician.get("/patients", params={"q": "s1"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text
    assert "S1" in r.text


def test_every_page_has_labels_for_its_inputs(app: Any, orgs: Any) -> None:
    pages = {
        "a-clinician": ["/patients", "/patients/new", "/evidence", "/import", "/account"],
        "a-statistician": ["/trials", "/reconstruct", "/cohort"],
        "a-admin": ["/admin"],
    }
    for user, paths in pages.items():
        c = client_for(app)
        web_login(c, user)
        for path in paths:
            html = c.get(path).text
            ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
            labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
            assert ids <= labelled, (path, ids - labelled)
            assert '<main id="main"' in html
            assert 'class="skip"' in html


def test_templates_use_no_inline_style_or_script() -> None:
    """The Content-Security-Policy allows neither: everything is in style.css and htmx."""
    from pathlib import Path

    import tacepath.web

    folder = Path(tacepath.web.__file__).with_name("templates")
    for path in folder.glob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert " style=" not in html, path.name
        assert "<style" not in html, path.name
        assert "<script>" not in html, path.name
        assert "javascript:" not in html, path.name


def test_evidence_page_states_the_sample_size_once(clinician: Any) -> None:
    html = clinician.get("/evidence/TACTICS").text
    assert "156 patients" in html
    assert "patients patients" not in html
    assert "Seed:" in html
    assert "Source:" in html


def test_a_caveat_conflict_shows_what_the_seed_and_the_source_say(clinician: Any) -> None:
    created = clinician.post(
        "/api/patients",
        json=example("pathway/intermediate_candidate.json"),
        headers={"X-CSRF-Token": csrf_token(clinician.get("/patients/new").text)},
    )
    page = clinician.get(f"/patients/{created.json()['id']}").text
    assert "C3: the seed page says “" in page
    assert "the primary source says “" in page
    assert "the seed says </span>" not in page


def test_followup_form_names_the_new_lesions_a_tace_treated() -> None:
    from tacepath.web.forms import followup_from_form

    base = {"visit_date": "2026-05-04", "tace_date": "2026-03-16", "tace_treated": "NL1, NL2"}
    out, problems = followup_from_form(base, first=False)
    assert problems == []
    assert out["tace_sessions"] == [
        {"date": "2026-03-16", "technique": "cTACE", "treated_lesions": ["NL1", "NL2"]}
    ]
    out, problems = followup_from_form(base | {"tace_date": ""}, first=False)
    assert [p.field for p in problems] == ["TACE date"]
    out, _ = followup_from_form(base | {"tace_treated": ""}, first=False)
    assert out["tace_sessions"] == [{"date": "2026-03-16", "technique": "cTACE"}]
