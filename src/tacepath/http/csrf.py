"""The CSRF check: a state-changing request on a session must carry the session's CSRF token
(header ``X-CSRF-Token`` or form field ``csrf_token``). API tokens need none (no cookie)."""

from __future__ import annotations

import hmac

from fastapi import Request

from tacepath.service.errors import PermissionDenied
from tacepath.service.principal import Principal

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "CsrfFailed", "check_csrf"]

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfFailed(PermissionDenied):
    """A state-changing request on a session without its CSRF token."""

    def __init__(self) -> None:
        Exception.__init__(self, "missing or wrong CSRF token")
        self.permission = "csrf"
        self.role = ""


async def check_csrf(request: Request, principal: Principal) -> None:
    """Refuse (:class:`CsrfFailed`) a state-changing session request without its token."""
    if request.method not in _UNSAFE or principal.via != "session":
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    expected = principal.csrf_token or ""
    if not given or not hmac.compare_digest(given, expected):
        raise CsrfFailed()
