"""What is due or overdue for one patient, read from the patient's decision (``worklist.yaml``).

The navigator's worklist is the union of these items over an organisation's patients (the
service gathers them). Every item comes from :class:`~tacepath.pathway.decision.
PatientDecision`: the dated plan (imaging, first-TACE window, drug starts, holds and
infusions, each citing its protocol), the follow-up decision (repeat TACE, MDT review,
TACE failure, a decision waiting for data), the monitoring of the plan's drugs, and the
current regimen's missing inputs. Nothing is dated here that the plan does not date.

A deceased patient, or one who left follow-up (a ``lost_to_follow_up`` or ``withdrawal``
event in the timeline), has no item. After TACE failure the plan stops at the failure and
the follow-up decision says so, so no TACE item is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.errors import InputError
from tacepath.pathway.decision import PatientDecision
from tacepath.pathway.model import catalogue
from tacepath.pathway.monitoring import items_of
from tacepath.pathway.schedule import Event, IcsEntry, find_schedule, ics_calendar

__all__ = [
    "ITEM_TYPES",
    "LEFT_FOLLOW_UP",
    "ROLES",
    "WORKLIST_FILE",
    "ItemType",
    "WorkItem",
    "filter_items",
    "item_types",
    "items_ics",
    "unreadable_item",
    "work_items",
]

WORKLIST_FILE = Path(__file__).resolve().parent / "worklist.yaml"
ItemType = Literal["imaging", "labs", "tace", "drug", "mdt", "decision", "missing-input"]
ITEM_TYPES: tuple[str, ...] = ItemType.__args__  # type: ignore[attr-defined]
Role = Literal["clinician", "navigator"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
#: The timeline events after which a patient is no longer followed (timeline contract).
LEFT_FOLLOW_UP = ("lost_to_follow_up", "withdrawal")
#: Most items one patient may contribute (a 12-month plan has far fewer).
MAX_ITEMS_PER_PATIENT = 500


class ItemTypeRule(_Frozen):
    """One kind of worklist item: who acts on it and what it is made from."""

    id: ItemType
    label: str
    role: Role
    made_from: str


class _File(_Frozen):
    types: tuple[ItemTypeRule, ...] = Field(min_length=1)


@cache
def item_types() -> dict[str, ItemTypeRule]:
    """The item kinds of ``worklist.yaml`` by id (every kind exactly once)."""
    rules = read_yaml_model(WORKLIST_FILE, _File).types
    ids = [r.id for r in rules]
    if sorted(ids) != sorted(ITEM_TYPES):
        raise InputError("worklist.types", ids, f"each of {list(ITEM_TYPES)} once")
    return {r.id: r for r in rules}


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItem:
    """One thing to do for one patient by ``due`` (``window_end``: the last day of a window).

    ``status`` is ``overdue`` when ``due`` (or the window's end) is before the day the list
    was made and the record does not show it done, else ``due``. ``record`` is the stored
    record's number (set by the service; ``None`` outside the platform)."""

    patient: str
    type: ItemType
    due: dt.date
    status: Literal["due", "overdue"]
    text: str
    role: Role
    source: str
    window_end: dt.date | None = None
    record: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "record": self.record,
            "type": self.type,
            "due": self.due.isoformat(),
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "status": self.status,
            "text": self.text,
            "role": self.role,
            "source": self.source,
        }


def _left(decision: PatientDecision) -> bool:
    tl = decision.timeline
    return tl is not None and any(e.type in LEFT_FOLLOW_UP for e in tl.events)


def _item(
    d: PatientDecision,
    kind: ItemType,
    due: dt.date,
    text: str,
    source: str,
    as_of: dt.date,
    *,
    window_end: dt.date | None = None,
    done: bool = False,
) -> WorkItem:
    last = window_end or due
    return WorkItem(
        patient=d.id,
        type=kind,
        due=due,
        window_end=window_end,
        status="overdue" if last < as_of and not done else "due",
        text=text,
        role=item_types()[kind].role,
        source=source,
    )


