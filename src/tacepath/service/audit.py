"""The audit trail: one append-only record per change (who, when, what, before, after).

Each record is chained to the one before it by its hash (``tacepath.store.audit_chain``);
:func:`verify_chain` walks the chain and names each edited, deleted or inserted row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tacepath.service.db import Database
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.audit_chain import ChainReport, verify
from tacepath.store.models import AuditRecord

__all__ = ["ChainReport", "audit_trail", "record", "verify_chain"]


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


def audit_trail(
    db: Database,
    who: Principal,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The organisation's audit records, newest first (admin)."""
    check(who.role, "audit.read")
    limit = max(1, min(limit, 1000))
    with db.read() as s:
        q = select(AuditRecord).where(AuditRecord.organisation_id == who.organisation_id)
        if entity:
            q = q.where(AuditRecord.entity == entity)
        if entity_id:
            q = q.where(AuditRecord.entity_id == entity_id)
        rows = s.scalars(q.order_by(AuditRecord.id.desc()).limit(limit)).all()
        return [
            {
                "id": r.id,
                "at": r.at.isoformat(),
                "user": r.username,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "before": r.before,
                "after": r.after,
            }
            for r in rows
        ]
