"""The Cox model agrees with R survival 3.5 on every quantity of every fixture case.

Fixtures: tests/fixtures/r/cox.R (coxph, basehaz, survfit(fit, newdata=), cox.zph).
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import numpy as np
import pytest

from tacepath.errors import StatisticalWarning
from tacepath.survival._cox import CoxControl, CoxResult, cox_ph
from tacepath.survival._zph import cox_zph
from tests.survival.rfixtures import close, dataset, load

CASES = load("cox")["cases"]
IDS = [c["name"] for c in CASES]
P_ATOL = 1e-12  # p values get tiny; compare them with a smaller absolute floor


@cache
def _fit(name: str) -> tuple[CoxResult, tuple[str, ...]]:
    case = next(c for c in CASES if c["name"] == name)
    a = case["args"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = cox_ph(
            dataset(a["data"]),
            time=a["time"],
            event=a["event"],
            start=a["start"],
            covariates=a["covariates"],
            categorical=a["categorical"],
            reference=a["reference"],
            strata=a["strata"],
            cluster=a["cluster"],
            weights=a["weights"],
            ties=a["ties"],
            control=CoxControl(iter_max=a["iter_max"]),
        )
    emitted = tuple(str(w.message) for w in caught if issubclass(w.category, StatisticalWarning))
    return fit, emitted


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_coefficients_and_errors(case: dict[str, Any]) -> None:
    fit, _ = _fit(case["name"])
    r = case["fit"]
    name = case["name"]
    assert list(fit.terms) == r["terms"]
    for key in ("coef", "se", "hr", "hr_lower", "hr_upper", "z"):
        close(getattr(fit, key), r[key], f"{name} {key}")
    close(fit.p, r["p"], f"{name} p", atol=P_ATOL)
    if r["robust_se"] is None:
        assert fit.robust_se is None
    else:
        assert fit.robust_se is not None
        close(fit.robust_se, r["robust_se"], f"{name} robust_se")
    close(fit.means, r["means"], f"{name} means")
    ours_var = np.where(np.isnan(fit.coef)[:, None] | np.isnan(fit.coef)[None, :], 0.0, fit.var)
    close(ours_var.ravel(order="F"), r["var"], f"{name} var")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loglik_and_global_tests(case: dict[str, Any]) -> None:
    fit, _ = _fit(case["name"])
    r = case["fit"]
    name = case["name"]
    close(fit.loglik, r["loglik"], f"{name} loglik")
    for key in ("wald", "lr", "score", "robust_score"):
        ours = getattr(fit, key)
        if r[key] is None:
            assert ours is None, f"{name} {key}"
            continue
        assert ours is not None, f"{name} {key}"
        close(ours.chisq, r[key]["chisq"], f"{name} {key} chisq")
        assert ours.df == r[key]["df"]
        close(ours.p, r[key]["p"], f"{name} {key} p", atol=P_ATOL)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_concordance_counts_and_iterations(case: dict[str, Any]) -> None:
    fit, emitted = _fit(case["name"])
    r = case["fit"]
    name = case["name"]
    close(fit.concordance, r["concordance"], f"{name} concordance")
    close(fit.concordance_se, r["concordance_se"], f"{name} concordance se")
    assert (fit.n, fit.n_event, fit.n_dropped) == (r["n"], r["n_event"], r["n_dropped"])
    assert fit.iterations == r["iter"]
    # the same warnings as R (wording: R's, variable named by position and name)
    assert len(fit.warnings) == len(r["warnings"])
    assert emitted == fit.warnings
    for ours, theirs in zip(fit.warnings, r["warnings"], strict=True):
        assert ours.split()[:3] == theirs.split()[:3]
    # the iteration-limit cases stop early (R warns only when iter_max > 1)
    assert fit.converged == (case["args"]["iter_max"] == 20)


WITH_BASEHAZ = [c for c in CASES if "basehaz" in c]


def _strip(label: str) -> str:
    # R pads the values of multi-variable strata labels to a common width
    return ", ".join(part.strip() for part in label.split(","))


@pytest.mark.parametrize("case", WITH_BASEHAZ, ids=[c["name"] for c in WITH_BASEHAZ])
def test_basehaz(case: dict[str, Any]) -> None:
    fit, _ = _fit(case["name"])
    for r in case["basehaz"]:
        bh = fit.baseline_hazard(centered=r["centered"])
        name = f"{case['name']} centered={r['centered']}"
        close(bh.time, r["time"], f"{name} time")
        close(bh.hazard, r["hazard"], f"{name} hazard")
        if r["strata"] is None:
            assert bh.strata is None
        else:
            assert bh.strata is not None
            assert [_strip(s) for s in bh.strata] == [_strip(s) for s in r["strata"]]
        frame = bh.to_frame()
        assert len(frame) == len(r["time"])


WITH_SURVFIT = [c for c in CASES if "survfit" in c]
SURVFIT_KEYS = (
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "surv",
    "cumhaz",
    "std_err",
    "lower",
    "upper",
)


@pytest.mark.parametrize("case", WITH_SURVFIT, ids=[c["name"] for c in WITH_SURVFIT])
def test_predicted_survival(case: dict[str, Any]) -> None:
    fit, _ = _fit(case["name"])
    r = case["survfit"]
    curve = fit.predict_survival(r["profile"])
    for key in SURVFIT_KEYS:
        close(getattr(curve, key), r[key], f"{case['name']} survfit {key}")
    assert curve.strata is None
    assert list(curve.to_frame().columns)[:2] == ["time", "n_risk"]


WITH_ZPH = [(c, z) for c in CASES for z in c.get("zph", [])]


@pytest.mark.parametrize(
    ("case", "r"), WITH_ZPH, ids=[f"{c['name']}-{z['transform']}" for c, z in WITH_ZPH]
)
def test_cox_zph(case: dict[str, Any], r: dict[str, Any]) -> None:
    fit, _ = _fit(case["name"])
    z = cox_zph(fit, r["transform"])
    name = f"{case['name']} zph {r['transform']}"
    assert list(z.rows) == r["rows"]
    close(z.chisq, r["chisq"], f"{name} chisq")
    close(np.asarray(z.df, dtype=float), r["df"], f"{name} df")
    close(z.p, r["p"], f"{name} p", atol=P_ATOL)


def test_fixture_metadata() -> None:
    meta = load("cox")
    assert meta["survival_version"].startswith("3.5")
    assert len(CASES) >= 25