def _plan_items(d: PatientDecision, as_of: dt.date) -> list[WorkItem]:
    """Imaging, the first-TACE window and the drug events of the plan."""
    plan, tl = d.plan, d.timeline
    if plan is None:
        return []
    last_scan = tl.assessments[-1].date if tl is not None else None
    taces = tl.tace_sessions if tl is not None else ()
    periods = [p.drug.casefold() for p in tl.drug_periods] if tl is not None else []
    out: list[WorkItem] = []
    for e in plan.events:
        if e.kind == "imaging" and (last_scan is None or e.date > last_scan):
            out.append(_item(d, "imaging", e.date, e.text, e.source, as_of))
        elif e.kind == "tace" and not taces:  # the planned first-TACE window
            out.append(_item(d, "tace", e.date, e.text, e.source, as_of, window_end=e.window_end))
        elif e.kind == "drug":
            started = any(_drug_of(e) in p for p in periods)
            if e.date >= as_of:
                out.append(_item(d, "drug", e.date, e.text, e.source, as_of))
            elif not started:  # past, and the record shows no period of this drug
                text = f"{e.text} (no {_drug_of(e)} period recorded)"
                out.append(_item(d, "drug", e.date, text, e.source, as_of))
        elif e.kind in ("hold", "resume", "infusion") and e.date >= as_of:
            out.append(_item(d, "drug", e.date, e.text, e.source, as_of))
    return out


def _drug_of(e: Event) -> str:
    """The drug named by a plan's ``start <drug>: <dose>`` event."""
    return e.text.removeprefix("start ").split(":", 1)[0].strip().casefold()


def _lab_items(d: PatientDecision, as_of: dt.date) -> list[WorkItem]:
    """A monitoring item whose source states timing before therapy, due at the plan's
    first start (drug start or infusion) of that drug while that start is ahead; items
    whose source states no timing are not dated, so not listed."""
    if d.plan is None or d.regimen is None:
        return []
    out: list[WorkItem] = []
    for drug in catalogue().regimen(d.regimen).drugs:
        first = next(
            (
                e
                for e in d.plan.events
                if e.kind in ("drug", "infusion") and drug in e.text.casefold()
            ),
            None,
        )
        if first is None:
            continue
        for it in items_of((drug,)):
            if it.when is None or "before" not in it.when:
                continue
            if first.date < as_of:  # the record cannot say whether it was done
                continue
            text = f"{it.what}: {it.when} ({it.cited_as}), before {first.text}"
            out.append(_item(d, "labs", first.date, text, it.cited_as, as_of))
    return out


def _decision_items(d: PatientDecision, as_of: dt.date) -> list[WorkItem]:
    """What the follow-up decision leaves to do: a repeat TACE, an MDT discussion, a
    decision waiting for the next scan or for the dose given."""
    f = d.followup
    if f is None:
        return []
    src = "; ".join(f.sources)
    reason = f.reasons[0] if f.reasons else f.decision
    out: list[WorkItem] = []
    if f.decision == "repeat-tace":
        tl = d.timeline
        done = tl is not None and any(t.date > f.date for t in tl.tace_sessions)
        if not done:
            out.append(_item(d, "tace", f.date, f"repeat TACE: {reason}", src, as_of))
    elif f.decision == "tace-failure":
        text = f"MDT discussion: {reason}; TACE stops, the systemic options are reviewed"
        out.append(_item(d, "mdt", f.date, text, src, as_of))
    elif f.decision == "mdt-review":
        step = f.next_steps[0] if f.next_steps else reason
        out.append(_item(d, "mdt", f.date, f"MDT discussion: {step}", src, as_of))
    elif f.decision in ("wait", "no-follow-up"):
        nxt = _next_imaging(d, f.date)
        steps = "; ".join(f.next_steps) or reason
        out.append(_item(d, "decision", nxt or f.date, f"{f.decision}: {steps}", src, as_of))
    for a in f.drug_actions:
        if a.get("action") == "needs-information":
            needs = ", ".join(a.get("needs", ()))
            text = f"dose action for {a['event']} ({a['drug']}) waits for: {needs}"
            out.append(_item(d, "decision", f.date, text, src, as_of))
    return out


