"""Fixtures of the platform tests: a fresh database per test on every backend.

SQLite always; PostgreSQL too when ``TACEPATH_TEST_DATABASE_URL`` names a server where the
role may create databases (``.ci/platform-setup.sh`` starts one in CI). Each backend is
migrated once per test session into a template; every test gets its own copy.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

PG_ENV = "TACEPATH_TEST_DATABASE_URL"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])
PASSWORD = "correct horse battery staple"
ROLES = ("clinician", "navigator", "statistician", "admin")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: end-to-end tests in Debian's chromium")
    # Starlette asks for httpx2 in its test client; the tests use httpx as documented.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    config.addinivalue_line("filterwarnings", "ignore:.*httpx2.*")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class _Backend:
    def __init__(self, name: str, tmp: Path) -> None:
        self.name = name
        self.tmp = tmp
        self._made: list[str] = []
        if name == "sqlite":
            self.template = tmp / "template.db"
            self._migrate(f"sqlite:///{self.template}")
        else:
            self.admin_url = os.environ[PG_ENV]
            self.template_name = f"tp_tpl_{_worker()}_{uuid.uuid4().hex[:6]}"
            self._admin(f'CREATE DATABASE "{self.template_name}"')
            self._migrate(self._pg_url(self.template_name))

    def _pg_url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    @staticmethod
    def _migrate(url: str) -> None:
        from tacepath.store.engine import make_engine
        from tacepath.store.migrate import upgrade

        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()

    def fresh(self) -> str:
        """The URL of a new, migrated, empty database."""
        if self.name == "sqlite":
            path = self.tmp / f"{uuid.uuid4().hex}.db"
            shutil.copyfile(self.template, path)
            return f"sqlite:///{path}"
        name = f"tp_t_{_worker()}_{uuid.uuid4().hex[:10]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}" STRATEGY FILE_COPY')
        self._made.append(name)
        return self._pg_url(name)

    def _drop_database(self, name: str) -> None:
        """Drop ``name``, ending this role's sessions on it first.

        ``WITH (FORCE)`` also has to terminate an autovacuum worker that happens to be in
        the database, which a role without ``pg_signal_backend`` may not do; a plain
        ``DROP DATABASE`` cancels autovacuum itself, so that is used after our own
        sessions are gone, retried while a straggler disconnects.
        """
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()"
        )
        for attempt in range(20):
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.25)

    def drop(self, url: str) -> None:
        if self.name == "postgresql":
            name = make_url(url).database
            assert name is not None
            self._drop_database(name)

    def close(self) -> None:
        if self.name == "postgresql":
            for name in self._made:
                self._drop_database(name)
            self._drop_database(self.template_name)


@pytest.fixture(scope="session")
def _backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, _Backend]]:
    made: dict[str, _Backend] = {}
    tmp = tmp_path_factory.mktemp("db")
    yield made
    for b in made.values():
        b.close()
    _ = tmp


@pytest.fixture(params=BACKENDS)
def backend(
    request: pytest.FixtureRequest,
    _backends: dict[str, _Backend],
    tmp_path_factory: pytest.TempPathFactory,
) -> _Backend:
    name: str = request.param
    if name not in _backends:
        _backends[name] = _Backend(name, tmp_path_factory.mktemp(f"db-{name}"))
    return _backends[name]


@pytest.fixture
def database_url(backend: _Backend) -> Iterator[str]:
    url = backend.fresh()
    yield url
    backend.drop(url)


@pytest.fixture
def db(database_url: str) -> Iterator[Any]:
    from tacepath.service.db import Database

    database = Database(database_url, migrate=False, pool_size=5)
    yield database
    database.dispose()


@dataclass
class Org:
    id: int
    name: str
    users: dict[str, str]  # role -> username


@functools.cache
def _password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(PASSWORD)


def make_org(db: Any, name: str, prefix: str) -> Org:
    """An organisation with one user per role (password :data:`PASSWORD`; the Argon2 hash is
    computed once per test process: ``create_user`` itself is tested in test_auth.py)."""
    from tacepath.service.auth import create_organisation
    from tacepath.store.models import User

    org = create_organisation(db, name)
    users = {}
    with db.write() as s:
        for role in ROLES:
            username = f"{prefix}-{role}"
            s.add(
                User(
                    organisation_id=org,
                    username=username,
                    full_name=f"{prefix} {role}",
                    password_hash=_password_hash(),
                    role=role,
                )
            )
            users[role] = username
    return Org(org, name, users)


def system(org: Org, role: str) -> Any:
    from tacepath.service.principal import system_principal

    return system_principal(
        organisation_id=org.id, organisation=org.name, role=role, username="test"
    )


@pytest.fixture
def app(db: Any, database_url: str) -> Any:
    from tacepath.app import Settings, create_app

    return create_app(Settings(database_url=database_url, migrate=False), db=db)


@pytest.fixture
def orgs(db: Any) -> tuple[Org, Org]:
    return make_org(db, "Hospital A", "a"), make_org(db, "Hospital B", "b")


def client_for(app: Any) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="https://testserver")


@pytest.fixture
def client(app: Any) -> Any:
    return client_for(app)


def login(client: Any, username: str, password: str = PASSWORD) -> str:
    """Sign in through the API; the CSRF token is set as a default header."""
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


def web_login(client: Any, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    tok = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert tok is not None
    return client.post(
        "/login",
        data={"username": username, "password": password, "login_token": tok.group(1), "next": "/"},
        follow_redirects=False,
    )


def example(path: str) -> Any:
    import json

    return json.loads((EXAMPLES / path).read_text(encoding="utf-8"))


def store_course(client: Any, snapshot: Any, timeline: Any, regimen: str) -> tuple[int, int]:
    """Create a patient from ``snapshot``, store ``timeline`` and set ``regimen`` through the
    API; the record id and its version."""
    r = client.post("/api/patients", json=snapshot)
    assert r.status_code == 201, r.text
    pid: int = r.json()["id"]
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json=timeline)
    assert r.status_code == 200, r.text
    r = client.put(
        f"/api/patients/{pid}/course", json={"version": r.json()["version"], "regimen": regimen}
    )
    assert r.status_code == 200, r.text
    return pid, int(r.json()["version"])


def store_p003(client: Any) -> int:
    """The example patient P003 (snapshot, the untaceable-progression timeline) stored with
    TACE + sorafenib as its course; the record id."""
    snapshot = example("pathway/P003_snapshot.json")
    timeline = example("timelines/P003_untaceable_intrahepatic.json")
    return store_course(client, snapshot, timeline, "tace-sorafenib")[0]


# --------------------------------------------------------------------------- helpers of
# several test files: pages, served processes, the browser


def csrf_token(html: str) -> str:
    """The CSRF token of a page's form."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m is not None
    return m.group(1)


