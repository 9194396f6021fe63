"""The web journey on an existing patient: the new-snapshot form, errors in words next to
their fields, identifiers in the address, and no command-line text on the pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import escape

from tests.platform.conftest import (
    client_for,
    csrf_token,
    example,
    followup_form,
    store_course,
    web_login,
)


@pytest.fixture
def clinician(app: Any, orgs: Any) -> Any:
    c = client_for(app)
    assert web_login(c, "a-clinician").status_code == 303
    return c


def _create(c: Any, snap: dict[str, Any]) -> int:
    tok = csrf_token(c.get("/patients/new").text)
    r = c.post("/api/patients", json=snap, headers={"X-CSRF-Token": tok})
    assert r.status_code == 201, r.text
    pid: int = r.json()["id"]
    return pid


def _snapshot_form(page: str) -> dict[str, str]:
    """The new-snapshot form as the browser would send it (prefilled values)."""
    start = page.index('/snapshot" novalidate>')
    form_html = page[start : page.index("Save the new snapshot")]
    out: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form_html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                out[name.group(1)] = "on"
            continue
        out[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form_html):
        chosen = re.search(r'<option value="([^"]*)" selected>', body) or re.search(
            r"<option selected>([^<]*)</option>", body
        )
        out[name] = chosen.group(1) if chosen else ""
    return out


def _eligible(page: str) -> list[str]:
    return re.findall(r"<summary>([^<]*?) — <span class=\"status eligible\">", page)


def test_every_field_of_the_patient_contract_has_a_form_field(clinician: Any) -> None:
    from tacepath.domain.labs import Labs
    from tacepath.domain.patient import History, PatientSnapshot

    expected = []
    for name in PatientSnapshot.model_fields:
        if name == "labs":
            expected += [f"lab-{a}-value" for a in Labs.model_fields]
        elif name != "history":
            expected.append(name)
    for name in History.model_fields:
        if name == "tace_failure":
            expected += ["h-tace_failure-date", "h-tace_failure-criterion"]
        elif name == "prior_systemic_therapy":
            expected += ["h-prior_systemic_therapy", "h-prior_systemic_none"]
        else:
            expected.append(f"h-{name}")
            if name in History.DATES:
                expected.append(f"h-{name}-known")
    new = clinician.get("/patients/new").text
    assert [n for n in expected if f'name="{n}"' not in new] == []
    pid = _create(clinician, {"id": "F1"})
    page = clinician.get(f"/patients/{pid}").text
    form = page[page.index('/snapshot" novalidate>') : page.index("Save the new snapshot")]
    assert [n for n in expected if n != "id" and f'name="{n}"' not in form] == []


def test_new_snapshot_is_prefilled_saved_and_a_tace_failure_ends_tace(clinician: Any) -> None:
    pid = _create(clinician, example("pathway/intermediate_candidate.json"))
    page = clinician.get(f"/patients/{pid}").text
    assert any(label.startswith("TACE") for label in _eligible(page))
    form = _snapshot_form(page)
    assert form["lab-bilirubin-value"] == "0.9"  # prefilled from the current snapshot
    assert form["weight_kg"] == "72"
    assert form["h-hypertension"] == "controlled"
    assert form["h-prior_systemic_none"] == "on"
    assert form["h-variceal_bleeding_date-known"] == "never"
    form |= {
        "csrf_token": csrf_token(page),
        "date": "2026-12-01",
        "assessment_date": "2026-12-01",
        "dialysis_twice_past_week": "no",
        "h-tace_failure-date": "2026-11-30",
        "h-tace_failure-criterion": "untaceable_progression",
    }
    r = clinician.post(f"/patients/{pid}/snapshot", data=form, follow_redirects=False)
    assert r.status_code == 303, re.findall(r"<li>[^<]*</li>", r.text)
    record = clinician.get(f"/api/patients/{pid}").json()
    assert record["snapshot_count"] == 2
    snap = record["snapshot"]
    assert snap["history"]["tace_failure"] == {
        "date": "2026-11-30",
        "criterion": "untaceable_progression",
    }
    assert snap["dialysis_twice_past_week"] is False
    assert snap["labs"]["bilirubin"] == {"value": 0.9, "unit": "mg/dL"}  # kept
    page = clinician.get(f"/patients/{pid}").text
    assert "TACE failure (unTACEable progression, TACTICS) on 2026-11-30</strong>" in page
    assert [label for label in _eligible(page) if label.startswith("TACE")] == []


def test_missing_inputs_of_a_score_are_named_in_words(clinician: Any) -> None:
    pid = _create(clinician, {"id": "M1", "labs": {"bilirubin": {"value": 1.0, "unit": "mg/dL"}}})
    page = clinician.get(f"/patients/{pid}").text
    assert "dialysis at least twice in the past 7 days" in page
    assert "needs labs." not in page
    assert re.search(r"needs [^<]*dialysis_twice_past_week", page) is None


def test_snapshot_errors_are_all_shown_next_to_their_fields(clinician: Any) -> None:
    pid = _create(clinician, example("pathway/intermediate_candidate.json"))
    page = clinician.get(f"/patients/{pid}").text
    form = _snapshot_form(page) | {
        "csrf_token": csrf_token(page),
        "ecog": "7",
        "lab-inr-value": "one",
        "lab-bilirubin-value": "-1",
        "h-tace_failure-date": "2026-11-30",
    }
    r = clinician.post(f"/patients/{pid}/snapshot", data=form)
    assert r.status_code == 422
    text = r.text
    assert "ECOG must be at most 5" in text
    assert "INR must be a number" in text
    assert "Bilirubin must be above 0" in text
    assert "Criterion of TACE failure is required" in text
    assert 'value="one"' in text  # kept as typed
    assert re.search(r'name="ecog"[^>]*aria-invalid="true" aria-describedby="err-s-ecog"', text)
    assert 'id="err-s-ecog"' in text
    assert "{" not in re.search(r'<div class="errors".*?</div>', text, re.S).group(0)  # type: ignore[union-attr]
    assert clinician.get(f"/api/patients/{pid}").json()["snapshot_count"] == 1


def test_new_patient_form_lists_every_problem_at_once(clinician: Any) -> None:
    tok = csrf_token(clinician.get("/patients/new").text)
    form = {"csrf_token": tok, "id": "Q1", "lab-inr-value": "one", "ecog": "7", "age_years": "150"}
    r = clinician.post("/patients/new", data=form)
    assert r.status_code == 422
    for words in ("INR must be a number", "ECOG must be at most 5", "Age must be at most 120"):
        assert words in r.text
    assert 'aria-describedby="err-lab-inr-value"' in r.text
    assert 'aria-describedby="err-age_years"' in r.text
    assert '<a href="#lab-inr-value">INR must be a number' in r.text  # the list leads to it


def test_followup_errors_are_words_tied_to_their_inputs(clinician: Any) -> None:
    pid = _create(clinician, example("pathway/intermediate_candidate.json"))
    page = clinician.get(f"/patients/{pid}").text
    form = followup_form(page) | {
        "start_date": "2026-01-05",
        "regimen": "tace-alone",
        "visit_date": "2026-01-02",
        "lesion-0-id": "L1",
        "lesion-0-target": "on",
        "lesion-0-longest_mm": "50",
        "lesion-0-perpendicular_mm": "40",
        "lesion-1-id": "L2",
        "lesion-1-target": "on",
        "lesion-1-longest_mm": "30",
        "lesion-1-perpendicular_mm": "-25",
        "lab-bilirubin-value": "-1",
        "lab-bilirubin-unit": "mg/dL",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=form)
    assert r.status_code == 422
    box = re.search(r'<div class="errors".*?</div>', r.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Perpendicular diameter of L2 must be above 0 mm" in box
    assert "Bilirubin must be above 0" in box
    assert "Tuple" not in box
    assert "{" not in box
    assert re.search(
        r'name="lesion-1-perpendicular_mm"[^>]*aria-invalid="true" '
        r'aria-describedby="err-lesion-1-perpendicular_mm"',
        r.text,
    )


_COMMAND_LINE = re.compile(r"tacepath (assess|analyze|schema|grade|simulate|schedule)|\s--[a-z]")


def _set_course(c: Any, pid: int, regimen: str) -> None:
    page = c.get(f"/patients/{pid}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf_token(page), "version": version, "start_date": "2026-01-05"}
    r = c.post(f"/patients/{pid}/course", data=data | {"regimen": regimen}, follow_redirects=False)
    assert r.status_code == 303, r.text[-2000:]


def test_pages_show_no_command_line_text_and_the_dose_uses_the_recorded_weight(
    clinician: Any, app: Any
) -> None:
    snap = example("pathway/intermediate_candidate.json")
    pid = _create(clinician, snap)
    _set_course(clinician, pid, "tace-lenvatinib")
    page = clinician.get(f"/patients/{pid}").text
    assert "72 kg" in page  # the weight of the current snapshot chose the dose
    without = _create(clinician, {k: v for k, v in snap.items() if k != "weight_kg"} | {"id": "W0"})
    _set_course(clinician, without, "tace-lenvatinib")
    bare = clinician.get(f"/patients/{without}").text
    assert "record the weight" in bare
    for html in (page, bare, clinician.get("/patients/new").text, clinician.get("/import").text):
        assert _COMMAND_LINE.search(html) is None, _COMMAND_LINE.search(html)


def test_an_identifier_in_the_address_leads_to_the_record_or_a_404_with_navigation(
    clinician: Any,
) -> None:
    pid = _create(clinician, {"id": "P001"})
    r = clinician.get("/patients/P001", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/patients/{pid}"
    for path in ("/patients/NOPE", "/patients/" + "x" * 300, "/no-such-page"):
        r = clinician.get(path)
        assert r.status_code == 404, path
        assert 'aria-label="Main"' in r.text, path  # the site navigation
        assert "valid integer" not in r.text


def test_a_taken_or_overlong_id_is_refused_on_the_form(clinician: Any) -> None:
    _create(clinician, {"id": "D1"})
    tok = csrf_token(clinician.get("/patients/new").text)
    r = clinician.post("/patients/new", data={"csrf_token": tok, "id": "D1", "ecog": "1"})
    assert r.status_code == 422
    assert "Patient id must be an id not yet used in Hospital A" in r.text
    assert "Changed by someone else" not in r.text
    assert 'value="D1"' in r.text
    r = clinician.post("/patients/new", data={"csrf_token": tok, "id": "x" * 10_000})
    assert r.status_code == 422
    assert "Patient id must be at most 64 characters (entered 10000 characters)" in r.text
    assert 'action="/patients/new"' in r.text


def test_long_workspace_and_user_names_keep_their_form(app: Any, orgs: Any) -> None:
    from tests.platform.conftest import client_for, web_login

    stat = client_for(app)
    web_login(stat, "a-statistician")
    tok = csrf_token(stat.get("/trials").text)
    r = stat.post("/trials", data={"csrf_token": tok, "name": "n" * 5000})
    assert r.status_code == 422
    assert 'action="/trials"' in r.text
    admin = client_for(app)
    web_login(admin, "a-admin")
    tok = csrf_token(admin.get("/admin").text)
    data = {"csrf_token": tok, "username": "u" * 5000, "role": "navigator", "password": "p" * 20}
    r = admin.post("/admin/users", data=data)
    assert r.status_code == 422
    assert 'action="/admin/users"' in r.text


def test_option_headings_name_the_regimen_and_response_rates_are_shown(clinician: Any) -> None:
    pid = _create(clinician, example("pathway/intermediate_candidate.json"))
    page = clinician.get(f"/patients/{pid}").text
    assert "<h3>Why</h3>" not in page
    assert "<h3>Caveats</h3>" not in page
    assert "<h3>Why: TACE + durvalumab + bevacizumab (EMERALD-1)</h3>" in page
    assert "<h3>Caveats: TACE + sorafenib (TACTICS sequence)</h3>" in page
    assert "54.1%" in page  # LAUNCH's objective response rate (mRECIST)
    evidence = clinician.get("/evidence").text
    assert "()" not in evidence
    assert "32%" in evidence  # CheckMate 040's headline is a response rate
    assert "43.6%" in clinician.get("/evidence/EMERALD-1").text


def test_followup_offers_the_graded_terms_and_an_unknown_term_names_close_ones(
    clinician: Any,
) -> None:
    from tacepath.pathway.ctcae_data import ctcae

    pid = _create(clinician, example("pathway/intermediate_candidate.json"))
    page = clinician.get(f"/patients/{pid}").text
    assert 'list="ctcae-terms"' in page
    offered = re.findall(r'<option value="([^"]+)"></option>', page)
    assert offered == [t.term for t in ctcae().terms]
    base = {
        "start_date": "2026-01-05",
        "regimen": "tace-sorafenib",
        "visit_date": "2026-01-02",
        "lesion-0-id": "L1",
        "lesion-0-target": "on",
        "lesion-0-longest_mm": "50",
        "lesion-0-perpendicular_mm": "40",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=followup_form(page) | base)
    assert r.status_code == 200
    page = clinician.get(f"/patients/{pid}").text
    form = followup_form(page) | {
        "visit_date": "2026-03-02",
        "lesion-0-longest_mm": "48",
        "lesion-0-perpendicular_mm": "38",
        "ae-1-term": "Diarhea",
        "ae-1-grade": "3",
        "ae-1-drug": "sorafenib",
        "ae-1-current_dose": "400 mg twice daily",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=form)
    assert r.status_code == 422
    box = re.search(r'<div class="errors".*?</div>', r.text, re.S).group(0)  # type: ignore[union-attr]
    assert "such as &#39;Diarrhea&#39;" in box
    assert "Hypoalbuminemia" not in box  # never the whole list
    assert 'aria-describedby="err-ae-1-term"' in r.text


def test_first_entry_without_start_or_regimen_says_so_next_to_them(clinician: Any) -> None:
    pid = _create(clinician, {"id": "R1"})
    page = clinician.get(f"/patients/{pid}").text
    form = followup_form(page) | {
        "visit_date": "2026-01-02",
        "lesion-0-id": "L1",
        "lesion-0-target": "on",
        "lesion-0-longest_mm": "50",
        "lesion-0-perpendicular_mm": "x",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=form)
    assert r.status_code == 422
    for words in ("Perpendicular diameter of L1 must be a number", "Course start", "Regimen"):
        assert words in r.text
    assert 'id="err-regimen"' in r.text
    assert 'id="err-start_date"' in r.text


def test_a_stale_snapshot_form_says_to_reload(clinician: Any) -> None:
    pid = _create(clinician, {"id": "V1"})
    page = clinician.get(f"/patients/{pid}").text
    form = _snapshot_form(page) | {"csrf_token": csrf_token(page), "ecog": "1"}
    assert clinician.post(f"/patients/{pid}/snapshot", data=form).status_code == 200
    r = clinician.post(f"/patients/{pid}/snapshot", data=form | {"ecog": "2"})  # same version
    assert r.status_code == 409
    assert "changed by someone else after this page was loaded" in r.text
    assert 'value="2"' in r.text  # kept as typed
    assert clinician.get(f"/api/patients/{pid}").json()["snapshot_count"] == 2


def test_evidence_pages_show_what_the_seed_and_the_source_say_for_every_conflict(
    clinician: Any,
) -> None:
    from markupsafe import escape

    from tacepath.evidence.registry import registry
    from tacepath.evidence.views import conflict_rows

    listing = clinician.get("/evidence").text
    for c in conflict_rows(registry()):
        for part in ("seed", "source_says"):
            if c[part]:
                assert escape(c[part]["text"][:40]) in listing, (c["id"], part)
        trial = clinician.get(f"/evidence/{c['trial']}").text
        if c["seed"]:
            assert escape("Seed: " + c["seed"]["text"][:40]) in trial, c["id"]


def test_the_followup_form_carries_every_lesion_forward(clinician: Any) -> None:
    """P001: a new 12 mm lesion NL1 at 2026-05-01. Before, the next form listed only the
    baseline lesions L1, L2 and N1 without their sizes; filling it for 2026-07-01 gave RECIST
    PR after PD and "continue": NL1 had silently vanished."""
    tl = example("timelines/P001_new_liver_lesion_only.json")
    snap = {**example("pathway/intermediate_candidate.json"), "id": tl["id"]}
    tok = csrf_token(clinician.get("/patients/new").text)
    clinician.headers["X-CSRF-Token"] = tok
    pid, _ = store_course(clinician, snap, tl, "tace-sorafenib")
    page = clinician.get(f"/patients/{pid}").text
    form_html = page[page.index('id="followup"') :]
    assert (
        'name="new-0-id" aria-label="New lesion 1 id" class="small" type="text" '
        'maxlength="40" value="NL1"' in form_html
    )
    assert "last 2026-05-01: 12 mm" in form_html  # the carried lesion's last size
    # beside every input its last value and date, which describes the input
    for name, was in (
        ("lesion-0-longest_mm", "was 40 mm on 2026-05-01"),
        ("lesion-0-perpendicular_mm", "was 32 mm on 2026-05-01"),
        ("lesion-0-viable_longest_mm", "was 12 mm on 2026-05-01"),
        ("lesion-1-viable_longest_mm", "was 0 mm on 2026-05-01"),
        ("nt-0-status", "was present on 2026-05-01"),
        ("nt-0-viable", "was no on 2026-05-01"),
        ("new-0-longest_mm", "was 12 mm on 2026-05-01"),
    ):
        assert f'<span class="hint prev" id="prev-{name}">{was}</span>' in form_html, name
        assert re.search(rf'name="{name}"[^>]*aria-describedby="prev-{name}"', form_html), name
    assert 'id="prev-lesion-0-short_axis_mm"' not in form_html  # never measured
    assert 'id="prev-new-1-longest_mm"' not in form_html  # an empty row
    assert "last 2026-05-01: 40 mm, viable 12 mm" in form_html  # L1's last measurement
    form = followup_form(page) | {
        "visit_date": "2026-07-01",
        "new-0-id": "NL1",
        "new-0-organ": "liver",
        "new-0-longest_mm": "14",
        "new-0-typical_hcc": "yes",
    }
    for i, (longest, perp, viable, vperp) in enumerate([(38, 30, 10, 8), (20, 18, 0, 0)]):
        form |= {
            f"lesion-{i}-longest_mm": str(longest),
            f"lesion-{i}-perpendicular_mm": str(perp),
            f"lesion-{i}-viable_longest_mm": str(viable),
            f"lesion-{i}-viable_perpendicular_mm": str(vperp),
            f"lesion-{i}-typical_hcc": "yes",
        }
    r = clinician.post(f"/patients/{pid}/followup", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    stored = clinician.get(f"/api/patients/{pid}").json()["timeline"]["assessments"][-1]
    assert stored["date"] == "2026-07-01"
    assert [n["id"] for n in stored["new_lesions"]] == ["NL1"]
    response = clinician.get(f"/api/patients/{pid}/response").json()
    assert response["assessments"][-1]["recist11"]["overall"] == "PD"


def test_a_new_lesion_treated_by_tace_is_measured_on_an_added_row(clinician: Any) -> None:
    """P010's third visit entered on the form: NL1 (new at the second visit, treated by the
    TACE of 2026-03-16) is measured on an added lesion row; its carried new-lesion row is
    then not sent as a new lesion again, and the decision is the engine's "continue"."""
    tl = example("timelines/P010_new_lesion_treated_at_next_tace.json")
    two = {**tl, "assessments": tl["assessments"][:2], "tace_sessions": tl["tace_sessions"][:1]}
    two["last_contact_date"] = None
    snap = {**example("pathway/intermediate_candidate.json"), "id": tl["id"]}
    clinician.headers["X-CSRF-Token"] = csrf_token(clinician.get("/patients/new").text)
    pid, _ = store_course(clinician, snap, two, "tace-sorafenib")
    page = clinician.get(f"/patients/{pid}").text
    assert 'name="lesion_rows" value="3"' in page  # L1 and two added rows
    assert 'aria-label="Lesion 2 id"' in page
    form = followup_form(page) | {
        "visit_date": "2026-05-04",
        "lesion-0-longest_mm": "40",
        "lesion-0-perpendicular_mm": "32",
        "lesion-0-viable_longest_mm": "0",
        "lesion-0-viable_perpendicular_mm": "0",
        "lesion-1-id": "NL1",
        "lesion-1-organ": "liver",
        "lesion-1-longest_mm": "15",
        "lesion-1-perpendicular_mm": "12",
        "lesion-1-viable_longest_mm": "0",
        "lesion-1-viable_perpendicular_mm": "0",
        "lesion-1-typical_hcc": "yes",
        "new-0-id": "NL1",  # the carried row, as prefilled
        "tace_date": "2026-03-16",
        "tace_treated": "NL1",
    }
    r = clinician.post(f"/patients/{pid}/followup", data=form, follow_redirects=False)
    assert r.status_code == 303, re.findall(r"<li>(.*?)</li>", r.text)[:8]
    stored = clinician.get(f"/api/patients/{pid}").json()["timeline"]
    last = stored["assessments"][-1]
    assert [les["id"] for les in last["lesions"]] == ["L1", "NL1"]
    assert last["new_lesions"] == []
    assert stored["tace_sessions"][-1]["treated_lesions"] == ["NL1"]
    assert clinician.get(f"/api/patients/{pid}/decision").json()["decision"] == "continue"


