"""The compiled analysis of simulated trials equals the array code bit for bit.

The array code (``analyse_arrays``) is the reference: it is checked against the survival
engine's log-rank test in ``test_simulate.py`` and kept for ties and stratified tests.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.design import _simulation_engine as engine
from tacepath.design._simulation_engine import (
    ChunkOutcome,
    _draw,
    _Draws,
    allocation_pattern,
    analyse_arrays,
    analyse_compiled,
    simulate_chunk,
)
from tacepath.design.simulate import (
    Accrual,
    Exponential,
    PiecewiseExponential,
    Stratum,
    TrialScenario,
    Weibull,
    simulate_trial,
)
from tacepath.survival import logrank_test
from tests.design.test_simulate import TACTICS


def _assert_same(a: ChunkOutcome, b: ChunkOutcome) -> None:
    """Equal to the last bit (NaN where NaN)."""
    for field in ("z", "log_hr", "analysis_month", "enrolled", "reached"):
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype, field
        np.testing.assert_array_equal(x, y, err_msg=field, strict=True)


@st.composite
def scenarios(draw: st.DrawFn) -> TrialScenario:
    patients = draw(st.integers(2, 120))
    model = draw(st.sampled_from(["exponential", "weibull", "piecewise"]))
    median = draw(st.floats(0.5, 60))
    if model == "exponential":
        control: Exponential | Weibull | PiecewiseExponential = Exponential(median=median)
    elif model == "weibull":
        control = Weibull(shape=draw(st.floats(0.2, 4)), median=median)
    else:
        control = PiecewiseExponential(
            starts=(0.0, 6.0), hazards=(0.08, draw(st.floats(0.005, 0.3)))
        )
    separate = draw(st.booleans())
    dropout = draw(st.sampled_from([0.0, 0.1, 0.6, 0.99]))
    strata: tuple[Stratum, ...] = ()
    if draw(st.booleans()):
        k = draw(st.integers(1, 5))
        strata = tuple(
            Stratum(name=f"s{g}", prevalence=1 / k, hazard_multiplier=draw(st.floats(0.2, 5)))
            for g in range(k)
        )
    return TrialScenario(
        patients=patients,
        events=draw(st.integers(1, patients)),
        control=control,
        treatment=Weibull(shape=1.3, median=median * 1.4) if separate else None,
        hazard_ratio=draw(st.floats(0.2, 5)),
        accrual=Accrual(
            months=draw(st.floats(0.5, 60)),
            entry=draw(st.sampled_from(["random", "regular"])),
        ),
        allocation=draw(st.sampled_from([1.0, 2.0, 0.5])),
        dropout=dropout,
        dropout_treatment=draw(st.sampled_from([None, 0.0, 0.3])) if dropout else None,
        dropout_months=draw(st.floats(0.5, 24)),
        strata=strata,
        stratified_test=draw(st.booleans()),
    )


@settings(max_examples=200, deadline=None)
@given(sc=scenarios(), replicates=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_compiled_equals_arrays(sc: TrialScenario, replicates: int, seed: int) -> None:
    draws = _draw(sc, replicates, np.random.SeedSequence(seed))
    stratified = bool(sc.strata) and sc.stratified_test
    codes = draws.stratum if stratified else None
    compiled = analyse_compiled(draws, sc.events, codes, len(sc.strata))
    reference = analyse_arrays(draws, sc)
    if compiled is not None:  # None: a possible tie, left to the array code
        _assert_same(compiled, reference)
    _assert_same(simulate_chunk(sc, replicates, np.random.SeedSequence(seed)), reference)


def _whole_month_draws(rng: np.random.Generator, replicates: int, n: int) -> _Draws:
    return _Draws(
        entry=np.ceil(rng.random((replicates, n)) * 12),
        t_event=np.ceil(rng.exponential(10, (replicates, n))),
        t_drop=None,
        stratum=None,
        treated=allocation_pattern(n, n // 2),
    )


def test_ties_go_to_the_array_code() -> None:
    """Whole-month times tie: the compiled pass declines and the batch is analysed with
    survdiff's tie handling."""
    draws = _whole_month_draws(np.random.default_rng(3), 20, 40)
    assert analyse_compiled(draws, 30) is None
    sc = dataclasses.replace(TACTICS, patients=40, events=30)
    out = analyse_arrays(draws, sc)
    assert np.isfinite(out.z).all()


