"""Guyot et al.'s algorithm: individual patient data from a digitised Kaplan–Meier curve.

The time axis is cut at the published at-risk times a_0 = 0 < a_1 < … < a_K. Within the
interval [a_i, a_{i+1}) the published numbers at risk fix how many patients leave it
(n_i − n_{i+1}); the curve's drops say how many of them had an event, and the rest were
censored. For a guess c of the number censored the algorithm [1]_:

1. spreads the c censoring times evenly over the interval, a_i + j (a_{i+1} − a_i)/(c + 1),
   j = 1 … c (in the last interval a_K + j (T_end − a_K)/c, so that the last one is at the
   end of the curve, which marks the end of follow-up);
2. walks the digitised points T_k of the interval in time order: the number at risk at T_k
   is n̂_k = n_i − (events before T_k in the interval) − (censored before T_k), and the
   number of events there inverts the Kaplan–Meier product,
   d_k = ⌊n̂_k (1 − S_k / Ŝ_last) + ½⌋, where Ŝ_last is the reconstructed curve at the last
   point with an event (so rounding errors do not accumulate);
3. compares the number left at a_{i+1}, n̂ = n_i − Σd − c, with the published n_{i+1}, and
   updates c ← c + (n̂ − n_{i+1}) until they agree.

Guyot's first guess is c = n_i S(a_{i+1}) / S(a_i) − n_{i+1}. In the last interval, from
a_K to the curve's last time, nobody is published at risk afterwards: without the total
number of events its censoring is taken at the average rate (per unit time) of the earlier
intervals; with it, c is iterated until the total number of events equals the published
total [1]_. Whoever is still at risk at the curve's last time is censored there.

Choices of this implementation (the paper leaves them open): rounding is half-up
(⌊x + ½⌋), events never exceed the number at risk, c stays within [0, n_i], and a
censoring time that falls when nobody is left at risk is dropped (so an even spread can
end early rather than censor patients who are not there); the iteration stops when the
target is met, when a guess repeats (a cycle) or after 100 guesses, and keeps the guess
closest to the target (then the fewest censored); each interval starts from the number the
reconstruction actually has left, so the patients always add up to the first number at
risk even when a published count cannot be met.

References
----------
.. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
   data: reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res
   Methodol. 2012;12:9. doi:10.1186/1471-2288-12-9
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import numpy.typing as npt

from tacepath.jsonsafe import JsonFields

__all__ = ["IntervalFit", "Reconstruction", "guyot"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MAX_GUESSES = 100

Target = Literal["n_risk", "total_events", "censoring_rate", "none"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IntervalFit(JsonFields):
    """How one interval between published at-risk times was reconstructed.

    ``start``/``end``: the interval [start, end) (the last one ends at the curve's last
    time, included); ``n_risk_published``: the published number at risk at ``start``;
    ``n_risk_start``: the number the reconstruction has at risk there; ``n_points``: the
    digitised points in the interval; ``events``, ``censored``: what was reconstructed
    (``censored`` excludes those still at risk at the curve's end); ``target``: what the
    number censored was fitted to (``n_risk`` at ``end``, ``total_events``, the average
    ``censoring_rate`` of earlier intervals, or ``none`` for a single interval without the
    total events); ``target_value``/``achieved``: that target and what was reached;
    ``iterations``: guesses tried; ``matched``: whether the target was met.
    """

    start: float
    end: float
    n_risk_published: int
    n_risk_start: int
    n_points: int
    events: int
    censored: int
    target: Target
    target_value: float | None
    achieved: float | None
    iterations: int
    matched: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconstruction:
    """The raw output: event times, censoring times, and the per-interval account."""

    event_times: FloatArray
    censor_times: FloatArray
    intervals: tuple[IntervalFit, ...]


@dataclass(frozen=True, slots=True)
class _Pass:
    """One walk through an interval's points for a given number censored."""

    censored: int
    events: IntArray
    km_last: float
    n_end: int
    censor_times: FloatArray


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def even_times(lo: float, hi: float, k: int, *, to_end: bool = False) -> FloatArray:
    """``k`` times spread evenly inside (lo, hi): lo + j (hi − lo)/(k + 1), j = 1 … k.

    ``to_end``: over (lo, hi] instead, lo + j (hi − lo)/k, the last one at ``hi`` (the last
    interval, whose end is the end of the curve and so of follow-up).
    """
    j = np.arange(1, k + 1, dtype=float)
    return lo + j * (hi - lo) / (k if to_end and k else k + 1)


def _walk(
    t_pts: FloatArray,
    s_pts: FloatArray,
    n_start: int,
    censor_times: FloatArray,
    km_last: float,
) -> _Pass:
    """Events at each point for given censoring times (step 2 of the algorithm).

    Points and censorings are taken in time order; a censoring before a point leaves the
    risk set before that point's events (one at the point's own time stays at risk for
    them, as in the Kaplan–Meier estimate). A censoring that falls when nobody is left at
    risk is dropped, so the number at risk never goes below 0.
    """
    events = np.zeros(t_pts.size, dtype=np.int64)
    kept = np.ones(censor_times.size, dtype=bool)
    at_risk = n_start
    km = km_last
    c = 0
    for k in range(t_pts.size):
        while c < censor_times.size and censor_times[c] < t_pts[k]:
            if at_risk > 0:
                at_risk -= 1
            else:
                kept[c] = False
            c += 1
        if at_risk <= 0 or km <= 0:
            continue
        d = _round_half_up(at_risk * (1.0 - float(s_pts[k]) / km))
        d = min(max(d, 0), at_risk)
        if d:
            km *= 1.0 - d / at_risk
            at_risk -= d
            events[k] = d
    for j in range(c, censor_times.size):
        if at_risk > 0:
            at_risk -= 1
        else:
            kept[j] = False
    return _Pass(
        censored=int(kept.sum()),
        events=events,
        km_last=km,
        n_end=at_risk,
        censor_times=censor_times[kept],
    )


def _fit_censored(
    t_pts: FloatArray,
    s_pts: FloatArray,
    *,
    n_start: int,
    lo: float,
    hi: float,
    km_last: float,
    guess: int,
    gap: Callable[[_Pass], int],
    to_end: bool = False,
) -> tuple[_Pass, int]:
    """Iterate the number censored: c ← c + gap(pass) until gap is 0 (steps 1–3).

    ``gap(pass)`` is the signed excess (reconstructed − published) of the fitted quantity;
    a positive gap means too few censored. Returns the best pass (smallest |gap|, then the
    fewest censored) and the number of guesses tried.
    """
    tried: dict[int, tuple[_Pass, int]] = {}
    c = min(max(guess, 0), n_start)
    while len(tried) < _MAX_GUESSES:
        p = _walk(t_pts, s_pts, n_start, even_times(lo, hi, c, to_end=to_end), km_last)
        g = gap(p)
        tried[c] = (p, g)
        if g == 0:
            break
        nxt = min(max(c + g, 0), n_start)
        if nxt in tried:
            break
        c = nxt
    best = min(tried, key=lambda k: (abs(tried[k][1]), k))
    return tried[best][0], len(tried)


def _excess_at_risk(p: _Pass, *, published: int) -> int:
    """Reconstructed minus published number at risk at the interval's end."""
    return p.n_end - published


def _excess_events(p: _Pass, *, before: int, published: int) -> int:
    """Reconstructed minus published total number of events."""
    return before + int(p.events.sum()) - published


def _curve_before(t_pts: FloatArray, s_pts: FloatArray, t: float) -> float:
    """S(t−) of the digitised step curve."""
    i = int(np.searchsorted(t_pts, t, side="left"))
    return 1.0 if i == 0 else float(s_pts[i - 1])


@dataclass(frozen=True, slots=True)
class _Fit:
    """An interval's chosen pass and what its number censored was fitted to."""

    walk: _Pass
    target: Target
    target_value: float | None
    achieved: float | None
    tries: int


def _regular_interval(
    time: FloatArray,
    surv: FloatArray,
    pts: slice,
    *,
    lo: float,
    hi: float,
    n_left: int,
    n_next: int,
    km_last: float,
) -> _Fit:
    """An interval with a published number at risk at its end: fit the censored to it."""
    s_lo = _curve_before(time, surv, lo)
    ratio = _curve_before(time, surv, hi) / s_lo if s_lo > 0 else 0.0
    p, tries = _fit_censored(
        time[pts],
        surv[pts],
        n_start=n_left,
        lo=lo,
        hi=hi,
        km_last=km_last,
        guess=_round_half_up(n_left * ratio - n_next),
        gap=partial(_excess_at_risk, published=n_next),
    )
    return _Fit(p, "n_risk", float(n_next), float(p.n_end), tries)


def _last_interval(
    time: FloatArray,
    surv: FloatArray,
    pts: slice,
    *,
    lo: float,
    hi: float,
    n_left: int,
    km_last: float,
    span: float,
    censored_before: int,
    events_before: int,
    total_events: int | None,
) -> _Fit:
    """The interval up to the curve's end: average censoring rate, or fit the total events."""
    rate = _round_half_up(censored_before * (hi - lo) / span) if span > 0 else 0
    rate = min(rate, n_left)
    if total_events is None:
        p = _walk(time[pts], surv[pts], n_left, even_times(lo, hi, rate, to_end=True), km_last)
        if span > 0:
            return _Fit(p, "censoring_rate", float(rate), float(p.censored), 1)
        return _Fit(p, "none", None, None, 1)
    p, tries = _fit_censored(
        time[pts],
        surv[pts],
        n_start=n_left,
        lo=lo,
        hi=hi,
        km_last=km_last,
        guess=rate,
        gap=partial(_excess_events, before=events_before, published=total_events),
        to_end=True,
    )
    achieved = float(events_before + int(p.events.sum()))
    return _Fit(p, "total_events", float(total_events), achieved, tries)


def guyot(
    time: FloatArray,
    surv: FloatArray,
    risk_time: FloatArray,
    n_risk: IntArray,
    *,
    total_events: int | None,
) -> Reconstruction:
    """Reconstruct event and censoring times (see the module docstring).

    ``time``/``surv``: the cleaned curve (distinct times from 0, survival non-increasing);
    ``risk_time``/``n_risk``: the published at-risk table restricted to times up to the
    curve's last time, starting at 0; ``total_events``: the published total or ``None``.
    """
    t_end = float(time[-1])
    events_out: list[FloatArray] = []
    censor_out: list[FloatArray] = []
    fits: list[IntervalFit] = []
    n_left = int(n_risk[0])
    km_last = 1.0
    events_so_far = censored_so_far = 0
    for i in range(risk_time.size):
        lo = float(risk_time[i])
        last = i == risk_time.size - 1
        hi = t_end if last else float(risk_time[i + 1])
        j0 = int(np.searchsorted(time, lo, side="left"))
        j1 = time.size if last else int(np.searchsorted(time, hi, side="left"))
        pts = slice(j0, j1)
        if last:
            fit = _last_interval(
                time,
                surv,
                pts,
                lo=lo,
                hi=hi,
                n_left=n_left,
                km_last=km_last,
                span=lo - float(risk_time[0]),
                censored_before=censored_so_far,
                events_before=events_so_far,
                total_events=total_events,
            )
        else:
            fit = _regular_interval(
                time,
                surv,
                pts,
                lo=lo,
                hi=hi,
                n_left=n_left,
                n_next=int(n_risk[i + 1]),
                km_last=km_last,
            )
        p = fit.walk
        n_events = int(p.events.sum())
        events_out.append(np.repeat(time[pts], p.events))
        censor_out.append(p.censor_times)
        if last and p.n_end > 0:
            censor_out.append(np.full(p.n_end, t_end))
        fits.append(
            IntervalFit(
                start=lo,
                end=hi,
                n_risk_published=int(n_risk[i]),
                n_risk_start=n_left,
                n_points=j1 - j0,
                events=n_events,
                censored=p.censored,
                target=fit.target,
                target_value=fit.target_value,
                achieved=fit.achieved,
                iterations=fit.tries,
                matched=fit.target_value is None or fit.achieved == fit.target_value,
            )
        )
        events_so_far += n_events
        censored_so_far += p.censored
        km_last = p.km_last
        n_left = p.n_end
    return Reconstruction(
        event_times=np.concatenate(events_out) if events_out else np.zeros(0),
        censor_times=np.concatenate(censor_out) if censor_out else np.zeros(0),
        intervals=tuple(fits),
    )
