"""The systemic-only options lenvatinib (REFLECT) and sorafenib (SHARP), on vignettes.

V14 is an advanced (BCLC C, extrahepatic spread) Child-Pugh A patient at ECOG 1; each test moves
one input across one encoded limit and checks the criterion on both sides. The limits and their
sources are in regimens.yaml (populations REFLECT and SHARP) and docs/pathway.md.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tacepath.domain.patient import parse_patient
from tacepath.evidence.registry import registry
from tacepath.pathway.model import catalogue
from tacepath.pathway.pathway import STATUS_ORDER, CriterionResult, RegimenAssessment, pathway

HERE = Path(__file__).resolve().parent / "vignettes"
BASE: dict[str, Any] = json.loads((HERE / "v14_advanced_ehs_systemic.json").read_text())
TKIS = ("lenvatinib", "sorafenib")


def _regimen(raw: dict[str, Any], rid: str) -> RegimenAssessment:
    return pathway(parse_patient(raw)).regimen(rid)


def _own(r: RegimenAssessment, trial: str, name_contains: str) -> CriterionResult:
    return next(
        c for c in r.criteria if c.origin == f"population:{trial}" and name_contains in c.name
    )


def _with(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    for k, v in changes.items():
        if k.startswith("history_"):
            raw["history"][k.removeprefix("history_")] = v
        else:
            raw[k] = v
    return raw


CHILD_PUGH_B7 = {  # V3's labs: bilirubin 2.5 mg/dL, albumin 3.2 g/dL -> Child-Pugh B7
    "bilirubin": {"value": 2.5, "unit": "mg/dL"},
    "albumin": {"value": 3.2, "unit": "g/dL"},
}


def test_both_are_compositions_of_one_drug_and_their_trial_population() -> None:
    cat = catalogue()
    for rid, trial in (("lenvatinib", "REFLECT"), ("sorafenib", "SHARP")):
        r = cat.regimen(rid)
        assert r.components == (rid,)
        assert r.populations == ("bclc-systemic", trial)
        assert cat.population(trial).trial == trial


@pytest.mark.parametrize(("rid", "trial"), [("lenvatinib", "REFLECT"), ("sorafenib", "SHARP")])
def test_child_pugh_a_passes_and_b7_is_outside_the_trial(rid: str, trial: str) -> None:
    a = _own(_regimen(BASE, rid), trial, "Child-Pugh A")
    assert (a.result, a.detail) == ("pass", "Child-Pugh A (within: A)")
    raw = copy.deepcopy(BASE)
    raw["labs"].update(CHILD_PUGH_B7)
    r = _regimen(raw, rid)
    b7 = _own(r, trial, "Child-Pugh A")
    assert (b7.result, b7.detail) == ("fail", "Child-Pugh B (outside: A)")
    assert r.status == "not_eligible"


def test_reflect_ecog_1_passes_and_2_fails() -> None:
    assert _own(_regimen(BASE, "lenvatinib"), "REFLECT", "ECOG").result == "pass"
    r = _regimen(_with(ecog=2), "lenvatinib")
    ecog = _own(r, "REFLECT", "ECOG")
    assert (ecog.result, ecog.detail) == ("fail", "ECOG 2 (above the limit 1)")
    assert r.status == "not_eligible"


def test_sharp_ecog_2_passes_and_3_fails() -> None:
    r2 = _regimen(_with(ecog=2), "sorafenib")
    assert _own(r2, "SHARP", "ECOG").result == "pass"
    assert r2.status == "needs_information"  # ECOG 2 is within SHARP; other points stay open
    ecog3 = _own(_regimen(_with(ecog=3), "sorafenib"), "SHARP", "ECOG")
    assert (ecog3.result, ecog3.detail) == ("fail", "ECOG 3 (above the limit 2)")


@pytest.mark.parametrize(("days", "result"), [(30, "fail"), (31, "pass")])
def test_sharp_gastrointestinal_bleeding_within_30_days(days: int, result: str) -> None:
    import datetime as dt

    when = dt.date.fromisoformat(BASE["assessment_date"]) - dt.timedelta(days=days)
    for field in ("variceal_bleeding_date", "gastric_bleeding_date"):
        r = _regimen(_with(**{f"history_{field}": when.isoformat()}), "sorafenib")
        c = next(
            c
            for c in r.criteria
            if c.origin == "population:SHARP" and "30 days" in c.name and field[:7] in c.detail
        )
        assert c.result == result, (field, days)
        if result == "fail":
            assert r.status == "not_eligible"


def test_sharp_cardiac_history_is_asked_not_passed() -> None:
    c = _own(_regimen(BASE, "sorafenib"), "SHARP", "cardiac")
    assert c.result == "pass"  # none on record
    r = _regimen(_with(history_cardiovascular_disease_date="2020-01-01"), "sorafenib")
    c = _own(r, "SHARP", "cardiac")
    assert c.result == "caution"
    assert "cardiac" in (c.question or "")


def _stage_b() -> dict[str, Any]:
    """ECOG 0, no spread, two nodules: BCLC B."""
    return _with(
        ecog=0, extrahepatic_spread=False, tumours=[{"diameter_mm": 45}, {"diameter_mm": 33}]
    )


def test_reflect_stage_b_needs_the_mdt_c_passes_a_fails() -> None:
    assert _own(_regimen(BASE, "lenvatinib"), "REFLECT", "BCLC").result == "pass"
    b = _own(_regimen(_stage_b(), "lenvatinib"), "REFLECT", "BCLC")
    assert (b.result, b.detail) == ("caution", "BCLC B (outside: C)")
    assert "not applicable for TACE" in (b.question or "")
    raw = _with(ecog=0, extrahepatic_spread=False, tumours=[{"diameter_mm": 30}])
    a = _own(_regimen(raw, "lenvatinib"), "REFLECT", "BCLC")
    assert (a.result, a.detail) == ("fail", "BCLC A (outside: C)")


def test_reflect_main_portal_vein_exclusion_is_unknown_never_a_pass() -> None:
    assert _own(_regimen(BASE, "lenvatinib"), "REFLECT", "portal-vein").result == "pass"
    r = _regimen(_with(macrovascular_invasion=True), "lenvatinib")
    c = _own(r, "REFLECT", "portal-vein")
    assert c.result == "unknown"
    assert "main trunk" in (c.question or "")
    assert r.status == "needs_information"
    # the liver-occupation and bile-duct exclusions are always asked (not in the record)
    occ = _own(r, "REFLECT", "50%")
    assert occ.result == "caution"


def test_unread_sharp_criteria_are_unknown_when_the_finding_is_present() -> None:
    r = _regimen(BASE, "sorafenib")  # extrahepatic spread present
    ehs = _own(r, "SHARP", "Extrahepatic")
    assert ehs.result == "unknown"
    assert "not read" in (ehs.question or "")
    r = _regimen(_with(macrovascular_invasion=True), "sorafenib")
    assert _own(r, "SHARP", "Portal-vein").result == "unknown"


def test_prior_systemic_therapy_is_outside_both_trials() -> None:
    raw = _with(history_prior_systemic_therapy=["atezolizumab", "bevacizumab"])
    for rid, trial in (("lenvatinib", "REFLECT"), ("sorafenib", "SHARP")):
        r = _regimen(raw, rid)
        assert _own(r, trial, "systemic").result == "fail", rid
        assert r.status == "not_eligible"


def test_neither_is_eligible_on_the_record_alone_and_neither_ranks_above_tace_alone() -> None:
    """Each trial has an exclusion the record cannot decide (liver occupation / an untreated
    lesion), so the MDT is always asked; without an evidence link they are listed after every
    regimen of the same status that has one, TACE alone included."""
    for raw in (BASE, _stage_b()):
        res = pathway(parse_patient(raw))
        ids = [r.id for r in res.regimens]
        tace = res.regimen("tace-alone")
        for rid in TKIS:
            r = res.regimen(rid)
            assert r.status != "eligible"
            assert r.evidence == ()
            if r.status == tace.status:
                assert ids.index(rid) > ids.index("tace-alone")
            assert STATUS_ORDER.index(r.status) >= STATUS_ORDER.index("needs_information")


def test_level_texts_quote_the_registry_numbers() -> None:
    cat, reg = catalogue(), registry()
    reflect = next(r for r in reg.get("REFLECT").results if r.endpoint == "os")
    sharp = next(r for r in reg.get("SHARP").results if r.endpoint == "os")
    len_text = cat.regimen("lenvatinib").level.text
    sor_text = cat.regimen("sorafenib").level.text
    assert "13.6 vs 12.3 months, HR 0.92 (95% CI 0.79-1.06)" in len_text
    assert (reflect.medians["lenvatinib"].value, reflect.medians["sorafenib"].value) == (13.6, 12.3)
    assert (reflect.hr.value, reflect.hr.ci) == (0.92, (0.79, 1.06))  # type: ignore[union-attr]
    assert "NON-INFERIOR" in len_text
    assert "10.7 vs 7.9 months, HR 0.69 (95% CI 0.55-0.87)" in sor_text
    assert (sharp.medians["sorafenib"].value, sharp.medians["placebo"].value) == (10.7, 7.9)
    assert (sharp.hr.value, sharp.hr.ci) == (0.69, (0.55, 0.87))  # type: ignore[union-attr]


def test_the_composition_test_covers_them_with_their_drugs_rules() -> None:
    """test_composition's "no regimen escapes a rule of its components" runs over every
    regimen of the catalogue; here the rules it must find on these two are named."""
    cat = catalogue()
    assert {"lenvatinib", "sorafenib"} <= {r.id for r in cat.regimens}
    want = {
        "lenvatinib": {
            "tki-varices",
            "antiangiogenic-variceal-bleeding",
            "antiangiogenic-thromboembolism",
            "lenvatinib-hypertension",
            "lenvatinib-proteinuria",
        },
        "sorafenib": {
            "tki-varices",
            "antiangiogenic-variceal-bleeding",
            "antiangiogenic-thromboembolism",
            "sorafenib-hypertension",
        },
    }
    for rid, rules in want.items():
        assert {r.id for _, r in cat.rules_of((rid,))} == rules
        got = {c.rule for c in _regimen(BASE, rid).criteria if c.rule}
        assert rules <= got
        assert not any(c.startswith("tace") for c in got)
    r = _regimen(_with(history_proteinuria_g_per_24h=2.0), "lenvatinib")
    assert next(c for c in r.criteria if c.rule == "lenvatinib-proteinuria").result == "fail"
    assert r.status == "not_eligible"
    assert _regimen(_with(history_proteinuria_g_per_24h=2.0), "sorafenib").status != "eligible"


def test_cli_table_shows_the_cited_level_when_no_trial_is_linked() -> None:
    from typer.testing import CliRunner

    from tacepath.cli import app

    r = CliRunner().invoke(
        app, ["pathway", str(HERE / "v14_advanced_ehs_systemic.json")], env={"COLUMNS": "400"}
    )
    assert r.exit_code == 0
    assert "no linked trial: First-line systemic option for advanced HCC: in SHARP" in r.stdout
    assert "no trial in the registry" not in r.stdout
