"""Interval between TACE sessions, per patient and summarised by group (TACTICS).

The TACTICS final paper reports "the median interval between TACE sessions was 23.2 weeks
(range, 15.8–43.1 weeks) in the TACE plus sorafenib group and was 16.1 weeks (range,
10.1–32.1 weeks) in the TACE alone group (p = 0.011)" [1]_ (Results, "Doses of Study Drugs").
It does not say whether the median is taken over each patient's interval or over all intervals
pooled, nor which test gives the p-value. Both summaries are therefore computed and labelled;
no p-value is given.

* Per patient: the intervals, in days, between consecutive TACE sessions of the timeline
  (sorted by date) and their mean, ``(last − first) / (sessions − 1)``; a patient with fewer
  than two sessions has no interval and is counted apart.
* Summary per group: median, minimum and maximum of the per-patient means
  (``per_patient``), and of all intervals pooled (``pooled``), in weeks (7 days).

References
----------
.. [1] Kudo M, Ueshima K, Ikeda M, et al. Final results of TACTICS: a randomized, prospective
   trial comparing transarterial chemoembolization plus sorafenib to transarterial
   chemoembolization alone in patients with unresectable hepatocellular carcinoma. Liver
   Cancer 2022;11(4):354-367. doi:10.1159/000522547
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields

__all__ = [
    "DAYS_PER_WEEK",
    "INTERVAL_COLUMNS",
    "IntervalSummary",
    "TaceIntervals",
    "interval_summary",
    "tace_intervals",
]

DAYS_PER_WEEK = 7
#: Columns of the per-patient table (``tacepath endpoints --tace-intervals FILE``).
INTERVAL_COLUMNS = ("USUBJID", "SESSIONS", "INTERVALS_DAYS", "MEAN_INTERVAL_WEEKS")

Basis = Literal["per_patient", "pooled"]
_BASES: tuple[Basis, ...] = ("per_patient", "pooled")


@dataclass(frozen=True, slots=True, kw_only=True)
class TaceIntervals:
    """One patient's TACE sessions: how many, the gaps between them (days) and their mean."""

    usubjid: str
    sessions: int
    intervals_days: tuple[int, ...]

    @property
    def mean_interval_weeks(self) -> float | None:
        """Mean interval in weeks; None with fewer than two sessions."""
        if not self.intervals_days:
            return None
        return sum(self.intervals_days) / len(self.intervals_days) / DAYS_PER_WEEK

    def to_dict(self) -> dict[str, object]:
        """One row of :data:`INTERVAL_COLUMNS` (intervals joined by ``;``)."""
        return {
            "USUBJID": self.usubjid,
            "SESSIONS": self.sessions,
            "INTERVALS_DAYS": ";".join(str(d) for d in self.intervals_days),
            "MEAN_INTERVAL_WEEKS": self.mean_interval_weeks,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class IntervalSummary(JsonFields):
    """Median (range) interval in weeks of one group, on one basis (see the module docstring)."""

    group: str
    basis: Basis
    patients: int
    without_interval: int
    intervals: int
    median_weeks: float | None
    min_weeks: float | None
    max_weeks: float | None


def tace_intervals(timeline: Timeline) -> TaceIntervals:
    """The intervals between consecutive TACE sessions of one checked timeline."""
    dates = sorted(s.date for s in timeline.tace_sessions)
    gaps = tuple((b - a).days for a, b in itertools.pairwise(dates))
    return TaceIntervals(usubjid=timeline.id, sessions=len(dates), intervals_days=gaps)


def _summary(group: str, basis: Basis, rows: Sequence[TaceIntervals]) -> IntervalSummary:
    with_gap = [r for r in rows if r.intervals_days]
    if basis == "per_patient":
        weeks = [r.mean_interval_weeks for r in with_gap if r.mean_interval_weeks is not None]
    else:
        weeks = [d / DAYS_PER_WEEK for r in with_gap for d in r.intervals_days]
    return IntervalSummary(
        group=group,
        basis=basis,
        patients=len(with_gap),
        without_interval=len(rows) - len(with_gap),
        intervals=sum(len(r.intervals_days) for r in with_gap),
        median_weeks=statistics.median(weeks) if weeks else None,
        min_weeks=min(weeks) if weeks else None,
        max_weeks=max(weeks) if weeks else None,
    )


def interval_summary(
    rows: Iterable[TaceIntervals], groups: Mapping[str, str] | None = None
) -> tuple[IntervalSummary, ...]:
    """Per-patient and pooled summaries for every group (all patients when ``groups`` is None).

    ``groups`` maps ``USUBJID`` to a group (the arm); a patient missing from it is an error,
    named, since silently dropping a patient would bias the summary.
    """
    by_group: dict[str, list[TaceIntervals]] = {}
    for r in rows:
        if groups is None:
            key = "all"
        elif r.usubjid in groups:
            key = groups[r.usubjid]
        else:
            raise InputError("USUBJID", r.usubjid[:64], "a patient listed in the group mapping")
        by_group.setdefault(key, []).append(r)
    return tuple(
        _summary(g, basis, members) for g, members in sorted(by_group.items()) for basis in _BASES
    )
