"""Every threshold check says on which side of its limit the value lies, on both sides.

A clinician's example: a failed proteinuria check read "proteinuria 2.5 g/24 h (below 2)".
"""

from __future__ import annotations

from typing import Any

import pytest

from tacepath.clinical.assessment import assess
from tacepath.domain.patient import parse_patient
from tacepath.pathway.eligibility import run_check

_CP_A5 = {
    "labs": {
        "bilirubin": {"value": 0.9, "unit": "mg/dL"},
        "albumin": {"value": 3.9, "unit": "g/dL"},
        "inr": {"value": 1.1},
    },
    "ascites": "none",
    "encephalopathy": "none",
}


def _detail(check: str, limit: Any, **fields: Any) -> tuple[str, str]:
    raw = {"id": "T", **fields}
    p = parse_patient(raw)
    out = run_check(check, p, assess(p), limit)
    return out.result, out.detail


_RENAL = {"creatinine_below_mg_dl": 2.0, "clearance_at_least_ml_min": 30}

# (check, limit, patient fields inside the limit, words, fields outside, words)
CASES = [
    (
        "ecog_max",
        1,
        {"ecog": 1},
        "ECOG 1 (at or below the limit 1)",
        {"ecog": 2},
        "ECOG 2 (above the limit 1)",
    ),
    (
        "child_pugh_score_max",
        5,
        _CP_A5,
        "Child-Pugh score 5 (at or below the limit 5)",
        {**_CP_A5, "ascites": "mild"},
        "Child-Pugh score 6 (above the limit 5)",
    ),
    (
        "tumours_max",
        2,
        {"tumours": [{"diameter_mm": 20}] * 2},
        "2 tumours (at or below the limit 2)",
        {"tumours": [{"diameter_mm": 20}] * 3},
        "3 tumours (above the limit 2)",
    ),
    (
        "tumour_diameter_max_mm",
        100,
        {"tumours": [{"diameter_mm": 100}]},
        "largest tumour 100 mm (at or below the limit 100 mm)",
        {"tumours": [{"diameter_mm": 101}]},
        "largest tumour 101 mm (above the limit 100 mm)",
    ),
    (
        "prior_tace_max",
        2,
        {"history": {"prior_tace_sessions": 2}},
        "2 prior TACE sessions (at or below the limit 2)",
        {"history": {"prior_tace_sessions": 3}},
        "3 prior TACE sessions (above the limit 2)",
    ),
    (
        "renal_function",
        _RENAL,
        {
            "labs": {"creatinine": {"value": 1.99, "unit": "mg/dL"}},
            "history": {"creatinine_clearance_ml_min": 30},
        },
        "creatinine 1.99 mg/dL (below the limit 2 mg/dL); "
        "creatinine clearance 30 mL/min (at or above the limit 30 mL/min)",
        {
            "labs": {"creatinine": {"value": 2.0, "unit": "mg/dL"}},
            "history": {"creatinine_clearance_ml_min": 30},
        },
        "creatinine 2.00 mg/dL (at or above the limit 2 mg/dL); "
        "creatinine clearance 30 mL/min (at or above the limit 30 mL/min)",
    ),
    (
        "renal_function",
        _RENAL,
        {
            "labs": {"creatinine": {"value": 1.5, "unit": "mg/dL"}},
            "history": {"creatinine_clearance_ml_min": 30.5},
        },
        "creatinine 1.50 mg/dL (below the limit 2 mg/dL); "
        "creatinine clearance 30.5 mL/min (at or above the limit 30 mL/min)",
        {
            "labs": {"creatinine": {"value": 1.5, "unit": "mg/dL"}},
            "history": {"creatinine_clearance_ml_min": 29.9},
        },
        "creatinine 1.50 mg/dL (below the limit 2 mg/dL); "
        "creatinine clearance 29.9 mL/min (below the limit 30 mL/min)",
    ),
    (
        "proteinuria_below",
        2.0,
        {"history": {"proteinuria_g_per_24h": 1.99}},
        "proteinuria 1.99 g/24 h (below the limit 2 g/24 h)",
        {"history": {"proteinuria_g_per_24h": 2.5}},
        "proteinuria 2.5 g/24 h (at or above the limit 2 g/24 h)",
    ),
    (
        "age_min",
        16,
        {"age_years": 16},
        "age 16 years (at or above the limit 16 years)",
        {"age_years": 15},
        "age 15 years (below the limit 16 years)",
    ),
]


