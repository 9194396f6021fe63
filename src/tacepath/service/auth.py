"""Users, passwords, sessions, API tokens and login rate limiting.

* Passwords are hashed with Argon2id (``argon2-cffi``'s defaults); the hash is rehashed at
  login when the parameters change.
* A browser session is a random 256-bit token in an HttpOnly, Secure, SameSite=Lax cookie;
  the table keeps only its SHA-256, its CSRF token and its expiry (12 hours).
* An API token (``tp_...``) is shown once; the table keeps its SHA-256.
* Logins are throttled by counters in the database, each changed under its row lock before
  the password is checked, so parallel attempts are counted one at a time: after
  :data:`MAX_FAILURES_PER_USER` failures of one account *from one address*, that address
  waits :data:`BACKOFF_BASE`, doubling with each further failure up to :data:`BACKOFF_MAX`
  (429 with Retry-After, also with the right password); :data:`MAX_FAILURES_PER_CLIENT`
  failures from one address within :data:`RATE_WINDOW` block that address. The owner
  signing in from another address is not held back by someone else's failures (no account
  lockout); a right password ends its address's backoff.
* Old counters are deleted as logins arrive (:func:`prune_login_counters`): a counter left
  alone for :data:`THROTTLE_RETENTION` and past its wait, and login attempts older than
  :data:`LOGIN_ATTEMPT_RETENTION`, so neither table grows without bound.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tacepath.errors import InputError, InputErrors, Problem
from tacepath.service import audit
from tacepath.service.db import Database
from tacepath.service.errors import (
    AlreadyExists,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from tacepath.service.passwords import password_weakness
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import (
    ROLES,
    ApiToken,
    AppSetting,
    AuditRecord,
    LoginAttempt,
    LoginThrottle,
    Organisation,
    User,
    WebSession,
    utcnow,
)

__all__ = [
    "API_TOKEN_LIFETIME",
    "API_TOKEN_MAX_DAYS",
    "BACKOFF_BASE",
    "BACKOFF_MAX",
    "LOGIN_ATTEMPT_RETENTION",
    "MAX_FAILURES_PER_CLIENT",
    "MAX_FAILURES_PER_USER",
    "MAX_NAME_PROBES",
    "MIN_PASSWORD_LENGTH",
    "NAME_PROBE_WINDOW",
    "RATE_WINDOW",
    "SESSION_LIFETIME",
    "THROTTLE_RETENTION",
    "app_secret",
    "create_api_token",
    "create_organisation",
    "create_user",
    "find_organisation",
    "list_api_tokens",
    "list_users",
    "login",
    "logout",
    "prune_login_counters",
    "revoke_api_token",
    "session_principal",
    "token_principal",
]

#: Failed logins of one account from one address before its backoff starts.
MAX_FAILURES_PER_USER = 5
#: Failed logins from one address (any account) within :data:`RATE_WINDOW`.
MAX_FAILURES_PER_CLIENT = 30
RATE_WINDOW = dt.timedelta(minutes=15)
#: Refusals of a taken user name an admin may meet within :data:`NAME_PROBE_WINDOW`.
MAX_NAME_PROBES = 10
NAME_PROBE_WINDOW = dt.timedelta(hours=1)
#: The first wait of an account from one address after its failures, doubling each time.
BACKOFF_BASE = dt.timedelta(seconds=15)
BACKOFF_MAX = dt.timedelta(minutes=15)
#: A counter untouched this long, and past its wait, is deleted: longer than
#: :data:`RATE_WINDOW` and :data:`BACKOFF_MAX`, so deleting it changes no answer but one: an
#: account's failures from one address are forgotten after a day of quiet.
THROTTLE_RETENTION = dt.timedelta(days=1)
#: Login attempts (each also in the audit trail as ``auth.login`` / ``auth.login_failed``)
#: are kept this long.
LOGIN_ATTEMPT_RETENTION = dt.timedelta(days=30)
#: Rows deleted per table by one login, so pruning never makes a login slow.
PRUNE_BATCH = 500
SESSION_LIFETIME = dt.timedelta(hours=12)
#: How long an API token works unless its maker asks for less or more (1 to 365 days).
API_TOKEN_LIFETIME = dt.timedelta(days=90)
API_TOKEN_MAX_DAYS = 365
MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{3,80}$")

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("tacepath-timing-equaliser")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _aware(t: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back: they are UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _principal(user: User, via: str, **extra: Any) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        organisation_id=user.organisation_id,
        organisation=user.organisation.name,
        role=user.role,
        via=via,  # type: ignore[arg-type]
        **extra,
    )


# --------------------------------------------------------------------------- accounts


def create_organisation(db: Database, name: str) -> int:
    """Create an organisation (or return the id of the one with this name)."""
    name = name.strip()
    if not 1 <= len(name) <= 200 or "\x00" in name:
        raise InputError("organisation", name, "a name of 1 to 200 characters")
    with db.write() as s:
        found = s.scalar(select(Organisation).where(Organisation.name == name))
        if found is not None:
            return found.id
        org = Organisation(name=name)
        s.add(org)
        s.flush()
        audit.record(
            s,
            None,
            "organisation.create",
            "organisation",
            org.id,
            after={"name": name},
            organisation_id=org.id,
        )
        return org.id


def find_organisation(db: Database, name: str) -> tuple[int, str] | None:
    """The id and name of the organisation called ``name``, or ``None``."""
    with db.read() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == name))
        return None if org is None else (org.id, org.name)


def _user_problems(username: str, password: str, role: str, full_name: str) -> list[Problem]:
    out: list[Problem] = []
    if not _USERNAME.match(username):
        out.append(Problem("username", username, "3 to 80 letters, digits or . _ @ -"))
    if len(password) < MIN_PASSWORD_LENGTH or len(password) > 1024 or "\x00" in password:
        out.append(Problem("password", "(hidden)", f"{MIN_PASSWORD_LENGTH} to 1024 characters"))
    elif (weak := password_weakness(password, (username, full_name))) is not None:
        out.append(Problem("password", "(hidden)", weak))
    if role not in ROLES:
        out.append(Problem("role", role, "one of " + ", ".join(ROLES)))
    if len(full_name) > 200 or "\x00" in full_name:
        out.append(Problem("full_name", full_name, "at most 200 characters"))
    return out


def create_user(
    db: Database,
    who: Principal | None,
    *,
    organisation_id: int,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
) -> dict[str, Any]:
    """Add a user. ``who`` is the admin adding it (``None``: the command line, first admin)."""
    if who is not None:
        check(who.role, "users.manage")
        if organisation_id != who.organisation_id:
            raise NotFound("organisation", organisation_id)
    problems = _user_problems(username, password, role, full_name)
    if problems:
        raise InputErrors(problems)
    if who is not None:
        _check_name_probes(db, who)
    with db.write() as s:
        if s.get(Organisation, organisation_id) is None:
            raise NotFound("organisation", organisation_id)
        taken = s.scalar(select(User.id).where(User.username == username)) is not None
        if not taken:
            return _add_user(s, who, organisation_id, username, password, role, full_name)
    with db.write() as s:  # the refusal is recorded: probing shows in the trail
        audit.record(
            s,
            who,
            "user.create_refused",
            "user",
            username[:64],
            after={"reason": "user name taken"},
            organisation_id=organisation_id,
            username="command line",
        )
    raise AlreadyExists("user", username)


def _check_name_probes(db: Database, who: Principal) -> None:
    """User names are unique across organisations (sign-in is by name alone), so a refusal
    tells an admin that a name exists somewhere: after :data:`MAX_NAME_PROBES` refusals
    within :data:`NAME_PROBE_WINDOW` the admin waits (429), so names cannot be listed by
    trying them; each refusal is in the organisation's audit trail."""
    since = utcnow() - NAME_PROBE_WINDOW
    with db.read() as s:
        times = s.scalars(
            select(AuditRecord.at)
            .where(
                AuditRecord.user_id == who.user_id,
                AuditRecord.action == "user.create_refused",
                AuditRecord.at >= since,
            )
            .order_by(AuditRecord.at)
        ).all()
    if len(times) >= MAX_NAME_PROBES:
        wait = _aware(times[-MAX_NAME_PROBES]) + NAME_PROBE_WINDOW - utcnow()
        raise RateLimited(max(1, math.ceil(wait.total_seconds())), "user names already taken")


