"""Separate strata for the test and the Cox model, and the stratified RMST, equal R survival.

The reference is ``tests/fixtures/r/out/analysis_strata.json``, written by
``tests/fixtures/r/analysis_strata.R`` on the synthetic TACTICS-like cohort (SYNTHETIC — not
trial data): test strata MILANGR and PTACEGR, model strata PTACEGR, RMST to 48 months per
stratum and arm from ``survfit``'s ``rmean``, combined with stratum-size weights.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tacepath.adam.model import AnalysisData
from tacepath.analysis import run_analysis
from tacepath.analysis.sap import Sap, parse_sap
from tacepath.errors import InputErrors
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
R_OUT = json.loads((ROOT / "tests" / "fixtures" / "r" / "out" / "analysis_strata.json").read_text())
R_BASE = json.loads((ROOT / "tests" / "fixtures" / "r" / "out" / "analysis.json").read_text())
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"
RTOL = 1e-6


def _data() -> AnalysisData:
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    adtte, s2 = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")
    return AnalysisData(adsl=adsl, adtte=adtte, sources=(s1, s2))


def _plan(**top: Any) -> Sap:
    raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
    raw["subgroups"] = None
    for e in raw["endpoints"]:
        e["rmst_stratified"] = True
    raw.update(top)
    return parse_sap({k: v for k, v in raw.items() if v is not None})


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    out: dict[str, Any] = run_analysis(_plan(model_strata=["PTACEGR"]), _data()).to_dict()
    return out


@pytest.mark.parametrize("code", ["TACEPFS", "OS"])
def test_test_and_model_strata_apart(result: dict[str, Any], code: str) -> None:
    got, want = result["endpoints"][code], R_OUT["endpoints"][code]
    assert got["strata"] == ["MILANGR", "PTACEGR"]
    assert got["model_strata"] == ["PTACEGR"]
    assert got["logrank_chisq"] == pytest.approx(want["logrank_chisq"], rel=RTOL)
    assert got["logrank_chisq"] == pytest.approx(
        R_BASE["endpoints"][code]["logrank_chisq"], rel=RTOL
    )  # the test is unchanged; the model is not
    for key in ("hr", "hr_lower", "hr_upper", "cox_coef", "cox_p"):
        assert got[key] == pytest.approx(want[key], rel=RTOL), key
    assert got["hr"] != pytest.approx(R_BASE["endpoints"][code]["hr"], rel=1e-3)
    assert result["test_strata"] == ["MILANGR", "PTACEGR"]
    assert result["model_strata"] == ["PTACEGR"]


@pytest.mark.parametrize("code", ["TACEPFS", "OS"])
def test_stratified_rmst_equals_r(result: dict[str, Any], code: str) -> None:
    got = result["endpoints"][code]["rmst"]["stratified"]
    want = R_OUT["endpoints"][code]["rmst_stratified"]
    assert got["note"] == ""
    assert [r["stratum"] for r in got["by_stratum"]] == [r["stratum"] for r in want["by_stratum"]]
    for g, w in zip(got["by_stratum"], want["by_stratum"], strict=True):
        assert g["n"] == w["n"]
        for key in ("weight", "experimental", "experimental_se", "reference", "reference_se"):
            assert g[key] == pytest.approx(w[key], rel=RTOL), (g["stratum"], key)
    for key in ("estimate", "lower", "upper", "se", "p"):
        assert got["difference"][key] == pytest.approx(want["difference"][key], rel=RTOL), key


def test_default_strata_serve_both_and_plan_checks() -> None:
    plan = _plan()
    assert plan.strata_for_test() == plan.strata_for_model() == ("MILANGR", "PTACEGR")
    with pytest.raises(InputErrors, match="rmst_tau and test strata"):
        _plan(test_strata=[])
    with pytest.raises(InputErrors, match="each column once"):
        _plan(model_strata=["PTACEGR", "PTACEGR"])
    with pytest.raises(InputErrors, match="column names"):
        _plan(test_strata=["MILANGR; DROP"])


def test_a_stratum_without_an_arm_is_not_estimable() -> None:
    data = _data()
    adsl = data.adsl.copy()
    rows = (adsl["MILANGR"] == "WITHIN") & (adsl["PTACEGR"] == "0")
    adsl.loc[rows, "TRT01P"] = "TACE alone"
    plan = _plan(model_strata=["PTACEGR"])
    res = run_analysis(plan, AnalysisData(adsl=adsl, adtte=data.adtte, sources=data.sources))
    got = res.to_dict()["endpoints"]["OS"]["rmst"]["stratified"]
    assert got["difference"]["estimate"] is None
    assert "WITHIN / 0" in got["note"]


def test_report_shows_the_stratified_rmst_and_the_model_strata(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tacepath.report.trial_report import write_trial_report

    res = run_analysis(_plan(model_strata=["PTACEGR"]), _data())
    html = write_trial_report(res, tmp_path, pdf=False).html.read_text(encoding="utf-8")
    want = R_OUT["endpoints"]["OS"]["rmst_stratified"]["difference"]
    assert "stratified by MILANGR, PTACEGR (weights: stratum size / N)" in html
    assert f"{want['estimate']:.2f} ({want['lower']:.2f}–{want['upper']:.2f})" in html
    assert "Stratified Cox hazard ratio (PTACEGR)" in html
