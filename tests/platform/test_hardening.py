"""Hardening of the platform (issue 17, OWASP ASVS L2): each test makes the attack first."""

from __future__ import annotations

import sys
from typing import Any

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
