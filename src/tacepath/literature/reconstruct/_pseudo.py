"""Pseudo-IPD from the numbers a paper prints, when there is no curve to digitise.

What a paper prints — the number of patients, the number at risk at a few times, the number
of events, the median — does not determine individual data: many data sets share those
numbers. :func:`pseudo_ipd_from_summary` builds one of them, by stated assumptions, and checks
every printed number against the data it built. The result is **pseudo-data**: the label is
in the result, in a column of every row and in every file written from it.

Construction:

1. The at-risk table cuts time into intervals [a_i, a_{i+1}); n_i − n_{i+1} patients leave
   the risk set in each (all n_K remaining ones leave in a last interval up to the end of
   follow-up). Each leaver has an event or is censored.
2. Events are spread over the intervals in proportion to the person-time the table implies
   (the number at risk declining linearly within an interval) under a hazard that is
   constant before the printed median and constant after it (piecewise exponential: log 2
   divided by the median before it, and the rate that uses up the remaining events after
   it); without a median, one constant hazard. No interval gets more events than leavers.
   Integer counts by largest remainders.
3. Within an interval events and censorings are spaced evenly (events first at a tie).
4. If the Kaplan–Meier curve of that allocation does not cross ½ inside the median's
   interval, events are moved one at a time between the nearest intervals until it does.
   If moving events cannot do it, the order within intervals is the second lever: events
   before censorings (each event then moves the curve less) in the intervals before the
   median's when the curve crosses too early, censorings before events up to the median's
   interval when it crosses too late, and the moves are tried again; the reordering is
   reported among the assumptions. The event at which the curve crosses is then placed
   exactly at the median, the interval's other patients keeping their order before and
   after it. For a median "not reached", events are moved earlier (where more patients are
   at risk, so each moves the curve less), then placed before censorings, until the curve
   stays above ½.
5. Every printed number is then recomputed from the pseudo-data (the Kaplan–Meier median
   by R's rule) and reported as met or not met.

Deterministic: no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError
from tacepath.literature.reconstruct._clean import AtRiskTable, at_risk_or_n, check_total_events
from tacepath.survival import SurvivalCurve, kaplan_meier_arrays

__all__ = ["PSEUDO_LABEL", "Constraint", "PseudoIpdResult", "pseudo_ipd_from_summary"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The label every pseudo-data result, row and file carries.
PSEUDO_LABEL = "pseudo-data"

_TOL = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True, slots=True, kw_only=True)
class Constraint:
    """One printed number and what the pseudo-data give.

    ``name``: ``n``, ``n_risk`` (at ``time``), ``events`` or ``median``; ``printed``: the
    number given (``inf`` for a median not reached); ``achieved``: the same quantity
    recomputed from the pseudo-data (``inf``: median not reached); ``met``: equal (the
    median within 1e-9 relative).
    """

    name: str
    printed: float
    achieved: float
    met: bool
    time: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "time": self.time,
            "printed": _json_value(self.printed),
            "achieved": _json_value(self.achieved),
            "met": self.met,
        }

    def __str__(self) -> str:
        where = f" at t = {self.time:g}" if self.time is not None else ""
        status = "met" if self.met else "NOT MET"
        return (
            f"{self.name}{where}: printed {_text(self.printed)}, pseudo-data "
            f"{_text(self.achieved)} — {status}"
        )


def _json_value(v: float) -> float | str:
    return "not reached" if math.isinf(v) else float(v)


def _text(v: float) -> str:
    return "not reached" if math.isinf(v) else f"{v:g}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PseudoIpdResult:
    """Pseudo individual patient data consistent with printed summary numbers.

    ``ipd``: one row per patient, columns ``time``, ``event`` (1 event, 0 censored),
    ``arm`` (when named) and ``label`` (always ``"pseudo-data"``); ``constraints``: every
    printed number with what the pseudo-data give and whether it is met; ``assumptions``:
    what was assumed where the printed numbers say nothing; ``follow_up_end``: the end of
    follow-up used; ``km``: the Kaplan–Meier curve of the pseudo-data; ``label``:
    ``"pseudo-data"``.
    """

    ipd: pd.DataFrame
    constraints: tuple[Constraint, ...]
    assumptions: tuple[str, ...]
    follow_up_end: float
    km: SurvivalCurve = field(repr=False)
    arm: str | None
    label: str = PSEUDO_LABEL

    @property
    def all_met(self) -> bool:
        return all(c.met for c in self.constraints)

    @property
    def unmet(self) -> tuple[Constraint, ...]:
        return tuple(c for c in self.constraints if not c.met)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "arm": self.arm,
            "n": len(self.ipd),
            "n_events": int(self.ipd["event"].sum()),
            "all_constraints_met": self.all_met,
            "constraints": [c.to_dict() for c in self.constraints],
            "assumptions": list(self.assumptions),
            "follow_up_end": self.follow_up_end,
        }

    def summary(self) -> str:
        name = f" (arm {self.arm})" if self.arm else ""
        lines = [
            f"PSEUDO-DATA{name}: {len(self.ipd)} patients generated from printed summary "
            "numbers, not reconstructed from a curve. Not real patient data.",
            f"Constraints: {sum(c.met for c in self.constraints)} of {len(self.constraints)} met.",
        ]
        lines.extend(f"  - {c}" for c in self.constraints)
        lines.append("Assumptions:")
        lines.extend(f"  - {a}" for a in self.assumptions)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Intervals:
    lo: FloatArray
    hi: FloatArray
    start: IntArray  # number at risk at lo
    exits: IntArray  # patients leaving in [lo, hi)


def _intervals(table: AtRiskTable, t_end: float) -> _Intervals:
    lo = list(table.time[:-1])
    hi = list(table.time[1:])
    start = list(table.n_risk[:-1])
    exits = list(table.n_risk[:-1] - table.n_risk[1:])
    if table.n_risk[-1] > 0:
        lo.append(float(table.time[-1]))
        hi.append(t_end)
        start.append(int(table.n_risk[-1]))
        exits.append(int(table.n_risk[-1]))
    return _Intervals(
        lo=np.asarray(lo, dtype=float),
        hi=np.asarray(hi, dtype=float),
        start=np.asarray(start, dtype=np.int64),
        exits=np.asarray(exits, dtype=np.int64),
    )


def _person_time(iv: _Intervals, x0: float, x1: float) -> FloatArray:
    """Person-time of each interval inside [x0, x1], at risk declining linearly."""
    a = np.clip(x0, iv.lo, iv.hi) - iv.lo
    b = np.clip(x1, iv.lo, iv.hi) - iv.lo
    w = iv.hi - iv.lo
    slope = np.divide(iv.exits, w, out=np.zeros(w.size), where=w > 0)
    return np.asarray(iv.start * (b - a) - slope * (b**2 - a**2) / 2, dtype=float)


def _expected_events(iv: _Intervals, events: int, median: float | None) -> FloatArray:
    """Step 2: expected events per interval under a piecewise-constant hazard."""
    t_end = float(iv.hi[-1]) if iv.hi.size else 0.0
    total = _person_time(iv, 0.0, t_end)
    if median is None or not math.isfinite(median) or median >= t_end:
        pt = float(total.sum())
        return total * (events / pt) if pt > 0 else np.zeros(total.size)
    before = _person_time(iv, 0.0, median)
    after = total - before
    d1 = min(float(events), math.log(2) / median * float(before.sum()))
    lam1 = d1 / float(before.sum()) if before.sum() > 0 else 0.0
    lam2 = (events - d1) / float(after.sum()) if after.sum() > 0 else 0.0
    return np.asarray(lam1 * before + lam2 * after, dtype=float)


def _allocate(expected: FloatArray, caps: IntArray, events: int) -> IntArray:
    """Whole numbers of events per interval, summing to ``events``, each within its cap."""
    d = np.zeros(caps.size)
    free = caps > 0
    left = float(events)
    weights = np.where(expected > 0, expected, 0.0)
    while left > 1e-9 and free.any():
        w = np.where(free, weights, 0.0)
        if w.sum() <= 0:  # no expected events where room is left: use the room
            w = np.where(free, caps - d, 0.0).astype(float)
        share = left * w / w.sum()
        over = free & (d + share > caps)
        if not over.any():
            d = d + share
            break
        left -= float((caps[over] - d[over]).sum())
        d[over] = caps[over]
        free &= ~over
    whole = np.floor(d + 1e-9).astype(np.int64)
    short = events - int(whole.sum())
    order = np.argsort(-(d - whole), kind="stable")
    for i in order:
        if short <= 0:
            break
        if whole[i] < caps[i]:
            whole[i] += 1
            short -= 1
    return whole


Order = Literal["even", "events_first", "censor_first"]


def _sequence(d: int, c: int, order: Order = "even") -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Step 3: positions in (0, 1) and event flags of one interval's patients.

    ``even``: events and censorings each evenly spaced, events first at a tie;
    ``events_first``/``censor_first``: all events before (after) all censorings, evenly
    spaced together (the levers of step 4).
    """
    k = d + c
    if order != "even":
        frac = (np.arange(k) + 0.5) / max(k, 1)
        first = np.arange(k) < d if order == "events_first" else np.arange(k) >= c
        return frac, first
    frac = np.concatenate([(np.arange(d) + 0.5) / max(d, 1), (np.arange(c) + 0.5) / max(c, 1)])
    is_event = np.concatenate([np.ones(d, dtype=bool), np.zeros(c, dtype=bool)])
    idx = np.lexsort((~is_event, frac))
    return frac[idx], is_event[idx]


