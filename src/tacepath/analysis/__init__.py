"""A trial's statistical analysis: the analysis plan and the analysis it prescribes.

For the trial statistician: :mod:`tacepath.analysis.sap` is the plan (a checked YAML file:
populations, endpoints, stratification, subgroups, gatekeeping, safety);
:func:`run_analysis` runs it on ADaM data (:mod:`tacepath.adam`) and returns a
:class:`TrialAnalysis` (efficacy by endpoint, subgroups with interaction tests, safety
tables, baseline table, the testing procedure's decisions) that the reports and the JSON
output render.
"""

from tacepath.analysis.runner import (
    ArmSummary,
    BaselineBlock,
    CategoricalResult,
    EndpointResult,
    Estimate,
    GateDecision,
    GateInput,
    InteractionTest,
    SafetyResult,
    SafetyRow,
    SubgroupLevel,
    SubgroupResult,
    SubgroupVariableResult,
    TrialAnalysis,
    fixed_sequence,
    run_analysis,
)
from tacepath.analysis.sap import (
    UNIT_DAYS,
    Sap,
    parse_sap,
    sap_json_schema,
)

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
    "fixed_sequence",
    "parse_sap",
    "run_analysis",
    "sap_json_schema",
]
