"""Background jobs: an analysis run as a job on the in-process Dask cluster, its progress,
cancel, the organisation's limit, interruption by a stopping or vanished server, and that a
finished result outlives the server."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tacepath.adam.cohort import tactics_like_cohort
from tacepath.interop.adam_io import write_cohort
from tacepath.service import jobs, trials
from tacepath.store.models import AuditRecord, JobRow
from tests.platform.conftest import EXAMPLES, client_for, login, web_login

SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def engine_closed(app: Any) -> Iterator[None]:
    """Stop the app's job engine after the test (its running jobs are interrupted)."""
    yield
    app.state.jobs.close()


def _trial(client: Any, tmp_path: Path, name: str = "TACTICS-like") -> int:
    write_cohort(tactics_like_cohort(seed=20200731), tmp_path)
    tid: int = client.post("/api/trials", json={"name": name}).json()["id"]
    for kind in ("adsl", "adtte", "adae"):
        content = (tmp_path / f"{kind}.csv").read_bytes()
        r = client.post(
            f"/api/trials/{tid}/files",
            data={"kind": kind},
            files={"file": (f"{kind}.csv", content)},
        )
        assert r.status_code == 201, r.text
    sap = (EXAMPLES / "tactics-like/sap.yaml").read_bytes()
    r = client.post(
        f"/api/trials/{tid}/files", data={"kind": "sap"}, files={"file": ("sap.yaml", sap)}
    )
    assert r.status_code == 201, r.text
    return tid


def _start(client: Any, tid: int) -> dict[str, Any]:
    r = client.post("/api/jobs", json={"kind": "analysis", "trial_id": tid})
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/jobs/{r.json()['id']}" == r.json()["url"]
    job: dict[str, Any] = r.json()
    return job


def _wait(client: Any, job_id: int, states: set[str], timeout: float = 180) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states or time.monotonic() > end:
            assert job["state"] in states, job
            return job
        time.sleep(0.2)


def _actions(db: Any, job_id: int) -> list[str]:
    with db.read() as s:
        rows = s.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.entity == "job", AuditRecord.entity_id == str(job_id))
            .order_by(AuditRecord.id)
        ).all()
    return list(rows)


def test_a_job_runs_the_plan_and_its_result_outlives_the_server(
    app: Any, client: Any, orgs: Any, db: Any, database_url: str, tmp_path: Path
) -> None:
    from tacepath.app import Settings, create_app
    from tacepath.service.audit import verify_chain
    from tacepath.service.db import Database

    login(client, "a-statistician")
    tid = _trial(client, tmp_path)
    job = _start(client, tid)
    assert job["state"] == "queued"
    assert job["progress"] == 0
    assert job["kind"] == "analysis"
    assert job["owner"] == "a-statistician"
    assert job["trial_id"] == tid
    seen = {_wait(client, job["id"], {"running", "done"})["state"]}
    done = _wait(client, job["id"], {"done"})
    seen.add(done["state"])
    assert done["progress"] == 1.0
    assert done["error"] is None
    assert done["run_s"] > 0
    assert done["queued_s"] >= 0
    aid = done["result"]["analysis"]
    assert "gatekeeping" in client.get(f"/api/trials/{tid}/analyses/{aid}/results.json").json()
    assert _actions(db, job["id"]) == ["job.queue", "job.start", "job.done"]

    # the server stops; a new one on the same database still has the job and its report
    app.state.jobs.close()
    db.dispose()
    again = Database(database_url, migrate=False, pool_size=2)
    try:
        other = client_for(create_app(Settings(database_url=database_url), db=again))
        login(other, "a-statistician")
        after = other.get(f"/api/jobs/{job['id']}").json()
        assert after["state"] == "done"
        assert after["result"] == {"analysis": aid}
        html = other.get(f"/api/trials/{tid}/analyses/{aid}/report.html")
        assert html.status_code == 200
        assert "SYNTHETIC" in html.text
        assert verify_chain(again).ok
    finally:
        other.app.state.jobs.close()
        again.dispose()


