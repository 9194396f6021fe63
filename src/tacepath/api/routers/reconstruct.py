"""IPD reconstruction from a digitised Kaplan–Meier curve and its at-risk table."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from tacepath.http.deps import Require
from tacepath.service import reconstruct as recon
from tacepath.service.principal import Principal

router = APIRouter(tags=["reconstruction"])


@router.post("/reconstruct")
async def reconstruct(
    curve: UploadFile = File(..., description="Digitised points: CSV time,surv."),
    at_risk: UploadFile | None = File(None, description="At-risk table: CSV time,n_risk."),
    events: int | None = Form(None, ge=0, le=1_000_000),
    n: int | None = Form(None, ge=1, le=1_000_000),
    arm: str | None = Form(None, max_length=60),
    percent: bool = Form(False),
    who: Principal = Depends(Require("reconstruct.run")),
) -> dict[str, Any]:
    """Guyot et al. 2012: the accuracy report, the cleaning log, the IPD (CSV text) and the
    figure (PNG, base64)."""
    curve_bytes = await curve.read(recon.MAX_CSV_BYTES + 1)
    risk_bytes = await at_risk.read(recon.MAX_CSV_BYTES + 1) if at_risk is not None else None
    out = await run_in_threadpool(
        lambda: recon.reconstruct(
            who,
            curve=curve_bytes,
            at_risk=risk_bytes or None,
            events=events,
            n=n,
            arm=arm,
            percent=percent,
        )
    )
    png = out.pop("png")
    out["png_base64"] = base64.b64encode(png).decode() if png else None
    return out
