"""History gains a recorded TACE failure (date and criterion).

Adds two nullable columns to ``snapshots``; both null means no failure recorded. The
criterion is ``untaceable_progression`` or ``jsh_refractoriness`` (checked by the patient
model, :class:`tacepath.domain.patient.TaceFailure`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tace_failure_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("tace_failure_criterion", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("tace_failure_criterion")
        batch_op.drop_column("tace_failure_date")
