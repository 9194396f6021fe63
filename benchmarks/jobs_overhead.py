"""What a background job costs around its work, through a running ``tacepath serve``.

    python benchmarks/jobs_overhead.py [--workers 1] [--runs 10] [--batch 8]
                                       [--database-url URL]

Starts ``tacepath serve --workers N`` on a free loopback port (a fresh SQLite file, or
``--database-url``) with one statistician, then:

* ``--runs`` times, one job at a time: ``POST /api/jobs`` a cohort assessment of
  ``examples/cohort.csv`` (six patients: the work is small, so the overhead shows) and poll
  ``GET /api/jobs/{id}`` every 10 ms. It reports the POST's answer time, the time from sending
  the POST to the job's ``started_at`` (queueing, handing it to Dask, claiming it), the run
  (``started_at`` to ``finished_at``) and the time from ``finished_at`` to the first poll that
  sees ``done``. Server and client share this machine's clock.
* ``--batch`` jobs queued as fast as the organisation's limit allows (``--max-jobs`` set to
  the batch), each client on its own connection, and the wall time until all are done: jobs
  per second.

Prints the medians and writes every number to ``benchmarks/results/jobs_overhead.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
COHORT = (ROOT / "examples/cohort.csv").read_text()
PASSWORD = "a long benchmark password"

SETUP = """
import sys
from tacepath.service.auth import create_organisation, create_user
from tacepath.service.db import Database
db = Database(sys.argv[1])
org = create_organisation(db, "Bench")
create_user(db, None, organisation_id=org, username="bench", password=sys.argv[2],
            role="statistician")
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _t(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def _client(base: str, cookies: Any, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base, cookies=cookies, headers={"X-CSRF-Token": token}, timeout=120
    )


def _one(base: str, cookies: Any, token: str) -> dict[str, float]:
    with _client(base, cookies, token) as c:
        sent = time.time()
        body = {"kind": "cohort-assessment", "inputs": {"cohort_csv": COHORT}}
        r = c.post("/api/jobs", json=body)
        answered = time.time()
        assert r.status_code == 202, r.text
        url = r.headers["location"]
        while True:
            job = c.get(url).json()
            if job["state"] not in ("queued", "running"):
                seen = time.time()
                break
            time.sleep(0.01)
    assert job["state"] == "done", job
    return {
        "post_s": answered - sent,
        "to_running_s": _t(job["started_at"]) - sent,
        "run_s": _t(job["finished_at"]) - _t(job["started_at"]),
        "finish_to_visible_s": seen - _t(job["finished_at"]),
        "total_s": seen - sent,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    if not 1 <= args.workers <= 4 or not 1 <= args.runs <= 50 or not 1 <= args.batch <= 32:
        ap.error("workers 1-4, runs 1-50, batch 1-32 (a bounded test)")
    folder = Path(tempfile.mkdtemp(prefix="tacepath-jobs-overhead-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    subprocess.run([sys.executable, "-c", SETUP, url, PASSWORD], check=True)
    port = _port()
    cmd = [sys.executable, "-c", "from tacepath.cli import main; main()", "serve"]
    cmd += ["--database-url", url, "--port", str(port), "--workers", str(args.workers)]
    cmd += ["--max-jobs", str(args.batch), "--insecure-cookies", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        r = httpx.post(f"{base}/api/auth/login", json={"username": "bench", "password": PASSWORD})
        cookies, token = r.cookies, r.json()["csrf_token"]
        _one(base, cookies, token)  # the first job starts the in-process cluster
        runs = [_one(base, cookies, token) for _ in range(args.runs)]
        started = time.time()
        with ThreadPoolExecutor(args.batch) as pool:
            batch = list(pool.map(lambda _: _one(base, cookies, token), range(args.batch)))
        wall = time.time() - started
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    out = {
        "workers": args.workers,
        "database": url.split(":", 1)[0],
        "load_average": os.getloadavg(),
        "one_at_a_time": {"runs": runs, "median": medians},
        "batch": {"jobs": args.batch, "wall_s": wall, "jobs_per_s": args.batch / wall},
        "batch_median_total_s": statistics.median(b["total_s"] for b in batch),
    }
    results = ROOT / "benchmarks/results"
    results.mkdir(exist_ok=True)
    (results / "jobs_overhead.json").write_text(json.dumps(out, indent=2))
    for k, v in medians.items():
        print(f"{k:>22}: {v * 1000:8.1f} ms (median of {args.runs})")
    print(f"{args.batch} jobs at once: {wall:.2f} s, {args.batch / wall:.2f} jobs/s")
    print(f"load average: {out['load_average']}")


if __name__ == "__main__":
    main()
