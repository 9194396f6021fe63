"""The dated treatment plan of a regimen: drug starts, TACE, holds and resumptions, infusions,
imaging — each event with the rule's source (``schedules.yaml``).

Given the start date (what it means is regimen-specific and stated) and, optionally, the TACE
dates, :func:`schedule` lays out every event up to a horizon. Without TACE dates the first
TACE is a window, as the trial protocol states it. A TACE date that breaks the protocol (a
first TACE too early after the run-in, more TACE than the trial allowed) is kept and flagged,
never moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.evidence.registry import Registry, registry
from tacepath.jsonsafe import JsonFields
from tacepath.pathway.model import Catalogue, ConflictRef, SourceRef, catalogue
from tacepath.pathway.monitoring import Monitoring, monitoring_of

__all__ = ["Event", "IcsEntry", "Schedule", "ics_calendar", "load_schedules", "schedule"]

SCHEDULES_FILE = Path(__file__).resolve().parent / "schedules.yaml"
EventKind = Literal["drug", "tace", "hold", "resume", "infusion", "imaging", "note", "warning"]


class _FirstTace(_Frozen):
    after_start_days: tuple[int, int]
    text: str
    source: SourceRef
    conflict: ConflictRef | None = None


class _Continuous(_Frozen):
    drug: str
    dose: str
    source: SourceRef
    weight_based: bool = False
    from_: Literal["start", "first_tace"] = Field(default="start", alias="from")


class _AroundTace(_Frozen):
    drug: str
    hold_days_before: int
    resume_days_after: int
    resume_dose: str
    source: SourceRef


class _Anchor(_Frozen):
    anchor: Literal["start", "first_tace", "last_tace", "horizon"]
    offset_days: int = 0


class _Cycle(_Frozen):
    drug: str
    dose: str
    every_days: int = Field(gt=0)
    from_: _Anchor = Field(alias="from")
    until: _Anchor
    source: SourceRef
    conflict: ConflictRef | None = None


class ImagingRule(_Frozen):
    """Imaging ``first_after_days`` after each TACE (``each_tace``: restarted by every TACE)
    or after the start date (``start``: one series whatever the TACE dates), then every
    ``then_every_days``."""

    from_: Literal["each_tace", "start"] = Field(alias="from")
    first_after_days: int = Field(gt=0)
    then_every_days: int = Field(gt=0)
    text: str
    source: SourceRef


class _MaxTace(_Frozen):
    count: int
    text: str
    source: SourceRef


class _Note(_Frozen):
    text: str
    source: SourceRef
    conflict: ConflictRef | None = None


class RegimenSchedule(_Frozen):
    """The schedule rules of one regimen."""

    regimen: str
    aliases: tuple[str, ...] = ()
    start_means: str
    first_tace: _FirstTace
    continuous: tuple[_Continuous, ...] = ()
    around_tace: tuple[_AroundTace, ...] = ()
    cycles: tuple[_Cycle, ...] = ()
    imaging: ImagingRule | None = None
    max_tace: _MaxTace | None = None
    notes: tuple[_Note, ...] = ()
    #: The trial's own on-demand repeat-TACE trigger, when it is the one the response engine
    #: encodes (TACTICS'); without it a triggered repeat TACE is an MDT review.
    repeat_trigger: _Note | None = None
    #: What the trial did once TACE failed, where a source was read.
    after_failure: _Note | None = None


class _File(_Frozen):
    schedules: tuple[RegimenSchedule, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One dated event of the plan, with its source (and the conflict, if the seed differs)."""

    date: dt.date
    kind: EventKind
    text: str
    source: str
    window_end: dt.date | None = None
    conflict: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "kind": self.kind,
            "text": self.text,
            "source": self.source,
            "conflict": self.conflict,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule(JsonFields):
    """The dated plan of one regimen up to ``until``, and the monitoring of its drugs
    (``monitoring.yaml``; undated: no source read states an interval)."""

    regimen: str
    start: dt.date
    start_means: str
    until: dt.date
    events: tuple[Event, ...]
    stopped: str | None = None
    monitoring: tuple[Monitoring, ...] = ()

    def to_ics(self) -> bytes:
        """The plan as an iCalendar file (RFC 5545, via the ``icalendar`` library)."""
        entries = []
        for i, e in enumerate(self.events):
            desc = f"Source: {e.source}"
            if e.conflict:
                desc += f"\nConflict: {e.conflict}"
            entries.append(
                IcsEntry(
                    uid=f"{self.regimen}-{self.start.isoformat()}-{i}",
                    start=e.date,
                    end=e.window_end or e.date,
                    summary=f"[{e.kind}] {e.text}",
                    description=desc,
                )
            )
        return ics_calendar(entries, prodid="-//tacepath//treatment schedule//EN", stamp=self.start)


@dataclass(frozen=True, slots=True, kw_only=True)
class IcsEntry:
    """One all-day calendar event from ``start`` to ``end`` (inclusive)."""

    uid: str
    start: dt.date
    end: dt.date
    summary: str
    description: str


