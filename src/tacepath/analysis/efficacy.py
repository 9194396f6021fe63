"""One endpoint's efficacy analysis: Kaplan-Meier per arm, median follow-up, stratified
log-rank, stratified Cox hazard ratio and RMST.

References
----------
.. [1] Uno H, et al. Moving beyond the hazard ratio in quantifying the between-group
   difference in survival analysis. J Clin Oncol 2014;32:2380-2385.
   doi:10.1200/JCO.2014.55.2208
.. [2] Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
   Control Clin Trials 1996;17(4):343-346. doi:10.1016/0197-2456(96)00075-X
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd
from scipy.stats import norm

from tacepath.adam.model import AnalysisData
from tacepath.analysis._frames import _ARM, _E, _T, _TRT, _endpoint_frame
from tacepath.analysis.competing import competing_risks_result
from tacepath.analysis.results import (
    ArmSummary,
    CompetingRisksResult,
    EndpointResult,
    EndpointTest,
    Estimate,
)
from tacepath.analysis.sap import EndpointPlan, Sap
from tacepath.analysis.stratified_rmst import stratified_rmst
from tacepath.errors import StatisticalWarning
from tacepath.survival import (
    cox_ph,
    kaplan_meier,
    logrank_test,
    maxcombo_test,
    rmst_test,
)

__all__ = ["endpoint_result"]


# --------------------------------------------------------------------------- endpoint


def _quiet_cox(frame: pd.DataFrame, covariates: Sequence[str], sap: Sap, strata: Any) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        fit = cox_ph(
            frame,
            time=_T,
            event=_E,
            covariates=list(covariates),
            strata=strata,
            ties=sap.ties,
            conf_level=sap.conf_level,
        )
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, StatisticalWarning))
    return fit, notes


def _landmarks(curve: Any, times: Sequence[float]) -> tuple[tuple[float, Estimate | None], ...]:
    if not times:
        return ()
    at = curve.at(list(times))
    found = {float(t): i for i, t in enumerate(at.time)}
    out: list[tuple[float, Estimate | None]] = []
    for t in times:
        i = found.get(float(t))
        out.append(
            (
                float(t),
                None
                if i is None
                else Estimate(
                    estimate=float(at.surv[i]), lower=float(at.lower[i]), upper=float(at.upper[i])
                ),
            )
        )
    return tuple(out)


def _one_sided(z: float, direction: str) -> float:
    return float(norm.cdf(z) if direction == "less" else norm.sf(z))


def _gray_endpoint_test(sap: Sap, cr: CompetingRisksResult | None) -> EndpointTest:
    """Gray's test of the cause (``cmprsk::cuminc``, stratified by the test strata) as the
    endpoint's test: two-sided p as cuminc gives it; one-sided from its signed z."""
    if cr is None:  # pragma: no cover - the plan refuses test: gray without competing_risks
        raise ValueError("test: gray needs competing_risks")
    z = cr.gray_z
    p = _one_sided(z, sap.direction) if sap.sides == 1 else cr.gray_p
    return EndpointTest(
        method="gray", weights=((0.0, 0.0),), z=(z,), statistic=z, p=p, p_two_sided=cr.gray_p
    )


def _endpoint_test(
    sap: Sap, e: EndpointPlan, frame: pd.DataFrame, strata: Any, z_logrank: float, p_two: float
) -> EndpointTest:
    """The plan's test for the endpoint, z signed for the experimental arm (O − E > 0:
    more events than expected). One-sided p: Φ(z) for ``less`` (HR < 1), 1 − Φ(z) for
    ``greater``; MaxCombo one-sided uses max_k of the z signed that way [1]_."""
    exp = sap.treatment.experimental
    if e.test == "logrank":
        p = _one_sided(z_logrank, sap.direction) if sap.sides == 1 else p_two
        return EndpointTest(
            method="logrank", weights=((0.0, 0.0),), z=(z_logrank,), statistic=z_logrank,
            p=p, p_two_sided=p_two,
        )  # fmt: skip
    if e.test == "fleming-harrington":
        fh = logrank_test(
            frame, time=_T, event=_E, group=_ARM, strata=strata, rho=e.rho, gamma=e.gamma
        )
        k = [str(g) for g in fh.groups].index(exp)
        v = float(fh.variance[k, k])
        z = float(fh.observed[k] - fh.expected[k]) / math.sqrt(v) if v > 0 else float("nan")
        p = _one_sided(z, sap.direction) if sap.sides == 1 else fh.p
        return EndpointTest(
            method="fleming-harrington", weights=((fh.rho, fh.gamma),), z=(z,), statistic=z,
            p=p, p_two_sided=fh.p,
        )  # fmt: skip
    mc = maxcombo_test(frame, time=_T, event=_E, group=_ARM, strata=strata, combo=e.combo)
    sign = 1.0 if str(mc.groups[1]) == exp else -1.0
    zs = tuple(sign * t.z for t in mc.tests)
    if sap.sides == 1:
        statistic, p = mc.one_sided(negative=(sap.direction == "less") == (sign > 0))
    else:
        statistic, p = mc.max_abs_z, mc.p
    return EndpointTest(
        method="maxcombo",
        weights=tuple((t.rho, t.gamma) for t in mc.tests),
        z=zs,
        statistic=statistic,
        p=p,
        p_two_sided=mc.p,
    )


