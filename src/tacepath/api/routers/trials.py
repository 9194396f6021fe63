"""Trial workspaces: upload ADSL/ADTTE and the SAP, run the analysis, read the report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from tacepath.api.schemas import TrialIn
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.http.responses import attachment, summary_html
from tacepath.service import trials
from tacepath.service.principal import Principal

router = APIRouter(tags=["trials"])


@router.get("/trials")
def list_trials(
    request: Request, who: Principal = Depends(Require("trial.read"))
) -> list[dict[str, Any]]:
    return trials.list_trials(get_db(request), who)


@router.post("/trials", status_code=201)
def create_trial(
    body: TrialIn, request: Request, who: Principal = Depends(Require("trial.write"))
) -> dict[str, Any]:
    return trials.create_trial(get_db(request), who, body.name, body.description)


@router.get("/trials/{trial_id}")
def get_trial(
    trial_id: RecordId, request: Request, who: Principal = Depends(Require("trial.read"))
) -> dict[str, Any]:
    """The workspace: files (latest of each kind is current), analyses, runner status."""
    return trials.get_trial(get_db(request), who, trial_id)


@router.post("/trials/{trial_id}/files", status_code=201)
async def upload(
    trial_id: RecordId,
    request: Request,
    kind: str = Form(..., max_length=10, description="adsl, adtte, adae or sap"),
    file: UploadFile = File(...),
    who: Principal = Depends(Require("trial.write")),
) -> dict[str, Any]:
    """Upload ADSL, ADTTE or ADAE (CSV with USUBJID, or .parquet/.xpt) or the SAP (YAML)."""
    content = await file.read(trials.MAX_FILE_BYTES + 1)
    name = file.filename or f"{kind}.dat"
    return await run_in_threadpool(
        trials.upload_file, get_db(request), who, trial_id, kind, name, content
    )


@router.get(
    "/trials/{trial_id}/files/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download(
    trial_id: RecordId,
    file_id: RecordId,
    request: Request,
    who: Principal = Depends(Require("trial.read")),
) -> Response:
    name, content = trials.trial_file(get_db(request), who, trial_id, file_id)
    safe = "".join(c for c in name if c.isalnum() or c in "._-") or "file"
    return attachment(content, "application/octet-stream", safe)


@router.post("/trials/{trial_id}/analyses", status_code=201)
def run(
    trial_id: RecordId, request: Request, who: Principal = Depends(Require("trial.run"))
) -> dict[str, Any]:
    """Run the SAP on the current files with ``tacepath analyze`` (a few seconds; 501 when
    the runner is not installed, 422 with its messages when the data or plan are refused)."""
    limits = request.app.state.settings.run_limits
    return trials.run_analysis(get_db(request), who, trial_id, limits=limits)


@router.get("/trials/{trial_id}/analyses/{analysis_id}/report.html", response_class=HTMLResponse)
def report(
    trial_id: RecordId,
    analysis_id: RecordId,
    request: Request,
    who: Principal = Depends(Require("trial.read")),
) -> HTMLResponse:
    """The analysis report (HTML, as ``tacepath analyze`` wrote it)."""
    html = trials.analysis_report(get_db(request), who, trial_id, analysis_id, "html")
    return summary_html(html)  # self-contained: inline styles, embedded figures


@router.get(
    "/trials/{trial_id}/analyses/{analysis_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def report_pdf(
    trial_id: RecordId,
    analysis_id: RecordId,
    request: Request,
    who: Principal = Depends(Require("trial.read")),
) -> Response:
    pdf = trials.analysis_report(get_db(request), who, trial_id, analysis_id, "pdf")
    return attachment(pdf, "application/pdf", f"analysis-{analysis_id}.pdf")


@router.get("/trials/{trial_id}/analyses/{analysis_id}/results.json")
def report_json(
    trial_id: RecordId,
    analysis_id: RecordId,
    request: Request,
    who: Principal = Depends(Require("trial.read")),
) -> dict[str, Any]:
    """Every number of the report (``results.json``)."""
    out: dict[str, Any] = trials.analysis_report(
        get_db(request), who, trial_id, analysis_id, "json"
    )
    return out
