"""Trial workspaces: ADSL/ADTTE/ADAE and the statistical analysis plan, analyses, reports.

The analysis is the trial-analysis runner's, used through its command line only
(``tacepath analyze --sap --adsl --adtte [--adae] --out``, docs/analysis.md): the current
files are written to a temporary folder, the command runs in a child process, and its
report (HTML, PDF, ``results.json``) is stored with the analysis. When the runner is not
installed, a run is refused with :class:`~tacepath.service.errors.NotAvailable`.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tacepath.errors import InputError, InputErrors, Problem
from tacepath.interop.files import decode_text, parse_yaml, read_table_bytes, shown_path
from tacepath.jsonsafe import json_safe
from tacepath.service import audit
from tacepath.service.db import Database
from tacepath.service.errors import AlreadyExists, NotFound
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import AnalysisRow, TrialFile, TrialWorkspace, utcnow

__all__ = [
    "FILE_KINDS",
    "MAX_CAPTURED_BYTES",
    "MAX_FILE_BYTES",
    "REQUIRED_KINDS",
    "RUN_MEMORY_MIB",
    "RUN_TIMEOUT",
    "STOPPED",
    "RunLimits",
    "analysis_report",
    "check_ready",
    "create_trial",
    "get_trial",
    "list_trials",
    "report_name",
    "run_analysis",
    "run_capped",
    "trial_file",
    "upload_file",
]

FILE_KINDS = ("adsl", "adtte", "adae", "sap")
REQUIRED_KINDS = ("adsl", "adtte", "sap")
#: The longest a run may take (seconds).
RUN_TIMEOUT = 900
#: The most memory (address space, MiB) a run's child process may take.
RUN_MEMORY_MIB = 4096
MAX_FILE_BYTES = 20 * 1024 * 1024
#: The most of the runner's standard output, and of its standard error, that is kept (the
#: end of each, where the outcome is); the rest is read and dropped as it arrives.
MAX_CAPTURED_BYTES = 64 * 1024
#: The exit code :func:`run_capped` gives a child it stopped on request.
STOPPED = -2


@dataclass(frozen=True, slots=True)
class RunLimits:
    """The bounds of one analysis run: wall time in seconds and the runner child's memory
    in MiB (its address space, ``RLIMIT_AS``; threads' stacks and mapped libraries count)."""

    timeout_s: float = RUN_TIMEOUT
    memory_mib: int = RUN_MEMORY_MIB

    def __post_init__(self) -> None:
        if not 1 <= self.timeout_s <= 86400:
            raise ValueError("analysis timeout: 1 to 86400 seconds")
        if not 64 <= self.memory_mib <= 1024 * 1024:
            raise ValueError("analysis memory: 64 to 1048576 MiB")


#: Run in the child before the command: limit its address space, then become the command.
#: (A ``preexec_fn`` would do the same but is unsafe in a threaded server.)
_LIMITED = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_AS, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
)


def _out_of_memory(code: int, err: str) -> bool:
    """Whether a child under a memory limit ended for want of memory: Python's
    ``MemoryError``, or a signal native code raises when an allocation fails."""
    return code != 0 and ("MemoryError" in err[-4000:] or code in (-6, -7, -11))


class _Tail:
    """Drains a pipe in a thread, keeping only its last ``cap`` bytes (and the count dropped)."""

    def __init__(self, pipe: Any, cap: int) -> None:
        self._pipe, self._cap = pipe, cap
        self._kept = bytearray()
        self.dropped = 0
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := self._pipe.read1(65536):
            self._kept += chunk
            if len(self._kept) > self._cap:
                cut = len(self._kept) - self._cap
                del self._kept[:cut]
                self.dropped += cut
        self._pipe.close()

    def text(self) -> str:
        self._thread.join()
        body = self._kept.decode("utf-8", errors="replace")
        return f"[{self.dropped} earlier bytes not kept]\n{body}" if self.dropped else body


