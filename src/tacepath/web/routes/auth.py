"""Sign in, sign out, and the start page of each role."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.http.cookies import clear_session_cookie, set_session_cookie
from tacepath.http.deps import PUBLIC, Require, client_address, get_db, get_settings
from tacepath.service import auth
from tacepath.service.errors import NotAuthenticated, RateLimited
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()

LOGIN_COOKIE = "tacepath_login"
_HOME = {
    "clinician": "/patients",
    "navigator": "/patients",
    "statistician": "/trials",
    "admin": "/admin",
}


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret, salt="tacepath-login")


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _login_page(
    request: Request, *, error: str = "", username: str = "", next_: str = "/", status: int = 200
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    resp = page(
        request,
        "login.html",
        {
            "login_token": _serializer(request).dumps(nonce),
            "error": error,
            "username": username,
            "next": _safe_next(next_),
        },
        status=status,
        title="Sign in",
    )
    resp.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        secure=get_settings(request).secure_cookies,
        samesite="strict",
        path="/login",
    )
    return resp


@router.get("/login", dependencies=[Depends(PUBLIC)])
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, next_=next)


@router.post("/login", dependencies=[Depends(PUBLIC)])
async def login(
    request: Request,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1024),
    login_token: str = Form("", max_length=200),
    next: str = Form("/", max_length=500),
) -> Response:
    """Sign in from the form (CSRF: a signed token that must match the login cookie)."""
    try:
        nonce = _serializer(request).loads(login_token, max_age=3600)
    except BadSignature:
        nonce = None
    if not nonce or nonce != request.cookies.get(LOGIN_COOKIE):
        return _login_page(
            request,
            error="The sign-in form expired: please try again.",
            username=username,
            next_=next,
            status=403,
        )
    try:
        token, who = await run_in_threadpool(
            auth.login, get_db(request), username, password, client_address(request)
        )
    except RateLimited as exc:
        resp = _login_page(
            request,
            error=f"Too many failed attempts: try again in {exc.retry_after} seconds.",
            username=username,
            next_=next,
            status=429,
        )
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except NotAuthenticated:
        return _login_page(
            request, error="Wrong user name or password.", username=username, next_=next, status=401
        )
    target = _safe_next(next)
    if target in ("/", "/login"):
        target = _HOME.get(who.role, "/account")
    done = RedirectResponse(target, status_code=303)
    set_session_cookie(done, token, get_settings(request))
    done.delete_cookie(LOGIN_COOKIE, path="/login")
    return done


@router.post("/logout")
def logout(request: Request, who: Principal = Depends(Require("authenticated"))) -> Response:
    auth.logout(get_db(request), who)
    resp = RedirectResponse("/login", status_code=303)
    clear_session_cookie(resp, get_settings(request))
    return resp


@router.get("/")
def home(who: Principal = Depends(Require("authenticated"))) -> Response:
    return RedirectResponse(_HOME.get(who.role, "/account"), status_code=303)
