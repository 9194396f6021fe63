"""Background jobs: their records, states and audit (the engine that runs them is
:mod:`tacepath.service.job_engine`).

A job is a row of ``jobs`` (kind, owner, organisation, inputs, state, progress, timings,
result, error). Its states::

    queued ──> running ──> done | failed | cancelled | interrupted
       └──────────────────> cancelled | interrupted

Every change of state is written with its audit record in one transaction (``job.queue``,
``job.start``, ``job.done``, ``job.fail``, ``job.cancel``, ``job.interrupt``; a cancel asked
of a running job is ``job.cancel-request``). A running job's runner writes a heartbeat every
:data:`HEARTBEAT_S` seconds; a job whose runner has not been heard of for :data:`LEASE_S`
seconds (its process died) is marked ``interrupted`` by the next server that looks at it, and
a server that stops marks the jobs it was running ``interrupted`` itself. Results are stored
by the job before it is marked done, so a finished result outlives any restart.

An organisation may have at most ``limit`` jobs queued or running (a new one answers 429).

A job's files (what it was given, what it made) are rows of ``job_files``: the inputs are
stored with the job when it is queued, the outputs with its ``done`` state in one
transaction, so a finished result is never without its files. Each server process is its
own runner (:func:`runner_id`: host, process id and a random part, new in a forked child),
so several worker processes on one database never take each other's jobs for their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import socket
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tacepath.errors import InputError
from tacepath.service import audit
from tacepath.service.db import Database
from tacepath.service.errors import NotFound, TooManyJobs
from tacepath.service.permissions import allowed, check
from tacepath.service.principal import Principal
from tacepath.store.models import JobFile, JobRow, Organisation, User, utcnow

__all__ = [
    "ACTIVE_STATES",
    "DEFAULT_LIMIT",
    "HEARTBEAT_S",
    "KINDS",
    "LEASE_S",
    "MAX_JOB_FILE_BYTES",
    "QUEUE_LEASE_S",
    "RUNNER_ID",
    "STATES",
    "beat",
    "cancel_job",
    "claim",
    "create_job",
    "finish",
    "get_job",
    "input_files",
    "job_file",
    "list_jobs",
    "owner_principal",
    "runner_id",
    "sweep",
]

STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
ACTIVE_STATES = ("queued", "running")
#: The kinds of job and the permission that starts (and cancels) one: a trial's analysis
#: plan, a reconstruction of patient data from a published Kaplan-Meier curve, a cohort
#: file's assessment (scores for every patient of a registry extract), a trial's simulation
#: (power, type I error and duration by Monte-Carlo).
KINDS: dict[str, str] = {
    "analysis": "trial.run",
    "reconstruction": "reconstruct.run",
    "cohort-assessment": "trial.run",
    "simulation": "trial.run",
}
#: The permission that reads a job of each kind (its state and its files).
_READ = {
    "analysis": "trial.read",
    "reconstruction": "reconstruct.run",
    "cohort-assessment": "trial.read",
    "simulation": "trial.read",
}
#: How often a running job says it is alive (seconds).
HEARTBEAT_S = 2.0
#: A running job not heard of for this long is interrupted (its process is gone).
LEASE_S = 60.0
#: A queued job not started for this long is interrupted (the process that queued it is
#: gone, or no worker took it): the longest an analysis may run.
QUEUE_LEASE_S = 900.0
#: How many jobs queued or running an organisation may have by default.
DEFAULT_LIMIT = 2
#: The longest error text kept (its end, where the cause is).
MAX_ERROR_CHARS = 4000
#: The most files a job is given or makes, and the largest of them (bytes).
MAX_JOB_FILES = 8
MAX_JOB_FILE_BYTES = 64 * 1024 * 1024
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


def _new_runner_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


#: This process, as a job's runner: host, process id and a random part (a restarted
#: process with the same id is another runner). Use :func:`runner_id`: a forked worker
#: process gets its own.
RUNNER_ID = _new_runner_id()


def _after_fork() -> None:
    global RUNNER_ID
    RUNNER_ID = _new_runner_id()


os.register_at_fork(after_in_child=_after_fork)


def runner_id() -> str:
    """This process as a job's runner (a forked child is another runner than its parent)."""
    return RUNNER_ID


#: The share of the work done when each step starts.
STEP_PROGRESS = {
    "starting": 0.05,
    "running the analysis plan": 0.2,
    "storing the report": 0.9,
    "reconstructing the patient data": 0.2,
    "assessing the cohort": 0.2,
    "simulating the trials": 0.2,
    "storing the result": 0.9,
}

