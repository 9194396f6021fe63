"""`tacepath analyze` numbers equal R survival's on the synthetic TACTICS-like cohort.

The reference is ``tests/fixtures/r/out/analysis.json``, written by
``tests/fixtures/r/analysis.R`` (R survival, the example plan's conventions: log-log band,
Breslow ties, strata MILANGR and PTACEGR). The data (SYNTHETIC — not trial data) are the
generator's output for seed 20200731, committed under ``tests/fixtures/r/data``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tacepath.adam.cohort import tactics_like_cohort
from tacepath.adam.model import AnalysisData
from tacepath.analysis import TrialAnalysis, run_analysis
from tacepath.interop.adam_io import read_dataset, write_cohort
from tacepath.interop.sap_io import load_sap
from tests.survival.rfixtures import as_array

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
R_OUT = json.loads((ROOT / "tests" / "fixtures" / "r" / "out" / "analysis.json").read_text())
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"
RTOL = 1e-6


def _close(got: float | None, want: float | str | None, what: str) -> None:
    if isinstance(want, str):  # R's "NA"/"NaN" (nothing to report) or "Inf"/"-Inf"
        (value,) = as_array(want)
        if math.isnan(value):
            assert got is None or math.isnan(got), what
        else:
            assert got == value, what
        return
    assert want is not None, f"{what}: R wrote null"
    assert got is not None, what
    assert got == pytest.approx(want, rel=RTOL, abs=1e-12), what


@pytest.fixture(scope="module")
def result() -> TrialAnalysis:
    plan, digest = load_sap(SAP)
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    adtte, s2 = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")
    adae, s3 = read_dataset(DATA / "tactics_like_adae.csv", kind="ADAE")
    data = AnalysisData(adsl=adsl, adtte=adtte, adae=adae, sources=(s1, s2, s3))
    return run_analysis(plan, data, sap_sha256=digest)


@pytest.fixture(scope="module")
def results_json(result: TrialAnalysis) -> dict[str, Any]:
    from tacepath.report.trial_report import results_json

    out: dict[str, Any] = json.loads(results_json(result))
    return out


def test_generator_still_writes_the_committed_fixture(tmp_path: Path) -> None:
    written = write_cohort(tactics_like_cohort(seed=20200731), tmp_path, prefix="tactics_like_")
    for p in written:
        assert p.read_bytes() == (DATA / p.name).read_bytes(), p.name


@pytest.mark.parametrize("code", ["TACEPFS", "OS"])
def test_endpoint_numbers_equal_r(results_json: dict[str, Any], code: str) -> None:
    got, want = results_json["endpoints"][code], R_OUT["endpoints"][code]
    assert got["n"] == want["n"]
    for key in ("hr", "hr_lower", "hr_upper", "cox_coef", "cox_p", "logrank_chisq", "logrank_z"):
        _close(got[key], want[key], key)
    _close(got["logrank_p"], want["logrank_p_one_sided"], "one-sided p")
    _close(got["logrank_p_two_sided"], want["logrank_p_two_sided"], "two-sided p")
    for k in ("estimate", "lower", "upper"):
        _close(got["follow_up_median"][k], want["follow_up_median"][k], f"follow-up {k}")
    for arm, a in want["arms"].items():
        assert got["n_by_arm"][arm] == a["n"]
        assert got["events"][arm] == a["events"]
        _close(got["logrank_observed"][arm], want["logrank_observed"][arm], "observed")
        _close(got["logrank_expected"][arm], want["logrank_expected"][arm], "expected")
        for k in ("estimate", "lower", "upper"):
            _close(got["median"][arm][k], a["median"][k], f"{arm} median {k}")
        for g, w in zip(got["landmarks"][arm], a["landmarks"], strict=True):
            assert g["time"] == w["time"]
            for k in ("estimate", "lower", "upper"):
                _close(g[k], w[k], f"{arm} S({w['time']}) {k}")
        _close(got["rmst"]["arms"][arm]["estimate"], a["rmst"]["estimate"], "rmst")
        _close(got["rmst"]["arms"][arm]["se"], a["rmst"]["se"], "rmst se")
    for k in ("estimate", "lower", "upper"):
        _close(got["rmst"]["difference"][k], want["rmst_difference"][k], f"rmst diff {k}")


@pytest.mark.parametrize("code", ["TACEPFS", "OS"])
def test_subgroups_and_interaction_equal_r(results_json: dict[str, Any], code: str) -> None:
    got = {v["variable"]: v for v in results_json["subgroups"][code]["variables"]}
    compared = 0
    for var, want in R_OUT["subgroups"][code].items():
        g = got[var]
        _close(g["interaction"]["statistic"], want["lr_statistic"], f"{var} LR")
        _close(g["interaction"]["p"], want["lr_p"], f"{var} LR p")
        assert g["interaction"]["df"] == want["df"]
        levels = {lv["level"]: lv for lv in g["levels"]}
        for w in want["levels"]:
            lv = levels[w["level"]]
            assert sum(lv["n"].values()) == w["n"]
            assert sum(lv["events"].values()) == w["events"]
            if lv["hr"] is None:
                continue  # not estimable here; R reports an infinite-coefficient fit
            for k in ("hr", "hr_lower", "hr_upper"):
                _close(lv[k], w[k], f"{var}={w['level']} {k}")
            compared += 1
    assert compared >= 20


def test_wald_interaction_equals_r(tmp_path: Path) -> None:
    plan, _ = load_sap(SAP)
    assert plan.subgroups is not None
    wald = plan.model_copy(
        update={"subgroups": plan.subgroups.model_copy(update={"interaction_test": "wald"})}
    )
    data = AnalysisData(
        adsl=read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")[0],
        adtte=read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")[0],
    )
    got = run_analysis(wald.model_copy(update={"safety": None}), data).to_dict()
    for var, want in R_OUT["subgroups"]["OS"].items():
        v = next(x for x in got["subgroups"]["OS"]["variables"] if x["variable"] == var)
        _close(v["interaction"]["statistic"], want["wald_statistic"], f"{var} Wald")
        _close(v["interaction"]["p"], want["wald_p"], f"{var} Wald p")


def test_safety_and_fisher_equal_r(results_json: dict[str, Any]) -> None:
    got = {t["term"]: t for t in results_json["safety"]["terms"]}
    assert set(got) == {t["term"] for t in R_OUT["safety"]}
    for want in R_OUT["safety"]:
        g = got[want["term"]]
        assert g["any_grade"] == want["any_grade"]
        assert g["high_grade"] == want["high_grade"]
        _close(g["any_grade_p"], want["any_grade_p"], f"{want['term']} any p")
        _close(g["high_grade_p"], want["high_grade_p"], f"{want['term']} high p")
    post = results_json["categorical"][0]
    _close(post["p"], R_OUT["categorical"]["POSTTRFL"]["p"], "post-trial treatment p")


def test_report_numbers_are_the_engines(result: TrialAnalysis) -> None:
    """The runner adds nothing: its numbers are the survival engine's on the same rows."""
    from tacepath.survival import cox_ph, kaplan_meier, logrank_test

    adsl = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")[0]
    adtte = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")[0]
    d = adsl.merge(adtte[adtte["PARAMCD"] == "OS"], on="USUBJID")
    d["t"] = d["AVAL"] / 30.4375
    d["e"] = (d["CNSR"] == 0).astype(int)
    d["trt"] = (d["TRT01P"] == "TACE plus sorafenib").astype(float)
    lr = logrank_test(d, time="t", event="e", group="TRT01P", strata=["MILANGR", "PTACEGR"])
    cox = cox_ph(d, time="t", event="e", covariates=["trt"], strata=["MILANGR", "PTACEGR"],
                 ties="breslow")  # fmt: skip
    km = kaplan_meier(d, time="t", event="e", group="TRT01P", conf_type="log-log")
    e = result.endpoint("OS")
    assert e.logrank_p_two_sided == lr.p
    assert e.hr.estimate == float(cox.hr[0])
    assert e.experimental.median.estimate == km["TACE plus sorafenib"].median
    assert e.reference.median.upper == km["TACE alone"].median_upper


