"""Monte-Carlo trials in batches: arrays shaped (replicates × patients), no loop per trial.

:func:`simulate_chunk` draws a batch of trials (entry, arm, stratum, event and dropout
times), finds each trial's analysis time (the calendar time of the target event), censors
there and computes the (stratified) log-rank statistic of every trial: by the compiled
passes of :mod:`tacepath.design._simulation_kernels` (:func:`analyse_compiled`) for runs
large enough to repay loading them (:func:`compiled_pays`), else, and for batches with a
possible tie, by NumPy array passes (:func:`analyse_arrays`, :func:`batched_logrank`).
Both give the same numbers to the last bit.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from tacepath.design._simulation_models import Exponential
from tacepath.survival.arrays import FloatArray, IntArray

if TYPE_CHECKING:
    from tacepath.design.simulate import TrialScenario

__all__ = [
    "ChunkOutcome",
    "allocation_pattern",
    "batched_logrank",
    "compiled_pays",
    "critical_value",
    "rejects",
    "simulate_chunk",
]

BoolArray = npt.NDArray[np.bool_]
_S = TypeVar("_S", bound=np.generic)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChunkOutcome:
    """Per-trial results of one batch.

    ``z`` is the log-rank statistic oriented so that positive favours treatment
    ((E − O)/√V in the treatment arm); ``log_hr`` Peto's estimate (O − E)/V;
    ``analysis_month`` the calendar time of the analysis; ``enrolled`` the patients entered
    by then; ``reached`` whether the target number of events occurred at all.
    """

    z: FloatArray
    log_hr: FloatArray
    analysis_month: FloatArray
    enrolled: IntArray
    reached: BoolArray

    @staticmethod
    def concat(parts: list[ChunkOutcome]) -> ChunkOutcome:
        return ChunkOutcome(
            z=np.concatenate([p.z for p in parts]),
            log_hr=np.concatenate([p.log_hr for p in parts]),
            analysis_month=np.concatenate([p.analysis_month for p in parts]),
            enrolled=np.concatenate([p.enrolled for p in parts]),
            reached=np.concatenate([p.reached for p in parts]),
        )


def _take(a: npt.NDArray[_S], order: IntArray) -> npt.NDArray[_S]:
    """Row-wise gather: ``a[i, order[i, j]]``."""
    return np.take_along_axis(a, order, axis=1)


def _counts_before(a: npt.NDArray[np.generic]) -> IntArray:
    """Row-wise counts of true values before each position: (rows × (n + 1)), first 0."""
    out = np.zeros((a.shape[0], a.shape[1] + 1), dtype=np.int32)
    np.cumsum(a, axis=1, out=out[:, 1:])
    return out


def _segment_ends(labels: IntArray, n_labels: int) -> IntArray:
    """Per position, one past the last position of its label, in rows sorted by label.

    Counts each label per row (one ``bincount``) and looks up the cumulative count."""
    r = labels.shape[0]
    flat = (np.arange(r)[:, None] * n_labels + labels).ravel()
    counts = np.bincount(flat, minlength=r * n_labels).reshape(r, n_labels)
    return _take(np.cumsum(counts, axis=1), labels)


def batched_logrank(
    time: FloatArray,
    event: BoolArray,
    treated: BoolArray,
    stratum: IntArray | None = None,
    n_strata: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Log-rank O − E and variance of the treatment arm for every row (trial) at once.

    ``time`` is (trials × patients) with ``inf`` for patients not in the analysis;
    ``treated`` is (patients,) or (trials × patients); ``stratum`` optional integer codes
    0 … ``n_strata`` − 1 (trials × patients): the stratified test sums O − E and V over
    strata. Tied times are handled as R ``survdiff`` does (censored at t are at risk at t;
    hypergeometric variance d·p(1 − p)(n − d)/(n − 1)).

    Notes
    -----
    One sort per row: by time, or by stratum then time through the key
    time + stratum·(2·max time + 1). In sorted order the number at risk at position j is
    (end of j's stratum) − j and the treated at risk the treated count over the same span.
    """
    n = time.shape[1]
    idx = np.arange(n)
    inside = np.isfinite(time)
    labels: IntArray | None = None
    if stratum is None:
        order = np.argsort(time, axis=1)
    else:
        k = int(stratum.max()) + 1 if n_strata is None else n_strata
        offset = 2.0 * float(np.max(time, where=inside, initial=0.0)) + 1.0
        order = np.argsort(np.where(inside, time + stratum * offset, np.inf), axis=1)
        labels = np.where(_take(inside, order), _take(stratum, order), k)
    t = _take(time, order)
    inc = np.isfinite(t)
    e = _take(event, order) & inc
    a = (treated[order] if treated.ndim == 1 else _take(treated, order)) & inc
    c_1 = _counts_before(a)
    if labels is None:
        end = inside.sum(axis=1, keepdims=True)
        treated_to_end = c_1[:, n:]
    else:
        end = _segment_ends(labels, k + 1)
        treated_to_end = _take(c_1, end)
    tied = bool(np.any((t[:, 1:] == t[:, :-1]) & inc[:, 1:]))
    if tied:
        return _tied_sums(t, e, a, c_1, labels, end, treated_to_end)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(e, (treated_to_end - c_1[:, :n]) / (end - idx), 0.0)
    o_minus_e = (e & a).sum(axis=1) - p.sum(axis=1)
    variance = (p * (1.0 - p)).sum(axis=1)
    return o_minus_e, variance


