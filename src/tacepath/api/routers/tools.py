"""Schedule, CTCAE grading and label dose actions (engines, no record needed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query

from tacepath.api.schemas import DoseIn, GradeIn
from tacepath.http.deps import Require
from tacepath.service import clinical
from tacepath.service.principal import Principal

router = APIRouter(tags=["tools"])


@router.get("/schedule")
def schedule(
    regimen: str = Query(..., max_length=64, description="Regimen id or alias (tactics...)."),
    start: dt.date = Query(..., description="Start date (its meaning is per regimen)."),
    tace_dates: list[dt.date] = Query(default_factory=list, max_length=20),
    months: int = Query(12, ge=1, le=120),
    weight_kg: float | None = Query(None, gt=0, le=400),
    who: Principal = Depends(Require("patient.read")),
) -> dict[str, Any]:
    """The dated plan from the trial protocol: run-in, holds around TACE, infusions, imaging."""
    return clinical.schedule_view(
        who,
        regimen=regimen,
        start=start,
        tace_dates=tuple(tace_dates),
        months=months,
        weight_kg=weight_kg,
    )


@router.post("/grade")
def grade(body: GradeIn, who: Principal = Depends(Require("grade.use"))) -> dict[str, object]:
    """CTCAE v5.0 grade from values or descriptors, with the band and its source."""
    return clinical.grade_view(who, body.term, dict(body.values))


@router.post("/dose-action")
def dose_action(body: DoseIn, who: Principal = Depends(Require("grade.use"))) -> dict[str, object]:
    """The label's action and new dose for an adverse event of a given grade."""
    return clinical.dose_view(
        who,
        drug=body.drug,
        term=body.term,
        grade_value=body.grade,
        current_dose=body.current_dose,
        occurrence=body.occurrence,
        weight_kg=body.weight_kg,
    )
