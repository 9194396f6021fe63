"""Units at the boundary: conversions, round-trips, refusals (clinical-criteria §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tacepath.domain.labs import LabValue, check_lab, convert
from tacepath.domain.patient import parse_patient, parse_patients
from tacepath.errors import InputError


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "to", "expected"),
    [
        ("bilirubin", 2.0, "mg/dL", "µmol/L", 34.2),
        ("bilirubin", 51.3, "umol/L", "mg/dL", 3.0),
        ("albumin", 3.5, "g/dL", "g/L", 35.0),
        ("creatinine", 353.6, "µmol/L", "mg/dL", 4.0),
        ("creatinine", 1.0, "mg/dL", "µmol/L", 88.4),
        ("sodium", 130, "mEq/L", "mmol/L", 130),
        ("bilirubin", 17.0, "µmol/L", "µmol/L", 17.0),
        ("afp", 100, "IU/mL", "ng/mL", 121.0),
        ("ast", 1.0, "µkat/L", "U/L", 60.0),
    ],
)
def test_reference_conversions(analyte, value, unit, to, expected) -> None:
    assert convert(analyte, LabValue(value=value, unit=unit), to) == expected


def test_afp_factor_is_the_assays() -> None:
    lab = LabValue(value=100, unit="IU/mL", ng_per_iu=1.28)
    assert convert("afp", lab) == 128.0


@given(st.integers(1, 100000).map(lambda i: i / 100))
def test_bilirubin_round_trip(mg_dl: float) -> None:
    umol = convert("bilirubin", LabValue(value=mg_dl, unit="mg/dL"), "µmol/L")
    assert convert("bilirubin", LabValue(value=umol, unit="µmol/L"), "mg/dL") == mg_dl


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "field"),
    [
        ("albumin", 45, "g/dL", "labs.albumin"),
        ("inr", 0, "1", "labs.inr"),
        ("sodium", 300, "mmol/L", "labs.sodium"),
        ("bilirubin", -0.1, "mg/dL", "labs.bilirubin"),
        ("bilirubin", 1.0, "mg/L", "labs.bilirubin.unit"),
        ("creatinine", 1.0, "g/dL", "labs.creatinine.unit"),
    ],
)
def test_impossible_values_refused(analyte, value, unit, field) -> None:
    with pytest.raises(InputError) as info:
        check_lab(analyte, LabValue(value=value, unit=unit), f"labs.{analyte}")
    assert info.value.problem.field == field


def test_error_names_field_value_unit_and_range() -> None:
    with pytest.raises(InputError) as info:
        parse_patient({"id": "P1", "labs": {"albumin": {"value": 45, "unit": "g/dL"}}})
    text = str(info.value)
    assert "labs.albumin" in text
    assert "45 g/dL" in text
    assert "≤ 10 g/dL" in text


def test_extreme_but_plausible_values_accepted() -> None:
    p = parse_patient(
        {
            "id": "P1",
            "labs": {
                "bilirubin": {"value": 45, "unit": "mg/dL"},
                "sodium": {"value": 105, "unit": "mmol/L"},
                "afp": {"value": 250000, "unit": "ng/mL"},
            },
        }
    )
    assert p.labs.get("bilirubin") == 45


def test_all_problems_of_all_patients_at_once() -> None:
    with pytest.raises(InputError) as info:
        parse_patients([{"id": "A", "ecog": 9}, {"sex": "x"}])
    fields = [p.field for p in info.value.problems]
    assert fields == ["[0](id=A).ecog", "[1].id", "[1].sex"]


def test_missing_id_and_unknown_fields() -> None:
    with pytest.raises(InputError) as info:
        parse_patient({"bilirubin": 1})
    fields = {p.field for p in info.value.problems}
    assert fields == {"id", "bilirubin"}
