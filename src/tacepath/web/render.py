"""Rendering pages: the template environment and the context every page gets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from tacepath import __version__
from tacepath.clinical.cohort import COHORT_COLUMNS
from tacepath.http.settings import SESSION_COOKIE
from tacepath.response import component_label
from tacepath.service.auth import session_principal
from tacepath.service.errors import ServiceError
from tacepath.service.principal import Principal
from tacepath.web.messages import field_words

__all__ = ["NAV", "TEMPLATES", "error_page", "page"]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))

#: The navigation: label, path, the permission that shows it.
NAV = (
    ("Patients", "/patients", "patient.read"),
    ("Worklist", "/worklist", "patient.read"),
    ("MDT meetings", "/meetings", "patient.read"),
    ("Import", "/import", "interop.import"),
    ("Evidence", "/evidence", "evidence.read"),
    ("Trials", "/trials", "trial.read"),
    ("Cohorts", "/cohort", "trial.read"),
    ("Reconstruction", "/reconstruct", "reconstruct.run"),
    ("Admin", "/admin", "users.manage"),
    ("Letters", "/letters/templates", "letters.edit"),
    ("Audit trail", "/audit", "audit.read"),
    ("Account", "/account", "authenticated"),
)


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _other_label(key: str) -> str:
    """A result's other value named in words: ``tace-lenvatinib_mrecist_percent`` ->
    ``tace-lenvatinib mRECIST``."""
    words = {"mrecist": "mRECIST", "recist11": "RECIST 1.1", "orr": "ORR", "dcr": "DCR"}
    parts = key.removesuffix("_percent").split("_")
    return " ".join(words.get(p, p) for p in parts)


def _audit_value(value: Any) -> str:
    """A value of the audit trail, shown in at most 120 characters (JSON, "—" for none)."""
    if value is None:
        return "—"
    text = json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:119] + "…"


TEMPLATES.env.filters["fmt"] = _fmt
TEMPLATES.env.filters["audit_value"] = _audit_value
TEMPLATES.env.filters["field_words"] = field_words
TEMPLATES.env.filters["other_label"] = _other_label
TEMPLATES.env.filters["failure_label"] = component_label
TEMPLATES.env.globals["version"] = __version__
TEMPLATES.env.globals["cohort_columns"] = COHORT_COLUMNS


def page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    who: Principal | None = None,
    status: int = 200,
    title: str = "",
) -> HTMLResponse:
    """A page with the signed-in user, the navigation, the CSRF token and the demo flag."""
    settings = request.app.state.settings
    ctx: dict[str, Any] = {
        "request": request,
        "who": who,
        "title": title,
        "nav": [(label, href) for label, href, perm in NAV if who is not None and who.can(perm)],
        "csrf_token": who.csrf_token if who is not None else "",
        "demo": settings.demo,
        "path": request.url.path,
    }
    ctx.update(context or {})
    return TEMPLATES.TemplateResponse(request, template, ctx, status_code=status)


def error_page(
    request: Request, status: int, message: str, problems: list[dict[str, Any]]
) -> HTMLResponse:
    who = getattr(request.state, "principal", None)
    token = request.cookies.get(SESSION_COOKIE)
    if who is None and token and status == 404:  # an unknown page: still show the navigation
        try:
            who = session_principal(request.app.state.db, token)
        except ServiceError:
            who = None
    titles = {
        403: "Not allowed",
        404: "Not found",
        409: "Changed by someone else",
        422: "Please correct the input",
        429: "Too many attempts",
        501: "Not available",
    }
    return page(
        request,
        "error.html",
        {"status": status, "message": message, "problems": problems},
        who=who,
        status=status,
        title=titles.get(status, "Error"),
    )
