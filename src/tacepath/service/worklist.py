"""The navigator's worklist: what is due or overdue across an organisation's patients.

One function, :func:`worklist`, makes it: every patient of the principal's organisation is
loaded in one read, decided by the one decision function (as the patient page is, through
:func:`tacepath.service.derived.decision_of`) and turned into items by
:func:`tacepath.pathway.worklist.work_items`. The items of a day are stored with the record's
results (:mod:`tacepath.service.derived`) and read back while the record, the engine and the
rules are unchanged. The CLI, the API and the page render its
result; CSV and iCalendar are renderings of the same items. The read is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import select

from tacepath.errors import InputError
from tacepath.pathway.worklist import (
    ITEM_TYPES,
    ROLES,
    WorkItem,
    filter_items,
    item_types,
    items_ics,
    unreadable_item,
    work_items,
)
from tacepath.service.audit import record_read
from tacepath.service.db import Database
from tacepath.service.derived import (
    Computed,
    decision_of,
    items_from,
    items_to,
    key_from,
    key_of,
    store_results,
    view_results,
)
from tacepath.service.patients import _load, engine_inputs
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import DerivedResult, Patient
from tacepath.store.records import DATE_RANGE

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_DAYS",
    "MAX_PATIENTS",
    "Worklist",
    "type_labels",
    "worklist",
    "worklist_csv",
    "worklist_file",
    "worklist_ics",
]

#: Most patients one worklist reads (the organisation's first, by identifier); the result
#: says when more were left out.
MAX_PATIENTS = 2000
#: The list's default span after ``as_of`` when no end is given (a working week; a view
#: setting, not a clinical interval).
DEFAULT_DAYS = 7
CSV_COLUMNS = ("due", "window_end", "status", "type", "role", "patient", "text", "source")


@dataclass(frozen=True, slots=True, kw_only=True)
class Worklist:
    """The items of an organisation's patients on ``as_of``, filtered as asked."""

    organisation: str
    as_of: dt.date
    start: dt.date | None
    end: dt.date
    types: tuple[str, ...]
    role: str | None
    patients: int
    truncated: bool
    items: tuple[WorkItem, ...]

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.status == "overdue")

    def to_dict(self) -> dict[str, Any]:
        """``{"organisation", "as_of", "from", "to", "types", "role", "patients",
        "truncated", "overdue", "items": [WorkItem.to_dict()]}``."""
        return {
            "organisation": self.organisation,
            "as_of": self.as_of.isoformat(),
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat(),
            "types": list(self.types),
            "role": self.role,
            "patients": self.patients,
            "truncated": self.truncated,
            "overdue": self.overdue,
            "items": [i.to_dict() for i in self.items],
        }


def type_labels() -> list[dict[str, str]]:
    """The item kinds (id, label, responsible role, what each is made from)."""
    return [
        {"id": t.id, "label": t.label, "role": t.role, "made_from": t.made_from}
        for t in item_types().values()
    ]


def _in_range(d: dt.date | None, name: str) -> dt.date | None:
    lo, hi = DATE_RANGE
    if d is not None and not lo <= d <= hi:
        raise InputError(name, d.isoformat(), f"a date from {lo} to {hi}")
    return d


def worklist(
    db: Database,
    who: Principal,
    *,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    types: Sequence[str] = (),
    role: str | None = None,
) -> Worklist:
    """The organisation's worklist on ``as_of`` (today by default): items due from ``start``
    (none: overdue items too) to ``end`` (``as_of`` + :data:`DEFAULT_DAYS` by default), of
    ``types`` (all when empty), for ``role`` (clinician or navigator; all when ``None``)."""
    check(who.role, "patient.read")
    today = _in_range(as_of, "as_of") or dt.datetime.now(dt.UTC).date()
    start = _in_range(start, "from")
    end = _in_range(end, "to") or today + dt.timedelta(days=DEFAULT_DAYS)
    types = tuple(dict.fromkeys(t.strip() for t in types if t.strip()))[: len(ITEM_TYPES)]
    if role is not None and role not in ROLES:
        raise InputError("role", role, ", ".join(ROLES))
    filter_items((), start=start, end=end, types=types, role=role)  # refuse bad filters first
    found: list[WorkItem] = []
    with db.read() as s:
        rows = s.scalars(
            select(Patient)
            .where(Patient.organisation_id == who.organisation_id)
            .order_by(Patient.mrn)
            .limit(MAX_PATIENTS + 1)
        ).all()
        truncated = len(rows) > MAX_PATIENTS
        rows = rows[:MAX_PATIENTS]
        stored = {
            r.patient_id: r
            for r in s.scalars(
                select(DerivedResult).where(DerivedResult.patient_id.in_([p.id for p in rows]))
            )
        }
        computed: list[Computed] = []
        for p in rows:
            items, new = _items_of(s, p, today, stored.get(p.id))
            found += [replace(i, record=p.id) for i in items]
            computed += new
    store_results(db, computed)
    record_read(db, who, "patient.read", "organisation", who.organisation_id, view="worklist")
    items = filter_items(found, start=start, end=end, types=types, role=role)
    return Worklist(
        organisation=who.organisation,
        as_of=today,
        start=start,
        end=end,
        types=types,
        role=role,
        patients=min(len(rows), MAX_PATIENTS),
        truncated=truncated,
        items=tuple(sorted(items, key=lambda i: (i.status != "overdue", i.due, i.patient))),
    )


def _items_of(
    s: Any, p: Patient, today: dt.date, row: DerivedResult | None
) -> tuple[tuple[WorkItem, ...], list[Computed]]:
    """One patient's items (stored ones when computed from this very record, engine, rules
    and day; else decided now, with what to store); a record the engines refuse gets one
    item saying so."""
    if row is not None and row.items_as_of == today and row.items is not None:
        snapshot_raw, timeline_raw = engine_inputs(s, p)
        now = key_from(
            p.version,
            snapshot_raw,
            timeline_raw,
            regimen=p.regimen,
            start=p.start_date,
            died=p.death_date,
        )
        if now.matches(row):
            return items_from(row.items), []
    record = _load(s, p)
    key = key_of(record)
    try:
        decision = decision_of(record)
    except InputError as exc:
        first = exc.problems[0]
        return (unreadable_item(p.mrn, f"{first.field}: {first.allowed}", today),), []
    if decision is None:
        return (unreadable_item(p.mrn, "no snapshot and no timeline recorded", today),), []
    items = work_items(decision, as_of=today)
    payload = view_results(record, decision)
    return items, [Computed(p.id, key, payload, today, items_to(items))]


def worklist_csv(wl: Worklist) -> str:
    """The worklist as CSV (:data:`CSV_COLUMNS`), every text cell formula-safe."""
    import csv
    import io

    from tacepath.interop.csv_out import safe_cell

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for i in wl.items:
        row = i.to_dict()
        w.writerow([safe_cell("" if row[c] is None else row[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def worklist_ics(wl: Worklist) -> bytes:
    """The worklist as an iCalendar file (one all-day event per item)."""
    return items_ics(wl.items, stamp=wl.as_of)


def worklist_file(wl: Worklist, fmt: Literal["csv", "ics"]) -> tuple[str | bytes, str, str]:
    """The worklist as a file to download: its content, media type and name (the API's
    ``format=csv|ics`` and the page's ``worklist.csv``/``worklist.ics`` send the same)."""
    if fmt == "csv":
        return worklist_csv(wl), "text/csv; charset=utf-8", "worklist.csv"
    return worklist_ics(wl), "text/calendar", "worklist.ics"
