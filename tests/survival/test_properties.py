"""Invariants of the Kaplan–Meier estimate and the log-rank test (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.survival import kaplan_meier, logrank_test
from tacepath.survival._km import kaplan_meier_arrays
from tacepath.survival._logrank import logrank_arrays
from tests.strategies import survival_frame

rows = st.lists(
    st.tuples(st.integers(1, 60), st.integers(0, 1), st.integers(0, 2)), min_size=2, max_size=80
)


@given(rows)
@settings(max_examples=150, deadline=None)
def test_curve_is_a_non_increasing_probability_inside_its_band(data: list) -> None:
    fit = kaplan_meier(survival_frame(data), time="t", event="e", group="g")
    for c in fit.curves:
        assert np.all((c.surv >= 0) & (c.surv <= 1))
        assert np.all(np.diff(c.surv) <= 0)
        ok = ~np.isnan(c.lower)
        assert np.all(c.lower[ok] <= c.surv[ok] + 1e-12)
        assert np.all(c.upper[ok] >= c.surv[ok] - 1e-12)
        assert np.all(np.diff(c.n_risk) <= 0)
        assert c.n_risk[0] == c.n


@given(rows, st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_row_order_changes_nothing(data: list, rnd: object) -> None:
    df = survival_frame(data)
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    a = kaplan_meier(df, time="t", event="e", group="g").to_frame()
    b = kaplan_meier(shuffled, time="t", event="e", group="g").to_frame()
    pd.testing.assert_frame_equal(a, b)


@given(rows, st.integers(0, 1))
@settings(max_examples=150, deadline=None)
def test_whole_number_fast_path_equals_the_sorting_path(data: list, weighted: int) -> None:
    """Integer times are tabulated by bincount; adding 0.5 forces the sorting path."""
    df = survival_frame(data)
    w = np.arange(len(df)) % 3 + 1.0 if weighted else None
    fast = kaplan_meier_arrays(df["t"].to_numpy(), df["e"].to_numpy(), weights=w)[0]
    slow = kaplan_meier_arrays(df["t"].to_numpy() + 0.5, df["e"].to_numpy(), weights=w)[0]
    np.testing.assert_allclose(fast.time + 0.5, slow.time)
    for key in ("n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"):
        np.testing.assert_allclose(getattr(fast, key), getattr(slow, key), rtol=1e-12)
    np.testing.assert_allclose(fast.rmean + 0.5 * 0, slow.rmean - 0.5, rtol=1e-12)
    g = df["g"].to_numpy()
    if len(set(g)) > 1:
        a = logrank_arrays(df["t"].to_numpy(), df["e"].to_numpy(), g)
        b = logrank_arrays(df["t"].to_numpy() + 0.5, df["e"].to_numpy(), g)
        for x, y in zip(a[1:4], b[1:4], strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


@given(rows)
@settings(max_examples=100, deadline=None)
def test_logrank_does_not_depend_on_group_names(data: list) -> None:
    df = survival_frame(data)
    if df["g"].nunique() < 2 or df["e"].sum() == 0:
        return
    a = logrank_test(df, time="t", event="e", group="g")
    renamed = df.assign(g=df["g"].map({0: "z", 1: "y", 2: "x"}))
    b = logrank_test(renamed, time="t", event="e", group="g")
    np.testing.assert_allclose(a.chisq, b.chisq, rtol=1e-9, atol=1e-12)
    assert a.df == b.df
    np.testing.assert_allclose(sorted(a.observed), sorted(b.observed))


@given(rows)
@settings(max_examples=100, deadline=None)
def test_observed_and_expected_totals_match(data: list) -> None:
    df = survival_frame(data)
    if df["g"].nunique() < 2:
        return
    res = logrank_test(df, time="t", event="e", group="g")
    np.testing.assert_allclose(res.observed.sum(), df["e"].sum())
    np.testing.assert_allclose(res.expected.sum(), df["e"].sum())
    np.testing.assert_allclose(res.variance.sum(axis=1), 0, atol=1e-9)


def test_tied_times_within_r_tolerance_are_merged() -> None:
    """R aeqSurv: 1 and 1 + 1e-12 are one time, so a CSV round trip cannot split a tie."""
    df = pd.DataFrame({"t": [1.0, 1.0 + 1e-12, 2.0, 3.0], "e": [1, 1, 0, 1]})
    c = kaplan_meier(df, time="t", event="e").curves[0]
    assert c.time.tolist() == [1.0, 2.0, 3.0]
    assert c.n_event.tolist() == [2, 0, 1]


@given(
    st.lists(st.integers(0, 70_000), min_size=1001, max_size=1500),
    st.booleans(),
)
@settings(max_examples=30, deadline=None)
def test_argsort_times_sorts(values: list[int], half: bool) -> None:
    """The radix path (whole numbers, span < 65 536) and the default path both sort."""
    from tacepath.survival._data import argsort_times

    t = np.asarray(values, dtype=float) + (0.5 if half else 0.0)
    order = argsort_times(t)
    np.testing.assert_array_equal(t[order], np.sort(t))
