"""Benchmark of background jobs: what running an analysis plan as a job costs.

On a fresh SQLite database (or ``--database-url``), the synthetic TACTICS-like trial is run
``--runs`` times inside the call (``service.trials.run_analysis``) and as many times as a job
on the in-process Dask cluster (``job_engine.start_analysis``, then the job's row read every
50 ms until it is done). It prints the wall time of each and the job's own overhead: the time
from queueing to the start of the run (``queued_s``), the first job including the start of
the in-process cluster.

Usage: ``python benchmarks/jobs_bench.py --runs 2``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any


def _setup(url: str, folder: Path) -> tuple[Any, Any, int]:
    from tacepath.adam.cohort import tactics_like_cohort
    from tacepath.interop.adam_io import write_cohort
    from tacepath.service import trials
    from tacepath.service.auth import create_organisation, create_user, login
    from tacepath.service.db import Database

    db = Database(url)
    org = create_organisation(db, "Bench")
    create_user(
        db,
        None,
        organisation_id=org,
        username="bench",
        password="a long benchmark password",
        role="statistician",
    )
    _, who = login(db, "bench", "a long benchmark password", "bench")
    tid = trials.create_trial(db, who, "TACTICS-like")["id"]
    write_cohort(tactics_like_cohort(seed=20200731), folder)
    for kind in ("adsl", "adtte", "adae"):
        content = (folder / f"{kind}.csv").read_bytes()
        trials.upload_file(db, who, tid, kind, f"{kind}.csv", content)
    sap = Path(__file__).resolve().parents[1] / "examples/tactics-like/sap.yaml"
    trials.upload_file(db, who, tid, "sap", "sap.yaml", sap.read_bytes())
    return db, who, tid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from tacepath.service import jobs, trials
    from tacepath.service.job_engine import JobEngine, start_analysis

    with tempfile.TemporaryDirectory(prefix="tacepath-jobs-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        db, who, tid = _setup(url, Path(tmp))
        inline = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            assert trials.run_analysis(db, who, tid)["status"] == "done"
            inline.append(time.perf_counter() - t0)
        engine = JobEngine(db)
        as_jobs, queued = [], []
        try:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                job = start_analysis(engine, who, tid)
                while (row := jobs.get_job(db, who, job["id"]))["state"] in jobs.ACTIVE_STATES:
                    time.sleep(0.05)
                assert row["state"] == "done", row
                as_jobs.append(time.perf_counter() - t0)
                queued.append(row["queued_s"])
        finally:
            engine.close()
            db.dispose()
    print(
        json.dumps(
            {
                "backend": url.split(":", 1)[0],
                "inline_s": [round(x, 2) for x in inline],
                "job_s": [round(x, 2) for x in as_jobs],
                "queued_s": queued,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
