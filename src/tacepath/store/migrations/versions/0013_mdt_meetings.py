"""MDT meetings.

Adds ``mdt_meetings`` (an organisation's meeting: date, title) and ``mdt_meeting_patients``
(a patient to discuss, the documents chosen for the pack and, after the meeting, the MDT's
outcome with its text, who recorded it and when).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mdt_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mdt_meetings_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_mdt_meetings_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdt_meetings")),
    )
    with op.batch_alter_table("mdt_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mdt_meetings_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_table(
        "mdt_meeting_patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("outcome_text", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["mdt_meetings.id"],
            name=op.f("fk_mdt_meeting_patients_meeting_id_mdt_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_mdt_meeting_patients_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_mdt_meeting_patients_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdt_meeting_patients")),
        sa.UniqueConstraint(
            "meeting_id", "patient_id", name=op.f("uq_mdt_meeting_patients_meeting_id")
        ),
    )
    with op.batch_alter_table("mdt_meeting_patients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mdt_meeting_patients_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mdt_meeting_patients_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mdt_meeting_patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mdt_meeting_patients_patient_id"))
        batch_op.drop_index(batch_op.f("ix_mdt_meeting_patients_meeting_id"))
    op.drop_table("mdt_meeting_patients")
    with op.batch_alter_table("mdt_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mdt_meetings_organisation_id"))
    op.drop_table("mdt_meetings")
