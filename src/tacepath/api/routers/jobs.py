"""Background jobs: start an analysis run, a reconstruction, a cohort assessment or a trial
simulation, follow its progress, cancel it, download what it made."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tacepath.http.deps import RecordId, Require, get_db, get_jobs, get_settings
from tacepath.http.responses import SafeJSONResponse
from tacepath.service import job_engine, jobs
from tacepath.service.job_kinds import MAX_COHORT_BYTES, MAX_REPLICATES
from tacepath.service.principal import Principal
from tacepath.service.reconstruct import MAX_CSV_BYTES

router = APIRouter(tags=["jobs"])


class AnalysisJobIn(BaseModel):
    """``analysis``: run a trial's analysis plan on its current files."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["analysis"]
    trial_id: int = Field(ge=1, le=2**31 - 1)


class ReconstructionInputs(BaseModel):
    """A digitised Kaplan-Meier curve (CSV ``time,surv``) and its at-risk table (CSV
    ``time,n_risk``) or ``n``; the published number of ``events`` if known."""

    model_config = ConfigDict(extra="forbid")

    curve_csv: str = Field(min_length=1, max_length=MAX_CSV_BYTES)
    at_risk_csv: str | None = Field(None, min_length=1, max_length=MAX_CSV_BYTES)
    events: int | None = Field(None, ge=0, le=1_000_000)
    n: int | None = Field(None, ge=1, le=1_000_000)
    arm: str | None = Field(None, max_length=60)
    percent: bool = False


class ReconstructionJobIn(BaseModel):
    """``reconstruction``: patient data from a published curve (Guyot et al. 2012)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["reconstruction"]
    inputs: ReconstructionInputs


class CohortInputs(BaseModel):
    """A cohort CSV (the registry columns of ``tacepath assess``), as text."""

    model_config = ConfigDict(extra="forbid")

    cohort_csv: str = Field(min_length=1, max_length=MAX_COHORT_BYTES)


class CohortJobIn(BaseModel):
    """``cohort-assessment``: every patient's scores of a cohort file (``scores.csv``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["cohort-assessment"]
    inputs: CohortInputs


class SimulationInputs(BaseModel):
    """A trial as ``tacepath simulate trial`` takes it (exponential control arm, proportional
    hazards; months); the scenario's own checks apply too (``events`` at most ``patients``,
    a one-sided ``alpha`` below 0.5...)."""

    model_config = ConfigDict(extra="forbid")

    hazard_ratio: float = Field(gt=0, le=100)
    median_control: float = Field(gt=0, le=10_000)
    accrual_months: float = Field(gt=0, le=10_000)
    patients: int = Field(ge=2, le=1_000_000)
    events: int = Field(ge=1, le=1_000_000)
    allocation: float | None = Field(None, gt=0, le=100)
    dropout: float | None = Field(None, ge=0, lt=1)
    dropout_months: float | None = Field(None, gt=0, le=10_000)
    alpha: float | None = Field(None, gt=0, lt=1)
    sides: Literal[1, 2] | None = None
    replicates: int = Field(ge=1, le=MAX_REPLICATES)
    seed: int = Field(ge=0, le=2**63 - 1)


class SimulationJobIn(BaseModel):
    """``simulation``: power, type I error and duration of a trial by Monte-Carlo."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["simulation"]
    inputs: SimulationInputs


JobIn = Annotated[
    AnalysisJobIn | ReconstructionJobIn | CohortJobIn | SimulationJobIn,
    Field(discriminator="kind"),
]


def _start(request: Request, who: Principal, body: Any) -> dict[str, Any]:
    engine, limit = get_jobs(request), get_settings(request).max_jobs_per_organisation
    if isinstance(body, AnalysisJobIn):
        return job_engine.start_analysis(engine, who, body.trial_id, limit=limit)
    if isinstance(body, ReconstructionJobIn):
        r = body.inputs
        files = {"curve.csv": ("text/csv", r.curve_csv.encode())}
        if r.at_risk_csv is not None:
            files["at_risk.csv"] = ("text/csv", r.at_risk_csv.encode())
        inputs = {"events": r.events, "n": r.n, "arm": r.arm, "percent": r.percent}
        return job_engine.start_job(
            engine, who, "reconstruction", inputs=inputs, files=files, limit=limit
        )
    if isinstance(body, SimulationJobIn):
        trial = body.inputs.model_dump(exclude_none=True)
        return job_engine.start_job(engine, who, "simulation", inputs=trial, files={}, limit=limit)
    cohort = {"cohort.csv": ("text/csv", body.inputs.cohort_csv.encode())}
    return job_engine.start_job(
        engine, who, "cohort-assessment", inputs={"format": "csv"}, files=cohort, limit=limit
    )


@router.post("/jobs", status_code=202, response_class=SafeJSONResponse)
async def start(
    body: JobIn, request: Request, who: Principal = Depends(Require("trial.run"))
) -> SafeJSONResponse:
    """Queue a job (202, ``Location``: the job's URL; follow it with ``GET``): ``analysis``
    (``trial_id``), ``reconstruction``, ``cohort-assessment`` or ``simulation``
    (``inputs``). 404: not your
    trial; 422: a bad body, missing trial files; 429: the organisation's job limit."""
    job = await run_in_threadpool(_start, request, who, body)
    return SafeJSONResponse(job, status_code=202, headers={"Location": job["url"]})


@router.get("/jobs")
def list_jobs(
    request: Request,
    trial_id: int | None = Query(None, ge=1, le=2**31 - 1),
    kind: Literal["analysis", "reconstruction", "cohort-assessment", "simulation"] | None = Query(
        None
    ),
    limit: int = Query(20, ge=1, le=100),
    who: Principal = Depends(Require("trial.read")),
) -> list[dict[str, Any]]:
    """The organisation's jobs (of one trial, of one kind), newest first."""
    return jobs.list_jobs(get_db(request), who, trial_id=trial_id, kind=kind, limit=limit)


@router.get("/jobs/{job_id}")
def get_job(
    job_id: RecordId, request: Request, who: Principal = Depends(Require("trial.read"))
) -> dict[str, Any]:
    """A job: ``state`` (queued, running, done, failed, cancelled, interrupted),
    ``progress`` (0-1) and ``step``, timings, ``result`` (``analysis``: the analysis whose
    report to read; ``files``: what the job made, each with its ``url``) and ``error``.
    Another organisation's job: 404."""
    return jobs.get_job(get_db(request), who, job_id)


@router.get(
    "/jobs/{job_id}/files/{name}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/json": {}, "image/png": {}}}},
)
def job_file(
    job_id: RecordId,
    request: Request,
    name: str = Path(max_length=200),
    who: Principal = Depends(Require("trial.read")),
) -> Response:
    """A file a finished job made (``result.files``), as an attachment."""
    shown, media_type, content = jobs.job_file(get_db(request), who, job_id, name)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{shown}"'},
    )


@router.post("/jobs/{job_id}/cancel")
def cancel(
    job_id: RecordId, request: Request, who: Principal = Depends(Require("trial.run"))
) -> dict[str, Any]:
    """Cancel a job: a queued one at once; a running one stops within a few seconds
    (``cancel_requested`` until then); a finished one is left as it is."""
    return jobs.cancel_job(get_db(request), who, job_id)
