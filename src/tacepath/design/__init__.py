"""Designing a trial: sample size and power, group-sequential boundaries, simulation of a
trial's operating characteristics, and randomisation.

For the trial statistician: :func:`trial_design` gives events, patients and stopping
boundaries (Lan-DeMets spending, checked against R ``rpact``); :func:`simulate_trial`
estimates power and timing by simulation (NumPy, optionally on Dask);
:mod:`tacepath.design.randomise` builds a sealed allocation (permuted blocks or
minimisation) and assigns the next patient.
"""

from tacepath.design.randomise import (
    AllocationState,
    AllocationTamperedError,
    Assignment,
    BlockScheme,
    Factor,
    MinimisationDecision,
    MinimisationScheme,
    assign_next,
    create_allocation,
    load_allocation,
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
    "assign_next",
    "create_allocation",
    "event_probability",
    "expected_event_fraction",
    "load_allocation",
    "minimisation_decision",
    "permuted_blocks",
    "power_for_events",
    "required_events",
    "simulate_trial",
    "trial_design",
]
