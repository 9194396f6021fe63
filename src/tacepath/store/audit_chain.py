"""The audit trail as a hash chain, and the guards that keep it append-only.

Every audit row carries ``prev_hash`` (the hash of the row before it, :data:`GENESIS` for
the first) and ``hash`` = SHA-256 of ``prev_hash`` followed by the row's canonical content
(:func:`canonical`: its id, organisation, user, time, action, entity and before/after
images as sorted, ASCII-only JSON). The table ``audit_chain_head`` (one row) names the last
row, its hash and the number of rows, so a deleted tail or an emptied table is seen too.

Appends are serialised: every session that adds an :class:`AuditRecord` locks the head row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite a write transaction already holds the
database's write lock) before it reads the head, so two writers cannot fork the chain.
Rows are chained in :func:`chain_new_records`, a ``before_flush`` listener on every
SQLAlchemy session, so any code path that adds an audit record through the ORM is chained.

:func:`verify` walks the chain and names every edited, deleted or inserted row.

On SQLite the application's connections also get an authorizer (:func:`guard_sqlite`) that
refuses UPDATE, DELETE and DDL on the audit table and its triggers, and turning off
``recursive_triggers`` (which makes ``INSERT OR REPLACE`` fire the delete trigger).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event, inspect, select, text
from sqlalchemy.orm import Session

from tacepath.store.models import AuditChainHead, AuditRecord

__all__ = [
    "AUDIT_TABLES",
    "GENESIS",
    "ChainReport",
    "canonical",
    "chain_new_records",
    "guard_sqlite",
    "row_hash",
    "unguarded",
    "verify",
]

#: The ``prev_hash`` of the first row.
GENESIS = "0" * 64

#: Tables the SQLite authorizer protects from UPDATE, DELETE and DDL.
AUDIT_TABLES = frozenset({"audit_records"})


def _utc_text(at: dt.datetime) -> str:
    """The time as UTC text with microseconds (SQLite gives naive datetimes back: UTC)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    *,
    id: int,
    organisation_id: int | None,
    user_id: int | None,
    username: str,
    at: dt.datetime,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
) -> str:
    """The canonical text of an audit row's content (what its hash covers)."""
    return json.dumps(
        {
            "id": id,
            "organisation_id": organisation_id,
            "user_id": user_id,
            "username": username,
            "at": _utc_text(at),
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        default=str,
    )


def row_hash(prev_hash: str, content: str) -> str:
    """SHA-256 of the previous row's hash followed by this row's canonical content."""
    return hashlib.sha256((prev_hash + content).encode("ascii")).hexdigest()


def _content(r: Any) -> str:
    return canonical(
        id=r.id,
        organisation_id=r.organisation_id,
        user_id=r.user_id,
        username=r.username,
        at=r.at,
        action=r.action,
        entity=r.entity,
        entity_id=r.entity_id,
        before=r.before,
        after=r.after,
    )


def _locked_head(session: Session) -> AuditChainHead:
    q = select(AuditChainHead).where(AuditChainHead.id == 1)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    head = session.scalars(q.execution_options(populate_existing=True)).one_or_none()
    if head is None:  # a database made before the head row existed cannot happen after 0005
        head = AuditChainHead(id=1, last_id=None, last_hash=GENESIS, rows=0)
        session.add(head)
    return head


def _next_ids(session: Session) -> Iterator[int]:
    """Ids for new audit rows, in increasing order, taken under the head's lock."""
    if session.get_bind().dialect.name == "postgresql":
        seq = text("SELECT nextval(pg_get_serial_sequence('audit_records', 'id'))")
        while True:
            yield int(session.execute(seq).scalar_one())
    top = session.execute(text("SELECT coalesce(max(id), 0) FROM audit_records")).scalar_one()
    n = int(top)
    while True:
        n += 1
        yield n


def chain_new_records(session: Session, _context: Any, _instances: Any) -> None:
    """Give each new :class:`AuditRecord` of the flush its id, ``prev_hash`` and ``hash``,
    holding the chain head's lock to the end of the transaction."""
    new = [o for o in session.new if isinstance(o, AuditRecord)]
    if not new:
        return
    # chained in the order they were added
    new.sort(key=lambda o: inspect(o).insert_order or 0)
    head = _locked_head(session)
    ids = _next_ids(session)
    prev = head.last_hash
    for rec in new:
        if rec.at is None:
            rec.at = dt.datetime.now(dt.UTC)
        rec.id = next(ids)
        rec.prev_hash = prev
        rec.hash = row_hash(prev, _content(rec))
        prev = rec.hash
        head.last_id = rec.id
        head.rows += 1
    head.last_hash = prev


event.listen(Session, "before_flush", chain_new_records)


# --------------------------------------------------------------------------- SQLite guard

_DENIED_ON_AUDIT = {
    sqlite3.SQLITE_UPDATE: 1,  # arg1: table
    sqlite3.SQLITE_DELETE: 1,
    sqlite3.SQLITE_DROP_TABLE: 1,
    sqlite3.SQLITE_DROP_TEMP_TABLE: 1,
    sqlite3.SQLITE_DROP_TRIGGER: 2,  # arg2: the trigger's table
    sqlite3.SQLITE_DROP_TEMP_TRIGGER: 2,
    sqlite3.SQLITE_CREATE_TRIGGER: 2,
    sqlite3.SQLITE_CREATE_TEMP_TRIGGER: 2,
    sqlite3.SQLITE_DROP_INDEX: 2,
    sqlite3.SQLITE_ALTER_TABLE: 2,  # arg1: database, arg2: table
}

#: Pragmas the application may read but not set.
_FIXED_PRAGMAS = frozenset({"recursive_triggers", "writable_schema", "trusted_schema"})


def _authorizer(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None
) -> int:
    which = _DENIED_ON_AUDIT.get(action)
    if which is not None:
        table = arg1 if which == 1 else arg2
        if table is not None and table.lower() in AUDIT_TABLES:
            return sqlite3.SQLITE_DENY
    if (
        action == sqlite3.SQLITE_PRAGMA
        and arg1 is not None
        and arg1.lower() in _FIXED_PRAGMAS
        and arg2 is not None
    ):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def guard_sqlite(dbapi_connection: sqlite3.Connection) -> None:
    """Make ``INSERT OR REPLACE`` fire the delete trigger, and refuse UPDATE, DELETE and DDL on
    the audit table (and setting the pragmas that would undo this) on this connection."""
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA recursive_triggers=ON")
    cur.close()
    dbapi_connection.set_authorizer(_authorizer)


@contextmanager
def unguarded(conn: Connection) -> Iterator[None]:
    """The migrations' connection without the SQLite authorizer (the schema's owner)."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        yield
        return
    raw.set_authorizer(None)
    try:
        yield
    finally:
        raw.set_authorizer(_authorizer)


# --------------------------------------------------------------------------- verification


@dataclass
class ChainReport:
    """What :func:`verify` found: the rows read and each break, in the chain's order."""

    rows: int = 0
    head_hash: str = GENESIS
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(conn: Connection) -> ChainReport:
    """Walk the audit chain in id order; report each edited, deleted or inserted row, and a
    truncated tail or table (against ``audit_chain_head``)."""
    report = ChainReport()
    rows = conn.execute(
        select(
            AuditRecord.id,
            AuditRecord.organisation_id,
            AuditRecord.user_id,
            AuditRecord.username,
            AuditRecord.at,
            AuditRecord.action,
            AuditRecord.entity,
            AuditRecord.entity_id,
            AuditRecord.before,
            AuditRecord.after,
            AuditRecord.prev_hash,
            AuditRecord.hash,
        ).order_by(AuditRecord.id)
    ).all()
    seen: dict[str, int] = {GENESIS: 0}  # hash -> the id of the row that has it
    expected = GENESIS
    last_id: int | None = None
    for i, r in enumerate(rows):
        if r.prev_hash != expected:
            if r.prev_hash in seen:
                report.problems.append(
                    (
                        last_id,
                        f"row {last_id} was inserted: row {r.id} follows row "
                        f"{seen[r.prev_hash] or '(start)'} in the chain",
                    )
                )
            else:
                nxt = rows[i + 1] if i + 1 < len(rows) else None
                if nxt is not None and nxt.prev_hash == expected:
                    report.problems.append((r.id, f"row {r.id} was inserted into the chain"))
                else:
                    after = f"row {last_id}" if last_id is not None else "the start"
                    report.problems.append(
                        (r.id, f"rows were deleted between {after} and row {r.id}")
                    )
        if r.hash is None or row_hash(r.prev_hash or "", _content(r)) != r.hash:
            report.problems.append(
                (r.id, f"row {r.id} was edited: its content does not match its hash")
            )
        if r.hash is not None:
            seen[r.hash] = r.id
            expected = r.hash
        last_id = r.id
    report.rows = len(rows)
    report.head_hash = expected
    head = conn.execute(
        select(AuditChainHead.last_id, AuditChainHead.last_hash, AuditChainHead.rows).where(
            AuditChainHead.id == 1
        )
    ).one_or_none()
    if head is not None:
        h_last, h_hash, h_rows = head
        if not rows and h_rows:
            report.problems.append(
                (None, f"the table was emptied: the chain head names {h_rows} rows, none is left")
            )
        elif h_hash != expected or h_last != last_id:
            report.problems.append(
                (
                    h_last,
                    f"rows were deleted from the end: the chain head names row {h_last}, "
                    f"the last row is {last_id}",
                )
            )
        elif h_rows != len(rows) and not report.problems:
            report.problems.append(
                (None, f"the chain head counts {h_rows} rows, the table has {len(rows)}")
            )
    return report
