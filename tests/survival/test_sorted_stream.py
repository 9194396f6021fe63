"""The radix-sorted stream of Kaplan–Meier and the log-rank test against a plain NumPy
reference written from the definitions, on adversarial times.

The times are quarter days with chains of near-ties added just inside and just outside
R's ``aeqSurv`` tolerance (absolute and relative), ties across groups, zeros, all rows
censored and a single group. The reference merges ties with the NumPy form of
``aeqSurv`` (``test_kernels._aeq_numpy``), then counts each group with ``np.unique``
and sums the log-rank terms time by time; the engine must give the same counts bit for
bit and the same statistics to rounding."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tacepath.survival._data import TIMEFIX_TOLERANCE
from tacepath.survival._km import kaplan_meier_arrays
from tacepath.survival._logrank import logrank_sums
from tests.survival.test_kernels import _aeq_numpy

# Steps added k times to a base time: none, floating-point noise, just inside and just
# outside the tolerance (relative to the base), an absolute step just inside it.
STEPS = [
    0.0,
    1e-12,
    TIMEFIX_TOLERANCE * 0.999,
    TIMEFIX_TOLERANCE * 1.001,
    TIMEFIX_TOLERANCE * 2.0,
]

row = st.tuples(
    st.integers(0, 40),  # base, in quarter days (0 is a time of zero)
    st.integers(0, 3),  # steps added
    st.sampled_from(range(len(STEPS))),
    st.integers(0, 3),  # group
    st.integers(0, 1),  # event
)


def _data(rows: list, censor_all: bool, one_group: bool) -> tuple[np.ndarray, ...]:
    base, k, step, g, e = (np.asarray(v) for v in zip(*rows, strict=True))
    b = base / 4.0
    t = b + k * np.asarray(STEPS)[step] * np.maximum(b, 1.0)
    if censor_all:
        e = np.zeros_like(e)
    if one_group:
        g = np.zeros_like(g)
    return t, e.astype(float), g


def _fixed(t: np.ndarray) -> np.ndarray:
    """Each time replaced by the first of its ``aeqSurv`` chain (NumPy reference)."""
    order = np.argsort(t, kind="stable")
    out = np.empty_like(t)
    out[order] = _aeq_numpy(t[order])
    return out


def _km_reference(t: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, ...]:
    times, counts = np.unique(t, return_counts=True)
    n_event = np.bincount(np.searchsorted(times, t), weights=e, minlength=times.size)
    n_risk = np.array([np.sum(t >= u) for u in times], dtype=float)
    n_censor = counts - n_event
    surv = np.cumprod(np.where(n_event > 0, (n_risk - n_event) / n_risk, 1.0))
    return times, n_risk, n_event, n_censor, surv


cases = st.tuples(st.lists(row, min_size=1, max_size=80), st.booleans(), st.booleans())


@given(cases)
@settings(max_examples=300, deadline=None)
def test_kaplan_meier_equals_the_numpy_reference(case: tuple) -> None:
    t, e, g = _data(*case)
    fixed = _fixed(t)
    curves = kaplan_meier_arrays(t, e, group=g)
    levels = np.unique(g)
    assert [c.group for c in curves] == levels.tolist()
    for c, level in zip(curves, levels, strict=True):
        m = g == level
        times, n_risk, n_event, n_censor, surv = _km_reference(fixed[m], e[m])
        assert c.n == int(m.sum())
        assert c.tau == float(fixed.max())
        np.testing.assert_array_equal(c.time, times)
        np.testing.assert_array_equal(c.n_risk, n_risk)
        np.testing.assert_array_equal(c.n_event, n_event)
        np.testing.assert_array_equal(c.n_censor, n_censor)
        np.testing.assert_allclose(c.surv, surv, rtol=1e-14, atol=0)


def _logrank_reference(t: np.ndarray, e: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    levels = np.unique(g)
    k = levels.size
    observed, expected = np.zeros(k), np.zeros(k)
    variance = np.zeros((k, k))
    for u in np.unique(t[e == 1]):
        n_j = np.array([np.sum((t >= u) & (g == lv)) for lv in levels], dtype=float)
        d_j = np.array([np.sum((t == u) & (e == 1) & (g == lv)) for lv in levels], dtype=float)
        n, d = n_j.sum(), d_j.sum()
        observed += d_j
        expected += d * n_j / n
        if n > 1:
            f = n_j / n
            variance += d * (n - d) / (n - 1) * (np.diag(f) - np.outer(f, f))
    return observed, expected, variance


@given(cases)
@settings(max_examples=300, deadline=None)
def test_logrank_equals_the_numpy_reference(case: tuple) -> None:
    t, e, g = _data(*case)
    assume(np.unique(g).size >= 2)  # a test compares groups (logrank_test refuses one)
    levels, observed, expected, variance, counts = logrank_sums(
        t, e, g, strata=None, rho=0.0, fix_times=True
    )
    o, ex, v = _logrank_reference(_fixed(t), e, g)
    assert levels == np.unique(g).tolist()
    np.testing.assert_array_equal(counts, np.bincount(np.searchsorted(np.unique(g), g)))
    np.testing.assert_array_equal(observed, o)
    np.testing.assert_allclose(expected, ex, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(variance, v, rtol=1e-12, atol=1e-12)


def test_near_ties_across_groups_merge_into_one_time() -> None:
    """1 and 1 + 1e-12 are one time (R aeqSurv), even in different groups: at it, group 0
    has 2 at risk and 1 death, group 1 has 2 at risk and 1 death; 1 + 2e-8 is not tied."""
    t = np.array([1.0, 1.0 + 1e-12, 1.0 + 2e-8, 1.0 + 2e-8 + 1e-13])
    e = np.array([1.0, 1.0, 0.0, 1.0])
    g = np.array([0, 1, 0, 1])
    c0, c1 = kaplan_meier_arrays(t, e, group=g)
    np.testing.assert_array_equal(c0.time, [1.0, 1.0 + 2e-8])
    np.testing.assert_array_equal(c1.time, [1.0, 1.0 + 2e-8])
    np.testing.assert_array_equal(c0.n_risk, [2, 1])
    np.testing.assert_array_equal(c1.n_event, [1, 1])
    _, o, ex, _, _ = logrank_sums(t, e, g, strata=None, rho=0.0, fix_times=True)
    np.testing.assert_array_equal(o, [1.0, 2.0])
    np.testing.assert_allclose(ex, [1.0 + 1 / 2, 1.0 + 1 / 2], rtol=1e-15)
