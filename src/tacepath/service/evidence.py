"""The evidence registry as the pages and the API show it (views of the registry engine)."""

from __future__ import annotations

from typing import Any

from tacepath.evidence.registry import registry
from tacepath.evidence.views import conflict_rows, trial_dict, trial_rows
from tacepath.service.errors import NotFound
from tacepath.service.permissions import check
from tacepath.service.principal import Principal

__all__ = ["conflicts", "trial_detail", "trial_list"]


def trial_list(who: Principal) -> list[dict[str, Any]]:
    check(who.role, "evidence.read")
    return trial_rows(registry())


def trial_detail(who: Principal, trial_id: str) -> dict[str, Any]:
    check(who.role, "evidence.read")
    reg = registry()
    for t in reg:
        if trial_id.casefold() in (t.id.casefold(), *(a.casefold() for a in t.aliases)):
            return trial_dict(t)
    raise NotFound("trial", trial_id)


def conflicts(who: Principal) -> list[dict[str, Any]]:
    check(who.role, "evidence.read")
    return conflict_rows(registry())