def _add_user(
    s: Session,
    who: Principal | None,
    organisation_id: int,
    username: str,
    password: str,
    role: str,
    full_name: str,
) -> dict[str, Any]:
    """Add the user and its audit record to the transaction ``s``."""
    user = User(
        organisation_id=organisation_id,
        username=username,
        full_name=full_name,
        password_hash=_HASHER.hash(password),
        role=role,
    )
    s.add(user)
    s.flush()
    info = {"id": user.id, "username": username, "role": role, "full_name": full_name}
    audit.record(
        s,
        who,
        "user.create",
        "user",
        user.id,
        after=info,
        organisation_id=organisation_id,
        username="command line",
    )
    return info


def list_users(
    db: Database, who: Principal | None, organisation_id: int | None = None
) -> list[dict[str, Any]]:
    """Users of the admin's organisation (``who=None``: every user, for the command line)."""
    if who is not None:
        check(who.role, "users.manage")
    with db.read() as s:
        q = select(User).order_by(User.id)
        if who is not None:
            q = q.where(User.organisation_id == who.organisation_id)
        elif organisation_id is not None:
            q = q.where(User.organisation_id == organisation_id)
        return [
            {
                "id": u.id,
                "username": u.username,
                "full_name": u.full_name,
                "role": u.role,
                "organisation": u.organisation.name,
                "active": u.active,
            }
            for u in s.scalars(q).all()
        ]


