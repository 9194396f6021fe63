"""The public names of tacepath.literature.reconstruct, the digitiser sampler, and a smoke run of
the validation script (benchmarks/reconstruct_validation.py) so that it cannot rot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import tacepath.literature.reconstruct as reconstruct
from tacepath.errors import InputError
from tacepath.literature.reconstruct import digitise_km

ROOT = Path(__file__).resolve().parents[2]


def test_exported_names() -> None:
    assert sorted(reconstruct.__all__) == sorted([
        "CLEANING_RULES", "GUYOT_2012", "PSEUDO_LABEL", "SURVIVAL_NOISE",
        "TIME_NOISE_FRACTION", "AtRiskTable", "CleanedCurve", "CleaningStep", "Constraint",
        "IntervalFit", "PseudoIpdResult", "ReconstructionAccuracy", "ReconstructionResult",
        "check_at_risk", "clean_curve", "digitise_km", "pseudo_ipd_from_summary",
        "reconstruct_ipd",
    ])  # fmt: skip
    for name in reconstruct.__all__:
        assert getattr(reconstruct, name) is not None


def test_digitiser_corners_without_noise() -> None:
    # S drops at 10 (to 0.8) and at 20 (to 0.5); the curve ends at 30.
    points = digitise_km([10, 20, 30], [0.8, 0.5, 0.5], x_max=100, noise_px=0)
    assert points["time"].tolist() == [0, 10, 10, 20, 20, 30]
    assert points["surv"].tolist() == [1.0, 1.0, 0.8, 0.8, 0.5, 0.5]


def test_digitiser_merges_what_a_pixel_cannot_separate() -> None:
    # Two drops 0.01 apart in time fall in one pixel column: one vertical segment.
    points = digitise_km([10.0, 10.01, 30.0], [0.8, 0.6, 0.6], x_max=100, noise_px=0)
    assert points["time"].tolist() == [0, 10, 10, 30]
    assert points["surv"].tolist() == [1.0, 1.0, 0.6, 0.6]


def test_digitiser_noise_is_seeded() -> None:
    a = digitise_km([10, 20, 30], [0.8, 0.5, 0.5], x_max=100, noise_px=1.0, seed=3)
    b = digitise_km([10, 20, 30], [0.8, 0.5, 0.5], x_max=100, noise_px=1.0, seed=3)
    c = digitise_km([10, 20, 30], [0.8, 0.5, 0.5], x_max=100, noise_px=1.0, seed=4)
    assert a.equals(b)
    assert not a.equals(c)
    assert np.abs(a["surv"] - [1.0, 1.0, 0.8, 0.8, 0.5, 0.5]).max() < 0.02


def test_digitiser_refuses_bad_arguments() -> None:
    with pytest.raises(InputError, match="noise_px"):
        digitise_km([1], [0.5], noise_px=-1)
    with pytest.raises(InputError, match="time/surv"):
        digitise_km([1, 2], [0.5], noise_px=0)


def _script() -> ModuleType:
    path = ROOT / "benchmarks" / "reconstruct_validation.py"
    spec = importlib.util.spec_from_file_location("reconstruct_validation", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_validation_script_runs(tmp_path: Path) -> None:
    script = _script()
    raw = script.run(reps=1, noise_px=1.0, seed=1)
    summary = script.summarise(raw)
    assert set(summary["scenario"]) == set(script.SCENARIOS)
    assert set(summary["dataset"]) == {"lung", "veteran", "pbc", "colon"}
    # With the at-risk table and the total events, the lung HR is recovered within 5 %.
    row = summary[(summary["dataset"] == "lung") & (summary["scenario"] == "risk+events")]
    assert float(row["hr_rel_p50"].iloc[0]) < 0.05
    assert "| lung | risk+events |" in script.markdown(summary)
    script.write_examples(tmp_path, seed=2012)
    for sex in ("female", "male"):
        mine = (tmp_path / f"lung_{sex}_curve.csv").read_text(encoding="utf-8")
        shipped = (ROOT / "examples" / "reconstruct" / f"lung_{sex}_curve.csv").read_text(
            encoding="utf-8"
        )
        assert mine == shipped
