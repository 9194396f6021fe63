"""Endpoint derivation throughput: N synthetic timelines -> ADTTE (prints the timing).

Usage: python benchmarks/endpoints_bench.py [N] (default 10 000). The timelines are built from
the example timelines by shifting dates and scaling sizes, so every branch (responses, TACE
failure components, death, censoring) is exercised.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import sys
import time
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


def main(n: int = 10_000) -> None:
    raws = synthetic(n)
    t0 = time.perf_counter()
    timelines = parse_timelines(raws)
    t1 = time.perf_counter()
    df = derive_adtte(timelines, EndpointOptions(assessment_interval_days=56))
    t2 = time.perf_counter()
    print(
        f"{n} timelines: parse+check {t1 - t0:.2f} s, derive {t2 - t1:.2f} s, "
        f"total {t2 - t0:.2f} s ({n / (t2 - t0):,.0f} timelines/s); {len(df)} ADTTE rows"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
