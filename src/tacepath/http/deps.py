"""Who is asking: sessions, API tokens, CSRF, and the permission each endpoint names.

Every route depends on one :class:`Require` (or :data:`PUBLIC`): the access-control test walks
the application's routes, reads that permission and checks every role against the table.
A request is authenticated by the session cookie or by ``Authorization: Bearer tp_...``; a
state-changing request on a session must carry the session's CSRF token
(:mod:`tacepath.http.csrf`). API tokens need no CSRF token (no cookie).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated, Any

from fastapi import Path, Query, Request
from starlette.concurrency import run_in_threadpool

from tacepath.errors import InputError
from tacepath.http.csrf import check_csrf
from tacepath.http.settings import SESSION_COOKIE, Settings
from tacepath.service.audit import AuditFilter
from tacepath.service.auth import session_principal, token_principal
from tacepath.service.db import Database
from tacepath.service.errors import NotAuthenticated
from tacepath.service.job_engine import JobEngine
from tacepath.service.permissions import PERMISSIONS, check
from tacepath.service.principal import Principal

__all__ = [
    "PUBLIC",
    "RecordId",
    "Require",
    "audit_filter",
    "client_address",
    "get_db",
    "get_jobs",
    "get_settings",
]


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_jobs(request: Request) -> JobEngine:
    engine: JobEngine = request.app.state.jobs
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request: Request) -> str:
    """The client's address for login throttling: the peer's, unless the peer is one of
    :attr:`Settings.trusted_proxies`; then the right-most ``X-Forwarded-For`` entry that is
    not a trusted proxy (a client cannot choose its address by sending the header)."""
    peer = request.client.host if request.client else "unknown"
    trusted = getattr(get_settings(request), "trusted_proxies", ())
    if not trusted:
        return peer
    nets = [ipaddress.ip_network(n, strict=False) for n in trusted]

    def is_trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return addr is not None and any(addr in n for n in nets)

    if not is_trusted(_ip(peer)):
        return peer
    hops = [h.strip() for v in request.headers.getlist("x-forwarded-for") for h in v.split(",")]
    for hop in reversed(hops):
        addr = _ip(hop)
        if addr is None:
            return "invalid"  # a forged or broken entry: one address for all of them
        if not is_trusted(addr):
            return str(addr)
    return peer


async def _principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    db = get_db(request)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        principal = await run_in_threadpool(token_principal, db, auth[7:].strip())
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise NotAuthenticated("not signed in")
        principal = await run_in_threadpool(session_principal, db, token)
    request.state.principal = principal
    return principal


class Require:
    """Dependency: the signed-in principal, who must hold ``permission``."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        self.permission = permission

    async def __call__(self, request: Request) -> Principal:
        principal = await _principal(request)
        await check_csrf(request, principal)
        check(principal.role, self.permission)
        return principal

    def __repr__(self) -> str:
        return f"Require({self.permission!r})"


class _Public:
    """Marker dependency of the few routes open without signing in."""

    permission = "public"

    async def __call__(self, request: Request) -> None:
        return None

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC: Any = _Public()


#: A record id in a path: 32-bit, positive (a larger number is refused with 422).
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _day(name: str, text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(name, text, "a day, YYYY-MM-DD") from None


def audit_filter(
    user: str | None = Query(None, max_length=80),
    patient: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=60),
    category: str | None = Query(None, max_length=10),
    entity: str | None = Query(None, max_length=40),
    entity_id: str | None = Query(None, max_length=64),
    since: str | None = Query(None, max_length=10, description="first day (UTC), YYYY-MM-DD"),
    until: str | None = Query(None, max_length=10, description="last day (UTC), YYYY-MM-DD"),
) -> AuditFilter:
    """The audit trail's filters from the query string, an empty one meaning any (a filter
    form sends its empty fields); the service checks them (``AuditFilter``)."""
    return AuditFilter(
        user or None,
        patient or None,
        action or None,
        category or None,
        entity or None,
        entity_id or None,
        _day("since", since),
        _day("until", until),
    )
