"""Bounded local load test of the platform: N concurrent users for T seconds on 127.0.0.1.

    python benchmarks/platform_load.py [--users 50] [--seconds 60] [--think 0] [--workers 1]
                                       [--database-url URL] [--page-assets] [--pythonpath DIR]
                                       [--plain-http] [--cold-start]

Starts ``tacepath serve``'s application (uvicorn; ``--workers N`` processes sharing the port)
on a free loopback port with the demo data (12 patients, 9 timelines), signs every simulated
user in with an API token of the demo clinician, then each user loops over a mixed workload
until the time is up:

    45 %  GET  /api/patients?q=...              search (list)
    20 %  GET  /api/patients/{id}               the record (snapshot, timeline, decisions)
    15 %  GET  /api/patients/{id}/assessment    scores (engines)
    10 %  GET  /patients/{id}                   the patient page (every engine, HTML)
    10 %  POST /api/patients                    a new patient (a write: rows + audit)

With ``--page-assets`` a page view also loads what a browser loads with the page, at once
after it: the course plot (``/api/patients/{id}/course.png``; a 404 for a patient without a
timeline, whose page shows no plot, is not an error) and the documents list
(``/patients/{id}/documents?fragment=1``); the three are timed as one page view.

It prints p50/p95/p99 latency and the error count per request kind and overall, the CPU
time the server (every process) and the load client spent during the run per request, and
writes them as JSON to ``benchmarks/results/platform_load.json``. Traffic goes to 127.0.0.1 only;
the loops stop by themselves when the time is up. ``--pythonpath DIR`` runs the server from
another source tree (e.g. ``DIR`` = the ``src`` of a ``git archive`` of an older commit) with
the same interpreter and libraries, to compare old and new in one session; ``--plain-http``
runs it with uvicorn's pure-Python HTTP parser and asyncio's event loop instead of httptools
and uvloop (what the server had before it depended on them).

Before the clock starts the demo clinician opens the worklist and each patient's page once,
as a clinic's day starts (the worklist stores every patient's results, and each server
process has rendered the page once); ``--cold-start`` skips that and times the server's
very first requests, which compute every patient's stored results. With think time, each
user's first request comes at a random moment within one pause (people do not all click at
the same instant), then ``--think`` × U(0.5, 1.5) after each answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

SERVER = """
import sys, uvicorn
from tacepath.app import Settings, create_app
from tacepath.service.demo import load_demo
from tacepath.service.auth import login, create_api_token
app = create_app(
    Settings(database_url=sys.argv[1], secure_cookies=False, pool_size=20, freeze_heap=True)
)
logins = {l.role: l for l in load_demo(app.state.db, with_trial=False)}
_, who = login(app.state.db, "demo-clinician", logins["clinician"].password, "load")
print(create_api_token(app.state.db, who, "load")["token"], flush=True)
http = {"loop": "asyncio", "http": "h11"} if sys.argv[3] == "plain" else {}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", **http)
"""

SETUP = """
import sys
from tacepath.service.auth import create_api_token, login
from tacepath.service.db import Database
from tacepath.service.demo import load_demo
db = Database(sys.argv[1])
logins = {l.role: l for l in load_demo(db, with_trial=False)}
_, who = login(db, "demo-clinician", logins["clinician"].password, "load")
print(create_api_token(db, who, "load")["token"], flush=True)
"""

#: The application of each worker process (``uvicorn --factory``), on the migrated database.
FACTORY = """
import os
from tacepath.app import Settings, create_app
def make():
    url = os.environ["TACEPATH_LOAD_DATABASE_URL"]
    return create_app(
        Settings(
            database_url=url, secure_cookies=False, pool_size=20, migrate=False, freeze_heap=True
        )
    )
