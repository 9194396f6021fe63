"""Invariants of the Fleming–Harrington tests and MaxCombo (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tacepath.survival import logrank_test
from tacepath.survival._data import group_codes
from tacepath.survival._maxcombo import combo_sums
from tests.strategies import survival_frame

rows = st.lists(
    st.tuples(st.integers(1, 40), st.integers(0, 1), st.integers(0, 1)), min_size=4, max_size=80
)


@given(rows)
@settings(max_examples=100, deadline=None)
def test_g00_is_the_logrank_test_and_weights_add_up(data: list) -> None:
    d = survival_frame(data)
    assume(d["g"].nunique() == 2 and d["e"].sum() > 0)
    lr = logrank_test(d, time="t", event="e", group="g")
    g00 = logrank_test(d, time="t", event="e", group="g", rho=0, gamma=0)
    np.testing.assert_array_equal(g00.variance, lr.variance)
    assert g00.chisq == lr.chisq or (np.isnan(g00.chisq) and np.isnan(lr.chisq))
    # w(0,0) = w(0,1) + w(1,0): the U statistics and their covariances add up the same way.
    _, codes = group_codes(d["g"].to_numpy())
    combo = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0)]
    u, cov = combo_sums(d["t"].to_numpy(), d["e"].to_numpy(), codes, combo, strata=None)
    np.testing.assert_allclose(u[0], u[1] + u[2], atol=1e-9)
    np.testing.assert_allclose(cov[0, 0], cov[0, 1] + cov[0, 2], atol=1e-9)
    np.testing.assert_allclose(cov[0, 0], lr.variance[1, 1], rtol=1e-9, atol=1e-12)
    # Covariances of a set of statistics form a positive semi-definite matrix.
    assert np.linalg.eigvalsh(cov).min() >= -1e-9 * max(1.0, cov.max())
