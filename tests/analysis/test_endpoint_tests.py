"""An endpoint's test in the plan: log-rank (default), Fleming–Harrington or MaxCombo.

The numbers come from the survival engine (checked against R in tests/survival); here:
the plan's choice reaches the result, the z is signed for the experimental arm, the
one-sided p follows the plan's direction, gatekeeping uses that p, and today's keys stay.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from scipy.stats import norm

from tacepath.adam.model import AnalysisData
from tacepath.analysis import TrialAnalysis, run_analysis
from tacepath.analysis._frames import _ARM, _E, _T, _endpoint_frame
from tacepath.analysis.sap import EndpointPlan, parse_sap
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap
from tacepath.survival import logrank_test, maxcombo_test

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"


def _data() -> AnalysisData:
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    adtte, s2 = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")
    return AnalysisData(adsl=adsl, adtte=adtte, sources=(s1, s2))


def _plan(**tests: dict[str, object]):  # type: ignore[no-untyped-def]
    plan, _ = load_sap(SAP)
    endpoints = tuple(e.model_copy(update=tests.get(e.paramcd, {})) for e in plan.endpoints)
    return plan.model_copy(update={"endpoints": endpoints, "subgroups": None})


def _run(plan) -> TrialAnalysis:  # type: ignore[no-untyped-def]
    return run_analysis(plan, _data())


def test_default_is_the_logrank_test_with_todays_keys() -> None:
    res = _run(_plan())
    for e in res.endpoints:
        d = e.to_dict()
        assert {"logrank_chisq", "logrank_z", "logrank_p", "logrank_p_two_sided"} <= set(d)
        assert d["test"]["method"] == "logrank"
        assert d["test"]["p"] == d["logrank_p"]
        assert d["test"]["tests"][0]["z"] == d["logrank_z"]


def test_fleming_harrington_endpoint() -> None:
    plan = _plan(OS={"test": "fleming-harrington", "rho": 0, "gamma": 1})
    res = _run(plan)
    os_ = next(e for e in res.endpoints if e.paramcd == "OS")
    assert os_.test is not None
    assert os_.test.method == "fleming-harrington"
    frame = _endpoint_frame(plan, _data(), plan.endpoint("OS"))
    fh = logrank_test(
        frame, time=_T, event=_E, group=_ARM, strata=list(plan.strata), rho=0, gamma=1
    )
    exp = plan.treatment.experimental
    z = fh.z if str(fh.groups[1]) == exp else -fh.z  # type: ignore[operator]
    assert os_.test.z[0] == pytest.approx(z, rel=1e-12)
    assert os_.test.p == pytest.approx(norm.cdf(z), rel=1e-12)  # one-sided, H1: HR < 1
    assert os_.test.p_two_sided == pytest.approx(fh.p, rel=1e-12)
    gate = next(g for g in res.gatekeeping if g.endpoint == "OS")
    assert gate.p == os_.test.p


def test_maxcombo_endpoint_one_and_two_sided() -> None:
    plan = _plan(TACEPFS={"test": "maxcombo"})
    res = _run(plan)
    pfs = next(e for e in res.endpoints if e.paramcd == "TACEPFS")
    assert pfs.test is not None
    assert pfs.test.method == "maxcombo"
    frame = _endpoint_frame(plan, _data(), plan.endpoint("TACEPFS"))
    mc = maxcombo_test(frame, time=_T, event=_E, group=_ARM, strata=list(plan.strata))
    assert pfs.test.p_two_sided == mc.p
    assert [abs(z) for z in pfs.test.z] == pytest.approx([abs(t.z) for t in mc.tests])
    # One-sided toward HR < 1: the largest of −z (z of the experimental arm).
    assert pfs.test.statistic == pytest.approx(max(-z for z in pfs.test.z))
    assert 0 < pfs.test.p < 1
    if pfs.test.statistic > 0:
        assert pfs.test.p < 0.5
    gate = next(g for g in res.gatekeeping if g.endpoint == "TACEPFS")
    assert gate.p == pfs.test.p
    two = _run(plan.model_copy(update={"sides": 2}))
    pfs2 = next(e for e in two.endpoints if e.paramcd == "TACEPFS")
    assert pfs2.test is not None
    assert pfs2.test.p == mc.p


def test_plan_refuses_options_of_another_test() -> None:
    with pytest.raises(ValueError, match="rho and gamma"):
        EndpointPlan(paramcd="OS", label="OS", rho=1)
    with pytest.raises(ValueError, match="distinct"):
        EndpointPlan(paramcd="OS", label="OS", test="maxcombo", combo=((0, 0), (0, 0)))
    text = SAP.read_text(encoding="utf-8").replace(
        "    label: Overall survival\n", "    label: Overall survival\n    test: wilcoxon\n"
    )
    with pytest.raises(ValueError, match="test"):
        parse_sap(yaml.safe_load(text))


def test_report_shows_the_planned_test(tmp_path: Path) -> None:
    from tacepath.report.trial_report import write_trial_report

    res = _run(_plan(OS={"test": "maxcombo"}))
    files = write_trial_report(res, tmp_path, pdf=False)
    html = files.html.read_text(encoding="utf-8")
    assert "Planned test: MaxCombo" in html
    assert "G(0,1) z =" in html