#: A file given to or made by a job: its name, media type and content.
FileIn = tuple[str, str, bytes]


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they are UTC."""
    return t if t is None or t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _iso(t: dt.datetime | None) -> str | None:
    a = _aware(t)
    return a.isoformat() if a else None


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    a, b = _aware(start), _aware(end)
    return round((b - a).total_seconds(), 3) if a and b else None


def _to_dict(j: JobRow) -> dict[str, Any]:
    """What a job shows: never its inputs' contents, only their names and ids."""
    end = j.finished_at or (utcnow() if j.state == "running" else None)
    return {
        "id": j.id,
        "kind": j.kind,
        "trial_id": j.trial_id,
        "owner": j.owner,
        "state": j.state,
        "progress": round(j.progress, 3),
        "step": j.step,
        "cancel_requested": j.cancel_requested,
        "created_at": _iso(j.created_at),
        "started_at": _iso(j.started_at),
        "finished_at": _iso(j.finished_at),
        "queued_s": _seconds(j.created_at, j.started_at),
        "run_s": _seconds(j.started_at, end),
        "result": j.result,
        "error": j.error,
        "url": f"/api/jobs/{j.id}",
    }


def _record(s: Session, j: JobRow, action: str, who: Principal | None = None, **after: Any) -> None:
    audit.record(
        s,
        who,
        action,
        "job",
        j.id,
        after={"kind": j.kind, "trial": j.trial_id, "state": j.state, **after},
        organisation_id=j.organisation_id,
        username=None if who else "job runner",
    )


def _own_job(s: Session, who: Principal, job_id: int, *, lock: bool = False) -> JobRow:
    q = select(JobRow).where(JobRow.id == job_id, JobRow.organisation_id == who.organisation_id)
    j = s.scalar(q.with_for_update() if lock else q)
    if j is None:
        raise NotFound("job", job_id)
    return j


def queue_lock(s: Session, organisation_id: int) -> None:
    """Order two servers queueing jobs of one organisation at once (PostgreSQL; SQLite's
    write transactions are one at a time already) by its row, ``FOR NO KEY UPDATE``: that
    lock does not conflict with the key-share lock another transaction's audit insert takes
    on the organisation (its foreign key) while holding the audit chain's head, so the two
    cannot deadlock (``FOR UPDATE`` would)."""
    q = select(Organisation.id).where(Organisation.id == organisation_id)
    s.execute(q.with_for_update(key_share=True))  # PostgreSQL: FOR NO KEY UPDATE


def create_job(
    db: Database,
    who: Principal,
    kind: str,
    *,
    trial_id: int | None,
    inputs: dict[str, Any],
    files: Sequence[FileIn] = (),
    limit: int = DEFAULT_LIMIT,
    runner: str | None = None,
) -> dict[str, Any]:
    """Queue a job of ``kind`` for ``who``'s organisation with its input ``files`` (the
    caller checked its inputs); refused with :class:`TooManyJobs` when the organisation has
    ``limit`` jobs active."""
    if kind not in KINDS:
        raise InputError("kind", kind, "one of " + ", ".join(KINDS))
    check(who.role, KINDS[kind])
    if not 1 <= limit <= 1000:
        raise InputError("limit", limit, "1 to 1000 jobs")
    _check_files(files)
    with db.write() as s:
        queue_lock(s, who.organisation_id)
        active = s.scalar(
            select(func.count(JobRow.id)).where(
                JobRow.organisation_id == who.organisation_id, JobRow.state.in_(ACTIVE_STATES)
            )
        )
        if (active or 0) >= limit:
            raise TooManyJobs(limit)
        now = utcnow()
        j = JobRow(
            organisation_id=who.organisation_id,
            owner_id=who.user_id if who.user_id > 0 else None,
            owner=who.username,
            kind=kind,
            trial_id=trial_id,
            inputs=inputs,
            state="queued",
            progress=0.0,
            step="queued",
            cancel_requested=False,
            runner=runner or RUNNER_ID,
            created_at=now,
            heartbeat_at=now,
        )
        s.add(j)
        s.flush()
        _add_files(s, j.id, "input", files)
        named = {"files": [f[0] for f in files]} if files else {}
        _record(s, j, "job.queue", who, **named)
        return _to_dict(j)