def followup_form(page: str) -> dict[str, str]:
    """The hidden fields of a patient page's follow-up form, with its CSRF token."""
    form = {"csrf_token": csrf_token(page)}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page):
        if name != "csrf_token":
            form[name] = value
    return form


SERVER = """
import sys, uvicorn
from tacepath.app import Settings, create_app
app = create_app(Settings(database_url=sys.argv[1], secure_cookies=sys.argv[3] == "secure"))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


#: The ``tacepath`` command in a child process of this interpreter.
CLI = [sys.executable, "-c", "from tacepath.cli import main; main()"]


def wait_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (at most 90 s) until the server at ``base`` answers its health check; a server
    that exits first fails the test with the end of its ``log``."""
    import httpx

    end = time.monotonic() + 90
    while time.monotonic() < end:
        assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} did not start: {log.read_text(errors='replace')[-2000:]}")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, *, secure: bool = True) -> subprocess.Popen[bytes]:
    """``tacepath``'s application on the database ``url`` served by uvicorn in a child
    process on ``port``, once ``/api/health`` answers (the caller stops it)."""
    import httpx

    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, str(port), "secure" if secure else "insecure"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(
    os.environ.get(
        "TACEPATH_SCREENSHOTS", Path(__file__).resolve().parents[2] / "out" / "screenshots"
    )
)


def shot(page: Any, name: str) -> None:
    """A full-page screenshot ``name``.png in :data:`SHOTS`."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, user: str) -> None:
    """Sign ``user`` in on the login page of the server at ``base``."""
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
