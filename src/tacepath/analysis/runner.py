"""Run a statistical analysis plan on ADSL/ADTTE/ADAE: a pure function, a frozen result.

:func:`run_analysis` does, for the plan's populations and endpoints, exactly what the plan
says and nothing else, with the survival engine (:mod:`tacepath.survival`, whose numbers are
R ``survival``'s):

* population counts per arm, the baseline table;
* per endpoint: Kaplan–Meier per arm (median with CI, S(t) at landmarks), the median
  follow-up by the reverse Kaplan–Meier method [5]_, the stratified
  log-rank test (R ``survdiff`` with ``strata()``; one-sided p from the signed statistic
  z = (O − E)/√V of the experimental arm), the stratified Cox hazard ratio of the
  experimental arm against the reference arm with its CI (R ``coxph`` with ``strata()``),
  RMST up to τ (unstratified; Uno et al. 2014);
* testing across endpoints: the fixed sequence (:func:`fixed_sequence`) or Bonferroni, Holm,
  Hochberg or a graph (:func:`family_test`), with adjusted p-values;
* interim monitoring: the boundary at the observed information and continue/stop;
* subgroups: Cox HR per level and the treatment × subgroup interaction test, a
  likelihood-ratio test of the nested Cox models (or a Wald test of the interaction terms);
* safety: subjects with each adverse-event term at any grade and at grade ≥ the plan's
  threshold per arm, Fisher's exact test (two-sided); other categorical comparisons by
  Fisher's exact test (r × c by full enumeration).

Every number ends up in :meth:`TrialAnalysis.to_dict` (the report's ``results.json``).

References
----------
.. [1] Kudo M, et al. Final results of TACTICS. Liver Cancer 2022;11(4):354-367.
   doi:10.1159/000522547 (the gatekeeping rule: OS tested only if TACE-specific PFS
   p < 0.15).
.. [2] Maurer W, Hothorn LA, Lehmacher W. Multiple comparisons in drug clinical trials and
   preclinical assays: a-priori ordered hypotheses. In: Vollmar J, ed. Biometrie in der
   chemisch-pharmazeutischen Industrie 6. Fischer; 1995:3-18 (fixed-sequence testing).
.. [3] Westfall PH, Krishen A. Optimally weighted, fixed sequence and gatekeeper multiple
   testing procedures. J Stat Plan Inference 2001;99:25-40.
   doi:10.1016/S0378-3758(01)00077-5
.. [4] Uno H, et al. Moving beyond the hazard ratio in quantifying the between-group
   difference in survival analysis. J Clin Oncol 2014;32:2380-2385.
   doi:10.1200/JCO.2014.55.2208
.. [5] Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
   Control Clin Trials 1996;17(4):343-346. doi:10.1016/0197-2456(96)00075-X
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from tacepath import __version__
from tacepath.adam.model import AnalysisData, check_analysis_data
from tacepath.analysis.baseline import baseline_table, population_counts
from tacepath.analysis.efficacy import endpoint_result
from tacepath.analysis.monitoring import interim_result
from tacepath.analysis.multiplicity import (
    GateDecision,
    GateInput,
    family_test,
    fixed_sequence,
    fixed_sequence_adjusted,
)
from tacepath.analysis.results import EndpointResult, TrialAnalysis
from tacepath.analysis.safety import categorical_results, safety_result
from tacepath.analysis.sap import Sap
from tacepath.analysis.subgroups import subgroup_results

__all__ = ["analysis_date", "run_analysis"]


# --------------------------------------------------------------------------- runner


def _gate_inputs(sap: Sap, endpoints: Mapping[str, EndpointResult]) -> list[GateInput]:
    if sap.testing is None:
        return []
    out = []
    for st in sap.testing.steps:
        alpha = st.alpha if st.alpha is not None else sap.alpha
        out.append(
            GateInput(
                endpoint=st.endpoint,
                p=endpoints[st.endpoint].test_p,
                alpha=alpha,
                gate=st.gate if st.gate is not None else alpha,
            )
        )
    return out


def _testing(sap: Sap, steps: list[GateInput]) -> tuple[GateDecision, ...]:
    """The plan's testing procedure over its endpoints (none: no decisions)."""
    if sap.testing is None:
        return ()
    if sap.testing.procedure == "fixed-sequence":
        adjusted = fixed_sequence_adjusted(steps)
        decisions = fixed_sequence(steps)
        ranks = [sum(d.rejected for d in decisions[: i + 1]) for i in range(len(decisions))]
        return tuple(
            replace(g, adjusted_p=a, rejection_step=r if g.rejected else None)
            for g, a, r in zip(decisions, adjusted, ranks, strict=True)
        )
    return family_test(
        sap.testing.procedure,
        steps,
        sap.alpha,
        weights=sap.testing.weights or (),
        transitions=sap.testing.transitions or (),
    )


def run_analysis(sap: Sap, data: AnalysisData, *, sap_sha256: str = "") -> TrialAnalysis:
    """Run the plan on the data (checked first; every problem is reported at once).

    Parameters
    ----------
    sap
        The validated plan (:func:`tacepath.interop.sap_io.load_sap`).
    data
        ADSL, ADTTE and optionally ADAE (:func:`tacepath.interop.adam_io.read_dataset`).
    sap_sha256
        SHA-256 of the plan file, recorded in the result.

    Returns
    -------
    TrialAnalysis
        Frozen; ``to_dict()`` holds every number (the report's ``results.json``).
    """
    check_analysis_data(
        data,
        adsl_required=sap.adsl_columns(),
        cutoff=sap.data_cutoff,
        grade=sap.safety.grade if sap.safety is not None else None,
    )
    arms = (sap.treatment.experimental, sap.treatment.reference)
    endpoints = {e.paramcd: endpoint_result(sap, data, e) for e in sap.endpoints}
    gates = _testing(sap, _gate_inputs(sap, endpoints))
    for g in gates:
        endpoints[g.endpoint] = replace(endpoints[g.endpoint], tested=g.tested, rejected=g.rejected)
    return TrialAnalysis(
        sap=sap,
        sap_sha256=sap_sha256,
        sources=data.sources,
        synthetic=data.synthetic,
        software=f"tacepath {__version__}",
        arms=arms,
        populations=population_counts(sap, data.adsl, arms),
        baseline=baseline_table(sap, data.adsl, arms),
        endpoints=tuple(endpoints.values()),
        gatekeeping=gates,
        subgroups=subgroup_results(sap, data),
        safety=safety_result(sap, data, arms),
        categorical=categorical_results(sap, data.adsl, arms),
        monitoring=None
        if sap.monitoring is None
        else interim_result(sap, endpoints[sap.monitoring.endpoint]),
    )


def analysis_date() -> str:
    """Today's date (UTC), ISO format: when a report is generated."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
