"""Benchmark of survival on Dask (``tacepath.survival.distributed``) against one process.

A synthetic registry (whole-day times up to about 8 years, three arms, four sites as
strata, age and a 0/1 covariate, about 70 % events) as a pandas frame and as a Dask
DataFrame on a local cluster of ``--workers`` worker processes (one thread each, as
``tacepath survival ... --scheduler local``). Reported, in seconds of wall time:

* ``cluster_start``: starting the local cluster;
* ``overhead``: Kaplan–Meier by arm and Cox (two covariates, strata) of ``--small`` rows in
  1 to 64 partitions: the slope over P is the cost per partition of one reduction (KM is one
  reduction, Cox several: the structure, then one per Newton step);
* ``large``: ``--rows`` rows in 1, 4 and 8 partitions: KM by arm, stratified log-rank, Cox
  (Efron, strata), each against the single-process engine on the same rows, with the
  largest relative difference of the JSON numbers (the likelihood-ratio statistic, a
  difference of two log-likelihoods, relative to the log-likelihood).

Usage: ``python benchmarks/dask_survival_bench.py --rows 1000000 --small 2000``. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from typing import Any

import numpy as np
import pandas as pd


def registry(n: int, seed: int = 3) -> pd.DataFrame:
    """A synthetic registry extract (no real patient): see the module docstring."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(["A", "B", "C"], n)
    rate = np.where(arm == "A", 1 / 700, np.where(arm == "B", 1 / 900, 1 / 1100))
    t = np.ceil(rng.exponential(1 / rate))
    return pd.DataFrame(
        {
            "days": np.minimum(t, 3000.0),
            "death": ((rng.uniform(size=n) < 0.75) & (t <= 3000)).astype(int),
            "arm": arm,
            "site": rng.integers(1, 5, n),
            "age": rng.normal(63, 9, n).round(1),
            "male": rng.integers(0, 2, n),
        }
    )


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return round(time.perf_counter() - t0, 3), out


def _largest_difference(a: Any, b: Any) -> float:
    """The largest relative difference of the numbers of two JSON trees, but for the
    likelihood-ratio test: a difference of two log-likelihoods, it is compared relative
    to them (``lr_diff_over_loglik``)."""
    if isinstance(a, dict):
        keys = [k for k in a if k != "lr"]
        return max((_largest_difference(a[k], b[k]) for k in keys), default=0.0)
    if isinstance(a, list):
        return max((_largest_difference(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    if isinstance(a, float) and isinstance(b, float) and math.isfinite(a):
        return abs(a - b) / max(abs(a), 1e-300) if a != b else 0.0
    return 0.0


def _analyses(dist: Any, data: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {"time": "days", "event": "death"}
    return {
        "km": lambda: dist.kaplan_meier(data, group="arm", **kw),
        "logrank": lambda: dist.logrank_test(data, group="arm", strata="site", **kw),
        "cox": lambda: dist.cox_ph(data, covariates=["age", "male"], strata="site", **kw),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    import tacepath.survival as single
    from tacepath.survival import distributed

    out: dict[str, Any] = {"rows": args.rows, "small": args.small, "workers": args.workers}
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        out["cluster_start"] = round(time.perf_counter() - t0, 2)
        small = registry(args.small)
        overhead = {}
        for p in (1, 4, 16, 64):
            ddf = client.persist(dd.from_pandas(small, npartitions=p, sort=False))
            fns = _analyses(distributed, ddf)
            km, _ = _timed(fns["km"])
            cox, fit = _timed(fns["cox"])
            overhead[p] = {"km": km, "cox": cox, "cox_iterations": fit.iterations}
        out["overhead"] = overhead
        frame = registry(args.rows)
        fns = _analyses(single, frame)
        want = {}
        for name, fn in fns.items():
            wall, res = _timed(fn)
            want[name] = res.to_dict()
            out.setdefault("single_process", {})[name] = wall
        large: dict[int, Any] = {}
        for p in (1, 4, 8):
            ddf = client.persist(dd.from_pandas(frame, npartitions=p, sort=False))
            row: dict[str, Any] = {}
            for name, fn in _analyses(distributed, ddf).items():
                wall, res = _timed(fn)
                row[name] = wall
                got = res.to_dict()
                row[f"{name}_max_rel_diff"] = _largest_difference(want[name], got)
                if name == "cox":
                    lr = abs(want[name]["lr"]["chisq"] - got["lr"]["chisq"])
                    row["lr_diff_over_loglik"] = lr / abs(got["loglik"][1])
            large[p] = row
        out["large"] = large
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
