"""One HTTP status per error: JSON under ``/api``, a page (or the login redirect) elsewhere;
:func:`is_api` is the one function that decides which. The page is drawn by the renderer the
application passes to :func:`install_error_handlers` (the web's error page).

* ``InputError`` and request validation: 422, every problem with field, value, allowed;
* ``NotAuthenticated``: 401 (pages: a redirect to the login);
* ``PermissionDenied`` and a missing CSRF token: 403;
* ``NotFound``: 404, also for another organisation's records;
* ``StaleVersion``, ``AlreadyExists``: 409;
* ``VersionRequired`` (a write without the record version it was made on): 428;
* ``RateLimited``: 429 with Retry-After;
* ``Busy`` (the database is locked or busy): 503 with Retry-After, nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from tacepath.errors import EXCERPT_CHARS, InputError, Problem, excerpt
from tacepath.http.responses import SafeJSONResponse, plain
from tacepath.service.errors import (
    AlreadyExists,
    Busy,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServiceError,
    StaleVersion,
    VersionRequired,
)

__all__ = ["ErrorPage", "install_error_handlers", "is_api", "problems_json"]

#: Draws the error page of a non-API request: request, status, message, problems.
ErrorPage = Callable[[Request, int, str, list[dict[str, Any]]], Response]


def is_api(request: Request) -> bool:
    """Whether the request gets JSON (the REST API) rather than a page."""
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path.startswith("/openapi")


#: Problems shown in one answer (the rest are counted).
MAX_PROBLEMS = 50


def shown_value(value: Any) -> Any:
    """What an error answer shows of an input value: numbers, booleans and null as they
    are; text cut to :data:`~tacepath.errors.EXCERPT_CHARS` characters with lone surrogates
    and other unencodable characters escaped; anything else as a short excerpt of its text.
    Never the whole of a large input (a 100 MB password, a million-item list)."""
    if value is None or isinstance(value, bool | int | float):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            return excerpt(value)
        return plain(value)
    if isinstance(value, str):
        cut = value if len(value) <= EXCERPT_CHARS else value[: EXCERPT_CHARS - 1] + "…"
        return cut.encode("utf-8", "backslashreplace").decode("utf-8")
    return excerpt(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _text(value: object, limit: int = 300) -> str:
    text = str(value)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def problems_json(problems: tuple[Problem, ...] | list[Problem]) -> list[dict[str, Any]]:
    out = [
        {"field": _text(p.field, 200), "value": shown_value(p.value), "allowed": _text(p.allowed)}
        for p in problems[:MAX_PROBLEMS]
    ]
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        out.append({"field": "(more)", "value": more, "allowed": f"{more} more problems"})
    return out


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
    if isinstance(exc, VersionRequired):
        return 428
    if isinstance(exc, RateLimited):
        return 429
    if isinstance(exc, Busy):
        return 503
    return 400


def _respond(request: Request, exc: Exception, page: ErrorPage) -> Response:
    status = _status(exc)
    problems = problems_json(exc.problems) if isinstance(exc, InputError) else []
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited | Busy) else None
    if not is_api(request):
        if status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        resp = page(request, status, str(exc) if status != 422 else "invalid input", problems)
        if headers:
            resp.headers.update(headers)
        return resp
    message = _text(exc, 1000)
    body: dict[str, Any] = {"error": type(exc).__name__, "message": message}
    if problems:
        body["problems"] = problems
    if isinstance(exc, StaleVersion | VersionRequired):
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
                {"error": "HTTPError", "message": _text(exc.detail)},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return page(request, exc.status_code, str(exc.detail), [])

    app.add_exception_handler(InputError, tacepath_error)
    app.add_exception_handler(ServiceError, tacepath_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