def ics_calendar(entries: Sequence[IcsEntry], *, prodid: str, stamp: dt.date) -> bytes:
    """An iCalendar file (RFC 5545, via the ``icalendar`` library) of all-day events;
    ``stamp`` is the DTSTAMP date (midnight UTC), so the file depends only on its input."""
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    for e in entries:
        ev = IcsEvent()
        ev.add("uid", f"{e.uid}@tacepath")
        ev.add("dtstamp", dt.datetime.combine(stamp, dt.time(0, 0), tzinfo=dt.UTC))
        ev.add("summary", e.summary)
        ev.add("dtstart", e.start)
        ev.add("dtend", e.end + dt.timedelta(days=1))
        ev.add("description", e.description)
        cal.add_component(ev)
    return bytes(cal.to_ical())


def load_schedules(
    path: Path | None = None, cat: Catalogue | None = None, reg: Registry | None = None
) -> tuple[RegimenSchedule, ...]:
    """Read and check the schedules (regimens and sources must resolve)."""
    file = path or SCHEDULES_FILE
    data = read_yaml_model(file, _File)
    cat = cat or catalogue()
    reg = reg or registry()
    problems: list[Problem] = []
    for s in data.schedules:
        try:
            cat.regimen(s.regimen)
        except InputError as exc:
            problems.extend(exc.problems)
        refs = [s.first_tace.source, *(c.source for c in s.continuous)]
        refs += [a.source for a in s.around_tace] + [c.source for c in s.cycles]
        refs += [n.source for n in s.notes]
        if s.imaging:
            refs.append(s.imaging.source)
        if s.max_tace:
            refs.append(s.max_tace.source)
        for ref in refs:
            try:
                cat.source(ref, reg)
            except (StopIteration, InputError):
                problems.append(Problem(f"{s.regimen}.source", ref.source, "a known source"))
    if problems:
        raise InputErrors(problems)
    return data.schedules


def imaging_dates(
    rule: ImagingRule, start: dt.date, sessions: tuple[dt.date, ...], until: dt.date
) -> tuple[dt.date, ...]:
    """The scan dates of ``rule`` up to ``until``: from the start date, or after each TACE
    session (+N days, then every M days until the next session)."""
    first, every = dt.timedelta(days=rule.first_after_days), dt.timedelta(days=rule.then_every_days)
    anchors = (start,) if rule.from_ == "start" else sessions
    out: list[dt.date] = []
    for i, t in enumerate(anchors):
        nxt = anchors[i + 1] if i + 1 < len(anchors) else until + dt.timedelta(days=1)
        d = t + first
        while d < nxt and d <= until:
            out.append(d)
            d += every
    return tuple(out)


@cache
def _schedules() -> tuple[RegimenSchedule, ...]:
    return load_schedules()


def find_schedule(name: str) -> RegimenSchedule | None:
    """The schedule of a regimen, by its id or an alias (``tactics``, ``emerald-1``...);
    ``None`` when the regimen has none."""
    key = name.strip().casefold()
    return next((s for s in _schedules() if key == s.regimen or key in s.aliases), None)


def _find(name: str) -> RegimenSchedule:
    found = find_schedule(name)
    if found is not None:
        return found
    names = ", ".join(f"{s.regimen} ({'/'.join(s.aliases)})" for s in _schedules())
    raise InputError("--regimen", name, names)


