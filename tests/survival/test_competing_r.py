"""Cumulative incidence, its variance and Gray's test agree with R ``cmprsk::cuminc``.

Reference: ``tests/fixtures/r/competing.R`` (a seeded simulation with two causes, three
groups, a stratum and tied times; ``survival::mgus2`` with progression and death competing;
a small tied edge case).
"""

from __future__ import annotations

from typing import Any

import pytest

from tacepath.errors import InputError
from tacepath.survival import cumulative_incidence
from tests.survival.rfixtures import close, dataset, load

CASES = load("competing")["cuminc"]


def _fit(case: dict[str, Any]) -> Any:
    a = case["args"]
    return cumulative_incidence(
        dataset(a["data"]),
        time=a["time"],
        status=a["status"],
        group=a["group"],
        strata=a["strata"],
        rho=a["rho"],
        censor_code=a["censor_code"],
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cuminc_agrees_with_r(case: dict[str, Any]) -> None:
    res = _fit(case)
    name = case["name"]
    assert res.n == case["n"]
    assert res.n_dropped == case["n_dropped"]
    assert len(res.curves) == len(case["curves"])
    for got, want in zip(res.curves, case["curves"], strict=True):
        label = f"{got.group} {got.cause}" if got.group is not None else f"1 {got.cause}"
        assert label == want["name"]
        close(got.time, want["time"], f"{name} {label} time")
        close(got.estimate, want["estimate"], f"{name} {label} estimate")
        close(got.variance, want["variance"], f"{name} {label} variance")
    tests = case.get("tests", [])
    assert len(res.gray_test) == len(tests)
    for got, want in zip(res.gray_test, tests, strict=True):
        assert str(got.cause) == want["cause"]
        close(got.stat, want["stat"], f"{name} Gray stat, cause {got.cause}")
        assert got.df == want["df"]
        close(got.p, want["p"], f"{name} Gray p, cause {got.cause}", atol=1e-14)


def test_curve_lookup_and_values_at_times() -> None:
    res = _fit(next(c for c in CASES if c["name"] == "mgus2_sex"))
    c = res.curve(1, "F")
    assert c.at([0.0])[0] == 0.0
    last = c.at([1e9])[0]
    assert last == c.estimate[-1]
    with pytest.raises(InputError):
        res.curve(7, "F")


def test_only_censored_rows_are_refused() -> None:
    d = dataset("competing_sim")
    d["status"] = 0
    with pytest.raises(InputError, match="at least one event"):
        cumulative_incidence(d, time="time", status="status")


def test_a_text_censor_code_and_text_causes() -> None:
    d = dataset("competing_sim")
    d["status"] = d["status"].map({0: "cens", 1: "pcm", 2: "death"})
    res = cumulative_incidence(d, time="time", status="status", censor_code="cens")
    assert res.causes == ("death", "pcm")
