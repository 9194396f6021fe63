"""Summary-constrained pseudo-IPD: every constraint it claims met is met, impossible ones
are reported as not met, and the pseudo-data label is everywhere."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.errors import InputError
from tacepath.literature.reconstruct import PSEUDO_LABEL, PseudoIpdResult, pseudo_ipd_from_summary
from tacepath.survival import kaplan_meier_arrays

LUNG_MALE = pd.DataFrame({"time": [0, 200, 400, 600, 800, 1000], "n_risk": [138, 78, 31, 13, 6, 2]})


def _recheck(result: PseudoIpdResult) -> None:
    """Recompute every constraint from the pseudo-data and compare with the claims."""
    ipd = result.ipd
    times = np.sort(ipd["time"].to_numpy())
    km = kaplan_meier_arrays(ipd["time"].to_numpy(float), ipd["event"].to_numpy(float))[0]
    for c in result.constraints:
        if c.name == "n":
            achieved = float(len(ipd))
        elif c.name == "n_risk":
            assert c.time is not None
            achieved = float(times.size - np.searchsorted(times, c.time))
        elif c.name == "events":
            achieved = float(ipd["event"].sum())
        else:
            achieved = km.median if math.isfinite(km.median) else math.inf
        assert c.achieved == pytest.approx(achieved)
        if math.isinf(c.printed) or math.isinf(achieved):
            assert c.met == (math.isinf(c.printed) and math.isinf(achieved))
        else:
            assert c.met == (abs(achieved - c.printed) <= 1e-9 * max(1.0, abs(c.printed)))


def test_lung_summary_meets_every_printed_number() -> None:
    result = pseudo_ipd_from_summary(at_risk=LUNG_MALE, events=112, median=270, arm="male")
    assert result.all_met
    _recheck(result)
    names = [c.name for c in result.constraints]
    assert names == ["n"] + ["n_risk"] * 6 + ["events", "median"]
    assert result.km.median == 270
    assert len(result.ipd) == 138
    assert int(result.ipd["event"].sum()) == 112


def test_label_is_everywhere() -> None:
    result = pseudo_ipd_from_summary(at_risk=LUNG_MALE, events=112, median=270, arm="male")
    assert result.label == PSEUDO_LABEL == "pseudo-data"
    assert list(result.ipd.columns) == ["time", "event", "arm", "label"]
    assert (result.ipd["label"] == "pseudo-data").all()
    assert result.ipd.attrs["label"] == "pseudo-data"
    assert result.to_dict()["label"] == "pseudo-data"
    assert result.summary().startswith("PSEUDO-DATA")


@pytest.mark.parametrize("median", [200.0, 201.0, 270.0, 399.0, None])
def test_medians_inside_and_at_interval_edges(median: float | None) -> None:
    result = pseudo_ipd_from_summary(at_risk=LUNG_MALE, events=112, median=median)
    assert result.all_met, result.summary()
    _recheck(result)
    if median is None:
        assert [c.name for c in result.constraints][-1] == "events"


def test_median_not_reached() -> None:
    table = pd.DataFrame({"time": [0, 12, 24, 36], "n_risk": [200, 170, 120, 60]})
    result = pseudo_ipd_from_summary(at_risk=table, events=60, median="NR")
    assert result.all_met
    assert math.isnan(result.km.median)
    assert result.constraints[-1].printed == math.inf
    assert result.constraints[-1].to_dict()["printed"] == "not reached"
    _recheck(result)


@pytest.mark.parametrize(
    ("table", "events", "median"),
    [
        # At most 10 patients leave before t = 12, so S(10) >= 0.9: a median of 10 is impossible.
        ({"time": [0, 12, 24], "n_risk": [100, 90, 50]}, 40, 10.0),
        # 112 events of 138, only 2 left at 1000: the curve must cross 1/2.
        (LUNG_MALE.to_dict("list"), 112, "NR"),
        # Median after everybody has left.
        ({"time": [0, 12, 24], "n_risk": [100, 40, 0]}, 60, 30.0),
    ],
)
def test_impossible_median_is_reported_not_met(
    table: dict[str, list[float]], events: int, median: float | str
) -> None:
    result = pseudo_ipd_from_summary(at_risk=pd.DataFrame(table), events=events, median=median)
    assert not result.all_met
    assert [c.name for c in result.unmet] == ["median"]
    _recheck(result)
    assert "NOT MET" in result.summary()
    # Everything else still holds.
    assert all(c.met for c in result.constraints if c.name != "median")


def test_without_table_needs_n_and_follow_up() -> None:
    result = pseudo_ipd_from_summary(n=100, events=50, median=10.0, follow_up_end=30.0)
    assert result.all_met
    _recheck(result)
    assert result.follow_up_end == 30.0
    with pytest.raises(InputError, match=r"follow_up_end"):
        pseudo_ipd_from_summary(n=100, events=50)
    with pytest.raises(InputError, match=r"^n: got None"):
        pseudo_ipd_from_summary(events=50, follow_up_end=30.0)


def test_default_follow_up_is_an_assumption() -> None:
    result = pseudo_ipd_from_summary(at_risk=LUNG_MALE, events=112)
    assert result.follow_up_end == 1200
    assert any("assumed" in a for a in result.assumptions)
    assert result.ipd["time"].max() < 1200


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"events": 200}, r"events: got 200"),
        ({"events": -1}, r"events: got -1"),
        ({"events": 10, "median": -3}, r"median: got -3"),
        ({"events": 10, "median": "soon"}, r"median: got 'soon'"),
        ({"events": 10, "n": 12}, r"n: got 12"),
        ({"events": 10, "follow_up_end": 500.0}, r"follow_up_end: got 500.0"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        pseudo_ipd_from_summary(at_risk=LUNG_MALE, **kwargs)  # type: ignore[arg-type]


def _summary_of(seed: int) -> tuple[pd.DataFrame, int, float | str, float | None]:
    """The printed numbers of a random trial-like data set."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    t = rng.exponential(rng.uniform(5, 30), n)
    c = rng.uniform(0, rng.uniform(10, 80), n)
    if seed % 2:
        t, c = np.ceil(t), np.ceil(c)
    time, event = np.minimum(t, c), (t <= c).astype(float)
    km = kaplan_meier_arrays(time, event)[0]
    step = float(rng.choice([3, 6, 12]))
    ticks = np.arange(0, time.max() + step, step)
    n_risk = km.at(ticks, extend=True).n_risk.astype(int)
    zero = np.flatnonzero(n_risk == 0)
    keep = slice(0, zero[0] + 1) if zero.size else slice(None)
    table = pd.DataFrame({"time": ticks[keep], "n_risk": n_risk[keep]})
    median: float | str = km.median if math.isfinite(km.median) else "NR"
    end = float(time.max()) if time.max() > table["time"].iloc[-1] else None
    return table, int(event.sum()), median, end


