"""Trial design: closed forms by hand, invariants, rounding, results and refused input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from tacepath.design.sample_size import (
    Enrolment,
    event_probability,
    expected_event_fraction,
    power_for_events,
    required_events,
    trial_design,
)
from tacepath.errors import InputError


def test_schoenfeld_and_freedman_by_hand() -> None:
    z = norm.ppf(0.975) + norm.ppf(0.9)
    hr, r = 0.7, 2.0
    assert required_events(hazard_ratio=hr, power=0.9, allocation=r) == pytest.approx(
        z**2 * (1 + r) ** 2 / (r * math.log(hr) ** 2), rel=1e-12
    )
    assert required_events(
        hazard_ratio=hr, power=0.9, allocation=r, method="freedman"
    ) == pytest.approx(z**2 * (1 + r * hr) ** 2 / (r * (1 - hr) ** 2), rel=1e-12)


def test_two_sided_alpha_is_split() -> None:
    one = required_events(hazard_ratio=0.8, alpha=0.025, sides=1)
    two = required_events(hazard_ratio=0.8, alpha=0.05, sides=2)
    assert one == pytest.approx(two, rel=1e-12)


def test_events_are_rounded_up_and_power_is_reached() -> None:
    d = trial_design(hazard_ratio=0.71, power=0.8, alpha=0.15)
    assert d.events == math.ceil(d.events_exact)
    assert power_for_events(d.events, hazard_ratio=0.71, alpha=0.15) >= 0.8
    assert power_for_events(d.events - 1, hazard_ratio=0.71, alpha=0.15) < 0.8


def test_power_and_events_are_inverse() -> None:
    d = trial_design(hazard_ratio=0.75, power=0.85, alpha=0.025)
    p = trial_design(hazard_ratio=0.75, events=d.events_exact, alpha=0.025)
    assert p.power == pytest.approx(0.85, abs=1e-12)
    gs = trial_design(hazard_ratio=0.75, power=0.85, spending="pocock", looks=3)
    back = trial_design(hazard_ratio=0.75, events=gs.events_exact, spending="pocock", looks=3)
    assert back.power == pytest.approx(0.85, abs=1e-9)


def test_harm_direction_is_symmetric_on_the_log_scale() -> None:
    a = trial_design(hazard_ratio=0.8, power=0.8, spending="obrien-fleming", looks=2)
    b = trial_design(hazard_ratio=1 / 0.8, power=0.8, spending="obrien-fleming", looks=2)
    assert a.events_exact == pytest.approx(b.events_exact, rel=1e-12)
    for sa, sb in zip(a.stages, b.stages, strict=True):
        assert sa.hazard_ratio_boundary == pytest.approx(1 / sb.hazard_ratio_boundary)


def test_one_look_spending_equals_fixed_design() -> None:
    fixed = trial_design(hazard_ratio=0.7, power=0.8)
    for kind in ("obrien-fleming", "pocock"):
        one = trial_design(hazard_ratio=0.7, power=0.8, spending=kind, looks=1)  # type: ignore[arg-type]
        assert one.events_exact == pytest.approx(fixed.events_exact, rel=1e-10)
        assert one.stages[0].critical_value == pytest.approx(norm.ppf(0.975), rel=1e-12)


def test_spending_reaches_alpha_and_inflates_events() -> None:
    for kind in ("obrien-fleming", "pocock"):
        d = trial_design(hazard_ratio=0.7, power=0.9, spending=kind, looks=4)  # type: ignore[arg-type]
        assert d.stages[-1].alpha_spent == pytest.approx(0.025, rel=1e-12)
        assert d.inflation_factor > 1
        assert d.events_exact == pytest.approx(d.inflation_factor * d.events_fixed_exact)
        assert d.stages[-1].cumulative_power == pytest.approx(0.9, abs=1e-9)
        assert d.expected_events_h1 < d.events_exact


def test_obrien_fleming_is_conservative_early() -> None:
    of = trial_design(hazard_ratio=0.7, spending="obrien-fleming", looks=3)
    pk = trial_design(hazard_ratio=0.7, spending="pocock", looks=3)
    assert of.stages[0].critical_value > pk.stages[0].critical_value
    assert of.inflation_factor < pk.inflation_factor


def test_event_probability_limits() -> None:
    """No dropout and endless follow-up: everybody has the event; dropout lowers it."""
    e = Enrolment(accrual_months=12, follow_up_months=1e4, median_control=6)
    assert event_probability(e, hazard_ratio=0.7) == pytest.approx(1.0, abs=1e-9)
    d = Enrolment(accrual_months=12, follow_up_months=1e4, median_control=6, dropout=0.2)
    lam, eta = math.log(2) / 6, -math.log(0.8) / 12
    expected = (lam * 0.7 / (lam * 0.7 + eta) + lam / (lam + eta)) / 2
    assert event_probability(d, hazard_ratio=0.7) == pytest.approx(expected, rel=1e-9)


def test_expected_event_fraction_by_quadrature() -> None:
    """The closed form equals the average over entry times of P(event by t − entry)."""
    lam, eta, a = 0.05, 0.01, 24.0
    k = lam + eta
    for t in (6.0, 24.0, 40.0):
        s = (min(t, a) / 20000) * (0.5 + np.arange(20000))  # midpoint rule over entry times
        numeric = float(np.mean(lam / k * (1 - np.exp(-k * (t - s))))) * min(t, a) / a
        got = float(expected_event_fraction(t, hazard=lam, dropout_hazard=eta, accrual_months=a))
        assert got == pytest.approx(numeric, rel=1e-7)


def test_sample_size_rounding_covers_the_events() -> None:
    e = Enrolment(accrual_months=60, follow_up_months=12, median_control=13.5, dropout=0.05)
    d = trial_design(hazard_ratio=0.71, power=0.8, alpha=0.15, allocation=2, enrolment=e)
    assert d.sample_size_per_arm is not None
    assert d.event_probability is not None
    assert d.sample_size == sum(d.sample_size_per_arm)
    assert d.sample_size * d.event_probability >= d.events
    assert d.sample_size_per_arm[0] >= 2 * d.sample_size_per_arm[1] - 1


@settings(max_examples=40, deadline=None)
@given(
    hr=st.floats(0.3, 0.95),
    power=st.floats(0.5, 0.95),
    alpha=st.floats(0.001, 0.2),
    r=st.floats(0.25, 4),
)
def test_events_decrease_with_effect_and_increase_with_power(
    hr: float, power: float, alpha: float, r: float
) -> None:
    base = required_events(hazard_ratio=hr, power=power, alpha=alpha, allocation=r)
    assert required_events(hazard_ratio=hr * 0.95, power=power, alpha=alpha, allocation=r) < base
    assert required_events(hazard_ratio=hr, power=min(power + 0.02, 0.99), alpha=alpha) > (
        required_events(hazard_ratio=hr, power=power, alpha=alpha)
    )
    # 1:1 allocation is optimal for Schoenfeld's formula
    assert required_events(hazard_ratio=hr, power=power, alpha=alpha) <= base * (1 + 1e-12)


def test_result_contract_and_summary() -> None:
    e = Enrolment(accrual_months=60, follow_up_months=12, median_control=13.5)
    d = trial_design(hazard_ratio=0.71, alpha=0.15, spending="pocock", looks=2, enrolment=e)
    out = d.to_dict()
    json.dumps(out)
    assert {"events", "method", "sample_size", "stages", "formula", "references"} <= set(out)
    assert isinstance(out["events"], int)
    assert any("10.2307/2531021" in ref for ref in out["references"])
    assert any("10.1093/biomet/70.3.659" in ref for ref in out["references"])
    text = d.summary()
    assert "pocock" in text
    assert "patients" in text
    assert list(d.to_frame().columns)[:3] == ["information_rate", "events_exact", "events"]
    with pytest.raises(AttributeError):
        d.events = 3  # type: ignore[misc]


def test_freedman_reference() -> None:
    d = trial_design(hazard_ratio=0.71, method="freedman")
    assert "10.1002/sim.4780010204" in d.references[0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hazard_ratio": 1.0}, "hazard_ratio"),
        ({"hazard_ratio": -0.5}, "hazard_ratio"),
        ({"hazard_ratio": 0.7, "power": 1.2}, "power"),
        ({"hazard_ratio": 0.7, "power": 0.01, "alpha": 0.05}, "power"),
        ({"hazard_ratio": 0.7, "alpha": 0.6}, "alpha"),
        ({"hazard_ratio": 0.7, "sides": 3}, "sides"),
        ({"hazard_ratio": 0.7, "allocation": 0}, "allocation"),
        ({"hazard_ratio": 0.7, "method": "lakatos"}, "method"),
        ({"hazard_ratio": 0.7, "spending": "haybittle"}, "spending"),
        ({"hazard_ratio": 0.7, "looks": 3}, "spending"),
        ({"hazard_ratio": 0.7, "spending": "pocock", "looks": 0}, "looks"),
        ({"hazard_ratio": 0.7, "spending": "pocock", "information_rates": [0.6, 0.5, 1]},
         "information_rates"),
        ({"hazard_ratio": 0.7, "spending": "pocock", "information_rates": [0.5, 0.9]},
         "information_rates"),
        ({"hazard_ratio": 0.7, "events": -3}, "events"),
    ],
)  # fmt: skip
def test_refused_input_names_field_value_and_allowed(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        trial_design(**kwargs)  # type: ignore[arg-type]
    assert field in [p.field for p in err.value.problems]
    assert all(p.allowed for p in err.value.problems)


def test_all_problems_reported_at_once() -> None:
    bad = Enrolment(accrual_months=-1, follow_up_months=-2, median_control=0, dropout=1.5)
    with pytest.raises(InputError) as err:
        trial_design(hazard_ratio=2.0, power=3.0, sides=2, enrolment=bad)
    fields = {p.field for p in err.value.problems}
    assert fields == {"power", "accrual_months", "follow_up_months", "median_control", "dropout"}
