"""One HTTP status per error: JSON under ``/api``, a page (or the login redirect) elsewhere;
:func:`is_api` is the one function that decides which. The page is drawn by the renderer the
application passes to :func:`install_error_handlers` (the web's error page).

* ``InputError`` and request validation: 422, every problem with field, value, allowed;
* ``NotAuthenticated``: 401 (pages: a redirect to the login);
* ``PermissionDenied`` and a missing CSRF token: 403;
* ``NotFound``: 404, also for another organisation's records;
* ``StaleVersion``, ``AlreadyExists``: 409;
* ``RateLimited``: 429 with Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from tacepath.errors import InputError, Problem
from tacepath.http.responses import SafeJSONResponse, plain
from tacepath.service.errors import (
    AlreadyExists,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceError,
    StaleVersion,
)

__all__ = ["ErrorPage", "install_error_handlers", "is_api", "problems_json"]

#: Draws the error page of a non-API request: request, status, message, problems.
ErrorPage = Callable[[Request, int, str, list[dict[str, Any]]], Response]


def is_api(request: Request) -> bool:
    """Whether the request gets JSON (the REST API) rather than a page."""
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path.startswith("/openapi")


def problems_json(problems: tuple[Problem, ...] | list[Problem]) -> list[dict[str, Any]]:
    return [{"field": p.field, "value": plain(p.value), "allowed": p.allowed} for p in problems]


def _status(exc: Exception) -> int:
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, NotAuthenticated):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, StaleVersion | AlreadyExists):
        return 409
    if isinstance(exc, RateLimited):
        return 429
    return 400


def _respond(request: Request, exc: Exception, page: ErrorPage) -> Response:
    status = _status(exc)
    problems = problems_json(exc.problems) if isinstance(exc, InputError) else []
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if not is_api(request):
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        resp = page(request, status, str(exc) if status != 422 else "invalid input", problems)
        if headers:
            resp.headers.update(headers)
        return resp
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    if problems:
        body["problems"] = problems
    if isinstance(exc, StaleVersion):
        body["current_version"] = exc.current
    return SafeJSONResponse(body, status_code=status, headers=headers)


def _validation_problems(exc: RequestValidationError) -> list[Problem]:
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "form")]
        allowed = str(e.get("msg", "")).removeprefix("Input should be ")
        allowed = allowed.removeprefix("Value error, ")
        if e.get("type") == "missing":
            allowed = "a value (required)"
        out.append(Problem(".".join(loc) or "body", e.get("input"), allowed))
    return out


def install_error_handlers(app: FastAPI, page: ErrorPage) -> None:
    """Map every error to its status; ``page`` draws the response of a non-API request."""

    async def tacepath_error(request: Request, exc: Exception) -> Response:
        return _respond(request, exc, page)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = _validation_problems(exc)
        if is_api(request):
            return SafeJSONResponse(
                {
                    "error": "InputError",
                    "message": "invalid input",
                    "problems": problems_json(problems),
                },
                status_code=422,
            )
        return page(request, 422, "invalid input", problems_json(problems))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_api(request) or exc.status_code not in (404, 405):
            return SafeJSONResponse(
                {"error": "HTTPError", "message": str(exc.detail)},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return page(request, exc.status_code, str(exc.detail), [])

    app.add_exception_handler(InputError, tacepath_error)
    app.add_exception_handler(ServiceError, tacepath_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
