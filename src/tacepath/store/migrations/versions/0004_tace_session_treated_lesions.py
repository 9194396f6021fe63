"""A TACE session records the new lesions it treated.

Adds one nullable JSON column to ``tace_sessions``: the ids of the new liver lesions
embolised at that session (the timeline's ``tace_sessions[].treated_lesions``); null or an
empty list means none (every session stored before this revision).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tace_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("treated_lesions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tace_sessions", schema=None) as batch_op:
        batch_op.drop_column("treated_lesions")
