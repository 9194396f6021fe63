"""The tables of the platform (SQLAlchemy 2 declarative models).

Clinical input is kept as rows in the units it was entered in, one table per kind of record,
so that it can be queried (which patients had a grade 3 AST increase, which lesions grew).
JSON columns hold only what no query needs: the engine's full output next to a stored
decision, the grading inputs of an adverse event, and the before/after images of an audit
record.

Every table that a person edits through the platform carries ``version`` (optimistic
versioning: an update names the version it read; a stale one is refused, never overwritten).
:class:`AuditRecord` is append-only: the migrations add database triggers that refuse UPDATE,
DELETE (and on PostgreSQL TRUNCATE) on it, and each row carries a hash chained to the row
before it (``store/audit_chain.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "DOCUMENT_KINDS",
    "ROLES",
    "AdverseEventRow",
    "AnalysisRow",
    "ApiToken",
    "AppSetting",
    "AuditChainHead",
    "AuditRecord",
    "Base",
    "ChildPughRow",
    "ClinicalEvent",
    "DecisionRow",
    "DocumentRow",
    "DrugExposure",
    "ImagingAssessment",
    "JobRow",
    "LesionRow",
    "LetterTemplateRow",
    "LoginAttempt",
    "LoginThrottle",
    "MdtMeeting",
    "MdtMeetingPatient",
    "Organisation",
    "Patient",
    "Snapshot",
    "SnapshotLab",
    "SnapshotTumour",
    "TaceSessionRow",
    "TrialFile",
    "TrialWorkspace",
    "TumourMarkerRow",
    "User",
    "WebSession",
    "utcnow",
]

#: The roles of the permission table (:mod:`tacepath.service.permissions`).
ROLES: tuple[str, ...] = ("clinician", "navigator", "statistician", "admin")

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dt.datetime: DateTime(timezone=True),
    }


# --------------------------------------------------------------------------- people


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('clinician', 'navigator', 'statistician', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class WebSession(Base):
    """A browser session: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class ApiToken(Base):
    """A token for scripts (``Authorization: Bearer ...``); only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # null: made before tokens expired; then it expires API_TOKEN_LIFETIME after created_at
    expires_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class LoginAttempt(Base):
    """Login attempts, for rate limiting (per user name and per client address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)


class LoginThrottle(Base):
    """A login counter: per account and address (``p:``), per address (``a:``), per account
    (``u:``); the key's rest is a SHA-256. Changed only under its row lock, so parallel
    attempts are counted one by one (``service/auth.py``)."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class AppSetting(Base):
    """Server-wide settings kept in the database (the signing secret)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- patients


