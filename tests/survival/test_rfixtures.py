"""The R fixture comparison tells NA/NaN, +Inf, -Inf and R's NULL apart."""

from __future__ import annotations

import math

import pytest

from tests.survival.rfixtures import as_array, close


def test_non_finite_values_are_read_as_r_wrote_them() -> None:
    got = as_array([1.5, "NA", "NaN", "Inf", "-Inf"])
    assert got[0] == 1.5
    assert math.isnan(got[1])
    assert math.isnan(got[2])
    assert got[3] == math.inf
    assert got[4] == -math.inf


@pytest.mark.parametrize(
    ("ours", "r"),
    [(math.inf, "Inf"), (-math.inf, "-Inf"), (math.nan, "NA"), (math.nan, "NaN"), (2.0, 2.0)],
)
def test_equal_values_match(ours: float, r: object) -> None:
    close(ours, r, "same")


@pytest.mark.parametrize(
    ("ours", "r"),
    [(math.nan, "Inf"), (math.inf, "NA"), (math.inf, "-Inf"), (-math.inf, "Inf"), (1.0, "NA")],
)
def test_infinity_never_matches_nan_or_the_other_sign(ours: float, r: object) -> None:
    with pytest.raises(AssertionError):
        close(ours, r, "different")


def test_r_null_for_a_number_is_an_error() -> None:
    with pytest.raises(AssertionError, match="null"):
        as_array([1.0, None])
