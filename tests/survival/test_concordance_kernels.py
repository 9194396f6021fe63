"""The compiled passes of the concordance give the numbers of the NumPy form they replace,
bit for bit.

``_concordance_kernels.right_sequence`` (the sequence of right-censored rows, no sort) is compared
with the stable argsort of the sequence key (``_concordance._sorted_sequence``), and
``_concordance_kernels.concordance_terms`` with the earlier NumPy form, kept here as the reference,
on data with tied times, tied scores, strata, case weights and (start, stop] intervals.
The R fixtures (test_cox_r) check the concordance itself against R."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.survival import _concordance, _concordance_kernels

rows = st.lists(
    st.tuples(
        st.integers(1, 12),  # time
        st.integers(0, 1),  # event
        st.integers(0, 4),  # score (few values: ties)
        st.integers(0, 2),  # stratum
        st.integers(1, 4),  # weight
        st.integers(0, 9),  # start, tenths of the time
    ),
    min_size=1,
    max_size=80,
)


def _columns(data: list) -> tuple[np.ndarray, ...]:
    t, e, s, g, w, f = (np.asarray(v) for v in zip(*data, strict=True))
    return t.astype(float), e.astype(float), s.astype(float), g, w / 2.0, t * f / 10.0


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = values.shape[0]
    new = np.ones(n, dtype=bool)
    new[1:] = values[1:] != values[:-1]
    starts = np.flatnonzero(new)
    lens = np.diff(np.append(starts, n))
    return np.repeat(starts, lens), np.repeat(starts + lens, lens)


def _terms_numpy(
    less: np.ndarray,
    greater: np.ndarray,
    o2: np.ndarray,
    fin: np.ndarray,
    block: np.ndarray,
    g: np.ndarray,
    a: np.ndarray | None,
    b: np.ndarray,
    event: np.ndarray,
    leave: np.ndarray | None,
    score_ties: bool,
) -> tuple[Any, ...]:
    """The earlier NumPy form of the concordance terms (the reference)."""
    m = less.size
    eq_before: Any = 0.0
    eq_after: Any = 0.0
    if score_ties:
        lens = np.diff(np.append(fin, m))
        rs = np.repeat(fin, lens)
        re = np.repeat(fin + lens, lens)
        sub_s, sub_e = _runs(block[o2])
        sub_s = np.maximum(sub_s, rs)
        sub_e = np.minimum(sub_e, re)
        ao2 = np.ones(m) if a is None else a[o2]
        ca2 = np.concatenate([[0.0], np.cumsum(ao2)])
        cb2 = np.concatenate([[0.0], np.cumsum(b[o2])])
        eq_before = np.empty(m)
        eq_after = np.empty(m)
        eq_before[o2] = ca2[sub_s] - ca2[rs]
        eq_after[o2] = cb2[re] - cb2[sub_e]
    bs, be = _runs(block)
    gs, ge = _runs(g)
    if a is None:
        total_before = (bs - gs).astype(float)
    else:
        ca = np.concatenate([[0.0], np.cumsum(a)])
        total_before = ca[bs] - ca[gs]
    cb = np.concatenate([[0.0], np.cumsum(b)])
    total_after = cb[ge] - cb[be]
    ev_conc = less * event
    ev_tied = eq_before * event
    ev_disc = (total_before - less - eq_before) * event
    rk_disc = total_after - greater - eq_after
    rk_tied = eq_after
    greater = greater.copy()
    if leave is not None:
        sign = np.where(leave, -1.0, 1.0)
        greater *= sign
        rk_disc *= sign
        rk_tied = eq_after * sign
    return (
        ev_conc,
        ev_disc,
        ev_tied,
        ev_conc + greater,
        ev_disc + rk_disc,
        ev_tied + rk_tied,
    )


@given(rows, st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_right_sequence_equals_the_stable_argsort(
    data: list, stratified: bool, order: bool
) -> None:
    t, e, s, g, _, _ = _columns(data)
    strata = g if stratified else np.zeros(t.size, dtype=np.intp)
    ranked = _concordance._dense_rank(s)
    base = np.lexsort((t, strata)) if order else None
    fast = _concordance._sequence(t, e, ranked, None, strata, base)
    slow = _concordance._sorted_sequence(t, e, ranked, None, strata, base)
    for x, y in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(x, y)


@given(rows, st.booleans(), st.booleans(), st.booleans())
@settings(max_examples=300, deadline=None)
def test_concordance_terms_equal_the_numpy_form(
    data: list, stratified: bool, weighted: bool, counting: bool
) -> None:
    t, e, s, g, w, start = _columns(data)
    strata = g if stratified else np.zeros(t.size, dtype=np.intp)
    rank, n_rank = _concordance._dense_rank(s)
    row, kind, block = _concordance._sequence(
        t, e, (rank, n_rank), start if counting else None, strata, None
    )
    event = kind == 2
    leave = kind == 1 if counting else None
    m = row.size
    grp = strata[row].astype(np.int64)
    unit = not weighted and not counting
    wr = w[row] if weighted else np.ones(m)
    a = None if unit else (np.where(leave, -wr, wr) if leave is not None else wr)
    b = event.astype(float) if unit else np.where(event, wr, 0.0)
    less, greater, o2, fin = _concordance._dominance(grp, rank[row], n_rank, a, b)
    ties = n_rank != t.size
    expected = _terms_numpy(less, greater, o2, fin, block, grp, a, b, event, leave, ties)
    got = _concordance_kernels.concordance_terms(
        less.copy(),
        greater.copy(),
        o2.astype(np.int64),
        fin.astype(np.int64),
        block.astype(np.int64),
        grp,
        np.zeros(0) if a is None else a,  # empty: all ones
        b,
        event,
        np.zeros(0) if leave is None else np.where(leave, -1.0, 1.0),
        ties,
    )
    for x, y in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, np.broadcast_to(y, x.shape))


def test_concordance_of_a_hand_example() -> None:
    """Events at 1 (score 3) and 2 (score 1), censored at 3 (score 2): pairs (1, 2)
    concordant, (1, 3) concordant, (2, 3) discordant; concordance 2/3."""
    c = _concordance.concordance(
        np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0]), np.array([3.0, 1.0, 2.0])
    )
    assert (c.concordant, c.discordant, c.tied_x) == (2.0, 1.0, 0.0)
    assert c.concordance == 2 / 3
