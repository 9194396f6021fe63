"""Design of a two-arm time-to-event trial: events, power, sample size, group-sequential bounds.

:func:`trial_design` answers the statistician's two questions for a log-rank comparison of a
treatment arm with a control arm under proportional hazards:

* how many events (and, given accrual, follow-up and the control median, how many patients)
  are needed for a power; or
* what power a number of events gives.

Events follow Schoenfeld's formula [1]_ [2]_ (the default) or Freedman's [3]_; a
group-sequential design spends alpha by the Lan–DeMets O'Brien–Fleming-type or Pocock-type
function [4]_ (:mod:`tacepath.design._sequential`). The sample size divides the events by the
probability of an event under uniform accrual, exponential survival and exponential dropout
[5]_. Every number is checked against R ``rpact`` [6]_ (``tests/fixtures/r/rpact.R``).
Times are in months. The result classes (:class:`TrialDesign`, :class:`DesignStage`,
:class:`Enrolment`) are in :mod:`tacepath.design.results` and importable from here.

References
----------
.. [1] Schoenfeld DA. Sample-size formula for the proportional-hazards regression model.
   Biometrics 1983;39(2):499-503. doi:10.2307/2531021
.. [2] Schoenfeld D. The asymptotic properties of nonparametric tests for comparing survival
   distributions. Biometrika 1981;68(1):316-319. doi:10.1093/biomet/68.1.316
.. [3] Freedman LS. Tables of the number of patients required in clinical trials using the
   logrank test. Stat Med 1982;1(2):121-129. doi:10.1002/sim.4780010204
.. [4] Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika
   1983;70(3):659-663. doi:10.1093/biomet/70.3.659
.. [5] Lachin JM, Foulkes MA. Evaluation of sample size and power for analyses of survival
   with allowance for nonuniform patient entry, losses to follow-up, noncompliance, and
   stratification. Biometrics 1986;42(3):507-519. doi:10.2307/2531201
.. [6] Wassmer G, Brannath W. Group Sequential and Confirmatory Adaptive Designs in Clinical
   Trials. Springer; 2016. doi:10.1007/978-3-319-32562-0 (R package ``rpact``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, get_args

import numpy as np
from scipy.special import ndtr, ndtri

from tacepath.design import _sequential as seq
from tacepath.design.results import DesignStage, Enrolment, Method, Spending, TrialDesign
from tacepath.errors import InputErrors, Problem

__all__ = [
    "DesignStage",
    "Enrolment",
    "Method",
    "Spending",
    "TrialDesign",
    "event_probability",
    "expected_event_fraction",
    "power_for_events",
    "required_events",
    "trial_design",
]


def _check(problems: list[Problem], ok: bool, field: str, value: object, allowed: str) -> None:
    if not ok:
        problems.append(Problem(field, value, allowed))


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _validate_common(
    problems: list[Problem],
    *,
    hazard_ratio: float,
    alpha: float,
    sides: int,
    allocation: float,
    method: str,
) -> None:
    _check(
        problems,
        _finite(hazard_ratio) and hazard_ratio > 0 and hazard_ratio != 1,
        "hazard_ratio",
        hazard_ratio,
        "a number > 0 other than 1 (treatment vs control), e.g. 0.71",
    )
    _check(problems, sides in (1, 2), "sides", sides, "1 or 2")
    top = 0.5 if sides == 1 else 1.0
    _check(
        problems,
        _finite(alpha) and 0 < alpha < top,
        "alpha",
        alpha,
        f"a probability in (0, {top:g}) ({'one' if sides == 1 else 'two'}-sided)",
    )
    _check(
        problems,
        _finite(allocation) and allocation > 0,
        "allocation",
        allocation,
        "a ratio > 0 (treatment patients per control patient), e.g. 1 or 2",
    )
    _check(problems, method in get_args(Method), "method", method, "schoenfeld | freedman")


def _validate_enrolment(problems: list[Problem], e: Enrolment) -> None:
    _check(
        problems,
        _finite(e.accrual_months) and e.accrual_months > 0,
        "accrual_months",
        e.accrual_months,
        "a number of months > 0",
    )
    _check(
        problems,
        _finite(e.follow_up_months) and e.follow_up_months >= 0,
        "follow_up_months",
        e.follow_up_months,
        "a number of months >= 0 (after the last patient enters)",
    )
    _check(
        problems,
        _finite(e.median_control) and e.median_control > 0,
        "median_control",
        e.median_control,
        "the control arm's median survival in months, > 0",
    )
    _check(
        problems,
        _finite(e.dropout) and 0 <= e.dropout < 1,
        "dropout",
        e.dropout,
        "a probability in [0, 1): the share dropping out by dropout_months",
    )
    _check(
        problems,
        _finite(e.dropout_months) and e.dropout_months > 0,
        "dropout_months",
        e.dropout_months,
        "a number of months > 0",
    )


def _information_rates(
    problems: list[Problem], spending: str, looks: int | None, rates: Sequence[float] | None
) -> tuple[float, ...]:
    _check(
        problems,
        spending in get_args(Spending),
        "spending",
        spending,
        "none | obrien-fleming | pocock",
    )
    if rates is not None:
        r = tuple(float(x) for x in rates)
        ok = (
            len(r) >= 1
            and all(math.isfinite(x) and 0 < x <= 1 for x in r)
            and all(b > a for a, b in itertools.pairwise(r))
            and r[-1] == 1
            and len(r) <= 20
        )
        _check(
            problems,
            ok,
            "information_rates",
            list(r),
            "1 to 20 increasing rates in (0, 1] ending at 1, e.g. 0.5,1",
        )
        if looks is not None and ok and looks != len(r):
            problems.append(Problem("looks", looks, f"{len(r)}, the number of information rates"))
        if ok and spending == "none" and len(r) > 1:
            problems.append(
                Problem("spending", spending, "obrien-fleming | pocock with several analyses")
            )
        return r if ok else (1.0,)
    k = 1 if looks is None else looks
    if not (isinstance(k, int) and 1 <= k <= 20):
        problems.append(Problem("looks", looks, "a whole number of analyses from 1 to 20"))
        return (1.0,)
    if spending == "none" and k > 1:
        problems.append(
            Problem("spending", spending, "obrien-fleming | pocock with several analyses")
        )
    return tuple((i + 1) / k for i in range(k))


def _events_per_drift2(hazard_ratio: float, allocation: float, method: Method) -> float:
    """D / η²: events per unit squared drift of the log-rank statistic."""
    r = allocation
    if method == "schoenfeld":
        return (1 + r) ** 2 / (r * math.log(hazard_ratio) ** 2)
    return (1 + r * hazard_ratio) ** 2 / (r * (1 - hazard_ratio) ** 2)


def required_events(
    *,
    hazard_ratio: float,
    power: float = 0.8,
    alpha: float = 0.025,
    sides: int = 1,
    allocation: float = 1.0,
    method: Method = "schoenfeld",
) -> float:
    """Events a fixed (single-analysis) design needs, unrounded [1]_ [3]_.

    Schoenfeld: D = (z_{1−α/s} + z_{1−β})² (1 + r)² / (r ln²HR); Freedman:
    D = (z_{1−α/s} + z_{1−β})² (1 + r·HR)² / (r (1 − HR)²); r = ``allocation``
    (treatment:control), s = ``sides``. Round up for the protocol (:func:`trial_design`
    does). R ``rpact``: ``getSampleSizeSurvival(...)$eventsFixed``.
    """
    return trial_design(
        hazard_ratio=hazard_ratio,
        power=power,
        alpha=alpha,
        sides=sides,
        allocation=allocation,
        method=method,
    ).events_exact


def power_for_events(
    events: float,
    *,
    hazard_ratio: float,
    alpha: float = 0.025,
    sides: int = 1,
    allocation: float = 1.0,
    method: Method = "schoenfeld",
) -> float:
    """Power of a fixed design with ``events`` events (closed form).

    Φ(η − z_{1−α/s}), plus Φ(−η − z_{1−α/2}) for a two-sided test (rejection in the wrong
    direction counts, as R ``rpact::getPowerSurvival``), with η = |ln HR|·√(r D)/(1 + r)
    (Schoenfeld) or |1 − HR|·√(r D)/(1 + r·HR) (Freedman).
    """
    return trial_design(
        hazard_ratio=hazard_ratio,
        events=events,
        alpha=alpha,
        sides=sides,
        allocation=allocation,
        method=method,
    ).power


def expected_event_fraction(
    month: float | np.ndarray,
    *,
    hazard: float,
    dropout_hazard: float,
    accrual_months: float,
) -> np.ndarray:
    """Expected events by calendar ``month`` per patient planned, one arm.

    Uniform entry on [0, A], exponential survival (``hazard``) and dropout: with κ = λ + δ,
    (λ/κ)(t − (1 − e^{−κt})/κ)/A for t ≤ A and (λ/κ)(1 − (e^{−κ(t−A)} − e^{−κt})/(κA))
    after accrual ends [5]_.
    """
    t = np.asarray(month, dtype=float)
    a = accrual_months
    k = hazard + dropout_hazard
    share = hazard / k
    during = share * (t + np.expm1(-k * t) / k) / a
    after = share * (1.0 - (np.exp(-k * (t - a)) - np.exp(-k * t)) / (k * a))
    return np.asarray(np.where(t <= a, during, after), dtype=float)


def event_probability(
    enrolment: Enrolment, *, hazard_ratio: float, allocation: float = 1.0
) -> float:
    """Probability that a patient's event is observed by the final analysis (both arms).

    P = (r P₁ + P₂)/(1 + r) with P_i :func:`expected_event_fraction` at accrual plus
    follow-up, λ₂ = ln 2/median_control, λ₁ = HR·λ₂ [5]_.
    """
    lam2 = math.log(2.0) / enrolment.median_control
    lam1 = hazard_ratio * lam2
    kw = {
        "dropout_hazard": enrolment.dropout_hazard,
        "accrual_months": enrolment.accrual_months,
    }
    p1 = float(expected_event_fraction(enrolment.study_months, hazard=lam1, **kw))
    p2 = float(expected_event_fraction(enrolment.study_months, hazard=lam2, **kw))
    return (allocation * p1 + p2) / (1 + allocation)


def _ceil(x: float) -> int:
    """Round up, ignoring floating-point noise of a few ulps above a whole number."""
    return math.ceil(x * (1 - 1e-12))


def _analysis_months(
    enrolment: Enrolment,
    *,
    hazard_ratio: float,
    allocation: float,
    sample_size: float,
    events: Sequence[float],
) -> list[float]:
    """Calendar months at which the expected number of events reaches each of ``events``."""
    lam2 = math.log(2.0) / enrolment.median_control
    lam1 = hazard_ratio * lam2
    kw = {
        "dropout_hazard": enrolment.dropout_hazard,
        "accrual_months": enrolment.accrual_months,
    }
    r = allocation

    def expected(t: float) -> float:
        e1 = float(expected_event_fraction(t, hazard=lam1, **kw))
        e2 = float(expected_event_fraction(t, hazard=lam2, **kw))
        return sample_size * (r * e1 + e2) / (1 + r)

    end = enrolment.study_months
    out = []
    for d in events:
        if d >= expected(end) * (1 - 1e-12):
            out.append(end)
        else:
            out.append(seq.brentq(lambda t, d=d: expected(t) - d, 0.0, end, xtol=1e-12))
    return out


def trial_design(
    *,
    hazard_ratio: float,
    power: float | None = 0.8,
    events: float | None = None,
    alpha: float = 0.025,
    sides: int = 1,
    allocation: float = 1.0,
    method: Method = "schoenfeld",
    spending: Spending = "none",
    looks: int | None = None,
    information_rates: Sequence[float] | None = None,
    enrolment: Enrolment | None = None,
) -> TrialDesign:
    """Design a two-arm log-rank trial: events for a power, or power for events [1]_–[6]_.

    Parameters
    ----------
    hazard_ratio
        Treatment vs control hazard ratio to detect (< 1: treatment better).
    power
        Target power (probability of rejecting on the side of the effect); ignored when
        ``events`` is given.
    events
        Maximum number of events: compute the power instead of the events.
    alpha
        Type I error, one-sided for ``sides=1``, total for ``sides=2`` (symmetric bounds).
    allocation
        Patients on treatment per patient on control (R ``rpact`` ``allocationRatioPlanned``).
    method
        ``"schoenfeld"`` (default; R ``rpact`` ``typeOfComputation = "Schoenfeld"``) or
        ``"freedman"`` (``"Freedman"``).
    spending
        ``"none"`` (one analysis), ``"obrien-fleming"`` or ``"pocock"``: Lan–DeMets alpha
        spending (``rpact`` ``typeOfDesign = "asOF"``, ``"asP"``); a two-sided design spends
        α/2 per side with the mirror-image lower boundary, as ``rpact`` ``sided = 2``.
    looks, information_rates
        Number of equally spaced analyses, or the information rates (event fractions)
        t₁ < … < t_K = 1.
    enrolment
        Accrual, follow-up, control median and dropout: adds the sample size, the expected
        month of each analysis and the expected patients enrolled.

    Notes
    -----
    Fixed design: the formulas of :func:`required_events`. Group-sequential design: the
    boundaries c_k spend α*(t) (Lan–DeMets; O'Brien–Fleming type 2 − 2Φ(z_{1−α/2}/√t),
    Pocock type α ln(1 + (e − 1)t)); the drift η giving the power is found by recursive
    numerical integration, and D_max = η² · D/(z_{1−α/s} + z_{1−β})², i.e. the fixed
    design's events times the inflation factor. Power for given events uses the same drift
    relation solved the other way; a two-sided fixed design adds the (tiny) probability of
    rejecting on the wrong side.

    Sample size: N = D / P with P from :func:`event_probability` (uniform accrual,
    exponential survival and dropout). Events are rounded up; per-arm patients are each
    arm's share of the rounded events divided by P, rounded up.
    """
    rates = _validated_rates(
        hazard_ratio=hazard_ratio,
        power=power,
        events=events,
        alpha=alpha,
        sides=sides,
        allocation=allocation,
        method=method,
        spending=spending,
        looks=looks,
        information_rates=information_rates,
        enrolment=enrolment,
    )
    two_sided = sides == 2
    z_alpha = float(ndtri(1 - alpha / sides))
    per_drift2 = _events_per_drift2(hazard_ratio, allocation, method)
    if spending == "none":
        critical, cum_spent = np.array([z_alpha]), np.array([alpha / sides])
    else:
        critical, cum_spent = seq.boundaries(spending, alpha / sides, rates, two_sided=two_sided)
    if events is None:
        assert power is not None
        drift = z_alpha + float(ndtri(power))
        if spending != "none":
            drift = seq.drift_for_power(rates, critical, power, two_sided=two_sided)
        d_max = drift**2 * per_drift2
    else:
        d_max = float(events)
        drift = math.sqrt(d_max / per_drift2)
    cross_h1 = seq.crossing(rates, critical, drift, two_sided=two_sided)
    cross_h0 = seq.crossing(rates, critical, 0.0, two_sided=two_sided)
    achieved = power if events is None else float(cross_h1.upper.sum() + cross_h1.lower.sum())
    assert achieved is not None
    z_fixed = z_alpha + float(ndtri(achieved)) if 0 < achieved < 1 else math.nan
    t = np.asarray(rates)
    d_stage = t * d_max
    stop_h1 = _stop_probabilities(cross_h1.upper + cross_h1.lower)
    stop_h0 = _stop_probabilities(cross_h0.upper + cross_h0.lower)
    r = allocation
    sign = -1.0 if hazard_ratio < 1 else 1.0
    hr_bound = np.exp(sign * critical * (1 + r) / np.sqrt(r * d_stage))
    n_events = _ceil(d_max)
    stage_events = [_ceil(x) for x in d_stage[:-1]] + [n_events]
    months: list[float | None] = [None] * t.size
    enrolled: list[float | None] = [None] * t.size
    extra: dict[str, Any] = {}
    if enrolment is not None:
        months, enrolled, extra = _enrolment_fields(
            enrolment,
            hazard_ratio=hazard_ratio,
            allocation=r,
            events_exact=d_max,
            events=n_events,
            stage_events=d_stage,
            stop_h1=stop_h1,
        )
    cum_power = np.cumsum(cross_h1.upper)
    stages = tuple(
        DesignStage(
            information_rate=float(t[k]),
            events_exact=float(d_stage[k]),
            events=stage_events[k],
            critical_value=float(critical[k]),
            nominal_alpha=float(sides * ndtr(-critical[k])),
            alpha_spent=float(sides * cum_spent[k]),
            hazard_ratio_boundary=float(hr_bound[k]),
            reject_probability=float(cross_h1.upper[k]),
            cumulative_power=float(cum_power[k]),
            analysis_month=months[k],
            patients_enrolled=enrolled[k],
        )
        for k in range(t.size)
    )
    return TrialDesign(
        solved_for="events" if events is None else "power",
        method=method,
        hazard_ratio=float(hazard_ratio),
        alpha=float(alpha),
        sides=sides,
        power=float(achieved),
        allocation=float(allocation),
        spending=spending,
        events_exact=float(d_max),
        events=n_events,
        events_fixed_exact=float(z_fixed**2 * per_drift2),
        inflation_factor=float((drift / z_fixed) ** 2) if spending != "none" else 1.0,
        drift=float(drift),
        stages=stages,
        expected_events_h1=float(stop_h1 @ d_stage),
        expected_events_h0=float(stop_h0 @ d_stage),
        **extra,
    )


def _validated_rates(
    *,
    hazard_ratio: float,
    power: float | None,
    events: float | None,
    alpha: float,
    sides: int,
    allocation: float,
    method: str,
    spending: str,
    looks: int | None,
    information_rates: Sequence[float] | None,
    enrolment: Enrolment | None,
) -> tuple[float, ...]:
    """Check every argument (all problems at once) and return the information rates."""
    problems: list[Problem] = []
    _validate_common(
        problems,
        hazard_ratio=hazard_ratio,
        alpha=alpha,
        sides=sides,
        allocation=allocation,
        method=method,
    )
    if events is None:
        floor = alpha / sides if _finite(alpha) and sides in (1, 2) else 0.0
        _check(
            problems,
            power is not None and _finite(power) and floor < power < 1,
            "power",
            power,
            f"a probability in ({floor:g}, 1), e.g. 0.8",
        )
    else:
        _check(problems, _finite(events) and events > 0, "events", events, "a number > 0")
    rates = _information_rates(problems, spending, looks, information_rates)
    if enrolment is not None:
        _validate_enrolment(problems, enrolment)
    if problems:
        raise InputErrors(problems)
    return rates


def _enrolment_fields(
    enrolment: Enrolment,
    *,
    hazard_ratio: float,
    allocation: float,
    events_exact: float,
    events: int,
    stage_events: np.ndarray,
    stop_h1: np.ndarray,
) -> tuple[list[float | None], list[float | None], dict[str, Any]]:
    """Sample size, analysis months and patients enrolled per stage, and their expectations."""
    r = allocation
    p_event = event_probability(enrolment, hazard_ratio=hazard_ratio, allocation=r)
    n_exact = events_exact / p_event
    per_arm = (_ceil(events * r / (1 + r) / p_event), _ceil(events / (1 + r) / p_event))
    months = _analysis_months(
        enrolment,
        hazard_ratio=hazard_ratio,
        allocation=r,
        sample_size=n_exact,
        events=stage_events.tolist(),
    )
    enrolled = [n_exact * min(m / enrolment.accrual_months, 1.0) for m in months]
    extra = {
        "enrolment": enrolment,
        "median_treatment": enrolment.median_control / hazard_ratio,
        "event_probability": p_event,
        "sample_size_exact": n_exact,
        "sample_size_per_arm": per_arm,
        "sample_size": per_arm[0] + per_arm[1],
        "expected_study_months_h1": float(stop_h1 @ np.asarray(months)),
        "expected_patients_h1": float(stop_h1 @ np.asarray(enrolled)),
    }
    return list(months), list(enrolled), extra


def _stop_probabilities(crossing: np.ndarray) -> np.ndarray:
    """P(stop at stage k): crossing at an interim, or reaching the final analysis."""
    stop = np.asarray(crossing, dtype=float).copy()
    stop[-1] = 1.0 - stop[:-1].sum()
    return stop