def test_cancel_a_running_job(
    app: Any, client: Any, orgs: Any, db: Any, tmp_path: Path, monkeypatch: Any, engine_closed: Any
) -> None:
    monkeypatch.setattr(trials, "_command", lambda folder, files: SLEEP)
    login(client, "a-statistician")
    tid = _trial(client, tmp_path)
    job = _start(client, tid)
    running = _wait(client, job["id"], {"running"}, timeout=30)
    while running["step"] != "running the analysis plan":
        running = client.get(f"/api/jobs/{job['id']}").json()
        time.sleep(0.1)
    assert running["progress"] == jobs.STEP_PROGRESS["running the analysis plan"]
    r = client.post(f"/api/jobs/{job['id']}/cancel")
    assert r.status_code == 200
    assert r.json()["cancel_requested"] is True
    asked = time.monotonic()
    cancelled = _wait(client, job["id"], {"cancelled", "failed", "done"}, timeout=30)
    assert cancelled["state"] == "cancelled"
    assert time.monotonic() - asked < 20  # the child (asleep for 120 s) was stopped
    assert _actions(db, job["id"]) == [
        "job.queue",
        "job.start",
        "job.cancel-request",
        "job.cancel",
    ]
    # the stopped analysis is kept, marked stopped, without a report
    assert trials.get_trial(db, _stat(orgs[0]), tid)["analyses"][-1]["status"] == "stopped"
    # cancelling a finished job changes nothing
    assert client.post(f"/api/jobs/{job['id']}/cancel").json()["state"] == "cancelled"
    assert _actions(db, job["id"])[-1] == "job.cancel"


def _stat(org: Any) -> Any:
    from tests.platform.conftest import system

    return system(org, "statistician")


def test_a_queued_job_is_cancelled_at_once(db: Any, orgs: Any) -> None:
    who = _stat(orgs[0])
    tid = trials.create_trial(db, who, "T")["id"]
    job = jobs.create_job(db, who, "analysis", trial_id=tid, inputs={"trial": tid})
    out = jobs.cancel_job(db, who, job["id"])
    assert out["state"] == "cancelled"
    assert out["finished_at"] is not None
    assert jobs.claim(db, job["id"], "another runner") is None  # never starts afterwards


def test_the_organisations_limit(
    app: Any, client: Any, orgs: Any, db: Any, tmp_path: Path, monkeypatch: Any, engine_closed: Any
) -> None:
    monkeypatch.setattr(trials, "_command", lambda folder, files: SLEEP)
    limit = app.state.settings.max_jobs_per_organisation
    assert limit == jobs.DEFAULT_LIMIT == 2
    login(client, "a-statistician")
    tid = _trial(client, tmp_path)
    first = [_start(client, tid) for _ in range(limit)]
    r = client.post("/api/jobs", json={"kind": "analysis", "trial_id": tid})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "2 jobs queued or running" in r.json()["message"]
    with db.read() as s:  # nothing stored for the refused one
        assert len(s.scalars(select(JobRow)).all()) == limit
    # another organisation has its own limit
    other = client_for(app)
    login(other, "b-statistician")
    theirs = _start(other, _trial(other, tmp_path / "b", "B trial"))
    # one finished frees a place
    client.post(f"/api/jobs/{first[0]['id']}/cancel")
    _wait(client, first[0]["id"], {"cancelled"}, timeout=30)
    _start(client, tid)
    other.post(f"/api/jobs/{theirs['id']}/cancel")


def test_queueing_a_job_never_blocks_the_organisations_audit_writes(orgs: Any, db: Any) -> None:
    """The queue lock on the organisation's row must not wait for, or make wait, the
    key-share lock an audit insert takes on it (its foreign key) while holding the audit
    chain's head: otherwise queueing a job and a running job's audited step deadlock."""
    if db.backend != "postgresql":
        pytest.skip("PostgreSQL row locks")
    from concurrent.futures import ThreadPoolExecutor

    from tacepath.service import audit

    org = orgs[0].id

    def audited() -> None:
        with db.write() as s:
            audit.record(s, None, "job.start", "job", 0, organisation_id=org, after={})

    with db.write() as s, ThreadPoolExecutor(1) as pool:
        jobs.queue_lock(s, org)  # as a server queueing a job holds it
        pending = pool.submit(audited)
        pending.result(timeout=10)  # FOR UPDATE would block it until this transaction ends


