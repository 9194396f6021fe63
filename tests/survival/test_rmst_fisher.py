"""RMST comparison and Fisher's exact test against R (and survRM2's published example)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import nchypergeom_fisher

from tacepath.errors import InputError
from tacepath.survival import fisher_exact, fisher_exact_table, rmst_test
from tests.survival.rfixtures import as_array, close, dataset, load

FIX = load("rmst_fisher")


@pytest.mark.parametrize("case", FIX["rmst"], ids=[c["name"] for c in FIX["rmst"]])
def test_rmst_contrasts_agree_with_r(case: dict[str, Any]) -> None:
    a = case["args"]
    res = rmst_test(
        dataset(a["data"]),
        time=a["time"],
        event=a["event"],
        group=a["group"],
        tau=a["tau"],
        reference=a["reference"],
        conf_level=a["conf_level"],
    )
    name = case["name"]
    assert str(res.experimental.arm) == str(case["experimental"]["arm"])
    close(res.experimental.rmst, case["experimental"]["rmst"], f"{name} rmst exp")
    close(res.experimental.se, case["experimental"]["se"], f"{name} se exp")
    close(res.reference.rmst, case["reference"]["rmst"], f"{name} rmst ref")
    close(res.reference.se, case["reference"]["se"], f"{name} se ref")
    for key in ("difference", "ratio", "rmtl_ratio"):
        c = getattr(res, key)
        close([c.estimate, c.lower, c.upper, c.p], case[key], f"{name} {key}")


def test_survrm2_vignette_published_difference() -> None:
    """survRM2 vignette (pbc, tau = 10 years): RMST difference −0.137 years."""
    res = rmst_test(dataset("pbc_rmst2"), time="time", event="status", group="arm", tau=10)
    assert round(res.difference.estimate, 3) == -0.137
    assert round(res.experimental.rmst, 3) == 7.146
    assert round(res.reference.rmst, 3) == 7.283


def test_rmst_refuses_tau_past_a_censored_arm_end() -> None:
    d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 0, 1, 1, 1], "g": list("aaabbb")})
    with pytest.raises(InputError, match=r"tau.*last observed \(censored\) time of arm 'a'"):
        rmst_test(d, time="t", event="e", group="g", tau=5)
    res = rmst_test(d, time="t", event="e", group="g")
    assert res.tau == 3.0
    assert "default" in res.tau_rule


def test_rmst_allows_tau_past_an_arm_ending_in_death() -> None:
    d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 9], "e": [1, 0, 1, 1, 1, 1], "g": list("aaabbb")})
    res = rmst_test(d, time="t", event="e", group="g", tau=8, reference="a")
    # arm a: S = 1 on [0, 1), 2/3 on [1, 3), 0 from 3 (the censoring at 2 leaves one at risk)
    assert res.reference.rmst == pytest.approx(1 + 2 / 3 * 2, rel=1e-12)
    # arm b: 1 on [0, 4), 2/3 on [4, 5), 1/3 on [5, 8]
    assert res.experimental.rmst == pytest.approx(4 + 2 / 3 + 1 / 3 * 3, rel=1e-12)
    assert res.difference.estimate == pytest.approx(res.experimental.rmst - res.reference.rmst)


def test_rmst_needs_two_arms() -> None:
    with pytest.raises(InputError, match="exactly 2 levels"):
        rmst_test(dataset("colon_death"), time="time", event="status", group="rx", tau=1500)


@pytest.mark.parametrize("case", FIX["fisher"], ids=[c["name"] for c in FIX["fisher"]])
def test_fisher_agrees_with_r(case: dict[str, Any]) -> None:
    res = fisher_exact_table(case["table"], alternative=case["alternative"])
    close(res.p, case["p"], f"{case['name']} p", atol=1e-14)
    if "odds_ratio" in case:
        # R finds the conditional MLE and its limits with uniroot(tol = eps^0.25 ≈ 1.2e-4,
        # absolute) on the odds ratio when it is below 1 and on its inverse above 1: R's
        # values are that accurate on that folded scale; ours solve the equations exactly.
        def fold(v: list[Any]) -> list[float]:
            return [x if x <= 1 else 1 / x for x in as_array(v)]  # R's "Inf" is infinite

        ours = fold([res.odds_ratio, res.lower, res.upper])
        close(
            ours,
            fold([case["odds_ratio"], case["lower"], case["upper"]]),
            "OR",
            rtol=0,
            atol=1.3e-4,
        )
        table = np.asarray(case["table"])
        if 0 < res.odds_ratio < np.inf:
            m, n = table[0].sum(), table[1].sum()
            k = table[:, 0].sum()
            mean = nchypergeom_fisher(m + n, m, k, res.odds_ratio).mean()
            assert mean == pytest.approx(table[0, 0], rel=1e-9)  # the conditional MLE equation
    else:
        assert res.odds_ratio is None


def test_fisher_from_columns_orders_levels_as_r() -> None:
    d = pd.DataFrame(
        {
            "arm": ["TACE"] * 76 + ["TACE+sorafenib"] * 80,
            "post": [1] * 58 + [0] * 18 + [1] * 47 + [0] * 33,
        }
    )
    res = fisher_exact(d, row="arm", column="post")
    assert res.rows == ("TACE", "TACE+sorafenib")
    np.testing.assert_array_equal(res.table, [[18, 58], [33, 47]])
    close(res.p, FIX["fisher"][0]["p"], "p")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, 2, 3]], "at least 2 rows"),
        ([[1, -1], [2, 3]], "non-negative"),
        ([[1.5, 1], [2, 3]], "integers"),
    ],
)
def test_fisher_refuses_bad_tables(table: list[list[float]], message: str) -> None:
    with pytest.raises(InputError, match=message):
        fisher_exact_table(table)
