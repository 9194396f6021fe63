"""Federated survival: sites share counts per time, never a patient's row.

A site summarises its data (:func:`site_summary`): for each group, stratum and distinct
(optionally coarsened) time, the number at risk, of events and of censorings. Kaplan–Meier
curves and (stratified, weighted) log-rank tests depend on the data only through these counts,
so the pooled analysis is computed from the sites' summaries: :func:`pooled_rows` rebuilds the
multiset of (time, event, group, stratum) that the sites' rows form — identical to the pooled
rows' multiset, so :func:`~tacepath.survival.kaplan_meier` and
:func:`~tacepath.survival.logrank_test` on it give the pooled single-process answer exactly
(not approximately), through the same code.

Disclosure control (:func:`site_summary`, ``min_count``): a summary is refused when any cell
it would contain — a (group, stratum, time) with events or censorings — describes fewer than
``min_count`` patients, or a group and stratum has fewer than ``min_count`` patients in all.
Coarsening the time (``time_unit``: days, weeks or months) merges nearby times into one cell;
the check runs after it, on the cells written. Hand-written because no survival library
offers it: lifelines and R ``survival`` need the rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from tacepath.errors import InputError
from tacepath.survival._data import plain_value
from tacepath.survival._input import SurvivalData

__all__ = [
    "FORMAT",
    "SITE_COLUMN",
    "TIME_UNITS",
    "Cell",
    "SiteSummary",
    "coarsen_times",
    "pooled_rows",
    "site_summary",
]

FORMAT = "tacepath-federated-survival"
_VERSION = 1
#: Days per unit of a coarsened time: a week is 7 days, a month 365.25 / 12 days (the
#: Julian year's twelfth, the usual convention for months from days).
TIME_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
TimeUnit = Literal["day", "week", "month"]
#: The most cells a summary may hold (and a pooled analysis read, per site).
MAX_CELLS = 1_000_000
#: The column of the pooled rows that names each row's site.
SITE_COLUMN = "federated_site"
#: The most patients a pooled analysis rebuilds (all sites together).
MAX_PATIENTS = 50_000_000


def coarsen_times(days: Any, unit: TimeUnit) -> Any:
    """Times in days as whole ``unit`` s, rounded up: day 0 stays 0, days 1-7 are week 1,
    days 8-14 week 2 (an event "within week k"). Arrays in, arrays out."""
    width = TIME_UNITS[unit]
    # the tolerance keeps float noise (7.000000000001 days) in its week; + 0.0 turns -0 to 0
    return np.ceil(np.asarray(days, dtype=float) / width - 1e-12) + 0.0


@dataclass(frozen=True, slots=True)
class Cell:
    """The counts of one group and stratum at one time."""

    group: Any
    stratum: tuple[Any, ...]
    time: float
    n_risk: int
    n_event: int
    n_censor: int


@dataclass(frozen=True, slots=True)
class SiteSummary:
    """A site's aggregates: what it may share (:data:`FORMAT`, version 1)."""

    site: str
    time: str
    event: str
    group: str | None
    strata: tuple[str, ...]
    time_unit: str | None
    min_count: int
    n: int
    n_dropped: int
    cells: tuple[Cell, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": _VERSION,
            "site": self.site,
            "time": self.time,
            "event": self.event,
            "group": self.group,
            "strata": list(self.strata),
            "time_unit": self.time_unit,
            "min_count": self.min_count,
            "n": self.n,
            "n_dropped": self.n_dropped,
            "columns": ["group", "stratum", "time", "n_risk", "n_event", "n_censor"],
            "cells": [
                [c.group, list(c.stratum), c.time, c.n_risk, c.n_event, c.n_censor]
                for c in self.cells
            ],
        }

    @classmethod
    def from_dict(cls, obj: Any, *, name: str = "summary") -> SiteSummary:
        """Read a summary written by :meth:`to_dict`, checking every field."""
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise InputError(name, "not a site summary", f"a JSON object with format {FORMAT}")
        if obj.get("version") != _VERSION:
            raise InputError(name, obj.get("version"), f"version {_VERSION}")
        unit = obj.get("time_unit")
        if unit is not None and unit not in TIME_UNITS:
            raise InputError(f"{name}: time_unit", unit, "day, week, month or null")
        strata = obj.get("strata")
        if not isinstance(strata, list) or not all(isinstance(s, str) for s in strata):
            raise InputError(f"{name}: strata", strata, "a list of column names")
        raw = obj.get("cells")
        if not isinstance(raw, list) or len(raw) > MAX_CELLS:
            raise InputError(f"{name}: cells", type(raw).__name__, f"a list of ≤ {MAX_CELLS}")
        cells = tuple(_cell(c, len(strata), f"{name}: cells[{i}]") for i, c in enumerate(raw))
        fields = {k: obj.get(k) for k in ("site", "time", "event")}
        for key, value in fields.items():
            if not isinstance(value, str) or not 1 <= len(value) <= 200:
                raise InputError(f"{name}: {key}", value, "a text of 1 to 200 characters")
        group = obj.get("group")
        if group is not None and not isinstance(group, str):
            raise InputError(f"{name}: group", group, "a column name or null")
        counts = {k: obj.get(k) for k in ("min_count", "n", "n_dropped")}
        for key, value in counts.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"{name}: {key}", value, "a whole number ≥ 0")
        if sum(c.n_event + c.n_censor for c in cells) != counts["n"]:
            raise InputError(f"{name}: n", counts["n"], "the number of patients in its cells")
        return cls(
            site=str(fields["site"]),
            time=str(fields["time"]),
            event=str(fields["event"]),
            group=group,
            strata=tuple(strata),
            time_unit=unit,
            min_count=int(counts["min_count"] or 0),
            n=int(counts["n"] or 0),
            n_dropped=int(counts["n_dropped"] or 0),
            cells=cells,
        )


