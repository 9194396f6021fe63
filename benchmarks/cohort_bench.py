"""Benchmark of cohort assessment: the engine in process, and ``tacepath assess`` on files.

``engine [N] [SAMPLE]``: a synthetic registry extract assessed in process by
``assess_cohort``, next to the per-patient path timed on a sample (patients per second).

``files``: synthetic cohort files of 10⁵ and 10⁶ patients (generated once into ``--dir``, by
default in the system's temporary folder, and reused; CSV, Parquet, and JSON Lines up to
``--jsonl-max`` patients) assessed by ``tacepath assess FILE --out out.csv`` and
``--out out.parquet``, each as a whole process:
wall time, CPU time and peak resident memory (``ru_maxrss`` of the process, read by a small
parent process). ``--pythonpath SRC`` runs the tacepath found in SRC instead (e.g. an older
checkout, to compare with the former in-memory path).

Usage: ``python benchmarks/cohort_bench.py engine 100000 2000``,
``python benchmarks/cohort_bench.py files --sizes 100000 1000000 --dir /tmp/cohorts``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tacepath.clinical.assessment import assess
from tacepath.clinical.cohort import FLAGS, UNIT_LABS, assess_cohort
from tacepath.domain.patient import parse_patient


def _units(rng: np.random.Generator, n: int, si_share: float, k: float, v: Any) -> Any:
    """Values given in the conventional unit, or in the SI unit (× ``k``) for a share of rows."""
    si = rng.random(n) < si_share
    return si, np.where(si, np.round(v * k, 1), v)


def synthetic_cohort(n: int, seed: int = 1) -> pd.DataFrame:
    """A synthetic cohort in the cohort file format, every column filled (not real patients).

    Plausible HCC values: half of bilirubin and albumin and a third of creatinine in SI units,
    AFP in ng/mL, µg/L or IU/mL (some with the assay's factor), 2 % of each lab missing, INR
    missing for 5 % (their prothrombin time given instead), 1–5 tumours each.
    """
    rng = np.random.default_rng(seed)
    n_tum = rng.integers(1, 6, n)
    parts = rng.integers(8, 120, (n, 5)).astype(str)
    tumours = parts[:, 0]
    for j in range(1, 5):
        tumours = np.where(n_tum > j, np.char.add(np.char.add(tumours, ";"), parts[:, j]), tumours)
    bili = np.round(rng.lognormal(0.1, 0.5, n), 2)
    alb = np.round(rng.normal(3.6, 0.5, n).clip(1.5, 5.5), 2)
    creat = np.round(rng.lognormal(0, 0.3, n), 2)
    bili_si, bili_v = _units(rng, n, 0.5, 17.1, bili)
    alb_si, alb_v = _units(rng, n, 0.5, 10.0, alb)
    creat_si, creat_v = _units(rng, n, 0.33, 88.4, creat)
    afp_unit = rng.choice(["ng/mL", "µg/L", "IU/mL"], n, p=[0.8, 0.1, 0.1])
    afp = np.round(rng.lognormal(3, 2, n).clip(0.5, 1e6), 1)
    iu = afp_unit == "IU/mL"
    no_inr = rng.random(n) < 0.05
    cols: dict[str, Any] = {
        "id": [f"S{i:07d}" for i in range(n)],
        "sex": rng.choice(["male", "female"], n, p=[0.8, 0.2]),
        "age_years": rng.integers(30, 90, n),
        "ecog": rng.choice([0, 1, 2, 3], n, p=[0.6, 0.3, 0.07, 0.03]),
        "bilirubin": bili_v,
        "bilirubin_unit": np.where(bili_si, "µmol/L", "mg/dL"),
        "albumin": alb_v,
        "albumin_unit": np.where(alb_si, "g/L", "g/dL"),
        "creatinine": creat_v,
        "creatinine_unit": np.where(creat_si, "µmol/L", "mg/dL"),
        "sodium": rng.integers(125, 146, n),
        "sodium_unit": rng.choice(["mmol/L", "mEq/L"], n, p=[0.9, 0.1]),
        "afp": np.where(iu, np.round(afp / 1.21, 1), afp),
        "afp_unit": afp_unit,
        "afp_ng_per_iu": np.where(iu & (rng.random(n) < 0.5), 1.21, np.nan),
        "ast": np.round(rng.lognormal(3.9, 0.5, n), 0),
        "ast_unit": "U/L",
        "alt": np.round(rng.lognormal(3.6, 0.6, n), 0),
        "alt_unit": "U/L",
        "platelets": np.round(rng.normal(150, 60, n).clip(20, 500), 0),
        "platelets_unit": "10^9/L",
        "inr": np.where(no_inr, np.nan, np.round(rng.normal(1.15, 0.15, n).clip(0.8, 3), 2)),
        "pt_prolongation_s": np.where(no_inr, np.round(rng.gamma(2.0, 1.5, n), 1), np.nan),
        "dialysis_twice_past_week": rng.random(n) < 0.01,
        "cvvhd_24h_past_week": rng.random(n) < 0.005,
        "cholestatic_disease": rng.random(n) < 0.03,
        "macrovascular_invasion": rng.random(n) < 0.1,
        "extrahepatic_spread": rng.random(n) < 0.05,
        "end_stage_liver_function": rng.random(n) < 0.02,
        "ascites": rng.choice(["none", "mild", "moderate-severe"], n, p=[0.85, 0.12, 0.03]),
        "encephalopathy": rng.choice(["none", "grade-1-2", "grade-3-4"], n, p=[0.94, 0.05, 0.01]),
        "tumour_diameters_mm": tumours,
    }
    frame = pd.DataFrame(cols)
    for lab in UNIT_LABS:
        missing = rng.random(n) < 0.02
        frame[lab] = frame[lab].mask(missing)
        frame[f"{lab}_unit"] = frame[f"{lab}_unit"].mask(missing)
    return frame


def as_patient(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the synthetic cohort as a patient object (the JSON contract)."""
    labs: dict[str, Any] = {}
    for a in UNIT_LABS:
        if pd.notna(row[a]):
            labs[a] = {"value": float(row[a]), "unit": str(row[f"{a}_unit"])}
    if "afp" in labs and pd.notna(row["afp_ng_per_iu"]):
        labs["afp"]["ng_per_iu"] = float(row["afp_ng_per_iu"])
    if pd.notna(row["inr"]):
        labs["inr"] = {"value": float(row["inr"])}
    out: dict[str, Any] = {
        "id": row["id"],
        "sex": row["sex"],
        "age_years": int(row["age_years"]),
        "ecog": int(row["ecog"]),
        "labs": labs,
        **{f: bool(row[f]) for f in FLAGS},
        "ascites": row["ascites"],
        "encephalopathy": row["encephalopathy"],
        "tumours": [{"diameter_mm": float(s)} for s in str(row["tumour_diameters_mm"]).split(";")],
    }
    if pd.notna(row["pt_prolongation_s"]):
        out["pt_prolongation_s"] = float(row["pt_prolongation_s"])
    return out


def _machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()} {platform.processor() or ''}, "
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}"
    )


