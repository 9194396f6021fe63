"""A competing-risks endpoint in the plan equals R cmprsk on the synthetic TACTICS-like data.

The reference is ``tests/fixtures/r/out/analysis_cr.json``, written by
``tests/fixtures/r/analysis_cr.R`` (``cuminc`` stratified by MILANGR and PTACEGR,
``timepoints``, ``crr``). The data (SYNTHETIC — not trial data) are the TACTICS-like ADTTE
with 30% of the TACE-specific PFS events relabelled as death (EVNTDESC "DEATH").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tacepath.adam.model import AnalysisData
from tacepath.analysis import run_analysis
from tacepath.analysis.sap import Sap, parse_sap
from tacepath.errors import InputError, InputErrors
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
R_OUT = json.loads((ROOT / "tests" / "fixtures" / "r" / "out" / "analysis_cr.json").read_text())
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"
RTOL = 1e-6
CR = {"cause": ["UNTACEABLE PROGRESSION"], "competing": ["DEATH"]}


def _data(adtte: pd.DataFrame | None = None) -> AnalysisData:
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    tte, s2 = read_dataset(DATA / "tactics_like_cr_adtte.csv", kind="ADTTE")
    return AnalysisData(adsl=adsl, adtte=tte if adtte is None else adtte, sources=(s1, s2))


def _plan(cr: dict[str, Any] | None = None) -> Sap:
    raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
    raw["subgroups"] = None
    raw["endpoints"][0]["competing_risks"] = CR if cr is None else cr
    return parse_sap({k: v for k, v in raw.items() if v is not None})


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    out: dict[str, Any] = run_analysis(_plan(), _data()).to_dict()
    return out


def test_cumulative_incidence_and_gray_and_fine_gray_equal_cmprsk(result: dict[str, Any]) -> None:
    got = result["endpoints"]["TACEPFS"]["competing_risks"]
    want = R_OUT["endpoints"]["TACEPFS"]
    assert got["events"] == want["events"]
    for arm, rows in want["cif"].items():
        assert [r["time"] for r in got["cif"][arm]] == [r["time"] for r in rows]
        for g, w in zip(got["cif"][arm], rows, strict=True):
            assert g["estimate"] == pytest.approx(w["estimate"], rel=RTOL, abs=1e-12)
            assert g["variance"] == pytest.approx(w["variance"], rel=RTOL, abs=1e-12)
    for key in ("gray_test", "gray_test_competing"):
        assert got[key]["df"] == want[key]["df"]
        assert got[key]["stat"] == pytest.approx(want[key]["stat"], rel=RTOL)
        assert got[key]["p"] == pytest.approx(want[key]["p"], rel=RTOL)
    for key in ("coef", "se", "hr", "hr_lower", "hr_upper", "p"):
        assert got["fine_gray"][key] == pytest.approx(want["fine_gray"][key], rel=RTOL), key


def test_composite_endpoint_keeps_its_analysis(result: dict[str, Any]) -> None:
    pfs = result["endpoints"]["TACEPFS"]
    cr = pfs["competing_risks"]
    events = {a: v["cause"] + v["competing"] for a, v in cr["events"].items()}
    assert pfs["events"] == events  # every composite event is the cause or the competing one
    assert result["endpoints"]["OS"]["competing_risks"] is None


def test_an_event_of_no_listed_kind_is_refused_with_its_row() -> None:
    adtte = _data().adtte.copy()
    rows = (adtte["PARAMCD"] == "TACEPFS") & (adtte["CNSR"] == 0)
    first = adtte.index[rows][0]
    adtte.loc[first, "EVNTDESC"] = "RESECTION"
    with pytest.raises(InputErrors) as err:
        run_analysis(_plan(), _data(adtte))
    text = str(err.value)
    assert adtte.loc[first, "USUBJID"] in text
    assert "RESECTION" in text


def test_plan_refuses_a_kind_listed_twice_and_a_missing_column() -> None:
    with pytest.raises(InputErrors, match="either a cause or competing"):
        _plan({"cause": ["DEATH"], "competing": ["DEATH"]})
    with pytest.raises(InputErrors):
        _plan({"cause": [], "competing": ["DEATH"]})
    with pytest.raises(InputError, match="EVNTKIND"):
        run_analysis(_plan({**CR, "column": "EVNTKIND"}), _data())


def test_report_shows_the_cumulative_incidence_and_the_tests(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tacepath.report.trial_report import write_trial_report

    files = write_trial_report(run_analysis(_plan(), _data()), tmp_path, pdf=False)
    assert (tmp_path / "figures" / "cif_TACEPFS.png").stat().st_size > 10_000
    html = files.html.read_text(encoding="utf-8")
    want = R_OUT["endpoints"]["TACEPFS"]
    assert "Competing risks: untaceable progression with death as competing event" in html
    assert f"{want['fine_gray']['hr']:.3f} ({want['fine_gray']['hr_lower']:.3f}" in html
    assert f"p = {want['gray_test']['p']:.4f} (two-sided)" in html
    assert html.count("Cumulative incidence of") == 1  # one figure: OS has no competing event


def test_extended_example_plan_runs_end_to_end() -> None:
    """examples/tactics-like/sap-extended.yaml: Holm over two endpoints, MaxCombo for PFS,
    death competing with unTACEable progression."""
    from tacepath.analysis.multiplicity import adjusted_holm

    plan, _ = load_sap(ROOT / "examples" / "tactics-like" / "sap-extended.yaml")
    res = run_analysis(plan, _data())
    pfs = res.endpoint("TACEPFS")
    assert pfs.test is not None
    assert pfs.test.method == "maxcombo"
    assert pfs.competing_risks is not None
    want = R_OUT["endpoints"]["TACEPFS"]["fine_gray"]["hr"]
    assert pfs.competing_risks.hr.estimate == pytest.approx(want, rel=RTOL)
    steps = res.to_dict()["gatekeeping"]
    assert steps["procedure"] == "holm"
    p = [s["p"] for s in steps["steps"]]
    assert p[0] == pfs.test.p
    assert [s["adjusted_p"] for s in steps["steps"]] == pytest.approx(adjusted_holm(p))


def test_estimand_attributes_reach_results_and_report(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tacepath.report.trial_report import write_trial_report

    plan, _ = load_sap(ROOT / "examples" / "tactics-like" / "sap-extended.yaml")
    plan = plan.model_copy(update={"subgroups": None})
    files = write_trial_report(run_analysis(plan, _data()), tmp_path, pdf=False)
    saved = json.loads(files.results.read_text(encoding="utf-8"))["endpoints"]
    est = saved["TACEPFS"]["estimand"]
    assert est["treatment"] == "TACE plus sorafenib vs TACE alone"  # default: the plan's arms
    assert est["population"] == "Intention to treat"  # default: the endpoint's population
    assert est["intercurrent_events"] == [
        {"event": "Death before unTACEable progression", "strategy": "composite"}
    ]
    html = files.html.read_text(encoding="utf-8")
    assert "Estimand (ICH E9(R1))" in html
    assert "Post-trial anticancer treatment: <em>treatment-policy</em> strategy" in html


def test_estimand_refuses_an_unknown_strategy_and_long_text() -> None:
    base = {"variable": "v", "summary_measure": "HR"}
    for bad in (
        {**base, "intercurrent_events": [{"event": "x", "strategy": "ignore"}]},
        {**base, "variable": "v" * 301},
    ):
        raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
        raw["endpoints"][0]["estimand"] = bad
        with pytest.raises(InputErrors):
            parse_sap(raw)


def test_no_event_of_the_cause_is_refused_clearly_and_none_competing_is_fine() -> None:
    adtte = _data().adtte.copy()
    events = (adtte["PARAMCD"] == "TACEPFS") & (adtte["CNSR"] == 0)
    only_death = adtte.copy()
    only_death.loc[events, "EVNTDESC"] = "DEATH"
    with pytest.raises(InputError, match="at least one event") as err:
        run_analysis(_plan(), _data(only_death))
    assert "_CAUSE" not in str(err.value)
    no_death = adtte.copy()
    no_death.loc[events, "EVNTDESC"] = "UNTACEABLE PROGRESSION"
    cr = run_analysis(_plan(), _data(no_death)).to_dict()["endpoints"]["TACEPFS"]
    assert cr["competing_risks"]["gray_test_competing"]["stat"] is None
    assert cr["competing_risks"]["events"]["TACE alone"]["competing"] == 0
    assert cr["competing_risks"]["fine_gray"]["hr"] is not None


def _gray_plan(sides: int) -> Sap:
    raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
    raw["subgroups"] = None
    raw["sides"] = sides
    raw["endpoints"][0]["competing_risks"] = CR
    raw["endpoints"][0]["test"] = "gray"
    return parse_sap({k: v for k, v in raw.items() if v is not None})


def test_gray_as_the_endpoints_test_equals_cmprsk_and_gates() -> None:
    """test: gray — the endpoint's gatekeeping p is Gray's test of the cause (cuminc,
    stratified by the test strata): two-sided p equal to R; one-sided from z = ±√stat, signed
    like the Fine-Gray coefficient of the experimental arm (both from cmprsk)."""
    from scipy.stats import norm

    want = R_OUT["endpoints"]["TACEPFS"]
    two = run_analysis(_gray_plan(2), _data())
    t2 = two.endpoint("TACEPFS").test
    assert t2 is not None
    assert t2.method == "gray"
    assert t2.p == pytest.approx(want["gray_test"]["p"], rel=RTOL)
    assert t2.p_two_sided == pytest.approx(want["gray_test"]["p"], rel=RTOL)
    assert t2.statistic**2 == pytest.approx(want["gray_test"]["stat"], rel=RTOL)
    assert (t2.statistic > 0) == (want["fine_gray"]["coef"] > 0)
    one = run_analysis(_gray_plan(1), _data())
    pfs = one.endpoint("TACEPFS")
    assert pfs.test is not None
    direction = _gray_plan(1).direction
    z = pfs.test.statistic
    assert pfs.test.p == pytest.approx(norm.cdf(z) if direction == "less" else norm.sf(z))
    assert pfs.test_p == pfs.test.p
    step = one.to_dict()["gatekeeping"]["steps"][0]
    assert step["p"] == pfs.test.p  # the competing-risks endpoint is gated on Gray's p
    d = pfs.to_dict()["test"]
    assert d["tests"] == [{"rho": 0.0, "gamma": None, "z": pytest.approx(z)}]


def test_gray_test_needs_competing_risks() -> None:
    raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
    raw["endpoints"][0]["test"] = "gray"
    with pytest.raises(InputErrors, match="competing_risks"):
        parse_sap({k: v for k, v in raw.items() if v is not None})


def test_report_names_grays_test(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tacepath.report.trial_report import write_trial_report

    files = write_trial_report(run_analysis(_gray_plan(2), _data()), tmp_path, pdf=False)
    html = files.html.read_text(encoding="utf-8")
    assert "Gray&#39;s test (cumulative incidence of the cause)" in html or (
        "Gray's test (cumulative incidence of the cause)" in html
    )