@pytest.mark.parametrize(
    ("check", "limit", "inside", "inside_words", "outside", "outside_words"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_threshold_wording_on_both_sides(
    check: str,
    limit: Any,
    inside: dict[str, Any],
    inside_words: str,
    outside: dict[str, Any],
    outside_words: str,
) -> None:
    assert _detail(check, limit, **inside) == ("pass", inside_words)
    assert _detail(check, limit, **outside) == ("fail", outside_words)


def test_renal_function_names_what_is_missing() -> None:
    result, detail = _detail(
        "renal_function", _RENAL, labs={"creatinine": {"value": 1.2, "unit": "mg/dL"}}
    )
    assert result == "unknown"
    assert detail == (
        "creatinine 1.20 mg/dL (below the limit 2 mg/dL); "
        "history.creatinine_clearance_ml_min not given"
    )
    # a creatinine at or above the limit fails whatever the clearance
    result, _ = _detail(
        "renal_function", _RENAL, labs={"creatinine": {"value": 2.4, "unit": "mg/dL"}}
    )
    assert result == "fail"


def test_child_pugh_bands_both_sides() -> None:
    """EASL 2018 as reproduced: B9 or worse fails, B8 is the MDT question, B7 passes."""
    bands = {"at_most": 8, "caution_above": 7}
    labs = {**_CP_A5["labs"], "bilirubin": {"value": 2.5, "unit": "mg/dL"}}
    seven = {**_CP_A5, "labs": labs, "ascites": "mild"}  # 1 + 2 + 1 + 2 + 1
    assert _detail("child_pugh_score_max", bands, **seven) == (
        "pass",
        "Child-Pugh score 7 (at or below the limit 8)",
    )
    eight = {**seven, "labs": {**labs, "albumin": {"value": 3.2, "unit": "g/dL"}}}
    assert _detail("child_pugh_score_max", bands, **eight) == (
        "caution",
        "Child-Pugh score 8 (above 7, at or below the limit 8)",
    )
    nine = {**eight, "encephalopathy": "grade-1-2"}
    assert _detail("child_pugh_score_max", bands, **nine) == (
        "fail",
        "Child-Pugh score 9 (above the limit 8)",
    )


@pytest.mark.parametrize(
    ("event", "result", "words"),
    [
        ("2026-05-20", "fail", "within the 6 months window from 2026-05-20"),
        ("2026-05-19", "pass", "before the 6 months window from 2026-05-20"),
    ],
)
def test_event_window_both_sides(event: str, result: str, words: str) -> None:
    value = {"field": "gastric_bleeding_date", "what": "gastric bleeding", "months": 6}
    out = _detail(
        "event_window",
        value,
        assessment_date="2026-11-20",
        history={"gastric_bleeding_date": event},
    )
    assert out[0] == result
    assert words in out[1]


@pytest.mark.parametrize(
    ("last", "result"), [("2026-05-19", "pass"), ("2026-05-20", "fail"), ("2026-11-01", "fail")]
)
def test_last_tace_more_than_six_months_before(last: str, result: str) -> None:
    out = _detail(
        "last_tace_months_before",
        6,
        assessment_date="2026-11-20",
        history={"prior_tace_sessions": 1, "last_tace_date": last},
    )
    assert out[0] == result
    assert ("more than 6 months" if result == "pass" else "not more than 6 months") in out[1]
