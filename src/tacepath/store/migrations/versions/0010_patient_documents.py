"""Documents attached to a patient.

Adds ``patient_documents``: a file (PDF, PNG, JPEG or UTF-8 text, judged by its content) of
a kind (imaging report, pathology, letter, consent, other), with the date it bears, its
media type, SHA-256 and size, stored in the database.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patient_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('imaging_report', 'pathology', 'letter', 'consent', 'other')",
            name=op.f("ck_patient_documents_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_documents_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_patient_documents_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_documents")),
    )
    with op.batch_alter_table("patient_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_documents_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_documents_patient_id"))
    op.drop_table("patient_documents")
