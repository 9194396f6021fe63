"""Invariances of the Cox fit and the concordance, checked on generated data (Hypothesis).

The concordance is also compared with a direct O(n^2) count of the pairs R counts.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tacepath.errors import StatisticalWarning
from tacepath.survival._concordance import concordance
from tacepath.survival._cox import CoxResult, cox_ph

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def survival_frames(draw: Any, min_n: int = 12, max_n: int = 40) -> pd.DataFrame:
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=n), 2)
    time = rng.integers(1, 15, n).astype(float)  # many ties
    status = (rng.random(n) < 0.75).astype(int)
    group = rng.choice(["a", "b", "c"], n)
    return pd.DataFrame(
        {
            "time": time,
            "status": status,
            "x": x,
            "z": np.round(rng.normal(size=n), 1),
            "g": group,
            "s": rng.integers(0, 2, n),
            "w": np.round(rng.uniform(0.5, 2.0, n), 2),
            "start": np.floor(time * rng.uniform(0.0, 0.9, n)),
        }
    )


def _fit(df: pd.DataFrame, **kwargs: Any) -> CoxResult:
    args: dict[str, Any] = {"time": "time", "event": "status", "covariates": ["x", "z"]}
    args.update(kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return cox_ph(df, **args)


def _usable(df: pd.DataFrame) -> bool:
    return bool(df["status"].sum() >= 4 and df["g"].nunique() == 3)


def _regular(fit: CoxResult) -> bool:
    """A well-determined fit: converged, no warning, finite moderate coefficients."""
    coef = fit.coef
    return bool(
        fit.converged and not fit.warnings and np.isfinite(coef).all() and np.abs(coef).max() < 8
    )


@SETTINGS
@given(survival_frames(), st.sampled_from(["efron", "breslow"]))
def test_row_order_does_not_matter(df: pd.DataFrame, ties: str) -> None:
    assume(_usable(df))
    fit = _fit(df, ties=ties, covariates=["x", "g"], categorical=["g"])
    assume(_regular(fit))
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    again = _fit(shuffled, ties=ties, covariates=["x", "g"], categorical=["g"])
    np.testing.assert_allclose(again.coef, fit.coef, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(again.se, fit.se, rtol=1e-8)
    np.testing.assert_allclose(again.loglik, fit.loglik, rtol=1e-10)
    assert again.concordance == fit.concordance
    assert math.isclose(again.concordance_se, fit.concordance_se, rel_tol=1e-10)


@SETTINGS
@given(survival_frames(), st.floats(-50, 50), st.sampled_from([0.5, 3.0]))
def test_shift_and_scale_of_a_covariate(df: pd.DataFrame, shift: float, factor: float) -> None:
    assume(_usable(df))
    fit = _fit(df)
    assume(_regular(fit))
    moved = _fit(df.assign(x=df["x"] * factor + shift))
    np.testing.assert_allclose(moved.coef[0] * factor, fit.coef[0], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(moved.coef[1], fit.coef[1], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(moved.loglik, fit.loglik, rtol=1e-9)
    np.testing.assert_allclose(moved.z, fit.z, rtol=1e-6)
    assert math.isclose(moved.score.chisq, fit.score.chisq, rel_tol=1e-8)


@SETTINGS
@given(survival_frames())
def test_recoded_reference_inverts_the_hazard_ratio(df: pd.DataFrame) -> None:
    assume(_usable(df))
    two = df.assign(g=np.where(df["g"] == "a", "a", "b"))
    assume(two["g"].nunique() == 2)
    base = _fit(two, covariates=["x", "g"], categorical=["g"])
    assume(_regular(base))
    flipped = _fit(two, covariates=["x", "g"], categorical=["g"], reference={"g": "b"})
    assert base.terms[1] == "gb"
    assert flipped.terms[1] == "ga"
    np.testing.assert_allclose(flipped.hr[1], 1.0 / base.hr[1], rtol=1e-7)
    np.testing.assert_allclose(flipped.hr_lower[1], 1.0 / base.hr_upper[1], rtol=1e-7)
    np.testing.assert_allclose(flipped.se, base.se, rtol=1e-7)
    np.testing.assert_allclose(flipped.loglik, base.loglik, rtol=1e-10)


@SETTINGS
@given(survival_frames())
def test_stratified_fit_is_invariant_to_stratum_labels(df: pd.DataFrame) -> None:
    assume(_usable(df))
    fit = _fit(df, strata="s")
    assume(_regular(fit))
    renamed = _fit(df.assign(s=np.where(df["s"] == 0, "zero", "one")), strata="s")
    np.testing.assert_allclose(renamed.coef, fit.coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(renamed.concordance, fit.concordance, rtol=1e-12)


# ----------------------------------------------------------------- concordance


def _pairs(
    time: np.ndarray[Any, Any],
    status: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    w: np.ndarray[Any, Any],
    strata: np.ndarray[Any, Any],
    start: np.ndarray[Any, Any] | None,
) -> tuple[float, float, float]:
    """R's pairs, counted one by one."""
    conc = disc = tied = 0.0
    n = time.shape[0]
    for i in range(n):
        if status[i] == 0:
            continue
        for j in range(n):
            if j == i or strata[j] != strata[i]:
                continue
            later = time[j] > time[i] or (time[j] == time[i] and status[j] == 0)
            entered = start is None or start[j] < time[i]
            if not (later and entered):
                continue
            ww = w[i] * w[j]
            if score[i] > score[j]:
                conc += ww
            elif score[i] < score[j]:
                disc += ww
            else:
                tied += ww
    return conc, disc, tied