def _km_along(
    iv: _Intervals, d: IntArray, orders: Sequence[Order]
) -> tuple[FloatArray, npt.NDArray[np.bool_], IntArray]:
    """Survival after each patient in sequence order, event flags and interval of each."""
    flags = []
    where = []
    for i in range(iv.lo.size):
        _, ev = _sequence(int(d[i]), int(iv.exits[i] - d[i]), orders[i])
        flags.append(ev)
        where.append(np.full(ev.size, i, dtype=np.int64))
    is_event: npt.NDArray[np.bool_] = (
        np.concatenate(flags) if flags else np.zeros(0, dtype=bool)
    ).astype(bool)
    interval = np.concatenate(where) if where else np.zeros(0, dtype=np.int64)
    n = is_event.size
    at_risk = n - np.arange(n, dtype=float)
    surv = np.cumprod(np.where(is_event, 1.0 - 1.0 / at_risk, 1.0)).astype(np.float64)
    return surv, is_event, interval


def _crossing(
    iv: _Intervals, d: IntArray, orders: Sequence[Order]
) -> tuple[int | None, int | None]:
    """Interval and sequence position of the first event with S ≤ ½ (None: never)."""
    surv, is_event, interval = _km_along(iv, d, orders)
    hit = np.flatnonzero(is_event & (surv < 0.5 + _TOL))
    if not hit.size:
        return None, None
    return int(interval[hit[0]]), int(hit[0])