def test_a_run_past_its_memory_or_time_limit_ends_as_a_failed_job(
    orgs: Any, db: Any, database_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    from tacepath.app import Settings, create_app

    # The TACTICS-like plan's run reaches about 2.6 GiB of address space (libraries and
    # threads included; 0.3 GiB resident): within the 4096 MiB default, not within 1024.
    small = create_app(
        Settings(database_url=database_url, migrate=False, analysis_memory_mib=1024), db=db
    )
    try:
        client = client_for(small)
        login(client, "a-statistician")
        tid = _trial(client, tmp_path)
        failed = _wait(client, _start(client, tid)["id"], {"failed", "done"})
        assert failed["state"] == "failed"
        assert failed["error"].startswith(
            "the analysis needed more memory than its limit of 1024 MiB"
        )
        analysis = trials.get_trial(db, _stat(orgs[0]), tid)["analyses"][-1]
        assert analysis["status"] == "failed"
        # a run past its time: the same, naming the time limit
        monkeypatch.setattr(trials, "_command", lambda folder, files: SLEEP)
        small.state.jobs.limits = trials.RunLimits(timeout_s=1, memory_mib=1024)
        late = _wait(client, _start(client, tid)["id"], {"failed", "done"}, timeout=60)
        assert late["state"] == "failed"
        assert late["error"] == "the analysis took longer than 1 s"
    finally:
        small.state.jobs.close()


def test_a_stopping_server_interrupts_its_jobs_and_a_vanished_ones_are_swept(
    app: Any, client: Any, orgs: Any, db: Any, database_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    from tacepath.app import Settings, create_app

    monkeypatch.setattr(trials, "_command", lambda folder, files: SLEEP)
    login(client, "a-statistician")
    tid = _trial(client, tmp_path)
    job = _start(client, tid)
    _wait(client, job["id"], {"running"}, timeout=30)
    app.state.jobs.close()  # what the server does when it stops
    stopped = client.get(f"/api/jobs/{job['id']}").json()
    assert stopped["state"] == "interrupted"
    assert "stopped" in stopped["error"]
    assert _actions(db, job["id"])[-1] == "job.interrupt"

    # a server killed without stopping: its job's heartbeat ends; the next server to
    # start (or to look at the job) marks it interrupted once the lease has run out
    old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=jobs.LEASE_S + 1)
    fresh = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=jobs.LEASE_S - 10)
    with db.write() as s:
        for beat in (old, fresh):
            s.add(
                JobRow(
                    organisation_id=orgs[0].id,
                    owner="a-statistician",
                    kind="analysis",
                    trial_id=tid,
                    inputs={"trial": tid},
                    state="running",
                    progress=0.2,
                    step="running the analysis plan",
                    cancel_requested=False,
                    runner="gone:1:x",
                    started_at=beat,
                    heartbeat_at=beat,
                )
            )
    restarted = create_app(Settings(database_url=database_url, migrate=False), db=db)
    states = [j["state"] for j in jobs.list_jobs(db, _stat(orgs[0]), trial_id=tid)]
    assert states == ["running", "interrupted", "interrupted"]  # newest first
    restarted.state.jobs.close()


