"""A competing-risks endpoint: the cause of interest (e.g. unTACEable progression) with a
competing event (death), analysed as R ``cmprsk`` does.

Per arm, the cumulative incidence of the cause by Aalen-Johansen with ``cuminc``'s variance,
read at the endpoint's landmarks (``timepoints``); Gray's test of equal cumulative incidence
between the arms [1]_, stratified by the plan's strata (``cuminc(strata=)``); and the
Fine-Gray subdistribution hazard ratio of the experimental arm [2]_ (``crr``, which has no
strata, so unstratified). 1 - Kaplan-Meier of the cause with the competing event censored
overstates the risk; the cumulative incidence does not.

References
----------
.. [1] Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a
   competing risk. Ann Stat 1988;16(3):1141-1154. doi:10.1214/aos/1176350951
.. [2] Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing
   risk. J Am Stat Assoc 1999;94(446):496-509. doi:10.1080/01621459.1999.10474144
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tacepath.analysis._frames import _ARM, _CAUSE, _T, _TRT
from tacepath.analysis.results import CompetingRisksResult, Estimate
from tacepath.analysis.sap import EndpointPlan, Sap
from tacepath.errors import InputError
from tacepath.survival import cumulative_incidence, fine_gray

__all__ = ["competing_risks_result"]


def competing_risks_result(
    sap: Sap, e: EndpointPlan, frame: pd.DataFrame, strata: Any
) -> CompetingRisksResult:
    """The competing-risks analysis of one endpoint (its frame has ``_CAUSE``: 0 censored,
    1 the cause, 2 the competing event)."""
    cr = e.competing_risks
    if cr is None:
        raise ValueError(f"endpoint {e.paramcd} has no competing_risks")
    exp, ref = sap.treatment.experimental, sap.treatment.reference
    if not (frame[_CAUSE] == 1).any():
        raise InputError(
            f"ADTTE.{cr.column} ({e.paramcd}, population {e.population})",
            "no event of the cause",
            f"at least one event (CNSR 0) whose kind is one of {list(cr.cause)}",
        )
    cif = cumulative_incidence(frame, time=_T, status=_CAUSE, group=_ARM, strata=strata)
    gray = {str(g.cause): g for g in cif.gray_test}
    nan = float("nan")
    fg = fine_gray(
        frame, time=_T, status=_CAUSE, cause=1, covariates=[_TRT], conf_level=sap.conf_level
    )
    events = {
        arm: {
            "cause": int(((frame[_ARM] == arm) & (frame[_CAUSE] == 1)).sum()),
            "competing": int(((frame[_ARM] == arm) & (frame[_CAUSE] == 2)).sum()),
        }
        for arm in (exp, ref)
    }
    at: dict[str, tuple[tuple[float, float, float], ...]] = {}
    for arm in (exp, ref):
        if events[arm]["cause"] == 0:
            at[arm] = tuple((float(t), 0.0, 0.0) for t in e.landmarks)
            continue
        curve = cif.curve(1, arm)
        f, v = curve.at(e.landmarks), curve.variance_at(e.landmarks)
        at[arm] = tuple(
            (float(t), float(fi), float(vi)) for t, fi, vi in zip(e.landmarks, f, v, strict=True)
        )
    g1, g2 = gray.get("1"), gray.get("2")
    z = nan
    if g1 is not None and g1.variance.size == 1 and g1.variance[0, 0] > 0:
        # The score is of the first group of the curves (sorted arms); sign it for exp.
        sign = 1.0 if str(cif.groups[0]) == exp else -1.0
        z = sign * float(g1.score[0]) / math.sqrt(float(g1.variance[0, 0]))
    return CompetingRisksResult(
        cause=cr.cause,
        competing=cr.competing,
        events=events,
        cif=at,
        gray_stat=g1.stat if g1 else nan,
        gray_df=g1.df if g1 else 1,
        gray_p=g1.p if g1 else nan,
        gray_competing_stat=g2.stat if g2 else nan,
        gray_competing_p=g2.p if g2 else nan,
        hr=Estimate(
            estimate=float(fg.hr[0]), lower=float(fg.hr_lower[0]), upper=float(fg.hr_upper[0])
        ),
        coef=float(fg.coef[0]),
        se=float(fg.se[0]),
        p=float(fg.p[0]),
        curves=cif.curves,
        gray_z=z,
    )