def _check_files(files: Sequence[FileIn]) -> None:
    if len(files) > MAX_JOB_FILES:
        raise InputError("files", len(files), f"at most {MAX_JOB_FILES} files")
    names = [f[0] for f in files]
    for name, media_type, content in files:
        if not _FILE_NAME.fullmatch(name) or names.count(name) > 1:
            raise InputError("file", name[:60], "a unique name of letters, digits, . _ -")
        if not 1 <= len(media_type) <= 80:
            raise InputError("media_type", media_type[:60], "a media type")
        if len(content) > MAX_JOB_FILE_BYTES:
            raise InputError("file", name, f"at most {MAX_JOB_FILE_BYTES} bytes")


def _add_files(s: Session, job_id: int, role: str, files: Sequence[FileIn]) -> None:
    for name, media_type, content in files:
        s.add(
            JobFile(
                job_id=job_id,
                role=role,
                name=name,
                media_type=media_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
            )
        )


def _file_info(job_id: int, name: str, media_type: str, size: int) -> dict[str, Any]:
    return {
        "name": name,
        "media_type": media_type,
        "size": size,
        "url": f"/api/jobs/{job_id}/files/{name}",
    }


def _stale(j: JobRow, now: dt.datetime) -> bool:
    beat_at = _aware(j.heartbeat_at) or _aware(j.created_at)
    assert beat_at is not None
    lease = LEASE_S if j.state == "running" else QUEUE_LEASE_S
    return j.state in ACTIVE_STATES and (now - beat_at).total_seconds() > lease


def sweep(db: Database, *, runner: str | None = None) -> int:
    """Mark interrupted every active job whose runner is gone: not heard of within its
    lease, or (``runner`` given: a server stopping) run or queued by ``runner``. How many."""
    now = utcnow()
    with db.write() as s:
        q = select(JobRow).where(JobRow.state.in_(ACTIVE_STATES))
        if runner is not None:
            q = q.where(JobRow.runner == runner)
        rows = s.scalars(q.with_for_update()).all()
        gone = [j for j in rows if runner is not None or _stale(j, now)]
        for j in gone:
            j.state, j.finished_at = "interrupted", now
            j.error = "the process running this job stopped before it finished"
            _record(s, j, "job.interrupt", runner=j.runner)
        return len(gone)


def _sweep_if_stale(db: Database, rows: list[JobRow]) -> bool:
    now = utcnow()
    if any(_stale(j, now) for j in rows):
        sweep(db)
        return True
    return False


def get_job(db: Database, who: Principal, job_id: int) -> dict[str, Any]:
    """A job of ``who``'s organisation (another organisation's: 404)."""
    with db.read() as s:
        j = _own_job(s, who, job_id)
        check(who.role, _READ[j.kind])
        stale = _sweep_if_stale(db, [j])
    if stale:
        with db.read() as s:
            j = _own_job(s, who, job_id)
    return _to_dict(j)


