"""BCLC 2022, Milan, up-to-seven, six-and-twelve (clinical-criteria §4–§5)."""

from __future__ import annotations

import pytest

from tacepath.clinical.staging import bclc_stage
from tacepath.clinical.tumour_burden import milan_criteria, six_and_twelve, up_to_seven
from tacepath.errors import InputError


def _bclc(sizes, mvi=False, ehs=False, ecog=0, cp="A", asc="none", esl=False):
    return bclc_stage(
        tumour_diameters_cm=sizes,
        macrovascular_invasion=mvi,
        extrahepatic_spread=ehs,
        ecog=ecog,
        child_pugh_class=cp,
        ascites=asc,
        end_stage_liver_function=esl,
    )


@pytest.mark.parametrize(
    ("sizes", "mvi", "ecog", "stage"),
    [
        ([1.8], False, 0, "0"),
        ([2.0], False, 0, "0"),
        ([7.0], False, 0, "A"),
        ([2.5, 2.0, 3.0], False, 0, "A"),
        ([3.5, 1.0], False, 0, "B"),
        ([3.0], True, 0, "C"),
        ([2.0], False, 1, "C"),
        ([2.0], False, 3, "D"),
    ],
)
def test_reference_vectors(sizes, mvi, ecog, stage) -> None:
    assert _bclc(sizes, mvi=mvi, ecog=ecog).stage == stage


def test_edges() -> None:
    assert _bclc([2.01]).stage == "A"
    assert _bclc([3.01, 1.0]).stage == "B"
    assert _bclc([1.0, 1.0, 1.0, 1.0]).stage == "B"
    assert _bclc([1.0], ehs=True).stage == "C"
    assert _bclc([1.0], ecog=2).stage == "C"
    assert _bclc([1.0], ecog=4).stage == "D"


def test_child_pugh_b_needs_judgement_not_a_forced_stage() -> None:
    r = _bclc([3.0, 2.0], cp="B")
    assert r.stage is None
    assert r.needs_judgement
    assert "Child-Pugh B" in r.reasons[0]


def test_ascites_means_not_preserved() -> None:
    assert _bclc([1.5], asc="mild").stage is None


def test_end_stage_liver_function_is_explicit() -> None:
    assert _bclc([1.5], cp="C", esl=True).stage == "D"
    assert _bclc([1.5], cp="C").stage is None  # never derived from Child-Pugh C alone


def test_ecog_5_refused() -> None:
    with pytest.raises(InputError, match="ecog"):
        _bclc([1.0], ecog=5)


@pytest.mark.parametrize(
    ("sizes", "mvi", "within"),
    [
        ([5.0], False, True),
        ([5.1], False, False),
        ([3.0, 3.0, 3.0], False, True),
        ([3.1, 1.0], False, False),
        ([1.0] * 4, False, False),
        ([2.0], True, False),
    ],
)
def test_milan_reference(sizes, mvi, within) -> None:
    r = milan_criteria(
        tumour_diameters_cm=sizes, macrovascular_invasion=mvi, extrahepatic_spread=False
    )
    assert r.within is within


@pytest.mark.parametrize(
    ("sizes", "score", "within"),
    [([4.0, 1.0, 1.0], 7.0, True), ([5.0, 1.0, 1.0], 8.0, False), ([6.0], 7.0, True)],
)
def test_up_to_seven_reference(sizes, score, within) -> None:
    r = up_to_seven(tumour_diameters_cm=sizes)
    assert (r.score, r.within) == (score, within)


@pytest.mark.parametrize(
    ("sizes", "group"),
    [
        ([3.5, 1.0], "≤6"),
        ([5.0], "≤6"),
        ([6.5], ">6 ≤12"),
        ([9.0, 1.0, 1.0], ">6 ≤12"),
        ([10.0, 1.0, 1.0], ">12"),
    ],
)
def test_six_and_twelve_reference(sizes, group) -> None:
    assert six_and_twelve(tumour_diameters_cm=sizes).group == group


def test_no_tumour_is_refused() -> None:
    with pytest.raises(InputError, match="tumours"):
        up_to_seven(tumour_diameters_cm=[])


def test_spread_with_an_empty_tumour_list_is_stage_c() -> None:
    """Stage C takes any tumour burden: invasion or spread with no nodule listed is C."""
    assert _bclc([], mvi=True).stage == "C"
    assert _bclc([], ehs=True).stage == "C"
    assert _bclc([], mvi=True, ecog=3).stage == "D"
    assert _bclc([], mvi=True, cp="B").stage is None  # liver function still decides first
    with pytest.raises(InputError, match="at least one intrahepatic tumour"):
        _bclc([])


@pytest.mark.parametrize("tumours", [[], None])
@pytest.mark.parametrize("flag", ["macrovascular_invasion", "extrahepatic_spread"])
def test_assessment_stages_spread_without_a_tumour_list(tumours, flag) -> None:
    from tacepath.clinical.assessment import assess
    from tacepath.domain.patient import parse_patient

    raw = {
        "id": "V10",
        "ecog": 0,
        "labs": {
            "bilirubin": {"value": 0.9, "unit": "mg/dL"},
            "albumin": {"value": 3.9, "unit": "g/dL"},
            "inr": {"value": 1.1},
        },
        "ascites": "none",
        "encephalopathy": "none",
        "macrovascular_invasion": False,
        "extrahepatic_spread": False,
        flag: True,
    }
    if tumours is not None:
        raw["tumours"] = tumours
    d = assess(parse_patient(raw)).to_dict()
    assert d["bclc"]["stage"] == "C"
    # without invasion or spread, the tumour list is still needed
    raw[flag] = False
    d = assess(parse_patient(raw)).to_dict()
    assert d["bclc"]["computable"] is False
    assert "tumours" in d["bclc"]["missing"]


def test_small_diameters_are_accepted_with_a_centimetre_warning() -> None:
    from tacepath.clinical.assessment import assess
    from tacepath.domain.patient import parse_patient

    p = parse_patient({"id": "W", "tumours": [{"diameter_mm": 4.5}, {"diameter_mm": 10}]})
    a = assess(p)
    assert len(a.warnings) == 1
    assert "tumours[0].diameter_mm = 4.5" in a.warnings[0]
    assert "4.5 cm would be 45 mm" in a.warnings[0]
    assert a.to_dict()["warnings"] == list(a.warnings)
    assert assess(parse_patient({"id": "W", "tumours": [{"diameter_mm": 10}]})).warnings == ()
