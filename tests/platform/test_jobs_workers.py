"""``tacepath serve --workers N``: N server processes on one port and one database, each
its own job runner: a session works whichever process answers, every job runs once in the
process that queued it, a process starting or stopping leaves the jobs of the others alone,
and an in-memory SQLite database (which processes cannot share) is refused."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tacepath.service import jobs
from tacepath.store.models import JobRow
from tests.platform.conftest import (
    CLI,
    EXAMPLES,
    PASSWORD,
    client_for,
    free_port,
    login,
    system,
    wait_up,
)
from tests.platform.test_jobs import _wait

httpx = pytest.importorskip("httpx")

COHORT = (EXAMPLES / "cohort.csv").read_text()


def _children(pid: int) -> set[int]:
    """The worker processes uvicorn spawned under ``pid`` (Linux ``/proc``)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmd:
            found.add(int(entry.name))
    return found


def _running_job(org_id: int, runner: str, beat: dt.datetime) -> JobRow:
    return JobRow(
        organisation_id=org_id,
        owner="a-statistician",
        kind="cohort-assessment",
        inputs={"format": "csv"},
        state="running",
        progress=0.2,
        step="assessing the cohort",
        cancel_requested=False,
        runner=runner,
        started_at=beat,
        heartbeat_at=beat,
    )


def test_two_worker_processes_share_sessions_and_each_runs_the_jobs_it_queued(
    database_url: str, db: Any, orgs: Any, tmp_path: Path
) -> None:
    from tacepath.service.audit import verify_chain

    # a job another live server is running: neither worker's start may interrupt it
    with db.write() as s:
        live = _running_job(orgs[0].id, "elsewhere:1:live", dt.datetime.now(dt.UTC))
        s.add(live)
        s.flush()
        live_id = live.id
    port, log = free_port(), tmp_path / "serve.log"
    cmd = [*CLI, "serve", "--database-url", database_url, "--port", str(port)]
    cmd += ["--workers", "2", "--insecure-cookies", "--log-level", "warning"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, proc, log)
        end = time.monotonic() + 30
        while len(workers := _children(proc.pid)) < 2 and time.monotonic() < end:
            time.sleep(0.2)
        assert len(workers) == 2, log.read_text(errors="replace")[-2000:]
        r = httpx.post(
            f"{base}/api/auth/login", json={"username": "a-statistician", "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        cookies, token = r.cookies, r.json()["csrf_token"]
        headers = {"X-CSRF-Token": token}
        started = []
        for _ in range(6):  # a new connection each time: either process may answer
            with httpx.Client(base_url=base, cookies=cookies, headers=headers, timeout=60) as c:
                assert c.get("/api/jobs").status_code == 200
                body = {"kind": "cohort-assessment", "inputs": {"cohort_csv": COHORT}}
                r = c.post("/api/jobs", json=body)
                assert r.status_code == 202, r.text
                started.append(r.json()["id"])
                _wait(c, started[-1], {"done"}, timeout=120)
        with db.read() as s:
            rows = {j.id: j for j in s.scalars(select(JobRow)).all()}
        pids = {int(rows[i].runner.split(":")[1]) for i in started}  # type: ignore[union-attr]
        assert pids <= workers  # run by a worker process, never by the supervisor
        assert rows[live_id].state == "running"
        assert verify_chain(db).ok
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with db.read() as s:
        assert s.get(JobRow, live_id).state == "running"  # type: ignore[union-attr]


def test_an_in_memory_sqlite_database_is_refused_for_several_workers() -> None:
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:db?mode=memory&uri=true"):
        cmd = [*CLI, "serve", "--database-url", url, "--workers", "2"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert out.returncode == 2
        assert "in-memory SQLite database cannot be shared by several processes" in out.stderr


def test_a_forked_process_is_another_runner() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child says who it is, then leaves at once
        os.write(write, jobs.runner_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 200).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != jobs.runner_id()
    assert child.split(":")[1] == str(pid)


def test_a_stopping_server_interrupts_its_own_jobs_only(
    app: Any, db: Any, orgs: Any, database_url: str
) -> None:
    client = client_for(app)
    login(client, "a-statistician")
    body = {"kind": "cohort-assessment", "inputs": {"cohort_csv": COHORT}}
    done = _wait(client, client.post("/api/jobs", json=body).json()["id"], {"done"}, timeout=120)
    now = dt.datetime.now(dt.UTC)
    with db.write() as s:
        other = _running_job(orgs[0].id, "another-worker:2:x", now)
        mine = _running_job(orgs[0].id, jobs.runner_id(), now)
        s.add_all([other, mine])
        s.flush()
        ids = (other.id, mine.id)
    app.state.jobs.close()
    states = {j["id"]: j["state"] for j in jobs.list_jobs(db, system(orgs[0], "statistician"))}
    assert states == {done["id"]: "done", ids[0]: "running", ids[1]: "interrupted"}