@SETTINGS
@given(survival_frames(min_n=2, max_n=30), st.booleans(), st.booleans(), st.booleans())
def test_concordance_counts_every_pair(
    df: pd.DataFrame, weighted: bool, stratified: bool, counting: bool
) -> None:
    time = df["time"].to_numpy(float)
    status = df["status"].to_numpy(float)
    score = df["z"].to_numpy(float)  # rounded: ties on the score
    w = df["w"].to_numpy(float) if weighted else np.ones(len(df))
    strata = df["s"].to_numpy() if stratified else np.zeros(len(df), dtype=int)
    start = df["start"].to_numpy(float) if counting else None
    ours = concordance(
        time,
        status,
        score,
        start=start,
        strata=strata if stratified else None,
        weights=w if weighted else None,
    )
    conc, disc, tied = _pairs(time, status, score, w, strata, start)
    assert math.isclose(ours.concordant, conc, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(ours.discordant, disc, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(ours.tied_x, tied, rel_tol=1e-12, abs_tol=1e-9)
    if conc + disc + tied > 0:
        expected = (conc + tied / 2) / (conc + disc + tied)
        assert math.isclose(ours.concordance, expected, rel_tol=1e-12)
        assert ours.std >= 0


def test_concordance_threaded_path_agrees() -> None:
    import tacepath.survival._concordance as module

    rng = np.random.default_rng(2)
    n = 5000
    time = rng.integers(1, 400, n).astype(float)
    status = (rng.random(n) < 0.6).astype(float)
    score = np.round(rng.normal(size=n), 2)
    w = rng.uniform(0.5, 2, n)
    strata = rng.integers(0, 3, n)
    saved = module._THREADED
    try:
        module._THREADED = 10**9
        single = [concordance(time, status, score, strata=strata, weights=ww) for ww in (None, w)]
        module._THREADED = 100
        threaded = [concordance(time, status, score, strata=strata, weights=ww) for ww in (None, w)]
    finally:
        module._THREADED = saved
    for a, b in zip(single, threaded, strict=True):
        assert math.isclose(a.concordant, b.concordant, rel_tol=1e-13)
        assert math.isclose(a.discordant, b.discordant, rel_tol=1e-13)
        assert math.isclose(a.std, b.std, rel_tol=1e-12)
