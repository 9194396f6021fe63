"""Durability: the server killed with SIGKILL in the middle of writes leaves no half record,
and every write it acknowledged is there after a restart (SQLite and PostgreSQL).

Writers create patients (a patient, its snapshot, nine labs, five tumours and an audit
record: one transaction) and replace a timeline (dozens of rows deleted and inserted in one
transaction) as fast as they can; the server process is killed with SIGKILL while they run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import httpx
import pytest

from tests.platform.conftest import example, free_port, make_org, start_server

_LABS = {
    "bilirubin": {"value": 1.1, "unit": "mg/dL"},
    "albumin": {"value": 3.6, "unit": "g/dL"},
    "inr": {"value": 1.1},
    "creatinine": {"value": 0.9, "unit": "mg/dL"},
    "sodium": {"value": 137, "unit": "mmol/L"},
    "afp": {"value": 250, "unit": "ng/mL"},
    "ast": {"value": 40, "unit": "U/L"},
    "alt": {"value": 35, "unit": "U/L"},
    "platelets": {"value": 150, "unit": "10^9/L"},
}


def test_sigkill_during_writes(db: Any, database_url: str) -> None:
    from tacepath.service.auth import create_api_token, login
    from tacepath.service.db import Database

    org = make_org(db, "Hospital A", "a")
    _, who = login(db, org.users["clinician"], "correct horse battery staple", "test")
    token = create_api_token(db, who, "durability")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    full = example("timelines/P003_untaceable_intrahepatic.json")
    full["id"] = "TL"  # the timeline names the patient it belongs to
    short = dict(full, assessments=full["assessments"][:3])
    port = free_port()
    proc = start_server(database_url, port)
    base = f"http://127.0.0.1:{port}"
    pid = httpx.post(f"{base}/api/patients", json={"id": "TL"}, headers=headers).json()["id"]

    acknowledged: list[str] = []
    timeline_acks: list[int] = []
    stop = threading.Event()

    def create(worker: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            n = 0
            while not stop.is_set():
                mrn = f"W{worker}-{n}"
                n += 1
                body = {
                    "id": mrn,
                    "ecog": 0,
                    "labs": _LABS,
                    "tumours": [{"diameter_mm": 10 + i} for i in range(5)],
                }
                try:
                    if c.post("/api/patients", json=body).status_code == 201:
                        acknowledged.append(mrn)
                except httpx.HTTPError:
                    return

    def replace() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            n = 0
            while not stop.is_set():
                body = full if n % 2 else short
                n += 1
                try:
                    version = c.get(f"/api/patients/{pid}").json()["version"]
                    url = f"/api/patients/{pid}/timeline?version={version}"
                    if c.put(url, json=body).status_code == 200:
                        timeline_acks.append(len(body["assessments"]))
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=create, args=(i,)) for i in range(3)]
    threads.append(threading.Thread(target=replace))
    for t in threads:
        t.start()
    # kill once the writers are under way (on a loaded machine that takes longer than usual)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(acknowledged) <= 5 or not timeline_acks):
        time.sleep(0.1)
    time.sleep(0.5)  # and in the middle of further writes
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=20)
    assert len(acknowledged) > 5, "the writers did not get going"
    assert timeline_acks, "no timeline was replaced"

    # a new server on the same database: every acknowledged write, no half record
    db.dispose()
    proc = start_server(database_url, port)
    try:
        c = httpx.Client(base_url=base, headers=headers, timeout=30)
        rows = c.get("/api/patients", params={"limit": 500}).json()
        stored = {r["mrn"] for r in rows}
        assert set(acknowledged) <= stored
        check = Database(database_url, migrate=False, pool_size=2)
        from sqlalchemy import text

        with check.read() as s:
            snaps = s.execute(
                text(
                    "SELECT p.mrn, COUNT(DISTINCT s.id), COUNT(DISTINCT l.id), "
                    "COUNT(DISTINCT t.id) "
                    "FROM patients p LEFT JOIN snapshots s ON s.patient_id = p.id "
                    "LEFT JOIN snapshot_labs l ON l.snapshot_id = s.id "
                    "LEFT JOIN snapshot_tumours t ON t.snapshot_id = s.id GROUP BY p.mrn"
                )
            ).all()
            audited = set(
                s.execute(
                    text("SELECT entity_id FROM audit_records WHERE action = 'patient.create'")
                ).scalars()
            )
        check.dispose()
        for mrn, n_snap, n_labs, n_tumours in snaps:
            if mrn == "TL":
                continue
            assert (n_snap, n_labs, n_tumours) == (1, 9, 5), mrn
        ids = {r["mrn"]: str(r["id"]) for r in rows}
        assert {ids[m] for m in stored} <= audited
        tl = c.get(f"/api/patients/{pid}").json()["timeline"]
        assert len(tl["assessments"]) in (3, 4)
        want = full if len(tl["assessments"]) == 4 else short
        for got, exp in zip(tl["assessments"], want["assessments"], strict=True):
            assert len(got["lesions"]) == len(exp["lesions"])
            assert len(got["non_target"]) == len(exp["non_target"])
        # the record still works: a write after the restart
        assert c.post("/api/patients", json={"id": "after"}).status_code == 201
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
