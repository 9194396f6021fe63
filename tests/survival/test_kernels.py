"""The compiled survival kernels give the numbers of the NumPy paths they replace.

Each fast path (values sorted per group and merged instead of an argsort, one compiled
sweep) is compared with the argsort path on the same data: weights of one take Kaplan–Meier
through the argsort path, a single stratum takes the log-rank test through the tables path.
The compiled Cox sums are compared with the vectorised counting-process sums, the Fenwick
count with a direct count of pairs. The R fixtures (test_km_r, test_logrank_r, test_fh_r,
test_cox_r) check all of them against R."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tacepath.survival import _kernels
from tacepath.survival._coxfit import _per_row, _terms, evaluate, risk_sets
from tacepath.survival._data import TIMEFIX_TOLERANCE, aeq_chains, aeq_sorted, group_codes
from tacepath.survival._km import _Counts, _product_limit, kaplan_meier_arrays
from tacepath.survival._logrank import logrank_sums

# Quarter days, so ties are common and most draws are not whole numbers (the sort path);
# a tiny jitter on some rows makes times equal only up to R's aeqSurv tolerance.
rows = st.lists(
    st.tuples(
        st.integers(1, 240), st.integers(0, 1), st.integers(0, 3), st.sampled_from([0, 0, 1])
    ),
    min_size=2,
    max_size=120,
)


def _arrays(data: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, ...]:
    q, e, g, jitter = (np.asarray(v) for v in zip(*data, strict=True))
    t = q / 4.0 + jitter * 1e-12 * q
    return t, e.astype(float), g


CURVE_FIELDS = (
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "surv",
    "std_err",
    "lower",
    "upper",
    "cumhaz",
    "std_chaz",
)


@given(rows)
@settings(max_examples=200, deadline=None)
def test_merged_kaplan_meier_equals_the_argsort_path(data: list) -> None:
    t, e, g = _arrays(data)
    fast = kaplan_meier_arrays(t, e, group=g)
    slow = kaplan_meier_arrays(t, e, group=g, weights=np.ones(t.size))
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert a.group == b.group
        assert a.n == b.n
        assert a.tau == b.tau
        for field in CURVE_FIELDS:
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


@given(rows, st.sampled_from([(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.5, 2.0)]))
@settings(max_examples=200, deadline=None)
def test_merged_logrank_equals_the_table_path(data: list, weight: tuple[float, float]) -> None:
    t, e, g = _arrays(data)
    assume(len(set(g.tolist())) >= 2)  # the test compares groups (logrank_test refuses one)
    rho, gamma = weight
    one = np.zeros(t.size, dtype=np.intp)
    fast = logrank_sums(t, e, g, strata=None, rho=rho, gamma=gamma, fix_times=True)
    slow = logrank_sums(t, e, g, strata=one, rho=rho, gamma=gamma, fix_times=True)
    assert fast[0] == slow[0]
    np.testing.assert_array_equal(fast[4], slow[4])
    for a, b in zip(fast[1:4], slow[1:4], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_logrank_on_a_hand_example() -> None:
    """Two groups, deaths at 1 (group 0) and 2 (group 1), a censoring at 3 (group 0):
    at t=1, n = (2, 1), d = 1 → E0 = 2/3, V = 2/9; at t=2, n = (1, 1), d = 1 → E0 = 1/2,
    V = 1/4. Observed group 0 = 1, expected 7/6, variance 17/36."""
    t = np.array([1.5, 2.5, 3.5])
    _, o, ex, v, _ = logrank_sums(
        t, np.array([1.0, 1.0, 0.0]), np.array([0, 1, 0]), strata=None, rho=0.0, fix_times=True
    )
    np.testing.assert_allclose(o, [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(ex, [7 / 6, 5 / 6], rtol=1e-15)
    np.testing.assert_allclose(v, [[17 / 36, -17 / 36], [-17 / 36, 17 / 36]], rtol=1e-15)


@given(
    st.lists(st.floats(0.0, 1e4, allow_nan=False), min_size=0, max_size=60),
    st.lists(st.integers(0, 59), max_size=10),
    st.sampled_from([1e-9, 1e-7, TIMEFIX_TOLERANCE * 0.999, TIMEFIX_TOLERANCE * 1.001]),
)
@settings(max_examples=300, deadline=None)
def test_aeq_precheck_changes_nothing(values: list, near: list, gap: float) -> None:
    x = list(values)
    for i in near:  # add near-ties just below and above the tolerance
        if i < len(x):
            x.append(x[i] + gap * max(1.0, abs(x[i])))
    ts = np.sort(np.asarray(x, dtype=float))
    expected = _aeq_numpy(ts)
    np.testing.assert_array_equal(aeq_sorted(ts), expected)
    np.testing.assert_array_equal(aeq_chains(ts), expected)
    assert (aeq_sorted(ts) is ts) == (expected is ts)


def _aeq_numpy(ts: np.ndarray, tolerance: float = TIMEFIX_TOLERANCE) -> np.ndarray:
    """The earlier NumPy form of R's aeqSurv on sorted times (the reference)."""
    if ts.size < 2:
        return ts
    new = np.empty(ts.size, dtype=bool)
    new[0] = True
    np.not_equal(ts[1:], ts[:-1], out=new[1:])
    u = ts[new]
    if u.size < 2:
        return ts
    dy = np.diff(u)
    scale = float(np.mean(np.abs(u)))
    tied = dy <= tolerance
    if scale > 0:
        tied |= dy / scale <= tolerance
    if not tied.any():
        return ts
    cut = np.concatenate([[True], ~tied])
    chain = np.cumsum(cut) - 1
    return np.asarray(u[cut][chain[np.cumsum(new) - 1]], dtype=float)


