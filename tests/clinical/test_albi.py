"""ALBI and mALBI (clinical-criteria §2)."""

from __future__ import annotations

import pytest

from tacepath.clinical.liver_function import albi, albi_grade, malbi, malbi_grade


@pytest.mark.parametrize(
    ("bili_umol", "alb_gl", "score", "grade", "mgrade"),
    [
        (10, 45, -3.165, "1", "1"),
        (20, 35, -2.116, "2", "2b"),
        (51.3, 28, -1.251, "3", "3"),
        (17.1, 40, -2.586, "2", "2a"),
    ],
)
def test_reference_worked_examples(bili_umol, alb_gl, score, grade, mgrade) -> None:
    r = albi(bilirubin_umol_l=bili_umol, albumin_g_l=alb_gl)
    assert r.score == pytest.approx(score, abs=5e-4)
    assert r.grade == grade
    assert malbi(bilirubin_umol_l=bili_umol, albumin_g_l=alb_gl).grade == mgrade


@pytest.mark.parametrize(
    ("score", "grade"), [(-2.60, "1"), (-2.5999, "2"), (-1.39, "2"), (-1.3899, "3")]
)
def test_grade_edges(score: float, grade: str) -> None:
    assert str(albi_grade(score)) == grade


@pytest.mark.parametrize(
    ("score", "grade"),
    [(-2.60, "1"), (-2.5999, "2a"), (-2.270, "2a"), (-2.2699, "2b"), (-1.39, "2b"), (-1.3899, "3")],
)
def test_malbi_edges(score: float, grade: str) -> None:
    assert str(malbi_grade(score)) == grade


def test_malbi_says_its_split_is_unverified() -> None:
    d = malbi(bilirubin_umol_l=17.1, albumin_g_l=40).to_dict()
    assert d["verified"] is False
    assert "NOT verified" in d["rule"]
