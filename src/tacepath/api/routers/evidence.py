"""The evidence registry: trials with every number's source, and the conflicts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path

from tacepath.http.deps import Require
from tacepath.service import evidence
from tacepath.service.principal import Principal

router = APIRouter(tags=["evidence"])


@router.get("/evidence/trials")
def trials(who: Principal = Depends(Require("evidence.read"))) -> list[dict[str, Any]]:
    """Every trial: phase, size, status, headline result with its source."""
    return evidence.trial_list(who)


@router.get("/evidence/trials/{trial_id}")
def trial(
    trial_id: str = Path(..., max_length=40),
    who: Principal = Depends(Require("evidence.read")),
) -> dict[str, Any]:
    """One trial: design, arms, results, adverse events, conflicts, sources."""
    return evidence.trial_detail(who, trial_id)


@router.get("/evidence/conflicts")
def conflicts(who: Principal = Depends(Require("evidence.read"))) -> list[dict[str, Any]]:
    """Where the seed page (or a paper's own text) disagrees with the primary source."""
    return evidence.conflicts(who)
