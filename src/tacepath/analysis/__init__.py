"""A trial's statistical analysis: the analysis plan and the analysis it prescribes.

For the trial statistician: :mod:`tacepath.analysis.sap` is the plan (a checked YAML file:
populations, endpoints, stratification, subgroups, gatekeeping, safety);
:func:`run_analysis` runs it on ADaM data (:mod:`tacepath.adam`) and returns a
:class:`TrialAnalysis` (efficacy by endpoint, subgroups with interaction tests, safety
tables, baseline table, the testing procedure's decisions) that the reports and the JSON
output render. By module: :mod:`~tacepath.analysis.results` (the result classes),
:mod:`~tacepath.analysis.efficacy`, :mod:`~tacepath.analysis.subgroups`,
:mod:`~tacepath.analysis.safety`, :mod:`~tacepath.analysis.baseline`,
:mod:`~tacepath.analysis.multiplicity` (the fixed-sequence testing procedure) and
:mod:`~tacepath.analysis.runner` (the whole plan).
"""

from tacepath.analysis.multiplicity import GateDecision, GateInput, fixed_sequence
from tacepath.analysis.results import (
    ArmSummary,
    BaselineBlock,
    CategoricalResult,
    EndpointResult,
    Estimate,
    InteractionTest,
    SafetyResult,
    SafetyRow,
    SubgroupLevel,
    SubgroupResult,
    SubgroupVariableResult,
    TrialAnalysis,
)
from tacepath.analysis.runner import analysis_date, run_analysis
from tacepath.analysis.sap import UNIT_DAYS, Sap, parse_sap, sap_json_schema

__all__ = [
    "UNIT_DAYS",
    "ArmSummary",
    "BaselineBlock",
    "CategoricalResult",
    "EndpointResult",
    "Estimate",
    "GateDecision",
    "GateInput",
    "InteractionTest",
    "SafetyResult",
    "SafetyRow",
    "Sap",
    "SubgroupLevel",
    "SubgroupResult",
    "SubgroupVariableResult",
    "TrialAnalysis",
    "analysis_date",
    "fixed_sequence",
    "parse_sap",
    "run_analysis",
    "sap_json_schema",
]