def test_gatekeeping_follows_the_plan(result: TrialAnalysis) -> None:
    pfs, os_ = result.gatekeeping
    assert (pfs.endpoint, os_.endpoint) == ("TACEPFS", "OS")
    assert pfs.tested
    assert pfs.rejected == (pfs.p < 0.15)
    assert os_.tested == (pfs.p < 0.15)
    d = result.to_dict()["endpoints"]
    assert d["TACEPFS"]["tested"] is True
    assert d["OS"]["rejected"] == (os_.tested and os_.p < 0.15)


@pytest.mark.parametrize("fmt", ["parquet", "xpt"])
def test_parquet_and_xpt_give_the_same_numbers(
    results_json: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    from tacepath.report.trial_report import results_json as to_json

    paths = write_cohort(tactics_like_cohort(seed=20200731), tmp_path, fmt=fmt)  # type: ignore[arg-type]
    kinds = ("ADSL", "ADTTE", "ADAE")
    frames = [read_dataset(p, kind=k)[0] for p, k in zip(paths[:3], kinds, strict=True)]  # type: ignore[arg-type]
    plan, digest = load_sap(SAP)
    data = AnalysisData(adsl=frames[0], adtte=frames[1], adae=frames[2])
    got = json.loads(to_json(run_analysis(plan, data, sap_sha256=digest)))
    for key in ("endpoints", "subgroups", "safety", "categorical", "baseline", "gatekeeping"):
        assert got[key] == results_json[key], key


def test_counts_in_the_results_are_read_only(result: TrialAnalysis) -> None:
    endpoint = result.endpoints[0]
    safety = result.safety
    assert safety is not None
    held = [
        result.populations,
        *result.populations.values(),
        endpoint.observed,
        safety.n,
        safety.rows[0].any_grade,
        result.baseline[0].rows[0],
        result.subgroups[0].overall.n,
    ]
    for mapping in held:
        with pytest.raises(TypeError):
            mapping["x"] = 1  # type: ignore[index]
    json.dumps(result.to_dict(), allow_nan=True)
