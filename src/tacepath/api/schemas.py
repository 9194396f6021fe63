"""Request bodies of the API (the clinical contracts are the domain's own models)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tacepath.domain.labs import Labs
from tacepath.domain.timeline import (
    AdverseEventRecord,
    Assessment,
    ChildPughRecord,
    DrugPeriod,
    Event,
    TaceSession,
    TumourMarker,
)

__all__ = [
    "CourseIn",
    "DoseIn",
    "FollowUpIn",
    "GradeIn",
    "LoginIn",
    "TokenIn",
    "TrialIn",
    "UserIn",
]

_CFG = ConfigDict(extra="forbid")


class LoginIn(BaseModel):
    model_config = _CFG
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class TokenIn(BaseModel):
    model_config = _CFG
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=365, description="lifetime (default 90 days)")


class UserIn(BaseModel):
    model_config = _CFG
    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)
    role: str = Field(max_length=40)
    full_name: str = Field("", max_length=200)


class CourseIn(BaseModel):
    """Changes of the course header; ``version`` is the record version read (428 without
    it, 409 when stale)."""

    model_config = _CFG
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The record version read (required)."
    )
    start_date: dt.date | None = None
    regimen: str | None = Field(None, max_length=64)
    last_contact_date: dt.date | None = None
    death_date: dt.date | None = None


class FollowUpIn(BaseModel):
    """A follow-up visit: the imaging assessment and what happened since the last visit."""

    model_config = _CFG
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The record version read (required)."
    )
    start_date: dt.date | None = Field(None, description="Course start (first entry only).")
    regimen: str | None = Field(None, max_length=64, description="Regimen id (first entry).")
    assessment: Assessment | None = None
    tace_sessions: list[TaceSession] = Field(default_factory=list, max_length=50)
    child_pugh: list[ChildPughRecord] = Field(default_factory=list, max_length=50)
    events: list[Event] = Field(default_factory=list, max_length=50)
    drug_periods: list[DrugPeriod] = Field(default_factory=list, max_length=50)
    adverse_events: list[AdverseEventRecord] = Field(default_factory=list, max_length=50)
    markers: list[TumourMarker] = Field(default_factory=list, max_length=50)
    labs: Labs | None = Field(None, description="Labs of the visit (a new snapshot).")
    last_contact_date: dt.date | None = None
    death_date: dt.date | None = None


class GradeIn(BaseModel):
    model_config = _CFG
    term: str = Field(min_length=1, max_length=120)
    values: dict[
        Annotated[str, Field(max_length=120)], float | Annotated[str, Field(max_length=120)] | bool
    ] = Field(default_factory=dict, max_length=30)


class DoseIn(BaseModel):
    model_config = _CFG
    drug: str = Field(min_length=1, max_length=80)
    term: str = Field(min_length=1, max_length=120)
    grade: int | None = Field(None, ge=1, le=5)
    current_dose: str = Field(min_length=1, max_length=80)
    occurrence: int = Field(1, ge=1, le=100)
    weight_kg: float | None = Field(None, gt=0, le=400)


class TrialIn(BaseModel):
    model_config = _CFG
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=5000)


def dump(model: BaseModel) -> dict[str, Any]:
    """The JSON form of a request model, only the fields given (so unknown stays unknown)."""
    return model.model_dump(mode="json", exclude_unset=True)
