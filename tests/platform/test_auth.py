"""Security: password hashing, sessions and their cookies, CSRF, rate limiting, API tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tacepath.service.auth import MAX_FAILURES_PER_USER
from tacepath.store.models import User
from tests.platform.conftest import PASSWORD, client_for, login, web_login


def test_passwords_are_stored_as_argon2_hashes(db: Any, orgs: Any) -> None:
    with db.read() as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert hashes
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_login_sets_a_secure_httponly_lax_session_cookie(client: Any, orgs: Any) -> None:
    r = client.post("/api/auth/login", json={"username": "a-clinician", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "tacepath_session=" in cookie
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=lax" in cookie
    me = client.get("/api/auth/me").json()
    assert me["user"]["role"] == "clinician"
    assert "followup.record" in me["permissions"]


def test_wrong_password_is_refused_and_repeated_failures_are_rate_limited(
    client: Any, orgs: Any
) -> None:
    for _ in range(MAX_FAILURES_PER_USER):
        r = client.post("/api/auth/login", json={"username": "a-navigator", "password": "nope"})
        assert r.status_code == 401
    # blocked now, even with the right password, and it says for how long
    r = client.post("/api/auth/login", json={"username": "a-navigator", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    # another user is not blocked
    assert (
        client.post(
            "/api/auth/login", json={"username": "a-clinician", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_unknown_user_and_wrong_password_answer_the_same(client: Any, orgs: Any) -> None:
    a = client.post("/api/auth/login", json={"username": "nobody", "password": "x" * 12})
    b = client.post("/api/auth/login", json={"username": "a-admin", "password": "x" * 12})
    assert a.status_code == b.status_code == 401
    assert a.json()["message"] == b.json()["message"]


def test_writes_on_a_session_need_the_csrf_token(client: Any, orgs: Any) -> None:
    token = login(client, "a-clinician")
    body = {"id": "C1", "ecog": 0}
    del client.headers["X-CSRF-Token"]
    r = client.post("/api/patients", json=body)
    assert r.status_code == 403
    r = client.post("/api/patients", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = client.post("/api/patients", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    # reads need no token
    assert client.get("/api/patients").status_code == 200


def test_api_tokens_work_without_cookie_or_csrf_and_can_be_revoked(app: Any, orgs: Any) -> None:
    c = client_for(app)
    login(c, "a-navigator")
    made = c.post("/api/tokens", json={"name": "script"}).json()
    script = client_for(app)
    auth = {"Authorization": f"Bearer {made['token']}"}
    assert script.post("/api/patients", json={"id": "T1"}, headers=auth).status_code == 201
    assert c.delete(f"/api/tokens/{made['id']}").status_code == 200
    assert script.get("/api/patients", headers=auth).status_code == 401
    assert script.get("/api/patients", headers={"Authorization": "Bearer tp_x"}).status_code == 401


def test_logout_ends_the_session(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    cookie = client.cookies.get("tacepath_session")
    assert client.post("/api/auth/logout").status_code == 200
    client.cookies.set("tacepath_session", cookie, domain="testserver")
    assert client.get("/api/patients").status_code == 401


def test_web_login_form_needs_its_token_and_redirects_by_role(app: Any, orgs: Any) -> None:
    c = client_for(app)
    r = c.post(
        "/login",
        data={"username": "a-clinician", "password": PASSWORD, "login_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    r = web_login(c, "a-statistician")
    assert r.status_code == 303
    assert r.headers["location"] == "/trials"
    r = web_login(client_for(app), "a-admin")
    assert r.headers["location"] == "/admin"
    r = web_login(client_for(app), "a-clinician", "wrong password!")
    assert r.status_code == 401
    assert "Wrong user name or password" in r.text


def test_pages_redirect_to_login_and_keep_the_target(client: Any) -> None:
    r = client.get("/patients?q=P0", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/patients%3Fq%3DP0"


def test_security_headers(client: Any) -> None:
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_users_add_rules(db: Any, orgs: Any) -> None:
    import pytest

    from tacepath.errors import InputErrors
    from tacepath.service.auth import create_user
    from tacepath.service.errors import AlreadyExists

    with pytest.raises(InputErrors) as err:
        create_user(
            db, None, organisation_id=orgs[0].id, username="x", password="short", role="boss"
        )
    assert {p.field for p in err.value.problems} == {"username", "password", "role"}
    with pytest.raises(AlreadyExists):
        create_user(
            db,
            None,
            organisation_id=orgs[0].id,
            username="a-admin",
            password=PASSWORD,
            role="admin",
        )


def test_health_answers_only_when_the_database_does(client: Any, db: Any) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": db.backend}


def test_health_is_503_when_the_database_lost_its_schema(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from tacepath.app import Settings, create_app
    from tacepath.service.db import Database

    url = f"sqlite:///{tmp_path / 'gone.db'}"
    db = Database(url)
    app = create_app(Settings(database_url=url, migrate=False), db=db)
    db.engine.dispose()
    (tmp_path / "gone.db").unlink()
    r = TestClient(app).get("/api/health")
    db.dispose()
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert "alembic_version" in body["problem"]
    assert str(tmp_path) not in body["problem"]


def test_an_admin_cannot_list_another_organisations_user_names(
    client: Any, orgs: Any, monkeypatch: Any
) -> None:
    """User names are unique across organisations, so 409 "already exists" told Hospital B's
    admin that ``a-clinician`` exists; trying names could list them. Now each refusal is in
    B's audit trail and after 10 within an hour B's admin waits (429)."""
    import datetime as dt

    from tacepath.service import auth

    login(client, "b-admin")
    user = {"username": "a-clinician", "role": "navigator", "password": PASSWORD}
    for _ in range(auth.MAX_NAME_PROBES):
        assert client.post("/api/users", json=user).status_code == 409
    r = client.post("/api/users", json=user)
    assert r.status_code == 429
    assert 0 < int(r.headers["retry-after"]) <= 3600
    assert "user names already taken" in r.text
    fresh = {"username": "b-new-navigator", "role": "navigator", "password": PASSWORD}
    assert client.post("/api/users", json=fresh).status_code == 429
    trail = client.get("/api/audit", params={"action": "user.create_refused"})
    assert int(trail.headers["x-total-count"]) == auth.MAX_NAME_PROBES
    assert {a["category"] for a in trail.json()} == {"access"}
    # an hour later the admin may add users again
    later = auth.utcnow() + auth.NAME_PROBE_WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(auth, "utcnow", lambda: later)
    assert client.post("/api/users", json=fresh).status_code == 201
    client.post("/api/auth/logout")
    login(client, "a-admin")  # Hospital A's trail shows nothing of B's probing
    assert client.get("/api/audit", params={"action": "user.create_refused"}).json() == []
