"""API tokens expire and a token cannot make tokens.

Before: a token worked until revoked, and ``POST /api/tokens`` with a token made another
one, so a stolen token could renew itself for ever.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tacepath.service import auth
from tests.platform.conftest import login


def test_a_token_cannot_make_tokens(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    tok = client.post("/api/tokens", json={"name": "script"}).json()["token"]
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {tok}"}
    assert client.get("/api/auth/me", headers=bearer).status_code == 200
    r = client.post("/api/tokens", json={"name": "another"}, headers=bearer)
    assert r.status_code == 403


def test_tokens_expire_after_their_lifetime(
    client: Any, db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "a-clinician")
    r = client.post("/api/tokens", json={"name": "short", "days": 1})
    assert r.status_code == 201
    short = r.json()
    default = client.post("/api/tokens", json={"name": "default"}).json()
    made = dt.datetime.fromisoformat(default["created_at"])
    assert dt.datetime.fromisoformat(default["expires_at"]) - made == auth.API_TOKEN_LIFETIME
    assert client.post("/api/tokens", json={"name": "long", "days": 366}).status_code == 422
    client.cookies.clear()
    assert auth.token_principal(db, short["token"]).username == "a-clinician"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {short['token']}"})
    assert r.status_code == 401
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {default['token']}"})
    assert r.status_code == 200
    monkeypatch.setattr(auth, "utcnow", lambda: later + auth.API_TOKEN_LIFETIME)
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {default['token']}"})
    assert r.status_code == 401
