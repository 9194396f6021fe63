"""The Fine–Gray model agrees with R ``cmprsk::crr`` (coefficients, sandwich SEs, HRs with
95% CIs, p), on a seeded two-cause simulation and on ``survival::mgus2``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tacepath.errors import InputError
from tacepath.survival import cox_ph, fine_gray
from tests.survival.rfixtures import close, dataset, load

CASES = load("competing")["crr"]


def _fit(case: dict[str, Any]) -> Any:
    a = case["args"]
    return fine_gray(
        dataset(a["data"]),
        time=a["time"],
        status=a["status"],
        cause=a["cause"],
        covariates=a["covariates"],
        categorical=a["categorical"],
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_crr_agrees_with_r(case: dict[str, Any]) -> None:
    res = _fit(case)
    name = case["name"]
    assert list(res.terms) == case["terms"]
    assert res.n == case["n"]
    assert res.converged is case["converged"]
    for key in ("coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"):
        close(getattr(res, key), case[key], f"{name} {key}")
    close(res.loglik, case["loglik"], f"{name} loglik")
    close(res.loglik_null, case["loglik_null"], f"{name} loglik null")


def test_without_competing_events_the_estimate_is_the_breslow_cox_estimate() -> None:
    d = dataset("competing_sim")
    d = d[d["status"] != 2].reset_index(drop=True)
    fg = fine_gray(d, time="time", status="status", cause=1, covariates=["age"])
    cox = cox_ph(d, time="time", event="status", covariates=["age"], ties="breslow")
    np.testing.assert_allclose(fg.coef, cox.coef, rtol=1e-6)


def test_unknown_cause_and_reference_level() -> None:
    d = dataset("mgus2")
    with pytest.raises(InputError, match="cause"):
        fine_gray(d, time="etime", status="event", cause=3, covariates=["age"])
    res = fine_gray(
        d, time="etime", status="event", cause=1, covariates=["sex"], categorical=["sex"],
        reference={"sex": "M"},
    )  # fmt: skip
    assert res.terms == ("sexF",)
    assert res.to_dict()["n"] == res.n
