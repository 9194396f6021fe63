"""Trial workspace pages: list, create, upload ADSL/ADTTE/SAP, run (a background job whose
progress the page polls), reports."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import RecordId, Require, get_db, get_jobs, get_settings
from tacepath.http.errors import problems_json
from tacepath.service import job_engine, jobs, trials
from tacepath.service.errors import AlreadyExists, NotFound, TooManyJobs
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()

#: The most recent jobs a trial page lists.
JOBS_SHOWN = 5


@router.get("/trials")
def trial_list(request: Request, who: Principal = Depends(Require("trial.read"))) -> HTMLResponse:
    rows = trials.list_trials(get_db(request), who)
    return page(request, "trials.html", {"rows": rows, "problems": []}, who=who, title="Trials")


@router.post("/trials")
def trial_create(
    request: Request,
    name: str = Form("", max_length=100_000),  # the service says what is allowed
    description: str = Form("", max_length=100_000),
    who: Principal = Depends(Require("trial.write")),
) -> Response:
    try:
        t = trials.create_trial(get_db(request), who, name, description)
    except (InputError, AlreadyExists) as exc:
        probs = (
            problems_json(exc.problems)
            if isinstance(exc, InputError)
            else [{"field": "name", "value": name, "allowed": "a name not used yet"}]
        )
        rows = trials.list_trials(get_db(request), who)
        return page(
            request,
            "trials.html",
            {"rows": rows, "problems": probs},
            who=who,
            status=422,
            title="Trials",
        )
    return RedirectResponse(f"/trials/{t['id']}", status_code=303)


def _trial_page(
    request: Request,
    who: Principal,
    trial_id: int,
    *,
    problems: list[dict[str, object]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = trials.get_trial(get_db(request), who, trial_id)
    job_rows = jobs.list_jobs(get_db(request), who, trial_id=trial_id, limit=JOBS_SHOWN)
    return page(
        request,
        "trial.html",
        {"t": t, "jobs": job_rows, "problems": problems or []},
        who=who,
        status=status,
        title=t["name"],
    )


@router.get("/trials/{trial_id}")
def trial_page(
    trial_id: RecordId, request: Request, who: Principal = Depends(Require("trial.read"))
) -> HTMLResponse:
    return _trial_page(request, who, trial_id)


@router.post("/trials/{trial_id}/files")
async def trial_upload(
    trial_id: RecordId,
    request: Request,
    kind: str = Form(..., max_length=10),
    file: UploadFile = File(...),
    who: Principal = Depends(Require("trial.write")),
) -> Response:
    content = await file.read(trials.MAX_FILE_BYTES + 1)
    try:
        await run_in_threadpool(
            trials.upload_file, get_db(request), who, trial_id, kind, file.filename or kind, content
        )
    except InputError as exc:
        return _trial_page(request, who, trial_id, problems=problems_json(exc.problems), status=422)
    return RedirectResponse(f"/trials/{trial_id}", status_code=303)


@router.post("/trials/{trial_id}/run")
def trial_run(
    trial_id: RecordId, request: Request, who: Principal = Depends(Require("trial.run"))
) -> Response:
    """Start the analysis plan as a background job; the page shows its progress."""
    try:
        job_engine.start_analysis(
            get_jobs(request),
            who,
            trial_id,
            limit=get_settings(request).max_jobs_per_organisation,
        )
    except InputError as exc:
        return _trial_page(request, who, trial_id, problems=problems_json(exc.problems), status=422)
    except TooManyJobs as exc:
        busy = [{"field": "jobs", "value": exc.limit, "allowed": str(exc)}]
        return _trial_page(request, who, trial_id, problems=busy, status=429)
    return RedirectResponse(f"/trials/{trial_id}#jobs", status_code=303)


@router.get("/trials/{trial_id}/jobs")
def trial_jobs(
    trial_id: RecordId, request: Request, who: Principal = Depends(Require("trial.read"))
) -> HTMLResponse:
    """The jobs fragment of the trial page (polled while a job is queued or running). When
    the page's poll finds no job active any more, htmx reloads the whole page once, so that
    its analyses table shows the new report too."""
    t = trials.get_trial(get_db(request), who, trial_id)
    job_rows = jobs.list_jobs(get_db(request), who, trial_id=trial_id, limit=JOBS_SHOWN)
    response = page(request, "_jobs.html", {"t": t, "jobs": job_rows}, who=who)
    if request.headers.get("HX-Request") and not any(
        j["state"] in jobs.ACTIVE_STATES for j in job_rows
    ):
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/trials/{trial_id}/jobs/{job_id}/cancel")
def trial_job_cancel(
    trial_id: RecordId,
    job_id: RecordId,
    request: Request,
    who: Principal = Depends(Require("trial.run")),
) -> Response:
    """Cancel one of the trial's jobs."""
    if jobs.get_job(get_db(request), who, job_id)["trial_id"] != trial_id:
        raise NotFound("job", job_id)
    jobs.cancel_job(get_db(request), who, job_id)
    return RedirectResponse(f"/trials/{trial_id}#jobs", status_code=303)
