"""Bounded flood of large request bodies against a local server, with another user writing.

    python benchmarks/flood.py [--clients 4] [--body-mib 10] [--seconds 20] [--database-url URL]

Starts the application (uvicorn, one process, the demo data) on a free loopback port. Each
of ``--clients`` flooding clients sends ``--body-mib`` MiB bodies, one after the other until
the time is up, in turn to the login (no credentials needed) and to a write endpoint
(``POST /api/patients`` with a clinician's API token), each once with a declared
``Content-Length`` and once chunked (no length: the server must count while it reads).
Meanwhile another user (the demo navigator's token) creates patients one after the other;
every one of those writes must succeed (201). The server's resident memory is sampled every
50 ms and its peak (``VmHWM`` of ``/proc/PID/status``, Linux) is read before it stops.

Prints the flood's answers by status, the other user's writes (ok, failed, p50 and max
latency) and the server's memory at start and at peak; ``--json`` writes them to
``benchmarks/results/flood.json``. Traffic goes to 127.0.0.1 only; every loop stops by
itself when the time is up. ``tests/platform/test_flood.py`` runs it for a few seconds.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

SERVER = """
import sys, uvicorn
from tacepath.app import Settings, create_app
from tacepath.service.demo import load_demo
from tacepath.service.auth import login, create_api_token
app = create_app(Settings(database_url=sys.argv[1], secure_cookies=False))
logins = {l.role: l for l in load_demo(app.state.db, with_trial=False)}
for role in ("clinician", "navigator"):
    _, who = login(app.state.db, "demo-" + role, logins[role].password, "flood")
    print(create_api_token(app.state.db, who, "flood")["token"], flush=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="critical")
"""

CHUNK = b"x" * 65536


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_kib(pid: int, field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of a process, in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _status(sock: socket.socket) -> str:
    """The status code of the answer on ``sock`` ("reset" when the server closed first)."""
    data = b""
    try:
        while b"\r\n" not in data and len(data) < 4096:
            got = sock.recv(4096)
            if not got:
                break
            data += got
    except OSError:
        return "reset"
    parts = data.split(b" ", 2)
    return parts[1].decode("ascii", "replace") if len(parts) > 1 else "reset"


def _big_request(port: int, path: str, token: str, body_bytes: int, chunked: bool) -> str:
    """Send one request with a ``body_bytes`` body; the status code the server answered."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_bytes}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{auth}{length}\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(head)
            sent = 0
            while sent < body_bytes:
                piece = CHUNK[: min(len(CHUNK), body_bytes - sent)]
                if chunked:
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                else:
                    sock.sendall(piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed before the whole body was sent
        return _status(sock)


def _flood(port: int, token: str, body_bytes: int, until: float, answers: Counter[str]) -> None:
    kinds = [
        ("/api/auth/login", "", False),
        ("/api/auth/login", "", True),
        ("/api/patients", token, False),
        ("/api/patients", token, True),
    ]
    n = 0
    while time.perf_counter() < until:
        path, tok, chunked = kinds[n % len(kinds)]
        n += 1
        try:
            status = _big_request(port, path, tok, body_bytes, chunked)
        except OSError:
            status = "refused"
        answers[f"{path} {'chunked' if chunked else 'declared'} {status}"] += 1


def _writer(base: str, token: str, until: float, out: list[tuple[float, int]]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    n = 0
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        while time.perf_counter() < until:
            n += 1
            t0 = time.perf_counter()
            try:
                code = client.post(
                    "/api/patients", json={"id": f"FLOOD-{n}", "ecog": 0}
                ).status_code
            except httpx.HTTPError:
                code = 0
            out.append((time.perf_counter() - t0, code))


def _sampler(pid: int, stop: threading.Event, samples: list[int]) -> None:
    while not stop.is_set():
        try:
            samples.append(_memory_kib(pid, "VmRSS"))
        except (OSError, RuntimeError):
            return
        stop.wait(0.05)


def run(
    database_url: str | None = None,
    *,
    clients: int = 4,
    body_mib: float = 10,
    seconds: float = 20,
) -> dict[str, Any]:
    """Run the flood; its measurements (see the module docstring)."""
    if not 1 <= clients <= 16 or not 0 < body_mib <= 100 or not 1 <= seconds <= 600:
        raise ValueError("clients 1-16, body 0-100 MiB, seconds 1-600 (a bounded test)")
    folder = Path(tempfile.mkdtemp(prefix="tacepath-flood-"))
    url = database_url or f"sqlite:///{folder / 'flood.db'}"
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, url, str(port)], stdout=subprocess.PIPE, text=True
    )
    answers: Counter[str] = Counter()
    writes: list[tuple[float, int]] = []
    samples: list[int] = []
    try:
        assert proc.stdout is not None
        attacker, other = proc.stdout.readline().strip(), proc.stdout.readline().strip()
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        start_kib = _memory_kib(proc.pid, "VmRSS")
        stop = threading.Event()
        sampler = threading.Thread(target=_sampler, args=(proc.pid, stop, samples))
        sampler.start()
        until = time.perf_counter() + seconds
        body = int(body_mib * 1024 * 1024)
        threads = [
            threading.Thread(target=_flood, args=(port, attacker, body, until, answers))
            for _ in range(clients)
        ]
        threads.append(threading.Thread(target=_writer, args=(base, other, until, writes)))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 120)
        stop.set()
        sampler.join()
        peak_kib = _memory_kib(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    latencies = [t * 1000 for t, _ in writes]
    return {
        "clients": clients,
        "body_mib": body_mib,
        "seconds": seconds,
        "database": url.split(":")[0],
        "flood_requests": sum(answers.values()),
        "flood_answers": dict(sorted(answers.items())),
        "other_writes": len(writes),
        "other_writes_ok": sum(1 for _, code in writes if code == 201),
        "other_write_codes": dict(Counter(str(code) for _, code in writes)),
        "other_write_p50_ms": statistics.median(latencies) if latencies else None,
        "other_write_max_ms": max(latencies) if latencies else None,
        "rss_start_mib": round(start_kib / 1024, 1),
        "rss_sampled_max_mib": round(max(samples, default=start_kib) / 1024, 1),
        "rss_peak_mib": round(peak_kib / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--body-mib", type=float, default=10)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--json", action="store_true", help="write benchmarks/results/flood.json")
    args = ap.parse_args()
    try:
        result = run(
            args.database_url, clients=args.clients, body_mib=args.body_mib, seconds=args.seconds
        )
    except ValueError as exc:
        ap.error(str(exc))
    print(
        f"{result['clients']} clients x {result['body_mib']:g} MiB bodies for "
        f"{result['seconds']:g} s ({result['database']}): {result['flood_requests']} requests"
    )
    for key, count in result["flood_answers"].items():
        print(f"  {count:6d}  {key}")
    print(
        f"other user's writes: {result['other_writes_ok']} of {result['other_writes']} ok "
        f"(codes {result['other_write_codes']}), p50 {result['other_write_p50_ms']:.0f} ms, "
        f"max {result['other_write_max_ms']:.0f} ms"
    )
    print(
        f"server memory: {result['rss_start_mib']} MiB at start, peak {result['rss_peak_mib']} MiB"
    )
    if args.json:
        Path("benchmarks/results").mkdir(parents=True, exist_ok=True)
        Path("benchmarks/results/flood.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