"""

MIX = (("search", 45), ("record", 20), ("assessment", 15), ("page", 10), ("create", 10))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and every process under it so far."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0.0
    for p in tree:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q / 100 * (len(values) - 1))))
    return values[k]


async def _user(
    uid: int,
    client: httpx.AsyncClient,
    ids: list[int],
    until: float,
    out: dict[str, list],
    think: float,
    failures: dict[str, int],
    assets: bool = False,
) -> None:
    rng = random.Random(uid)
    kinds = [k for k, w in MIX for _ in range(w)]
    n = 0
    if think:  # people do not all click at the same instant: each starts within one pause
        await asyncio.sleep(rng.uniform(0.0, think))
    while time.perf_counter() < until:
        kind = rng.choice(kinds)
        pid = rng.choice(ids)
        t0 = time.perf_counter()
        try:
            if kind == "search":
                r = await client.get("/api/patients", params={"q": rng.choice(["P0", "P00", "PW"])})
            elif kind == "record":
                r = await client.get(f"/api/patients/{pid}")
            elif kind == "assessment":
                r = await client.get(f"/api/patients/{pid}/assessment")
            elif kind == "page":
                r = await client.get(f"/patients/{pid}")
                if assets and r.status_code < 400:
                    plot, docs = await asyncio.gather(
                        client.get(f"/api/patients/{pid}/course.png"),
                        client.get(f"/patients/{pid}/documents", params={"fragment": 1}),
                    )
                    r = docs if docs.status_code >= 400 or plot.status_code == 404 else plot
            else:
                n += 1
                r = await client.post("/api/patients", json={"id": f"L{uid}-{n}", "ecog": 0})
            ok = r.status_code < 400
            what = str(r.status_code)
        except httpx.HTTPError as exc:
            ok, what = False, type(exc).__name__
        out[kind].append((time.perf_counter() - t0, ok))
        if not ok:
            failures[f"{kind} {what}"] = failures.get(f"{kind} {what}", 0) + 1
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)


async def _run(
    base: str,
    token: str,
    users: int,
    seconds: float,
    think: float,
    failures: dict[str, int],
    assets: bool = False,
    warm_up: bool = True,
) -> dict[str, list]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as c:
        ids = [p["id"] for p in (await c.get("/api/patients")).json()]
        if warm_up:  # as a clinic's day starts: the worklist, then each patient's page
            (await c.get("/api/worklist")).raise_for_status()
            for pid in ids:
                (await c.get(f"/patients/{pid}")).raise_for_status()
        out: dict[str, list] = {k: [] for k, _ in MIX}
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_user(i, c, ids, until, out, think, failures, assets) for i in range(users))
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=0.0, help="mean pause between requests, s")
    ap.add_argument("--workers", type=int, default=1, help="server processes (uvicorn)")
    ap.add_argument("--database-url", default=None)
    ap.add_argument(
        "--page-assets", action="store_true", help="page views also load the plot and documents"
    )
    ap.add_argument("--pythonpath", default=None, help="run the server from this source tree")
    ap.add_argument(
        "--cold-start",
        action="store_true",
        help="no warm-up: the clock starts with the server's first request",
    )
    ap.add_argument(
        "--plain-http",
        action="store_true",
        help="the server with uvicorn's pure-Python HTTP parser (h11) and asyncio's loop",
    )
    args = ap.parse_args()
    if not 1 <= args.users <= 200 or not 1 <= args.seconds <= 600 or not 1 <= args.workers <= 4:
        ap.error("users 1-200, seconds 1-600, workers 1-4 (a bounded test)")
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="tacepath-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.db'}"
    port = _port()
    source = [str(Path(args.pythonpath).resolve())] if args.pythonpath else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(source)} if source else None
    if args.workers == 1:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, str(port), "plain" if args.plain_http else "auto"],
            stdout=subprocess.PIPE, text=True,
            env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        token = proc.stdout.readline().strip()
    else:
        token = subprocess.run(
            [sys.executable, "-c", SETUP, url], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()
        (folder / "load_app.py").write_text(FACTORY)
        path = os.pathsep.join([str(folder), *source])
        env = {**os.environ, "TACEPATH_LOAD_DATABASE_URL": url, "PYTHONPATH": path}
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "load_app:make", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(args.workers), "--log-level", "warning",
             *(["--http", "h11", "--loop", "asyncio"] if args.plain_http else [])],
            env=env,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        started = time.perf_counter()
        server0, client0 = _cpu_s(proc.pid), time.process_time()
        failures: dict[str, int] = {}
        out = asyncio.run(
            _run(
                base,
                token,
                args.users,
                args.seconds,
                args.think,
                failures,
                args.page_assets,
                warm_up=not args.cold_start,
            )
        )
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = _cpu_s(proc.pid) - server0, time.process_time() - client0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    rows = {}
    every: list[float] = []
    errors = 0
    for kind, samples in out.items():
        lat = [t * 1000 for t, _ in samples]
        bad = sum(1 for _, ok in samples if not ok)
        errors += bad
        every += lat
        rows[kind] = {
            "requests": len(lat),
            "errors": bad,
            "p50_ms": _pct(lat, 50),
            "p95_ms": _pct(lat, 95),
            "p99_ms": _pct(lat, 99),
        }
    rows["all"] = {
        "requests": len(every),
        "errors": errors,
        "p50_ms": _pct(every, 50),
        "p95_ms": _pct(every, 95),
        "p99_ms": _pct(every, 99),
        "mean_ms": statistics.fmean(every) if every else float("nan"),
        "throughput_rps": len(every) / elapsed,
        "server_cpu_ms_per_request": server_cpu * 1000 / max(1, len(every)),
        "client_cpu_ms_per_request": client_cpu * 1000 / max(1, len(every)),
    }
    result = {
        "think_s": args.think,
        "workers": args.workers,
        "page_assets": args.page_assets,
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
        "users": args.users,
        "seconds": args.seconds,
        "database": url.split(":")[0],
        "server_source": args.pythonpath or "installed",
        "plain_http": args.plain_http,
        "warm_up": not args.cold_start,
        "elapsed_s": elapsed,
        "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu,
        "results": rows,
        "failures": failures,
    }
    Path("benchmarks/results").mkdir(parents=True, exist_ok=True)
    name = (
        f"platform_load_{url.split(':')[0].split('+')[0]}_think{args.think:g}"
        f"{'' if args.workers == 1 else f'_workers{args.workers}'}"
        f"{'_assets' if args.page_assets else ''}{'_pythonpath' if args.pythonpath else ''}"
        f"{'_plain' if args.plain_http else ''}{'_cold' if args.cold_start else ''}.json"
    )
    Path("benchmarks/results", name).write_text(json.dumps(result, indent=2))
    print(
        f"{args.users} users, {args.seconds:g} s, think {args.think:g} s, "
        f"{args.workers} worker(s), {url.split(':')[0]}"
        f"{', page assets' if args.page_assets else ''}"
        f"{', server from ' + args.pythonpath if args.pythonpath else ''}"
        f"{', h11 and asyncio' if args.plain_http else ''}"
        f"{', cold start' if args.cold_start else ', after a warm-up'}, load average "
        f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print("| request | requests | errors | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for kind, r in rows.items():
        print(
            f"| {kind} | {r['requests']} | {r['errors']} | {r['p50_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} |"
        )
    print(f"throughput {rows['all']['throughput_rps']:.1f} requests/s")
    print(
        f"CPU over {elapsed:.1f} s: server {server_cpu:.1f} s "
        f"({rows['all']['server_cpu_ms_per_request']:.2f} ms/request), load client "
        f"{client_cpu:.1f} s ({rows['all']['client_cpu_ms_per_request']:.2f} ms/request)"
    )
    if failures:
        print("failures (request, status or error):", failures)


if __name__ == "__main__":
    main()