@pytest.mark.parametrize("seed", range(60))
def test_summaries_of_real_data_are_met(seed: int) -> None:
    """Numbers printed from actual data are consistent, and the construction finds data."""
    table, events, median, end = _summary_of(seed)
    result = pseudo_ipd_from_summary(at_risk=table, events=events, median=median, follow_up_end=end)
    assert result.all_met, result.summary()


@settings(max_examples=60, deadline=None)
@given(
    st.integers(5, 200),
    st.lists(st.floats(0.05, 0.6), min_size=1, max_size=6),
    st.floats(0, 1),
    st.one_of(st.none(), st.just("NR"), st.floats(1, 80)),
)
def test_claims_are_truthful_for_any_input(
    n: int, drops: list[float], event_share: float, median: float | str | None
) -> None:
    """Whatever the printed numbers (consistent or not), each met/not met is true."""
    counts = [n]
    for f in drops:
        counts.append(int(counts[-1] * (1 - f)))
    table = pd.DataFrame({"time": [12.0 * i for i in range(len(counts))], "n_risk": counts})
    events = round(event_share * n)
    result = pseudo_ipd_from_summary(at_risk=table, events=events, median=median)
    _recheck(result)
    assert (result.ipd["label"] == PSEUDO_LABEL).all()
    assert all(c.met for c in result.constraints if c.name in ("n", "n_risk", "events"))
