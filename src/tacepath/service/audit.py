"""The audit trail: one append-only record per change (who, when, what, before, after).

Each record is chained to the one before it by its hash (``tacepath.store.audit_chain``);
:func:`verify_chain` walks the chain and names each edited, deleted or inserted row.
:func:`audit_page` shows the trail: to the admin without values, to clinical roles with the
values of their organisation's patients' records (:func:`audit_csv`: the same as CSV).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tacepath.domain.values import DATE_RANGE
from tacepath.errors import InputError
from tacepath.interop.csv_out import safe_cell
from tacepath.service.db import Database
from tacepath.service.errors import Busy
from tacepath.service.group_commit import GroupCommit
from tacepath.service.permissions import allowed, check
from tacepath.service.principal import Principal
from tacepath.store.audit_chain import ChainReport, verify
from tacepath.store.audit_listing import FIELD_SEPARATOR, changed_fields_column, view_column
from tacepath.store.models import AuditRecord, Patient

__all__ = [
    "CATEGORIES",
    "CSV_COLUMNS",
    "MAX_PAGE",
    "AuditFilter",
    "AuditPage",
    "ChainReport",
    "audit_csv",
    "audit_page",
    "audit_trail",
    "record",
    "record_read",
    "verify_chain",
]

#: What an audit record is about, from its action: sign-ins and accounts (``access``), reads
#: of patient data (``read``: ``patient.read``, ``patient.export``, ``summary.read``) and
#: every other change (``change``).
CATEGORIES = ("access", "read", "change")
_ACCESS_PREFIXES = ("auth.", "token.", "user.", "organisation.")
_READ_ACTIONS = frozenset({"patient.read", "patient.export", "summary.read"})


def _category(action: str) -> str:
    """The category of an audit action (:data:`CATEGORIES`)."""
    if action.startswith(_ACCESS_PREFIXES):
        return "access"
    if action in _READ_ACTIONS:
        return "read"
    return "change"


def verify_chain(db: Database) -> ChainReport:
    """Walk the whole audit chain (the command line's ``tacepath audit verify``)."""
    with db.engine.connect() as conn:
        return verify(conn)


def record(
    session: Session,
    who: Principal | None,
    action: str,
    entity: str,
    entity_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    username: str | None = None,
) -> None:
    """Add the audit record of a change to the transaction that makes the change."""
    session.add(
        AuditRecord(
            organisation_id=who.organisation_id if who else organisation_id,
            user_id=who.user_id if who and who.user_id > 0 else None,
            username=who.username if who else (username or "system"),
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
        )
    )


@dataclass(frozen=True, slots=True)
class _Read:
    who: Principal
    action: str
    entity: str
    entity_id: object
    view: str


_read_logs: weakref.WeakKeyDictionary[Database, GroupCommit[_Read]] = weakref.WeakKeyDictionary()
_read_logs_lock = threading.Lock()


def _read_log(db: Database) -> GroupCommit[_Read]:
    """The group commit of ``db``'s read records (:mod:`tacepath.service.group_commit`);
    it refers to ``db`` weakly, so that a disposed database is not kept."""
    ref = weakref.ref(db)

    def write(reads: Sequence[_Read]) -> None:
        live = ref()
        if live is None:
            raise RuntimeError("the database is gone")
        with live.write() as s:
            for r in reads:
                record(s, r.who, r.action, r.entity, r.entity_id, after={"view": r.view})

    with _read_logs_lock:
        log = _read_logs.get(db)
        if log is None:
            log = _read_logs[db] = GroupCommit(write)
        return log


def record_read(
    db: Database, who: Principal, action: str, entity: str, entity_id: object, *, view: str
) -> None:
    """Record that ``who`` read ``entity`` ``entity_id`` (``view``: which page, document or
    export), never the values read, and return once the record is committed: reads recorded
    at the same moment share one transaction (group commit). A read that cannot be recorded
    fails (a busy database: 503)."""
    if action not in _READ_ACTIONS:
        raise ValueError(f"not a read action: {action}")
    try:
        _read_log(db).submit(_Read(who, action, entity, entity_id, view))
    except Busy as exc:
        raise Busy(exc.retry_after) from exc


def _changed_fields(before: Any, after: Any) -> list[str]:
    """The top-level fields whose value differs between the two images (names only)."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    return sorted(k for k in set(b) | set(a) if b.get(k, None) != a.get(k, None) or k not in b)


#: A value of a change longer than this as JSON is given as the beginning of its JSON text.
MAX_VALUE_CHARS = 2000


def _bounded(value: Any) -> Any:
    """``value``, or the first :data:`MAX_VALUE_CHARS` characters of its JSON and "…"."""
    text = json.dumps(value, default=str, sort_keys=True)
    return value if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _changes(before: Any, after: Any) -> dict[str, dict[str, Any]]:
    """Each changed top-level field with its value before and after (clinical roles only),
    each bounded (:func:`_bounded`): a whole timeline is not repeated in every row."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    return {
        k: {"before": _bounded(b.get(k)), "after": _bounded(a.get(k))}
        for k in _changed_fields(b, a)
    }


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to show of the audit trail; every field optional (``None``: any).

    ``patient`` is a patient's identifier (``P003``) in the organisation; ``since`` and
    ``until`` are UTC days, both included."""

    user: str | None = None
    patient: str | None = None
    action: str | None = None
    category: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of the trail, newest first: ``total`` records match, these are the
    ``offset``-th onwards. ``values``: whether the rows carry ``changes`` (before/after)."""

    rows: tuple[dict[str, Any], ...]
    total: int
    offset: int
    limit: int
    values: bool