def run_capped(
    cmd: list[str],
    *,
    timeout: float,
    memory_mib: int | None = None,
    cap: int = MAX_CAPTURED_BYTES,
    should_stop: Callable[[], bool] | None = None,
    poll_s: float = 1.0,
    cwd: Path | None = None,
) -> tuple[int, str, str]:
    """Run ``cmd`` (in ``cwd``); its exit code and the last ``cap`` bytes of its output and
    of its errors.

    Memory stays bounded whatever the child prints; a child running past ``timeout`` seconds
    is killed (exit code -1), and so is one whose ``should_stop()`` (asked every ``poll_s``
    seconds) says so (exit code :data:`STOPPED`). With ``memory_mib`` the child's address
    space is limited (``setrlimit(RLIMIT_AS)``, POSIX); one that runs out of it ends with
    its own exit code and an error naming the limit.
    """
    code, out, err = _run_capped(cmd, timeout, memory_mib, cap, should_stop, poll_s, cwd)
    if memory_mib is not None and _out_of_memory(code, err):
        last = err.strip().splitlines()[-1:] or [""]
        err = (
            f"the analysis needed more memory than its limit of {memory_mib} MiB "
            f"(last message: {last[0][:200]})"
        )
    return code, out, err


def _run_capped(
    cmd: list[str],
    timeout: float,
    memory_mib: int | None,
    cap: int,
    should_stop: Callable[[], bool] | None,
    poll_s: float,
    cwd: Path | None,
) -> tuple[int, str, str]:
    if memory_mib is not None:
        cmd = [sys.executable, "-c", _LIMITED, str(memory_mib * 1024 * 1024), *cmd]
    deadline = time.monotonic() + timeout
    with subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
    ) as proc:
        out, err = _Tail(proc.stdout, cap), _Tail(proc.stderr, cap)
        while True:
            left = deadline - time.monotonic()
            try:
                code = proc.wait(timeout=max(0.0, min(left, poll_s)))
            except subprocess.TimeoutExpired:
                if left <= poll_s:
                    proc.kill()
                    proc.wait()
                    return -1, out.text(), f"the analysis took longer than {timeout:g} s"
                if should_stop is not None and should_stop():
                    proc.kill()
                    proc.wait()
                    return STOPPED, out.text(), "the analysis was stopped"
                continue
            return code, out.text(), err.text()


def _trial(s: Any, who: Principal, trial_id: int) -> TrialWorkspace:
    t = s.scalar(
        select(TrialWorkspace).where(
            TrialWorkspace.id == trial_id, TrialWorkspace.organisation_id == who.organisation_id
        )
    )
    if t is None:
        raise NotFound("trial", trial_id)
    return t  # type: ignore[no-any-return]


def list_trials(db: Database, who: Principal) -> list[dict[str, Any]]:
    check(who.role, "trial.read")
    with db.read() as s:
        rows = s.scalars(
            select(TrialWorkspace)
            .where(TrialWorkspace.organisation_id == who.organisation_id)
            .order_by(TrialWorkspace.name)
        ).all()
        return [
            {"id": t.id, "name": t.name, "description": t.description, "version": t.version}
            for t in rows
        ]


def create_trial(db: Database, who: Principal, name: str, description: str = "") -> dict[str, Any]:
    check(who.role, "trial.write")
    name = name.strip()
    if not 1 <= len(name) <= 120 or "\x00" in name:
        raise InputError("name", name, "a name of 1 to 120 characters")
    if len(description) > 5000 or "\x00" in description:
        raise InputError("description", description[:50], "at most 5000 characters")
    try:
        with db.write() as s:
            exists = s.scalar(
                select(TrialWorkspace.id).where(
                    TrialWorkspace.organisation_id == who.organisation_id,
                    TrialWorkspace.name == name,
                )
            )
            if exists is not None:
                raise AlreadyExists("trial", name)
            t = TrialWorkspace(
                organisation_id=who.organisation_id,
                name=name,
                description=description,
                created_by=who.user_id if who.user_id > 0 else None,
            )
            s.add(t)
            s.flush()
            audit.record(s, who, "trial.create", "trial", t.id, after={"name": name})
            return {"id": t.id, "name": name, "description": description, "version": t.version}
    except IntegrityError as exc:
        raise AlreadyExists("trial", name) from exc


def _check_file(kind: str, filename: str, content: bytes) -> None:
    if kind not in FILE_KINDS:
        raise InputError("kind", kind, "one of " + ", ".join(FILE_KINDS))
    if not 1 <= len(filename) <= 255 or "\x00" in filename:
        raise InputError("filename", filename[:50], "a file name of 1 to 255 characters")
    if not content:
        raise InputError("file", filename, "a non-empty file")
    if len(content) > MAX_FILE_BYTES:
        raise InputError("file", f"{len(content)} bytes", f"at most {MAX_FILE_BYTES} bytes")
    name = shown_path(filename)
    if kind == "sap":
        plan = parse_yaml(decode_text(content, name=name, kind="YAML"), name=name)
        if not isinstance(plan, dict):
            raise InputError("file", filename, "a YAML or JSON mapping (the analysis plan)")
        return
    if not filename.lower().endswith(".csv"):
        if filename.lower().endswith((".parquet", ".xpt")):
            return  # read and checked by the runner
        raise InputError("file", filename, f"a {kind.upper()} file: .csv, .parquet or .xpt")
    read_table_bytes(content, name=name, columns=("USUBJID",), max_bytes=MAX_FILE_BYTES)