def test_aeq_merges_a_floating_point_tie_and_keeps_a_real_gap() -> None:
    ts = np.array([1.0, 1.0 + 1e-12, 2.0, 2.0 + 1e-6])
    np.testing.assert_array_equal(aeq_sorted(ts), [1.0, 1.0, 2.0, 2.0 + 1e-6])


@given(
    st.lists(
        st.tuples(st.integers(1, 50), st.integers(0, 5)).map(lambda p: (p[0], min(p[0], p[1]))),
        min_size=1,
        max_size=40,
    )
)
@settings(max_examples=200, deadline=None)
def test_product_limit_sweep_equals_the_numpy_formula(nd: list[tuple[int, int]]) -> None:
    n = np.array([a for a, _ in nd], dtype=float)
    d = np.array([b for _, b in nd], dtype=float)
    c = _Counts(time=np.arange(n.size, dtype=float), n_risk=n, n_event=d, n_censor=0 * d, d_count=d)
    surv, green, haz, haz_var = _product_limit(c)
    has = d > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(surv, np.cumprod(np.where(has, (n - d) / n, 1.0)))
        np.testing.assert_array_equal(green, np.cumsum(np.where(has, d / (n * (n - d)), 0.0)))
        np.testing.assert_array_equal(haz, np.cumsum(np.where(has, d / n, 0.0)))
        np.testing.assert_array_equal(haz_var, np.cumsum(np.where(has, d / n / n, 0.0)))


@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.floats(0.0, 1e12, allow_nan=False),
                st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1.0, 1.0 + 2**-52, 1e12]),
            ),
            st.integers(0, 3),
            st.integers(0, 1),
        ),
        max_size=200,
    )
)
@settings(max_examples=300, deadline=None)
def test_radix_sort_equals_a_stable_argsort(data: list) -> None:
    t = np.array([r[0] for r in data], dtype=float)
    g = np.array([r[1] for r in data], dtype=np.int64)
    e = np.array([r[2] for r in data], dtype=float)
    ts, run, rows = _kernels.sort_by_time(t, g, e, 4)
    order = np.argsort(t, kind="stable")
    np.testing.assert_array_equal(ts, t[order])
    assert not np.signbit(ts).any()  # -0.0 comes back as 0.0
    np.testing.assert_array_equal(run, (g * 2 + e.astype(np.int64))[order])
    np.testing.assert_array_equal(rows, np.bincount(g * 2 + e.astype(np.int64), minlength=8))


def test_radix_sort_of_a_million_draws_equals_numpy() -> None:
    rng = np.random.default_rng(11)
    t = rng.exponential(365.0, 1_000_000)
    g = rng.integers(0, 2, t.size)
    e = rng.integers(0, 2, t.size).astype(float)
    ts, run, _ = _kernels.sort_by_time(t, g, e, 2)
    order = np.argsort(t, kind="stable")
    np.testing.assert_array_equal(ts, t[order])
    np.testing.assert_array_equal(run, (g * 2 + e.astype(np.int64))[order])


