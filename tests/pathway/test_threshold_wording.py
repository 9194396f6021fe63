"""Every threshold check says on which side of its limit the value lies, on both sides.

The issue's example: a failed proteinuria check read "proteinuria 2.5 g/24 h (below 2)".
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
        "creatinine_below_mg_dl",
        2.0,
        {"labs": {"creatinine": {"value": 1.99, "unit": "mg/dL"}}},
        "creatinine 1.99 mg/dL (below the limit 2 mg/dL)",
        {"labs": {"creatinine": {"value": 2.0, "unit": "mg/dL"}}},
        "creatinine 2.00 mg/dL (at or above the limit 2 mg/dL)",
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
