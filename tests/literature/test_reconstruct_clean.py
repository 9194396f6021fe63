"""Cleaning of digitised points: every rule fires when it should, stays quiet when it should
not, and input beyond pixel noise is refused with the table, column, row and value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tacepath.errors import InputError
from tacepath.literature.reconstruct import (
    CLEANING_RULES,
    check_at_risk,
    clean_curve,
    reconstruct_ipd,
)


def _curve(rows: list[tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["time", "surv"])


CLEAN = _curve([(0, 1.0), (2, 1.0), (2, 0.9), (5, 0.9), (5, 0.7), (8, 0.7)])


def _rules(rows: list[tuple[float, float]], **kw: object) -> dict[str, tuple[int, ...]]:
    return {s.rule: s.rows for s in clean_curve(_curve(rows), **kw).steps}  # type: ignore[arg-type]


def test_clean_input_needs_no_cleaning() -> None:
    cleaned = clean_curve(CLEAN)
    # Only duplicate times: the top of each drop is dropped, the bottom kept.
    assert [s.rule for s in cleaned.steps] == ["duplicate-time"]
    assert cleaned.time.tolist() == [0, 2, 5, 8]
    assert cleaned.surv.tolist() == [1.0, 0.9, 0.7, 0.7]
    assert cleaned.rows.tolist() == [1, 3, 5, 6]
    no_dup = _curve([(0, 1.0), (2, 0.9), (5, 0.7), (8, 0.7)])
    assert clean_curve(no_dup).steps == ()


def test_rule_percent() -> None:
    assert "percent" not in _rules([(0, 1.0), (3, 0.5)])
    cleaned = clean_curve(_curve([(0, 100.0), (3, 50.0)]), percent=True)
    assert cleaned.surv.tolist() == [1.0, 0.5]
    assert cleaned.steps[0].rule == "percent"


def test_percent_values_without_percent_are_refused_with_a_hint() -> None:
    with pytest.raises(InputError) as err:
        clean_curve(_curve([(0, 100.0), (3, 50.0)]))
    text = str(err.value)
    assert "curve column 'surv', row 1" in text
    assert "100" in text
    assert "--percent" in text


def test_rule_negative_time() -> None:
    assert "negative-time" not in _rules([(0, 1.0), (10, 0.5)])
    rules = _rules([(-0.1, 1.0), (10, 0.5)])
    assert rules["negative-time"] == (1,)
    # Beyond 2% of the largest time it is not pixel noise.
    with pytest.raises(InputError, match=r"column 'time', row 1"):
        clean_curve(_curve([(-0.5, 1.0), (10, 0.5)]))


def test_rules_above_one_and_below_zero() -> None:
    rules = _rules([(0, 1.0), (1, 1.015), (4, 0.5), (9, -0.01)])
    assert rules["above-one"] == (2,)
    assert rules["below-zero"] == (4,)
    assert "above-one" not in _rules([(0, 1.0), (4, 0.5)])
    assert "below-zero" not in _rules([(0, 1.0), (4, 0.0)])
    with pytest.raises(InputError, match=r"row 2"):
        clean_curve(_curve([(0, 1.0), (1, 1.05)]))
    with pytest.raises(InputError, match=r"row 2"):
        clean_curve(_curve([(0, 1.0), (1, -0.05)]))


def test_rule_start() -> None:
    cleaned = clean_curve(_curve([(1, 0.95), (4, 0.5)]))
    assert cleaned.time[0] == 0
    assert cleaned.surv[0] == 1
    assert cleaned.rows[0] == 0  # an added point has no input row
    assert any(s.rule == "start" and "added" in s.detail for s in cleaned.steps)
    rules = _rules([(0, 0.99), (4, 0.5)])
    assert rules["start"] == (1,)
    # Further below 1 at time 0 is a drop at time 0 (e.g. an early drop clicked left of the
    # axis): kept, and the reconstruction puts events at time 0.
    early = clean_curve(_curve([(-0.05, 0.8), (0.05, 1.0), (4, 0.5)]))
    assert early.time.tolist() == [0, 0.05, 4]
    assert early.surv.tolist() == [0.8, 0.8, 0.5]
    result = reconstruct_ipd(_curve([(0, 0.8), (4, 0.5)]), None, n=10)
    assert (result.ipd["time"] == 0).sum() == 2


def test_rule_order() -> None:
    assert "order" not in _rules([(0, 1.0), (2, 0.8), (5, 0.6)])
    cleaned = clean_curve(_curve([(0, 1.0), (5, 0.6), (2, 0.8)]))
    assert cleaned.time.tolist() == [0, 2, 5]
    assert cleaned.rows.tolist() == [1, 3, 2]
    assert {s.rule for s in cleaned.steps} == {"order"}


def test_rule_monotone_keeps_a_drop_at_one_time() -> None:
    # Clicking noise put the bottom of the drop at 5 before its top (5.1).
    cleaned = clean_curve(_curve([(0, 1.0), (4.9, 0.8), (5.1, 1.0), (8, 0.8)]))
    rules = {s.rule: s.rows for s in cleaned.steps}
    assert rules["monotone"] == (3,)
    assert cleaned.time.tolist() == [0, 4.9, 5.1, 8]
    assert cleaned.surv.tolist() == [1.0, 0.8, 0.8, 0.8]
    assert "monotone" not in _rules([(0, 1.0), (4, 0.8), (8, 0.8)])


def test_rule_duplicate_time_keeps_the_lowest() -> None:
    cleaned = clean_curve(_curve([(0, 1.0), (3, 0.8), (3, 0.7), (3, 0.75), (6, 0.7)]))
    assert cleaned.time.tolist() == [0, 3, 6]
    assert cleaned.surv.tolist() == [1.0, 0.7, 0.7]
    rules = {s.rule: s.rows for s in cleaned.steps}
    assert sorted(rules["duplicate-time"]) == [2, 4]


def test_rule_tail_extends_the_curve_only_when_someone_is_at_risk() -> None:
    curve = _curve([(0, 1.0), (3, 0.5), (10, 0.5)])
    alive = pd.DataFrame({"time": [0, 12], "n_risk": [10, 2]})
    result = reconstruct_ipd(curve, alive)
    tail = [s for s in result.cleaning if s.rule == "tail"]
    assert len(tail) == 1
    assert "t = 12" in tail[0].detail
    assert result.ipd["time"].max() == pytest.approx(12)
    none_left = pd.DataFrame({"time": [0, 12], "n_risk": [10, 0]})
    assert not [s for s in reconstruct_ipd(curve, none_left).cleaning if s.rule == "tail"]


def test_every_rule_is_documented() -> None:
    import tacepath.literature.reconstruct._clean as module

    assert module.__doc__ is not None
    for rule in CLEANING_RULES:
        assert f"``{rule}``" in module.__doc__


def test_cleaning_is_idempotent() -> None:
    noisy = _curve([(-0.1, 1.01), (5, 0.6), (2, 0.8), (2.1, 0.81), (2, 0.85), (9, 0.6)])
    once = clean_curve(noisy)
    assert once.steps
    twice = clean_curve(once.to_frame())
    assert twice.steps == ()
    np.testing.assert_array_equal(twice.surv, once.surv)


def test_bad_values_name_table_column_row_and_value() -> None:
    bad = pd.DataFrame({"time": [0, "x", 3], "surv": [1.0, 0.9, None]})
    with pytest.raises(InputError) as err:
        clean_curve(bad, name="arm.csv")
    lines = str(err.value).splitlines()
    assert "arm.csv column 'time', row 2: got 'x'" in lines[0]
    assert "arm.csv column 'surv', row 3: got 'missing'" in lines[1]


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError, match=r"missing: surv"):
        clean_curve(pd.DataFrame({"time": [0, 1], "S": [1, 0.5]}))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"time": [1, 5], "n_risk": [10, 5]}, r"column 'time', row 1: got 1.0; allowed: 0"),
        ({"time": [0, 5, 5], "n_risk": [10, 5, 4]}, r"column 'time', row 3"),
        ({"time": [0, 5], "n_risk": [10, 12]}, r"column 'n_risk', row 2: got 12.0"),
        ({"time": [0, 5], "n_risk": [10, 4.5]}, r"column 'n_risk', row 2: got 4.5"),
        ({"time": [0, 5], "n_risk": [0, 0]}, r"at least 1 patient"),
        ({"time": [0, 5]}, r"missing: n_risk"),
    ],
)
def test_at_risk_table_is_checked_not_fixed(table: dict[str, list[float]], message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_at_risk(pd.DataFrame(table))


def test_valid_at_risk_table() -> None:
    t = check_at_risk(pd.DataFrame({"time": [0, 6, 12], "n_risk": [100, 80, 80]}))
    assert t.n == 100
    assert t.n_risk.tolist() == [100, 80, 80]
