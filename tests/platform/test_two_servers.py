"""Two ``tacepath serve`` processes on one PostgreSQL database share nothing but it: a
session and its CSRF token made through one work on the other, the login limit counts the
failures of both, a stale version is refused whichever process wrote the newer one, the
audit rows of both form one chain (``tacepath audit verify``), and a job started through one
is seen and cancelled through the other.

Runs when ``TACEPATH_TEST_DATABASE_URL`` names a PostgreSQL server (CI starts one).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tacepath.service.auth import MAX_FAILURES_PER_USER
from tests.platform.conftest import (
    CLI,
    EXAMPLES,
    PASSWORD,
    PG_ENV,
    _Backend,
    example,
    free_port,
    make_org,
    wait_up,
)

httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"needs {PG_ENV}")


def _serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [
        *CLI,
        "serve",
        "--database-url",
        url,
        "--port",
        str(port),
        "--insecure-cookies",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, Any]]:
    from tacepath.service.db import Database

    backend = _Backend("postgresql", tmp_path_factory.mktemp("two-servers"))
    url = backend.fresh()
    db = Database(url, migrate=False, pool_size=2)
    make_org(db, "Hospital A", "a")
    make_org(db, "Hospital B", "b")
    logs = tmp_path_factory.mktemp("logs")
    ports = (free_port(), free_port())
    procs = [_serve(url, p, logs / f"{p}.log") for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base, proc, p in zip(bases, procs, ports, strict=True):
            wait_up(base, proc, logs / f"{p}.log")
        yield bases[0], bases[1], url, db
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        db.dispose()
        backend.close()


def _login(base: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(timeout=60)
    r = client.post(f"{base}/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    return client, token


def test_a_session_and_its_csrf_token_work_on_both(servers: Any) -> None:
    one, two, _, _ = servers
    client, token = _login(one, "a-statistician")
    me = client.get(f"{two}/api/auth/me")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "a-statistician"
    assert me.json()["csrf_token"] == token
    # a write on the other process with the token from the first
    r = client.post(
        f"{two}/api/trials", json={"name": "made on two"}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 201, r.text
    r = client.post(f"{two}/api/trials", json={"name": "no token"})
    assert r.status_code == 403
    r = client.post(f"{one}/api/trials", json={"name": "bad"}, headers={"X-CSRF-Token": "x" * 43})
    assert r.status_code == 403
    # signed out on one: the session is gone on the other too
    assert client.post(f"{two}/api/auth/logout", headers={"X-CSRF-Token": token}).status_code in (
        200,
        204,
    )
    assert client.get(f"{one}/api/auth/me").status_code == 401


def test_the_login_limit_counts_failures_on_both(servers: Any) -> None:
    one, two, _, _ = servers
    answers = []
    for i in range(2 * MAX_FAILURES_PER_USER):
        base = (one, two)[i % 2]
        r = httpx.post(
            f"{base}/api/auth/login",
            json={"username": "b-navigator", "password": "wrong password"},
            timeout=60,
        )
        answers.append(r.status_code)
    assert answers.count(401) == MAX_FAILURES_PER_USER, answers
    assert answers[MAX_FAILURES_PER_USER:] == [429] * MAX_FAILURES_PER_USER, answers


def test_a_stale_version_is_refused_across_both(servers: Any) -> None:
    one, two, _, _ = servers
    client, token = _login(one, "a-navigator")
    headers = {"X-CSRF-Token": token}
    r = client.post(
        f"{one}/api/patients", json=example("pathway/P003_snapshot.json"), headers=headers
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    version = client.get(f"{two}/api/patients/{pid}").json()["version"]
    first = client.put(
        f"{two}/api/patients/{pid}/course",
        json={"version": version, "regimen": "tace-sorafenib"},
        headers=headers,
    )
    assert first.status_code == 200, first.text
    stale = client.put(
        f"{one}/api/patients/{pid}/course",
        json={"version": version, "last_contact_date": "2026-11-01"},
        headers=headers,
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == version + 1


def test_interleaved_writes_form_one_audit_chain(servers: Any) -> None:
    one, two, url, _ = servers
    clients = {base: _login(base, "a-statistician") for base in (one, two)}

    def write(i: int) -> int:
        base = (one, two)[i % 2]
        client, token = clients[base]
        r = client.post(
            f"{base}/api/trials", json={"name": f"chain {i}"}, headers={"X-CSRF-Token": token}
        )
        return r.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(write, range(40)))
    assert codes == [201] * 40
    out = subprocess.run(
        [*CLI, "audit", "verify", "--database-url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "audit chain intact" in out.stdout


def test_a_job_started_on_one_is_seen_and_cancelled_on_the_other(
    servers: Any, tmp_path: Path
) -> None:
    from tacepath.adam.cohort import tactics_like_cohort
    from tacepath.interop.adam_io import write_cohort

    one, two, _, _ = servers
    client, token = _login(one, "a-statistician")
    headers = {"X-CSRF-Token": token}
    tid = client.post(f"{one}/api/trials", json={"name": "jobs"}, headers=headers).json()["id"]
    write_cohort(tactics_like_cohort(seed=20200731), tmp_path)
    files = {k: (f"{k}.csv", (tmp_path / f"{k}.csv").read_bytes()) for k in ("adsl", "adtte")}
    files["sap"] = ("sap.yaml", (EXAMPLES / "tactics-like/sap.yaml").read_bytes())
    for kind, f in files.items():
        r = client.post(
            f"{one}/api/trials/{tid}/files", data={"kind": kind}, files={"file": f}, headers=headers
        )
        assert r.status_code == 201, r.text
    r = client.post(f"{one}/api/jobs", json={"kind": "analysis", "trial_id": tid}, headers=headers)
    assert r.status_code == 202, r.text
    job_url = r.headers["location"]
    end = time.monotonic() + 60
    while (seen := client.get(f"{two}{job_url}").json())["state"] == "queued":
        assert time.monotonic() < end, seen
        time.sleep(0.2)
    assert seen["state"] == "running", seen
    r = client.post(f"{two}{job_url}/cancel", headers=headers)
    assert r.status_code == 200
    assert r.json()["cancel_requested"] is True
    end = time.monotonic() + 60
    while (job := client.get(f"{one}{job_url}").json())["state"] == "running":
        assert time.monotonic() < end, job
        time.sleep(0.2)
    assert job["state"] == "cancelled", job
