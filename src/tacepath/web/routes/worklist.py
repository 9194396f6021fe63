"""The worklist page: what is due or overdue across the organisation's patients, with CSV
and iCalendar downloads of the same list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import Require, get_db
from tacepath.http.responses import attachment
from tacepath.service import worklist as service
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()


def _day(value: str, name: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InputError(name, value, "an ISO date, e.g. 2026-12-01") from exc


Day = Query("", alias="from", max_length=32)
To = Query("", alias="to", max_length=32)
Types = Query([], alias="type", max_length=7)
RoleQ = Query("", max_length=16)


@dataclass(frozen=True, slots=True)
class _Listed:
    """The worklist the query asks for, who asked, and the query as the form shows it."""

    wl: service.Worklist
    who: Principal
    form: dict[str, Any]


async def _listed(
    request: Request,
    start: str = Day,
    end: str = To,
    types: list[str] = Types,
    role: str = RoleQ,
    who: Principal = Depends(Require("patient.read")),
) -> _Listed:
    """The page and its downloads read one query the same way (a dependency of each)."""
    wl = await run_in_threadpool(
        service.worklist,
        get_db(request),
        who,
        start=_day(start, "from"),
        end=_day(end, "to"),
        types=tuple(types),
        role=role or None,
    )
    return _Listed(wl, who, {"from": start, "to": end, "types": wl.types, "role": role})


@router.get("/worklist")
async def worklist_page(request: Request, listed: _Listed = Depends(_listed)) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "wl": listed.wl,
        "kinds": service.type_labels(),
        "labels": {t["id"]: t["label"] for t in service.type_labels()},
        "form": listed.form,
        "query": str(request.url.query),
    }
    return page(request, "worklist.html", ctx, who=listed.who, title="Worklist")


@router.get("/worklist.csv")
async def worklist_csv(listed: _Listed = Depends(_listed)) -> Response:
    return attachment(*service.worklist_file(listed.wl, "csv"))


@router.get("/worklist.ics")
async def worklist_ics(listed: _Listed = Depends(_listed)) -> Response:
    return attachment(*service.worklist_file(listed.wl, "ics"))
