"""The audit trail: one append-only record per change (who, when, what, before, after).

Each record is chained to the one before it by its hash (``tacepath.store.audit_chain``);
:func:`verify_chain` walks the chain and names each edited, deleted or inserted row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tacepath.errors import InputError
from tacepath.service.db import Database
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.audit_chain import ChainReport, verify
from tacepath.store.models import AuditRecord

__all__ = [
    "CATEGORIES",
    "ChainReport",
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


def record_read(
    db: Database, who: Principal, action: str, entity: str, entity_id: object, *, view: str
) -> None:
    """Record that ``who`` read ``entity`` ``entity_id`` (``view``: which page, document or
    export), in a transaction of its own; never the values read. A read that cannot be
    recorded fails (a busy database: 503)."""
    if action not in _READ_ACTIONS:
        raise ValueError(f"not a read action: {action}")
    with db.write() as s:
        record(s, who, action, entity, entity_id, after={"view": view})


def _changed_fields(before: Any, after: Any) -> list[str]:
    """The top-level fields whose value differs between the two images (names only)."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    return sorted(k for k in set(b) | set(a) if b.get(k, None) != a.get(k, None) or k not in b)


def audit_trail(
    db: Database,
    who: Principal,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    category: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The organisation's audit records, newest first (admin): who, when, what, on which
    record, and the names of the fields a change touched or the view a read used; never
    the values (the before and after images stay in the database, for ``audit verify``)."""
    check(who.role, "audit.read")
    if category is not None and category not in CATEGORIES:
        raise InputError("category", category, "one of " + ", ".join(CATEGORIES))
    limit = max(1, min(limit, 1000))
    with db.read() as s:
        q = select(AuditRecord).where(AuditRecord.organisation_id == who.organisation_id)
        if entity:
            q = q.where(AuditRecord.entity == entity)
        if entity_id:
            q = q.where(AuditRecord.entity_id == entity_id)
        if category == "access":
            q = q.where(or_(*(AuditRecord.action.startswith(p) for p in _ACCESS_PREFIXES)))
        elif category == "read":
            q = q.where(AuditRecord.action.in_(sorted(_READ_ACTIONS)))
        elif category == "change":
            q = q.where(
                AuditRecord.action.not_in(sorted(_READ_ACTIONS)),
                *(~AuditRecord.action.startswith(p) for p in _ACCESS_PREFIXES),
            )
        rows = s.scalars(q.order_by(AuditRecord.id.desc()).limit(limit)).all()
        out = []
        for r in rows:
            kind = _category(r.action)
            read = kind == "read"
            view = r.after.get("view") if read and isinstance(r.after, dict) else None
            out.append(
                {
                    "id": r.id,
                    "at": r.at.isoformat(),
                    "user": r.username,
                    "action": r.action,
                    "category": kind,
                    "entity": r.entity,
                    "entity_id": r.entity_id,
                    "fields": [] if read else _changed_fields(r.before, r.after),
                    "view": view,
                }
            )
        return out
