"""Users of the organisation and its audit trail (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from tacepath.api.schemas import UserIn
from tacepath.http.deps import Require, audit_filter, get_db
from tacepath.http.responses import attachment
from tacepath.service import auth
from tacepath.service.audit import MAX_PAGE, AuditFilter, audit_csv, audit_page
from tacepath.service.principal import Principal

router = APIRouter(tags=["admin"])


@router.get("/users")
def users(
    request: Request, who: Principal = Depends(Require("users.manage"))
) -> list[dict[str, Any]]:
    return auth.list_users(get_db(request), who)


@router.post("/users", status_code=201)
def add_user(
    body: UserIn, request: Request, who: Principal = Depends(Require("users.manage"))
) -> dict[str, Any]:
    """Add a user to the admin's organisation (password: at least 12 characters)."""
    return auth.create_user(
        get_db(request),
        who,
        organisation_id=who.organisation_id,
        username=body.username,
        password=body.password,
        role=body.role,
        full_name=body.full_name,
    )


@router.get("/audit")
def audit(
    request: Request,
    response: Response,
    f: AuditFilter = Depends(audit_filter),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(200, ge=1, le=MAX_PAGE),
    who: Principal = Depends(Require("audit.read")),
) -> list[dict[str, Any]]:
    """Who did what, when, on which record (newest first), filtered by ``user``, ``patient``
    (identifier), ``action``, ``category`` (``access``: sign-ins, accounts, tokens; ``read``;
    ``change``), ``since``/``until`` (UTC days, included); ``offset``/``limit`` page through,
    ``X-Total-Count`` counts the matches. The admin gets the names of the fields a change
    touched (or the view a read used), never values; clinician and navigator get their
    organisation's patients' records only, with ``patient`` and ``changes`` (each changed
    field before and after)."""
    found = audit_page(get_db(request), who, f, offset=offset, limit=limit)
    response.headers["X-Total-Count"] = str(found.total)
    return list(found.rows)


@router.get("/audit.csv")
def audit_export(
    request: Request,
    f: AuditFilter = Depends(audit_filter),
    who: Principal = Depends(Require("audit.read")),
) -> Response:
    """The newest 1000 records of ``GET /api/audit`` with the same filters, as CSV (cells a
    spreadsheet would run as formulas are escaped with a leading ``'``)."""
    text = audit_csv(get_db(request), who, f)
    return attachment(text, "text/csv; charset=utf-8", "audit.csv")