class Patient(Base):
    """A patient of one organisation: the record's header and its course (timeline header).

    ``mrn`` is the ``id`` of the patient contract (unique within the organisation).
    ``version`` increases with every change to the record (header, snapshots, follow-ups).
    """

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("organisation_id", "mrn", name="org_mrn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    mrn: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    regimen: Mapped[str | None] = mapped_column(String(64), default=None)
    last_contact_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    death_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Snapshot(Base):
    """A patient snapshot (the ``tacepath assess`` contract) as entered; labs and tumours apart."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    assessment_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    sex: Mapped[str | None] = mapped_column(String(10), default=None)
    age_years: Mapped[float | None] = mapped_column(Float, default=None)
    ecog: Mapped[int | None] = mapped_column(Integer, default=None)
    weight_kg: Mapped[float | None] = mapped_column(Float, default=None)
    pt_prolongation_s: Mapped[float | None] = mapped_column(Float, default=None)
    dialysis_twice_past_week: Mapped[bool | None] = mapped_column(Boolean, default=None)
    cvvhd_24h_past_week: Mapped[bool | None] = mapped_column(Boolean, default=None)
    ascites: Mapped[str | None] = mapped_column(String(20), default=None)
    encephalopathy: Mapped[str | None] = mapped_column(String(20), default=None)
    cholestatic_disease: Mapped[bool | None] = mapped_column(Boolean, default=None)
    macrovascular_invasion: Mapped[bool | None] = mapped_column(Boolean, default=None)
    extrahepatic_spread: Mapped[bool | None] = mapped_column(Boolean, default=None)
    end_stage_liver_function: Mapped[bool | None] = mapped_column(Boolean, default=None)
    tumours_known: Mapped[bool] = mapped_column(Boolean, default=False)
    # the history object (null = unknown; the two dates also record "given as never")
    history_known: Mapped[bool] = mapped_column(Boolean, default=False)
    varices: Mapped[str | None] = mapped_column(String(30), default=None)
    variceal_bleeding_known: Mapped[bool] = mapped_column(Boolean, default=False)
    variceal_bleeding_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    hypertension: Mapped[str | None] = mapped_column(String(20), default=None)
    proteinuria_g_per_24h: Mapped[float | None] = mapped_column(Float, default=None)
    thromboembolism_known: Mapped[bool] = mapped_column(Boolean, default=False)
    thromboembolism_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    autoimmune_disease: Mapped[str | None] = mapped_column(String(20), default=None)
    organ_transplant: Mapped[bool | None] = mapped_column(Boolean, default=None)
    prior_systemic_therapy: Mapped[list[Any] | None] = mapped_column(default=None)
    prior_tace_sessions: Mapped[int | None] = mapped_column(Integer, default=None)
    # added in migration 0002: TACE contraindications and trial-population criteria
    last_tace_known: Mapped[bool] = mapped_column(Boolean, default=False)
    last_tace_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    locoregional_therapy_to_current_tumours: Mapped[bool | None] = mapped_column(
        Boolean, default=None
    )
    jaundice: Mapped[bool | None] = mapped_column(Boolean, default=None)
    refractory_ascites: Mapped[bool | None] = mapped_column(Boolean, default=None)
    hepatorenal_syndrome: Mapped[bool | None] = mapped_column(Boolean, default=None)
    bland_portal_vein_thrombosis: Mapped[bool | None] = mapped_column(Boolean, default=None)
    hepatofugal_portal_flow: Mapped[bool | None] = mapped_column(Boolean, default=None)
    tumour_in_both_entire_lobes: Mapped[bool | None] = mapped_column(Boolean, default=None)
    intra_arterial_technical_contraindication: Mapped[bool | None] = mapped_column(
        Boolean, default=None
    )
    creatinine_clearance_ml_min: Mapped[float | None] = mapped_column(Float, default=None)
    severe_comorbidity: Mapped[bool | None] = mapped_column(Boolean, default=None)
    incompetent_papilla_with_aerobilia: Mapped[bool | None] = mapped_column(Boolean, default=None)
    biliary_dilatation: Mapped[bool | None] = mapped_column(Boolean, default=None)
    gastric_bleeding_known: Mapped[bool] = mapped_column(Boolean, default=False)
    gastric_bleeding_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    cardiovascular_disease_known: Mapped[bool] = mapped_column(Boolean, default=False)
    cardiovascular_disease_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    nephrotic_or_nephritic_syndrome: Mapped[bool | None] = mapped_column(Boolean, default=None)
    liver_transplant_candidate: Mapped[bool | None] = mapped_column(Boolean, default=None)
    hbv_hcv_coinfection: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # added in migration 0003: a recorded TACE failure (both null = none recorded)
    tace_failure_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    tace_failure_criterion: Mapped[str | None] = mapped_column(String(32), default=None)

    labs: Mapped[list[SnapshotLab]] = relationship(
        cascade="all, delete-orphan", order_by="SnapshotLab.id", lazy="selectin"
    )
    tumours: Mapped[list[SnapshotTumour]] = relationship(
        cascade="all, delete-orphan", order_by="SnapshotTumour.position", lazy="selectin"
    )


class SnapshotLab(Base):
    __tablename__ = "snapshot_labs"
    __table_args__ = (UniqueConstraint("snapshot_id", "analyte", name="snapshot_analyte"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"), index=True)
    analyte: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    ng_per_iu: Mapped[float | None] = mapped_column(Float, default=None)


class SnapshotTumour(Base):
    __tablename__ = "snapshot_tumours"

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    diameter_mm: Mapped[float] = mapped_column(Float)


# --------------------------------------------------------------------------- the course


class ImagingAssessment(Base):
    """One imaging assessment of the timeline (the patient's first is the baseline)."""

    __tablename__ = "imaging_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    modality: Mapped[str] = mapped_column(String(10))
    afp_ng_ml: Mapped[float | None] = mapped_column(Float, default=None)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    lesions: Mapped[list[LesionRow]] = relationship(
        cascade="all, delete-orphan", order_by="LesionRow.position", lazy="selectin"
    )


class LesionRow(Base):
    """A lesion at one assessment: ``kind`` is measured, non_target or new."""

    __tablename__ = "lesions"
    __table_args__ = (CheckConstraint("kind IN ('measured', 'non_target', 'new')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("imaging_assessments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer)
    lesion_key: Mapped[str | None] = mapped_column(String(40), default=None)
    organ: Mapped[str] = mapped_column(String(20))
    target: Mapped[bool | None] = mapped_column(Boolean, default=None)
    status: Mapped[str | None] = mapped_column(String(30), default=None)
    longest_mm: Mapped[float | None] = mapped_column(Float, default=None)
    perpendicular_mm: Mapped[float | None] = mapped_column(Float, default=None)
    short_axis_mm: Mapped[float | None] = mapped_column(Float, default=None)
    viable_longest_mm: Mapped[float | None] = mapped_column(Float, default=None)
    viable_perpendicular_mm: Mapped[float | None] = mapped_column(Float, default=None)
    typical_hcc: Mapped[bool | None] = mapped_column(Boolean, default=None)
    viable: Mapped[bool | None] = mapped_column(Boolean, default=None)
    porta_hepatis: Mapped[bool | None] = mapped_column(Boolean, default=None)
    equivocal: Mapped[bool | None] = mapped_column(Boolean, default=None)
    cytology_malignant: Mapped[bool | None] = mapped_column(Boolean, default=None)


class TaceSessionRow(Base):
    __tablename__ = "tace_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    technique: Mapped[str] = mapped_column(String(20))
    regimen_changed: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # added in migration 0004: ids of the new lesions treated at this session (null = none)
    treated_lesions: Mapped[list[Any] | None] = mapped_column(JSON, default=None)


class ChildPughRow(Base):
    __tablename__ = "child_pugh_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)


class ClinicalEvent(Base):
    __tablename__ = "clinical_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(40))
    size_mm: Mapped[float | None] = mapped_column(Float, default=None)
    organ: Mapped[str | None] = mapped_column(String(20), default=None)
    detail: Mapped[str] = mapped_column(Text, default="")


class DrugExposure(Base):
    __tablename__ = "drug_exposures"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    drug: Mapped[str] = mapped_column(String(80))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date, default=None)


class AdverseEventRow(Base):
    __tablename__ = "adverse_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    term: Mapped[str] = mapped_column(String(120), index=True)
    grade: Mapped[int | None] = mapped_column(Integer, default=None)
    drug: Mapped[str | None] = mapped_column(String(80), default=None)
    current_dose: Mapped[str | None] = mapped_column(String(80), default=None)
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    grading_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TumourMarkerRow(Base):
    """A tumour-marker draw of the timeline (AFP or PIVKA-II), in the unit it was reported."""

    __tablename__ = "tumour_markers"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    marker: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    ng_per_iu: Mapped[float | None] = mapped_column(Float, default=None)


#: The kinds of a patient's document (``DocumentRow.kind``).
DOCUMENT_KINDS = ("imaging_report", "pathology", "letter", "consent", "other")


class DocumentRow(Base):
    """A file attached to a patient (PDF, PNG, JPEG or text, judged by its content), with its
    SHA-256 and size; ``document_date`` is the date the document bears."""

    __tablename__ = "patient_documents"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('imaging_report', 'pathology', 'letter', 'consent', 'other')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    document_date: Mapped[dt.date] = mapped_column(Date)
    media_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class DerivedResult(Base):
    """What the engines computed from one version of a patient's record, stored so that a
    page view or the worklist reads it instead of recomputing: the patient view's scores,
    staging, response, pathway and follow-up decision (``payload``), and the worklist's items
    for one day (``items``, ``items_as_of``). It is valid only while the record's version, a
    digest of the inputs the engines read, the engine version and the digest of the packaged
    rule files are all equal to those stored (``service.derived``); otherwise it is
    recomputed."""

    __tablename__ = "derived_results"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    record_version: Mapped[int] = mapped_column(Integer)
    inputs_digest: Mapped[str] = mapped_column(String(64))
    engine_version: Mapped[str] = mapped_column(String(40))
    rules_digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    items_as_of: Mapped[dt.date | None] = mapped_column(Date, default=None)
    items: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DecisionRow(Base):
    """A follow-up decision the engine gave, as it gave it (who asked, when, on which record)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    visit_date: Mapped[dt.date] = mapped_column(Date)
    regimen: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(30), index=True)
    reasons: Mapped[list[Any]] = mapped_column()
    next_steps: Mapped[list[Any]] = mapped_column()
    sources: Mapped[list[Any]] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column()
    record_version: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class MdtMeeting(Base):
    """An MDT meeting of an organisation: its date and title; the patients to discuss are
    :class:`MdtMeetingPatient` rows."""

    __tablename__ = "mdt_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    meeting_date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class MdtMeetingPatient(Base):
    """A patient to discuss at a meeting, the documents chosen for the pack (ids in order)
    and, after the meeting, the MDT's outcome: one of the options the decision offered, a
    text, who recorded it and when."""

    __tablename__ = "mdt_meeting_patients"
    __table_args__ = (UniqueConstraint("meeting_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mdt_meetings.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    documents: Mapped[list[Any]] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(64), default=None)
    outcome_text: Mapped[str | None] = mapped_column(Text, default=None)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class LetterTemplateRow(Base):
    """One version of an organisation's letter body for a receiving team (versions are
    added, never changed; the highest is current; none: the package's default)."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("organisation_id", "team", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    team: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


# --------------------------------------------------------------------------- trials


class TrialWorkspace(Base):
    """A trial workspace of an organisation: uploaded ADSL/ADTTE and SAP, analyses."""

    __tablename__ = "trial_workspaces"
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="org_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TrialFile(Base):
    """An uploaded file of a trial workspace (``kind``: adsl, adtte, adae or sap)."""

    __tablename__ = "trial_files"
    __table_args__ = (CheckConstraint("kind IN ('adsl', 'adtte', 'adae', 'sap')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trial_workspaces.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class AnalysisRow(Base):
    """One run of a trial's analysis plan (by the trial-analysis runner)."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trial_workspaces.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    report_html: Mapped[str | None] = mapped_column(Text, default=None)
    report_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    log: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class JobRow(Base):
    """A background job (service/jobs.py): what it runs, for whom, and how far it got.

    ``state``: queued, running, done, failed, cancelled or interrupted (its runner stopped
    before it finished); ``runner`` names the process that claimed it and ``heartbeat_at``
    when it last said it was alive; ``result`` points at what it made (an analysis).
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')",
            name="state",
        ),
        Index("ix_jobs_organisation_state", "organisation_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    owner: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    trial_id: Mapped[int | None] = mapped_column(
        ForeignKey("trial_workspaces.id"), index=True, default=None
    )
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str] = mapped_column(String(200), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    runner: Mapped[str | None] = mapped_column(String(120), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class JobFile(Base):
    """A file of a background job: an ``input`` it was given (an uploaded cohort, a
    digitised curve) or an ``output`` it made (scores, reconstructed IPD, a figure), stored
    with the job so that a finished result outlives any restart."""

    __tablename__ = "job_files"
    __table_args__ = (
        CheckConstraint("role IN ('input', 'output')", name="role"),
        UniqueConstraint("job_id", "role", "name", name="job_role_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- audit


class AuditRecord(Base):
    """Who changed what, when, with the record before and after (append-only)."""

    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_records_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True, default=None
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    username: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # the hash chain (store/audit_chain.py): the previous row's hash, and SHA-256 of it
    # followed by this row's canonical content; set when the row is flushed
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditChainHead(Base):
    """The last row of the audit chain (one row, id 1): its id, its hash and the number of
    rows; locked by every append so that two writers cannot fork the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int | None] = mapped_column(Integer, default=None)
    last_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
