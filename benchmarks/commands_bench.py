"""Whole commands as a user types them, next to R scripts doing the same, as processes.

Usage::

    python benchmarks/commands_bench.py [--rows 1000000] [--trials 100000] [--repeat 3]
                                        [--dir DIR] [--no-r] [--only survival|simulate]

Every figure is one whole process, start-up, package loading and file reading included:

* ``tacepath survival km|logrank|cox FILE ...`` (the printed summary, as R prints) on
  the two-arm data set of ``survival_bench.py`` (continuous times, ``--rows`` rows)
  written once as CSV and as Parquet, next to ``Rscript -e`` loading ``survival`` and
  ``data.table``, reading the CSV with ``fread`` (R's fastest maintained reader; R has no
  Parquet reader here unless the ``arrow`` package is installed) and printing ``survfit``
  / ``survdiff`` / ``coxph``;
* ``tacepath simulate trial`` of the TACTICS-like design of ``simulate_bench.py`` with
  ``--trials`` simulated trials and no type I error run (``--no-type-one-error``), next to
  ``Rscript -e`` loading ``rpact`` and running ``getSimulationSurvival`` with as many
  iterations.

Wall-clock time (best of ``--repeat``) and the CPU time (user + system) of that run, read
by this parent process from the child's resource usage, and R's over tacepath's of each.
To time an earlier version, run this script with ``PYTHONPATH`` set to that version's
``src`` folder (the console script then imports it).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from survival_bench import make_data

R_SURVIVAL = {
    "km": "print(survfit(Surv(time, event) ~ arm, data = d))",
    "logrank": "print(survdiff(Surv(time, event) ~ arm, data = d))",
    "cox": 'print(coxph(Surv(time, event) ~ arm + age + marker, data = d, ties = "efron"))',
}

R_SIMULATE = (
    "suppressPackageStartupMessages(library(rpact)); "
    "design <- getDesignGroupSequential(kMax = 1, alpha = 0.15, sided = 1); "
    "s <- getSimulationSurvival(design, hazardRatio = 0.71, median2 = 13.5, "
    "accrualTime = c(0, 60), plannedEvents = 125, maxNumberOfSubjects = 156, "
    "maxNumberOfIterations = {n}, directionUpper = FALSE, seed = 1); "
    "cat(s$overallReject, '\\n')"
)


def tacepath_survival(analysis: str, path: Path) -> list[str]:
    common = ["--time", "time", "--event", "event"]
    if analysis == "cox":
        return ["survival", "cox", str(path), *common, "--covariates", "arm,age,marker"]
    return ["survival", analysis, str(path), *common, "--group", "arm"]


def tacepath_simulate(trials: int) -> list[str]:
    return [
        "simulate", "trial", "--hazard-ratio", "0.71", "--median-control", "13.5",
        "--accrual-months", "60", "--patients", "156", "--events", "125", "--alpha", "0.15",
        "--sides", "1", "--replicates", str(trials), "--seed", "1", "--no-type-one-error",
        "--json",
    ]  # fmt: skip


def timed(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time of ``repeat`` runs and the CPU time of that run."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, (wall, cpu))
    return best


def row(name: str, ours: tuple[float, float], peer: tuple[float, float] | None) -> str:
    """One line: tacepath's wall and CPU, the peer's, and the peer / tacepath ratios."""
    wall, cpu = ours
    if peer is None:
        return f"{name:<34} {wall:8.2f} {cpu:8.2f} {'-':>8} {'-':>8} {'-':>7} {'-':>7}"
    return (
        f"{name:<34} {wall:8.2f} {cpu:8.2f} {peer[0]:8.2f} {peer[1]:8.2f} "
        f"{peer[0] / wall:7.1f} {peer[1] / cpu:7.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--trials", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--dir", type=Path, default=None)
    p.add_argument("--no-r", action="store_true")
    p.add_argument("--only", choices=("survival", "simulate"), default=None)
    args = p.parse_args(argv)
    tp = str(Path(sys.executable).parent / "tacepath")
    use_r = not args.no_r and shutil.which("Rscript") is not None
    print(
        f"# machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, NumPy {np.__version__}; load average "
        f"{os.getloadavg()[0]:.1f}; best of {args.repeat} (wall s, CPU s)"
    )
    print(
        f"{'command':<34} {'tacepath':>8} {'cpu':>8} {'R':>8} {'R cpu':>8} {'R/tp':>7} "
        f"{'R/tp CPU':>8}"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.only != "simulate":
            d = make_data(args.rows, "continuous")
            csv = Path(tmp) / "d.csv"
            parquet = Path(tmp) / "d.parquet"
            d.to_csv(csv, index=False, float_format="%.17g")
            d.to_parquet(parquet, index=False)
            for analysis, r_call in R_SURVIVAL.items():
                r_time = None
                if use_r:
                    script = (
                        "suppressPackageStartupMessages({library(survival); "
                        f"library(data.table)}}); d <- fread('{csv}'); {r_call}"
                    )
                    r_time = timed(["Rscript", "-e", script], args.repeat)
                for kind, path in (("CSV", csv), ("Parquet", parquet)):
                    ours = timed([tp, *tacepath_survival(analysis, path)], args.repeat)
                    name = f"survival {analysis} {args.rows} rows {kind}"
                    print(row(name, ours, r_time if kind == "CSV" else None), flush=True)
        if args.only != "survival":
            ours = timed([tp, *tacepath_simulate(args.trials)], args.repeat)
            r_time = None
            if use_r:
                r_time = timed(["Rscript", "-e", R_SIMULATE.format(n=args.trials)], args.repeat)
            print(row(f"simulate trial {args.trials} trials", ours, r_time), flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
