"""Benchmark of the scale-out paths: cohort assessment on Dask and federated Cox rounds.

``cohort``: a synthetic cohort (``benchmarks/cohort_bench.py``'s generator) written as
Parquet and assessed (a) in one process (``assess_cohort_file``) and (b) on a local Dask
cluster of ``--workers`` processes in P partitions (``assess_cohort_partitioned``, cluster
start included). A small cohort in 1 to 64 partitions gives the overhead per partition (the
slope of wall time over P); a larger one gives the throughput with 1 and 2 processes.

``cox``: three simulated sites of ``--rows`` patients, federated Cox with monthly times: wall
time of the site's part and of the centre's part per round, and the rounds to converge.

Usage: ``python benchmarks/scaling_bench.py cohort --small 2000 --large 200000``,
``python benchmarks/scaling_bench.py cox --rows 20000``. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort_bench import synthetic_cohort

from tacepath.interop.cohort_dask import assess_cohort_partitioned
from tacepath.interop.cohort_io import assess_cohort_file


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def cohort(small: int, large: int, parts: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {"small_rows": small, "large_rows": large}
    with tempfile.TemporaryDirectory(prefix="tacepath-scaling-") as tmp:
        folder = Path(tmp)
        for n in (small, large):
            synthetic_cohort(n).to_parquet(folder / f"c{n}.parquet", index=False)
        for n, key in ((small, "small"), (large, "large")):
            src = folder / f"c{n}.parquet"
            single, _ = _timed(
                lambda src=src, n=n: assess_cohort_file(src, folder / f"s{n}.parquet")
            )
            out[f"{key}_single_process_s"] = round(single, 2)
        walls = []
        for p in parts:
            target = folder / f"small-{p}.parquet"
            src = folder / f"c{small}.parquet"
            wall, _ = _timed(
                lambda src=src, target=target, p=p: assess_cohort_partitioned(
                    src, target, partitions=p
                )
            )
            walls.append(round(wall, 2))
        out["small_partitions"] = parts
        out["small_dask_s"] = walls
        slope, intercept = np.polyfit(parts, walls, 1)
        out["overhead_per_partition_s"] = round(float(slope), 3)
        out["fixed_s"] = round(float(intercept), 2)
        src = folder / f"c{large}.parquet"
        for p in (1, 2):
            target = folder / f"large-{p}.parquet"
            wall, _ = _timed(
                lambda src=src, target=target, p=p: assess_cohort_partitioned(
                    src, target, partitions=p
                )
            )
            out[f"large_dask_{p}_processes_s"] = round(wall, 2)
    return out


def cox(rows: int) -> dict[str, Any]:
    from tacepath.survival.federated_cox import CoxSpec, combine, new_state, site_round

    rng = np.random.default_rng(1)
    frames = []
    for _ in range(3):
        age = rng.normal(62, 9, rows)
        arm = rng.integers(0, 2, rows)
        t = np.ceil(rng.exponential(400 * np.exp(-0.02 * (age - 62) + 0.4 * arm)))
        c = np.minimum(rng.uniform(100, 2000, rows).round(), 1460)  # 4 years of follow-up
        frames.append(
            pd.DataFrame({"t": np.minimum(t, c), "e": (t <= c).astype(int), "age": age, "arm": arm})
        )
    spec = CoxSpec(time="t", event="e", covariates=("age", "arm"), time_unit="month", min_count=5)
    state, site_s, centre_s = new_state(spec), [], []
    while not state["done"]:
        t0 = time.perf_counter()
        files = [
            (
                f"s{i}",
                site_round(
                    f,
                    spec,
                    beta=state["beta"],
                    centre=state["centre"],
                    site=f"S{i}",
                    round_no=state["round"],
                ),
            )
            for i, f in enumerate(frames)
        ]
        site_s.append((time.perf_counter() - t0) / 3)
        t0 = time.perf_counter()
        state = combine(state, files)
        centre_s.append(time.perf_counter() - t0)
    size = len(json.dumps(files[0][1]))
    return {
        "rows_per_site": rows,
        "rounds": state["round"],
        "site_round_s": round(float(np.mean(site_s)), 3),
        "centre_round_s": round(float(np.mean(centre_s)), 3),
        "site_file_bytes": size,
        "cells_per_site": len(files[0][1]["cells"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["cohort", "cox"])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    result = cohort(args.small, args.large, args.parts) if args.what == "cohort" else cox(args.rows)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
