"""Background jobs: start an analysis run, follow its progress, cancel it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tacepath.http.deps import RecordId, Require, get_db, get_jobs, get_settings
from tacepath.http.responses import SafeJSONResponse
from tacepath.service import job_engine, jobs
from tacepath.service.principal import Principal

router = APIRouter(tags=["jobs"])


class JobIn(BaseModel):
    """A job to start: ``analysis`` runs a trial's analysis plan on its current files."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["analysis"]
    trial_id: int = Field(ge=1, le=2**31 - 1)


@router.post("/jobs", status_code=202, response_class=SafeJSONResponse)
async def start(
    body: JobIn, request: Request, who: Principal = Depends(Require("trial.run"))
) -> SafeJSONResponse:
    """Queue a job (202, ``Location``: the job's URL; follow it with ``GET``). 404: not
    your trial; 422: its files are missing; 429: the organisation's job limit is reached."""
    job = await run_in_threadpool(
        job_engine.start_analysis,
        get_jobs(request),
        who,
        body.trial_id,
        limit=get_settings(request).max_jobs_per_organisation,
    )
    return SafeJSONResponse(job, status_code=202, headers={"Location": job["url"]})


@router.get("/jobs")
def list_jobs(
    request: Request,
    trial_id: int | None = Query(None, ge=1, le=2**31 - 1),
    limit: int = Query(20, ge=1, le=100),
    who: Principal = Depends(Require("trial.read")),
) -> list[dict[str, Any]]:
    """The organisation's jobs (of one trial), newest first."""
    return jobs.list_jobs(get_db(request), who, trial_id=trial_id, limit=limit)


@router.get("/jobs/{job_id}")
def get_job(
    job_id: RecordId, request: Request, who: Principal = Depends(Require("trial.read"))
) -> dict[str, Any]:
    """A job: ``state`` (queued, running, done, failed, cancelled, interrupted),
    ``progress`` (0-1) and ``step``, timings, ``result`` (``analysis``: the analysis whose
    report to read) and ``error``. Another organisation's job: 404."""
    return jobs.get_job(get_db(request), who, job_id)


@router.post("/jobs/{job_id}/cancel")
def cancel(
    job_id: RecordId, request: Request, who: Principal = Depends(Require("trial.run"))
) -> dict[str, Any]:
    """Cancel a job: a queued one at once; a running one stops within a few seconds
    (``cancel_requested`` until then); a finished one is left as it is."""
    return jobs.cancel_job(get_db(request), who, job_id)
