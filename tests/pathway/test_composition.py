"""Regimens are compositions; the status semantics hold for any patient.

* No regimen escapes a rule of a component it contains (every regimen x every rule).
* Any failed criterion gives not_eligible; otherwise any unknown or caution gives
  needs_information; otherwise eligible (docs/pathway.md, "Status semantics").
* A combination containing TACE is never more eligible than TACE alone for the same
  patient, unless a trial-population caution (``enrolled``) says why.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.clinical.assessment import assess
from tacepath.domain.patient import parse_patient
from tacepath.evidence.registry import registry
from tacepath.pathway.model import catalogue
from tacepath.pathway.pathway import STATUS_ORDER, evaluate_criterion, pathway

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples" / "pathway").glob("*.json")) + sorted(
    (Path(__file__).resolve().parent / "vignettes").glob("*.json")
)

VARICES = ["none", "low-risk", "high-risk-untreated", "treated", "unknown"]
_date = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 11, 20))
_maybe_date = st.one_of(st.none(), _date.map(lambda d: d.isoformat()))

_history = st.fixed_dictionaries(
    {},
    optional={
        "varices": st.sampled_from(
            ["none", "low-risk", "high-risk-untreated", "treated", "unknown"]
        ),
        "variceal_bleeding_date": _maybe_date,
        "hypertension": st.sampled_from(["none", "controlled", "uncontrolled"]),
        "proteinuria_g_per_24h": st.sampled_from([0.0, 0.5, 1.99, 2.0, 3.5]),
        "thromboembolism_date": _maybe_date,
        "autoimmune_disease": st.sampled_from(["none", "inactive", "active"]),
        "organ_transplant": st.booleans(),
        "prior_systemic_therapy": st.sampled_from([[], ["sorafenib"]]),
        "locoregional_therapy_to_current_tumours": st.booleans(),
        "jaundice": st.booleans(),
        "refractory_ascites": st.booleans(),
        "hepatorenal_syndrome": st.booleans(),
        "bland_portal_vein_thrombosis": st.booleans(),
        "hepatofugal_portal_flow": st.booleans(),
        "tumour_in_both_entire_lobes": st.booleans(),
        "intra_arterial_technical_contraindication": st.booleans(),
        "creatinine_clearance_ml_min": st.sampled_from([20.0, 29.9, 30.0, 75.0]),
        "severe_comorbidity": st.booleans(),
        "incompetent_papilla_with_aerobilia": st.booleans(),
        "biliary_dilatation": st.booleans(),
        "gastric_bleeding_date": _maybe_date,
        "cardiovascular_disease_date": _maybe_date,
        "nephrotic_or_nephritic_syndrome": st.booleans(),
        "liver_transplant_candidate": st.booleans(),
        "hbv_hcv_coinfection": st.booleans(),
    },
)


@st.composite
def _patients(draw: Any) -> dict[str, Any]:
    raw: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {"id": st.just("H"), "assessment_date": st.just("2026-11-20")},
            optional={
                "ecog": st.integers(0, 4),
                "labs": st.fixed_dictionaries(
                    {
                        "bilirubin": st.sampled_from([0.8, 1.9, 2.5, 3.5]).map(
                            lambda v: {"value": v, "unit": "mg/dL"}
                        ),
                        "albumin": st.sampled_from([2.5, 3.2, 3.9]).map(
                            lambda v: {"value": v, "unit": "g/dL"}
                        ),
                        "inr": st.sampled_from([1.0, 1.9, 2.5]).map(lambda v: {"value": v}),
                    },
                    optional={
                        "creatinine": st.sampled_from([0.8, 1.99, 2.0, 2.6]).map(
                            lambda v: {"value": v, "unit": "mg/dL"}
                        ),
                        "afp": st.sampled_from([5, 450]).map(
                            lambda v: {"value": v, "unit": "ng/mL"}
                        ),
                    },
                ),
                "ascites": st.sampled_from(["none", "mild", "moderate-severe"]),
                "encephalopathy": st.sampled_from(["none", "grade-1-2", "grade-3-4"]),
                "tumours": st.lists(
                    st.sampled_from([8, 25, 45, 100, 101]).map(lambda mm: {"diameter_mm": mm}),
                    max_size=12,
                ),
                "macrovascular_invasion": st.booleans(),
                "extrahepatic_spread": st.booleans(),
                "end_stage_liver_function": st.booleans(),
                "age_years": st.integers(18, 90),
                "history": _history,
            },
        )
    )
    h = raw.get("history")
    if h is not None and draw(st.booleans()):
        n = draw(st.integers(0, 4))
        h["prior_tace_sessions"] = n
        if n and draw(st.booleans()):
            h["last_tace_date"] = draw(_date).isoformat()
    return raw


def _rank(status: str) -> int:
    return STATUS_ORDER.index(status)  # type: ignore[arg-type]


def test_no_regimen_escapes_a_rule_of_its_components() -> None:
    """Every regimen x every rule of a component it contains, on every example patient: the
    rule is among the regimen's criteria with the rule's own result (a trial-population
    caution excepted, which must name the trial)."""
    cat, reg = catalogue(), registry()
    for f in FILES:
        p = parse_patient(json.loads(f.read_text()))
        a = assess(p)
        res = pathway(p)
        for regimen in cat.regimens:
            got = {c.rule: c for c in res.regimen(regimen.id).criteria}
            for rule in cat.rules:
                if not set(rule.components) & set(regimen.components):
                    assert rule.id not in got, (regimen.id, rule.id)
                    continue
                assert rule.id in got, (f.name, regimen.id, rule.id)
                alone = evaluate_criterion(rule, p, a, cat, reg)
                c = got[rule.id]
                if c.enrolled:
                    assert c.result == "caution"
                    assert alone.result in ("fail", "caution")
                else:
                    assert c.result == alone.result, (f.name, regimen.id, rule.id)


def test_trial_matching_also_carries_its_components_rules() -> None:
    from tacepath.pathway.matching import match_trials

    cat = catalogue()
    p = parse_patient(json.loads(FILES[0].read_text()))
    for m in match_trials(p):
        spec = next(t for t in cat.trial_matching if t.trial == m.trial)
        want = {r.id for _, r in cat.rules_of(spec.components)}
        assert want <= {c.rule for c in m.criteria}


def _check_semantics(raw: dict[str, Any]) -> None:
    res = pathway(parse_patient(raw))
    for r in res.regimens:
        results = {c.result for c in r.criteria}
        if "fail" in results:
            assert r.status == "not_eligible", r.id
        elif results & {"unknown", "caution"}:
            assert r.status == "needs_information", r.id
            assert r.missing or r.questions, r.id  # each open point is named
        else:
            assert r.status == "eligible", r.id
    tace = res.regimen("tace-alone")
    for r in res.regimens:
        if "tace" not in r.components or r.id == "tace-alone":
            continue
        if any(c.enrolled for c in r.criteria):
            continue  # a documented trial-population caution may say why
        assert _rank(r.status) >= _rank(tace.status), (r.id, r.status, tace.status)


@settings(max_examples=150, deadline=None)
@given(_patients())
def test_status_semantics_and_tace_monotonicity(raw: dict[str, Any]) -> None:
    _check_semantics(raw)


_BASE = json.loads((ROOT / "examples" / "pathway" / "intermediate_candidate.json").read_text())


@st.composite
def _near_candidate(draw: Any) -> dict[str, Any]:
    """The eligible candidate with a few findings changed: exercises every status."""
    raw = json.loads(json.dumps(_BASE))
    other = draw(_patients())
    keys = [k for k in other if k not in ("id", "assessment_date", "history")]
    for k in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)) if keys else []:
        raw[k] = other[k]
    hist = other.get("history") or {}
    for k in draw(st.lists(st.sampled_from(sorted(hist)), max_size=3, unique=True)) if hist else []:
        raw["history"][k] = hist[k]
    if raw["history"].get("prior_tace_sessions", 0) == 0:
        raw["history"].pop("last_tace_date", None)
    return raw


@settings(max_examples=150, deadline=None)
@given(_near_candidate())
def test_status_semantics_near_an_eligible_candidate(raw: dict[str, Any]) -> None:
    _check_semantics(raw)