#: Largest page of the trail (API, page and CSV export).
MAX_PAGE = 1000


def _check_filter(f: AuditFilter) -> None:
    if f.category is not None and f.category not in CATEGORIES:
        raise InputError("category", f.category, "one of " + ", ".join(CATEGORIES))
    for name in ("user", "patient", "action", "entity", "entity_id"):
        value = getattr(f, name)
        if value is not None and (len(value) > 80 or "\x00" in value):
            raise InputError(name, value, "at most 80 characters")
    for name in ("since", "until"):
        day = getattr(f, name)
        if day is not None and not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            raise InputError(name, day.isoformat(), "a day from 1900-01-01 to 2200-12-31")
    if f.since and f.until and f.since > f.until:
        raise InputError("until", f.until.isoformat(), "a day on or after since")


def _conditions(s: Session, who: Principal, f: AuditFilter, values: bool) -> list[Any]:
    """The conditions of the records ``who`` may see that match ``f``."""
    q: list[Any] = [AuditRecord.organisation_id == who.organisation_id]
    if values:  # clinical roles: their organisation's patients' records only
        q.append(AuditRecord.entity == "patient")
    if f.entity:
        q.append(AuditRecord.entity == f.entity)
    if f.entity_id:
        q.append(AuditRecord.entity_id == f.entity_id)
    if f.patient:
        pid = s.scalar(
            select(Patient.id).where(
                Patient.organisation_id == who.organisation_id, Patient.mrn == f.patient
            )
        )
        q += [AuditRecord.entity == "patient", AuditRecord.entity_id == str(pid)]
    if f.user:
        q.append(AuditRecord.username == f.user)
    if f.action:
        q.append(AuditRecord.action == f.action)
    if f.since:
        q.append(AuditRecord.at >= dt.datetime.combine(f.since, dt.time(), dt.UTC))
    if f.until:
        end = dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        q.append(AuditRecord.at < end)
    if f.category == "access":
        q.append(or_(*(AuditRecord.action.startswith(p) for p in _ACCESS_PREFIXES)))
    elif f.category == "read":
        q.append(AuditRecord.action.in_(sorted(_READ_ACTIONS)))
    elif f.category == "change":
        q.append(AuditRecord.action.not_in(sorted(_READ_ACTIONS)))
        q.extend(~AuditRecord.action.startswith(p) for p in _ACCESS_PREFIXES)
    return q


#: The columns a listing reads of every record (never the before and after images).
_LISTED = (
    AuditRecord.id,
    AuditRecord.at,
    AuditRecord.username,
    AuditRecord.action,
    AuditRecord.entity,
    AuditRecord.entity_id,
)


def _row(r: Any, fields: list[str], view: Any) -> dict[str, Any]:
    read = _category(r.action) == "read"
    return {
        "id": r.id,
        "at": _aware(r.at).isoformat(),
        "user": r.username,
        "action": r.action,
        "category": _category(r.action),
        "entity": r.entity,
        "entity_id": r.entity_id,
        "fields": [] if read else fields,
        "view": view if read else None,
    }


