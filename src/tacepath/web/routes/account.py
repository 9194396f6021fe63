"""Account (API tokens) and administration (users, audit trail)."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import RecordId, Require, audit_filter, get_db
from tacepath.http.errors import problems_json
from tacepath.service import auth
from tacepath.service.audit import CATEGORIES, AuditFilter, audit_page, audit_trail
from tacepath.service.errors import AlreadyExists
from tacepath.service.permissions import PERMISSIONS, ROLES
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()


def _account(
    request: Request,
    who: Principal,
    new_token: str = "",
    status: int = 200,
    problems: list[dict[str, object]] | None = None,
) -> HTMLResponse:
    tokens = auth.list_api_tokens(get_db(request), who)
    perms = [p for p in PERMISSIONS.values() if who.can(p.name)]
    return page(
        request,
        "account.html",
        {"tokens": tokens, "new_token": new_token, "perms": perms, "problems": problems or []},
        who=who,
        status=status,
        title="Account",
    )


@router.get("/account")
def account(request: Request, who: Principal = Depends(Require("authenticated"))) -> HTMLResponse:
    return _account(request, who)


@router.post("/account/tokens")
def new_token(
    request: Request,
    name: str = Form("", max_length=200),
    who: Principal = Depends(Require("authenticated")),
) -> HTMLResponse:
    try:
        tok = auth.create_api_token(get_db(request), who, name)
    except InputError as exc:
        return _account(request, who, status=422, problems=problems_json(exc.problems))
    return _account(request, who, new_token=str(tok["token"]))


@router.post("/account/tokens/{token_id}/revoke")
def revoke(
    token_id: RecordId, request: Request, who: Principal = Depends(Require("authenticated"))
) -> Response:
    auth.revoke_api_token(get_db(request), who, token_id)
    return RedirectResponse("/account", status_code=303)


def _admin(
    request: Request,
    who: Principal,
    status: int = 200,
    problems: list[dict[str, object]] | None = None,
    category: str | None = None,
) -> HTMLResponse:
    db = get_db(request)
    users = auth.list_users(db, who)
    trail = audit_trail(db, who, category=category, limit=100) if who.can("audit.read") else []
    return page(
        request,
        "admin.html",
        {
            "users": users,
            "trail": trail,
            "roles": ROLES,
            "problems": problems or [],
            "permissions": PERMISSIONS.values(),
            "categories": CATEGORIES,
            "category": category,
        },
        who=who,
        status=status,
        title="Admin",
    )


@router.get("/admin")
def admin(
    request: Request,
    who: Principal = Depends(Require("users.manage")),
    category: Literal["access", "read", "change"] | None = Query(None),
) -> HTMLResponse:
    return _admin(request, who, category=category)


@router.post("/admin/users")
def add_user(
    request: Request,
    username: str = Form("", max_length=100_000),  # the service says what is allowed
    password: str = Form("", max_length=1024),
    role: str = Form("", max_length=40),
    full_name: str = Form("", max_length=100_000),
    who: Principal = Depends(Require("users.manage")),
) -> Response:
    try:
        auth.create_user(
            get_db(request),
            who,
            organisation_id=who.organisation_id,
            username=username,
            password=password,
            role=role,
            full_name=full_name,
        )
    except InputError as exc:
        return _admin(request, who, status=422, problems=problems_json(exc.problems))
    except AlreadyExists:
        return _admin(
            request,
            who,
            status=409,
            problems=[{"field": "username", "value": username, "allowed": "a user name not taken"}],
        )
    return RedirectResponse("/admin", status_code=303)


#: Records per page of the audit trail page.
AUDIT_PAGE_SIZE = 50


@router.get("/audit")
def audit(
    request: Request,
    f: AuditFilter = Depends(audit_filter),
    page_no: int = Query(1, ge=1, le=100_000, alias="page"),
    who: Principal = Depends(Require("audit.read")),
) -> HTMLResponse:
    """The audit trail with its filters, a page of :data:`AUDIT_PAGE_SIZE` records, and the
    same filters' CSV export: the admin without values, clinical roles with their patients'
    values (``tacepath.service.audit.audit_page``)."""
    if (
        f.category is None
        and "category" not in request.query_params
        and not who.can("patient.read")
    ):
        f = replace(f, category="change")  # sign-ins apart from clinical changes
    found = audit_page(
        get_db(request), who, f, offset=(page_no - 1) * AUDIT_PAGE_SIZE, limit=AUDIT_PAGE_SIZE
    )
    shown = {k: v for k, v in request.query_params.items() if k != "page" and v}
    if f.category and "category" not in shown:
        shown["category"] = f.category
    last = max(1, -(-found.total // AUDIT_PAGE_SIZE))
    return page(
        request,
        "audit.html",
        {
            "found": found,
            "f": f,
            "categories": CATEGORIES if not found.values else ("read", "change"),
            "query": urlencode(shown),
            "page_no": page_no,
            "last": last,
            "csv_url": "/api/audit.csv" + ("?" + urlencode(shown) if shown else ""),
            "shown": shown,
        },
        who=who,
        title="Audit trail",
    )
