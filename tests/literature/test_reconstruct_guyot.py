"""Guyot reconstruction: recovery of known data within stated tolerances, the at-risk and
total-events constraints, the accuracy report, and invariants under random input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.errors import InputError
from tacepath.literature.reconstruct import GUYOT_2012, digitise_km, reconstruct_ipd
from tacepath.survival import SurvivalCurve, cox_ph, kaplan_meier_arrays

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "r" / "data"
LUNG = pd.read_csv(DATA / "lung.csv")
TICKS = np.arange(0.0, 1001.0, 200.0)
LANDMARKS = np.array([90.0, 180.0, 365.0, 540.0, 730.0])


def _true_curve(sex: str) -> SurvivalCurve:
    d = LUNG[LUNG["sex"] == sex]
    return kaplan_meier_arrays(d["time"].to_numpy(float), d["status"].to_numpy(float))[0]


def _table(curve: SurvivalCurve, ticks: np.ndarray = TICKS) -> pd.DataFrame:
    return pd.DataFrame({"time": ticks, "n_risk": curve.at(ticks, extend=True).n_risk.astype(int)})


def _hr(ipd: pd.DataFrame) -> float:
    coded = ipd.assign(male=(ipd["arm"] == "male").astype(float))
    return float(cox_ph(coded, time="time", event="event", covariates=["male"]).hr[0])


TRUE_HR = _hr(LUNG.rename(columns={"status": "event", "sex": "arm"}))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_recovers_the_lung_trial_within_stated_tolerances(seed: int) -> None:
    """Digitised with 1 px clicking noise, with the at-risk table and the total events.

    Tolerances (the validation in docs/reconstruct.md gives the distributions): the
    reconstructed Kaplan–Meier curve within 0.012 of the truth on average over follow-up and
    0.05 at every landmark, the median within 5 %, the Cox HR of the two arms within 3 %, and
    every published number at risk met exactly.
    """
    ipds = []
    for j, sex in enumerate(("female", "male")):
        truth = _true_curve(sex)
        points = digitise_km(truth.time, truth.surv, x_max=1100, noise_px=1.0, seed=2 * seed + j)
        result = reconstruct_ipd(points, _table(truth), total_events=int(truth.n_events), arm=sex)
        grid = np.linspace(0, 1022, 3000)
        gap = np.abs(result.km.at(grid, extend=True).surv - truth.at(grid, extend=True).surv)
        assert gap.mean() <= 0.012
        at = np.abs(result.km.at(LANDMARKS).surv - truth.at(LANDMARKS).surv)
        assert at.max() <= 0.05
        assert abs(result.km.median / truth.median - 1) <= 0.05
        assert result.accuracy.at_risk_max_abs_diff == 0
        assert result.n == truth.n
        ipds.append(result.ipd)
    assert abs(_hr(pd.concat(ipds)) / TRUE_HR - 1) <= 0.03


def test_exact_points_of_uncensored_data_give_back_the_data() -> None:
    times = np.array([1, 2, 2, 3, 5, 5, 5, 8, 9, 12], dtype=float)
    truth = kaplan_meier_arrays(times, np.ones(times.size))[0]
    points = pd.DataFrame({"time": truth.time, "surv": truth.surv})
    result = reconstruct_ipd(points, None, n=times.size)
    assert result.ipd["event"].tolist() == [1] * times.size
    np.testing.assert_array_equal(result.ipd["time"].to_numpy(), times)
    assert result.accuracy.max_abs_diff == pytest.approx(0, abs=1e-12)


def test_at_risk_numbers_are_met_in_every_interval() -> None:
    truth = _true_curve("male")
    points = digitise_km(truth.time, truth.surv, x_max=1100, noise_px=1.0, seed=7)
    ticks = np.arange(0.0, 1001.0, 100.0)
    result = reconstruct_ipd(points, _table(truth, ticks))
    checked = result.accuracy.at_risk
    assert checked["published"].tolist() == _table(truth, ticks)["n_risk"].tolist()
    assert (checked["difference"] == 0).all()
    assert all(f.matched for f in result.intervals if f.target == "n_risk")
    # The reconstructed counts are the data's own: patients with time >= t.
    times = np.sort(result.ipd["time"].to_numpy())
    assert (times.size - np.searchsorted(times, ticks)).tolist() == checked[
        "reconstructed"
    ].tolist()


def test_total_events_fitted_in_the_last_interval() -> None:
    truth = _true_curve("female")
    points = digitise_km(truth.time, truth.surv, x_max=1100, noise_px=0.0, seed=0)
    table = _table(truth, np.array([0.0, 200.0, 400.0]))  # a long last interval
    free = reconstruct_ipd(points, table)
    assert free.intervals[-1].target == "censoring_rate"
    for total in (int(truth.n_events), int(truth.n_events) - 4):
        fitted = reconstruct_ipd(points, table, total_events=total)
        last = fitted.intervals[-1]
        assert last.target == "total_events"
        assert last.target_value == total
        assert fitted.n_events == total
        assert last.matched
        assert fitted.accuracy.total_events_published == total
    # Earlier intervals are untouched by the total.
    assert [f.events for f in fitted.intervals[:-1]] == [f.events for f in free.intervals[:-1]]


def test_total_events_that_cannot_be_met_are_reported() -> None:
    curve = pd.DataFrame({"time": [0, 1, 2, 3], "surv": [1.0, 0.5, 0.25, 0.25]})
    table = pd.DataFrame({"time": [0, 2.5], "n_risk": [8, 2]})
    result = reconstruct_ipd(curve, table, total_events=2)  # the drops already need 6
    assert result.n_events == 6
    assert not result.intervals[-1].matched
    assert any("total of 2 events not met" in n for n in result.notes)


def test_at_risk_number_that_cannot_be_met_is_reported() -> None:
    curve = pd.DataFrame({"time": [0, 1, 2], "surv": [1.0, 0.5, 0.5]})
    table = pd.DataFrame({"time": [0, 1.5], "n_risk": [10, 8]})  # the drop takes 5
    result = reconstruct_ipd(curve, table)
    assert result.accuracy.at_risk["difference"].tolist() == [0, -3]
    assert any("8 at risk at t = 1.5 not met" in n for n in result.notes)
    assert result.n == 10  # the patients still add up


def test_without_table_censoring_is_only_at_the_end() -> None:
    curve = pd.DataFrame({"time": [0, 1, 2, 4], "surv": [1.0, 0.8, 0.6, 0.6]})
    result = reconstruct_ipd(curve, None, n=10)
    assert result.n_events == 4
    censored = result.ipd[result.ipd["event"] == 0]["time"]
    assert (censored == 4).all()
    assert len(censored) == 6
    assert result.accuracy.at_risk.empty
    assert result.notes
    assert "No at-risk table" in result.notes[0]


def test_result_contract() -> None:
    truth = _true_curve("male")
    points = digitise_km(truth.time, truth.surv, x_max=1100, seed=3)
    result = reconstruct_ipd(points, _table(truth), total_events=112, arm="male")
    assert list(result.ipd.columns) == ["time", "event", "arm"]
    assert set(result.ipd["event"]) <= {0, 1}
    assert (result.ipd["arm"] == "male").all()
    assert result.method == GUYOT_2012
    d = result.to_dict()
    assert set(d) == {
        "arm",
        "n",
        "n_events",
        "accuracy",
        "cleaning",
        "intervals",
        "notes",
        "method",
    }
    assert set(d["accuracy"]) >= {
        "n_points", "max_abs_diff", "mean_abs_diff", "at_risk", "median_reconstructed",
        "median_digitised", "events", "total_events_published",
    }  # fmt: skip
    assert d["accuracy"]["at_risk"][1] == {
        "time": 200.0, "published": 78, "reconstructed": 78, "difference": 0,
    }  # fmt: skip
    assert {c["rule"] for c in d["cleaning"]} >= {"order", "monotone"}
    text = result.summary()
    assert "138 patients" in text
    assert "Cleaning" in text
    assert "published 112" in text
    with pytest.raises(AttributeError):
        result.arm = "x"  # type: ignore[misc]


def test_medians_reported() -> None:
    truth = _true_curve("male")
    points = pd.DataFrame({"time": truth.time, "surv": truth.surv})
    result = reconstruct_ipd(points, _table(truth))
    assert result.accuracy.median_digitised == truth.median
    assert abs(result.accuracy.median_reconstructed - truth.median) <= 15


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total_events": 500}, r"total_events: got 500"),
        ({"total_events": 2.5}, r"total_events: got 2.5"),
        ({"total_events": True}, r"total_events"),
        ({"n": 99}, r"n: got 99"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    curve = pd.DataFrame({"time": [0, 1], "surv": [1.0, 0.5]})
    table = pd.DataFrame({"time": [0], "n_risk": [10]})
    with pytest.raises(InputError, match=message):
        reconstruct_ipd(curve, table, **kwargs)  # type: ignore[arg-type]


def test_without_table_n_is_required() -> None:
    curve = pd.DataFrame({"time": [0, 1], "surv": [1.0, 0.5]})
    with pytest.raises(InputError, match=r"^n: got None"):
        reconstruct_ipd(curve, None)


# --- properties -----------------------------------------------------------------------


@st.composite
def trials(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, float]:
    n = draw(st.integers(3, 120))
    times = np.array(draw(st.lists(st.integers(1, 400), min_size=n, max_size=n)), float)
    events = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), float)
    seed = draw(st.integers(0, 10_000))
    noise = draw(st.sampled_from([0.0, 0.5, 1.5]))
    return times, events, seed, noise


@settings(max_examples=60, deadline=None)
@given(trials(), st.sampled_from([50.0, 100.0, 150.0]), st.booleans())
def test_reconstruction_invariants(
    trial: tuple[np.ndarray, np.ndarray, int, float], step: float, with_events: bool
) -> None:
    times, events, seed, noise = trial
    truth = kaplan_meier_arrays(times, events)[0]
    # The figure's axis ends just after the last time (clicking noise is a share of it).
    x_max = float(times.max()) * 1.05
    points = digitise_km(truth.time, truth.surv, x_max=x_max, noise_px=noise, seed=seed)
    ticks = np.arange(0.0, times.max() + 1, step)
    table = _table(truth, ticks)
    result = reconstruct_ipd(points, table, total_events=int(events.sum()) if with_events else None)
    ipd = result.ipd
    # n equals the first number at risk, every patient once.
    assert len(ipd) == table["n_risk"].iloc[0]
    assert set(ipd["event"]) <= {0, 1}
    # Times inside the curve's span.
    assert ipd["time"].min() >= 0
    assert ipd["time"].max() <= max(result.curve["time"].max(), ticks.max()) + 1e-9
    # The reconstructed curve is a survival curve: in [0, 1] and never rising.
    surv = result.km.surv
    assert np.all((surv >= 0) & (surv <= 1))
    assert np.all(np.diff(surv) <= 1e-12)
    # The cleaned curve is what the algorithm needs.
    assert result.curve["time"].iloc[0] == 0
    assert np.all(np.diff(result.curve["time"]) > 0)
    assert np.all(np.diff(result.curve["surv"]) <= 0)
    # The report is honest: reconstructed counts are the data's.
    got = np.sort(ipd["time"].to_numpy())
    counted = got.size - np.searchsorted(got, ticks)
    assert result.accuracy.at_risk["reconstructed"].tolist() == counted.tolist()
    assert result.accuracy.events == int(ipd["event"].sum())
    assert 0 <= result.accuracy.mean_abs_diff <= result.accuracy.max_abs_diff
    if not math.isnan(result.accuracy.median_reconstructed):
        assert result.accuracy.median_reconstructed == result.km.median


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=80))
def test_uncensored_exact_curve_is_recovered(times_list: list[int]) -> None:
    times = np.array(times_list, dtype=float)
    truth = kaplan_meier_arrays(times, np.ones(times.size))[0]
    points = pd.DataFrame({"time": truth.time, "surv": truth.surv})
    result = reconstruct_ipd(points, None, n=times.size)
    np.testing.assert_array_equal(np.sort(result.ipd["time"].to_numpy()), np.sort(times))
    assert result.n_events == times.size
