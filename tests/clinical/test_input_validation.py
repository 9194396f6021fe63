"""Every clinical calculator that takes numbers refuses impossible ones (hypothesis).

One numeric input of a valid call is replaced by NaN, an infinity, a negative number, an
absurd magnitude (far beyond the patient record's validation limits), a boolean, text or
None: the calculator must raise :class:`InputError` naming that parameter, never return a
score.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.clinical import (
    albi,
    art_score,
    bclc_stage,
    child_pugh,
    ecog_performance_status,
    hap,
    malbi,
    meld,
    meld_3,
    meld_na,
    mhap2,
    milan_criteria,
    six_and_twelve,
    up_to_seven,
)
from tacepath.errors import InputError

NAN, INF = math.nan, math.inf

# A calculator, a valid call, and the numeric parameters to corrupt.
CALCULATORS: list[tuple[Callable[..., object], dict[str, Any], tuple[str, ...]]] = [
    (
        child_pugh,
        {"bilirubin_mg_dl": 1.5, "albumin_g_dl": 3.2, "ascites": "none",
         "encephalopathy": "none", "inr": 1.4},
        ("bilirubin_mg_dl", "albumin_g_dl", "inr"),
    ),
    (
        child_pugh,
        {"bilirubin_mg_dl": 1.5, "albumin_g_dl": 3.2, "ascites": "none",
         "encephalopathy": "none", "pt_prolongation_s": 3.0},
        ("pt_prolongation_s",),
    ),
    (albi, {"bilirubin_umol_l": 20.0, "albumin_g_l": 38.0}, ("bilirubin_umol_l", "albumin_g_l")),
    (malbi, {"bilirubin_umol_l": 20.0, "albumin_g_l": 38.0}, ("bilirubin_umol_l", "albumin_g_l")),
    (
        meld,
        {"creatinine_mg_dl": 1.2, "bilirubin_mg_dl": 2.0, "inr": 1.5},
        ("creatinine_mg_dl", "bilirubin_mg_dl", "inr", "cap"),
    ),
    (
        meld_na,
        {"creatinine_mg_dl": 1.2, "bilirubin_mg_dl": 2.0, "inr": 1.5, "sodium_mmol_l": 130},
        ("creatinine_mg_dl", "bilirubin_mg_dl", "inr", "sodium_mmol_l", "cap"),
    ),
    (
        meld_3,
        {"sex": "female", "age_years": 50, "bilirubin_mg_dl": 2.5, "sodium_mmol_l": 131,
         "inr": 1.0, "creatinine_mg_dl": 1.2, "albumin_g_dl": 3.8},
        ("age_years", "bilirubin_mg_dl", "sodium_mmol_l", "inr", "creatinine_mg_dl",
         "albumin_g_dl", "cap"),
    ),
    (
        hap,
        {"albumin_g_l": 38.0, "bilirubin_umol_l": 20.0, "afp_ng_ml": 50.0,
         "largest_diameter_cm": 4.0},
        ("albumin_g_l", "bilirubin_umol_l", "afp_ng_ml", "largest_diameter_cm"),
    ),
    (
        mhap2,
        {"albumin_g_dl": 3.8, "bilirubin_mg_dl": 1.0, "afp_ng_ml": 50.0,
         "largest_diameter_cm": 4.0, "n_tumours": 2},
        ("albumin_g_dl", "bilirubin_mg_dl", "afp_ng_ml", "largest_diameter_cm", "n_tumours"),
    ),
    (
        art_score,
        {"ast_before_u_l": 40.0, "ast_after_u_l": 45.0, "child_pugh_before": 5,
         "child_pugh_after": 6, "radiological_response": True},
        ("ast_before_u_l", "ast_after_u_l", "child_pugh_before", "child_pugh_after"),
    ),
    (ecog_performance_status, {"grade": 1}, ("grade",)),
    (
        bclc_stage,
        {"tumour_diameters_cm": [2.5], "macrovascular_invasion": False,
         "extrahepatic_spread": False, "ecog": 0, "child_pugh_class": "A", "ascites": "none"},
        ("ecog",),
    ),
]  # fmt: skip
CASES = [(f, kw, p) for f, kw, params in CALCULATORS for p in params]
IDS = [f"{f.__name__}-{p}" for f, _, p in CASES]

# The patient record's lab, age and size limits are all below 1e9; its counts are integers.
impossible = st.one_of(
    st.sampled_from([NAN, INF, -INF, -1.0, -1e-9, 1e308, True, False, "1.5", None]),
    st.floats(max_value=-1e-9, allow_infinity=True),
    st.floats(min_value=1e9, allow_infinity=True),
    st.integers(max_value=-1),
)
# Tumour lists: one impossible diameter among valid ones (0 is no tumour).
bad_diameters = st.one_of(impossible, st.just(0.0))
BURDEN: list[tuple[Callable[..., object], dict[str, Any]]] = [
    (milan_criteria, {"macrovascular_invasion": False, "extrahepatic_spread": False}),
    (up_to_seven, {}),
    (six_and_twelve, {}),
    (bclc_stage, dict(CALCULATORS[-1][1])),
]


def _refused(call: Callable[[], object]) -> InputError:
    """The InputError ``call`` raises; a returned value fails the test."""
    try:
        result = call()
    except InputError as err:
        return err
    pytest.fail(f"returned {result!r}")


def test_the_valid_calls_are_valid() -> None:
    for f, kwargs, _ in CALCULATORS:
        f(**kwargs)
    for f, kwargs in BURDEN:
        f(**{**kwargs, "tumour_diameters_cm": [2.5, 1.0]})


@pytest.mark.parametrize(("f", "kwargs", "param"), CASES, ids=IDS)
@settings(max_examples=40, deadline=None)
@given(value=impossible)
def test_impossible_numbers_are_refused(
    f: Callable[..., object], kwargs: dict[str, Any], param: str, value: Any
) -> None:
    if param == "cap" and value is None:
        return  # cap=None is the documented uncapped score
    err = _refused(lambda: f(**{**kwargs, param: value}))
    # an INR of None leaves Child-Pugh with neither INR nor PT: "inr/pt_prolongation_s"
    assert ("ecog" if param == "grade" else param) in err.problem.field.split("/")


@pytest.mark.parametrize(("f", "kwargs"), BURDEN, ids=lambda v: getattr(v, "__name__", ""))
@settings(max_examples=40, deadline=None)
@given(value=bad_diameters, sizes=st.lists(st.floats(0.5, 20.0), max_size=3), at=st.integers(0, 3))
def test_impossible_tumour_diameters_are_refused(
    f: Callable[..., object], kwargs: dict[str, Any], value: Any, sizes: list[float], at: int
) -> None:
    i = min(at, len(sizes))
    sizes.insert(i, value)
    err = _refused(lambda: f(**{**kwargs, "tumour_diameters_cm": sizes}))
    assert err.problem.field == f"tumours[{i}].diameter_cm"


@pytest.mark.parametrize(("f", "kwargs"), BURDEN, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("tumours", [[], "3 cm", None, 4.0])
def test_tumour_lists_must_be_lists_of_sizes(
    f: Callable[..., object], kwargs: dict[str, Any], tumours: Any
) -> None:
    err = _refused(lambda: f(**{**kwargs, "tumour_diameters_cm": tumours}))
    assert err.problem.field == "tumours"