# --- engine ---------------------------------------------------------------------------------


def engine(n: int, sample: int) -> None:
    frame = synthetic_cohort(n)
    t0 = time.perf_counter()
    table = assess_cohort(frame)
    t_cohort = time.perf_counter() - t0
    rows = [as_patient(r) for r in frame.head(sample).to_dict("records")]
    t0 = time.perf_counter()
    for raw in rows:
        assess(parse_patient(raw))
    t_each = (time.perf_counter() - t0) / sample
    print(f"machine: {_machine()}")
    print(
        f"cohort path:      {n:>8} patients in {t_cohort:7.3f} s "
        f"({n / t_cohort:,.0f} patients/s); {table['bclc_stage'].notna().sum()} staged"
    )
    print(
        f"per-patient path: {sample:>8} patients, {t_each * 1e3:7.3f} ms each "
        f"({1 / t_each:,.0f} patients/s; {n} would take {t_each * n:.1f} s)"
    )
    print(f"ratio: cohort path is {t_each * n / t_cohort:.0f}× faster")


# --- files ----------------------------------------------------------------------------------

# Runs the command given as arguments and prints its wall time, CPU time and peak RSS.
_MEASURE = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "max_rss_kb": ru.ru_maxrss}))
"""


def ensure_files(directory: Path, n: int, jsonl_max: int) -> dict[str, Path]:
    """The cohort of ``n`` patients (seed 1) as CSV and Parquet (and JSONL), generated once."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {fmt: directory / f"cohort_{n}.{fmt}" for fmt in ("csv", "parquet", "jsonl")}
    if not paths["csv"].exists() or not paths["parquet"].exists():
        frame = synthetic_cohort(n)
        frame.to_csv(paths["csv"], index=False)
        frame.to_parquet(paths["parquet"], index=False)
    if n > jsonl_max:
        del paths["jsonl"]
    elif not paths["jsonl"].exists():
        frame = pd.read_parquet(paths["parquet"])
        with paths["jsonl"].open("w", encoding="utf-8") as fh:
            for row in frame.to_dict("records"):
                fh.write(json.dumps(as_patient(row), ensure_ascii=False) + "\n")
    return paths


