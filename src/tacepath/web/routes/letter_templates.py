"""The organisation's letter templates: each team's current body, its versions, and a form
saving a new version (checked in the sandbox first)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import Require, get_db
from tacepath.service import letters
from tacepath.service.letters import MAX_BODY_CHARS, PIECES, VALUES
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()


def _page(
    request: Request, who: Principal, team: str, *, body: str | None = None, refused: str = ""
) -> HTMLResponse:
    db = get_db(request)
    known = letters.letter_teams()
    team = team if team in known else next(iter(known))
    history = letters.template_history(db, who, team)
    ctx: dict[str, Any] = {
        "teams": known,
        "team": team,
        "requires": letters.required_pieces(team),
        "current": history[0],
        "history": history,
        "body": history[0].body if body is None else body,
        "refused": refused,
        "names": [*VALUES, *(f"pieces.{p}" for p in PIECES)],
        "max_chars": MAX_BODY_CHARS,
    }
    status = 422 if refused else 200
    title = "Letter templates"
    return page(request, "letter_templates.html", ctx, who=who, status=status, title=title)


@router.get("/letters/templates")
def templates_page(
    request: Request,
    team: str = Query("", max_length=40),
    who: Principal = Depends(Require("letters.edit")),
) -> HTMLResponse:
    return _page(request, who, team)


@router.post("/letters/templates")
async def save(
    request: Request,
    team: str = Form("", max_length=40),
    body: str = Form("", max_length=MAX_BODY_CHARS * 2),
    who: Principal = Depends(Require("letters.edit")),
) -> Response:
    try:
        await run_in_threadpool(letters.save_template, get_db(request), who, team, body)
    except InputError as exc:
        p = exc.problems[0]
        shown = p.value if isinstance(p.value, str) and len(p.value) <= 120 else "the text"
        why = f"{p.field}: {shown}; allowed: {p.allowed}"
        return _page(request, who, team, body=body[:MAX_BODY_CHARS], refused=why)
    return RedirectResponse(f"/letters/templates?team={team}", status_code=303)
