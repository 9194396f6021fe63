"""Design numbers against R rpact (tests/fixtures/r/rpact.R): events, boundaries, sample size.

Every quantity rpact reports for the same formula is compared to 1e-6 relative. rpact's own
numbers carry its root-finding tolerance (1e-8 on alpha: its last alpha spent is α − 1e-8),
so the largest differences are a few 1e-7.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tacepath.design.sample_size import Enrolment, TrialDesign, trial_design
from tests.survival.rfixtures import close, load

DESIGN = load("rpact")["design"]
POWER = load("rpact")["power"]


def _design(args: dict[str, Any]) -> TrialDesign:
    enrolment = None
    if args.get("accrual_months") is not None:
        enrolment = Enrolment(
            accrual_months=args["accrual_months"],
            follow_up_months=args["follow_up_months"],
            median_control=args["median_control"],
            dropout=args["dropout"],
            dropout_months=args["dropout_months"],
        )
    return trial_design(
        hazard_ratio=args["hazard_ratio"],
        power=args["power"],
        alpha=args["alpha"],
        sides=args["sides"],
        allocation=args["allocation"],
        method=args["method"],
        spending=args["spending"],
        information_rates=args["information_rates"],
        enrolment=enrolment,
    )


@pytest.mark.parametrize("case", DESIGN, ids=[c["name"] for c in DESIGN])
def test_design_equals_rpact(case: dict[str, Any]) -> None:
    d = _design(case["args"])
    st = d.stages
    sides = case["args"]["sides"]
    close(d.events_fixed_exact, case["events_fixed"], "eventsFixed")
    close(d.events_exact, case["max_events"], "maxNumberOfEvents")
    close([s.events_exact for s in st], case["events_per_stage"], "eventsPerStage")
    close([s.critical_value for s in st], case["critical_values"], "criticalValues")
    close(
        [s.nominal_alpha for s in st],
        (np.asarray(case["stage_levels"]) * sides).tolist(),
        "stageLevels (one-sided in rpact)",
    )
    close([s.alpha_spent for s in st], case["alpha_spent"], "alphaSpent")
    close(d.expected_events_h1, case["expected_events_h1"], "expectedEventsH1")
    close(
        [s.hazard_ratio_boundary for s in st],
        case["hazard_ratio_boundary"],
        "criticalValuesEffectScale",
    )
    if "inflation_factor" in case:
        close(d.inflation_factor, case["inflation_factor"], "inflationFactor")
        close([s.reject_probability for s in st], case["reject_per_stage"], "rejectPerStage")
        close(sum(s.reject_probability for s in st[:-1]), case["early_stop"], "earlyStop")
        close(d.expected_events_h0, case["expected_events_h0"], "expectedEventsH0")
    if "sample_size" in case:
        close(d.sample_size_exact, case["sample_size"], "maxNumberOfSubjects")
        close([s.analysis_month for s in st], case["analysis_time"], "analysisTime")
        close([s.patients_enrolled for s in st], case["patients_per_stage"], "numberOfSubjects")
        close(d.expected_study_months_h1, case["study_duration_h1"], "studyDuration")
        close(d.expected_patients_h1, case["expected_patients_h1"], "expectedNumberOfSubjectsH1")


@pytest.mark.parametrize("case", POWER, ids=[c["name"] for c in POWER])
def test_power_for_events_equals_rpact(case: dict[str, Any]) -> None:
    a = case["args"]
    d = trial_design(
        hazard_ratio=a["hazard_ratio"],
        events=a["events"],
        alpha=a["alpha"],
        sides=a["sides"],
        allocation=a["allocation"],
        spending=a["spending"],
        information_rates=a["information_rates"],
    )
    assert d.solved_for == "power"
    close(d.power, case["power"], "overallReject")
    if a["sides"] == 1:
        close([s.reject_probability for s in d.stages], case["reject_per_stage"], "rejectPerStage")


def test_tactics_design_from_the_formula() -> None:
    """TACTICS: 125 events planned for HR 0.71, power 80 %, one-sided alpha 0.15.

    Schoenfeld's formula needs 120.28 events (121), Freedman's 122.63 (123); 125 events
    give 81.0 % power. rpact agrees on all three."""
    r = {c["name"]: c for c in DESIGN}
    s = trial_design(hazard_ratio=0.71, power=0.8, alpha=0.15, sides=1)
    f = trial_design(hazard_ratio=0.71, power=0.8, alpha=0.15, sides=1, method="freedman")
    p = trial_design(hazard_ratio=0.71, events=125, alpha=0.15, sides=1)
    assert (s.events, f.events) == (121, 123)
    close(s.events_exact, r["tactics_schoenfeld"]["max_events"], "Schoenfeld")
    close(f.events_exact, r["tactics_freedman"]["max_events"], "Freedman")
    close(p.power, {c["name"]: c for c in POWER}["tactics_125_events"]["power"], "power")
    assert round(p.power, 3) == 0.810