def _move(d: IntArray, caps: IntArray, donors: range, recipients: range) -> bool:
    donor = next((i for i in donors if d[i] > 0), None)
    recipient = next((i for i in recipients if d[i] < caps[i]), None)
    if donor is None or recipient is None or donor == recipient:
        return False
    d[donor] -= 1
    d[recipient] += 1
    return True


def _median_interval(iv: _Intervals, median: float) -> int | None:
    """The interval holding a finite median (None: after the last one)."""
    inside = np.flatnonzero((iv.lo <= median) & (median < iv.hi))
    if inside.size:
        return int(inside[0])
    if iv.hi.size and median == iv.hi[-1]:
        return iv.lo.size - 1
    return None


def _moves(
    iv: _Intervals, d: IntArray, orders: Sequence[Order], target: int | None
) -> tuple[IntArray, bool]:
    """Move events one at a time until the crossing is in ``target`` (None: no crossing)."""
    d = d.copy()
    caps, last = iv.exits, iv.lo.size - 1
    seen: set[tuple[int, ...]] = set()
    while tuple(d) not in seen:
        seen.add(tuple(d))
        at, _ = _crossing(iv, d, orders)
        if at == target:
            return d, True
        if target is None:  # not reached: events earlier, where each moves the curve less
            moved = _move(d, caps, range(last, -1, -1), range(last + 1))
        elif at is not None and at < target:  # too early: events later, or earlier still
            moved = _move(d, caps, range(at, -1, -1), range(target, last + 1)) or _move(
                d, caps, range(at, at + 1), range(at)
            )
        else:  # crosses too late: events from later intervals, or from the earliest ones
            moved = _move(d, caps, range(target + 1, last + 1), range(target, -1, -1)) or _move(
                d, caps, range(target), range(target, target + 1)
            )
        if not moved:
            break
    return d, False


