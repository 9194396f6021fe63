"""Hardening of the platform (OWASP ASVS L2): each test makes the attack first."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tacepath.service.trials import run_capped
from tests.platform.conftest import login
from tests.security.test_yaml_input import _bomb


def test_an_alias_bomb_plan_is_refused_at_upload(client: Any, orgs: Any) -> None:
    login(client, "a-statistician")
    tid = client.post("/api/trials", json={"name": "T"}).json()["id"]
    r = client.post(
        f"/api/trials/{tid}/files",
        data={"kind": "sap"},
        files={"file": ("sap.yaml", _bomb().encode(), "text/yaml")},
    )
    assert r.status_code == 422
    assert "line 1" in r.text
    assert "anchor" in r.text
    assert len(r.content) < 2000


def test_the_runner_output_is_kept_in_a_capped_buffer() -> None:
    # 50 MB on stdout and on stderr; only the last 4 KiB of each is kept.
    script = (
        "import sys\n"
        "for _ in range(50):\n"
        "    sys.stdout.write('o' * 1_000_000); sys.stderr.write('e' * 1_000_000)\n"
        "sys.stdout.write('END'); sys.stderr.write('LAST')\n"
    )
    code, out, err = run_capped([sys.executable, "-c", script], timeout=60, cap=4096)
    assert code == 0
    assert out.endswith("END")
    assert err.endswith("LAST")
    assert len(out) < 4200
    assert len(err) < 4200
    assert "earlier bytes not kept" in out


def test_a_runner_past_its_time_is_stopped() -> None:
    code, _, err = run_capped([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert code == -1
    assert "longer than 0.5 s" in err


def test_a_runner_past_its_memory_limit_ends_with_a_clear_error() -> None:
    # a child that takes 512 MiB: fine without a limit, stopped under a 256 MiB one
    grab = [sys.executable, "-c", "x = bytearray(512 * 1024 * 1024); print('GOT', len(x))"]
    code, out, _ = run_capped(grab, timeout=60)
    assert (code, out.strip()) == (0, "GOT 536870912")
    code, out, err = run_capped(grab, timeout=60, memory_mib=256)
    assert code == 1
    assert "GOT" not in out
    assert err.startswith("the analysis needed more memory than its limit of 256 MiB")
    assert err.endswith("(last message: MemoryError)")
    # under a limit it fits, a run is unchanged
    code, out, err = run_capped(
        [sys.executable, "-c", "print('small')"], timeout=60, memory_mib=256
    )
    assert (code, out.strip(), err) == (0, "small", "")


def test_the_run_limits_are_checked_settings() -> None:
    from tacepath.app import Settings
    from tacepath.service.trials import RUN_MEMORY_MIB, RUN_TIMEOUT, RunLimits

    assert Settings(database_url="sqlite://").run_limits == RunLimits(900, 4096)
    assert (RUN_TIMEOUT, RUN_MEMORY_MIB) == (900, 4096)
    limits = Settings(
        database_url="sqlite://", analysis_timeout_s=30, analysis_memory_mib=1024
    ).run_limits
    assert (limits.timeout_s, limits.memory_mib) == (30, 1024)
    for bad in ({"analysis_timeout_s": 0}, {"analysis_memory_mib": 63}):
        with pytest.raises(ValueError, match="analysis"):
            Settings(database_url="sqlite://", **bad)  # type: ignore[arg-type]
    assert RunLimits(1, 64).memory_mib == 64
    assert RunLimits(86400, 1024 * 1024).timeout_s == 86400
    with pytest.raises(ValueError, match="86400"):
        RunLimits(86401, 64)


# --- request body limit ---------------------------------------------------------------------

MIB = 1024 * 1024


async def _asgi(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], chunks: Any
) -> tuple[int, int, bytes]:
    """Send one POST to the ASGI app; the status, the body bytes it read, the response."""
    read = 0
    status = 0
    out = b""

    async def receive() -> dict[str, Any]:
        nonlocal read
        try:
            chunk = next(chunks)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, out
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            out += message.get("body", b"")

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "https", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234), "server": ("testserver", 443),
    }  # fmt: skip
    await app(scope, receive, send)
    return status, read, out


def _megabytes(n: int, first: bytes = b"") -> Any:
    chunk = b"x" * MIB
    yield first
    for _ in range(n):
        yield chunk


def _never() -> Any:
    raise AssertionError("the body was read")
    yield b""  # pragma: no cover


def test_a_declared_100_mb_login_body_is_refused_unread(app: Any) -> None:
    import asyncio

    headers = [(b"content-type", b"application/json"), (b"content-length", b"104857600")]
    status, read, body = asyncio.run(_asgi(app, "/api/auth/login", headers, _never()))
    assert status == 413
    assert read == 0
    assert b"larger than" in body


def test_a_chunked_100_mb_login_body_is_cut_at_the_limit(app: Any) -> None:
    import asyncio
    import resource
    import time

    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    status, read, _ = asyncio.run(
        _asgi(app, "/api/auth/login", headers, _megabytes(100, b'{"username": "'))
    )
    elapsed = time.perf_counter() - t0
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert status == 413
    assert read <= 3 * MIB  # the 2 MiB limit and the chunk that crossed it
    assert elapsed < 5
    assert grown_mib < 40


def test_an_oversized_multipart_upload_is_refused(app: Any) -> None:
    import asyncio

    boundary = b"----tacepath"
    ctype = (b"content-type", b"multipart/form-data; boundary=" + boundary)
    declared = [ctype, (b"content-length", str(300 * MIB).encode())]
    status, read, _ = asyncio.run(_asgi(app, "/api/trials/1/files", declared, _never()))
    assert (status, read) == (413, 0)
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
        b'filename="adsl.csv"\r\nContent-Type: text/csv\r\n\r\nUSUBJID\r\n'
    )
    status, read, _ = asyncio.run(_asgi(app, "/api/trials/1/files", [ctype], _megabytes(300, head)))
    assert status == 413
    assert read <= 22 * MIB
    # a page that is not an upload has the smaller limit
    status, read, _ = asyncio.run(_asgi(app, "/login", [ctype], _megabytes(300, head)))
    assert status == 413
    assert read <= 3 * MIB


def test_the_limits_are_settings(database_url: str, db: Any) -> None:
    import asyncio

    from tacepath.app import Settings, create_app

    small = create_app(
        Settings(database_url=database_url, migrate=False, max_body_bytes=1000), db=db
    )
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1001")]
    status, _, _ = asyncio.run(_asgi(small, "/api/auth/login", headers, _never()))
    assert status == 413


# --- bounded lists and strings; a busy database -------------------------------------------


def test_a_million_tumours_are_refused_quickly(client: Any, orgs: Any) -> None:
    import json
    import time

    login(client, "a-clinician")
    body = json.dumps({"id": "P1", "tumours": [{"diameter_mm": 10}] * 1_000_000})
    t0 = time.perf_counter()
    r = client.post("/api/patients", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413  # 20 MB: over the body limit, never parsed
    assert time.perf_counter() - t0 < 5
    # under the body limit, the list itself is bounded
    r = client.post("/api/patients", json={"id": "P1", "tumours": [{"diameter_mm": 10}] * 101})
    assert r.status_code == 422
    (problem,) = r.json()["problems"]
    assert problem["field"] == "tumours"
    assert "at most 100" in problem["allowed"]
    assert len(r.content) < 1000
    assert client.get("/api/patients").json() == []


def test_long_free_text_and_long_lists_are_refused(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid = client.post("/api/patients", json={"id": "P1"}).json()["id"]
    base = {
        "id": "P1", "start_date": "2024-01-01",
        "assessments": [{"date": "2024-01-01", "lesions": [
            {"id": "L1", "organ": "liver", "target": True, "longest_mm": 40,
             "viable_longest_mm": 40}]}],
    }  # fmt: skip
    events = [{"date": "2024-02-01", "type": "withdrawal", "detail": "x" * 2001}]
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json={**base, "events": events})
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "events.0.detail"
    assert len(r.content) < 1000
    lesions = [
        {"id": f"L{i}", "organ": "liver", "longest_mm": 20, "viable_longest_mm": 20}
        for i in range(101)
    ]
    many = {**base, "assessments": [{"date": "2024-01-01", "lesions": lesions}]}
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json=many)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "assessments.0.lesions"
    # 50 events of 1 MB each: over the body limit
    big = [{"date": "2024-02-01", "type": "withdrawal", "detail": "x" * 1_000_000}] * 50
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json={**base, "events": big})
    assert r.status_code == 413
    assert client.get(f"/api/patients/{pid}").json()["timeline"] is None


def test_a_fhir_bundle_is_bounded_and_its_resource_types_known(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    evil = {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": {"resourceType": "EvilThing", "id": "x"}}]}  # fmt: skip
    r = client.post("/api/import/fhir", json=evil)
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "bundle.entry[0].resource.resourceType"
    many = {"resourceType": "Bundle", "type": "collection", "entry": [{}] * 20_001}
    r = client.post("/api/import/fhir", json=many)
    assert r.status_code == 422
    assert "at most 20000 entries" in r.text


def test_a_locked_database_answers_503_with_retry_after(
    database_url: str, backend: Any, orgs: Any
) -> None:
    from sqlalchemy import create_engine, text

    from tacepath.app import Settings, create_app
    from tacepath.service.db import Database
    from tests.platform.conftest import client_for

    db = Database(database_url, migrate=False, busy_timeout_s=0.2)
    client = client_for(create_app(Settings(database_url=database_url, migrate=False), db=db))
    login(client, "a-clinician")
    pid = client.post("/api/patients", json={"id": "P1"}).json()["id"]
    holder = create_engine(database_url).connect()  # another writer holds the lock
    if backend.name == "sqlite":
        holder.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        holder.execute(text("SELECT id FROM patients WHERE id = :p FOR UPDATE"), {"p": pid})
    try:
        r = client.put(f"/api/patients/{pid}/course", json={"version": 1, "regimen": None})
    finally:
        holder.rollback()
        holder.close()
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "2"
    assert r.json()["error"] == "Busy"
    r = client.put(f"/api/patients/{pid}/course", json={"version": 1, "regimen": None})
    assert r.status_code == 200
    db.dispose()


# --- error answers that cannot fail and do not echo inputs --------------------------------


def test_a_lone_surrogate_gets_422_not_500(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    body = '{"id": "S\\ud800X", "ecog": "S\\ud800X"}'
    r = client.post("/api/patients", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    problems = {p["field"]: p for p in r.json()["problems"]}
    assert problems["ecog"]["value"] == "S\\ud800X"  # escaped, as text
    r = client.post(
        "/api/auth/login",
        content='{"username": "\\udfff", "password": "x"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code in (401, 422)


def test_a_422_shows_an_excerpt_never_the_whole_input(client: Any, orgs: Any) -> None:
    password = "p" * 1_500_000
    r = client.post("/api/auth/login", json={"username": "a-clinician", "password": password})
    assert r.status_code == 422
    (problem,) = r.json()["problems"]
    assert problem["field"] == "password"
    assert len(problem["value"]) <= 80
    assert len(r.content) < 1000
    login(client, "a-clinician")
    r = client.post("/api/patients", json={"id": "x" * 100_000})
    assert r.status_code == 422
    assert len(r.content) < 1000
    r = client.post("/api/patients", json={"id": "P1", "labs": {"x": list(range(10_000))}})
    assert r.status_code == 422
    assert len(r.content) < 1000


# --- writes need the version they were made on ----------------------------------------------


def _record(client: Any) -> tuple[int, int]:
    from tests.platform.conftest import example

    pid = client.post("/api/patients", json=example("pathway/P003_snapshot.json")).json()["id"]
    return pid, client.get(f"/api/patients/{pid}").json()["version"]


def test_every_patient_write_without_its_version_is_refused_428(client: Any, orgs: Any) -> None:
    from tests.platform.conftest import example

    login(client, "a-clinician")
    pid, v = _record(client)
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    snap = example("pathway/P003_snapshot.json")
    visit = {"assessment": tl["assessments"][1]}
    for method, url, body in [
        ("put", f"/api/patients/{pid}/course", {"last_contact_date": "2026-11-01"}),
        ("post", f"/api/patients/{pid}/snapshots", snap),
        ("put", f"/api/patients/{pid}/timeline", tl),
        ("post", f"/api/patients/{pid}/followups", visit),
        ("post", f"/api/patients/{pid}/decisions", None),
    ]:
        r = client.request(method, url, json=body)
        assert r.status_code == 428, (url, r.text)
        problem = r.json()
        assert problem["error"] == "VersionRequired"
        assert problem["current_version"] == v
        assert "version" in problem["message"]
    assert client.get(f"/api/patients/{pid}").json()["version"] == v  # nothing changed


def test_two_writers_without_a_version_cannot_both_win(app: Any, orgs: Any) -> None:
    from tests.platform.conftest import client_for

    alice, bob = client_for(app), client_for(app)
    login(alice, "a-clinician")
    login(bob, "a-navigator")
    pid, v = _record(alice)
    r1 = alice.put(f"/api/patients/{pid}/course", json={"version": v, "start_date": "2026-01-12"})
    assert r1.status_code == 200
    r2 = bob.put(f"/api/patients/{pid}/course", json={"start_date": "2026-02-01"})
    assert r2.status_code == 428
    r3 = bob.put(f"/api/patients/{pid}/course", json={"version": v, "start_date": "2026-02-01"})
    assert r3.status_code == 409
    assert alice.get(f"/api/patients/{pid}").json()["start_date"] == "2026-01-12"


def test_each_change_increases_the_version_by_one(client: Any, orgs: Any) -> None:
    from tests.platform.conftest import example

    login(client, "a-clinician")
    pid, v = _record(client)
    assert v == 1
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    baseline = {**tl, "assessments": tl["assessments"][:1]}
    r = client.put(f"/api/patients/{pid}/timeline?version={v}", json=baseline)
    assert r.json()["version"] == v + 1
    r = client.put(
        f"/api/patients/{pid}/course", json={"version": v + 1, "regimen": "tace-sorafenib"}
    )
    assert r.json()["version"] == v + 2
    r = client.post(
        f"/api/patients/{pid}/followups",
        json={"version": v + 2, "assessment": tl["assessments"][1]},
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"] == v + 3
    snap = example("pathway/P003_snapshot.json")
    r = client.post(f"/api/patients/{pid}/snapshots?version={v + 3}", json=snap)
    assert r.json()["version"] == v + 4
    r = client.post(f"/api/patients/{pid}/decisions?version={v + 4}")
    assert r.status_code == 201
    assert r.json()["record_version"] == v + 4
    assert client.get(f"/api/patients/{pid}").json()["version"] == v + 4


# --- identifiers, booleans, dates -------------------------------------------------------------


def test_the_api_refuses_invisible_identifiers_boolean_numbers_and_far_dates(
    client: Any, orgs: Any
) -> None:
    login(client, "a-clinician")
    for body, field in [
        ({"id": "P\u200b001"}, "id"),
        ({"id": "P001", "ecog": True}, "ecog"),
        ({"id": "P001", "date": "0001-01-01"}, "date"),
    ]:
        r = client.post("/api/patients", json=body)
        assert r.status_code == 422, body
        assert r.json()["problems"][0]["field"] == field
    pid = client.post("/api/patients", json={"id": "P001"}).json()["id"]
    tl = {"id": "P001", "start_date": "0001-01-01", "assessments": [{"date": "2024-01-02"}]}
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json=tl)
    assert r.status_code == 422
    assert any(p["field"] == "start_date" for p in r.json()["problems"])


def test_bad_input_is_refused_before_a_write_transaction_opens(db: Any, orgs: Any) -> None:
    import pytest

    from tacepath.errors import InputError
    from tacepath.service import followups, interop, patients
    from tests.platform.conftest import system

    who = system(orgs[0], "clinician")
    pid = patients.create_patient(db, who, {"id": "P1"})["id"]

    def no_write() -> Any:
        raise AssertionError("a write transaction was opened")

    db.write = no_write
    tumours = {"id": "P1", "tumours": [{"diameter_mm": 10}] * 101}
    bad_tl = {"start_date": "2024-01-01", "assessments": [{"date": "2024-01-02"}] * 501}
    event = {"date": "2024-02-01", "type": "withdrawal", "detail": "x" * 2001}
    evil = {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": {"resourceType": "EvilThing"}}]}  # fmt: skip
    for call in [
        lambda: patients.create_patient(db, who, tumours),
        lambda: patients.add_snapshot(db, who, pid, tumours, version=1),
        lambda: patients.replace_timeline(db, who, pid, bad_tl, version=1),
        lambda: followups.record_followup(db, who, pid, {"events": [event]}, version=1),
        lambda: followups.record_followup(
            db, who, pid, {"assessment": {"date": "0001-01-01"}}, version=1
        ),
        lambda: interop.import_fhir(db, who, evil),
    ]:
        with pytest.raises(InputError):
            call()


def test_the_pages_send_the_version_they_rendered(app: Any, orgs: Any) -> None:
    import re

    from tests.platform.conftest import client_for, web_login

    c = client_for(app)
    assert web_login(c, "a-clinician").status_code == 303
    page = c.get("/patients/new").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    token = csrf.group(1)
    pid = c.post("/api/patients", json={"id": "P1"}, headers={"X-CSRF-Token": token}).json()["id"]
    page = c.get(f"/patients/{pid}").text
    # course, new snapshot, follow-up
    assert page.count('<input type="hidden" name="version" value="1">') == 3
    course = {"csrf_token": token, "start_date": "2026-01-05"}
    r = c.post(f"/patients/{pid}/course", data=course, follow_redirects=False)
    assert r.status_code == 428
    r = c.post(f"/patients/{pid}/course", data=course | {"version": "7"}, follow_redirects=False)
    assert r.status_code == 409
    r = c.post(f"/patients/{pid}/course", data=course | {"version": "1"}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"/patients/{pid}/followup", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code in (422, 428)  # an empty visit is refused either way; nothing saved
    assert c.get(f"/api/patients/{pid}").json()["version"] == 2


def test_a_real_server_answers_413_before_the_body_is_sent(
    database_url: str, backend: Any, db: Any
) -> None:
    """Over a socket: the headers of a 100 MB login are answered at once, no body sent."""
    import socket
    import time

    import pytest

    from tests.platform.conftest import free_port, start_server

    if backend.name != "sqlite":
        pytest.skip("the server, not the database, is under test")
    port = free_port()
    proc = start_server(database_url, port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            t0 = time.perf_counter()
            sock.sendall(
                b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 104857600\r\n\r\n"
            )
            answer = b""
            while b"}" not in answer:  # the JSON body's end, or the server closing
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            elapsed = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"larger than 2097152 bytes" in answer
    assert elapsed < 2
