"""MELD, MELD-Na, MELD 3.0 (clinical-criteria §3): worked examples, bounds, rounding, caps."""

from __future__ import annotations

import pytest

from tacepath.clinical._common import round_half_up
from tacepath.clinical.liver_function import meld, meld_3, meld_na


@pytest.mark.parametrize(
    ("cr", "bili", "inr", "dialysis", "expected"),
    [
        (1.2, 2.0, 1.5, False, 15),
        (0.8, 0.7, 0.9, False, 6),
        (5.2, 3.0, 2.0, False, 32),
        (1.0, 1.5, 1.2, True, 23),
    ],
)
def test_meld_worked_examples(cr, bili, inr, dialysis, expected) -> None:
    assert (
        meld(creatinine_mg_dl=cr, bilirubin_mg_dl=bili, inr=inr, dialysis=dialysis).score
        == expected
    )


def test_meld_reports_bounds() -> None:
    r = meld(creatinine_mg_dl=5.2, bilirubin_mg_dl=0.5, inr=2.0)
    assert any("capped at 4" in b for b in r.bounds_applied)
    assert any("bilirubin 0.5 raised" in b for b in r.bounds_applied)


def test_meld_cap_and_uncapped() -> None:
    kw = {"creatinine_mg_dl": 4.0, "bilirubin_mg_dl": 40.0, "inr": 8.0}
    capped = meld(**kw)
    raw = meld(**kw, cap=None)
    assert capped.score == 40
    assert raw.score > 40
    assert any("capped at 40" in b for b in capped.bounds_applied)


@pytest.mark.parametrize(
    ("cr", "bili", "inr", "na", "expected"),
    [
        (1.2, 2.0, 1.5, 130, 21),
        (1.2, 2.0, 1.5, 140, 15),
        (1.0, 1.5, 1.2, 120, 10),
        (1.2, 2.0, 1.5, 120, 25),
    ],
)
def test_meld_na_worked_examples(cr, bili, inr, na, expected) -> None:
    r = meld_na(creatinine_mg_dl=cr, bilirubin_mg_dl=bili, inr=inr, sodium_mmol_l=na)
    assert r.score == expected


def test_meld_na_gate_at_11() -> None:
    # MELD(i) = 10 (≤ 11): sodium does not enter.
    r = meld_na(creatinine_mg_dl=1.0, bilirubin_mg_dl=1.5, inr=1.2, sodium_mmol_l=125)
    assert r.meld_i == 10
    assert r.sodium_applied is False


@pytest.mark.parametrize(
    ("sex", "bili", "na", "inr", "cr", "alb", "total", "expected"),
    [
        ("male", 2.5, 131, 1.0, 1.2, 3.8, 15.810, 16),
        ("female", 2.5, 131, 1.0, 1.2, 3.8, 17.140, 17),
        ("male", 6.0, 131, 1.5, 1.5, 2.2, 26.153, 26),
        ("female", 12.0, 128, 2.2, 2.8, 2.0, 39.260, 39),
        ("male", 12.0, 120, 0.9, 4.5, 3.5, 32.253, 32),
        ("male", 6.0, 131, 1.5, 1.5, 3.5, 24.713, 25),
        ("female", 6.0, 131, 1.5, 1.5, 2.2, 27.483, 27),
        ("male", 12.0, 128, 2.2, 1.8, 2.0, 34.220, 34),
        ("male", 12.0, 128, 2.2, 2.8, 2.0, 37.930, 38),
        ("female", 12.0, 120, 0.9, 4.5, 3.5, 33.583, 34),
    ],
)
def test_meld3_reference_vectors(sex, bili, na, inr, cr, alb, total, expected) -> None:
    r = meld_3(
        sex=sex,
        age_years=50,
        bilirubin_mg_dl=bili,
        sodium_mmol_l=na,
        inr=inr,
        creatinine_mg_dl=cr,
        albumin_g_dl=alb,
    )
    assert r.unrounded == pytest.approx(total, abs=1e-3)
    assert r.score == expected


def test_meld3_reference_rows_meld_na_contrast() -> None:
    # Rows 6, 8, 9, 10 of the reference: MELD(i) and unrounded MELD-Na.
    for cr, bili, inr, na, mi, raw in [
        (1.5, 6.0, 1.5, 131, 22, 25.564),
        (1.8, 12.0, 2.2, 128, 30, 32.970),
        (2.8, 12.0, 2.2, 128, 35, 36.485),
        (4.5, 12.0, 0.9, 120, 29, 33.356),
    ]:
        r = meld_na(creatinine_mg_dl=cr, bilirubin_mg_dl=bili, inr=inr, sodium_mmol_l=na)
        assert r.meld_i == mi
        assert r.unrounded == pytest.approx(raw, abs=1e-3)


def test_meld3_youth_gets_female_term() -> None:
    kw = {
        "bilirubin_mg_dl": 2.5,
        "sodium_mmol_l": 131,
        "inr": 1.0,
        "creatinine_mg_dl": 1.2,
        "albumin_g_dl": 3.8,
    }
    assert meld_3(sex="male", age_years=17, **kw).score == 17
    assert meld_3(sex="male", age_years=18, **kw).score == 16


def test_meld3_dialysis_sets_creatinine_3() -> None:
    kw = {
        "sex": "male",
        "age_years": 50,
        "bilirubin_mg_dl": 2.5,
        "sodium_mmol_l": 131,
        "inr": 1.0,
        "albumin_g_dl": 3.5,
    }
    assert (
        meld_3(creatinine_mg_dl=1.0, dialysis=True, **kw).score
        == meld_3(creatinine_mg_dl=3.0, **kw).score
    )


@pytest.mark.parametrize(
    ("x", "nd", "expected"),
    [(1.45, 1, 1.5), (2.5, 0, 3.0), (3.5, 0, 4.0), (20.775, 0, 21.0), (1.44999, 1, 1.4)],
)
def test_round_half_up_never_bankers(x: float, nd: int, expected: float) -> None:
    assert float(round_half_up(x, nd)) == expected
