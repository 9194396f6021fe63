"""Cohort assessment page: upload a registry extract (CSV or Parquet), assessed as a
background job whose progress the page polls; the scores file is the job's download."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import RecordId, Require, get_db, get_jobs, get_settings
from tacepath.http.errors import problems_json
from tacepath.service import job_engine, jobs
from tacepath.service.errors import NotFound, TooManyJobs
from tacepath.service.job_kinds import MAX_COHORT_BYTES
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()

KIND = "cohort-assessment"
#: The most recent cohort assessments the page lists.
JOBS_SHOWN = 10
_FORMATS = {".csv": ("csv", "text/csv"), ".parquet": ("parquet", "application/vnd.apache.parquet")}


def _page(
    request: Request,
    who: Principal,
    *,
    problems: list[dict[str, object]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows = jobs.list_jobs(get_db(request), who, kind=KIND, limit=JOBS_SHOWN)
    return page(
        request,
        "cohort.html",
        {"jobs": rows, "problems": problems or [], "max_mib": MAX_COHORT_BYTES // 2**20},
        who=who,
        status=status,
        title="Cohort assessment",
    )


@router.get("/cohort")
def cohort_page(request: Request, who: Principal = Depends(Require("trial.read"))) -> HTMLResponse:
    return _page(request, who)


@router.post("/cohort")
async def cohort_start(
    request: Request,
    file: UploadFile = File(...),
    who: Principal = Depends(Require("trial.run")),
) -> Response:
    """Queue the uploaded cohort's assessment; the page shows its progress."""
    name = (file.filename or "").lower()
    suffix = next((s for s in _FORMATS if name.endswith(s)), None)
    content = await file.read(MAX_COHORT_BYTES + 1)
    try:
        if suffix is None:
            raise InputError("file", (file.filename or "")[:60], "a .csv or .parquet file")
        fmt, media_type = _FORMATS[suffix]
        job_engine.start_job(
            get_jobs(request),
            who,
            KIND,
            inputs={"format": fmt},
            files={f"cohort.{fmt}": (media_type, content)},
            limit=get_settings(request).max_jobs_per_organisation,
        )
    except InputError as exc:
        return _page(request, who, problems=problems_json(exc.problems), status=422)
    except TooManyJobs as exc:
        busy = [{"field": "jobs", "value": exc.limit, "allowed": str(exc)}]
        return _page(request, who, problems=busy, status=429)
    return RedirectResponse("/cohort#jobs", status_code=303)


@router.get("/cohort/jobs")
def cohort_jobs(request: Request, who: Principal = Depends(Require("trial.read"))) -> HTMLResponse:
    """The jobs fragment of the page (polled while one is queued or running)."""
    rows = jobs.list_jobs(get_db(request), who, kind=KIND, limit=JOBS_SHOWN)
    return page(request, "_cohort_jobs.html", {"jobs": rows}, who=who)


@router.post("/cohort/jobs/{job_id}/cancel")
def cohort_cancel(
    job_id: RecordId, request: Request, who: Principal = Depends(Require("trial.run"))
) -> Response:
    """Cancel one of the organisation's cohort assessments."""
    if jobs.get_job(get_db(request), who, job_id)["kind"] != KIND:
        raise NotFound("job", job_id)
    jobs.cancel_job(get_db(request), who, job_id)
    return RedirectResponse("/cohort#jobs", status_code=303)
