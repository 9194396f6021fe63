"""The navigator's worklist: items due or overdue across the organisation's patients."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from tacepath.http.deps import Require, get_db
from tacepath.http.responses import attachment
from tacepath.service import worklist as service
from tacepath.service.principal import Principal

router = APIRouter(tags=["worklist"])


@router.get(
    "/worklist",
    responses={200: {"content": {"text/csv": {}, "text/calendar": {}}}},
)
def get_worklist(
    request: Request,
    start: dt.date | None = Query(None, alias="from", description="First due date listed."),
    end: dt.date | None = Query(None, alias="to", description="Last due date (default +7 days)."),
    as_of: dt.date | None = Query(None, description="The day the list is made (today)."),
    type: list[str] = Query([], max_length=7, description="Item kinds (all when none)."),
    role: Literal["clinician", "navigator"] | None = Query(None),
    format: Literal["json", "csv", "ics"] = Query("json"),
    who: Principal = Depends(Require("patient.read")),
) -> Any:
    """``{"organisation", "as_of", "from", "to", "types", "role", "patients", "truncated",
    "overdue", "items": [{"patient", "record", "type", "due", "window_end", "status", "text",
    "role", "source"}]}``; ``format=csv`` or ``ics`` returns the same items as a file."""
    wl = service.worklist(
        get_db(request),
        who,
        as_of=as_of,
        start=start,
        end=end,
        types=tuple(t[:32] for t in type),
        role=role,
    )
    if format != "json":
        return attachment(*service.worklist_file(wl, format))
    return wl.to_dict()
