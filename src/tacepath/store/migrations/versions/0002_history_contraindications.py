"""History gains the TACE contraindications and the trial-population criteria of the pathway.

Adds nullable columns to ``snapshots`` (null = unknown) and, for the three new dates, the
``*_known`` flags that record "given as never" (as for the two existing dates).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BOOLEANS = (
    "locoregional_therapy_to_current_tumours",
    "jaundice",
    "refractory_ascites",
    "hepatorenal_syndrome",
    "bland_portal_vein_thrombosis",
    "hepatofugal_portal_flow",
    "tumour_in_both_entire_lobes",
    "intra_arterial_technical_contraindication",
    "severe_comorbidity",
    "incompetent_papilla_with_aerobilia",
    "biliary_dilatation",
    "nephrotic_or_nephritic_syndrome",
    "liver_transplant_candidate",
    "hbv_hcv_coinfection",
)
_DATES = ("last_tace", "gastric_bleeding", "cardiovascular_disease")


def upgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        for name in _DATES:
            batch_op.add_column(
                sa.Column(f"{name}_known", sa.Boolean(), nullable=False, server_default=sa.false())
            )
            batch_op.add_column(sa.Column(f"{name}_date", sa.Date(), nullable=True))
        for name in _BOOLEANS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("creatinine_clearance_ml_min", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_column("creatinine_clearance_ml_min")
        for name in reversed(_BOOLEANS):
            batch_op.drop_column(name)
        for name in reversed(_DATES):
            batch_op.drop_column(f"{name}_date")
            batch_op.drop_column(f"{name}_known")
