"""Evidence browser: the registry's trials with their sources, and the conflicts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import HTMLResponse

from tacepath.http.deps import Require
from tacepath.service import evidence
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()


@router.get("/evidence")
def evidence_list(
    request: Request, who: Principal = Depends(Require("evidence.read"))
) -> HTMLResponse:
    ctx = {"trials": evidence.trial_list(who), "conflicts": evidence.conflicts(who)}
    return page(request, "evidence.html", ctx, who=who, title="Evidence")


@router.get("/evidence/{trial_id}")
def evidence_trial(
    request: Request,
    trial_id: str = Path(..., max_length=40),
    who: Principal = Depends(Require("evidence.read")),
) -> HTMLResponse:
    t = evidence.trial_detail(who, trial_id)
    return page(request, "evidence_trial.html", {"t": t}, who=who, title=t["name"])
