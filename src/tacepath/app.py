"""The application factory: database, API routers, pages, errors, security headers.

The one module that imports both interfaces over HTTP, :mod:`tacepath.api` (the REST JSON API)
and :mod:`tacepath.web` (the pages); both stand on :mod:`tacepath.http`.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response

from tacepath import __version__
from tacepath.api.routers import register as register_api
from tacepath.http.deps import PUBLIC
from tacepath.http.errors import install_error_handlers
from tacepath.http.limits import BodyLimit
from tacepath.http.responses import SafeJSONResponse
from tacepath.http.settings import Settings
from tacepath.service.auth import app_secret
from tacepath.service.db import Database
from tacepath.service.job_engine import JobEngine
from tacepath.service.jobs import sweep
from tacepath.web.render import error_page
from tacepath.web.routes import register as register_pages

__all__ = ["Settings", "create_app"]

STATIC = Path(__file__).resolve().parent / "web" / "static"

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
# Swagger UI's page starts itself with an inline script.
_CSP_DOCS = _CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")

_DESCRIPTION = """REST JSON API of tacepath: every action of the web pages.

Authenticate with the session cookie of `POST /api/auth/login` (then send the `X-CSRF-Token`
header it returns on every POST/PUT/DELETE) or with an API token
(`Authorization: Bearer tp_...`, made at `POST /api/tokens`). Bad input gets **422** with
one entry per problem: `field`, `value`, `allowed` — the same rules as the command line, and
nothing is stored. Another organisation's records answer **404**. Every write to a patient's
record names the record `version` it was made on: without it **428**, a stale one **409**.
Bodies over the size limit answer **413**; a busy database **503** with `Retry-After`.
Every score, decision and summary comes from tacepath's engines.
"""


def freeze_heap() -> None:
    """Keep the objects made at start-up (modules, engines' tables, the application) out of
    the garbage collector's full collections (:func:`gc.freeze`, Python ≥ 3.7). A server's
    heap is mostly such objects: a full collection scanned them all and held the interpreter
    130–190 ms at a time under load; after the freeze it scans what requests made."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    """A FastAPI application on the database of ``settings`` (migrated to the latest).

    Its background jobs run on a :class:`JobEngine`; jobs whose process is gone are marked
    interrupted at start, and the jobs of this process when it stops."""

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        if settings.freeze_heap:
            freeze_heap()
        yield
        application.state.jobs.close()

    app = FastAPI(
        lifespan=lifespan,
        title="tacepath",
        version=__version__,
        description=_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        default_response_class=SafeJSONResponse,
    )
    database = db or Database(
        settings.database_url, migrate=settings.migrate, pool_size=settings.pool_size
    )
    app.state.db = database
    app.state.settings = settings
    app.state.secret = app_secret(database)
    sweep(database)
    engine = JobEngine(database, scheduler=settings.job_scheduler, limits=settings.run_limits)
    app.state.jobs = engine
    atexit.register(engine.close)

    # Inside the security headers (added later, so outside): its refusals get them too.
    app.add_middleware(
        BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes
    )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        docs = request.url.path == "/docs"
        response.headers.setdefault("Content-Security-Policy", _CSP_DOCS if docs else _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(PUBLIC)])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="tacepath API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    register_api(app)
    register_pages(app)
    install_error_handlers(app, error_page)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