def _count(value: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PATIENTS:
        raise InputError(label, value, f"a whole number from 0 to {MAX_PATIENTS}")
    return value


def _label_value(value: Any, label: str) -> Any:
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, str) and len(value) > 200:
            raise InputError(label, value[:50], "a label of at most 200 characters")
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise InputError(label, value, "a text, a number or null")


def _cell(raw: Any, n_strata: int, label: str) -> Cell:
    if not isinstance(raw, list) or len(raw) != 6:
        raise InputError(
            label, str(raw)[:80], "[group, [stratum...], time, n_risk, n_event, n_censor]"
        )
    group, stratum, time, n_risk, n_event, n_censor = raw
    if not isinstance(stratum, list) or len(stratum) != n_strata:
        raise InputError(f"{label}: stratum", stratum, f"a list of {n_strata} values")
    if isinstance(time, bool) or not isinstance(time, int | float) or not 0 <= time < 1e12:
        raise InputError(f"{label}: time", time, "a finite time ≥ 0")
    cell = Cell(
        _label_value(group, f"{label}: group"),
        tuple(_label_value(s, f"{label}: stratum") for s in stratum),
        float(time),
        _count(n_risk, f"{label}: n_risk"),
        _count(n_event, f"{label}: n_event"),
        _count(n_censor, f"{label}: n_censor"),
    )
    if cell.n_event + cell.n_censor == 0 or cell.n_event + cell.n_censor > cell.n_risk:
        raise InputError(label, raw, "0 < n_event + n_censor ≤ n_risk")
    return cell


def _key(value: Any) -> tuple[str, str]:
    """A sort key for labels of mixed types (numbers before texts)."""
    return (type(value).__name__ if not isinstance(value, int | float) else "", str(value))


