"""Benchmark: start-up time of the ``tacepath`` command line, as whole processes.

Times, in one run, ``python -c pass`` (the interpreter alone), ``tacepath --version``,
``tacepath --help``, ``tacepath assess --help`` and a real small command
(``tacepath assess examples/patients.json --json``, output discarded). The commands are run
in turn, N rounds after one warm-up round, so a change of load on the machine affects them
alike; the table gives the minimum and the median wall-clock time of each, their ratio to
``python -c pass``, and the minimum CPU time (user + system) of the process, which leaves out
the time spent waiting for a core. The minimum is the figure to compare: other work on the
machine only ever adds time. The load average is printed with the table.

The ``tacepath`` console script next to ``sys.executable`` is used (the one of this
virtualenv), or ``--tacepath PATH``. The environment is passed on, so
``PYTHONPATH=OTHER_CHECKOUT/src`` times another version of the code with the same
interpreter and libraries.

Usage: ``python benchmarks/startup_bench.py [--repeat N] [--tacepath PATH] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _console_script() -> Path:
    bin_dir = Path(sys.executable).parent
    for name in ("tacepath", "tacepath.exe"):
        if (bin_dir / name).exists():
            return bin_dir / name
    raise SystemExit(f"no tacepath console script next to {sys.executable}; use --tacepath")


def _commands(tacepath: Path) -> list[tuple[str, list[str]]]:
    exe = str(tacepath)
    return [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("tacepath --version", [exe, "--version"]),
        ("tacepath --help", [exe, "--help"]),
        ("tacepath assess --help", [exe, "assess", "--help"]),
        (
            "tacepath assess examples/patients.json --json",
            [exe, "assess", str(EXAMPLES / "patients.json"), "--json"],
        ),
    ]


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_once(argv: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one process."""
    cpu0, t0 = _cpu_of_children(), time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed, cpu = time.perf_counter() - t0, _cpu_of_children() - cpu0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()}")
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="rounds timed (default 20)")
    parser.add_argument("--tacepath", type=Path, default=None, help="console script to time")
    parser.add_argument("--json", type=Path, default=None, help="also write the times here")
    args = parser.parse_args()
    commands = _commands(args.tacepath or _console_script())

    for _, argv in commands:  # warm-up: page cache, bytecode caches
        _run_once(argv)
    times: dict[str, list[float]] = {label: [] for label, _ in commands}
    cpus: dict[str, list[float]] = {label: [] for label, _ in commands}
    for _ in range(args.repeat):
        for label, argv in commands:
            wall, cpu = _run_once(argv)
            times[label].append(wall)
            cpus[label].append(cpu)

    base = min(times["python -c pass"])
    print(
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores; {args.repeat} rounds; load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    print(f"{'command':<46} {'min s':>7} {'median s':>9} {'min / pass':>11} {'CPU min s':>10}")
    rows = []
    for label, _ in commands:
        lo, med, cpu = min(times[label]), statistics.median(times[label]), min(cpus[label])
        print(f"{label:<46} {lo:7.3f} {med:9.3f} {lo / base:10.1f}× {cpu:10.3f}")
        rows.append(
            {
                "command": label,
                "min_s": lo,
                "median_s": med,
                "min_ratio": lo / base,
                "cpu_min_s": cpu,
            }
        )
    for label in ("tacepath --version", "tacepath --help"):
        verdict = "met" if min(times[label]) < TARGET_S else "NOT met"
        print(f"target {label} < {TARGET_S} s: {verdict}")
    if args.json is not None:
        load = os.getloadavg()
        payload = {"repeat": args.repeat, "load_average": load, "rows": rows}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
