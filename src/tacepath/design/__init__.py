"""Designing a trial: sample size and power, group-sequential boundaries, simulation of a
trial's operating characteristics, and randomisation.

For the trial statistician: :func:`trial_design` gives events, patients and stopping
boundaries (Lan-DeMets spending, checked against R ``rpact``); :func:`simulate_trial`
estimates power and timing by simulation (NumPy, optionally on Dask);
:mod:`tacepath.design.randomise` draws a sealed allocation (permuted blocks or
minimisation), verifies it and gives the next patient's arm (its file is kept by
:mod:`tacepath.interop.allocation_log`).
"""

from tacepath.design.randomise import (
    AllocationState,
    AllocationTamperedError,
    Assignment,
    BlockScheme,
    Factor,
    MinimisationDecision,
    MinimisationScheme,
    minimisation_decision,
    permuted_blocks,
)
from tacepath.design.sample_size import (
    DesignStage,
    Enrolment,
    TrialDesign,
    event_probability,
    expected_event_fraction,
    power_for_events,
    required_events,
    trial_design,
)
from tacepath.design.simulate import (
    Accrual,
    Exponential,
    HazardRatioSummary,
    PiecewiseExponential,
    SimulationResult,
    Stratum,
    SurvivalModel,
    TrialScenario,
    Weibull,
    simulate_trial,
)

__all__ = [
    "Accrual",
    "AllocationState",
    "AllocationTamperedError",
    "Assignment",
    "BlockScheme",
    "DesignStage",
    "Enrolment",
    "Exponential",
    "Factor",
    "HazardRatioSummary",
    "MinimisationDecision",
    "MinimisationScheme",
    "PiecewiseExponential",
    "SimulationResult",
    "Stratum",
    "SurvivalModel",
    "TrialDesign",
    "TrialScenario",
    "Weibull",
    "event_probability",
    "expected_event_fraction",
    "minimisation_decision",
    "permuted_blocks",
    "power_for_events",
    "required_events",
    "simulate_trial",
    "trial_design",
]