def test_another_organisation_sees_no_job(
    app: Any, client: Any, orgs: Any, db: Any, engine_closed: Any
) -> None:
    who = _stat(orgs[0])
    tid = trials.create_trial(db, who, "T")["id"]
    job = jobs.create_job(db, who, "analysis", trial_id=tid, inputs={"trial": tid})
    login(client, "b-statistician")
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404
    assert client.post(f"/api/jobs/{job['id']}/cancel").status_code == 404
    assert client.get("/api/jobs").json() == []
    assert client.post("/api/jobs", json={"kind": "analysis", "trial_id": tid}).status_code == 404
    web = client_for(app)
    web_login(web, "b-statistician")
    page = web.get(f"/trials/{tid}")
    assert page.status_code == 404
    clinician = client_for(app)
    login(clinician, "a-clinician")
    assert clinician.get(f"/api/jobs/{job['id']}").status_code == 403
    assert jobs.get_job(db, who, job["id"])["state"] == "queued"  # untouched


def test_hostile_job_requests_are_refused(client: Any, orgs: Any) -> None:
    login(client, "a-statistician")
    for body in (
        {"kind": "shell", "trial_id": 1},
        {"kind": "analysis", "trial_id": 0},
        {"kind": "analysis", "trial_id": 2**40},
        {"kind": "analysis", "trial_id": 1, "command": "rm -rf /"},
        {"kind": "analysis"},
    ):
        assert client.post("/api/jobs", json=body).status_code == 422, body
    assert client.get("/api/jobs", params={"limit": 1000}).status_code == 422
    assert client.get("/api/jobs/0").status_code == 422


def test_the_trial_page_starts_a_job_and_shows_its_progress(
    app: Any, client: Any, orgs: Any, tmp_path: Path, monkeypatch: Any, engine_closed: Any
) -> None:
    import re

    monkeypatch.setattr(trials, "_command", lambda folder, files: SLEEP)
    login(client, "a-statistician")
    tid = _trial(client, tmp_path)
    web = client_for(app)
    web_login(web, "a-statistician")
    page = web.get(f"/trials/{tid}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = web.post(f"/trials/{tid}/run", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/trials/{tid}#jobs"
    job = client.get("/api/jobs", params={"trial_id": tid}).json()[0]
    _wait(client, job["id"], {"running"}, timeout=30)
    fragment = web.get(f"/trials/{tid}/jobs").text
    assert f'hx-get="/trials/{tid}/jobs"' in fragment
    assert "<progress" in fragment
    assert f'action="/trials/{tid}/jobs/{job["id"]}/cancel"' in fragment
    polled = web.get(f"/trials/{tid}/jobs", headers={"HX-Request": "true"})
    assert "hx-refresh" not in polled.headers  # active: the fragment alone is replaced
    r = web.post(
        f"/trials/{tid}/jobs/{job['id']}/cancel",
        data={"csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    _wait(client, job["id"], {"cancelled"}, timeout=30)
    # the page's next poll reloads the page once, so its analyses table is current too
    polled = web.get(f"/trials/{tid}/jobs", headers={"HX-Request": "true"})
    assert polled.headers["hx-refresh"] == "true"
    done = web.get(f"/trials/{tid}").text
    assert "cancelled" in done
    assert 'hx-trigger="every 2s"' not in done
    # a job of another trial is not cancelled through this one's page
    other = client.post("/api/trials", json={"name": "other"}).json()["id"]
    r = web.post(
        f"/trials/{other}/jobs/{job['id']}/cancel",
        data={"csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 404


def test_the_in_process_cluster_listens_on_the_loopback_only(db: Any) -> None:
    """The server's own Dask cluster serves HTTP (status, metrics) like any Dask scheduler
    and worker: it must not listen on every interface (Dask's default, 0.0.0.0:8787)."""
    import os

    import psutil

    from tacepath.service.job_engine import JobEngine

    def listening() -> set[tuple[str, int]]:
        return {
            (c.laddr.ip, c.laddr.port)
            for c in psutil.Process(os.getpid()).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }

    before = listening()
    engine = JobEngine(db)
    try:
        engine._dask()
        opened = listening() - before
        assert opened, "the cluster serves no HTTP: nothing to check"
        assert all(ip in ("127.0.0.1", "::1") for ip, _ in opened), opened
    finally:
        engine.close()
