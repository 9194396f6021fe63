"""The session cookie: HttpOnly, Secure (unless switched off for plain-HTTP development),
SameSite=Lax, the session's lifetime."""

from __future__ import annotations

from starlette.responses import Response

from tacepath.http.settings import SESSION_COOKIE, Settings
from tacepath.service.auth import SESSION_LIFETIME

__all__ = ["clear_session_cookie", "set_session_cookie"]


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, secure=settings.secure_cookies, samesite="lax", path="/"
    )
