"""Consistency checks from printed numbers: p from an HR and its CI, events from its width."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from tacepath.evidence.model import Number
from tacepath.evidence.registry import registry
from tacepath.literature.reproduce import (
    catalogue,
    events_from_ci,
    log_se_from_ci,
    registry_rows,
    reproduce,
    wald_p,
    wald_p_range,
)
from tacepath.literature.reproduce._consistency import decimals_of, hr_decimals


def test_wald_p_by_hand() -> None:
    # TACTICS OS: HR 0.861 (0.607-1.223)
    se = (math.log(1.223) - math.log(0.607)) / (2 * norm.ppf(0.975))
    z = math.log(0.861) / se
    assert log_se_from_ci(0.607, 1.223) == pytest.approx(se, rel=1e-12)
    assert wald_p(0.861, 0.607, 1.223) == pytest.approx(2 * norm.sf(abs(z)), rel=1e-12)
    assert wald_p(0.861, 0.607, 1.223, sides=1) == pytest.approx(norm.sf(abs(z)), rel=1e-12)
    assert round(wald_p(0.861, 0.607, 1.223), 2) == 0.40


def test_wald_p_range_contains_the_central_value() -> None:
    lo, hi = wald_p_range(0.77, 0.61, 0.98, decimals=2)
    assert lo < wald_p(0.77, 0.61, 0.98) < hi
    assert lo == pytest.approx(0.0227, abs=1e-4)
    assert hi == pytest.approx(0.0404, abs=1e-4)


def test_events_from_ci_is_schoenfelds_variance() -> None:
    se = log_se_from_ci(0.607, 1.223)
    p = 80 / 156
    assert events_from_ci(0.607, 1.223, fraction=p) == pytest.approx(1 / (p * (1 - p) * se**2))
    assert events_from_ci(0.607, 1.223, fraction=p) == pytest.approx(125.3, abs=0.1)


def test_printed_decimals() -> None:
    assert decimals_of(Number(value=0.032, source="x")) == 3
    assert decimals_of(Number(value=0.40, decimals=2, source="x")) == 2
    assert decimals_of(Number(value=156, source="x")) == 0
    # a YAML 0.90 is read back as 0.9; the CI limits restore the printed two decimals
    assert hr_decimals(Number(value=0.9, ci=(0.66, 1.23), source="x")) == 2


def test_emerald1_consistency_rows() -> None:
    rows = registry_rows(registry().get("EMERALD-1"))
    by_q = {r.quantity.split(":")[0]: r for r in rows}
    arms = by_q["Patients randomised"]
    assert (arms.paper, arms.reproduced, arms.verdict) == (616, 616, "reproduced")
    pfs = next(r for r in rows if "p from the printed HR" in r.quantity)
    assert pfs.paper == 0.032
    assert pfs.reproduced == pytest.approx(wald_p(0.77, 0.61, 0.98))
    assert pfs.verdict == "reproduced"
    assert "az_release" not in pfs.source
    assert "AstraZeneca" in pfs.source


def test_one_sided_printed_p_is_compared_one_sided() -> None:
    rows = registry_rows(registry().get("LEAP-012"))
    os_row = next(r for r in rows if r.quantity.startswith("Overall survival"))
    assert os_row.reproduced == pytest.approx(wald_p(0.80, 0.57, 1.11, sides=1))
    assert "one-sided" in os_row.why


def test_catalogue_levels() -> None:
    levels = {c.trial: c.level for c in catalogue()}
    assert levels["TACTICS"] == "full"
    assert levels["EMERALD-1"] == "consistency"
    assert levels["LAUNCH"] == "none"
    assert len(levels) == len(registry())
    launch = next(c for c in catalogue() if c.trial == "LAUNCH")
    assert any("inequalities" in m for m in launch.missing)
    assert any("at-risk" in m for m in launch.missing)
    assert launch.command is None


def test_reproduce_refuses_a_trial_without_enough_numbers() -> None:
    from tacepath.errors import InputError

    with pytest.raises(InputError, match="LAUNCH lacks"):
        reproduce("launch")
    with pytest.raises(InputError):
        reproduce("no-such-trial")


def test_reproduce_emerald1_is_consistency_only() -> None:
    rep = reproduce("emerald-1")
    assert rep.level == "consistency"
    assert rep.os is None
    assert {r.verdict for r in rep.rows} == {"reproduced"}
    assert "rows" in rep.to_dict()