def endpoint_result(sap: Sap, data: AnalysisData, e: EndpointPlan) -> EndpointResult:
    frame = _endpoint_frame(sap, data, e)
    exp, ref = sap.treatment.experimental, sap.treatment.reference
    strata = list(sap.strata_for_test()) or None
    model_strata = list(sap.strata_for_model()) or None
    km = kaplan_meier(
        frame,
        time=_T,
        event=_E,
        group=_ARM,
        conf_type=sap.km_conf_type,
        conf_level=sap.conf_level,
    )
    lr = logrank_test(frame, time=_T, event=_E, group=_ARM, strata=strata)
    k = [str(g) for g in lr.groups].index(exp)
    oe = float(lr.observed[k] - lr.expected[k])
    v = float(lr.variance[k, k])
    z = oe / math.sqrt(v) if v > 0 else float("nan")
    p_two = lr.p
    p = _one_sided(z, sap.direction) if sap.sides == 1 else p_two
    cox, notes = _quiet_cox(frame, [_TRT], sap, model_strata)
    reverse = kaplan_meier(
        frame.assign(_C=1 - frame[_E]),
        time=_T,
        event="_C",
        conf_type=sap.km_conf_type,
        conf_level=sap.conf_level,
    ).curves[0]
    groups = [str(g) for g in lr.groups]
    cr = None if e.competing_risks is None else competing_risks_result(sap, e, frame, strata)
    rmst = None
    if e.rmst_tau is not None:
        rmst = rmst_test(
            frame,
            time=_T,
            event=_E,
            group=_ARM,
            tau=e.rmst_tau,
            reference=ref,
            conf_level=sap.conf_level,
        )

    def arm(name: str) -> ArmSummary:
        c = km[name]
        r = None if rmst is None else (rmst.experimental if name == exp else rmst.reference)
        return ArmSummary(
            arm=name,
            n=c.n,
            events=round(c.n_events),
            median=Estimate(estimate=c.median, lower=c.median_lower, upper=c.median_upper),
            landmarks=_landmarks(c, e.landmarks),
            rmst=None if r is None else Estimate(estimate=r.rmst, lower=r.lower, upper=r.upper),
            rmst_se=None if r is None else r.se,
        )

    return EndpointResult(
        paramcd=e.paramcd,
        label=e.label,
        population=e.population,
        n=len(frame),
        experimental=arm(exp),
        reference=arm(ref),
        hr=Estimate(
            estimate=float(cox.hr[0]), lower=float(cox.hr_lower[0]), upper=float(cox.hr_upper[0])
        ),
        cox_coef=float(cox.coef[0]),
        cox_se=float(cox.se[0]),
        cox_p=float(cox.p[0]),
        logrank_chisq=lr.chisq,
        logrank_z=z,
        logrank_p=p,
        logrank_p_two_sided=p_two,
        sides=sap.sides,
        direction=sap.direction,
        strata=sap.strata_for_test(),
        model_strata=sap.strata_for_model(),
        n_strata=lr.n_strata,
        rmst_tau=e.rmst_tau,
        rmst_difference=None
        if rmst is None
        else Estimate(
            estimate=rmst.difference.estimate,
            lower=rmst.difference.lower,
            upper=rmst.difference.upper,
        ),
        rmst_difference_p=None if rmst is None else rmst.difference.p,
        rmst_ratio=None
        if rmst is None
        else Estimate(estimate=rmst.ratio.estimate, lower=rmst.ratio.lower, upper=rmst.ratio.upper),
        follow_up=Estimate(
            estimate=reverse.median, lower=reverse.median_lower, upper=reverse.median_upper
        ),
        observed={g: float(lr.observed[i]) for i, g in enumerate(groups)},
        expected={g: float(lr.expected[i]) for i, g in enumerate(groups)},
        tested=False,
        rejected=False,
        warnings=notes,
        km=km,
        test=_gray_endpoint_test(sap, cr)
        if e.test == "gray"
        else _endpoint_test(sap, e, frame, strata, z, p_two),
        rmst_stratified=None
        if e.rmst_tau is None or not e.rmst_stratified
        else stratified_rmst(
            frame,
            sap.strata_for_test(),
            tau=e.rmst_tau,
            experimental=exp,
            reference=ref,
            conf_level=sap.conf_level,
        ),
        competing_risks=cr,
    )