# --------------------------------------------------------------------------- login


def _key(kind: str, *parts: str) -> str:
    return kind + ":" + _sha256("\x00".join(parts))


def _backoff(failures: int) -> dt.timedelta:
    """The wait after the ``failures``-th failure of one account from one address: none
    before :data:`MAX_FAILURES_PER_USER`, then :data:`BACKOFF_BASE` doubling at each
    further failure, at most :data:`BACKOFF_MAX`."""
    if failures < MAX_FAILURES_PER_USER:
        return dt.timedelta(0)
    steps = min(failures - MAX_FAILURES_PER_USER, 20)
    wait: dt.timedelta = BACKOFF_BASE * (2**steps)
    return min(wait, BACKOFF_MAX)


def _locked_counters(s: Session, keys: list[str], now: dt.datetime) -> dict[str, LoginThrottle]:
    """The counter rows of ``keys``, made when missing, each locked to the end of the
    transaction (PostgreSQL: ``FOR UPDATE``; SQLite: the write transaction's lock)."""
    dialect = s.get_bind().dialect.name
    ins: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    for key in keys:
        s.execute(
            ins(LoginThrottle)
            .values(key=key, failures=0, window_start=now, next_at=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    q = select(LoginThrottle).where(LoginThrottle.key.in_(keys)).order_by(LoginThrottle.key)
    if dialect == "postgresql":
        q = q.with_for_update()
    rows = s.scalars(q.execution_options(populate_existing=True)).all()
    found = {r.key: r for r in rows}
    missing = [k for k in keys if k not in found]
    if missing:  # pruned by another login between the insert and the lock: make it again
        found.update(_locked_counters(s, missing, now))
    return found


def prune_login_counters(s: Session, now: dt.datetime, keep: list[str]) -> tuple[int, int]:
    """Delete up to :data:`PRUNE_BATCH` counters idle for :data:`THROTTLE_RETENTION` whose
    wait is over (not those in ``keep``, the attempt's own), and up to as many login
    attempts older than :data:`LOGIN_ATTEMPT_RETENTION`. On PostgreSQL rows locked by
    another login are skipped, never waited for. The numbers deleted."""
    idle = now - THROTTLE_RETENTION
    old = (
        select(LoginThrottle.key)
        .where(
            LoginThrottle.window_start < idle,
            or_(LoginThrottle.next_at.is_(None), LoginThrottle.next_at < idle),
            LoginThrottle.key.not_in(keep),
        )
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    counters = s.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(old)))
    stale = (
        select(LoginAttempt.id)
        .where(LoginAttempt.at < now - LOGIN_ATTEMPT_RETENTION)
        .limit(PRUNE_BATCH)
    )
    attempts = s.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(stale)))
    return int(counters.rowcount or 0), int(attempts.rowcount or 0)  # type: ignore[attr-defined]


