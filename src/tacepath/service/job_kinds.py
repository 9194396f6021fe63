"""What each kind of background job does (the records: :mod:`tacepath.service.jobs`; the
engine running them: :mod:`tacepath.service.job_engine`).

Every kind checks its inputs when it is queued (:func:`check_inputs`: a refusal is a 422 at
once, nothing queued) and, when it runs, returns an :class:`Outcome`: its final state, a
small result and the files it made (stored with the ``done`` state). The work itself is the
existing use case's: :func:`tacepath.service.trials.run_analysis` (``analysis``),
:func:`tacepath.service.reconstruct.reconstruct` (``reconstruction``, Guyot et al. 2012),
:func:`tacepath.interop.cohort_io.assess_cohort_file` (``cohort-assessment``) and
:func:`tacepath.design.simulate.simulate_trial` (``simulation``, the numbers of ``tacepath
simulate trial`` with the same seed).

A reconstruction, a cohort assessment or a simulation runs in the job's own thread: while it works a
heartbeat thread keeps the job alive and reads a cancel request; the work is not broken off
in the middle (neither engine can be), but a job cancelled meanwhile stores nothing and ends
``cancelled``.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tacepath.errors import InputError, InputErrors, Problem
from tacepath.service import jobs, reconstruct, trials
from tacepath.service.db import Database
from tacepath.service.principal import Principal

__all__ = [
    "COHORT_FORMATS",
    "MAX_COHORT_BYTES",
    "MAX_REPLICATES",
    "RUNNERS",
    "SIMULATION_INPUTS",
    "JobRun",
    "Outcome",
    "check_inputs",
]

#: The largest cohort file a job assesses (bytes), and its formats.
MAX_COHORT_BYTES = 20 * 1024 * 1024
COHORT_FORMATS = ("csv", "parquet")
#: The most simulated trials (per scenario) one simulation job may run.
MAX_REPLICATES = 100_000
#: A simulation job's inputs: ``tacepath simulate trial``'s options of an exponential
#: control arm under proportional hazards (the other models: the command line).
SIMULATION_INPUTS = (
    "hazard_ratio",
    "median_control",
    "accrual_months",
    "patients",
    "events",
    "allocation",
    "dropout",
    "dropout_months",
    "alpha",
    "sides",
    "replicates",
    "seed",
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a job's work ended: ``done``, ``failed`` or ``cancelled``, its result, its files."""

    state: str
    result: dict[str, Any] | None = None
    files: tuple[jobs.FileIn, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class JobRun:
    """A claimed job as its work sees it: the database, the job, its runner, its limits."""

    db: Database
    job: dict[str, Any]
    runner: str
    limits: trials.RunLimits = field(default_factory=trials.RunLimits)
    should_stop: Callable[[], bool] = lambda: False

    @property
    def job_id(self) -> int:
        return int(self.job["id"])

    def step(self, step: str) -> None:
        """Say which step the job is in (its progress)."""
        jobs.beat(self.db, self.job_id, self.runner, step=step)


@contextlib.contextmanager
def _beating(run: JobRun) -> Iterator[threading.Event]:
    """Keep the job's heartbeat while the block works; the event is set when the job should
    stop (cancelled, or no longer this runner's)."""
    stop, done = threading.Event(), threading.Event()

    def loop() -> None:
        while not done.wait(jobs.HEARTBEAT_S):
            if not jobs.beat(run.db, run.job_id, run.runner):
                stop.set()

    thread = threading.Thread(target=loop, name=f"job-{run.job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        done.set()
        thread.join()
        if not jobs.beat(run.db, run.job_id, run.runner):
            stop.set()


_CANCELLED = Outcome("cancelled")


# ------------------------------------------------------------------ analysis


def _analysis(run: JobRun, who: Principal) -> Outcome:
    out = trials.run_analysis(
        run.db,
        who,
        run.job["inputs"]["trial"],
        should_stop=run.should_stop,
        on_step=run.step,
        limits=run.limits,
    )
    state = {"done": "done", "stopped": "cancelled"}.get(out["status"], "failed")
    return Outcome(
        state, {"analysis": out["id"]}, error=out["error"] if state == "failed" else None
    )


# ------------------------------------------------------------------ reconstruction


def _optional_int(inputs: dict[str, Any], name: str, low: int) -> None:
    value = inputs.get(name)
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 1_000_000
    ):
        raise InputError(name, value, f"a whole number from {low} to 1000000")


def _check_reconstruction(inputs: dict[str, Any], files: dict[str, bytes]) -> None:
    if set(files) - {"curve.csv", "at_risk.csv"} or "curve.csv" not in files:
        raise InputError("files", sorted(files), "curve.csv and, optionally, at_risk.csv")
    for name, content in files.items():
        if not content or len(content) > reconstruct.MAX_CSV_BYTES:
            raise InputError(name, len(content), f"1 to {reconstruct.MAX_CSV_BYTES} bytes")
    _optional_int(inputs, "events", 0)
    _optional_int(inputs, "n", 1)
    if "at_risk.csv" not in files and inputs.get("n") is None:
        raise InputError("at_risk/n", None, "the published at-risk table, or n")
    arm = inputs.get("arm")
    if arm is not None and (not isinstance(arm, str) or len(arm) > 60 or "\x00" in arm):
        raise InputError("arm", str(arm)[:60], "a label of at most 60 characters")
    if not isinstance(inputs.get("percent", False), bool):
        raise InputError("percent", inputs.get("percent"), "true or false")


def _reconstruction(run: JobRun, who: Principal) -> Outcome:
    files = jobs.input_files(run.db, run.job_id)
    p = run.job["inputs"]
    run.step("reconstructing the patient data")
    with _beating(run) as stop:
        out = reconstruct.reconstruct(
            who,
            curve=files["curve.csv"],
            at_risk=files.get("at_risk.csv"),
            events=p.get("events"),
            n=p.get("n"),
            arm=p.get("arm"),
            percent=bool(p.get("percent", False)),
        )
    if stop.is_set():
        return _CANCELLED
    run.step("storing the result")
    made: list[jobs.FileIn] = [
        ("reconstructed-ipd.csv", "text/csv", out["ipd_csv"].encode()),
        ("accuracy.json", "application/json", json.dumps(out["result"], indent=2).encode()),
    ]
    if out["png"]:
        made.append(("reconstruction.png", "image/png", out["png"]))
    return Outcome("done", {"summary": out["summary"][:4000]}, tuple(made))


# ------------------------------------------------------------------ cohort assessment


def _check_cohort(inputs: dict[str, Any], files: dict[str, bytes]) -> None:
    fmt = inputs.get("format")
    if fmt not in COHORT_FORMATS:
        raise InputError("format", fmt, "one of " + ", ".join(COHORT_FORMATS))
    content = files.get(f"cohort.{fmt}")
    if set(files) != {f"cohort.{fmt}"} or content is None:
        raise InputError("files", sorted(files), f"one cohort file, cohort.{fmt}")
    if not content or len(content) > MAX_COHORT_BYTES:
        raise InputError("file", f"{len(content)} bytes", f"1 to {MAX_COHORT_BYTES} bytes")


def _cohort_assessment(run: JobRun, who: Principal) -> Outcome:
    from tacepath.interop.cohort_io import assess_cohort_file

    fmt = run.job["inputs"]["format"]
    source = jobs.input_files(run.db, run.job_id)[f"cohort.{fmt}"]
    run.step("assessing the cohort")
    with tempfile.TemporaryDirectory(prefix="tacepath-cohort-") as tmp:
        folder = Path(tmp)
        (folder / f"cohort.{fmt}").write_bytes(source)
        with _beating(run) as stop:
            n = assess_cohort_file(folder / f"cohort.{fmt}", folder / "scores.csv")
        if stop.is_set():
            return _CANCELLED
        scores = (folder / "scores.csv").read_bytes()
    run.step("storing the result")
    return Outcome("done", {"patients": n}, (("scores.csv", "text/csv", scores),))


# ------------------------------------------------------------------ trial simulation


def _scenario(inputs: dict[str, Any]) -> Any:
    """The trial of a simulation job's inputs, refused with every problem at once."""
    from tacepath.design.simulate import Accrual, Exponential, TrialScenario, run_problems

    unknown = sorted(set(inputs) - set(SIMULATION_INPUTS))
    if unknown:
        raise InputError("inputs", unknown[:5], "only " + ", ".join(SIMULATION_INPUTS))
    given = {k: v for k, v in inputs.items() if v is not None}
    required = ("patients", "events", "median_control", "hazard_ratio", "accrual_months")
    missing = [k for k in (*required, "replicates", "seed") if k not in given]
    if missing:
        raise InputError(missing[0], None, "a value (required)")
    optional = ("allocation", "dropout", "dropout_months", "alpha", "sides")
    scenario = TrialScenario(
        patients=given["patients"],
        events=given["events"],
        control=Exponential(median=given["median_control"]),
        hazard_ratio=given["hazard_ratio"],
        accrual=Accrual(months=given["accrual_months"]),
        **{k: given[k] for k in optional if k in given},
    )
    problems = scenario.problems() + run_problems(
        replicates=given["replicates"], seed=given["seed"], chunk_size=None, workers=1,
        scheduler=None,
    )  # fmt: skip
    if not problems and given["replicates"] > MAX_REPLICATES:
        problems.append(
            Problem("replicates", given["replicates"], f"at most {MAX_REPLICATES} in a job")
        )
    if problems:
        raise InputErrors(problems)
    return scenario


def _check_simulation(inputs: dict[str, Any], files: dict[str, bytes]) -> None:
    if files:
        raise InputError("files", sorted(files), "none (a simulation takes no file)")
    _scenario(inputs)


def _simulation(run: JobRun, who: Principal) -> Outcome:
    from tacepath.design.simulate import simulate_trial

    inputs = run.job["inputs"]
    scenario = _scenario(inputs)
    run.step("simulating the trials")
    with _beating(run) as stop:
        result = simulate_trial(scenario, replicates=inputs["replicates"], seed=inputs["seed"])
    if stop.is_set():
        return _CANCELLED
    run.step("storing the result")
    body = json.dumps(result.to_dict(), indent=2).encode()
    return Outcome(
        "done",
        {"summary": result.summary()[:4000]},
        (("simulation.json", "application/json", body),),
    )


#: Each kind's work, on a claimed job, as its owner.
RUNNERS: dict[str, Callable[[JobRun, Principal], Outcome]] = {
    "analysis": _analysis,
    "reconstruction": _reconstruction,
    "cohort-assessment": _cohort_assessment,
    "simulation": _simulation,
}

_CHECKS: dict[str, Callable[[dict[str, Any], dict[str, bytes]], None]] = {
    "reconstruction": _check_reconstruction,
    "cohort-assessment": _check_cohort,
    "simulation": _check_simulation,
}


def check_inputs(kind: str, inputs: dict[str, Any], files: dict[str, bytes]) -> None:
    """Refuse (:class:`InputError`, 422) a job's inputs before it is queued: sizes, names,
    bounds. The content (CSV columns, values) is the engine's to check, in the job."""
    if kind not in _CHECKS:
        raise InputError("kind", kind, "one of " + ", ".join(_CHECKS))
    _CHECKS[kind](inputs, files)
