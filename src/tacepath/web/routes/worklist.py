"""The worklist page: what is due or overdue across the organisation's patients, with CSV
and iCalendar downloads of the same list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import Require, get_db
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


async def _list(
    request: Request, who: Principal, start: str, end: str, types: list[str], role: str
) -> service.Worklist:
    return await run_in_threadpool(
        service.worklist,
        get_db(request),
        who,
        start=_day(start, "from"),
        end=_day(end, "to"),
        types=tuple(types),
        role=role or None,
    )


Day = Query("", alias="from", max_length=32)
To = Query("", alias="to", max_length=32)
Types = Query([], alias="type", max_length=7)
RoleQ = Query("", max_length=16)


@router.get("/worklist")
async def worklist_page(
    request: Request,
    start: str = Day,
    end: str = To,
    types: list[str] = Types,
    role: str = RoleQ,
    who: Principal = Depends(Require("patient.read")),
) -> HTMLResponse:
    wl = await _list(request, who, start, end, types, role)
    query = str(request.url.query)
    ctx: dict[str, Any] = {
        "wl": wl,
        "kinds": service.type_labels(),
        "labels": {t["id"]: t["label"] for t in service.type_labels()},
        "form": {"from": start, "to": end, "types": wl.types, "role": role},
        "query": query,
    }
    return page(request, "worklist.html", ctx, who=who, title="Worklist")


@router.get("/worklist.csv")
async def worklist_csv(
    request: Request,
    start: str = Day,
    end: str = To,
    types: list[str] = Types,
    role: str = RoleQ,
    who: Principal = Depends(Require("patient.read")),
) -> Response:
    wl = await _list(request, who, start, end, types, role)
    return Response(
        service.worklist_csv(wl),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="worklist.csv"'},
    )


@router.get("/worklist.ics")
async def worklist_ics(
    request: Request,
    start: str = Day,
    end: str = To,
    types: list[str] = Types,
    role: str = RoleQ,
    who: Principal = Depends(Require("patient.read")),
) -> Response:
    wl = await _list(request, who, start, end, types, role)
    return Response(
        service.worklist_ics(wl),
        media_type="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="worklist.ics"'},
    )
