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


def as_array(values: Any) -> np.ndarray:
    """R's values with null as NaN (R's NA, NaN and ±Inf are all written as null)."""
    if values is None:
        return np.array([np.nan])
    if not isinstance(values, list):
        values = [values]
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def close(ours: Any, r: Any, what: str, *, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Assert agreement to ``rtol`` (``atol`` near zero); non-finite matches R's null."""
    a = np.atleast_1d(np.asarray(ours, dtype=float))
    a = np.where(np.isfinite(a), a, np.nan)
    b = as_array(r)
    assert a.shape == b.shape, f"{what}: {a.shape} values, R has {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