def _levers(n_int: int, target: int | None) -> list[tuple[list[Order], str | None]]:
    """Within-interval orders to try, in turn, with how each is reported."""
    even: list[Order] = ["even"] * n_int
    if target is None:
        return [
            (even, None),
            (
                ["events_first"] * n_int,
                "events placed before censorings in every interval (curve kept above 1/2)",
            ),
        ]
    k = target
    early: list[Order] = ["events_first"] * k
    late: list[Order] = ["censor_first"]
    return [
        (even, None),
        (
            [*even[:k], *late, *even[k + 1 :]],
            "censorings placed before events in the median's interval",
        ),
        ([*early, *even[k:]], "events placed before censorings before the median's interval"),
        (
            [*early, *late, *even[k + 1 :]],
            "events placed before censorings before the median's interval and after them in it",
        ),
        (
            [*(late * (k + 1)), *even[k + 1 :]],
            "censorings placed before events up to the median's interval",
        ),
    ]


def _fit_median(
    iv: _Intervals, d: IntArray, median: float
) -> tuple[IntArray, list[Order], str | None]:
    """Step 4: move events, then reorder within intervals, until the median is met.

    Returns the events per interval, each interval's order, and a note on any reordering
    (the first lever that works; the unchanged allocation when none does).
    """
    n_int = iv.lo.size
    target = _median_interval(iv, median) if math.isfinite(median) else None
    default: list[Order] = ["even"] * n_int
    if math.isfinite(median) and target is None:
        return d, default, None
    at_start = target is not None and iv.lo[target] == median
    for orders, note in _levers(n_int, target):
        if at_start:
            assert target is not None
            orders = [*orders[:target], "events_first", *orders[target + 1 :]]
        fitted, ok = _moves(iv, d, orders, target)
        if ok:
            return fitted, orders, note
    return d, default, None


