"""Child-Pugh: worked examples and both sides of every cut-off (clinical-criteria §1)."""

from __future__ import annotations

import pytest

from tacepath.clinical.liver_function import child_pugh
from tacepath.errors import InputError


def _cp(bili: float, alb: float, inr: float, asc: str = "none", he: str = "none", **kw: object):
    return child_pugh(
        bilirubin_mg_dl=bili,
        albumin_g_dl=alb,
        inr=inr,
        ascites=asc,  # type: ignore[arg-type]
        encephalopathy=he,
        **kw,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bili", "alb", "inr", "asc", "he", "total", "cls", "kw"),
    [
        (1.0, 4.0, 1.1, "none", "none", 5, "A", {}),
        (2.0, 3.5, 1.7, "none", "none", 8, "B", {}),
        (3.5, 2.7, 2.4, "moderate-severe", "grade-1-2", 14, "C", {}),
        (1.9, 3.6, 1.69, "mild", "none", 6, "A", {}),
        (5.0, 3.6, 1.2, "none", "none", 6, "A", {"cholestatic": True}),
        (5.0, 3.6, 1.2, "none", "none", 7, "B", {}),
    ],
)
def test_reference_worked_examples(bili, alb, inr, asc, he, total, cls, kw) -> None:
    r = _cp(bili, alb, inr, asc, he, **kw)
    assert r.score == total
    assert r.child_pugh_class == cls


@pytest.mark.parametrize(("bili", "points"), [(1.99, 1), (2.0, 2), (3.0, 2), (3.01, 3)])
def test_bilirubin_edges(bili: float, points: int) -> None:
    assert _cp(bili, 4.0, 1.0).points["bilirubin"] == points


@pytest.mark.parametrize(("bili", "points"), [(3.99, 1), (4.0, 2), (10.0, 2), (10.01, 3)])
def test_cholestatic_bilirubin_edges(bili: float, points: int) -> None:
    assert _cp(bili, 4.0, 1.0, cholestatic=True).points["bilirubin"] == points


@pytest.mark.parametrize(
    ("alb", "band", "points"),
    [
        (3.51, "pugh", 1),
        (3.5, "pugh", 2),
        (2.8, "pugh", 2),
        (2.79, "pugh", 3),
        (3.0, "harrison", 2),
        (2.99, "harrison", 3),
        (2.8, "harrison", 3),
    ],
)
def test_albumin_edges(alb: float, band: str, points: int) -> None:
    assert _cp(1.0, alb, 1.0, albumin_band=band).points["albumin"] == points


@pytest.mark.parametrize(("inr", "points"), [(1.69, 1), (1.7, 2), (2.3, 2), (2.31, 3)])
def test_inr_edges(inr: float, points: int) -> None:
    assert _cp(1.0, 4.0, inr).points["inr"] == points


@pytest.mark.parametrize(("pt", "points"), [(3.9, 1), (4.0, 2), (6.0, 2), (6.1, 3)])
def test_prothrombin_time_edges(pt: float, points: int) -> None:
    r = child_pugh(
        bilirubin_mg_dl=1.0,
        albumin_g_dl=4.0,
        pt_prolongation_s=pt,
        ascites="none",
        encephalopathy="none",
    )
    assert r.points["pt"] == points


@pytest.mark.parametrize(("score", "cls"), [(6, "A"), (7, "B"), (9, "B"), (10, "C")])
def test_class_edges(score: int, cls: str) -> None:
    from tacepath.clinical.liver_function import child_pugh_class

    assert str(child_pugh_class(score)) == cls


def test_result_explains_itself() -> None:
    d = _cp(2.0, 3.5, 1.7).to_dict()
    assert d["points"] == {
        "bilirubin": 2,
        "albumin": 2,
        "inr": 2,
        "ascites": 1,
        "encephalopathy": 1,
    }
    assert d["source"]["doi"] == "10.1002/bjs.1800600817"
    assert "2.8–3.5" in d["rule"]


def test_inr_and_pt_together_is_refused() -> None:
    with pytest.raises(InputError, match="exactly one"):
        child_pugh(
            bilirubin_mg_dl=1,
            albumin_g_dl=4,
            inr=1.0,
            pt_prolongation_s=2,
            ascites="none",
            encephalopathy="none",
        )


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_impossible_bilirubin_is_refused(bad: float) -> None:
    with pytest.raises(InputError, match="bilirubin_mg_dl"):
        _cp(bad, 4.0, 1.0)