def test_cache_folder_falls_back_when_numba_places_are_read_only(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    unusable = blocker / "sub"  # a folder inside a file cannot be made
    chosen = _kernels.fallback_cache_dir({}, unusable, blocker, tmp_path)
    assert chosen is not None
    assert chosen.parent == tmp_path
    assert chosen.name.startswith("tacepath-numba-")
    chosen_by_caller = {"NUMBA_CACHE_DIR": "x"}
    assert _kernels.fallback_cache_dir(chosen_by_caller, unusable, blocker, tmp_path) is None
    assert _kernels.fallback_cache_dir({}, tmp_path / "pkg", blocker, tmp_path) is None


@pytest.mark.parametrize("n_groups", [1, 2, 4])
def test_merged_kaplan_meier_at_risk_counts_by_hand(n_groups: int) -> None:
    t = np.array([0.5, 1.5, 1.5, 2.5, 3.5, 4.5, 4.5, 5.5] * n_groups)
    e = np.array([1, 1, 0, 0, 1, 1, 1, 0] * n_groups, dtype=float)
    g = np.repeat(np.arange(n_groups), 8)
    for c in kaplan_meier_arrays(t, e, group=g):
        np.testing.assert_array_equal(c.time, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        np.testing.assert_array_equal(c.n_risk, [8, 7, 5, 4, 3, 1])
        np.testing.assert_array_equal(c.n_event, [1, 1, 0, 1, 2, 0])
        np.testing.assert_allclose(c.surv[-1], 7 / 8 * 6 / 7 * 3 / 4 * 1 / 3, rtol=1e-15)


@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 6), st.floats(-3, 3), st.floats(0, 3)),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=200, deadline=None)
def test_fenwick_dominance_equals_a_direct_count(data: list) -> None:
    data = sorted(data, key=lambda r: r[0])  # groups are contiguous in a sequence
    group = np.array([r[0] for r in data], dtype=np.int64)
    rank = np.array([r[1] for r in data], dtype=np.int64)
    a = np.array([r[2] for r in data])
    b = np.array([r[3] for r in data])
    less, greater = _kernels.dominance(group, rank, 7, a, b)
    n = len(data)
    for k in range(n):
        same = group == group[k]
        before = same & (np.arange(n) < k) & (rank < rank[k])
        after = same & (np.arange(n) > k) & (rank > rank[k])
        assert math.isclose(less[k], a[before].sum(), rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(greater[k], b[after].sum(), rel_tol=1e-12, abs_tol=1e-12)


cox_rows = st.lists(
    st.tuples(
        st.integers(1, 25),  # time (ties)
        st.integers(0, 1),  # status
        st.integers(0, 2),  # stratum
        st.floats(-2, 2),
        st.floats(-2, 2),
        st.sampled_from([1.0, 0.5, 2.0, 1.5]),  # weight
    ),
    min_size=3,
    max_size=80,
)


@given(cox_rows, st.booleans(), st.floats(-1, 1), st.floats(-1, 1))
@settings(max_examples=200, deadline=None)
def test_compiled_cox_sums_equal_the_vectorised_risk_sets(
    data: list, efron: bool, b1: float, b2: float
) -> None:
    """The compiled sweep (right-censored, and counting process with entry at 0, where
    rows also leave the sums) equals the vectorised risk-set sums (suffix sums over stop
    and start, the former NumPy evaluation)."""
    t, s, g, x1, x2, w = (np.asarray(v) for v in zip(*data, strict=True))
    assume(s.sum() > 0)
    t, s = t.astype(float), s.astype(float)
    g = g.astype(np.intp)
    x = np.vstack([x1, x2])
    beta = np.array([b1, b2])
    # entry at 0 for all, or half-way before the stop for some (they leave the risk sets)
    for start in (None, np.zeros(t.size), np.where(np.arange(t.size) % 2 == 1, t / 2, 0.0)):
        rs = risk_sets(t, s, start, g, efron=efron)
        xt, ws = x[:, rs.order], w[rs.order]
        ll_a, u_a, i_a = evaluate(rs, xt, ws, beta)
        ll_b, u_b, i_b = _evaluate_numpy(rs, xt, ws, beta)
        assert math.isclose(ll_a, ll_b, rel_tol=1e-10, abs_tol=1e-10)
        np.testing.assert_allclose(u_a, u_b, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(i_a, i_b, rtol=1e-9, atol=1e-10)


def _evaluate_numpy(
    rs: Any, xt: np.ndarray, w: np.ndarray, beta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """The former vectorised evaluation (reference): per-term sums from suffix sums, the
    information through each row's cumulative hazard."""
    t = _terms(rs, xt, w, beta)
    dr = rs.death_rows
    loglik = float(np.dot(w[dr], t.eta[dr] - t.shift) - np.dot(t.wtave, np.log(t.den)))
    hz = t.wtave / t.den
    u = np.take(xt, dr, axis=1) @ w[dr] - t.sums @ hz
    h = _per_row(rs, hz, (1.0 - rs.downwt) * hz)
    info = (xt * (w * t.score * h)) @ xt.T - (t.sums * (hz / t.den)) @ t.sums.T
    return loglik, u, info


def test_cox_sums_of_a_hand_example() -> None:
    """Breslow, one covariate x = (1, 0, 1), beta = 0, deaths at times 1 and 2, the third
    row censored at 3: U = (1 − 2/3) + (0 − 1/2) = −1/6, I = 2/9 + 1/4 = 17/36,
    log L = −log 3 − log 2."""
    t = np.array([1.0, 2.0, 3.0])
    s = np.array([1.0, 1.0, 0.0])
    rs = risk_sets(t, s, None, None, efron=False)
    x = np.array([[1.0, 0.0, 1.0]])
    ll, u, info = evaluate(rs, x[:, rs.order], np.ones(3), np.zeros(1))
    assert math.isclose(ll, -math.log(3) - math.log(2), rel_tol=1e-15)
    np.testing.assert_allclose(u, [-1 / 6], rtol=1e-14)
    np.testing.assert_allclose(info, [[17 / 36]], rtol=1e-14)


@given(
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=50)
    | st.lists(st.integers(-5, 5), min_size=1, max_size=50)
)
@settings(max_examples=200, deadline=None)
def test_integer_group_codes_equal_a_sorted_factorize(values: list[int]) -> None:
    arr = np.asarray(values, dtype=np.int64)
    levels, codes = group_codes(arr)
    expected_codes, uniques = pd.factorize(arr, sort=True)
    assert levels == [int(v) for v in uniques.tolist()]
    np.testing.assert_array_equal(codes, expected_codes)
