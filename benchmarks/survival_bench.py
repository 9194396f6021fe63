"""Survival engine speed: tacepath against R ``survival`` and lifelines on the same data.

Usage::

    python benchmarks/survival_bench.py [--sizes 10000,100000,1000000]
                                        [--times days|continuous|both]
                                        [--repeat 3] [--no-r] [--no-lifelines]
                                        [--lifelines-cox-max 100000] [--cold N]
                                        [--lifelines-python PYTHON]

For each size a two-arm trial-like data set is generated (seeded): exponential survival
with a hazard ratio of 0.75, uniform censoring, three covariates (arm, age, a binary
marker). ``--times days`` rounds times up to whole days (as ADaM AVAL), ``continuous``
keeps them as drawn. Every tool fits the same data, timed in its own process without file
reading: Kaplan–Meier by arm, the log-rank test of arm, and the Cox model
``arm + age + marker`` with Efron ties. R is run with ``Rscript`` (``system.time``, best
of ``--repeat``); lifelines in this process, or with ``--lifelines-python`` in that
interpreter (a virtualenv of its own: lifelines 0.30 requires pandas < 3, and tacepath's
lock pins pandas 3; the data go to it as a ``.npz`` file, not timed). The table prints
seconds and the ratios R / tacepath and lifelines / tacepath, and tacepath / ``numpy.sort``
of the times (the floor of any sort-based method), tacepath's CPU time beside its wall time
(``tp cpu``, ``cpu/sort``: the machine may be shared) and the load average.

``--cold N`` then times each analysis on N rows in fresh processes (data read from a
``.npy`` file first, not timed): the import of the engine and the first call with an
empty compiled-kernel cache (``NUMBA_CACHE_DIR`` a new folder: the kernels are compiled),
the same with the cache written by that run (the kernels are loaded from disk), and a
second call in the same process (warm). The peak memory of the warm call above the
process's memory before it (resident set sampled every millisecond) is printed with its
ratio to the bytes of the input columns.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = {
    "km": ("time", "event", "arm"),
    "logrank": ("time", "event", "arm"),
    "cox": ("time", "event", "arm", "age", "marker"),
}

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
reps <- as.integer(args[2])
best <- function(expr) {
  f <- function() system.time(eval(expr))[["elapsed"]]
  min(replicate(reps, f()))
}
km <- best(quote(survfit(Surv(time, event) ~ arm, data = d)))
lr <- best(quote(survdiff(Surv(time, event) ~ arm, data = d)))
cx <- best(quote(coxph(Surv(time, event) ~ arm + age + marker, data = d, ties = "efron")))
cat(sprintf('{"km": %.6f, "logrank": %.6f, "cox": %.6f, "version": "%s"}\n', km, lr, cx,
            as.character(packageVersion("survival"))))
"""


def make_data(n: int, times: str, seed: int = 20261125) -> pd.DataFrame:
    """Two-arm trial-like data: HR 0.75 for the experimental arm, ~35 % censored."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    age = np.round(rng.normal(65, 9, n), 1)
    marker = rng.integers(0, 2, n)
    rate = (1 / 365) * np.exp(np.log(0.75) * arm + 0.01 * (age - 65) + 0.3 * marker)
    t = rng.exponential(1 / rate)
    c = rng.uniform(200, 1800, n)
    if times == "days":
        t, c = np.ceil(t), np.ceil(c)
    time_ = np.minimum(t, c)
    event = (t <= c).astype(int)
    return pd.DataFrame({"time": time_, "event": event, "arm": arm, "age": age, "marker": marker})


def best_of(fn: Callable[[], Any], repeat: int, cpu: dict[str, float] | None = None) -> float:
    """Best wall time of ``repeat`` calls; with ``cpu``, its ``"cpu"`` is set to the best
    CPU time of this process (``time.process_time``) over the same calls."""
    out = []
    cpus = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if cpu is not None:
        cpu["cpu"] = min(cpus)
    return min(out)


def load_average() -> str:
    """The 1-minute load average (the machine may be shared), or '?'."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def run_tacepath(analysis: str, d: pd.DataFrame) -> Any:
    from tacepath.survival import cox_ph, kaplan_meier, logrank_test

    if analysis == "km":
        return kaplan_meier(d, time="time", event="event", group="arm")
    if analysis == "logrank":
        return logrank_test(d, time="time", event="event", group="arm")
    return cox_ph(d, time="time", event="event", covariates=["arm", "age", "marker"])