def _with_values(s: Session, rows: list[Any], mrns: dict[str, str]) -> list[dict[str, Any]]:
    """The rows with their changes (clinical roles): the images are read a few records at a
    time, and only their bounded changes (:func:`_changes`) are kept."""
    actions = {r.id: r.action for r in rows}
    kept: dict[int, tuple[dict[str, Any], Any]] = {}
    images = (
        select(AuditRecord.id, AuditRecord.before, AuditRecord.after)
        .where(AuditRecord.id.in_(actions))
        .execution_options(yield_per=5)
    )
    for rid, before, after in s.execute(images):
        if _category(actions[rid]) == "read":
            kept[rid] = ({}, after.get("view") if isinstance(after, dict) else None)
        else:
            kept[rid] = (_changes(before, after), None)
    out = []
    for r in rows:
        changes, view = kept[r.id]
        row = _row(r, sorted(changes), view)
        out.append({**row, "patient": mrns.get(r.entity_id), "changes": changes})
    return out


def _split(fields: str | None) -> list[str]:
    return sorted(fields.split(FIELD_SEPARATOR)) if fields else []


def _aware(t: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back: they are UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def audit_page(
    db: Database, who: Principal, f: AuditFilter, *, offset: int = 0, limit: int = 50
) -> AuditPage:
    """A page of the organisation's audit trail, newest first, matching ``f``.

    The admin (``audit.read`` without ``patient.read``) gets every record: who, when, what,
    on which record, the names of the fields a change touched or the view a read used, never
    the values (ASVS 7.1.1, 8.3.x). A clinical role (``audit.read`` and ``patient.read``)
    gets the records of its organisation's patients only, with each changed field's value
    before and after and the patient's identifier. Another organisation's records: never."""
    check(who.role, "audit.read")
    _check_filter(f)
    values = allowed(who.role, "patient.read")
    offset = max(0, min(offset, 10_000_000))
    limit = max(1, min(limit, MAX_PAGE))
    with db.read() as s:
        where = _conditions(s, who, f, values)
        total = int(s.scalar(select(func.count(AuditRecord.id)).where(*where)) or 0)
        dialect = s.get_bind().dialect.name
        columns = (
            _LISTED if values else (*_LISTED, changed_fields_column(dialect), view_column(dialect))
        )
        page = select(*columns).where(*where).order_by(AuditRecord.id.desc())
        rows = list(s.execute(page.offset(offset).limit(limit)).all())
        if values:
            ids = {int(r.entity_id) for r in rows if r.entity_id.isdigit()}
            found = s.execute(
                select(Patient.id, Patient.mrn).where(
                    Patient.organisation_id == who.organisation_id, Patient.id.in_(ids)
                )
            ).all()
            out = tuple(_with_values(s, rows, {str(i): m for i, m in found}))
        else:
            out = tuple(_row(r, _split(r.fields), r.view) for r in rows)
    return AuditPage(out, total, offset, limit, values)


def audit_trail(
    db: Database,
    who: Principal,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    category: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The newest ``limit`` records of :func:`audit_page` (the admin page's summary)."""
    f = AuditFilter(entity=entity, entity_id=entity_id, category=category)
    return list(audit_page(db, who, f, limit=limit).rows)


#: The columns of the CSV export, in order (``changes``: clinical roles only, as JSON).
CSV_COLUMNS = ("id", "at", "user", "action", "category", "entity", "entity_id", "fields", "view")


def audit_csv(db: Database, who: Principal, f: AuditFilter) -> str:
    """The newest :data:`MAX_PAGE` records matching ``f`` as CSV, every text cell
    formula-safe (``tacepath.interop.csv_out``); the same rows as :func:`audit_page`."""
    page = audit_page(db, who, f, limit=MAX_PAGE)
    columns = [*CSV_COLUMNS, *(("patient", "changes") if page.values else ())]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in page.rows:
        cells = {
            **row,
            "fields": " ".join(row["fields"]),
            "view": row["view"] or "",
            "patient": row.get("patient") or "",
            "changes": json.dumps(row.get("changes") or {}, sort_keys=True, default=str),
        }
        writer.writerow([safe_cell(cells[c]) for c in columns])
    return buf.getvalue()
