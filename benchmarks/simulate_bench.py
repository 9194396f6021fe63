"""Trial simulation speed: tacepath against R ``rpact::getSimulationSurvival`` in one run.

Usage::

    python benchmarks/simulate_bench.py [--replicates 10000,100000] [--repeat 3]
                                        [--workers 2] [--no-r] [--no-dask]

The design is TACTICS-like: 156 patients 1:1, exponential survival with a control median of
13.5 months and HR 0.71, uniform accrual over 60 months (regular entry and alternating arms,
as rpact simulates), analysis at 125 events, one-sided log-rank test at alpha 0.15. Both
tools simulate the same number of trials; rpact is timed inside R (``Sys.time`` around
``getSimulationSurvival``, R start-up excluded), tacepath inside Python, in a warm process
(the compiled passes loaded by a first small run, as R's warm-up run); best of
``--repeat``, with the CPU time of that run. Printed: seconds, trials per minute, power
with its Monte-Carlo SE, and the ratios. tacepath is also timed on a local Dask cluster
(``--workers`` processes; with and without the cluster start-up), with random entry times,
and with strata (2 and 4 strata with different hazards, stratified log-rank) against the
unstratified design.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import math
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tacepath.design.simulate import (
    Accrual,
    Exponential,
    SimulationResult,
    Stratum,
    TrialScenario,
    simulate_trial,
)

R_SCRIPT = r"""
suppressPackageStartupMessages(library(rpact))
args <- commandArgs(trailingOnly = TRUE)
reps <- as.integer(strsplit(args[1], ",")[[1]])
repeat_n <- as.integer(args[2])
design <- getDesignGroupSequential(kMax = 1, alpha = 0.15, sided = 1)
run <- function(n, seed) {
  getSimulationSurvival(design, hazardRatio = 0.71, median2 = 13.5, accrualTime = c(0, 60),
                        plannedEvents = 125, maxNumberOfSubjects = 156,
                        maxNumberOfIterations = n, directionUpper = FALSE, seed = seed)
}
invisible(run(100, 1))  # warm-up
out <- list()
for (n in reps) {
  best <- Inf
  power <- NA
  for (i in seq_len(repeat_n)) {
    t0 <- Sys.time()
    s <- run(n, i)
    dt <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
    if (dt < best) { best <- dt; power <- s$overallReject }
  }
  out[[as.character(n)]] <- list(seconds = best, power = power)
}
cat(jsonlite::toJSON(list(results = out, version = as.character(packageVersion("rpact"))),
                     auto_unbox = TRUE, digits = NA), "\n")
