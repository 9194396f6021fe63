"""``reconstruct_ipd``: checked input, cleaning, Guyot's algorithm and the accuracy report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.jsonsafe import finite_or_none
from tacepath.literature.reconstruct._clean import (
    AtRiskTable,
    CleanedCurve,
    CleaningStep,
    at_risk_or_n,
    check_total_events,
    clean_curve,
)
from tacepath.literature.reconstruct._guyot import IntervalFit, guyot
from tacepath.survival import SurvivalCurve, kaplan_meier_arrays
from tacepath.survival.steps import step_median

__all__ = [
    "GUYOT_2012",
    "ReconstructionAccuracy",
    "ReconstructionResult",
    "reconstruct_ipd",
    "step_median",
]

FloatArray = npt.NDArray[np.float64]

#: The method's source, cited in every result.
GUYOT_2012 = (
    "Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data: "
    "reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res "
    "Methodol. 2012;12:9. doi:10.1186/1471-2288-12-9"
)


def distance_to_step(
    t_pts: FloatArray, s_pts: FloatArray, km_time: FloatArray, km_surv: FloatArray
) -> FloatArray:
    """Vertical distance of each point to the graph of a right-continuous step curve.

    The graph includes the vertical segments: a point at time t between S(t) and S(t−) lies
    on the curve (distance 0), so the two digitised ends of a drop both count as on it.
    """
    surv0 = np.concatenate([[1.0], km_surv])
    at = surv0[np.searchsorted(km_time, t_pts, side="right")]
    before = surv0[np.searchsorted(km_time, t_pts, side="left")]
    return np.where(s_pts < at, at - s_pts, np.where(s_pts > before, s_pts - before, 0.0))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconstructionAccuracy:
    """How closely the reconstructed data reproduce what was published.

    ``n_points``: cleaned digitised points compared; ``max_abs_diff``/``mean_abs_diff``:
    vertical distance of those points to the reconstructed Kaplan–Meier curve (its graph,
    drops included; see :func:`distance_to_step`), ``worst_time`` where the largest is;
    ``at_risk``: per published at-risk time the ``published`` and ``reconstructed``
    numbers at risk (patients with time ≥ t) and their ``difference``; ``n``: patients
    reconstructed; ``events``: events reconstructed; ``total_events_published``: the
    given total (``None`` when unknown); ``median_reconstructed``: the median of the
    reconstructed curve, ``median_digitised``: the median read off the cleaned points (both
    by R's rule, NaN when not reached).
    """

    n_points: int
    max_abs_diff: float
    mean_abs_diff: float
    worst_time: float
    at_risk: pd.DataFrame
    n: int
    events: int
    total_events_published: int | None
    median_reconstructed: float
    median_digitised: float

    @property
    def at_risk_max_abs_diff(self) -> int:
        """Largest |published − reconstructed| number at risk (0 without a table)."""
        d = self.at_risk["difference"].abs()
        return int(d.max()) if len(d) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_points": self.n_points,
            "max_abs_diff": self.max_abs_diff,
            "mean_abs_diff": self.mean_abs_diff,
            "worst_time": self.worst_time,
            "at_risk": [
                {
                    "time": float(t),
                    "published": int(p),
                    "reconstructed": int(r),
                    "difference": int(d),
                }
                for t, p, r, d in self.at_risk[
                    ["time", "published", "reconstructed", "difference"]
                ].itertuples(index=False)
            ],
            "at_risk_max_abs_diff": self.at_risk_max_abs_diff,
            "n": self.n,
            "events": self.events,
            "total_events_published": self.total_events_published,
            "median_reconstructed": finite_or_none(self.median_reconstructed),
            "median_digitised": finite_or_none(self.median_digitised),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconstructionResult:
    """Reconstructed individual patient data and how well they match the published figure.

    ``ipd``: one row per patient, columns ``time``, ``event`` (1 event, 0 censored) and
    ``arm`` when an arm was named, sorted by time; ``cleaning``: every change made to the
    digitised points, with the rows it touched; ``accuracy``: the reconstructed curve
    against the points, at-risk numbers published against reconstructed, medians;
    ``intervals``: the per-interval account of Guyot's iteration; ``curve``: the cleaned
    points (``time``, ``surv`` as a proportion); ``at_risk``: the published table used
    (``time``, ``n_risk``); ``km``: the Kaplan–Meier curve of ``ipd``; ``arm``; ``notes``:
    what the reader should know (no at-risk table, a target not met); ``method``: the
    source of the algorithm.
    """

    ipd: pd.DataFrame
    cleaning: tuple[CleaningStep, ...]
    accuracy: ReconstructionAccuracy
    intervals: tuple[IntervalFit, ...]
    curve: pd.DataFrame
    at_risk: pd.DataFrame
    km: SurvivalCurve = field(repr=False)
    arm: str | None
    notes: tuple[str, ...]
    method: str = GUYOT_2012

    @property
    def n(self) -> int:
        return len(self.ipd)

    @property
    def n_events(self) -> int:
        return int(self.ipd["event"].sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the accuracy report, the cleaning log, the interval account."""
        return {
            "arm": self.arm,
            "n": self.n,
            "n_events": self.n_events,
            "accuracy": self.accuracy.to_dict(),
            "cleaning": [s.to_dict() for s in self.cleaning],
            "intervals": [i.to_dict() for i in self.intervals],
            "notes": list(self.notes),
            "method": self.method,
        }

    def summary(self) -> str:
        """A short text report (what ``tacepath reconstruct`` prints)."""
        a = self.accuracy
        name = f"arm {self.arm}: " if self.arm else ""
        lines = [
            f"Reconstructed IPD ({name}Guyot et al. 2012): {self.n} patients, "
            f"{self.n_events} events"
            + (
                f" (published {a.total_events_published})"
                if a.total_events_published is not None
                else ""
            ),
            f"Curve vs {a.n_points} digitised points: max |diff| {a.max_abs_diff:.4f} "
            f"(at t = {a.worst_time:g}), mean |diff| {a.mean_abs_diff:.4f}",
            f"Median: reconstructed {_fmt(a.median_reconstructed)}, "
            f"digitised {_fmt(a.median_digitised)}",
        ]
        if len(a.at_risk):
            lines.append("Number at risk (published / reconstructed):")
            lines.append(
                "  "
                + "  ".join(
                    f"t={t:g}: {p}/{r}"
                    for t, p, r in a.at_risk[["time", "published", "reconstructed"]].itertuples(
                        index=False
                    )
                )
            )
        if self.cleaning:
            lines.append("Cleaning of the digitised points:")
            lines.extend(f"  - {s}" for s in self.cleaning)
        else:
            lines.append("Cleaning: none needed.")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


def _fmt(v: float) -> str:
    return "not reached" if not math.isfinite(v) else f"{v:g}"


def _extend_tail(
    cleaned: CleanedCurve, table: AtRiskTable
) -> tuple[FloatArray, FloatArray, list[CleaningStep]]:
    """Rule ``tail``: carry the curve flat to the last published time with anyone at risk."""
    time, surv = cleaned.time, cleaned.surv
    beyond = (table.time > time[-1]) & (table.n_risk > 0)
    if not beyond.any():
        return time, surv, []
    t_new = float(table.time[beyond].max())
    step = CleaningStep(
        rule="tail",
        rows=(),
        detail=f"curve carried flat from its last point (t = {time[-1]:g}) to t = {t_new:g}, "
        f"where {int(table.n_risk[table.time == t_new][0])} patient(s) are published at risk",
    )
    return np.append(time, t_new), np.append(surv, surv[-1]), [step]


def _accuracy(
    curve_t: FloatArray,
    curve_s: FloatArray,
    km: SurvivalCurve,
    table: AtRiskTable,
    ipd_time: FloatArray,
    n_events: int,
    total_events: int | None,
    *,
    has_table: bool,
) -> ReconstructionAccuracy:
    dist = distance_to_step(curve_t, curve_s, km.time, km.surv)
    worst = int(np.argmax(dist)) if dist.size else 0
    sorted_times = np.sort(ipd_time)
    recon = sorted_times.size - np.searchsorted(sorted_times, table.time, side="left")
    frame = pd.DataFrame(
        {
            "time": table.time,
            "published": table.n_risk,
            "reconstructed": recon.astype(np.int64),
        }
    )
    frame["difference"] = frame["reconstructed"] - frame["published"]
    if not has_table:
        frame = frame.iloc[0:0]
    return ReconstructionAccuracy(
        n_points=int(curve_t.size),
        max_abs_diff=float(dist.max()) if dist.size else 0.0,
        mean_abs_diff=float(dist.mean()) if dist.size else 0.0,
        worst_time=float(curve_t[worst]) if dist.size else 0.0,
        at_risk=frame,
        n=int(ipd_time.size),
        events=n_events,
        total_events_published=total_events,
        median_reconstructed=float(km.median),
        median_digitised=step_median(curve_t, curve_s),
    )


def reconstruct_ipd(
    curve: Any,
    at_risk: Any | None,
    *,
    total_events: int | None = None,
    arm: str | None = None,
    percent: bool = False,
    n: int | None = None,
    names: tuple[str, str] = ("curve", "at_risk"),
) -> ReconstructionResult:
    """Individual patient data from a digitised Kaplan–Meier curve (Guyot et al. 2012) [1]_.

    Parameters
    ----------
    curve
        DataFrame with columns ``time`` and ``surv``: the digitised points, in any order
        (ideally both ends of every drop). Survival is a proportion, or a percentage with
        ``percent=True``. Digitiser noise is cleaned by documented rules and every change
        reported (:func:`clean_curve`).
    at_risk
        DataFrame with columns ``time`` and ``n_risk``: the published number-at-risk table,
        starting at time 0 with the number of patients. ``None`` when the paper prints no
        table: then ``n`` is required and the censoring pattern is unknown (the algorithm
        censors only at the curve's end, or as needed to meet ``total_events``).
    total_events
        The published total number of events, when known; fitted in the last interval.
    arm
        Adds a column ``arm`` with this value to the IPD.
    percent
        ``surv`` is in percent.
    n
        The number of patients; required without ``at_risk``, and must equal its first row
        with it.
    names
        How the two tables are named in error messages (the CLI passes the file names).

    Returns
    -------
    ReconstructionResult
        ``ipd`` (``time``, ``event``[, ``arm``]), the cleaning log, the accuracy report
        (reconstructed curve against the points, at-risk published against reconstructed,
        medians) and the per-interval account. Deterministic: no randomness.

    Raises
    ------
    InputError
        Bad tables (missing column, non-numeric value, survival or time beyond pixel noise,
        an at-risk table not starting at 0 or rising), ``total_events`` not a whole number
        in [0, n], ``n`` missing or inconsistent.

    Notes
    -----
    The algorithm is described in :mod:`tacepath.literature.reconstruct._guyot`: within each
    interval between published at-risk times the number censored is iterated until the
    reconstructed number at risk at the next published time equals the published one;
    censoring is spread evenly over the interval; events at each digitised point invert
    the Kaplan–Meier product. The accuracy compares the Kaplan–Meier curve of the
    reconstructed data with the cleaned points.

    References
    ----------
    .. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
       data: reconstructing the data from published Kaplan-Meier survival curves. BMC Med
       Res Methodol. 2012;12:9. doi:10.1186/1471-2288-12-9
    """
    cleaned = clean_curve(curve, percent=percent, name=names[0])
    table, has_table = at_risk_or_n(at_risk, n, name=names[1])
    events_given = check_total_events(total_events, table.n)
    time, surv, tail = _extend_tail(cleaned, table)
    inside = table.time <= time[-1]
    rec = guyot(time, surv, table.time[inside], table.n_risk[inside], total_events=events_given)
    ipd_time = np.concatenate([rec.event_times, rec.censor_times])
    ipd_event = np.concatenate(
        [np.ones(rec.event_times.size, dtype=np.int64), np.zeros(rec.censor_times.size, np.int64)]
    )
    order = np.lexsort((1 - ipd_event, ipd_time))
    ipd = pd.DataFrame({"time": ipd_time[order], "event": ipd_event[order]})
    if arm is not None:
        ipd["arm"] = arm
    km = kaplan_meier_arrays(ipd["time"].to_numpy(float), ipd["event"].to_numpy(float))[0]
    n_events = int(ipd_event.sum())
    accuracy = _accuracy(
        cleaned.time,
        cleaned.surv,
        km,
        table,
        ipd_time,
        n_events,
        events_given,
        has_table=has_table,
    )
    notes = _notes(rec.intervals, has_table=has_table, events_given=events_given)
    return ReconstructionResult(
        ipd=ipd,
        cleaning=cleaned.steps + tuple(tail),
        accuracy=accuracy,
        intervals=rec.intervals,
        curve=pd.DataFrame({"time": cleaned.time, "surv": cleaned.surv}),
        at_risk=table.to_frame() if has_table else pd.DataFrame({"time": [], "n_risk": []}),
        km=km,
        arm=arm,
        notes=notes,
    )


def _notes(
    intervals: tuple[IntervalFit, ...], *, has_table: bool, events_given: int | None
) -> tuple[str, ...]:
    notes: list[str] = []
    if not has_table:
        notes.append(
            "No at-risk table: censoring within the follow-up is unknown"
            + (
                "; the number censored was fitted to the total events."
                if events_given is not None
                else "; patients are censored only at the curve's end."
            )
        )
    for f in intervals:
        if f.matched:
            continue
        if f.target == "n_risk":
            notes.append(
                f"Published {f.target_value:g} at risk at t = {f.end:g} not met: "
                f"reconstructed {f.achieved:g} (the curve's drops over [{f.start:g}, "
                f"{f.end:g}) need more or fewer patients than the table leaves)."
            )
        elif f.target == "total_events":
            notes.append(
                f"Published total of {f.target_value:g} events not met: reconstructed "
                f"{f.achieved:g}."
            )
    return tuple(notes)