def _times(
    iv: _Intervals, d: IntArray, orders: Sequence[Order], median: float | None
) -> tuple[FloatArray, IntArray]:
    """Event and censoring times; the crossing event placed at the median.

    Each interval's patients keep their order, evenly spaced over the interval. In the
    median's interval the crossing event p goes to the median, the patients before it evenly
    over [start, median), those after it over (median, end). When S lands exactly on ½ at p
    (R's median is then the midpoint of p and the next drop q): q joins p at the median if
    it is in the same interval, otherwise p goes to 2 × median − t_q.
    """
    parts = []
    for i in range(iv.lo.size):
        frac, ev = _sequence(int(d[i]), int(iv.exits[i] - d[i]), orders[i])
        parts.append((float(iv.lo[i]) + frac * float(iv.hi[i] - iv.lo[i]), ev))
    if median is not None and math.isfinite(median):
        cross_at, cross_pos = _crossing(iv, d, orders)
        if cross_at is not None and cross_pos is not None:
            surv, is_event, _ = _km_along(iv, d, orders)
            offset = sum(parts[i][1].size for i in range(cross_at))
            lo, hi = float(iv.lo[cross_at]), float(iv.hi[cross_at])
            ev = parts[cross_at][1]
            p = cross_pos - offset
            q, t_p = p, median
            if abs(surv[cross_pos] - 0.5) < _TOL:
                later = np.flatnonzero(is_event[cross_pos + 1 :])
                if later.size and later[0] + 1 + p < ev.size:  # same interval: tie them
                    q = p + 1 + int(later[0])
                elif later.size:
                    g = cross_pos + 1 + int(later[0])
                    t_all = np.concatenate([t for t, _ in parts])
                    t_p = 2 * median - float(t_all[g])
            if lo <= t_p <= hi:
                before, after = p, ev.size - q - 1
                t = np.concatenate(
                    [
                        lo + np.arange(1, before + 1) * (t_p - lo) / (before + 1),
                        np.full(q - p + 1, t_p),
                        t_p + np.arange(1, after + 1) * (hi - t_p) / (after + 1),
                    ]
                )
                parts[cross_at] = (t, ev)
    if not parts:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    return (
        np.concatenate([t for t, _ in parts]),
        np.concatenate([ev.astype(np.int64) for _, ev in parts]),
    )


def _median_arg(median: Any) -> float | None:
    if median is None:
        return None
    if isinstance(median, str) and median.strip().upper() in ("NR", "NOT REACHED", "INF"):
        return math.inf
    try:
        value = float(median)
    except (TypeError, ValueError) as exc:
        raise InputError("median", median, "a time > 0, or 'NR' / inf for not reached") from exc
    if not (value > 0):
        raise InputError("median", median, "a time > 0, or 'NR' / inf for not reached")
    return value


def _follow_up_end(
    table: AtRiskTable, follow_up_end: float | None, median: float | None
) -> tuple[float, list[str]]:
    last = float(table.time[-1])
    if follow_up_end is not None:
        if not (math.isfinite(follow_up_end) and follow_up_end > last):
            raise InputError(
                "follow_up_end", follow_up_end, f"a time after the last at-risk time ({last:g})"
            )
        return float(follow_up_end), [f"Follow-up ends at t = {follow_up_end:g} (given)."]
    if table.time.size < 2:
        raise InputError(
            "follow_up_end",
            None,
            "the end of follow-up (a time > 0) when the at-risk table has only time 0",
        )
    width = last - float(table.time[-2])
    end = last + width
    if median is not None and math.isfinite(median) and median >= end:
        end = median + width
    return end, [
        f"Follow-up ends at t = {end:g} (assumed: the last at-risk time plus one interval"
        + (", past the median)." if end != last + width else ").")
    ]


def _check(
    ipd_time: FloatArray,
    ipd_event: IntArray,
    km: SurvivalCurve,
    table: AtRiskTable,
    events: int,
    median: float | None,
) -> tuple[Constraint, ...]:
    """Step 5: every printed number recomputed from the pseudo-data."""
    out = [
        Constraint(name="n", printed=table.n, achieved=ipd_time.size, met=ipd_time.size == table.n)
    ]
    ordered = np.sort(ipd_time)
    counts = ordered.size - np.searchsorted(ordered, table.time, side="left")
    for t, printed, got in zip(table.time, table.n_risk, counts, strict=True):
        out.append(
            Constraint(
                name="n_risk", time=float(t), printed=int(printed), achieved=int(got),
                met=int(got) == int(printed),
            )
        )  # fmt: skip
    got_events = int(ipd_event.sum())
    out.append(
        Constraint(name="events", printed=events, achieved=got_events, met=got_events == events)
    )
    if median is not None:
        got = km.median if math.isfinite(km.median) else math.inf
        if math.isinf(median) or math.isinf(got):
            met = math.isinf(median) and math.isinf(got)
        else:
            met = abs(got - median) <= 1e-9 * max(1.0, abs(median))
        out.append(Constraint(name="median", printed=median, achieved=got, met=met))
    return tuple(out)