def _next_imaging(d: PatientDecision, after: dt.date) -> dt.date | None:
    if d.plan is None:
        return None
    return next((e.date for e in d.plan.events if e.kind == "imaging" and e.date > after), None)


def _missing_items(d: PatientDecision, as_of: dt.date) -> list[WorkItem]:
    """Inputs the current regimen needs that the record lacks (due now)."""
    out: list[WorkItem] = []
    rules = find_schedule(d.regimen) if d.regimen is not None else None
    if d.regimen is None:
        out.append(_item(d, "missing-input", as_of, "no regimen chosen in the course", "", as_of))
        return out
    if d.plan is None and rules is not None and d.plan_note == "":
        out.append(
            _item(d, "missing-input", as_of, "course start date not recorded: no plan", "", as_of)
        )
    weight = d.patient.weight_kg if d.patient is not None else None
    if rules is not None and weight is None and any(c.weight_based for c in rules.continuous):
        drugs = ", ".join(c.drug for c in rules.continuous if c.weight_based)
        text = f"body weight not recorded: the {drugs} dose depends on it"
        out.append(_item(d, "missing-input", as_of, text, "", as_of))
    if d.pathway is not None:
        current = next((r for r in d.pathway.regimens if r.id == d.regimen), None)
        if current is not None:
            for m in current.missing:
                text = f"{current.label} needs: {m}"
                out.append(_item(d, "missing-input", as_of, text, "", as_of))
    return out


def work_items(decision: PatientDecision, *, as_of: dt.date) -> tuple[WorkItem, ...]:
    """Every open item of one patient on ``as_of``, by due date (none after death or once
    the patient left follow-up)."""
    if decision.state.deceased is not None or _left(decision):
        return ()
    items = [
        *_plan_items(decision, as_of),
        *_lab_items(decision, as_of),
        *_decision_items(decision, as_of),
        *_missing_items(decision, as_of),
    ]
    order = {t: i for i, t in enumerate(ITEM_TYPES)}
    items.sort(key=lambda i: (i.due, order[i.type], i.text))
    return tuple(items[:MAX_ITEMS_PER_PATIENT])


def unreadable_item(patient: str, problem: str, as_of: dt.date) -> WorkItem:
    """The item of a record whose decision cannot be computed (refused by the engines):
    the record is to be corrected; nothing else is proposed for it."""
    return WorkItem(
        patient=patient,
        type="missing-input",
        due=as_of,
        status="due",
        text=f"the record cannot be decided until corrected: {problem}"[:500],
        role=item_types()["missing-input"].role,
        source="",
    )


def filter_items(
    items: Iterable[WorkItem],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    types: Sequence[str] = (),
    role: str | None = None,
) -> tuple[WorkItem, ...]:
    """The items due from ``start`` to ``end`` (inclusive; an overdue item is kept unless
    ``start`` is given and it is due before it), of the ``types`` asked (all when empty),
    for the ``role`` (all when ``None``)."""
    unknown = [t for t in types if t not in ITEM_TYPES]
    if unknown:
        raise InputError("type", unknown[0], ", ".join(ITEM_TYPES))
    if role is not None and role not in ROLES:
        raise InputError("role", role, ", ".join(ROLES))
    if start is not None and end is not None and end < start:
        raise InputError("to", end.isoformat(), f"a date on or after from ({start})")
    return tuple(
        i
        for i in items
        if (start is None or i.due >= start)
        and (end is None or i.due <= end)
        and (not types or i.type in types)
        and (role is None or i.role == role)
    )


def items_ics(items: Sequence[WorkItem], *, stamp: dt.date) -> bytes:
    """The items as an iCalendar file (the schedule's writer; one all-day event each)."""
    entries = [
        IcsEntry(
            uid=f"{i.patient}-{i.type}-{i.due.isoformat()}-{n}",
            start=i.due,
            end=i.window_end or i.due,
            summary=f"[{i.type}] {i.patient}: {i.text}",
            description=f"Responsible: {i.role}. Status: {i.status}."
            + (f"\nSource: {i.source}" if i.source else ""),
        )
        for n, i in enumerate(items)
    ]
    return ics_calendar(entries, prodid="-//tacepath//worklist//EN", stamp=stamp)
