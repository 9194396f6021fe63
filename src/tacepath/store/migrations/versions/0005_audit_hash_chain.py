"""The audit trail becomes a hash chain; PostgreSQL also refuses TRUNCATE of it.

Adds ``prev_hash`` and ``hash`` to ``audit_records`` and the one-row table
``audit_chain_head``, and back-fills the chain over the existing rows in id order (the
append-only guard is lifted for the back-fill, inside this transaction, and restored).
On PostgreSQL a ``BEFORE TRUNCATE`` statement trigger joins the row trigger that refuses
UPDATE and DELETE. When ``TACEPATH_APP_ROLE`` names an existing role, that role is granted
SELECT and INSERT only on the audit table (docs/security.md: the two connection roles).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tacepath.store.audit_chain import GENESIS, canonical, row_hash
from tacepath.store.roles import grant_app_role

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_NO_UPDATE = (
    "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END"
)

_audit = sa.table(
    "audit_records",
    sa.column("id", sa.Integer()),
    sa.column("organisation_id", sa.Integer()),
    sa.column("user_id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def _backfill(bind: sa.Connection) -> tuple[int | None, str, int]:
    prev, last_id, n = GENESIS, None, 0
    rows = bind.execute(sa.select(_audit).order_by(_audit.c.id)).all()
    for r in rows:
        content = canonical(
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
        h = row_hash(prev, content)
        bind.execute(sa.update(_audit).where(_audit.c.id == r.id).values(prev_hash=prev, hash=h))
        prev, last_id, n = h, r.id, n + 1
    return last_id, prev, n


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("audit_records", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_records", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_update")
    last_id, last_hash, n = _backfill(bind)
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only")
        op.execute(
            "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
            "FOR EACH STATEMENT EXECUTE FUNCTION tacepath_audit_append_only()"
        )
    else:
        op.execute(_SQLITE_NO_UPDATE)
    head = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Integer()),
        sa.column("last_id", sa.Integer()),
        sa.column("last_hash", sa.String()),
        sa.column("rows", sa.Integer()),
    )
    bind.execute(sa.insert(head).values(id=1, last_id=last_id, last_hash=last_hash, rows=n))
    role = os.environ.get("TACEPATH_APP_ROLE", "")
    if dialect == "postgresql" and role:
        exists = bind.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).scalar()
        if exists:
            grant_app_role(bind, role)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records")
    op.drop_table("audit_chain_head")
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
        op.drop_column("audit_records", "hash")
        op.drop_column("audit_records", "prev_hash")
        op.execute("ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only")
    else:
        op.drop_column("audit_records", "hash")
        op.drop_column("audit_records", "prev_hash")
