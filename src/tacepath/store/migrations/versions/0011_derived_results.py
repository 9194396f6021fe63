"""Stored engine results.

Adds ``derived_results``: per patient, what the engines computed from one version of the
record (the patient view's scores, staging, response, pathway and decision; the worklist's
items of one day), with the record version, a digest of the engines' inputs, the engine
version and the digest of the packaged rule files it was computed with.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "derived_results",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("inputs_digest", sa.String(length=64), nullable=False),
        sa.Column("engine_version", sa.String(length=40), nullable=False),
        sa.Column("rules_digest", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("items_as_of", sa.Date(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_derived_results_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_derived_results")),
    )


def downgrade() -> None:
    op.drop_table("derived_results")
