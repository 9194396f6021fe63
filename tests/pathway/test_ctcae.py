"""CTCAE v5.0 grading: both sides of every band boundary, baselines, LLN, units, aliases.

The expected boundaries are typed here from the fact-checked reference
(shared/reference/adverse-events-and-dosing.md §1), not read from ctcae_v5.yaml, so the
tests check the data file against the reference.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputError, InputErrors
from tacepath.pathway.ctcae import CTCAE_FILE, ctcae, grade, load_ctcae

runner = CliRunner()
EPS = 0.01  # two-decimal lab values: the smallest step a lab report shows

# ------------------------------------------------------------------ ratio terms (×ULN)
# (multiple of the reference, grade at exactly that multiple, grade just above it)
AST_ULN = [(1.0, 0, 1), (3.0, 1, 2), (5.0, 2, 3), (20.0, 3, 4)]
BILI_ULN = [(1.0, 0, 1), (1.5, 1, 2), (3.0, 2, 3), (10.0, 3, 4)]
ALP_ULN = [(1.0, 0, 1), (2.5, 1, 2), (5.0, 2, 3), (20.0, 3, 4)]
CREAT_ULN = [(1.0, 0, 1), (1.5, 1, 2), (3.0, 2, 3), (6.0, 3, 4)]

RATIO_CASES = [
    ("AST increased", AST_ULN),
    ("ALT increased", AST_ULN),
    ("Blood bilirubin increased", BILI_ULN),
    ("Alkaline phosphatase increased", ALP_ULN),
    ("GGT increased", ALP_ULN),
    ("Creatinine increased", CREAT_ULN),
]


def _ratio_params() -> list[Any]:
    out = []
    for term, bands in RATIO_CASES:
        for k, at, above in bands:
            out.append(pytest.param(term, k, at, above, id=f"{term}-{k}xULN"))
    return out


@pytest.mark.parametrize(("term", "k", "at", "above"), _ratio_params())
def test_uln_boundaries_both_sides(term: str, k: float, at: int, above: int) -> None:
    uln = 40.0
    assert grade(term, value=k * uln, uln=uln).grade == at
    assert grade(term, value=k * uln + EPS, uln=uln).grade == above


# Abnormal baseline (baseline > ULN): ×baseline bands; AST/ALT grade 1 from ≥1.5×baseline,
# bilirubin from >1.0×baseline, ALP/GGT from ≥2.0×baseline (admiral conventions).
AST_BASE = [(3.0, 1, 2), (5.0, 2, 3), (20.0, 3, 4)]
BILI_BASE = [(1.0, 0, 1), (1.5, 1, 2), (3.0, 2, 3), (10.0, 3, 4)]
ALP_BASE = [(2.5, 1, 2), (5.0, 2, 3), (20.0, 3, 4)]


@pytest.mark.parametrize(
    ("term", "bands", "first_inclusive"),
    [
        ("AST increased", AST_BASE, 1.5),
        ("ALT increased", AST_BASE, 1.5),
        ("Blood bilirubin increased", BILI_BASE, None),
        ("Alkaline phosphatase increased", ALP_BASE, 2.0),
        ("GGT increased", ALP_BASE, 2.0),
    ],
)
def test_abnormal_baseline_boundaries(
    term: str, bands: list[tuple[float, int, int]], first_inclusive: float | None
) -> None:
    uln, base = 40.0, 80.0
    for k, at, above in bands:
        assert grade(term, value=k * base, uln=uln, baseline=base).grade == at, k
        assert grade(term, value=k * base + EPS, uln=uln, baseline=base).grade == above, k
    if first_inclusive is not None:
        # grade 1 starts AT the multiple (no ">"): exactly is grade 1, just below grade 0
        assert grade(term, value=first_inclusive * base, uln=uln, baseline=base).grade == 1
        assert grade(term, value=first_inclusive * base - EPS, uln=uln, baseline=base).grade == 0


def test_abnormal_baseline_is_chosen_only_above_uln() -> None:
    # baseline == ULN is normal: ×ULN bands (121 > 3×40 -> grade 2)
    r = grade("AST", value=121, uln=40, baseline=40)
    assert r.grade == 2
    assert "normal" in r.notes[0]
    # baseline 41 > ULN: ×baseline bands (121 / 41 = 2.95 -> grade 1)
    r = grade("AST", value=121, uln=40, baseline=41)
    assert r.grade == 1
    assert "baseline was abnormal" in r.rule
    # above ULN but below 1.5×baseline with an abnormal baseline: grade 0 (admiral)
    assert grade("ALT", value=100, uln=40, baseline=80).grade == 0


def test_no_baseline_uses_the_uln_rule_and_says_so() -> None:
    r = grade("AST increased", value=250, uln=40)
    assert r.grade == 3
    assert r.rule == ">5.0–20.0×ULN if baseline was normal"
    assert any("baseline not given" in n for n in r.notes)
    assert r.measures["x_uln"] == 6.25


def test_creatinine_mixed_uln_and_baseline_higher_grade_wins() -> None:
    base = 0.5
    # baseline bands: >1.5–3.0×baseline grade 2; >3.0×baseline grade 3
    assert grade("creatinine", value=0.75, uln=1.2, baseline=base).grade == 0
    assert grade("creatinine", value=0.76, uln=1.2, baseline=base).grade == 2
    assert grade("creatinine", value=1.5, uln=1.2, baseline=base).grade == 2
    r = grade("creatinine", value=1.51, uln=1.2, baseline=base)
    assert r.grade == 3
    assert "higher grade (3, ×baseline)" in r.rule
    assert "read as ×baseline" in r.rule  # the '>3.0 baseline' caveat travels with the rule
    # ×ULN wins when higher: 7.3 > 6×1.2 -> grade 4, ×baseline 3.0 x -> grade 2
    assert grade("creatinine", value=7.3, uln=1.2, baseline=2.5).grade == 4
    no_base = grade("creatinine", value=1.51, uln=1.2)
    assert no_base.grade == 1
    assert any("only the ×ULN bands" in n for n in no_base.notes)


@pytest.mark.parametrize("term", ["Lipase increased", "amylase"])
def test_lipase_amylase_bands_with_symptoms(term: str) -> None:
    uln = 100.0
    for sym in (True, False, None):
        assert grade(term, value=100, uln=uln, symptomatic=sym).grade == 0
        assert grade(term, value=100.01, uln=uln, symptomatic=sym).grade == 1
        assert grade(term, value=150, uln=uln, symptomatic=sym).grade == 1
        assert grade(term, value=150.01, uln=uln, symptomatic=sym).grade == 2
        assert grade(term, value=200, uln=uln, symptomatic=sym).grade == 2
    assert grade(term, value=200.01, uln=uln, symptomatic=False).grade == 2
    assert grade(term, value=200.01, uln=uln, symptomatic=True).grade == 3
    assert grade(term, value=500, uln=uln, symptomatic=False).grade == 2
    assert grade(term, value=500, uln=uln, symptomatic=True).grade == 3
    assert grade(term, value=500.01, uln=uln, symptomatic=False).grade == 3
    assert grade(term, value=500.01, uln=uln, symptomatic=True).grade == 4
    unknown = grade(term, value=300, uln=uln)
    assert unknown.grade is None
    assert unknown.candidates == (2, 3)
    assert "signs or symptoms" in (unknown.reason or "")
    assert grade(term, value=600, uln=uln).candidates == (3, 4)


def test_inr_off_and_on_anticoagulation() -> None:
    for v, g in [(1.2, 0), (1.21, 1), (1.5, 1), (1.51, 2), (2.5, 2), (2.51, 3)]:
        assert grade("INR", value=v, on_anticoagulation=False).grade == g, v
    base = 2.0
    for k, at, above in [(1.0, 0, 1), (1.5, 1, 2), (2.5, 2, 3)]:
        assert grade("INR", value=k * base, baseline=base, on_anticoagulation=True).grade == at
        r = grade("INR", value=k * base + EPS, baseline=base, on_anticoagulation=True)
        assert r.grade == above
    # an anticoagulated patient at a therapeutic INR is not graded on the absolute bands
    assert grade("INR", value=2.6, baseline=2.5, on_anticoagulation=True).grade == 1
    missing = grade("INR", value=2.0)
    assert missing.grade is None
    assert "anticoagulation" in (missing.reason or "")
    no_base = grade("INR", value=2.0, on_anticoagulation=True)
    assert no_base.grade is None
    assert no_base.candidates == (0, 1, 2, 3)
    assert any(
        "no grade above 3" in n for n in grade("INR", value=9, on_anticoagulation=False).notes
    )


# ------------------------------------------------------------------ decreasing terms (<LLN)
# (unit, LLN, [(value, grade)]) — each band bound exactly (lower grade: "<X–Y" keeps Y)
# and just below it (next grade).
DECREASING = [
    ("Platelet count decreased", "10^9/L", 150.0,
     [(150, 0), (149.9, 1), (75, 1), (74.9, 2), (50, 2), (49.9, 3), (25, 3), (24.9, 4)]),
    ("Platelet count decreased", "/mm3", 150000.0,
     [(150000, 0), (149999, 1), (75000, 1), (74999, 2), (50000, 2), (49999, 3), (25000, 3),
      (24999, 4)]),
    ("Neutrophil count decreased", "10^9/L", 2.0,
     [(2.0, 0), (1.99, 1), (1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3), (0.49, 4)]),
    ("Neutrophil count decreased", "/mm3", 2000.0,
     [(2000, 0), (1999, 1), (1500, 1), (1499, 2), (1000, 2), (999, 3), (500, 3), (499, 4)]),
    ("White blood cell decreased", "10^9/L", 4.0,
     [(4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4)]),
    ("White blood cell decreased", "/mm3", 4000.0,
     [(4000, 0), (3999, 1), (3000, 1), (2999, 2), (2000, 2), (1999, 3), (1000, 3), (999, 4)]),
    ("Anemia", "g/dL", 12.0, [(12.0, 0), (11.99, 1), (10.0, 1), (9.99, 2), (8.0, 2), (7.99, 3)]),
    ("Anemia", "g/L", 120.0, [(120, 0), (119.9, 1), (100, 1), (99.9, 2), (80, 2), (79.9, 3)]),
    ("Anemia", "mmol/L", 7.4, [(7.4, 0), (7.39, 1), (6.2, 1), (6.19, 2), (4.9, 2), (4.89, 3)]),
    ("Hypoalbuminemia", "g/dL", 3.5,
     [(3.5, 0), (3.49, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3)]),
    ("Hypoalbuminemia", "g/L", 35.0, [(35, 0), (34.9, 1), (30, 1), (29.9, 2), (20, 2), (19.9, 3)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("term", "unit", "lln", "cases"),
    [pytest.param(*c, id=f"{c[0]}-{c[1]}") for c in DECREASING],
)
def test_lln_boundaries_both_sides(
    term: str, unit: str, lln: float, cases: list[tuple[float, int]]
) -> None:
    for value, expected in cases:
        assert grade(term, value=value, unit=unit, lln=lln).grade == expected, value


@pytest.mark.parametrize(
    ("term", "unit", "value"),
    [
        ("platelets", "10^9/L", 100),
        ("platelets", "10^9/L", 75),
        ("neutrophils", "10^9/L", 1.7),
        ("WBC", "/mm3", 3500),
        ("anaemia", "g/dL", 11),
        ("albumin", "g/L", 32),
    ],
)
def test_missing_lln_grade_1_cannot_be_assigned(term: str, unit: str, value: float) -> None:
    r = grade(term, value=value, unit=unit)
    assert r.grade is None
    assert r.candidates == (0, 1)
    assert "LLN" in (r.reason or "")
    assert "grade 1 cannot be assigned" in (r.reason or "")


def test_missing_lln_does_not_block_grades_2_to_4() -> None:
    assert grade("platelets", value=74.9, unit="10^9/L").grade == 2
    assert grade("neutrophils", value=0.4, unit="10^9/L").grade == 4
    assert grade("albumin", value=1.9, unit="g/dL").grade == 3


def test_unit_spellings_and_conversions() -> None:
    # the same count in both units grades the same
    assert grade("platelets", value=74.9, unit="10⁹/L", lln=150).grade == 2
    assert grade("platelets", value=74900, unit="/mm³", lln=150000).grade == 2
    r = grade("platelets", value=60, unit="x10^9/L")
    assert r.inputs["unit"] == "10^9/L"
    assert grade("albumin", value=29, unit="g/L", lln=35).grade == 2
    assert grade("albumin", value=2.9, unit="G/DL", lln=3.5).grade == 2
    # haemoglobin: each unit has its own printed bands (6.2/4.9 mmol/L are not exact
    # conversions of 10/8 g/dL), so 4.95 mmol/L (≈ 7.98 g/dL) is grade 2, 7.98 g/dL grade 3
    assert grade("Hb", value=4.95, unit="mmol/L", lln=7.4).grade == 2
    assert grade("Hb", value=7.98, unit="g/dL", lln=12).grade == 3


@pytest.mark.parametrize(
    ("term", "unit", "allowed"),
    [
        ("platelets", "g/L", "10^9/L, /mm3"),
        ("platelets", "/uL", "10^9/L, /mm3"),
        ("albumin", "mmol/L", "g/dL, g/L"),
        ("anemia", "mg/dL", "g/dL, g/L, mmol/L"),
    ],
)
def test_other_units_are_refused_naming_the_allowed(term: str, unit: str, allowed: str) -> None:
    expected = re.escape(f"unit: got '{unit}'; allowed: one of {allowed}")
    with pytest.raises(InputError, match=expected):
        grade(term, value=1.0, unit=unit)


def test_unit_is_required_for_count_and_concentration_terms() -> None:
    with pytest.raises(InputError, match="unit: got None; allowed: required"):
        grade("platelets", value=100)
    with pytest.raises(InputError, match="no unit"):
        grade("INR", value=1.3, unit="s", on_anticoagulation=False)


def test_implausible_values_are_refused() -> None:
    with pytest.raises(InputError, match=r"value: got 45; allowed: > 0 and ≤ 10 g/dL"):
        grade("albumin", value=45, unit="g/dL")
    with pytest.raises(InputError, match="value: got 150000"):
        grade("platelets", value=150000, unit="10^9/L")  # a /mm3 value given as 10^9/L
    with pytest.raises(InputError, match="value: got -1"):
        grade("AST", value=-1, uln=40)
    with pytest.raises(InputError, match="uln: got 0"):
        grade("AST", value=1, uln=0)
    with pytest.raises(InputError, match="value: got nan"):
        grade("AST", value=float("nan"), uln=40)


# ------------------------------------------------------------------ clinical terms


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [
        (119, 79, 0), (120, 79, 1), (139, 79, 1), (139.5, 79, 1), (140, 79, 2), (159, 79, 2),
        (160, 79, 3), (119, 80, 1), (119, 89, 1), (119, 90, 2), (119, 99, 2), (119, 100, 3),
        (150, 101, 3), (165, 85, 3),
    ],
)  # fmt: skip
def test_hypertension_from_values(systolic: float, diastolic: float, expected: int) -> None:
    r = grade("Hypertension", systolic=systolic, diastolic=diastolic)
    assert r.grade == expected
    assert any("grade 4" in n and "clinical" in n for n in r.notes)


def test_hypertension_needs_both_values() -> None:
    with pytest.raises(InputError, match="diastolic: got None; allowed: required"):
        grade("hypertension", systolic=150)
    with pytest.raises(InputError, match="diastolic: got 150"):
        grade("hypertension", systolic=120, diastolic=150)


@pytest.mark.parametrize(
    ("stools", "expected"), [(0, 0), (1, 1), (3, 1), (4, 2), (6, 2), (7, 3), (12, 3)]
)
def test_diarrhoea_from_stools_over_baseline(stools: int, expected: int) -> None:
    assert grade("diarrhoea", stools_over_baseline=stools).grade == expected


def test_diarrhoea_adl_can_raise_the_grade() -> None:
    assert grade("Diarrhea", stools_over_baseline=2, adl="instrumental").grade == 2
    assert grade("Diarrhea", stools_over_baseline=2, adl="self care").grade == 3
    assert grade("Diarrhea", stools_over_baseline=7, adl="none").grade == 3
    with pytest.raises(InputError, match=r"stools_over_baseline: got 2\.5"):
        grade("Diarrhea", stools_over_baseline=2.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="stools_over_baseline: got -1"):
        grade("Diarrhea", stools_over_baseline=-1)


@pytest.mark.parametrize(
    ("adl", "pain", "expected"),
    [
        ("none", False, 1),
        ("none", True, 2),
        ("instrumental", None, 2),
        ("instrumental", True, 2),
        ("self-care", None, 3),
        ("SELF-CARE", None, 3),
    ],
)
def test_hand_foot_skin_reaction_from_descriptors(
    adl: str, pain: bool | None, expected: int
) -> None:
    r = grade("hand-foot skin reaction", adl=adl, pain=pain)
    assert r.term == "Palmar-plantar erythrodysesthesia syndrome"
    assert r.grade == expected
    assert r.source.id == "d_esmo_hfsr"


def test_hand_foot_skin_reaction_without_adl_limit_needs_pain() -> None:
    r = grade("HFSR", adl="none")
    assert r.grade is None
    assert r.candidates == (1, 2)
    with pytest.raises(InputError, match="adl: got 'sometimes'"):
        grade("HFSR", adl="sometimes")
    with pytest.raises(InputError, match="adl: got None; allowed: required"):
        grade("HFSR")


# ------------------------------------------------------------------ terms, aliases, errors


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("AST increased", "Aspartate aminotransferase increased"),
        ("ast", "Aspartate aminotransferase increased"),
        ("ALT", "Alanine aminotransferase increased"),
        ("alanine aminotransferase increased", "Alanine aminotransferase increased"),
        ("bilirubin", "Blood bilirubin increased"),
        ("platelets", "Platelet count decreased"),
        ("Thrombocytopenia", "Platelet count decreased"),
        ("ANC", "Neutrophil count decreased"),
        ("anaemia", "Anemia"),
        ("hypoalbuminaemia", "Hypoalbuminemia"),
        ("HFSR", "Palmar-plantar erythrodysesthesia syndrome"),
        ("hand-foot skin reaction", "Palmar-plantar erythrodysesthesia syndrome"),
        ("Hand Foot Skin Reaction", "Palmar-plantar erythrodysesthesia syndrome"),
        ("diarrhoea", "Diarrhea"),
    ],
)
def test_aliases_resolve_case_insensitively(alias: str, canonical: str) -> None:
    assert ctcae().term(alias).term == canonical


UNVERIFIED = [
    "Proteinuria", "Fatigue", "Anorexia", "Rash maculo-papular", "rash", "Hypothyroidism",
    "Hepatic failure", "Ascites", "GI hemorrhage", "upper GI haemorrhage",
    "Lower gastrointestinal hemorrhage", "Esophageal varices hemorrhage",
    "Thromboembolic event", "Fever", "Abdominal pain", "Nausea",
]  # fmt: skip


@pytest.mark.parametrize("term", UNVERIFIED)
def test_unverified_terms_are_refused(term: str) -> None:
    with pytest.raises(InputError, match=r"grade text .* is not verified"):
        grade(term, value=1.0)


def test_unverified_list_matches_the_reference() -> None:
    names = {u.term for u in ctcae().unverified}
    assert {
        "Proteinuria", "Fatigue", "Anorexia", "Rash maculo-papular", "Hypothyroidism",
        "Hepatic failure", "Ascites", "Thromboembolic event", "Fever", "Abdominal pain",
        "Nausea", "Upper gastrointestinal hemorrhage", "Lower gastrointestinal hemorrhage",
        "Esophageal varices hemorrhage",
    } <= names  # fmt: skip
    graded = {t.term for t in ctcae().terms}
    assert not names & graded


def test_post_embolization_syndrome_is_not_a_ctcae_term() -> None:
    with pytest.raises(InputError, match="component terms"):
        grade("post-embolization syndrome")


def test_an_unknown_term_names_a_few_close_terms_never_the_whole_list() -> None:
    with pytest.raises(InputError, match="no known name is close") as refused:
        grade("glucose", value=5)
    assert "Aspartate" not in str(refused.value)
    with pytest.raises(InputError, match="such as 'Diarrhea'"):
        grade("Diarhea", value=5)
    with pytest.raises(InputError) as refused:
        grade("AST high", value=5)
    allowed = refused.value.problem.allowed
    assert "'Aspartate aminotransferase increased'" in allowed
    assert allowed.count("'") <= 6  # at most three names


def test_an_unknown_label_event_names_a_few_close_events() -> None:
    from tacepath.pathway.ctcae_data import ctcae
    from tacepath.pathway.dose_rules_data import dose_rules

    with pytest.raises(InputError) as refused:
        dose_rules().event("Diarhea", ctcae())
    assert refused.value.problem.allowed.endswith("such as 'Diarrhea'")


def test_inputs_a_term_does_not_use_are_refused_not_ignored() -> None:
    with pytest.raises(InputErrors) as exc:
        grade("AST", value=100, uln=40, lln=10, systolic=120)
    fields = {p.field for p in exc.value.problems}
    assert fields == {"lln", "systolic"}


def test_every_result_carries_version_rule_and_source() -> None:
    r = grade("ALT", value=130, uln=40)
    d = r.to_dict()
    json.dumps(d)
    assert d["ctcae_version"] == "5.0"
    assert d["grade"] == 2
    assert d["rule"] == ">3.0–5.0×ULN if baseline was normal"
    assert d["source"]["id"] == "a_admiral"
    assert "1df39730023bc7ad5e5a309faacc09585c6fd1c5" in d["source"]["citation"]
    assert [a["id"] for a in d["also"]] == ["b_wjh_2026"]


def test_the_data_file_has_a_source_for_every_band() -> None:
    cat = ctcae()
    ids = {s.id for s in cat.sources}
    assert cat.version == "5.0"
    for t in cat.terms:
        assert t.source in ids
        for scale in t.scales.values():
            assert all(b.source in ids for b in scale.bands)
        assert all(d.source in ids for d in t.descriptors)


def _broken(tmp_path: Path, edit: Any) -> Path:
    raw = yaml.safe_load(CTCAE_FILE.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "ctcae.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_loader_refuses_unknown_source(tmp_path: Path) -> None:
    def edit(raw: dict[str, Any]) -> None:
        raw["terms"][0]["scales"]["uln"]["bands"][0]["source"] = "nope"

    with pytest.raises(InputErrors, match="source: got 'nope'"):
        load_ctcae(_broken(tmp_path, edit))


def test_loader_refuses_a_band_without_bounds_and_duplicate_aliases(tmp_path: Path) -> None:
    def no_bound(raw: dict[str, Any]) -> None:
        band = raw["terms"][0]["scales"]["uln"]["bands"][0]
        del band["gt"], band["le"]

    with pytest.raises(InputErrors, match="at least one bound"):
        load_ctcae(_broken(tmp_path, no_bound))

    def dup(raw: dict[str, Any]) -> None:
        raw["terms"][1]["aliases"].append("AST")

    with pytest.raises(InputErrors, match="alias: got 'AST'"):
        load_ctcae(_broken(tmp_path, dup))


# ------------------------------------------------------------------ properties

INCREASING = [
    ("AST", {"uln": 40.0}),
    ("AST", {"uln": 40.0, "baseline": 90.0}),
    ("bilirubin", {"uln": 1.2, "baseline": 2.0}),
    ("ALP", {"uln": 120.0}),
    ("GGT", {"uln": 60.0, "baseline": 100.0}),
    ("creatinine", {"uln": 1.2, "baseline": 0.6}),
    ("creatinine", {"uln": 1.2}),
    ("lipase", {"uln": 60.0, "symptomatic": True}),
    ("amylase", {"uln": 100.0, "symptomatic": False}),
    ("INR", {"on_anticoagulation": False}),
    ("INR", {"on_anticoagulation": True, "baseline": 2.2}),
]
DECREASING_P = [
    ("platelets", {"unit": "10^9/L", "lln": 150.0}),
    ("neutrophils", {"unit": "10^9/L", "lln": 1.8}),
    ("WBC", {"unit": "10^9/L", "lln": 4.0}),
    ("anemia", {"unit": "g/dL", "lln": 12.0}),
    ("albumin", {"unit": "g/L", "lln": 35.0}),
]
_values = st.integers(1, 100_000).map(lambda i: i / 100)


@given(
    case=st.sampled_from(INCREASING),
    a=_values,
    b=_values,
)
def test_grade_is_monotone_non_decreasing_for_increasing_terms(
    case: tuple[str, dict[str, Any]], a: float, b: float
) -> None:
    term, kw = case
    lo, hi = sorted((a, b))
    if term == "INR":
        lo, hi = min(lo, 29.0), min(hi, 29.0)
    g_lo, g_hi = grade(term, value=lo, **kw).grade, grade(term, value=hi, **kw).grade
    assert g_lo is not None
    assert g_hi is not None
    assert g_lo <= g_hi


@given(case=st.sampled_from(DECREASING_P), a=_values, b=_values)
def test_grade_is_monotone_non_increasing_for_decreasing_terms(
    case: tuple[str, dict[str, Any]], a: float, b: float
) -> None:
    term, kw = case
    lo, hi = sorted((a, b))
    if term == "albumin":
        lo, hi = min(lo, 99.0), min(hi, 99.0)
    g_lo, g_hi = grade(term, value=lo, **kw).grade, grade(term, value=hi, **kw).grade
    assert g_lo is not None
    assert g_hi is not None
    assert g_lo >= g_hi


@given(
    systolic=st.integers(60, 260),
    diastolic=st.integers(30, 59),
    step=st.integers(0, 60),
)
def test_hypertension_is_monotone_in_both_pressures(
    systolic: int, diastolic: int, step: int
) -> None:
    g0 = grade("hypertension", systolic=systolic, diastolic=diastolic).grade
    g1 = grade("hypertension", systolic=systolic + step, diastolic=diastolic).grade
    assert g0 is not None
    assert g1 is not None
    assert g0 <= g1


# ------------------------------------------------------------------ CLI


def test_cli_grade_json_contract() -> None:
    r = runner.invoke(
        app,
        ["grade", "--term", "AST increased", "--value", "250", "--uln", "40", "--baseline",
         "35", "--unit", "U/L", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["dose_action"] is None
    g = d["grade"]
    assert g["grade"] == 3
    assert g["term"] == "Aspartate aminotransferase increased"
    assert g["ctcae_version"] == "5.0"
    assert g["rule"] == ">5.0–20.0×ULN if baseline was normal"
    assert g["inputs"] == {"value": 250.0, "uln": 40.0, "baseline": 35.0, "unit": "U/L"}


def test_cli_grade_table_and_flags() -> None:
    r = runner.invoke(app, ["grade", "--term", "lipase", "--value", "300", "--uln", "100",
                            "--asymptomatic"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "grade 2" in r.stdout
    assert ">2.0–5.0×ULN and asymptomatic" in r.stdout
    r = runner.invoke(app, ["grade", "--term", "platelets", "--value", "100", "--unit", "10^9/L"])
    assert r.exit_code == 0
    assert "not assigned" in r.stdout
    assert "LLN" in r.stdout
    r = runner.invoke(app, ["grade", "--term", "HFSR", "--adl", "none", "--no-pain", "--json"])
    assert json.loads(r.stdout)["grade"]["grade"] == 1


def test_cli_list() -> None:
    r = runner.invoke(app, ["grade", "--list", "--json"])
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["ctcae_version"] == "5.0"
    assert len(d["graded"]) == len(ctcae().terms)
    assert "Proteinuria" in {u["term"] for u in d["unverified"]}
    r = runner.invoke(app, ["grade", "--list"])
    assert r.exit_code == 0
    assert "Not graded" in r.stdout
    assert "Proteinuria" in r.stdout


def test_cli_errors_exit_2_one_line_per_problem() -> None:
    r = runner.invoke(app, ["grade", "--term", "proteinuria", "--value", "3"])
    assert r.exit_code == 2
    assert "not verified" in r.stderr
    r = runner.invoke(
        app, ["grade", "--term", "platelets", "--value", "100", "--unit", "g/L", "--systolic", "3"]
    )
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("error: ") for line in lines)
    r = runner.invoke(app, ["grade", "--value", "3"])
    assert r.exit_code == 2
    assert "--term: got None" in r.stderr