def upload_file(
    db: Database, who: Principal, trial_id: int, kind: str, filename: str, content: bytes
) -> dict[str, Any]:
    """Store an ADSL/ADTTE CSV or the SAP (YAML/JSON) of a trial workspace."""
    check(who.role, "trial.write")
    _check_file(kind, filename, content)
    with db.write() as s:
        t = _trial(s, who, trial_id)
        f = TrialFile(
            trial_id=t.id,
            kind=kind,
            filename=filename,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content=content,
            uploaded_by=who.user_id if who.user_id > 0 else None,
        )
        s.add(f)
        s.flush()
        info = {"id": f.id, "kind": kind, "filename": filename, "sha256": f.sha256, "size": f.size}
        audit.record(s, who, "trial.upload", "trial", t.id, after=info)
        return info


def get_trial(db: Database, who: Principal, trial_id: int) -> dict[str, Any]:
    check(who.role, "trial.read")
    with db.read() as s:
        t = _trial(s, who, trial_id)
        files = s.scalars(
            select(TrialFile).where(TrialFile.trial_id == t.id).order_by(TrialFile.id)
        ).all()
        analyses = s.scalars(
            select(AnalysisRow).where(AnalysisRow.trial_id == t.id).order_by(AnalysisRow.id)
        ).all()
        latest = {f.kind: f.id for f in files}
        return {
            "id": t.id,
            "name": t.name,
            "description": t.description,
            "version": t.version,
            "files": [
                {
                    "id": f.id,
                    "kind": f.kind,
                    "filename": f.filename,
                    "size": f.size,
                    "sha256": f.sha256,
                    "uploaded_at": f.uploaded_at.isoformat(),
                    "current": latest[f.kind] == f.id,
                }
                for f in files
            ],
            "analyses": [
                {
                    "id": a.id,
                    "status": a.status,
                    "started_at": a.started_at.isoformat(),
                    "error": a.error,
                    "has_report": a.report_html is not None,
                    "has_pdf": a.report_pdf is not None,
                }
                for a in analyses
            ],
            "ready": all(k in latest for k in REQUIRED_KINDS),
        }


def trial_file(db: Database, who: Principal, trial_id: int, file_id: int) -> tuple[str, bytes]:
    check(who.role, "trial.read")
    with db.read() as s:
        t = _trial(s, who, trial_id)
        f = s.get(TrialFile, file_id)
        if f is None or f.trial_id != t.id:
            raise NotFound("file", file_id)
        return f.filename, f.content


def _current_files(s: Any, trial_id: int) -> dict[str, TrialFile]:
    files = s.scalars(
        select(TrialFile).where(TrialFile.trial_id == trial_id).order_by(TrialFile.id)
    ).all()
    return {f.kind: f for f in files}


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: The longest file name the report's provenance shows (the extension kept).
MAX_SHOWN_NAME = 64


def report_name(filename: str, kind: str) -> str:
    """An uploaded file's name as the report's provenance shows it: the last part of the
    name the browser sent, letters, digits, ``.``, ``_`` and ``-`` kept (any other run of
    characters becomes ``_``), no leading dot or dash (never a hidden file or an option),
    at most :data:`MAX_SHOWN_NAME` characters with its extension; ``kind`` when nothing
    is left."""
    base = re.split(r"[\\/]", filename)[-1]
    suffix = Path(base).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ".yaml" if kind == "sap" else ".csv"
    stem = _UNSAFE.sub("_", Path(base).stem if Path(base).suffix else base).lstrip("._-")
    return (stem[: MAX_SHOWN_NAME - len(suffix)] or kind) + suffix


