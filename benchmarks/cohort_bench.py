"""Benchmark: vectorised cohort assessment vs the per-patient path.

Generates a synthetic registry extract (plausible random values, seeded), assesses it with
``assess_cohort`` and times the per-patient path on a sample, then prints patients per second
and the ratio. Usage: ``python benchmarks/cohort_bench.py [N] [PER_PATIENT_SAMPLE]``.
"""

from __future__ import annotations

import platform
import sys
import time

import numpy as np
import pandas as pd

from tacepath.clinical.assessment import assess
from tacepath.clinical.cohort import assess_cohort
from tacepath.domain.patient import parse_patient


def synthetic_cohort(n: int, seed: int = 1) -> pd.DataFrame:
    """A synthetic cohort in the cohort CSV format (not real patients)."""
    rng = np.random.default_rng(seed)
    n_tum = rng.integers(1, 6, n)
    sizes = [";".join(str(int(s)) for s in rng.integers(8, 120, k)) for k in n_tum]
    si = rng.random(n) < 0.5
    bili = np.round(rng.lognormal(0.1, 0.5, n), 2)
    alb = np.round(rng.normal(3.6, 0.5, n).clip(1.5, 5.5), 2)
    return pd.DataFrame(
        {
            "id": [f"S{i:06d}" for i in range(n)],
            "sex": rng.choice(["male", "female"], n, p=[0.8, 0.2]),
            "age_years": rng.integers(30, 90, n),
            "ecog": rng.choice([0, 1, 2, 3], n, p=[0.6, 0.3, 0.07, 0.03]),
            "bilirubin": np.where(si, np.round(bili * 17.1, 1), bili),
            "bilirubin_unit": np.where(si, "µmol/L", "mg/dL"),
            "albumin": np.where(si, np.round(alb * 10, 1), alb),
            "albumin_unit": np.where(si, "g/L", "g/dL"),
            "inr": np.round(rng.normal(1.15, 0.15, n).clip(0.8, 3), 2),
            "creatinine": np.round(rng.lognormal(0, 0.3, n), 2),
            "creatinine_unit": "mg/dL",
            "sodium": rng.integers(125, 145, n),
            "sodium_unit": "mmol/L",
            "afp": np.round(rng.lognormal(3, 2, n).clip(0, 1e6), 1),
            "afp_unit": "ng/mL",
            "dialysis_twice_past_week": rng.random(n) < 0.01,
            "ascites": rng.choice(["none", "mild", "moderate-severe"], n, p=[0.85, 0.12, 0.03]),
            "encephalopathy": rng.choice(["none", "grade-1-2"], n, p=[0.95, 0.05]),
            "tumour_diameters_mm": sizes,
            "macrovascular_invasion": rng.random(n) < 0.1,
            "extrahepatic_spread": rng.random(n) < 0.05,
        }
    )


def _as_patient(row: pd.Series) -> dict[str, object]:
    labs = {}
    for a in ("bilirubin", "albumin", "creatinine", "sodium", "afp"):
        labs[a] = {"value": float(row[a]), "unit": str(row[f"{a}_unit"])}
    labs["inr"] = {"value": float(row["inr"])}
    return {
        "id": row["id"],
        "sex": row["sex"],
        "age_years": int(row["age_years"]),
        "ecog": int(row["ecog"]),
        "labs": labs,
        "dialysis_twice_past_week": bool(row["dialysis_twice_past_week"]),
        "ascites": row["ascites"],
        "encephalopathy": row["encephalopathy"],
        "tumours": [{"diameter_mm": float(s)} for s in str(row["tumour_diameters_mm"]).split(";")],
        "macrovascular_invasion": bool(row["macrovascular_invasion"]),
        "extrahepatic_spread": bool(row["extrahepatic_spread"]),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    frame = synthetic_cohort(n)
    t0 = time.perf_counter()
    table = assess_cohort(frame)
    t_cohort = time.perf_counter() - t0
    rows = [_as_patient(r) for _, r in frame.head(sample).iterrows()]
    t0 = time.perf_counter()
    for raw in rows:
        assess(parse_patient(raw))
    t_each = (time.perf_counter() - t0) / sample
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, "
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(
        f"cohort path:      {n:>8} patients in {t_cohort:7.3f} s "
        f"({n / t_cohort:,.0f} patients/s); {table['bclc_stage'].notna().sum()} staged"
    )
    print(
        f"per-patient path: {sample:>8} patients, {t_each * 1e3:7.3f} ms each "
        f"({1 / t_each:,.0f} patients/s; {n} would take {t_each * n:.1f} s)"
    )
    print(f"ratio: cohort path is {t_each * n / t_cohort:.0f}× faster")


if __name__ == "__main__":
    main()
