"""Tumour markers in the timeline.

Adds ``tumour_markers``: one AFP or PIVKA-II draw per row, in the unit it was reported
(the timeline contract's ``markers``). A timeline stored before this revision has none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tumour_markers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("marker", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("ng_per_iu", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_tumour_markers_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tumour_markers")),
    )
    with op.batch_alter_table("tumour_markers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tumour_markers_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tumour_markers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tumour_markers_patient_id"))
    op.drop_table("tumour_markers")
