"""Interim monitoring: boundaries at the observed information equal R rpact, and the plan
says continue or stop.

The reference is ``tests/fixtures/r/out/monitoring.json``, written by
``tests/fixtures/r/monitoring.R`` (``getDesignGroupSequential`` with the observed information
rates) on the synthetic TACTICS-like cohort (SYNTHETIC — not trial data). The planned event
counts are illustrative inputs, not any trial's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import norm

from tacepath.adam.model import AnalysisData
from tacepath.analysis import run_analysis
from tacepath.analysis.sap import Sap, parse_sap
from tacepath.design.monitoring import interim_boundaries
from tacepath.errors import InputError, InputErrors
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
R = json.loads((ROOT / "tests" / "fixtures" / "r" / "out" / "monitoring.json").read_text())
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"
RTOL = 1e-6
CASES = {c["name"]: c for c in R["cases"]}


def _data() -> AnalysisData:
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    adtte, s2 = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")
    return AnalysisData(adsl=adsl, adtte=adtte, sources=(s1, s2))


def _plan(monitoring: dict[str, Any], **top: Any) -> Sap:
    raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
    raw["subgroups"] = None
    raw["monitoring"] = monitoring
    raw.update(top)
    return parse_sap({k: v for k, v in raw.items() if v is not None})


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_boundaries_and_decision_equal_rpact(name: str) -> None:
    case = CASES[name]
    p = case["plan"]
    plan = _plan(
        {
            key: p[key]
            for key in ("endpoint", "spending", "planned_events", "previous_events", "final")
        },
        alpha=p["alpha"],
        sides=p["sides"],
    )
    got = run_analysis(plan, _data()).to_dict()["monitoring"]
    looks = got["looks"]
    assert [lk["events"] for lk in looks] == case["events"]
    for key, r_key in (
        ("information_rate", "information_rates"),
        ("critical_value", "critical_values"),
        ("nominal_alpha", "nominal_alpha"),
        ("alpha_spent", "alpha_spent"),
    ):
        assert [lk[key] for lk in looks] == pytest.approx(case[r_key], rel=RTOL), key
    assert got["z"] == pytest.approx(case["z"], rel=RTOL)
    stop = case["crossed"]
    if p["final"]:
        assert got["decision"] == ("reject H0" if stop else "do not reject H0")
    else:
        assert got["decision"] == ("stop for efficacy" if stop else "continue")
    assert f"{case['critical_values'][-1]:.3f}" in got["reason"]


def test_both_sides_of_the_boundary() -> None:
    """One final look spends all of alpha: c = Φ⁻¹(1 − α). With α just above Φ(−z) the
    boundary falls just below z (reject), just below Φ(−z) just above it (do not reject)."""
    z = CASES["os_interim_of"]["z"]
    p_z = float(norm.sf(z))
    monitor = {"endpoint": "OS", "spending": "pocock", "planned_events": 500, "final": True}
    above = run_analysis(_plan(monitor, alpha=p_z * (1 + 1e-6)), _data()).monitoring
    below = run_analysis(_plan(monitor, alpha=p_z * (1 - 1e-6)), _data()).monitoring
    assert above is not None
    assert below is not None
    assert above.looks[-1].information_rate == 1.0
    assert above.looks[-1].critical_value < z < below.looks[-1].critical_value
    assert above.decision == "reject H0"
    assert below.decision == "do not reject H0"


def test_hostile_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="increasing"):
        interim_boundaries("pocock", 0.05, [50, 40], 100)
    with pytest.raises(InputError, match="below the planned"):
        interim_boundaries("pocock", 0.05, [120, 130], 100)
    with pytest.raises(InputError, match="obrien-fleming"):
        interim_boundaries("haybittle", 0.05, [50], 100)
    with pytest.raises(InputError, match="1 to 20"):
        interim_boundaries("pocock", 0.05, list(range(1, 23)), 100)
    with pytest.raises(InputErrors, match="log-rank"):
        _plan(
            {"endpoint": "OS", "spending": "pocock", "planned_events": 200},
            endpoints=[
                {"paramcd": "TACEPFS", "label": "PFS"},
                {"paramcd": "OS", "label": "OS", "test": "maxcombo"},
            ],
        )
    with pytest.raises(InputErrors, match="increasing"):
        _plan({"endpoint": "OS", "spending": "pocock", "planned_events": 200,
               "previous_events": [50, 50]})  # fmt: skip


def test_report_shows_the_boundaries_and_the_decision(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tacepath.report.trial_report import write_trial_report

    case = CASES["os_interim_of"]
    plan = _plan(
        {
            "endpoint": "OS",
            "spending": "obrien-fleming",
            "planned_events": 200,
            "previous_events": [80],
        }
    )
    files = write_trial_report(run_analysis(plan, _data()), tmp_path, pdf=False)
    assert (tmp_path / "figures" / "interim.png").stat().st_size > 5_000
    html = files.html.read_text(encoding="utf-8")
    assert "Interim monitoring: OS (obrien-fleming spending, 200 planned events)" in html
    for c in case["critical_values"]:
        assert f"{c:.4f}" in html
    assert ">continue</span>" in html
