"""Invariants of the clinical core, by property-based testing."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import cohort_row, corruptions, full_patients, patients

from tacepath.clinical.assessment import assess
from tacepath.clinical.cohort import assess_cohort
from tacepath.clinical.liver_function import albi, child_pugh
from tacepath.domain.patient import parse_patient
from tacepath.errors import InputError

_GRADE_ORDER = {"1": 1, "2": 2, "3": 3}


@given(st.integers(10, 3000), st.integers(1, 3000), st.integers(150, 600), st.integers(50, 600))
def test_worse_bilirubin_never_lowers_child_pugh_or_raises_albi_grade(b1, db, alb, inr) -> None:
    lo, hi = b1 / 100, (b1 + db) / 100
    kw = {"albumin_g_dl": alb / 100, "inr": inr / 100, "ascites": "none", "encephalopathy": "none"}
    assert child_pugh(bilirubin_mg_dl=hi, **kw).score >= child_pugh(bilirubin_mg_dl=lo, **kw).score  # type: ignore[arg-type]
    g_lo = albi(bilirubin_umol_l=lo * 17.1, albumin_g_l=alb / 10).grade
    g_hi = albi(bilirubin_umol_l=hi * 17.1, albumin_g_l=alb / 10).grade
    # a higher ALBI grade is worse liver function: worse bilirubin never gives a better grade
    assert _GRADE_ORDER[g_hi] >= _GRADE_ORDER[g_lo]


def _to_si(raw: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    factors = {
        "bilirubin": ("µmol/L", 17.1),
        "albumin": ("g/L", 10.0),
        "creatinine": ("umol/L", 88.4),
        "sodium": ("mEq/L", 1.0),
        "afp": ("µg/L", 1.0),
    }
    for name, lab in out.get("labs", {}).items():
        if name in factors:
            unit, k = factors[name]
            lab["value"] = lab["value"] * k
            lab["unit"] = unit
    return out


def _scores(d: dict[str, Any]) -> dict[str, Any]:
    """Categories exactly; continuous scores to 9 significant digits (float noise aside)."""
    keep = ("score", "class", "grade", "stage", "within", "group", "points")

    def norm(x: Any) -> Any:
        return float(f"{x:.9g}") if isinstance(x, float) else x

    return {k: {kk: norm(v.get(kk)) for kk in keep} for k, v in d.items() if isinstance(v, dict)}


@settings(max_examples=200, deadline=None)
@given(patients)
def test_unit_choice_never_changes_a_result(raw: dict[str, Any]) -> None:
    a = assess(parse_patient(raw)).to_dict()
    b = assess(parse_patient(_to_si(raw))).to_dict()
    assert _scores(a) == _scores(b)


@settings(max_examples=200, deadline=None)
@given(patients)
def test_every_valid_patient_is_assessed(raw: dict[str, Any]) -> None:
    d = assess(parse_patient(raw)).to_dict()
    for name, res in d.items():
        if isinstance(res, dict):
            assert "rule" in res, name
            assert "source" in res, name
            if not res["computable"]:
                assert res["missing"] or res["rule"], name


@settings(max_examples=200, deadline=None)
@given(patients, corruptions)
def test_every_invalid_patient_gets_a_clear_error(raw: dict[str, Any], bad) -> None:
    path, value = bad
    broken = copy.deepcopy(raw)
    node = broken
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    with pytest.raises(InputError) as info:
        parse_patient(broken)
    assert any(path[-1] in p.field for p in info.value.problems)
    assert all(p.allowed for p in info.value.problems)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(patients, full_patients), min_size=1, max_size=25))
def test_cohort_path_equals_per_patient_path(raws: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame([cohort_row(r) for r in raws])
    frame["id"] = [f"R{i}" for i in range(len(raws))]
    table = assess_cohort(frame)
    for i, raw in enumerate(raws):
        d = assess(parse_patient(raw)).to_dict()
        row = table.iloc[i]

        def val(x: Any) -> Any:
            return None if pd.isna(x) else x

        assert val(row["child_pugh_score"]) == d["child_pugh"]["score"]
        assert val(row["child_pugh_class"]) == d["child_pugh"]["class"]
        assert val(row["albi_grade"]) == d["albi"]["grade"]
        assert val(row["malbi_grade"]) == d["malbi"]["grade"]
        for key in ("meld", "meld_na", "meld_3", "hap", "mhap2"):
            assert val(row[f"{key}_score"]) == d[key]["score"], key
        assert val(row["hap_class"]) == d["hap"]["class"]
        assert val(row["bclc_stage"]) == d["bclc"]["stage"], (raw, d["bclc"])
        assert val(row["milan_within"]) == d["milan"]["within"]
        assert val(row["up_to_seven_within"]) == d["up_to_seven"]["within"]
        assert val(row["six_and_twelve_group"]) == d["six_and_twelve"]["group"]
