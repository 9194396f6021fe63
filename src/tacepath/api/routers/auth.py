"""Sign in and out, who am I, API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from tacepath.api.schemas import LoginIn, TokenIn
from tacepath.http.cookies import clear_session_cookie, set_session_cookie
from tacepath.http.deps import (
    PUBLIC,
    RecordId,
    Require,
    client_address,
    get_db,
    get_settings,
)
from tacepath.service import auth
from tacepath.service.permissions import PERMISSIONS
from tacepath.service.principal import Principal

router = APIRouter(tags=["auth"])


@router.post("/auth/login", dependencies=[Depends(PUBLIC)])
def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
    """Sign in: sets the session cookie; send ``csrf_token`` as ``X-CSRF-Token`` with writes.
    Rate-limited: 429 after repeated failures."""
    token, who = auth.login(get_db(request), body.username, body.password, client_address(request))
    set_session_cookie(response, token, get_settings(request))
    return {"user": who.to_dict(), "csrf_token": who.csrf_token}


@router.post("/auth/logout")
def logout(
    request: Request, response: Response, who: Principal = Depends(Require("authenticated"))
) -> dict[str, bool]:
    auth.logout(get_db(request), who)
    clear_session_cookie(response, get_settings(request))
    return {"signed_out": True}


@router.get("/auth/me")
def me(who: Principal = Depends(Require("authenticated"))) -> dict[str, Any]:
    """The signed-in user, its role and permissions."""
    return {
        "user": who.to_dict(),
        "permissions": sorted(p for p in PERMISSIONS if who.can(p)),
        "csrf_token": who.csrf_token,
    }


@router.get("/tokens")
def list_tokens(
    request: Request, who: Principal = Depends(Require("authenticated"))
) -> list[dict[str, Any]]:
    return auth.list_api_tokens(get_db(request), who)


@router.post("/tokens", status_code=201)
def create_token(
    body: TokenIn, request: Request, who: Principal = Depends(Require("authenticated"))
) -> dict[str, Any]:
    """A new API token (shown once): ``Authorization: Bearer <token>``; it works for
    ``days`` (default 90, at most 365). Only with a signed-in session: a token cannot make
    tokens (403)."""
    return auth.create_api_token(get_db(request), who, body.name, days=body.days)


@router.delete("/tokens/{token_id}")
def revoke_token(
    token_id: RecordId, request: Request, who: Principal = Depends(Require("authenticated"))
) -> dict[str, bool]:
    auth.revoke_api_token(get_db(request), who, token_id)
    return {"revoked": True}


@router.get(
    "/health",
    dependencies=[Depends(PUBLIC)],
    responses={503: {"description": "The database does not answer"}},
)
def health(request: Request, response: Response) -> dict[str, str]:
    """The server is up and its database answers a query (503 when it does not); which
    database backend it uses."""
    db = get_db(request)
    problem = db.ping()
    if problem is None:
        return {"status": "ok", "database": db.backend}
    response.status_code = 503
    return {"status": "unavailable", "database": db.backend, "problem": problem}
