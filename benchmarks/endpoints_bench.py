"""Endpoint derivation throughput: N synthetic timelines -> ADTTE (prints the timing).

Usage: python benchmarks/endpoints_bench.py [N] [--repeat R] [--out FILE.csv|FILE.parquet]
(default N = 10 000, R = 1). The timelines are built from the example timelines by shifting
dates and scaling sizes, so every branch (responses, TACE failure components, death,
censoring) is exercised. Prints, for the best of R runs, parsing and derivation separately:
wall and CPU seconds and timelines per second (the target reads "derive"), with the load
average. ``--out`` writes the ADTTE frame, to compare two versions byte for byte; run an older
version with ``PYTHONPATH=old/src`` and the same interpreter.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import random
import time
from functools import partial
from pathlib import Path
from typing import Any

from tacepath.adam.endpoints import EndpointOptions, derive_adtte
from tacepath.domain.timeline import parse_timelines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "timelines"
_SIZE_KEYS = (
    "longest_mm",
    "perpendicular_mm",
    "viable_longest_mm",
    "viable_perpendicular_mm",
    "short_axis_mm",
)


def _shift(obj: Any, days: int) -> Any:
    if isinstance(obj, dict):
        return {k: _shift(v, days) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shift(v, days) for v in obj]
    if isinstance(obj, str) and len(obj) == 10 and obj[4] == "-" and obj[7] == "-":
        return (dt.date.fromisoformat(obj) + dt.timedelta(days=days)).isoformat()
    return obj


def _scale(raw: dict[str, Any], f: float) -> None:
    for a in raw["assessments"]:
        for les in a["lesions"]:
            for k in _SIZE_KEYS:
                if les.get(k):
                    les[k] = round(les[k] * f, 1)


def synthetic(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    templates = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("P*.json"))]
    out = []
    for i in range(n):
        raw = _shift(copy.deepcopy(templates[i % len(templates)]), rnd.randint(0, 900))
        _scale(raw, rnd.choice((1.0, 1.0, 1.1, 1.2)))
        raw["id"] = f"S{i:05d}"
        out.append(raw)
    return out


def _timed(fn: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main(n: int = 10_000, repeat: int = 1, out: Path | None = None) -> None:
    import tacepath

    raws = synthetic(n)
    o = EndpointOptions(assessment_interval_days=56)
    parse, derive = [], []
    for _ in range(repeat):
        timelines, w, c = _timed(partial(parse_timelines, raws))
        parse.append((w, c))
        df, w, c = _timed(partial(derive_adtte, timelines, o))
        derive.append((w, c))
    (pw, pc), (dw, dc) = min(parse), min(derive)
    print(f"tacepath from {Path(tacepath.__file__).parent}; load average {os.getloadavg()}")
    print(
        f"{n} timelines, {len(df)} ADTTE rows (best of {repeat}): "
        f"parse+check {pw:.2f} s wall, {pc:.2f} s CPU ({n / pw:,.0f} timelines/s); "
        f"derive {dw:.2f} s wall, {dc:.2f} s CPU ({n / dw:,.0f} timelines/s); "
        f"total {pw + dw:.2f} s ({n / (pw + dw):,.0f} timelines/s)"
    )
    if out is not None:
        if out.suffix == ".parquet":
            df.to_parquet(out, index=False)
        else:
            df.to_csv(out, index=False)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000, help="timelines (10 000)")
    ap.add_argument("--repeat", type=int, default=1, help="runs; the best is printed")
    ap.add_argument("--out", type=Path, help="write the ADTTE frame (.csv or .parquet)")
    a = ap.parse_args()
    main(a.n, a.repeat, a.out)