def tacepath_times(d: pd.DataFrame, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall times of each analysis and of ``numpy.sort``, and the best CPU times."""
    cpu: dict[str, float] = {}
    res: dict[str, float] = {}
    for key in ("sort", "km", "logrank", "cox"):
        spent: dict[str, float] = {}
        if key == "sort":
            res[key] = best_of(lambda: np.sort(d["time"].to_numpy()), repeat, spent)
        else:
            res[key] = best_of(lambda: run_tacepath(key, d), repeat, spent)  # noqa: B023
        cpu[key] = spent["cpu"]
    return res, cpu


def r_times(d: pd.DataFrame, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        script = Path(tmp) / "bench.R"
        d.to_csv(csv, index=False, float_format="%.17g")
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), str(csv), str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def lifelines_times(d: pd.DataFrame, repeat: int, cox_max: int) -> dict[str, float]:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test as ll_logrank

    a = d["arm"].to_numpy() == 1

    def km() -> None:
        for m in (a, ~a):
            KaplanMeierFitter().fit(d["time"][m], d["event"][m])

    res = {
        "km": best_of(km, repeat),
        "logrank": best_of(
            lambda: ll_logrank(d["time"][a], d["time"][~a], d["event"][a], d["event"][~a]),
            repeat,
        ),
    }
    if len(d) <= cox_max:
        frame = d[["time", "event", "arm", "age", "marker"]]
        res["cox"] = best_of(
            lambda: CoxPHFitter().fit(frame, duration_col="time", event_col="event"),
            max(1, repeat if len(d) <= 100_000 else 1),
        )
    return res


def lifelines_elsewhere(
    python: str, d: pd.DataFrame, repeat: int, cox_max: int
) -> dict[str, float]:
    """``lifelines_times`` run by another interpreter (see ``--lifelines-python``)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.npz"
        np.savez(data, **{c: d[c].to_numpy() for c in d.columns})
        out = subprocess.run(
            [python, __file__, "--lifelines-child", str(data), str(repeat), str(cox_max)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def lifelines_child(data: str, repeat: str, cox_max: str) -> None:
    """The other interpreter's side: time lifelines on the data, print JSON."""
    import lifelines

    arrays = np.load(data)
    d = pd.DataFrame({c: arrays[c] for c in arrays.files})
    res: dict[str, Any] = lifelines_times(d, int(repeat), int(cox_max))
    res["version"] = f"lifelines {lifelines.__version__}, pandas {pd.__version__}"
    print(json.dumps(res))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--times", choices=("days", "continuous", "both"), default="days")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-r", action="store_true")
    p.add_argument("--no-lifelines", action="store_true")
    p.add_argument("--lifelines-cox-max", type=int, default=1_000_000)
    p.add_argument("--cold", type=int, default=0, metavar="N")
    p.add_argument("--lifelines-python", metavar="PYTHON")
    p.add_argument("--lifelines-child", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--child", nargs=2, metavar=("ANALYSIS", "DATA"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    if args.lifelines_child:
        lifelines_child(*args.lifelines_child)
        return
    kinds = ("days", "continuous") if args.times == "both" else (args.times,)
    for kind in kinds:
        table(args, kind)
    if args.cold:
        for kind in kinds:
            cold_table(args.cold, kind)


def table(args: argparse.Namespace, kind: str) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    use_r = not args.no_r and shutil.which("Rscript") is not None
    print(
        f"# machine: {platform.machine()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, pandas {pd.__version__}; times: {kind}; "
        f"best of {args.repeat}; load average {load_average()}"
    )
    header = (
        f"{'n':>9} {'analysis':<8} {'tacepath':>9} {'tp cpu':>9} {'R':>9} {'lifelines':>9} "
        f"{'R/tp':>7} {'ll/tp':>7} {'tp/sort':>8} {'cpu/sort':>8}"
    )
    print(header)
    for n in sizes:
        d = make_data(n, kind)
        tp, cpu = tacepath_times(d, args.repeat)
        r = r_times(d, args.repeat) if use_r else {}
        ll = lifelines_for(args, d)
        for key in ("km", "logrank", "cox"):
            if key not in tp:
                continue
            t = tp[key]
            rv, lv = r.get(key), ll.get(key)

            def fmt(v: float | None) -> str:
                return f"{v:9.4f}" if v is not None else f"{'-':>9}"

            def ratio(v: float | None, base: float = t) -> str:
                return f"{v / base:7.1f}" if v is not None and base > 0 else f"{'-':>7}"

            print(
                f"{n:>9} {key:<8} {fmt(t)} {fmt(cpu[key])} {fmt(rv)} {fmt(lv)} {ratio(rv)} "
                f"{ratio(lv)} {t / tp['sort']:8.2f} {cpu[key] / cpu['sort']:8.2f}"
            )
        print(f"#{'':>8} sort     {tp['sort']:9.4f} {cpu['sort']:9.4f}")
        sys.stdout.flush()
    if use_r:
        print(f"# R survival {r.get('version', '?')}; load average {load_average()}")
    if ll:
        print(f"# {ll.get('version', 'lifelines in this process')}")


def lifelines_for(args: argparse.Namespace, d: pd.DataFrame) -> dict[str, Any]:
    if args.no_lifelines:
        return {}
    if args.lifelines_python:
        return lifelines_elsewhere(args.lifelines_python, d, args.repeat, args.lifelines_cox_max)
    return dict(lifelines_times(d, args.repeat, args.lifelines_cox_max))


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_during(fn: Callable[[], Any]) -> tuple[float, int]:
    """Seconds of ``fn()`` and the peak resident memory above the level before it."""
    base = _rss()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.001)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    done.set()
    watcher.join()
    return seconds, max(peak[0], _rss()) - base


def child(analysis: str, data: str) -> None:
    """One fresh process: import, first call, second call (see ``--cold``)."""
    arrays = np.load(data)
    d = pd.DataFrame({c: arrays[c] for c in COLUMNS[analysis]})
    t0 = time.perf_counter()
    # the package loads its parts on first use: import the three functions themselves
    from tacepath.survival import cox_ph, kaplan_meier, logrank_test  # noqa: F401

    imported = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_tacepath(analysis, d)
    first = time.perf_counter() - t0
    warm, extra = _peak_during(lambda: run_tacepath(analysis, d))
    input_bytes = sum(d[c].to_numpy().nbytes for c in COLUMNS[analysis])
    print(
        json.dumps(
            {"import": imported, "first": first, "warm": warm, "extra": extra,
             "input": input_bytes}
        )
    )  # fmt: skip


def cold_table(n: int, kind: str) -> None:
    d = make_data(n, kind)
    print(f"# fresh processes, {n} rows, times: {kind} (seconds; memory in MB)")
    print(
        f"{'analysis':<8} {'import':>7} {'1st, no cache':>13} {'1st, cache':>10} "
        f"{'warm':>7} {'sort':>7} {'warm/sort':>9} {'peak+':>7} {'input':>7} {'ratio':>6}"
    )
    sort = best_of(lambda: np.sort(d["time"].to_numpy()), 5)
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "d.npz"
        np.savez(npz, **{c: d[c].to_numpy() for c in d.columns})
        for analysis in COLUMNS:
            cache = Path(tmp) / f"cache-{analysis}"
            runs = []
            for _ in range(2):  # empty cache, then the cache that run wrote
                env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
                out = subprocess.run(
                    [sys.executable, __file__, "--child", analysis, str(npz)],
                    check=True,
                    capture_output=True,
                    text=True,
                    env=env,
                ).stdout
                runs.append(json.loads(out.strip().splitlines()[-1]))
            cold, cached = runs
            mb = 1024 * 1024
            print(
                f"{analysis:<8} {cached['import']:7.2f} {cold['first']:13.2f} "
                f"{cached['first']:10.3f} {cached['warm']:7.3f} {sort:7.3f} "
                f"{cached['warm'] / sort:9.2f} {cached['extra'] / mb:7.0f} "
                f"{cached['input'] / mb:7.0f} {cached['extra'] / cached['input']:6.1f}"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
