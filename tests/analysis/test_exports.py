"""The public names of adam, analysis, design and literature are exactly the intended ones,
and each resolves."""

from __future__ import annotations

import importlib

import pytest

EXPORTS = {
    "tacepath.adam": [
        "ADAE_COLUMNS", "ADAE_LABELS", "ADSL_COLUMNS", "ADSL_LABELS", "ADTTE_COLUMNS",
        "ASSUMPTIONS", "AdtteRow", "AnalysisData", "CENSORING", "DAYS_PER_MONTH", "DataSource",
        "DatasetKind", "EndpointOptions", "PARAMS", "SYNTHETIC_LABEL", "SyntheticCohort",
        "TACTICS_SOURCE", "adae_problems", "adsl_problems", "adtte_problems", "adtte_rows",
        "check_analysis_data", "derive_adtte", "events_from_cnsr", "invalid_cnsr",
        "is_synthetic", "tactics_like_cohort",
    ],
    "tacepath.analysis": [
        "ArmSummary", "BaselineBlock", "CategoricalResult", "EndpointResult", "Estimate",
        "GateDecision", "GateInput", "InteractionTest", "SafetyResult", "SafetyRow", "Sap",
        "SubgroupLevel", "SubgroupResult", "SubgroupVariableResult", "TrialAnalysis", "UNIT_DAYS",
        "analysis_date", "fixed_sequence", "parse_sap", "run_analysis", "sap_json_schema",
    ],
    "tacepath.design": [
        "Accrual", "AllocationState", "AllocationTamperedError", "Assignment", "BlockScheme",
        "DesignStage", "Enrolment", "Exponential", "Factor", "HazardRatioSummary",
        "MinimisationDecision", "MinimisationScheme", "PiecewiseExponential", "SimulationResult",
        "Stratum", "SurvivalModel", "TrialDesign", "TrialScenario", "Weibull",
        "event_probability", "expected_event_fraction", "minimisation_decision",
        "permuted_blocks", "power_for_events", "required_events", "simulate_trial",
        "trial_design",
    ],
    "tacepath.literature": [
        "PSEUDO_LABEL", "PseudoIpdResult", "ReconstructionResult", "Reproduction",
        "ReproductionRow", "SurrogacyResult", "catalogue", "digitise_km",
        "pseudo_ipd_from_summary", "reconstruct_ipd",
    ],
    "tacepath.literature.reproduce": [
        "DeathSplit", "Level", "OsPseudoData", "Printed", "Reproducible", "Reproduction",
        "ReproductionRow", "Tolerance", "VERDICTS", "Verdict", "catalogue",
        "death_split_sensitivity", "events_from_ci", "feasible_splits", "judge",
        "log_se_from_ci", "os_pseudo_data", "post_trial_fisher", "registry_rows", "reproduce",
        "wald_p", "wald_p_range",
    ],
}  # fmt: skip


@pytest.mark.parametrize("package", sorted(EXPORTS))
def test_exported_names(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(EXPORTS[package])
    for name in module.__all__:
        assert getattr(module, name) is not None
