"""Randomisation: balance within strata, reproducibility, and tamper detection."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.design.randomise import (
    AllocationTamperedError,
    BlockScheme,
    Factor,
    MinimisationScheme,
    minimisation_decision,
    permuted_blocks,
)
from tacepath.errors import InputError
from tacepath.interop.allocation_log import assign_next, create_allocation, load_allocation

FACTORS = (
    Factor(name="site", levels=("A", "B", "C")),
    Factor(name="milan", levels=("within", "beyond")),
    Factor(name="prior_tace", levels=("0", "1-2")),
)
ARMS = ("TACE plus sorafenib", "TACE alone")


def _blocks(seed: int = 7, sizes: tuple[int, ...] = (2, 4), n: int = 20) -> BlockScheme:
    return BlockScheme(
        arms=ARMS, ratio=(1, 1), factors=FACTORS, block_sizes=sizes, n_per_stratum=n, seed=seed
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    ratio=st.sampled_from([(1, 1), (2, 1), (1, 2, 1)]),
    multiples=st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True),
    n=st.integers(1, 30),
)
def test_permuted_blocks_are_balanced_within_every_stratum(
    seed: int, ratio: tuple[int, ...], multiples: list[int], n: int
) -> None:
    unit = sum(ratio)
    arms = tuple(f"arm{i}" for i in range(len(ratio)))
    scheme = BlockScheme(
        arms=arms,
        ratio=ratio,
        factors=FACTORS[:2],
        block_sizes=tuple(m * unit for m in multiples),
        n_per_stratum=n,
        seed=seed,
    )
    slots = permuted_blocks(scheme)
    largest = max(scheme.block_sizes)
    for stratum in {s.stratum for s in slots}:
        mine = [s for s in slots if s.stratum == stratum]
        assert n <= len(mine) < n + largest
        counts = dict.fromkeys(arms, 0)
        for i, s in enumerate(mine, start=1):
            counts[s.arm] += 1
            block_end = i == len(mine) or mine[i].block != s.block
            if block_end:  # every complete block holds the arms in the ratio
                total = sum(counts.values())
                assert [counts[a] * unit for a in arms] == [r * total for r in ratio]
            # at any point the imbalance is at most what one block can hold
            for a, r in zip(arms, ratio, strict=True):
                assert abs(counts[a] * unit - r * i) <= largest * r


def test_same_seed_same_list_other_seed_other_list() -> None:
    assert permuted_blocks(_blocks(7)) == permuted_blocks(_blocks(7))
    assert permuted_blocks(_blocks(7)) != permuted_blocks(_blocks(8))


def test_random_block_sizes_are_used() -> None:
    sizes = {s.block_size for s in permuted_blocks(_blocks(1, (2, 4, 6), 60))}
    assert sizes == {2, 4, 6}


def test_scheme_errors_name_the_option() -> None:
    with pytest.raises(InputError, match="block_sizes"):
        _blocks(sizes=(3,))
    with pytest.raises(InputError, match="arms"):
        BlockScheme(arms=("A",), ratio=(1,), factors=(), block_sizes=(2,), n_per_stratum=1, seed=0)


def test_minimisation_with_one_factor_and_p1_keeps_every_level_within_one() -> None:
    scheme = MinimisationScheme(arms=ARMS, ratio=(1, 1), factors=FACTORS, seed=3, p_preferred=1.0)
    rng = random.Random(0)
    history: list[tuple[dict[str, str], str]] = []
    for _ in range(200):
        levels = {f.name: rng.choice(f.levels) for f in FACTORS}
        history.append((levels, minimisation_decision(scheme, history, levels).arm))
    one = MinimisationScheme(arms=ARMS, ratio=(1, 1), factors=FACTORS[:1], seed=3, p_preferred=1.0)
    hist1: list[tuple[dict[str, str], str]] = []
    for levels, _ in history:
        hist1.append((levels, minimisation_decision(one, hist1, levels).arm))
        for level in FACTORS[0].levels:
            arms = [a for lv, a in hist1 if lv["site"] == level]
            assert abs(arms.count(ARMS[0]) - arms.count(ARMS[1])) <= 1


def test_minimisation_balances_margins_better_than_chance() -> None:
    """With p = 0.8, factor-level imbalance is a fraction of a coin toss's (Pocock & Simon)."""
    rng = random.Random(1)
    mini, coin = [], []
    for seed in range(10):
        scheme = MinimisationScheme(arms=ARMS, ratio=(1, 1), factors=FACTORS, seed=seed)
        history: list[tuple[dict[str, str], str]] = []
        tosses: list[tuple[dict[str, str], str]] = []
        for _ in range(156):
            levels = {f.name: rng.choice(f.levels) for f in FACTORS}
            history.append((levels, minimisation_decision(scheme, history, levels).arm))
            tosses.append((levels, rng.choice(ARMS)))
        for out, hist in ((mini, history), (coin, tosses)):
            for f in FACTORS:
                for level in f.levels:
                    arms = [a for lv, a in hist if lv[f.name] == level]
                    out.append(abs(arms.count(ARMS[0]) - arms.count(ARMS[1])))
    assert sum(mini) / len(mini) < 0.4 * sum(coin) / len(coin)
    assert max(mini) < max(coin)


