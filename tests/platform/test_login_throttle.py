"""Login throttling that cannot be turned against users.

Before: the limit was a count of earlier failures read before the password was checked, so
20 simultaneous wrong passwords for one account all got 401 on PostgreSQL (limit 5); and 5
failures from anywhere locked the account for 900 s, also for its owner with the right
password from another address. The client address was always the socket's.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tacepath.service import auth
from tacepath.service.auth import BACKOFF_BASE, MAX_FAILURES_PER_USER
from tacepath.service.errors import NotAuthenticated, RateLimited
from tests.platform.conftest import PASSWORD


def _attempt(db: Any, username: str, password: str, client: str) -> str:
    try:
        auth.login(db, username, password, client)
    except NotAuthenticated:
        return "401"
    except RateLimited as exc:
        return f"429:{exc.retry_after}"
    return "200"


def test_twenty_parallel_wrong_passwords_are_counted_one_by_one(db: Any, orgs: Any) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(lambda _: _attempt(db, "a-clinician", "wrong", "203.0.113.9"), range(20))
        )
    assert answers.count("401") == MAX_FAILURES_PER_USER, answers
    assert sum(a.startswith("429") for a in answers) == 20 - MAX_FAILURES_PER_USER


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(db: Any, orgs: Any) -> None:
    for _ in range(MAX_FAILURES_PER_USER):
        assert _attempt(db, "a-clinician", "wrong", "203.0.113.9") == "401"
    assert _attempt(db, "a-clinician", PASSWORD, "203.0.113.9").startswith("429")
    # the owner, from another address, with the right password
    assert _attempt(db, "a-clinician", PASSWORD, "198.51.100.7") == "200"


def test_the_wait_doubles_with_each_failure_and_a_right_password_ends_it(
    db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(auth, "utcnow", lambda: now[0])
    for _ in range(MAX_FAILURES_PER_USER):
        assert _attempt(db, "a-clinician", "wrong", "203.0.113.9") == "401"
    base = int(BACKOFF_BASE.total_seconds())
    waits = []
    for _ in range(3):
        answer = _attempt(db, "a-clinician", "wrong", "203.0.113.9")
        assert answer.startswith("429")
        waits.append(int(answer.split(":")[1]))
        now[0] += dt.timedelta(seconds=waits[-1])  # waited
        assert _attempt(db, "a-clinician", "wrong", "203.0.113.9") == "401"
    assert waits == [base, 2 * base, 4 * base]
    now[0] += dt.timedelta(seconds=8 * base)
    assert _attempt(db, "a-clinician", PASSWORD, "203.0.113.9") == "200"
    assert _attempt(db, "a-clinician", "wrong", "203.0.113.9") == "401"  # backoff reset


def test_one_address_is_limited_across_accounts(db: Any, orgs: Any) -> None:
    names = [f"nobody{i}" for i in range(auth.MAX_FAILURES_PER_CLIENT)]
    for name in names:
        assert _attempt(db, name, "wrong", "203.0.113.9") == "401"
    assert _attempt(db, "someone-else", "wrong", "203.0.113.9").startswith("429")
    assert _attempt(db, "a-clinician", PASSWORD, "198.51.100.7") == "200"


def _client(database_url: str, db: Any, peer: str, proxies: tuple[str, ...] = ()) -> Any:
    from fastapi.testclient import TestClient

    from tacepath.app import Settings, create_app

    settings = Settings(database_url=database_url, migrate=False, trusted_proxies=proxies)
    return TestClient(create_app(settings, db=db), base_url="https://testserver", client=(peer, 1))


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(
    database_url: str, db: Any, orgs: Any
) -> None:
    # not configured: a client cannot pick a new address per attempt with the header
    plain = _client(database_url, db, "203.0.113.9")
    codes = [
        plain.post(
            "/api/auth/login",
            json={"username": "a-clinician", "password": "wrong"},
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
        ).status_code
        for i in range(MAX_FAILURES_PER_USER + 1)
    ]
    assert codes == [401] * MAX_FAILURES_PER_USER + [429]
    # behind a configured proxy: the address the proxy appended is the client's
    proxied = _client(database_url, db, "10.0.0.2", ("10.0.0.0/8",))
    r = proxied.post(
        "/api/auth/login",
        json={"username": "a-clinician", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7, 10.0.0.3"},
    )
    assert r.status_code == 200  # 198.51.100.7, not the throttled 203.0.113.9
    r = proxied.post(
        "/api/auth/login",
        json={"username": "a-clinician", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"},
    )
    assert r.status_code == 429  # the right-most untrusted hop is the throttled address


def test_a_wrong_trusted_proxy_setting_fails_at_start() -> None:
    from tacepath.app import Settings

    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        Settings(database_url="sqlite://", trusted_proxies=("not-a-network",))


def _counters(db: Any) -> tuple[int, int]:
    from sqlalchemy import func, select

    from tacepath.store.models import LoginAttempt, LoginThrottle

    with db.read() as s:
        return (
            int(s.scalar(select(func.count()).select_from(LoginThrottle)) or 0),
            int(s.scalar(select(func.count()).select_from(LoginAttempt)) or 0),
        )


def test_old_counters_and_attempts_are_pruned_by_age(
    db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: ``login_throttles`` kept a row per account and address ever tried and
    ``login_attempts`` every attempt, so a guesser could grow both without bound."""
    now = [dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(auth, "utcnow", lambda: now[0])
    for i in range(40):
        assert _attempt(db, f"guess{i}", "wrong", f"203.0.113.{i}") == "401"
    assert _counters(db) == (40 * 3, 40)
    # a minute before the retention ends nothing is deleted (only the new attempt's rows)
    now[0] += auth.THROTTLE_RETENTION - dt.timedelta(minutes=1)
    assert _attempt(db, "a-clinician", PASSWORD, "198.51.100.7") == "200"
    assert _counters(db) == (40 * 3 + 3, 41)
    # past the retention: the idle counters are deleted, the live ones kept
    now[0] += dt.timedelta(minutes=2)
    assert _attempt(db, "a-clinician", "wrong", "198.51.100.8") == "401"
    throttles, attempts = _counters(db)
    assert throttles == 3 + 2  # the two live attempts' rows (the account's row is shared)
    assert attempts == 42  # attempts are kept longer
    now[0] += auth.LOGIN_ATTEMPT_RETENTION + dt.timedelta(minutes=1)
    assert _attempt(db, "a-clinician", "wrong", "198.51.100.9") == "401"
    assert _counters(db)[1] == 1  # the older attempts are gone


def test_a_counter_in_its_wait_is_not_pruned(
    db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(auth, "utcnow", lambda: now[0])
    monkeypatch.setattr(auth, "BACKOFF_MAX", dt.timedelta(days=3))
    wait = 0
    for _ in range(40):  # the wait doubles past the retention
        answer = _attempt(db, "a-clinician", "wrong", "203.0.113.9")
        if answer.startswith("429"):
            wait = int(answer.split(":")[1])
            if wait > auth.THROTTLE_RETENTION.total_seconds():
                break
            now[0] += dt.timedelta(seconds=wait)
    assert wait > auth.THROTTLE_RETENTION.total_seconds()
    now[0] += auth.THROTTLE_RETENTION + dt.timedelta(minutes=1)
    assert _attempt(db, "someone", "wrong", "198.51.100.7") == "401"  # prunes
    assert _attempt(db, "a-clinician", PASSWORD, "203.0.113.9").startswith("429")
