"""Loading R's reference results (tests/fixtures/r) and comparing with R's tolerance rule."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "r"
RTOL = 1e-6
ATOL = 1e-10


@cache
def load(topic: str) -> dict[str, Any]:
    """The JSON R wrote for ``topic`` (``km``, ``logrank``, ``cox``...)."""
    with (FIXTURES / "out" / f"{topic}.json").open(encoding="utf-8") as fh:
        return dict(json.load(fh))


def dataset(name: str) -> pd.DataFrame:
    """A data set exactly as R wrote and read it."""
    return pd.read_csv(FIXTURES / "data" / f"{name}.csv")


#: How make_fixtures.R writes R's non-finite numbers (jsonlite ``na = "string"``): NA (missing)
#: and NaN both become NaN here, ±Inf stays infinite, so infinity never matches NaN.
_NON_FINITE = {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}


def _number(v: Any) -> float:
    if isinstance(v, str):
        return float(_NON_FINITE[v])
    if v is None:
        raise AssertionError("R wrote null for a number: NULL where a value was expected")
    return float(v)


def as_array(values: Any) -> np.ndarray:
    """R's numbers as floats: "NA" and "NaN" as NaN, "Inf"/"-Inf" as ±inf."""
    if not isinstance(values, list):
        values = [values]
    return np.array([_number(v) for v in values], dtype=float)


def close(ours: Any, r: Any, what: str, *, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Assert agreement to ``rtol`` (``atol`` near zero); NaN matches R's NA or NaN only, and
    an infinity only R's infinity of the same sign."""
    a = np.atleast_1d(np.asarray(ours, dtype=float))
    b = as_array(r)
    assert a.shape == b.shape, f"{what}: {a.shape} values, R has {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def survdiff_case(case: dict[str, Any], **weights: float) -> Any:
    """``logrank_test`` on a fixture case's data and arguments, checked against R's observed,
    expected, variance, chi-square, df and p (R stores the variance matrix column-major)."""
    from tacepath.survival import logrank_test

    a = case["args"]
    res = logrank_test(
        dataset(a["data"]),
        time=a["time"],
        event=a["event"],
        group=a["group"],
        strata=a["strata"],
        **weights,
    )
    name = case["name"]
    close(res.observed, case["observed"], f"{name} observed")
    close(res.expected, case["expected"], f"{name} expected")
    close(res.variance.T.ravel(), case["variance"], f"{name} variance")
    close(res.chisq, case["chisq"], f"{name} chisq")
    assert res.df == case["df"]
    close(res.p, case["p"], f"{name} p", atol=1e-14)
    return res