def test_minimisation_is_reproducible_from_the_seed() -> None:
    scheme = MinimisationScheme(arms=ARMS, ratio=(1, 1), factors=FACTORS, seed=11)
    levels = {"site": "A", "milan": "within", "prior_tace": "0"}
    a = minimisation_decision(scheme, [], levels)
    assert a == minimisation_decision(scheme, [], levels)
    assert set(a.tied) == set(ARMS)  # the first subject: every arm ties


# --------------------------------------------------------------------------- the file


def _subjects(state_path: Path, n: int) -> None:
    rng = random.Random(5)
    for i in range(n):
        levels = {f.name: rng.choice(f.levels) for f in FACTORS}
        assign_next(state_path, f"P{i:03d}", levels, time="2026-01-01T00:00:00+00:00")


@pytest.mark.parametrize("method", ["permuted-blocks", "minimisation"])
def test_assignments_follow_the_list_and_replay(tmp_path: Path, method: str) -> None:
    path = tmp_path / "alloc.jsonl"
    scheme = (
        _blocks()
        if method == "permuted-blocks"
        else MinimisationScheme(arms=ARMS, ratio=(1, 1), factors=FACTORS, seed=2)
    )
    create_allocation(path, scheme, created="2026-01-01T00:00:00+00:00")
    _subjects(path, 25)
    state = load_allocation(path)
    assert len(state.assignments) == 25
    if method == "permuted-blocks":
        for a in state.assignments:
            key = tuple(a.strata[f.name] for f in FACTORS)
            slot = next(s for s in state.slots if s.stratum == key and s.index == a.slot)
            assert slot.arm == a.arm
    # Same seed, same subjects, same order: the same file, byte for byte.
    again = tmp_path / "again.jsonl"
    create_allocation(again, scheme, created="2026-01-01T00:00:00+00:00")
    _subjects(again, 25)
    assert again.read_bytes() == path.read_bytes()


def test_a_subject_cannot_be_randomised_twice(tmp_path: Path) -> None:
    path = tmp_path / "alloc.jsonl"
    create_allocation(path, _blocks())
    levels = {"site": "A", "milan": "within", "prior_tace": "0"}
    first, _ = assign_next(path, "P1", levels)
    with pytest.raises(InputError, match="not yet randomised"):
        assign_next(path, "P1", levels)
    with pytest.raises(InputError, match="--strata site"):
        assign_next(path, "P2", {**levels, "site": "Z"})
    with pytest.raises(InputError, match="new file"):
        create_allocation(path, _blocks())
    assert load_allocation(path).assignments[0].arm == first.arm


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def _write(path: Path, records: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False) + "\n" for r in records))  # fmt: skip


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "alloc.jsonl"
    create_allocation(path, _blocks(n=4))
    _subjects(path, 6)
    return path


def test_an_edited_arm_is_detected(filled: Path) -> None:
    recs = _lines(filled)
    last = recs[-1]
    last["arm"] = ARMS[1] if last["arm"] == ARMS[0] else ARMS[0]
    _write(filled, recs)
    with pytest.raises(AllocationTamperedError, match=f"line {len(recs)}.*edited"):
        load_allocation(filled)


def test_a_rewritten_chain_is_still_detected(filled: Path) -> None:
    """Editing a list entry and recomputing every hash: the seed re-draws the list."""
    from tacepath.design.randomise import GENESIS, _canonical, _sealed

    recs = _lines(filled)
    recs[1]["arm"] = ARMS[1] if recs[1]["arm"] == ARMS[0] else ARMS[0]
    prev = GENESIS
    out = []
    for r in recs:
        body = {k: v for k, v in r.items() if k not in ("hash", "prev")}
        sealed = _sealed(body, prev)
        prev = sealed["hash"]
        out.append(sealed)
    filled.write_text("".join(_canonical(r) + "\n" for r in out))
    with pytest.raises(AllocationTamperedError, match=r"line 2.*seed does not give"):
        load_allocation(filled)


def test_a_removed_assignment_is_detected(filled: Path) -> None:
    recs = _lines(filled)
    del recs[-3]
    _write(filled, recs)
    with pytest.raises(AllocationTamperedError, match="prev"):
        load_allocation(filled)


def test_a_redraw_after_truncation_changes_the_head(filled: Path) -> None:
    """Dropping the last record cannot be seen in the chain itself, but the chain head
    printed at each assignment no longer matches: the re-drawn subject shows up."""
    head = load_allocation(filled).head
    recs = _lines(filled)
    _write(filled, recs[:-1])
    assert load_allocation(filled).head != head


def test_reordered_records_are_detected(filled: Path) -> None:
    recs = _lines(filled)
    recs[-1], recs[-2] = recs[-2], recs[-1]
    _write(filled, recs)
    with pytest.raises(AllocationTamperedError):
        load_allocation(filled)
