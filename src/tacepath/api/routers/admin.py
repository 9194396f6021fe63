"""Users of the organisation and its audit trail (admin)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from tacepath.api.schemas import UserIn
from tacepath.http.deps import Require, get_db
from tacepath.service import auth
from tacepath.service.audit import audit_trail
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
    entity: str | None = Query(None, max_length=40),
    entity_id: str | None = Query(None, max_length=64),
    category: Literal["access", "read", "change"] | None = Query(None),
    limit: int = Query(200, ge=1, le=1000),
    who: Principal = Depends(Require("audit.read")),
) -> list[dict[str, Any]]:
    """Who did what, when, on which record (newest first): the names of the fields a change
    touched, or the view a read used; never the values. ``category``: ``access`` (sign-ins,
    accounts, tokens), ``read`` (patient data read or exported), ``change``."""
    return audit_trail(
        get_db(request), who, entity=entity, entity_id=entity_id, category=category, limit=limit
    )