def _row_counts(db: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from tacepath.store.models import Base

    with db.read() as s:
        return {
            t.name: int(s.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }


def test_preview_shows_the_visit_s_responses_and_decision_and_writes_nothing(
    clinician: Any, db: Any
) -> None:
    """P010's third visit previewed: the responses and the decision are the engine's for
    the whole P010 timeline, no row is written but the audit of the read, and saving the
    same form then stores the decision the preview showed."""
    from tacepath.domain.patient import parse_patient
    from tacepath.domain.timeline import parse_timeline
    from tacepath.pathway.decision import decide
    from tacepath.response.course import assess_response

    tl = example("timelines/P010_new_lesion_treated_at_next_tace.json")
    two = {**tl, "assessments": tl["assessments"][:2], "tace_sessions": tl["tace_sessions"][:1]}
    two["last_contact_date"] = None
    snap = {**example("pathway/intermediate_candidate.json"), "id": tl["id"]}
    clinician.headers["X-CSRF-Token"] = csrf_token(clinician.get("/patients/new").text)
    pid, _ = store_course(clinician, snap, two, "tace-sorafenib")
    page = clinician.get(f"/patients/{pid}").text
    assert "Preview decision</button>" in page
    form = followup_form(page) | {
        "visit_date": "2026-05-04",
        "modality": "MRI",
        "lesion-0-longest_mm": "40",
        "lesion-0-perpendicular_mm": "32",
        "lesion-0-viable_longest_mm": "0",
        "lesion-0-viable_perpendicular_mm": "0",
        "lesion-1-id": "NL1",
        "lesion-1-longest_mm": "15",
        "lesion-1-perpendicular_mm": "12",
        "lesion-1-viable_longest_mm": "0",
        "lesion-1-viable_perpendicular_mm": "0",
        "lesion-1-typical_hcc": "yes",
        "new-0-id": "NL1",
        "tace_date": "2026-03-16",
        "tace_treated": "NL1",
        "child_pugh": "6",
    }
    before = _row_counts(db)
    r = clinician.post(f"/patients/{pid}/followup/preview", data=form)
    assert r.status_code == 200, re.findall(r"<li>(.*?)</li>", r.text)[:8]
    after = _row_counts(db)
    # two reads audited: the preview's and the page's that shows it
    assert after.pop("audit_records") == before.pop("audit_records") + 2
    assert after == before  # nothing else written

    full = parse_timeline(tl)
    expected = decide(parse_patient(snap), timeline=full, regimen="tace-sorafenib").followup
    assert expected is not None
    assert expected.decision == "continue"
    visit = assess_response(full).to_contract_dict()["assessments"][-1]
    box = r.text[r.text.index('id="preview"') :]
    box = box[: box.index("</div>")]
    assert 'the visit of 2026-05-04 would give: <span class="status continue">continue' in box
    for name in ("recist11", "mrecist", "easl"):
        label = {"recist11": "RECIST 1.1", "mrecist": "mRECIST", "easl": "EASL"}[name]
        assert f"{label} <strong>{visit[name]['overall']}</strong>" in box
    assert all(str(escape(reason)) in box for reason in expected.reasons)
    assert 'value="2026-05-04"' in r.text  # the form kept as typed

    saved = clinician.post(f"/patients/{pid}/followup", data=form, follow_redirects=False)
    assert saved.status_code == 303
    stored = clinician.get(f"/api/patients/{pid}").json()["decisions"][0]
    assert stored["decision"] == "continue"
    assert stored["reasons"] == list(expected.reasons)


def test_preview_of_a_refused_visit_lists_its_problems(clinician: Any) -> None:
    pid = _create(clinician, example("pathway/intermediate_candidate.json"))
    page = clinician.get(f"/patients/{pid}").text
    form = followup_form(page) | {
        "start_date": "2026-01-05",
        "regimen": "tace-alone",
        "visit_date": "2026-01-02",
        "lesion-0-id": "L1",
        "lesion-0-target": "on",
        "lesion-0-longest_mm": "50",
        "lesion-0-perpendicular_mm": "-25",
    }
    r = clinician.post(f"/patients/{pid}/followup/preview", data=form)
    assert r.status_code == 422
    assert "Perpendicular diameter of L1 must be above 0 mm" in r.text
    assert 'id="preview"' not in r.text
    assert clinician.get(f"/api/patients/{pid}").json()["timeline"] is None
