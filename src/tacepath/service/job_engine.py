"""Running background jobs on Dask distributed (the records: :mod:`tacepath.service.jobs`).

By default a server runs its jobs on an in-process Dask cluster (threads of the server's
own process, started at the first job: nothing else to install or start, also with SQLite).
With ``scheduler="tcp://host:port"`` the jobs go to an existing Dask cluster, whose workers
must have tacepath installed and reach the same database (PostgreSQL; the database URL, its
password included, travels with each task to the cluster).

Dask runs the task; the job's state lives in the database, so a job started through one
server can be seen and cancelled through any other. A task claims its job (queued → running)
before it starts, so a job runs at most once, and then does what its kind says
(:mod:`tacepath.service.job_kinds`); cancelling reaches a running task through the database
(its heartbeat reads the request and stops the analysis' child process).
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from tacepath.errors import InputError
from tacepath.service import job_kinds, jobs, trials
from tacepath.service.db import Database
from tacepath.service.errors import ServiceError
from tacepath.service.permissions import check
from tacepath.service.principal import Principal

__all__ = ["JobEngine", "execute", "start_analysis", "start_job"]

#: Databases of the tasks in this process, by URL (a server's own is registered by its
#: engine; a cluster worker opens one per URL it is given).
_DATABASES: dict[str, Database] = {}
_LOCK = threading.Lock()


def _database(url: str) -> Database:
    with _LOCK:
        db = _DATABASES.get(url)
        if db is None:
            db = _DATABASES[url] = Database(url, migrate=False, pool_size=2)
        return db


def _failure(exc: BaseException) -> str:
    if isinstance(exc, InputError):
        return "\n".join(f"{p.field}: {p.value!s:.200} — {p.allowed}" for p in exc.problems[:50])
    if isinstance(exc, ServiceError):
        return str(exc)
    return f"{type(exc).__name__}: the job failed unexpectedly"


def execute(url: str, job_id: int, limits: trials.RunLimits = trials.RunLimits()) -> str:
    """Run job ``job_id`` of the database at ``url`` (a Dask task) as its kind says
    (:data:`tacepath.service.job_kinds.RUNNERS`): its final state. An analysis runs within
    ``limits`` (time, memory); past them the job fails, saying so."""
    db = _database(url)
    runner = jobs.runner_id()
    job = jobs.claim(db, job_id, runner)
    if job is None:
        return "skipped"
    last = [time.monotonic()]

    def should_stop() -> bool:
        if time.monotonic() - last[0] < jobs.HEARTBEAT_S:
            return False
        last[0] = time.monotonic()
        return not jobs.beat(db, job_id, runner)

    run = job_kinds.JobRun(db, job, runner, limits, should_stop)
    try:
        who = jobs.owner_principal(db, job)
        out = job_kinds.RUNNERS[job["kind"]](run, who)
    except Exception as exc:  # every failure is the job's, recorded
        jobs.finish(db, job_id, runner, state="failed", error=_failure(exc))
        return "failed"
    jobs.finish(
        db, job_id, runner, state=out.state, result=out.result, error=out.error, files=out.files
    )
    return out.state


class JobEngine:
    """Starts jobs on Dask: an in-process cluster of ``threads`` threads (made at the first
    job), or the cluster of ``scheduler``. Each analysis runs within ``limits``.
    :meth:`close` marks the jobs this process was running as interrupted and stops the
    in-process cluster."""

    def __init__(
        self,
        db: Database,
        *,
        scheduler: str | None = None,
        threads: int = 4,
        limits: trials.RunLimits = trials.RunLimits(),
    ) -> None:
        self.db = db
        self.limits = limits
        self.scheduler = scheduler
        self.threads = threads
        self._client: Any = None
        self._lock = threading.Lock()
        self._closed = False
        if scheduler is None:
            with _LOCK:
                _DATABASES[db.url] = db

    def _dask(self) -> Any:
        from distributed import Client, LocalCluster

        with self._lock:
            if self._closed:
                raise RuntimeError("the job engine is closed")
            if self._client is None:
                if self.scheduler:
                    self._client = Client(  # type: ignore[no-untyped-call]
                        self.scheduler, set_as_default=False, timeout=10
                    )
                else:
                    cluster = LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=1,
                        threads_per_worker=self.threads,
                        processes=False,
                        # Dask serves HTTP (status, metrics) on 0.0.0.0:8787 even without a
                        # dashboard: keep the scheduler's and workers' on the loopback, any port.
                        dashboard_address="127.0.0.1:0",
                        worker_dashboard_address="127.0.0.1:0",
                    )
                    self._client = Client(  # type: ignore[no-untyped-call]
                        cluster, set_as_default=False
                    )
            return self._client

    def submit(self, job_id: int) -> None:
        """Hand job ``job_id`` (queued) to Dask; it runs even if nobody waits for it."""
        from distributed import fire_and_forget

        client = self._dask()
        future = client.submit(
            execute, self.db.url, job_id, self.limits, key=f"tacepath-job-{job_id}"
        )
        fire_and_forget(future)  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Interrupt this process' jobs (their child processes stop within a few seconds)
        and stop the in-process cluster."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            client, self._client = self._client, None
        if client is None:
            return  # no job ran here
        if self.scheduler is None:
            # a database already gone took its jobs with it
            with contextlib.suppress(SQLAlchemyError):
                jobs.sweep(self.db, runner=jobs.runner_id())
        cluster = client.cluster if self.scheduler is None else None
        client.close(timeout=10)
        if cluster is not None:
            cluster.close(timeout=10)
        with _LOCK:
            if _DATABASES.get(self.db.url) is self.db:
                del _DATABASES[self.db.url]


def _submit(engine: JobEngine, job: dict[str, Any]) -> dict[str, Any]:
    try:
        engine.submit(job["id"])
    except Exception:
        jobs.finish(engine.db, job["id"], jobs.runner_id(), state="failed", error="no job engine")
        raise
    return job


def start_analysis(
    engine: JobEngine, who: Principal, trial_id: int, *, limit: int = jobs.DEFAULT_LIMIT
) -> dict[str, Any]:
    """Queue a run of the trial's analysis plan as a job and hand it to the engine: the
    job (its ``url`` to follow it). The trial must be ``who``'s and have its files (404,
    422 now, not later in the job); the organisation's job limit applies (429)."""
    trials.check_ready(engine.db, who, trial_id)
    job = jobs.create_job(
        engine.db, who, "analysis", trial_id=trial_id, inputs={"trial": trial_id}, limit=limit
    )
    return _submit(engine, job)


def start_job(
    engine: JobEngine,
    who: Principal,
    kind: str,
    *,
    inputs: dict[str, Any],
    files: dict[str, tuple[str, bytes]],
    limit: int = jobs.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Queue a ``reconstruction`` or ``cohort-assessment`` job with its ``inputs`` and
    ``files`` (name: media type, content) and hand it to the engine: the job. Its inputs are
    checked first (422, nothing queued); the organisation's job limit applies (429)."""
    if kind not in jobs.KINDS:
        raise InputError("kind", kind, "one of " + ", ".join(jobs.KINDS))
    check(who.role, jobs.KINDS[kind])
    job_kinds.check_inputs(kind, inputs, {n: c for n, (_, c) in files.items()})
    given = [(n, m, c) for n, (m, c) in files.items()]
    job = jobs.create_job(
        engine.db, who, kind, trial_id=None, inputs=inputs, files=given, limit=limit
    )
    return _submit(engine, job)
