"""Fixed-sequence gatekeeping: decisions exactly at the threshold, closed gates, NaN."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tacepath.analysis.multiplicity import GateInput, fixed_sequence


def _tactics(p_pfs: float, p_os: float) -> tuple[GateInput, GateInput]:
    """The TACTICS rule: OS tested only if the TACE-specific PFS p < 0.15 (one-sided α 0.15)."""
    return (
        GateInput(endpoint="TACEPFS", p=p_pfs, alpha=0.15, gate=0.15),
        GateInput(endpoint="OS", p=p_os, alpha=0.15, gate=0.15),
    )


def test_p_exactly_at_the_threshold_stops_the_sequence() -> None:
    pfs, os_ = fixed_sequence(_tactics(0.15, 0.01))
    assert pfs.tested
    assert not pfs.rejected
    assert not pfs.opens_next
    assert not os_.tested
    assert not os_.rejected
    assert "not tested" in os_.reason
    assert "TACEPFS" in os_.reason


def test_p_just_below_the_threshold_opens_the_next_test() -> None:
    below = math.nextafter(0.15, 0.0)
    pfs, os_ = fixed_sequence(_tactics(below, 0.01))
    assert pfs.rejected
    assert pfs.opens_next
    assert os_.tested
    assert os_.rejected


def test_second_hypothesis_exactly_at_its_alpha_is_not_rejected() -> None:
    _, os_ = fixed_sequence(_tactics(0.001, 0.15))
    assert os_.tested
    assert not os_.rejected
    _, os_ = fixed_sequence(_tactics(0.001, math.nextafter(0.15, 0.0)))
    assert os_.rejected


def test_gate_stricter_than_alpha() -> None:
    steps = (
        GateInput(endpoint="A", p=0.03, alpha=0.05, gate=0.025),
        GateInput(endpoint="B", p=0.001, alpha=0.05, gate=0.05),
    )
    a, b = fixed_sequence(steps)
    assert a.rejected
    assert not a.opens_next
    assert not b.tested


def test_undefined_p_rejects_nothing_and_closes_the_gate() -> None:
    a, b = fixed_sequence(_tactics(float("nan"), 0.0))
    assert a.tested
    assert not a.rejected
    assert not a.opens_next
    assert not b.tested


def test_a_closed_gate_stays_closed() -> None:
    steps = [GateInput(endpoint=f"H{i}", p=p, alpha=0.05, gate=0.05) for i, p in
             enumerate([0.01, 0.2, 0.0, 0.0])]  # fmt: skip
    d = fixed_sequence(steps)
    assert [x.tested for x in d] == [True, True, False, False]
    assert [x.rejected for x in d] == [True, False, False, False]


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=6))
def test_tested_hypotheses_are_a_prefix_and_rejections_follow_the_rule(ps: list[float]) -> None:
    d = fixed_sequence([GateInput(endpoint=str(i), p=p, alpha=0.1, gate=0.1) for i, p in
                        enumerate(ps)])  # fmt: skip
    tested = [x.tested for x in d]
    k = tested.index(False) if False in tested else len(tested)
    assert all(tested[:k])
    assert not any(tested[k:])
    for x in d:
        assert x.rejected == (x.tested and x.p < 0.1)
    assert k == len(ps) or not d[k - 1].opens_next


@pytest.mark.parametrize(("p", "rejected"), [(0.1499999, True), (0.15, False), (0.1500001, False)])
def test_boundary_table(p: float, rejected: bool) -> None:
    assert fixed_sequence(_tactics(p, 0.5))[0].rejected is rejected
