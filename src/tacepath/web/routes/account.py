"""Account (API tokens) and administration (users, audit trail)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.http.errors import problems_json
from tacepath.service import auth
from tacepath.service.audit import CATEGORIES, audit_trail
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