def pseudo_ipd_from_summary(
    *,
    events: int,
    at_risk: Any | None = None,
    n: int | None = None,
    median: float | str | None = None,
    follow_up_end: float | None = None,
    arm: str | None = None,
    name: str = "at_risk",
) -> PseudoIpdResult:
    """Pseudo individual patient data consistent with a paper's printed numbers.

    For when a paper prints no Kaplan–Meier curve to digitise (or only some numbers of it).
    The result is **pseudo-data**, labelled so in the result, in a ``label`` column of every
    row and in every file written from it; it is one data set among many consistent with
    the printed numbers, built by the stated assumptions (see the module docstring).

    Parameters
    ----------
    events
        Number of events printed.
    at_risk
        DataFrame ``time``, ``n_risk``: the printed number-at-risk table, from time 0.
    n
        Number of patients; required without ``at_risk`` (then ``follow_up_end`` is too),
        must equal the table's first row with it.
    median
        Printed median (a time), ``math.inf`` or ``"NR"`` for "not reached", ``None`` when
        not printed.
    follow_up_end
        End of follow-up: patients still at risk at the last at-risk time leave (event or
        censoring) before it. Default: the last at-risk time plus the last interval's width
        (moved past the median when the median is later).
    arm
        Adds a column ``arm`` with this value.
    name
        How the at-risk table is named in error messages.

    Returns
    -------
    PseudoIpdResult
        ``ipd`` (``time``, ``event``[, ``arm``], ``label``), ``constraints`` (each printed
        number with the value the pseudo-data give and ``met``), ``assumptions``.

    Raises
    ------
    InputError
        A bad at-risk table, ``events`` not a whole number in [0, n], a median ≤ 0, ``n``
        missing or inconsistent, ``follow_up_end`` missing (table with one row) or not after
        the last at-risk time.
    """
    table = at_risk_or_n(at_risk, n, name=name)[0]
    if events is None:
        raise InputError("events", events, f"a whole number between 0 and {table.n}")
    n_events = check_total_events(events, table.n, name="events")
    assert n_events is not None
    m = _median_arg(median)
    t_end, assumptions = _follow_up_end(table, follow_up_end, m)
    iv = _intervals(table, t_end)
    expected = _expected_events(iv, n_events, m)
    d = _allocate(expected, iv.exits, n_events)
    orders: list[Order] = ["even"] * iv.lo.size
    reorder = None
    if m is not None:
        d, orders, reorder = _fit_median(iv, d, m)
    ipd_time, ipd_event = _times(iv, d, orders, m)
    order = np.lexsort((1 - ipd_event, ipd_time))
    ipd_time, ipd_event = ipd_time[order], ipd_event[order]
    km = kaplan_meier_arrays(ipd_time, ipd_event.astype(float))[0]
    constraints = _check(ipd_time, ipd_event, km, table, n_events, m)
    ipd = pd.DataFrame({"time": ipd_time, "event": ipd_event})
    if arm is not None:
        ipd["arm"] = arm
    ipd["label"] = PSEUDO_LABEL
    ipd.attrs["label"] = PSEUDO_LABEL
    hazard = (
        "a hazard constant before the printed median and constant after it (piecewise exponential)"
        if m is not None and math.isfinite(m)
        else "one constant hazard"
    )
    assumptions += [
        f"Events spread over the at-risk intervals in proportion to person-time under {hazard};"
        " the number at risk declines linearly within an interval.",
        "Events and censorings evenly spaced within each interval.",
    ]
    if m is not None:
        assumptions.append(
            "Events moved between neighbouring intervals until the curve crosses 1/2 where the "
            "median says"
            + ("; the crossing event placed at the median." if math.isfinite(m) else ".")
        )
    if reorder is not None:
        assumptions.append(f"To meet the median, {reorder}.")
    return PseudoIpdResult(
        ipd=ipd,
        constraints=constraints,
        assumptions=tuple(assumptions),
        follow_up_end=t_end,
        km=km,
        arm=arm,
    )