def _reserve(db: Database, username: str, client: str) -> tuple[str, str, str]:
    """Count this attempt as a failure before the password is checked, atomically, or refuse
    it (429): the account from this address is in its backoff, or the address has had
    :data:`MAX_FAILURES_PER_CLIENT` failures in :data:`RATE_WINDOW`. A right password gives
    the count back (:func:`_settle`). The keys of the three counters."""
    pair, addr, account = _key("p", username, client), _key("a", client), _key("u", username)
    now = utcnow()
    with db.write() as s:
        rows = _locked_counters(s, [pair, addr, account], now)
        for key in (addr, account):
            row = rows[key]
            if _aware(row.window_start) + RATE_WINDOW <= now:
                row.failures, row.window_start = 0, now
        p, a = rows[pair], rows[addr]
        if p.next_at is not None and _aware(p.next_at) > now:
            raise RateLimited(max(1, math.ceil((_aware(p.next_at) - now).total_seconds())))
        if a.failures >= MAX_FAILURES_PER_CLIENT:
            left = (_aware(a.window_start) + RATE_WINDOW - now).total_seconds()
            raise RateLimited(max(1, math.ceil(left)))
        for row in rows.values():
            row.failures += 1
        wait = _backoff(p.failures)
        p.window_start = now
        p.next_at = now + wait if wait else None
        s.flush()
        prune_login_counters(s, now, [pair, addr, account])
    return pair, addr, account


def _settle(s: Session, keys: tuple[str, str, str]) -> None:
    """A right password: the account's backoff from this address ends and the attempt is
    not counted as a failure of the address or the account."""
    pair, addr, account = keys
    rows = _locked_counters(s, list(keys), utcnow())
    rows[pair].failures, rows[pair].next_at = 0, None
    for key in (addr, account):
        rows[key].failures = max(0, rows[key].failures - 1)


