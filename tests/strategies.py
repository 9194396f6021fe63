"""Hypothesis strategies: valid and invalid patient objects (the JSON input contract), and the
survival data frame the survival invariants draw."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st


# Values with at most two decimals: a clinician's lab report, and exact enough that a unit
# round-trip cannot cross a cut-off by floating-point noise.
def _dec(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.integers(int(lo * 100), int(hi * 100)).map(lambda i: i / 100)


def lab(lo: float, hi: float, unit: str | None) -> st.SearchStrategy[dict[str, Any]]:
    base = _dec(lo, hi)
    if unit is None:
        return base.map(lambda v: {"value": v})
    return base.map(lambda v: {"value": v, "unit": unit})


labs = st.fixed_dictionaries(
    {},
    optional={
        "bilirubin": lab(0.1, 40, "mg/dL"),
        "albumin": lab(1.0, 6.0, "g/dL"),
        "inr": lab(0.5, 8.0, None),
        "creatinine": lab(0.2, 12, "mg/dL"),
        "sodium": lab(100, 170, "mmol/L"),
        "afp": lab(0, 100000, "ng/mL"),
        "ast": lab(5, 2000, "U/L"),
    },
)

tumours = st.lists(st.integers(5, 250).map(lambda mm: {"diameter_mm": mm}), min_size=0, max_size=8)

patients = st.fixed_dictionaries(
    {"id": st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=8)},
    optional={
        "sex": st.sampled_from(["male", "female"]),
        "age_years": st.integers(18, 95),
        "ecog": st.integers(0, 5),
        "labs": labs,
        "dialysis_twice_past_week": st.booleans(),
        "ascites": st.sampled_from(["none", "mild", "moderate-severe"]),
        "encephalopathy": st.sampled_from(["none", "grade-1-2", "grade-3-4"]),
        "tumours": tumours,
        "macrovascular_invasion": st.booleans(),
        "extrahepatic_spread": st.booleans(),
        "end_stage_liver_function": st.booleans(),
        "cholestatic_disease": st.booleans(),
    },
)

full_patients = st.fixed_dictionaries(
    {
        "id": st.just("P"),
        "sex": st.sampled_from(["male", "female"]),
        "age_years": st.integers(18, 95),
        "ecog": st.integers(0, 4),
        "labs": st.fixed_dictionaries(
            {
                "bilirubin": lab(0.1, 40, "mg/dL"),
                "albumin": lab(1.0, 6.0, "g/dL"),
                "inr": lab(0.5, 8.0, None),
                "creatinine": lab(0.2, 12, "mg/dL"),
                "sodium": lab(100, 170, "mmol/L"),
                "afp": lab(0, 100000, "ng/mL"),
            }
        ),
        "dialysis_twice_past_week": st.booleans(),
        "ascites": st.sampled_from(["none", "mild", "moderate-severe"]),
        "encephalopathy": st.sampled_from(["none", "grade-1-2", "grade-3-4"]),
        "tumours": tumours.filter(bool),
        "macrovascular_invasion": st.booleans(),
        "extrahepatic_spread": st.booleans(),
    }
)

# One way of making a valid patient invalid: (path, bad value).
corruptions = st.sampled_from(
    [
        (("labs", "albumin"), {"value": 45, "unit": "g/dL"}),
        (("labs", "inr"), {"value": 0}),
        (("labs", "sodium"), {"value": 300, "unit": "mmol/L"}),
        (("labs", "bilirubin"), {"value": -1, "unit": "mg/dL"}),
        (("labs", "bilirubin"), {"value": 1, "unit": "mg/L"}),
        (("labs", "creatinine"), {"value": "high", "unit": "mg/dL"}),
        (("ecog",), 7),
        (("ecog",), 1.5),
        (("ascites",), "lots"),
        (("sex",), "m"),
        (("age_years",), -3),
        (("tumours",), [{"diameter_mm": 0}]),
        (("tumours",), [{"diameter_cm": 3}]),
        (("id",), ""),
        (("unknown_field",), 1),
    ]
)


def cohort_row(raw: dict[str, Any]) -> dict[str, Any]:
    """A patient object as one row of the cohort file format (labs as value and unit columns)."""
    row: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("labs", "tumours")}
    for name, lab in raw.get("labs", {}).items():
        row[name] = lab["value"]
        if "unit" in lab:
            row[f"{name}_unit"] = lab["unit"]
    if raw.get("tumours"):
        row["tumour_diameters_mm"] = ";".join(str(t["diameter_mm"]) for t in raw["tumours"])
    return row


def survival_frame(data: list[tuple[int, int, int]]) -> pd.DataFrame:
    """Drawn ``(time, event, group)`` rows as the columns ``t`` (float), ``e`` (0/1), ``g``."""
    t, e, g = zip(*data, strict=True)
    return pd.DataFrame({"t": np.asarray(t, float), "e": np.asarray(e, float), "g": g})