def schedule(
    regimen: str,
    start: dt.date,
    *,
    tace_dates: tuple[dt.date, ...] = (),
    months: int = 12,
    weight_kg: float | None = None,
    stop_at: tuple[dt.date, str] | None = None,
) -> Schedule:
    """Lay out the regimen's events from ``start`` for ``months`` months.

    ``regimen`` is a regimen id or alias (``tactics``, ``emerald-1``, ``leap-012``,
    ``launch``, ``tace``); ``tace_dates`` the planned or done TACE sessions (sorted here).
    ``stop_at`` (date, reason: death or TACE failure, :attr:`CourseState.stop`) ends the plan
    there: no event after it, one warning on that date naming the reason, and no monitoring.
    """
    rules = _find(regimen)
    if not 1 <= months <= 120:
        raise InputError("--months", months, "1 to 120")
    cat = catalogue()
    reg = registry()

    def cite(ref: SourceRef) -> str:
        src = cat.source(ref, reg)
        return f"{ref.trial}: {src.text()}" if ref.trial else src.text()

    def conflict(c: ConflictRef | None) -> str | None:
        if c is None:
            return None
        k = reg.get(c.trial).conflict(c.id)
        return f"{c.trial} {c.id}: the seed says {k.seed.text}"

    until = start + dt.timedelta(days=round(months * 30.4375))
    taces = tuple(sorted(tace_dates))
    for t in taces:
        if t < start:
            raise InputError("--tace-dates", t.isoformat(), f"dates on or after the start {start}")
    events: list[Event] = []
    ft = rules.first_tace
    lo, hi = ft.after_start_days
    if taces:
        for i, t in enumerate(taces, start=1):
            events.append(Event(date=t, kind="tace", text=f"TACE #{i}", source=cite(ft.source)))
        gap = (taces[0] - start).days
        if not lo <= gap <= hi:
            events.append(
                Event(
                    date=taces[0],
                    kind="warning",
                    text=f"first TACE {gap} days after the start; protocol: {ft.text}",
                    source=cite(ft.source),
                    conflict=conflict(ft.conflict),
                )
            )
    else:
        first = start + dt.timedelta(days=lo)
        events.append(
            Event(
                date=first,
                kind="tace",
                text=f"TACE #1 (planned window). {ft.text}",
                window_end=start + dt.timedelta(days=hi) if hi != lo else None,
                source=cite(ft.source),
                conflict=conflict(ft.conflict),
            )
        )
    first_tace = taces[0] if taces else start + dt.timedelta(days=lo)
    last_tace = taces[-1] if taces else None
    anchors: dict[str, dt.date | None] = {
        "start": start,
        "first_tace": first_tace,
        "last_tace": last_tace,
        "horizon": until,
    }
    for c in rules.continuous:
        dose = c.dose
        if c.weight_based:
            if weight_kg is None:
                dose += " — depends on body weight: record the weight to choose"
            else:
                mg = "12 mg" if weight_kg >= 60 else "8 mg"
                dose = f"{mg} once daily ({weight_kg:g} kg); rule: {c.dose}"
        when = start if c.from_ == "start" else first_tace
        events.append(
            Event(date=when, kind="drug", text=f"start {c.drug}: {dose}", source=cite(c.source))
        )
    for a in rules.around_tace:
        for i, t in enumerate(taces or (first_tace,), start=1):
            events.append(
                Event(
                    date=t - dt.timedelta(days=a.hold_days_before),
                    kind="hold",
                    text=f"stop {a.drug} {a.hold_days_before} days before TACE #{i}",
                    source=cite(a.source),
                )
            )
            events.append(
                Event(
                    date=t + dt.timedelta(days=a.resume_days_after),
                    kind="resume",
                    text=f"resume {a.drug} {a.resume_days_after} days after TACE #{i}: "
                    f"{a.resume_dose}",
                    source=cite(a.source),
                )
            )
    for cy in rules.cycles:
        begin = anchors[cy.from_.anchor]
        end = anchors[cy.until.anchor]
        if begin is None:
            events.append(
                Event(
                    date=start,
                    kind="note",
                    text=f"{cy.drug}: starts {cy.from_.offset_days} days after the last TACE "
                    "(give the TACE dates to schedule it)",
                    source=cite(cy.source),
                    conflict=conflict(cy.conflict),
                )
            )
            continue
        d = begin + dt.timedelta(days=cy.from_.offset_days)
        stop = until if end is None else min(until, end + dt.timedelta(days=cy.until.offset_days))
        n = 0
        while d < stop and d <= until:
            n += 1
            events.append(
                Event(
                    date=d,
                    kind="infusion",
                    text=f"{cy.drug} #{n}: {cy.dose}",
                    source=cite(cy.source),
                    conflict=conflict(cy.conflict) if n == 1 else None,
                )
            )
            d += dt.timedelta(days=cy.every_days)
    if rules.imaging is not None:
        im = rules.imaging
        src = cite(im.source)
        for d in imaging_dates(im, start, taces or (first_tace,), until):
            events.append(Event(date=d, kind="imaging", text=im.text, source=src))
    if rules.max_tace is not None and len(taces) > rules.max_tace.count:
        events.append(
            Event(
                date=taces[rules.max_tace.count],
                kind="warning",
                text=f"{len(taces)} TACE dates given; {rules.max_tace.text}",
                source=cite(rules.max_tace.source),
            )
        )
    for note in rules.notes:
        events.append(
            Event(
                date=start,
                kind="note",
                text=note.text,
                source=cite(note.source),
                conflict=conflict(note.conflict),
            )
        )
    stopped = None
    if stop_at is not None and stop_at[0] <= until:
        until, stopped = stop_at[0], f"plan stops on {stop_at[0].isoformat()}: {stop_at[1]}"
        events = [e for e in events if e.date < until]
        events.append(Event(date=until, kind="warning", text=stopped, source="patient timeline"))
    order = {"note": 0, "warning": 1, "drug": 2, "hold": 3, "tace": 4, "resume": 5}
    events.sort(key=lambda e: (e.date, order.get(e.kind, 6)))
    return Schedule(
        regimen=rules.regimen,
        start=start,
        start_means=rules.start_means,
        until=until,
        events=tuple(e for e in events if e.date <= until),
        stopped=stopped,
        # a plan stopped by death or TACE failure has nothing more to monitor
        monitoring=() if stopped else monitoring_of(rules.regimen),
    )