def _command(folder: Path, files: dict[str, TrialFile]) -> list[str]:
    """The ``tacepath analyze`` command on the files written into ``folder`` under their
    uploaded names (run in ``folder``: the provenance names the files, not the folder)."""
    names: dict[str, str] = {}
    for kind, f in files.items():
        name = report_name(f.filename, kind)
        if name in names.values():
            name = f"{kind}-{name}"
        (folder / name).write_bytes(f.content)
        names[kind] = name
    cmd = [sys.executable, "-c", "from tacepath.cli import main; main()", "analyze"]
    for kind in ("sap", "adsl", "adtte", "adae"):
        if kind in names:
            cmd += [f"--{kind}", names[kind]]
    return [*cmd, "--out", "report"]


def _analysis_files(db: Database, who: Principal, trial_id: int) -> dict[str, TrialFile]:
    """The trial's current files, all the required ones present (else 422)."""
    with db.read() as s:
        t = _trial(s, who, trial_id)
        files = _current_files(s, t.id)
    missing = [k for k in REQUIRED_KINDS if k not in files]
    if missing:
        raise InputError("files", ", ".join(missing), "ADSL, ADTTE and the SAP uploaded")
    return files


def check_ready(db: Database, who: Principal, trial_id: int) -> None:
    """Refuse (404, 422) an analysis of a trial that is not ``who``'s or lacks a file."""
    check(who.role, "trial.run")
    _analysis_files(db, who, trial_id)


def run_analysis(
    db: Database,
    who: Principal,
    trial_id: int,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_step: Callable[[str], None] | None = None,
    limits: RunLimits = RunLimits(),
) -> dict[str, Any]:
    """Run the trial's SAP on its current files with ``tacepath analyze``; store the report.

    The run is bounded by ``limits`` (time and memory: past either it is ``failed`` with an
    error naming the limit). ``should_stop`` (asked every second while the runner works)
    stops it: the analysis is stored as ``stopped``. ``on_step`` hears each step as it
    starts (a job's progress).
    """
    check(who.role, "trial.run")
    files = _analysis_files(db, who, trial_id)
    with db.write() as s:
        row = AnalysisRow(
            trial_id=trial_id, status="running", started_by=who.user_id if who.user_id > 0 else None
        )
        s.add(row)
        s.flush()
        analysis_id = row.id
        audit.record(
            s,
            who,
            "trial.run",
            "trial",
            trial_id,
            after={"analysis": analysis_id, "files": {k: f.sha256 for k, f in files.items()}},
        )
    with tempfile.TemporaryDirectory(prefix="tacepath-analysis-") as tmp:
        folder = Path(tmp)
        if on_step:
            on_step("running the analysis plan")
        code, out, err = run_capped(
            _command(folder, files),
            timeout=limits.timeout_s,
            memory_mib=limits.memory_mib,
            should_stop=should_stop,
            cwd=folder,
        )
        if on_step:
            on_step("storing the report")
        report = folder / "report"
        html = (report / "index.html").read_text(encoding="utf-8") if code == 0 else None
        pdf = (report / "report.pdf").read_bytes() if (report / "report.pdf").exists() else None
        result = (
            json.loads((report / "results.json").read_text(encoding="utf-8"))
            if code == 0 and (report / "results.json").exists()
            else None
        )
    status = "done" if code == 0 else "stopped" if code == STOPPED else "failed"
    with db.write() as s:
        done_row = s.get(AnalysisRow, analysis_id)
        assert done_row is not None
        row = done_row
        row.status = status
        row.finished_at = utcnow()
        row.report_html, row.report_pdf, row.result = html, pdf, json_safe(result)
        row.log = out[-20000:]
        row.error = err[-20000:] if code != 0 else None
    if code == 2:
        lines = [ln.removeprefix("error: ") for ln in err.splitlines() if ln.strip()]
        raise InputErrors(
            [Problem("analysis", analysis_id, ln[:300]) for ln in lines[:50]]
            or [Problem("analysis", analysis_id, "valid ADaM data and SAP")]
        )
    return {
        "id": analysis_id,
        "status": status,
        "log": out[-2000:],
        "error": None if code == 0 else err[-2000:],
    }


def analysis_report(
    db: Database, who: Principal, trial_id: int, analysis_id: int, kind: str = "html"
) -> Any:
    """The stored report of an analysis: ``html`` (text), ``pdf`` (bytes) or ``json``."""
    check(who.role, "trial.read")
    with db.read() as s:
        t = _trial(s, who, trial_id)
        a = s.get(AnalysisRow, analysis_id)
        value = None
        if a is not None and a.trial_id == t.id:
            value = {"html": a.report_html, "pdf": a.report_pdf, "json": a.result}.get(kind)
        if value is None:
            raise NotFound("analysis report", analysis_id)
        return value