"""

TACTICS = TrialScenario(
    patients=156,
    events=125,
    control=Exponential(median=13.5),
    hazard_ratio=0.71,
    accrual=Accrual(months=60, entry="regular"),
    alpha=0.15,
    sides=1,
    direction="less",
)


def best_of(fn: Callable[[], SimulationResult], repeat: int) -> tuple[float, SimulationResult]:
    """Best wall time (seconds) of ``repeat`` runs and the last result."""
    times, res = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    assert res is not None
    return min(times), res


def best_of_cpu(
    fn: Callable[[], SimulationResult], repeat: int
) -> tuple[float, float, SimulationResult]:
    """Best wall time of ``repeat`` runs, the CPU time (this process) of that run, and
    its result."""
    best: tuple[float, float, SimulationResult] | None = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        res = fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if best is None or wall < best[0]:
            best = (wall, cpu, res)
    assert best is not None
    return best


def rpact_runs(replicates: list[int], repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), ",".join(map(str, replicates)), str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def per_minute(n: int, seconds: float) -> str:
    return f"{60 * n / seconds:,.0f}"


def row(*cells: object) -> None:
    """Print one markdown table row."""
    print("| " + " | ".join(str(c) for c in cells) + " |")


def se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--replicates", default="10000,100000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--no-r", action="store_true")
    p.add_argument("--no-dask", action="store_true")
    args = p.parse_args(argv)
    reps = [int(x) for x in args.replicates.split(",")]
    use_r = not args.no_r and shutil.which("Rscript") is not None
    print(
        f"# machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}; best of {args.repeat}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    r = rpact_runs(reps, args.repeat) if use_r else {"results": {}, "version": None}
    # a warm process: the compiled passes loaded once (in versions that have them)
    with contextlib.suppress(ImportError):
        importlib.import_module("tacepath.design._simulation_kernels")
    simulate_trial(TACTICS, replicates=100, seed=1, type_one_error=False)
    if use_r:
        print(f"# rpact {r['version']}")
    print(
        "| trials | rpact s | rpact trials/min | rpact power | tacepath s | tacepath CPU s "
        "| tacepath trials/min | tacepath power | speed ratio | power difference / SE |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in reps:
        t, cpu, res = best_of_cpu(
            lambda n=n: simulate_trial(TACTICS, replicates=n, seed=1, type_one_error=False),
            args.repeat,
        )
        rr = r["results"].get(str(n))
        if rr:
            diff = (res.power - rr["power"]) / math.sqrt(
                se(res.power, n) ** 2 + se(rr["power"], n) ** 2
            )
            print(
                f"| {n:,} | {rr['seconds']:.3f} | {per_minute(n, rr['seconds'])} | "
                f"{rr['power']:.4f} | {t:.3f} | {cpu:.3f} | {per_minute(n, t)} | {res.power:.4f} "
                f"| {rr['seconds'] / t:.1f} | {diff:+.2f} |"
            )
        else:
            print(
                f"| {n:,} | - | - | - | {t:.3f} | {cpu:.3f} | {per_minute(n, t)} | "
                f"{res.power:.4f} | - | - |"
            )
    n = reps[-1]
    closed = res.closed_form_power
    print(f"\nclosed-form (Schoenfeld) power at 125 events: {closed:.4f}")
    base, _ = best_of(
        lambda: simulate_trial(TACTICS, replicates=n, seed=1, type_one_error=False), args.repeat
    )
    rand = dataclasses.replace(TACTICS, accrual=Accrual(months=60, entry="random"))
    t_rand, res_rand = best_of(
        lambda: simulate_trial(rand, replicates=n, seed=1, type_one_error=False), args.repeat
    )
    print("\n| variant | trials | seconds | trials/min | power | cost vs unstratified |")
    print("|---|---|---|---|---|---|")
    row("unstratified, regular entry", f"{n:,}", f"{base:.3f}", per_minute(n, base),
        f"{res.power:.4f}", "1.00")  # fmt: skip
    row("unstratified, random entry", f"{n:,}", f"{t_rand:.3f}", per_minute(n, t_rand),
        f"{res_rand.power:.4f}", f"{t_rand / base:.2f}")  # fmt: skip
    for k, factors in ((2, (1.0, 2.0)), (4, (0.5, 1.0, 1.5, 2.0))):
        sc = dataclasses.replace(
            TACTICS,
            strata=tuple(
                Stratum(name=f"s{i}", prevalence=1 / k, hazard_multiplier=f)
                for i, f in enumerate(factors)
            ),
        )
        t_s, res_s = best_of(
            lambda sc=sc: simulate_trial(sc, replicates=n, seed=1, type_one_error=False),
            args.repeat,
        )
        print(
            f"| {k} strata (hazard x {', '.join(f'{f:g}' for f in factors)}), stratified test "
            f"| {n:,} | {t_s:.3f} | {per_minute(n, t_s)} | {res_s.power:.4f} | "
            f"{t_s / base:.2f} |"
        )
    if not args.no_dask and args.workers > 1:
        big = 10 * n
        t0 = time.perf_counter()
        res_d = simulate_trial(
            TACTICS, replicates=big, seed=1, type_one_error=False, workers=args.workers
        )
        with_start = time.perf_counter() - t0
        from dask.distributed import LocalCluster

        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, dashboard_address=None
        ) as cluster:
            addr = cluster.scheduler_address
            simulate_trial(TACTICS, replicates=n, seed=2, type_one_error=False, scheduler=addr)
            t_warm, _ = best_of(
                lambda: simulate_trial(
                    TACTICS, replicates=big, seed=1, type_one_error=False, scheduler=addr
                ),
                args.repeat,
            )
        t_one, _ = best_of(
            lambda: simulate_trial(TACTICS, replicates=big, seed=1, type_one_error=False), 1
        )
        print("\n| backend | trials | seconds | trials/min | power |")
        print("|---|---|---|---|---|")
        for label, secs in (
            ("this process", t_one),
            (f"Dask LocalCluster, {args.workers} processes, incl. start-up", with_start),
            (f"Dask LocalCluster, {args.workers} processes, running cluster", t_warm),
        ):
            row(label, f"{big:,}", f"{secs:.3f}", per_minute(big, secs), f"{res_d.power:.4f}")


if __name__ == "__main__":
    main()