def login(db: Database, username: str, password: str, client: str) -> tuple[str, Principal]:
    """Check the password and open a session: the cookie token and the principal.

    The attempt is counted first (:func:`_reserve`, its own transaction: parallel attempts
    are counted one at a time), then the password is checked."""
    # stored in the attempt and audit tables as text: no NUL, within the columns
    username = username.replace("\x00", "").strip()[:80]
    client = client.replace("\x00", "")[:64]
    keys = _reserve(db, username, client)
    now = utcnow()
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        ok = False
        try:
            ok = _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and user is not None and user.active
        s.add(LoginAttempt(username=username, client=client, at=now, success=ok))
        if not ok or user is None:
            audit.record(
                s,
                None,
                "auth.login_failed",
                "user",
                username[:64],
                organisation_id=user.organisation_id if user else None,
                username=username,
            )
            failed = True
        else:
            failed = False
            _settle(s, keys)
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
            token = secrets.token_urlsafe(32)
            ws = WebSession(
                id=_sha256(token),
                user_id=user.id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
            s.add(ws)
            s.execute(delete(WebSession).where(WebSession.expires_at < now))
            principal = _principal(user, "session", session_id=ws.id, csrf_token=ws.csrf_token)
            audit.record(s, principal, "auth.login", "user", user.id)
    if failed:
        raise NotAuthenticated("wrong user name or password")
    return token, principal


def session_principal(db: Database, token: str) -> Principal:
    """The principal of a session cookie (expired or unknown: :class:`NotAuthenticated`)."""
    if not token or len(token) > 200:
        raise NotAuthenticated("no session")
    with db.read() as s:
        ws = s.get(WebSession, _sha256(token))
        if ws is None or _aware(ws.expires_at) < utcnow():
            raise NotAuthenticated("session expired or unknown")
        user = s.get(User, ws.user_id)
        if user is None or not user.active:
            raise NotAuthenticated("user disabled")
        return _principal(user, "session", session_id=ws.id, csrf_token=ws.csrf_token)


def logout(db: Database, who: Principal) -> None:
    """End the session of ``who``."""
    if who.session_id is None:
        return
    with db.write() as s:
        s.execute(delete(WebSession).where(WebSession.id == who.session_id))
        audit.record(s, who, "auth.logout", "user", who.user_id)


# --------------------------------------------------------------------------- API tokens


def create_api_token(
    db: Database, who: Principal, name: str, *, days: int | None = None
) -> dict[str, Any]:
    """A new API token of ``who``, working for ``days`` (default :data:`API_TOKEN_LIFETIME`);
    the secret is in the answer and nowhere else. Only a signed-in person makes tokens: a
    request authenticated by a token may not (403), so a stolen token cannot renew itself."""
    check(who.role, "authenticated")
    if who.via == "token":
        raise PermissionDenied("token.create (signed in, not with a token)", who.role)
    name = name.strip()
    if not 1 <= len(name) <= 100 or "\x00" in name:
        raise InputError("name", name, "a name of 1 to 100 characters")
    if days is not None and not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise InputError("days", days, f"1 to {API_TOKEN_MAX_DAYS} days")
    lifetime = dt.timedelta(days=days) if days is not None else API_TOKEN_LIFETIME
    secret = "tp_" + secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + lifetime
    with db.write() as s:
        tok = ApiToken(
            user_id=who.user_id,
            name=name,
            token_hash=_sha256(secret),
            created_at=now,
            expires_at=expires,
        )
        s.add(tok)
        s.flush()
        audit.record(
            s,
            who,
            "token.create",
            "api_token",
            tok.id,
            after={"name": name, "expires_at": expires.isoformat()},
        )
        return {
            "id": tok.id,
            "name": name,
            "token": secret,
            "created_at": tok.created_at,
            "expires_at": expires,
        }


def _token_expiry(tok: ApiToken) -> dt.datetime:
    return _aware(tok.expires_at or tok.created_at + API_TOKEN_LIFETIME)


def list_api_tokens(db: Database, who: Principal) -> list[dict[str, Any]]:
    check(who.role, "authenticated")
    with db.read() as s:
        rows = s.scalars(
            select(ApiToken).where(ApiToken.user_id == who.user_id).order_by(ApiToken.id)
        ).all()
        return [
            {
                "id": t.id,
                "name": t.name,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "expires_at": _token_expiry(t),
                "revoked": t.revoked_at is not None,
            }
            for t in rows
        ]


def revoke_api_token(db: Database, who: Principal, token_id: int) -> None:
    check(who.role, "authenticated")
    with db.write() as s:
        tok = s.get(ApiToken, token_id)
        if tok is None or tok.user_id != who.user_id:
            raise NotFound("api token", token_id)
        if tok.revoked_at is None:
            tok.revoked_at = utcnow()
            audit.record(s, who, "token.revoke", "api_token", tok.id)


def token_principal(db: Database, secret: str) -> Principal:
    """The principal of an API token (revoked or unknown: :class:`NotAuthenticated`)."""
    if not secret.startswith("tp_") or len(secret) > 200:
        raise NotAuthenticated("not an API token")
    with db.read() as s:  # the token and its user in one query (every API request)
        found = s.execute(
            select(ApiToken, User)
            .outerjoin(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _sha256(secret))
        ).one_or_none()
        tok, user = found if found is not None else (None, None)
        if tok is None or tok.revoked_at is not None:
            raise NotAuthenticated("API token revoked or unknown")
        if _token_expiry(tok) <= utcnow():
            raise NotAuthenticated("API token expired")
        if user is None or not user.active:
            raise NotAuthenticated("user disabled")
        return _principal(user, "token")


# --------------------------------------------------------------------------- settings


def app_secret(db: Database) -> str:
    """The server's signing secret, made once and kept in the database."""
    with db.read() as s:
        row = s.get(AppSetting, "secret_key")
        if row is not None:
            return row.value
    with db.write() as s:
        row = s.get(AppSetting, "secret_key")
        if row is None:
            row = AppSetting(key="secret_key", value=secrets.token_urlsafe(48))
            s.add(row)
        return row.value
