"""The log-rank family agrees with R survdiff on every fixture case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tacepath.survival import logrank_test
from tests.survival.rfixtures import close, dataset, load

CASES = load("logrank")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_survdiff_agrees_with_r(case: dict[str, Any]) -> None:
    a = case["args"]
    res = logrank_test(
        dataset(a["data"]),
        time=a["time"],
        event=a["event"],
        group=a["group"],
        strata=a["strata"],
        rho=a["rho"],
    )
    name = case["name"]
    assert [str(g) for g in res.groups] == case["groups"]
    assert list(res.n) == case["n"]
    assert res.n_dropped == case["n_dropped"]
    close(res.observed, case["observed"], f"{name} observed")
    close(res.expected, case["expected"], f"{name} expected")
    # R stores the matrix column-major; it is symmetric anyway.
    close(res.variance.T.ravel(), case["variance"], f"{name} variance")
    close(res.chisq, case["chisq"], f"{name} chisq")
    assert res.df == case["df"]
    close(res.p, case["p"], f"{name} p", atol=1e-14)


def test_trend_with_two_groups_is_the_logrank_test() -> None:
    d = dataset("lung")
    res = logrank_test(d, time="time", event="status", group="sex", trend=True)
    assert res.trend is not None
    np.testing.assert_allclose(res.trend.chisq, res.chisq, rtol=1e-12)
