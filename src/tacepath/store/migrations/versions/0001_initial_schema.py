"""Initial schema: organisations, users, sessions, patients and their records, trials, audit.

The audit table is made append-only by triggers (SQLite and PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
    "CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
)

_POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION tacepath_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$",
    "CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
    "FOR EACH ROW EXECUTE FUNCTION tacepath_audit_append_only()",
)


def _append_only_audit() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRESQL_TRIGGERS}.get(dialect)
    if statements is None:
        raise NotImplementedError(f"append-only audit triggers for {dialect}")
    for sql in statements:
        op.execute(sql)


def _drop_append_only_audit() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS tacepath_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_delete")


def upgrade() -> None:
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_settings")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempts_client"), ["client"], unique=False)
        batch_op.create_index("ix_login_attempts_username_at", ["username", "at"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("regimen", sa.String(length=64), nullable=True),
        sa.Column("last_contact_date", sa.Date(), nullable=True),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_patients_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("organisation_id", "mrn", name="org_mrn"),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patients_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('clinician', 'navigator', 'statistician', 'admin')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "adverse_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("term", sa.String(length=120), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("drug", sa.String(length=80), nullable=True),
        sa.Column("current_dose", sa.String(length=80), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("grading_values", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_adverse_events_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_events")),
    )
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adverse_events_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_adverse_events_term"), ["term"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_audit_records_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_records_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.create_index("ix_audit_records_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_records_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "child_pugh_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_child_pugh_records_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_pugh_records")),
    )
    with op.batch_alter_table("child_pugh_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_pugh_records_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "clinical_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("size_mm", sa.Float(), nullable=True),
        sa.Column("organ", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_clinical_events_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinical_events")),
    )
    with op.batch_alter_table("clinical_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clinical_events_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("regimen", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("next_steps", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_decisions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_decisions_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_decision"), ["decision"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "drug_exposures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("drug", sa.String(length=80), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_drug_exposures_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drug_exposures")),
    )
    with op.batch_alter_table("drug_exposures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drug_exposures_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "imaging_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("modality", sa.String(length=10), nullable=False),
        sa.Column("afp_ng_ml", sa.Float(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_imaging_assessments_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_imaging_assessments_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imaging_assessments")),
    )
    with op.batch_alter_table("imaging_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imaging_assessments_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("assessment_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("age_years", sa.Float(), nullable=True),
        sa.Column("ecog", sa.Integer(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("pt_prolongation_s", sa.Float(), nullable=True),
        sa.Column("dialysis_twice_past_week", sa.Boolean(), nullable=True),
        sa.Column("cvvhd_24h_past_week", sa.Boolean(), nullable=True),
        sa.Column("ascites", sa.String(length=20), nullable=True),
        sa.Column("encephalopathy", sa.String(length=20), nullable=True),
        sa.Column("cholestatic_disease", sa.Boolean(), nullable=True),
        sa.Column("macrovascular_invasion", sa.Boolean(), nullable=True),
        sa.Column("extrahepatic_spread", sa.Boolean(), nullable=True),
        sa.Column("end_stage_liver_function", sa.Boolean(), nullable=True),
        sa.Column("tumours_known", sa.Boolean(), nullable=False),
        sa.Column("history_known", sa.Boolean(), nullable=False),
        sa.Column("varices", sa.String(length=30), nullable=True),
        sa.Column("variceal_bleeding_known", sa.Boolean(), nullable=False),
        sa.Column("variceal_bleeding_date", sa.Date(), nullable=True),
        sa.Column("hypertension", sa.String(length=20), nullable=True),
        sa.Column("proteinuria_g_per_24h", sa.Float(), nullable=True),
        sa.Column("thromboembolism_known", sa.Boolean(), nullable=False),
        sa.Column("thromboembolism_date", sa.Date(), nullable=True),
        sa.Column("autoimmune_disease", sa.String(length=20), nullable=True),
        sa.Column("organ_transplant", sa.Boolean(), nullable=True),
        sa.Column("prior_systemic_therapy", sa.JSON(), nullable=True),
        sa.Column("prior_tace_sessions", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_snapshots_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_snapshots_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
    )
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snapshots_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "tace_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("technique", sa.String(length=20), nullable=False),
        sa.Column("regimen_changed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_tace_sessions_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tace_sessions")),
    )
    with op.batch_alter_table("tace_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tace_sessions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "trial_workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_trial_workspaces_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_trial_workspaces_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_workspaces")),
        sa.UniqueConstraint("organisation_id", "name", name="org_name"),
    )
    with op.batch_alter_table("trial_workspaces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trial_workspaces_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.Integer(), nullable=True),
        sa.Column("report_html", sa.Text(), nullable=True),
        sa.Column("report_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("log", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_analyses_started_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trial_workspaces.id"],
            name=op.f("fk_analyses_trial_id_trial_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analyses")),
    )
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analyses_trial_id"), ["trial_id"], unique=False)

    op.create_table(
        "lesions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lesion_key", sa.String(length=40), nullable=True),
        sa.Column("organ", sa.String(length=20), nullable=False),
        sa.Column("target", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("longest_mm", sa.Float(), nullable=True),
        sa.Column("perpendicular_mm", sa.Float(), nullable=True),
        sa.Column("short_axis_mm", sa.Float(), nullable=True),
        sa.Column("viable_longest_mm", sa.Float(), nullable=True),
        sa.Column("viable_perpendicular_mm", sa.Float(), nullable=True),
        sa.Column("typical_hcc", sa.Boolean(), nullable=True),
        sa.Column("viable", sa.Boolean(), nullable=True),
        sa.Column("porta_hepatis", sa.Boolean(), nullable=True),
        sa.Column("equivocal", sa.Boolean(), nullable=True),
        sa.Column("cytology_malignant", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('measured', 'non_target', 'new')", name=op.f("ck_lesions_kind")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["imaging_assessments.id"],
            name=op.f("fk_lesions_assessment_id_imaging_assessments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesions")),
    )
    with op.batch_alter_table("lesions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lesions_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "snapshot_labs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("analyte", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("ng_per_iu", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["snapshots.id"], name=op.f("fk_snapshot_labs_snapshot_id_snapshots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_labs")),
        sa.UniqueConstraint("snapshot_id", "analyte", name="snapshot_analyte"),
    )
    with op.batch_alter_table("snapshot_labs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_snapshot_labs_snapshot_id"), ["snapshot_id"], unique=False
        )

    op.create_table(
        "snapshot_tumours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("diameter_mm", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_snapshot_tumours_snapshot_id_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_tumours")),
    )
    with op.batch_alter_table("snapshot_tumours", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_snapshot_tumours_snapshot_id"), ["snapshot_id"], unique=False
        )

    op.create_table(
        "trial_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('adsl', 'adtte', 'adae', 'sap')", name=op.f("ck_trial_files_kind")
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trial_workspaces.id"],
            name=op.f("fk_trial_files_trial_id_trial_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_trial_files_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_files")),
    )
    with op.batch_alter_table("trial_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trial_files_trial_id"), ["trial_id"], unique=False)
    _append_only_audit()


def downgrade() -> None:
    _drop_append_only_audit()
    with op.batch_alter_table("trial_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trial_files_trial_id"))

    op.drop_table("trial_files")
    with op.batch_alter_table("snapshot_tumours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshot_tumours_snapshot_id"))

    op.drop_table("snapshot_tumours")
    with op.batch_alter_table("snapshot_labs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshot_labs_snapshot_id"))

    op.drop_table("snapshot_labs")
    with op.batch_alter_table("lesions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesions_assessment_id"))

    op.drop_table("lesions")
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analyses_trial_id"))

    op.drop_table("analyses")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("trial_workspaces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trial_workspaces_organisation_id"))

    op.drop_table("trial_workspaces")
    with op.batch_alter_table("tace_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tace_sessions_patient_id"))

    op.drop_table("tace_sessions")
    with op.batch_alter_table("snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshots_patient_id"))

    op.drop_table("snapshots")
    with op.batch_alter_table("imaging_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imaging_assessments_patient_id"))

    op.drop_table("imaging_assessments")
    with op.batch_alter_table("drug_exposures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drug_exposures_patient_id"))

    op.drop_table("drug_exposures")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_patient_id"))
        batch_op.drop_index(batch_op.f("ix_decisions_decision"))

    op.drop_table("decisions")
    with op.batch_alter_table("clinical_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clinical_events_patient_id"))

    op.drop_table("clinical_events")
    with op.batch_alter_table("child_pugh_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_pugh_records_patient_id"))

    op.drop_table("child_pugh_records")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_records_organisation_id"))
        batch_op.drop_index("ix_audit_records_entity")

    op.drop_table("audit_records")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_events_term"))
        batch_op.drop_index(batch_op.f("ix_adverse_events_patient_id"))

    op.drop_table("adverse_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organisation_id"))

    op.drop_table("users")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_organisation_id"))

    op.drop_table("patients")
    op.drop_table("organisations")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_username_at")
        batch_op.drop_index(batch_op.f("ix_login_attempts_client"))

    op.drop_table("login_attempts")
    op.drop_table("app_settings")
