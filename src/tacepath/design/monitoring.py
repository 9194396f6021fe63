"""Interim monitoring: group-sequential boundaries at the observed information.

At each analysis of a trial designed with Lan-DeMets alpha spending, the boundary is
recomputed at the information fraction actually reached, t_k = events_k / planned events (1 at
the final analysis), spending α*(t_k) − α*(t_{k−1}) [1]_ [2]_. The earlier looks' boundaries
depend only on their own fractions, so the results equal R ``rpact``
``getDesignGroupSequential(typeOfDesign = "asOF" | "asP", informationRates = c(t_1, …, t_k,
1))`` at stages 1…k (the numerics are :mod:`tacepath.design._sequential`'s).

References
----------
.. [1] Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika
   1983;70(3):659-663. doi:10.1093/biomet/70.3.659
.. [2] Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical
   Trials. Chapman & Hall/CRC; 2000, section 7.2 (spending functions at observed
   information).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast, get_args

from scipy.special import ndtr

from tacepath.design import _sequential as seq
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields

__all__ = ["InterimLook", "interim_boundaries"]

MAX_LOOKS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class InterimLook(JsonFields):
    """One analysis: its events and information fraction, the efficacy boundary on the z
    scale (±c when two-sided), the nominal level sides·Φ(−c) and the cumulative alpha spent
    over both sides (``rpact`` ``alphaSpent``), as :class:`tacepath.design.DesignStage`."""

    analysis: int
    events: int
    information_rate: float
    critical_value: float
    nominal_alpha: float
    alpha_spent: float


def interim_boundaries(
    spending: str,
    alpha: float,
    events: Sequence[int],
    planned_events: float,
    *,
    sides: int = 1,
    final: bool = False,
) -> tuple[InterimLook, ...]:
    """Boundaries of the analyses so far at their observed information.

    Parameters
    ----------
    spending
        ``obrien-fleming`` or ``pocock`` (Lan-DeMets type).
    alpha
        The design's α (two-sided designs spend α/2 per side, as ``rpact`` ``sided = 2``).
    events
        Events at each analysis so far, increasing; the last is the current one.
    planned_events
        The design's maximum number of events (t = 1).
    final
        The current analysis is the final one: its fraction is 1 whatever its events.
    """
    if spending not in get_args(seq.Spending):
        raise InputError("spending", spending, "obrien-fleming | pocock")
    if not (0 < alpha < 1):
        raise InputError("alpha", alpha, "a level in (0, 1)")
    if sides not in (1, 2):
        raise InputError("sides", sides, "1 or 2")
    if not (math.isfinite(planned_events) and planned_events > 0):
        raise InputError("planned_events", planned_events, "a positive number of events")
    ev = [int(e) for e in events]
    if not 1 <= len(ev) <= MAX_LOOKS:
        raise InputError("events", f"{len(ev)} analyses", f"1 to {MAX_LOOKS} analyses")
    if ev[0] <= 0 or any(b <= a for a, b in itertools.pairwise(ev)):
        raise InputError("events", ev[:MAX_LOOKS], "positive, increasing event counts")
    rates = [e / planned_events for e in ev]
    if final:
        rates[-1] = 1.0
    if any(t >= 1 for t in rates[:-1]) or rates[-1] > 1:
        raise InputError(
            "events",
            ev,
            f"below the planned {planned_events:g} events before the final analysis "
            "(final: the last analysis is at information 1)",
        )
    kind = cast("seq.Spending", spending)
    critical, spent = seq.boundaries(kind, alpha / sides, rates, two_sided=sides == 2)
    return tuple(
        InterimLook(
            analysis=k + 1,
            events=ev[k],
            information_rate=float(rates[k]),
            critical_value=float(critical[k]),
            nominal_alpha=float(sides * ndtr(-critical[k])),
            alpha_spent=float(sides * spent[k]),
        )
        for k in range(len(ev))
    )
