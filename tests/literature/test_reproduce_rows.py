"""Verdict logic of a reproduction row: the printed rounding, the close band, ranges."""

from __future__ import annotations

import pytest

from tacepath.literature.reproduce import VERDICTS, Printed, Tolerance, judge
from tacepath.literature.reproduce._rows import (
    by_construction,
    compared,
    half_unit,
    not_reproducible,
    p_to_z,
)

REL5 = Tolerance(close=0.05, scale="relative")
ABS = Tolerance(close=0.02, scale="absolute")
Z = Tolerance(close=0.1, scale="z")


def _p(value: float, decimals: int) -> Printed:
    return Printed(value=value, decimals=decimals, source="test")


def test_half_unit_is_the_rounding_interval() -> None:
    assert half_unit(2) == pytest.approx(0.005)
    assert half_unit(0) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("printed", "decimals", "value", "expected"),
    [
        (0.40, 2, 0.402, "reproduced"),  # rounds to 0.40
        (0.40, 2, 0.405, "reproduced"),  # the edge of the rounding interval
        (58.8, 1, 58.75, "reproduced"),  # 47/80, rounded half up
        (36.2, 1, 36.26, "close"),  # 0.2 % off
        (36.2, 1, 38.5, "differs"),  # 6 % off
        (0.861, 3, 0.8517, "close"),
        (125, 0, 121, "close"),  # 3.2 % off (the design row itself uses no close band)
        (125, 0, 115, "differs"),
    ],
)
def test_judge_relative(printed: float, decimals: int, value: float, expected: str) -> None:
    assert judge(_p(printed, decimals), value, REL5) == expected


def test_judge_absolute_band() -> None:
    assert judge(_p(0.80, 2), 0.81, ABS) == "close"
    assert judge(_p(0.80, 2), 0.83, ABS) == "differs"
    assert judge(_p(156, 0), 156, Tolerance(close=0.0, scale="absolute")) == "reproduced"
    assert judge(_p(156, 0), 157, Tolerance(close=0.0, scale="absolute")) == "differs"


def test_judge_p_values_on_the_normal_deviate_scale() -> None:
    # 0.0148 vs 0.014: outside the rounding, normal deviates 0.02 apart -> close
    assert judge(_p(0.014, 3), 0.0148, Z) == "close"
    # the two-sided Fisher p 0.0262 vs 0.014: deviates 0.23 apart -> differs
    assert judge(_p(0.014, 3), 0.0262, Z) == "differs"
    assert p_to_z(0.05) == pytest.approx(1.959964, abs=1e-6)


def test_judge_with_a_range_from_rounded_inputs() -> None:
    # printed 0.032; the recomputation over the inputs' rounding spans 0.0227-0.0404
    assert judge(_p(0.032, 3), 0.0307, Z, reproduced_range=(0.0227, 0.0404)) == "reproduced"
    # a range that misses the printed value is judged from its nearest end
    assert judge(_p(0.0002, 4), 0.00055, Z, reproduced_range=(0.0003, 0.00095)) == "differs"
    assert judge(_p(0.40, 2), 0.42, REL5, reproduced_range=(0.411, 0.43)) == "close"


def test_row_constructors_set_their_verdicts() -> None:
    p = _p(0.861, 3)
    row = compared(section="s", quantity="q", printed=p, reproduced=0.8612, tolerance=REL5, why="w")
    assert row.verdict == "reproduced"
    assert row.difference == pytest.approx(0.8612 - 0.861)
    assert row.tolerance is not None
    assert "±0.0005" in row.tolerance
    built = by_construction(section="s", quantity="q", printed=p, reproduced=0.85, why="w")
    assert built.verdict == "by construction"
    missing = not_reproducible(section="s", quantity="q", printed=p, nearest=None, why="w")
    assert missing.verdict == "not reproducible from what is printed"
    assert missing.difference is None
    assert {row.verdict, built.verdict, missing.verdict} <= set(VERDICTS)


def test_row_json_contract() -> None:
    row = compared(
        section="s", quantity="q", printed=_p(0.40, 2), reproduced=0.402, tolerance=Z, why="w"
    )
    d = row.to_dict()
    assert {"quantity", "paper", "reproduced", "difference", "verdict"} <= set(d)
    assert d["paper"] == 0.40
    assert d["paper_text"] == "0.40"
    assert d["verdict"] == "reproduced"