def list_jobs(
    db: Database,
    who: Principal,
    *,
    trial_id: int | None = None,
    kind: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """The organisation's jobs (of one trial, of one kind) that ``who`` may read, newest
    first, at most ``limit`` (1-100)."""
    check(who.role, "trial.read")
    if kind is not None and kind not in KINDS:
        raise InputError("kind", kind, "one of " + ", ".join(KINDS))
    limit = max(1, min(limit, 100))
    readable = [k for k, p in _READ.items() if allowed(who.role, p) and kind in (None, k)]

    def rows() -> list[JobRow]:
        with db.read() as s:
            q = select(JobRow).where(
                JobRow.organisation_id == who.organisation_id, JobRow.kind.in_(readable)
            )
            if trial_id is not None:
                q = q.where(JobRow.trial_id == trial_id)
            return list(s.scalars(q.order_by(JobRow.id.desc()).limit(limit)).all())

    found = rows()
    return [_to_dict(j) for j in (rows() if _sweep_if_stale(db, found) else found)]


def cancel_job(db: Database, who: Principal, job_id: int) -> dict[str, Any]:
    """Cancel a job: a queued one at once, a running one by asking its runner to stop (it
    stops within a few seconds and is then ``cancelled``); a finished one is left as it is."""
    with db.write() as s:
        j = _own_job(s, who, job_id, lock=True)
        check(who.role, KINDS[j.kind])
        if j.state == "queued":
            j.state, j.finished_at, j.cancel_requested = "cancelled", utcnow(), True
            _record(s, j, "job.cancel", who)
        elif j.state == "running" and not j.cancel_requested:
            j.cancel_requested = True
            _record(s, j, "job.cancel-request", who)
        return _to_dict(j)


def claim(db: Database, job_id: int, runner: str) -> dict[str, Any] | None:
    """Start a queued job as ``runner``; ``None`` when it is no longer queued (cancelled,
    interrupted, or taken by another runner)."""
    with db.write() as s:
        j = s.scalar(select(JobRow).where(JobRow.id == job_id).with_for_update())
        if j is None or j.state != "queued":
            return None
        now = utcnow()
        j.state, j.runner, j.started_at, j.heartbeat_at = "running", runner, now, now
        j.progress, j.step = STEP_PROGRESS["starting"], "starting"
        _record(s, j, "job.start", runner=runner)
        extra = {"inputs": j.inputs, "owner_id": j.owner_id, "organisation_id": j.organisation_id}
        return {**_to_dict(j), **extra}


def beat(db: Database, job_id: int, runner: str, *, step: str | None = None) -> bool:
    """The runner's heartbeat (and its new ``step``): whether the job should go on (not
    cancelled, not interrupted, still this runner's)."""
    with db.write() as s:
        j = s.scalar(select(JobRow).where(JobRow.id == job_id).with_for_update())
        if j is None or j.state != "running" or j.runner != runner:
            return False
        j.heartbeat_at = utcnow()
        if step is not None:
            j.step = step[:200]
            j.progress = STEP_PROGRESS.get(step, j.progress)
        return not j.cancel_requested


def finish(
    db: Database,
    job_id: int,
    runner: str,
    *,
    state: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    files: Sequence[FileIn] = (),
) -> None:
    """Record how a job ended (``done``, ``failed`` or ``cancelled``; a job cancelled while
    it finished is ``cancelled``), with the ``files`` it made when it is ``done`` (listed in
    its result, in the same transaction). A job already interrupted (its lease ran out) that
    did finish is recorded as finished: its result is not lost."""
    if state not in ("done", "failed", "cancelled"):
        raise ValueError(f"not a final state: {state}")
    with db.write() as s:
        j = s.scalar(select(JobRow).where(JobRow.id == job_id).with_for_update())
        if j is None or j.runner != runner or j.state not in (*ACTIVE_STATES, "interrupted"):
            return
        if j.state == "interrupted" and state == "cancelled":
            return  # stopped because its server stopped: it stays interrupted
        if state == "failed" and j.cancel_requested:
            state = "cancelled"
        if state == "done" and files:
            _check_files(files)
            _add_files(s, j.id, "output", files)
            made = [_file_info(j.id, n, m, len(c)) for n, m, c in files]
            result = {**(result or {}), "files": made}
        j.state, j.finished_at, j.result = state, utcnow(), result
        j.progress = 1.0 if state == "done" else j.progress
        j.step = state
        j.error = error[-MAX_ERROR_CHARS:] if error else None
        action = {"done": "job.done", "failed": "job.fail", "cancelled": "job.cancel"}[state]
        _record(s, j, action, runner=runner)


def owner_principal(db: Database, job: dict[str, Any]) -> Principal:
    """The owner of a claimed job as they are now (an account since disabled: not found)."""
    with db.read() as s:
        u = s.get(User, job["owner_id"]) if job.get("owner_id") else None
        if u is None or not u.active or u.organisation_id != job["organisation_id"]:
            raise NotFound("user", job.get("owner"))
        return Principal(
            user_id=u.id,
            username=u.username,
            full_name=u.full_name,
            organisation_id=u.organisation_id,
            organisation=u.organisation.name,
            role=u.role,
            via="system",
        )


def input_files(db: Database, job_id: int) -> dict[str, bytes]:
    """The files a job was given, by name (for its runner)."""
    with db.read() as s:
        rows = s.scalars(
            select(JobFile).where(JobFile.job_id == job_id, JobFile.role == "input")
        ).all()
        return {f.name: f.content for f in rows}


def job_file(db: Database, who: Principal, job_id: int, name: str) -> tuple[str, str, bytes]:
    """A file a job of ``who``'s organisation made: name, media type, content (a job of
    another organisation, or no such file: 404)."""
    with db.read() as s:
        j = _own_job(s, who, job_id)
        check(who.role, _READ[j.kind])
        f = s.scalar(
            select(JobFile).where(
                JobFile.job_id == j.id, JobFile.role == "output", JobFile.name == name[:120]
            )
        )
        if f is None:
            raise NotFound("job file", name[:60])
        return f.name, f.media_type, f.content
