"""The log-rank family agrees with R survdiff on every fixture case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tacepath.survival import logrank_test
from tests.survival.rfixtures import dataset, load, survdiff_case

CASES = load("logrank")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_survdiff_agrees_with_r(case: dict[str, Any]) -> None:
    res = survdiff_case(case, rho=case["args"]["rho"])
    assert [str(g) for g in res.groups] == case["groups"]
    assert list(res.n) == case["n"]
    assert res.n_dropped == case["n_dropped"]


def test_trend_with_two_groups_is_the_logrank_test() -> None:
    d = dataset("lung")
    res = logrank_test(d, time="time", event="status", group="sex", trend=True)
    assert res.trend is not None
    np.testing.assert_allclose(res.trend.chisq, res.chisq, rtol=1e-12)
