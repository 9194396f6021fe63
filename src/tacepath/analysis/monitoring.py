"""Interim monitoring in the plan: continue or stop at this analysis.

The monitored endpoint's log-rank z (the plan's test statistic, turned toward benefit: −z
when the alternative is HR < 1) is compared with the efficacy boundary recomputed at the
observed information fraction (:func:`tacepath.design.monitoring.interim_boundaries`, equal
to R ``rpact``): one-sided, stop when z ≥ c_k; two-sided, when |z| ≥ c_k. Below the boundary
the trial continues (or, at the final analysis, H0 is not rejected). Only efficacy
boundaries are computed (no futility boundary is declared in the plan).
"""

from __future__ import annotations

import math

from tacepath.analysis.results import EndpointResult, InterimResult
from tacepath.analysis.sap import Sap
from tacepath.design.monitoring import interim_boundaries

__all__ = ["interim_result"]


def interim_result(sap: Sap, endpoint: EndpointResult) -> InterimResult | None:
    """The decision at this analysis (``None`` when the plan declares no monitoring)."""
    m = sap.monitoring
    if m is None:
        return None
    events = endpoint.experimental.events + endpoint.reference.events
    looks = interim_boundaries(
        m.spending,
        sap.alpha,
        [*m.previous_events, events],
        m.planned_events,
        sides=sap.sides,
        final=m.final,
    )
    c = looks[-1].critical_value
    z = endpoint.logrank_z
    toward = -z if sap.direction == "less" else z
    stat = abs(z) if sap.sides == 2 else toward
    t = looks[-1].information_rate
    crossed = math.isfinite(stat) and stat >= c
    shown = "|z|" if sap.sides == 2 else "z toward benefit"
    where = f"analysis {len(looks)} at information {t:.3f} ({events} of {m.planned_events} events)"
    if crossed:
        decision = "reject H0" if m.final else "stop for efficacy"
    else:
        decision = "do not reject H0" if m.final else "continue"
    sign = "≥" if crossed else "<"
    reason = f"{where}: {shown} = {stat:.3f} {sign} boundary {c:.3f}"
    return InterimResult(
        endpoint=m.endpoint,
        spending=m.spending,
        planned_events=m.planned_events,
        final=m.final,
        looks=looks,
        z=stat,
        decision=decision,
        reason=reason,
    )