def site_summary(
    data: Any,
    *,
    time: str,
    event: str,
    group: str | None = None,
    strata: Sequence[str] = (),
    time_unit: TimeUnit | None = None,
    min_count: int = 5,
    site: str = "site",
) -> SiteSummary:
    """A site's counts per group, stratum and time (``time`` in days when ``time_unit`` is
    given); refused (:class:`InputError`) when a cell or a group describes fewer than
    ``min_count`` patients. Rows with a missing value are left out and counted."""
    if time_unit is not None and time_unit not in TIME_UNITS:
        raise InputError("time_unit", time_unit, "day, week or month")
    if isinstance(min_count, bool) or not 1 <= min_count <= 1000:
        raise InputError("min_count", min_count, "a whole number from 1 to 1000")
    if not 1 <= len(site) <= 200:
        raise InputError("site", site[:50], "a name of 1 to 200 characters")
    other = [("group", group)] if group else []
    other += [("strata", s) for s in strata]
    sd = SurvivalData.from_frame(data, time=time, event=event, other=other)
    t = coarsen_times(sd.time, time_unit) if time_unit else np.asarray(sd.time, dtype=float)
    frame = pd.DataFrame({"time": t, "event": np.asarray(sd.event, dtype=int)})
    keys = ["group"] if group else []
    if group:
        frame["group"] = [plain_value(v) for v in sd.columns[group]]
    for i, s in enumerate(strata):
        frame[f"s{i}"] = [plain_value(v) for v in sd.columns[s]]
        keys.append(f"s{i}")
    cells: list[Cell] = []
    small_cells, small_groups = 0, []
    parts = frame.groupby(keys, sort=False, dropna=False) if keys else [((), frame)]
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        g = key[0] if group else None
        stratum = tuple(key[1:] if group else key)
        if len(part) < min_count:
            small_groups.append((g, stratum))
        times, inverse = np.unique(part["time"].to_numpy(dtype=float), return_inverse=True)
        total = np.bincount(inverse, minlength=times.size)
        events = np.bincount(inverse, weights=part["event"].to_numpy(), minlength=times.size)
        at_risk = np.cumsum(total[::-1])[::-1]
        small_cells += int((total < min_count).sum())
        cells += [
            Cell(
                g,
                stratum,
                float(times[i]),
                int(at_risk[i]),
                int(events[i]),
                int(total[i] - events[i]),
            )
            for i in range(times.size)
        ]
    if small_cells or small_groups:
        raise InputError(
            "min_count",
            f"{small_cells} of {len(cells)} cells and {len(small_groups)} groups with fewer "
            f"than {min_count} patients",
            "every cell and group with at least min_count patients: coarsen the time "
            "(--time-unit week or month) or leave out a sparse group or stratum",
        )
    cells.sort(key=lambda c: (_key(c.group), [_key(s) for s in c.stratum], c.time))
    return SiteSummary(
        site=site,
        time=time,
        event=event,
        group=group,
        strata=tuple(strata),
        time_unit=time_unit,
        min_count=min_count,
        n=len(frame),
        n_dropped=sd.n_dropped,
        cells=tuple(cells),
    )


def pooled_rows(summaries: Sequence[SiteSummary]) -> pd.DataFrame:
    """The pooled rows the summaries describe: one per patient, columns ``time``, ``event``,
    the group column, the strata columns and :data:`SITE_COLUMN` (each summary's site). The
    summaries must agree on the columns and the time unit."""
    if not summaries:
        raise InputError("summaries", 0, "at least one site summary")
    first = summaries[0]
    for s in summaries[1:]:
        for attr in ("time", "event", "group", "strata", "time_unit"):
            if getattr(s, attr) != getattr(first, attr):
                raise InputError(
                    f"{s.site}: {attr}",
                    getattr(s, attr),
                    f"{getattr(first, attr)!r} as in {first.site}",
                )
    if sum(s.n for s in summaries) > MAX_PATIENTS:
        raise InputError("summaries", sum(s.n for s in summaries), f"≤ {MAX_PATIENTS} patients")
    cols: dict[str, list[Any]] = {"time": [], "event": [], "group": [], "site": []}
    strata: list[list[Any]] = [[] for _ in first.strata]
    for s in summaries:
        for c in s.cells:
            for flag, count in ((1, c.n_event), (0, c.n_censor)):
                if count:
                    cols["time"].append(c.time)
                    cols["event"].append(flag)
                    cols["group"].append(c.group)
                    cols["site"].append(s.site)
                    for i, v in enumerate(c.stratum):
                        strata[i].append(v)
    counts = np.array(
        [n for s in summaries for c in s.cells for n in (c.n_event, c.n_censor) if n],
        dtype=np.int64,
    )
    out = pd.DataFrame(
        {
            first.time: np.repeat(np.asarray(cols["time"], dtype=float), counts),
            first.event: np.repeat(np.asarray(cols["event"], dtype=int), counts),
            SITE_COLUMN: np.repeat(np.asarray(cols["site"], dtype=object), counts),
        }
    )
    if first.group:
        out[first.group] = np.repeat(np.asarray(cols["group"], dtype=object), counts)
    for name, values in zip(first.strata, strata, strict=True):
        out[name] = np.repeat(np.asarray(values, dtype=object), counts)
    return out
