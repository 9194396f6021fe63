"""HAP, mHAP-II, ART, ECOG (clinical-criteria §6–§7)."""

from __future__ import annotations

import pytest

from tacepath.clinical.performance import ecog_performance_status
from tacepath.clinical.tace_scores import art_score, hap, mhap2
from tacepath.errors import InputError


@pytest.mark.parametrize(
    ("alb", "bili", "afp", "cm", "score", "cls"),
    [
        (40, 12, 20, 5, 0, "A"),
        (35, 20, 50, 6, 2, "C"),
        (30, 25, 1000, 9, 4, "D"),
        (36, 17, 400, 7.0, 0, "A"),
        (35.9, 17.1, 400.1, 7.01, 4, "D"),
    ],
)
def test_hap(alb, bili, afp, cm, score, cls) -> None:
    r = hap(albumin_g_l=alb, bilirubin_umol_l=bili, afp_ng_ml=afp, largest_diameter_cm=cm)
    assert (r.score, r.hap_class) == (score, cls)


@pytest.mark.parametrize(
    ("alb", "bili", "afp", "cm", "n", "score", "cls"),
    [
        (4.0, 10 / 17.1, 10, 5, 1, 0, "A"),
        (4.0, 10 / 17.1, 10, 8, 3, 2, "C"),
        (3.4, 20 / 17.1, 500, 8, 2, 5, "D"),
        (3.6, 0.9, 400, 7, 1, 0, "A"),
        (3.59, 0.91, 400, 7, 2, 3, "D"),
    ],
)
def test_mhap2(alb, bili, afp, cm, n, score, cls) -> None:
    r = mhap2(
        albumin_g_dl=alb, bilirubin_mg_dl=bili, afp_ng_ml=afp, largest_diameter_cm=cm, n_tumours=n
    )
    assert (r.score, r.hap_class) == (score, cls)


@pytest.mark.parametrize(
    ("ast0", "ast1", "cp0", "cp1", "resp", "score", "group"),
    [
        (40, 48, 5, 5, True, 0.0, "0–1.5"),
        (40, 60, 5, 6, False, 6.5, "≥2.5"),
        (40, 50, 6, 8, True, 3.0, "≥2.5"),
        (40, 40, 5, 6, True, 1.5, "0–1.5"),
        (40, 50.01, 5, 5, True, 4.0, "≥2.5"),
        (40, 40, 6, 5, False, 1.0, "0–1.5"),
    ],
)
def test_art(ast0, ast1, cp0, cp1, resp, score, group) -> None:
    r = art_score(
        ast_before_u_l=ast0,
        ast_after_u_l=ast1,
        child_pugh_before=cp0,
        child_pugh_after=cp1,
        radiological_response=resp,
    )
    assert (r.score, r.group) == (score, group)


def test_art_refuses_impossible_child_pugh() -> None:
    with pytest.raises(InputError, match="child_pugh_after"):
        art_score(
            ast_before_u_l=40,
            ast_after_u_l=40,
            child_pugh_before=5,
            child_pugh_after=16,
            radiological_response=True,
        )


@pytest.mark.parametrize(
    ("grade", "band"), [(0, "0"), (1, "1–2"), (2, "1–2"), (3, "3–4"), (4, "3–4"), (5, "dead")]
)
def test_ecog(grade: int, band: str) -> None:
    assert ecog_performance_status(grade).bclc_band == band


@pytest.mark.parametrize("bad", [-1, 6, 1.5, True])
def test_ecog_refused(bad: object) -> None:
    with pytest.raises(InputError, match="ecog"):
        ecog_performance_status(bad)  # type: ignore[arg-type]