def _tied_sums(
    t: FloatArray,
    e: BoolArray,
    a: BoolArray,
    c_1: IntArray,
    labels: IntArray | None,
    end: IntArray,
    treated_to_end: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """O − E and variance summing over groups of tied times (within strata)."""
    r, n = t.shape
    idx = np.arange(n)
    new = np.ones((r, n), dtype=bool)
    new[:, 1:] = t[:, 1:] != t[:, :-1]
    if labels is not None:
        new[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    first = np.maximum.accumulate(np.where(new, idx, 0), axis=1)
    last = np.ones((r, n), dtype=bool)
    last[:, :-1] = new[:, 1:]
    n_risk = end - first
    n1_risk = treated_to_end - _take(c_1, first)
    c_e = _counts_before(e)
    c_e1 = _counts_before(e & a)
    d = c_e[:, 1:] - _take(c_e, first)
    d1 = c_e1[:, 1:] - _take(c_e1, first)
    use = last & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(use, n1_risk / n_risk, 0.0)
        shrink = np.where(use & (n_risk > 1), (n_risk - d) / (n_risk - 1), 0.0)
    o_minus_e = np.where(use, d1 - d * p, 0.0).sum(axis=1)
    variance = (d * p * (1.0 - p) * shrink).sum(axis=1)
    return o_minus_e, variance


def allocation_pattern(patients: int, treated: int) -> BoolArray:
    """Arm of each patient in entry order: ``treated`` of ``patients`` spread evenly,
    treatment first (1:1 gives T, C, T, C, … as R ``rpact``'s simulation)."""
    i = np.arange(patients)
    share = treated / patients
    return np.asarray(np.ceil((i + 1) * share - 1e-9) > np.ceil(i * share - 1e-9))


def _event_times(
    scenario: TrialScenario,
    rng: np.random.Generator,
    shape: tuple[int, int],
    treated: BoolArray,
    multiplier: FloatArray | None,
) -> FloatArray:
    """Event times: H⁻¹(E / m) per arm, m the hazard ratio and stratum factor."""
    x = rng.standard_exponential(shape)
    if multiplier is not None:
        x /= multiplier
    control = scenario.control
    treatment = scenario.treatment
    hr = scenario.hazard_ratio
    if treatment is None and isinstance(control, Exponential):
        rate = np.where(treated, control.hazard * hr, control.hazard)
        return np.divide(x, rate, out=x)  # in place: the same numbers, no copy
    out = np.empty(shape)
    ctrl = ~treated
    out[:, ctrl] = control.inverse_cumulative_hazard(x[:, ctrl])
    if treatment is None:
        out[:, treated] = control.inverse_cumulative_hazard(x[:, treated] / hr)
    else:
        out[:, treated] = treatment.inverse_cumulative_hazard(x[:, treated])
    return out


def _draw_strata(
    rng: np.random.Generator, shape: tuple[int, int], prevalence: list[float]
) -> IntArray:
    """Stratum codes drawn by prevalence: count of cumulative thresholds below U(0, 1)."""
    cum = np.cumsum(prevalence)[:-1] / sum(prevalence)
    u = rng.random(shape)
    if cum.size > 8:
        return np.searchsorted(cum, u, side="right").astype(np.intp)
    out = np.zeros(shape, dtype=np.intp)
    for c in cum:
        out += u >= c
    return out


@dataclass(frozen=True, slots=True)
class _Draws:
    """A batch's random draws: entry (1 × n or trials × n), event and dropout times
    (trials × n; dropout ``None`` without dropout), strata codes and arms (n)."""

    entry: FloatArray
    t_event: FloatArray
    t_drop: FloatArray | None
    stratum: IntArray | None
    treated: BoolArray


def _draw(scenario: TrialScenario, replicates: int, seed: np.random.SeedSequence) -> _Draws:
    """The random draws of one batch, in the order of its random stream."""
    rng = np.random.default_rng(seed)
    n = scenario.patients
    shape = (replicates, n)
    treated = allocation_pattern(n, scenario.treated_patients)
    accrual = scenario.accrual
    if accrual.entry == "regular":
        entry: FloatArray = accrual.quantile(np.arange(1, n + 1) / n)[None, :]
    else:
        entry = accrual.quantile(rng.random(shape))
    stratum: IntArray | None = None
    multiplier: FloatArray | None = None
    if scenario.strata:
        stratum = _draw_strata(rng, shape, [s.prevalence for s in scenario.strata])
        factors = np.array([s.hazard_multiplier for s in scenario.strata])
        if np.any(factors != 1.0):
            multiplier = np.take(factors, stratum)
    t_event = _event_times(scenario, rng, shape, treated, multiplier)
    eta = scenario.dropout_hazards
    t_drop: FloatArray | None = None
    if eta[0] > 0 or eta[1] > 0:
        with np.errstate(divide="ignore"):
            t_drop = rng.standard_exponential(shape) / np.where(treated, eta[0], eta[1])
    return _Draws(entry, t_event, t_drop, stratum, treated)


def simulate_chunk(
    scenario: TrialScenario,
    replicates: int,
    seed: np.random.SeedSequence,
    *,
    compiled: bool = True,
) -> ChunkOutcome:
    """Simulate ``replicates`` trials of ``scenario`` with the random stream of ``seed``.

    With ``compiled``, batches run through the compiled passes (:func:`analyse_compiled`);
    batches with a possible tie, and every batch without ``compiled``, through the array
    code (:func:`analyse_arrays`). Both give
    the same numbers to the last bit; see :func:`compiled_pays` for which is faster."""
    draws = _draw(scenario, replicates, seed)
    if compiled:
        stratified = bool(scenario.strata) and scenario.stratified_test
        done = analyse_compiled(
            draws,
            scenario.events,
            draws.stratum if stratified else None,
            len(scenario.strata),
        )
        if done is not None:
            return done
    return analyse_arrays(draws, scenario)


COMPILED_FROM_ROWS = 8_000_000
"""Patient-rows of a run from which the compiled passes repay loading numba and their
cached machine code in a fresh process (about 0.3 s of CPU; break-even measured at
0.6–1·10⁷ rows of the TACTICS-like design)."""


def compiled_pays(rows: int) -> bool:
    """Whether a run of ``rows`` patient-rows (trials × patients, all scenarios) should use
    the compiled passes: from :data:`COMPILED_FROM_ROWS`, or at any size once this
    process has loaded them."""
    return rows >= COMPILED_FROM_ROWS or "tacepath.design._simulation_kernels" in sys.modules


def analyse_compiled(
    draws: _Draws, events: int, stratum: IntArray | None = None, n_strata: int = 0
) -> ChunkOutcome | None:
    """The analysis of a batch by the compiled passes (sort keys, NumPy's row sort, one
    sweep per trial), stratified by ``stratum`` (codes below ``n_strata``) if given;
    ``None`` when two follow-up times may tie (the array code then handles ties as R
    does)."""
    from tacepath.design import _simulation_kernels as kernels

    calendar, t_end = _calendar(draws)
    tau, reached = _analysis_month(draws.entry, calendar, t_end, events)
    r, n = calendar.shape
    keys = np.empty((r, n), dtype=np.int64)
    finite = np.empty(r, dtype=np.int64)
    enrolled = np.empty(r, dtype=np.int32)
    longest = np.empty(r)
    t_drop = np.empty((0, 0)) if draws.t_drop is None else draws.t_drop
    entry = np.ascontiguousarray(draws.entry, dtype=np.float64)
    no_strata = np.empty((0, 0), dtype=np.intp)

    def make_keys(codes: IntArray, offset: float) -> bool:
        return bool(
            kernels.follow_up_keys(
                entry, draws.t_event, t_drop, calendar, tau, draws.treated, codes, offset,
                n_strata, keys, finite, enrolled, longest,
            )
        )  # fmt: skip

    make_keys(no_strata, 0.0)
    offset = 0.0
    if stratum is not None:
        # the array code's sort key: time + stratum · (2 · longest time + 1)
        offset = 2.0 * float(longest.max(initial=0.0)) + 1.0
        if not np.isfinite(offset) or make_keys(stratum, offset):
            return None
    keys.sort(axis=1)
    p = calendar  # no longer needed: reused for the shares
    q = np.empty((r, n))
    observed = np.empty(r, dtype=np.int64)
    if kernels.logrank_shares(keys, finite, offset, p, q, observed):
        return None
    return _outcome(observed - p.sum(axis=1), q.sum(axis=1), tau, enrolled, reached)


def _calendar(draws: _Draws) -> tuple[FloatArray, FloatArray]:
    """Calendar month of each observable event (inf if dropout comes first), and the end
    of each patient's time (event or dropout)."""
    if draws.t_drop is None:
        return draws.entry + draws.t_event, draws.t_event
    observable = draws.t_event < draws.t_drop
    t_end = np.minimum(draws.t_event, draws.t_drop)
    return np.where(observable, draws.entry + draws.t_event, np.inf), t_end


def _analysis_month(
    entry: FloatArray, calendar: FloatArray, t_end: FloatArray, events: int
) -> tuple[FloatArray, BoolArray]:
    """Each trial's analysis month: its ``events``-th calendar event; a trial that never
    reaches it is analysed at its last event or, without any, at the last time seen."""
    k = events
    part = calendar.copy()
    part.partition(k - 1, axis=1)
    tau = part[:, k - 1].copy()
    reached = np.isfinite(tau)
    if not reached.all():
        late = np.where(np.isfinite(calendar), calendar, -np.inf).max(axis=1)
        last_seen = (entry + t_end).max(axis=1)
        tau = np.where(reached, tau, np.where(np.isfinite(late), late, last_seen))
    return tau, reached


def _outcome(
    o_minus_e: FloatArray,
    variance: FloatArray,
    tau: FloatArray,
    enrolled: npt.NDArray[np.signedinteger[Any]],
    reached: BoolArray,
) -> ChunkOutcome:
    """Per-trial z statistic and Peto's log hazard ratio from O − E and V."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, -o_minus_e / np.sqrt(variance), np.nan)
        log_hr = np.where(variance > 0, o_minus_e / variance, np.nan)
    return ChunkOutcome(z=z, log_hr=log_hr, analysis_month=tau, enrolled=enrolled, reached=reached)


def analyse_arrays(draws: _Draws, scenario: TrialScenario) -> ChunkOutcome:
    """The analysis of a batch by NumPy array passes (every design, ties, strata)."""
    entry, t_event, treated = draws.entry, draws.t_event, draws.treated
    calendar, t_end = _calendar(draws)
    tau, reached = _analysis_month(entry, calendar, t_end, scenario.events)
    follow = tau[:, None] - entry
    event = calendar <= tau[:, None]
    observed = np.where(event, t_event, np.minimum(t_end, follow))
    included = follow > 0
    time = np.where(included, observed, np.inf)
    strata_for_test = draws.stratum if scenario.stratified_test else None
    o_minus_e, variance = batched_logrank(
        time, event & included, treated, strata_for_test, len(scenario.strata)
    )
    return _outcome(o_minus_e, variance, tau, included.sum(axis=1).astype(np.int32), reached)


def critical_value(alpha: float, sides: int) -> float:
    """z_{1−α/sides}."""
    return float(ndtri(1.0 - alpha / sides))


def rejects(z: FloatArray, *, critical: float, sides: int, direction: str) -> BoolArray:
    """Which trials reject H0 (NaN statistics never do)."""
    with np.errstate(invalid="ignore"):
        if sides == 2:
            return np.asarray(np.abs(z) >= critical)
        if direction == "greater":
            return np.asarray(-z >= critical)
        return np.asarray(z >= critical)