def test_times_a_few_units_apart_go_to_the_array_code() -> None:
    """Two times within four units in the last place share a key prefix: declined."""
    n = 10
    t = np.arange(1.0, n + 1)
    t[5] = np.nextafter(t[4], np.inf)
    draws = _Draws(
        entry=np.zeros((1, n)),
        t_event=t[None, :],
        t_drop=None,
        stratum=None,
        treated=allocation_pattern(n, 5),
    )
    assert analyse_compiled(draws, n) is None
    draws_apart = dataclasses.replace(draws, t_event=np.arange(1.0, n + 1)[None, :])
    sc = dataclasses.replace(TACTICS, patients=n, events=n)
    compiled = analyse_compiled(draws_apart, n)
    assert compiled is not None
    _assert_same(compiled, analyse_arrays(draws_apart, sc))


def _two_strata(t: np.ndarray, treated: np.ndarray) -> tuple[_Draws, TrialScenario]:
    """One trial of ``t`` (all events, entered at 0), its first half in stratum
    0 and the rest in stratum 1, and the stratified scenario analysing it."""
    n = t.size
    draws = _Draws(
        entry=np.zeros((1, n)),
        t_event=t[None, :],
        t_drop=None,
        stratum=np.array([[0] * (n // 2) + [1] * (n - n // 2)]),
        treated=treated,
    )
    sc = dataclasses.replace(
        TACTICS,
        patients=n,
        events=n,
        strata=(Stratum(name="a", prevalence=0.5), Stratum(name="b", prevalence=0.5)),
    )
    return draws, sc


def test_strata_meeting_at_one_time_go_to_the_array_code() -> None:
    """The array code sorts by time + stratum · offset and counts equal times of two
    adjoining strata as a tie; the compiled pass declines such a batch."""
    n = 8
    t = np.array([1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 7.0])
    draws, _ = _two_strata(t, allocation_pattern(n, 4))
    assert analyse_compiled(draws, n, draws.stratum, 2) is None
    apart, sc = _two_strata(t + np.arange(n) / 10, allocation_pattern(n, 4))
    compiled = analyse_compiled(apart, n, apart.stratum, 2)
    assert compiled is not None
    _assert_same(compiled, analyse_arrays(apart, sc))


def test_a_tiny_time_in_a_later_stratum_stays_in_its_stratum() -> None:
    """Longest time 0.3: the offset 2·0.3 + 1 = 1.6 has low mantissa bits set, and the
    key of 1e-30 in stratum 1 (1.6 + 1e-30 = 1.6, its two lowest bits cleared) lies below
    1.6: it must still count among stratum 1's patients at risk, as in the array code."""
    n = 8
    t = np.array([0.05, 0.1, 0.2, 0.3, 1e-30, 0.12, 0.22, 0.29])
    assert np.float64(1.6).view(np.int64) & 3  # the cleared bits lower the key
    draws, sc = _two_strata(t, np.array([True, False, True, False, True, False, False, True]))
    compiled = analyse_compiled(draws, n, draws.stratum, 2)
    assert compiled is not None
    _assert_same(compiled, analyse_arrays(draws, sc))


def test_compiled_statistic_equals_logrank_test() -> None:
    """Each trial's z, rebuilt as data with dropout and tested by the survival engine."""
    sc = dataclasses.replace(TACTICS, dropout=0.1)
    draws = _draw(sc, 8, np.random.SeedSequence(2))
    out = analyse_compiled(draws, sc.events)
    assert out is not None
    entry, t_event, t_drop = draws.entry, draws.t_event, draws.t_drop
    assert t_drop is not None
    assert not out.reached.all()  # both kinds of trial
    assert out.reached.any()
    for i in range(8):
        tau = out.analysis_month[i]
        cal = np.where(t_event[i] < t_drop[i], entry[i] + t_event[i], np.inf)
        assert np.sum(cal <= tau) == min(sc.events, np.isfinite(cal).sum())
        assert out.reached[i] == (np.isfinite(cal).sum() >= sc.events)
        inside = entry[i] < tau
        ev = cal[inside] <= tau
        obs = np.where(
            ev,
            t_event[i][inside],
            np.minimum(np.minimum(t_event[i], t_drop[i]), tau - entry[i])[inside],
        )
        d = pd.DataFrame({"t": obs, "e": ev.astype(int), "arm": draws.treated[inside]})
        ref = logrank_test(d, time="t", event="e", group="arm")
        j = ref.groups.index(True)
        z = -(ref.observed[j] - ref.expected[j]) / math.sqrt(ref.variance[j, j])
        assert out.z[i] == pytest.approx(z, rel=1e-10)
        assert out.enrolled[i] == inside.sum()


@pytest.mark.parametrize("strata", [(), (0.4, 1.0, 2.5)])
def test_whole_run_unchanged(monkeypatch: pytest.MonkeyPatch, strata: tuple[float, ...]) -> None:
    """A whole simulation (power, type I error, durations, HR summary) is the same number
    for number with the compiled pass and with the array code alone."""
    sc = dataclasses.replace(
        TACTICS,
        dropout=0.05,
        strata=tuple(
            Stratum(name=f"s{g}", prevalence=1 / len(strata), hazard_multiplier=f)
            for g, f in enumerate(strata)
        ),
    )
    monkeypatch.setattr(engine, "COMPILED_FROM_ROWS", 0)
    calls: list[bool] = []
    real = engine.analyse_compiled

    def spy(
        draws: _Draws, events: int, codes: np.ndarray | None, n_strata: int
    ) -> ChunkOutcome | None:
        out = real(draws, events, codes, n_strata)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(engine, "analyse_compiled", spy)
    fast = simulate_trial(sc, replicates=3000, seed=7)
    assert calls
    assert all(calls)
    monkeypatch.setattr(engine, "analyse_compiled", lambda *args: None)
    slow = simulate_trial(sc, replicates=3000, seed=7)
    drop = ("seconds", "trials_per_minute")
    assert {k: v for k, v in fast.to_dict().items() if k not in drop} == {
        k: v for k, v in slow.to_dict().items() if k not in drop
    }
    assert fast.power == slow.power
    assert fast.type_one_error == slow.type_one_error


@pytest.mark.parametrize("entry", ["random", "regular"])
def test_tactics_batches_take_the_compiled_pass(entry: str) -> None:
    """The benchmark's design is analysed by the compiled pass, equal to the array code."""
    sc = dataclasses.replace(TACTICS, accrual=Accrual(months=60, entry=entry))  # type: ignore[arg-type]
    for batch in range(4):
        draws = _draw(sc, 256, np.random.SeedSequence(1, spawn_key=(0, batch)))
        compiled = analyse_compiled(draws, sc.events)
        assert compiled is not None
        _assert_same(compiled, analyse_arrays(draws, sc))


def test_compiled_passes_from_a_number_of_rows() -> None:
    """A fresh process loads numba only for runs large enough to repay it."""
    code = (
        "import sys\n"
        "from tacepath.design._simulation_engine import COMPILED_FROM_ROWS, compiled_pays\n"
        "from tacepath.design.simulate import Accrual, Exponential, TrialScenario, "
        "simulate_trial\n"
        "print(compiled_pays(COMPILED_FROM_ROWS - 1), compiled_pays(COMPILED_FROM_ROWS))\n"
        "sc = TrialScenario(patients=156, events=125, control=Exponential(median=13.5), "
        "hazard_ratio=0.71, accrual=Accrual(months=60))\n"
        "simulate_trial(sc, replicates=200, seed=1)\n"
        "print('numba' in sys.modules)\n"
        "simulate_trial(sc, replicates=COMPILED_FROM_ROWS // 312 + 1, seed=1, chunk_size=4096)\n"
        "print('numba' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    assert out == ["False", "True", "False", "True"]