def measure(args: list[str], pythonpath: str | None) -> dict[str, Any]:
    """One ``tacepath`` process: wall and CPU seconds, peak RSS in kB."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = [sys.executable, "-c", "from tacepath.cli import main; main()", *args]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"tacepath {' '.join(args)} failed")
    return result


def files(
    sizes: list[int],
    directory: Path,
    repeat: int,
    jsonl_max: int,
    inputs: list[str],
    outputs: list[str],
    pythonpath: str | None,
) -> None:
    print(f"machine: {_machine()}; tacepath from {pythonpath or 'this environment'}")
    print("| input | output | patients | wall | CPU | peak RSS | patients / s (wall) |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        for fmt, path in ensure_files(directory, n, jsonl_max).items():
            if fmt not in inputs:
                continue
            for out_fmt in outputs:
                out = directory / f"scores_{n}_{fmt}.{out_fmt}"
                args = ["assess", str(path), "--out", str(out)]
                runs = [measure(args, pythonpath) for _ in range(repeat)]
                best = min(runs, key=lambda r: r["wall_s"])
                rss = max(r["max_rss_kb"] for r in runs) / 1024
                print(
                    f"| {fmt} | {out_fmt} | {n:,} | {best['wall_s']:.1f} s | "
                    f"{best['cpu_s']:.1f} s | {rss:,.0f} MB | {n / best['wall_s']:,.0f} |",
                    flush=True,
                )
                out.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    eng = sub.add_parser("engine", help="in-process engine vs per-patient path")
    eng.add_argument("n", nargs="?", type=int, default=100_000)
    eng.add_argument("sample", nargs="?", type=int, default=2_000)
    fil = sub.add_parser("files", help="tacepath assess on cohort files, whole process")
    fil.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    fil.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "tacepath_cohort_bench"
    )
    fil.add_argument("--repeat", type=int, default=1, help="runs per case (best wall time)")
    fil.add_argument("--jsonl-max", type=int, default=100_000, help="largest JSONL cohort")
    fil.add_argument("--inputs", nargs="+", default=["csv", "parquet", "jsonl"])
    fil.add_argument("--outputs", nargs="+", default=["csv", "parquet"])
    fil.add_argument("--pythonpath", help="run the tacepath in this source folder instead")
    args = parser.parse_args()
    if args.mode == "engine":
        engine(args.n, args.sample)
    else:
        files(
            args.sizes,
            args.dir,
            args.repeat,
            args.jsonl_max,
            args.inputs,
            args.outputs,
            args.pythonpath,
        )


if __name__ == "__main__":
    main()
