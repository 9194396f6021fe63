"""Every public survival function refuses impossible data with an InputError (hypothesis).

Valid data are generated (whole-number times ≥ 1, events 0/1, two groups, entry times 0,
case weights 1–3), then one value is corrupted: a negative, NaN, infinite or absurd time, an
event code outside {0, 1}, a start time ≥ its stop time, a weight ≤ 0, NaN, infinite or
absurd, a missing group label, a shorter array, or no rows at all. Each public function
must raise :class:`InputError` naming the parameter and the first offending row, and
must never return a value.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tacepath.errors import InputError, StatisticalWarning
from tacepath.survival import (
    SurvivalData,
    cox_fit,
    cox_ph,
    cox_survfit,
    cox_zph,
    fisher_exact,
    fisher_exact_table,
    kaplan_meier,
    kaplan_meier_arrays,
    logrank_arrays,
    logrank_test,
    rmst_test,
)

NAN, INF = math.nan, math.inf

bad_times = st.one_of(
    st.sampled_from([-1.0, -1e-9, NAN, INF, -INF, 1.5e12, 1e308]),
    st.floats(max_value=-1e-300, allow_infinity=True),
    st.floats(min_value=1.0001e12, allow_nan=False),
)
bad_events = st.one_of(
    st.sampled_from([2.0, 7.0, -1.0, 0.5, NAN, INF, -INF]),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: v not in (0.0, 1.0)),
    st.integers(2, 10**9).map(float),
)
bad_weights = st.one_of(
    st.sampled_from([0.0, -0.0, -1.0, NAN, INF, -INF, 1.5e12, 1e308]),
    st.floats(max_value=0.0, allow_infinity=True),
)


@dataclass(frozen=True)
class Data:
    """One data set: arrays of equal length, start and weights always present."""

    time: np.ndarray
    event: np.ndarray
    start: np.ndarray
    weights: np.ndarray
    group: np.ndarray

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "t": self.time,
                "e": self.event,
                "s": self.start,
                "w": self.weights,
                "g": self.group,
                "x": np.arange(self.time.size, dtype=float) % 3,
            }
        )


@st.composite
def valid_data(draw: st.DrawFn) -> Data:
    n = draw(st.integers(4, 12))
    time = np.asarray(draw(st.lists(st.integers(1, 50), min_size=n, max_size=n)), float)
    event = np.asarray(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), float)
    event[0] = 1.0
    weights = np.asarray(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)), float)
    group = np.asarray(["a", "b"] * (n // 2) + ["a"] * (n % 2), dtype=object)
    return Data(time, event, np.zeros(n), weights, group)


@dataclass(frozen=True)
class Target:
    """A public function seen through one calling convention.

    ``params`` are the data parameters it takes; ``frame`` whether it reads a DataFrame
    (where NaN means a missing value, left out, so NaN is not a corruption)."""

    name: str
    call: Callable[[Data, frozenset[str]], object]
    params: frozenset[str]
    frame: bool


def _opt(d: Data, used: frozenset[str], name: str) -> Any:
    return getattr(d, name) if name in used else None


def _col(used: frozenset[str], name: str, column: str) -> str | None:
    return column if name in used else None


def _cox_x(d: Data) -> np.ndarray:
    return np.column_stack([np.arange(d.time.size, dtype=float) % 3])


TARGETS = [
    Target(
        "SurvivalData.from_arrays",
        lambda d, u: SurvivalData.from_arrays(
            d.time, d.event, start=_opt(d, u, "start"), weights=_opt(d, u, "weights")
        ),
        frozenset({"time", "event", "start", "weights"}),
        frame=False,
    ),
    Target(
        "SurvivalData.from_frame",
        lambda d, u: SurvivalData.from_frame(
            d.frame(),
            time="t",
            event="e",
            start=_col(u, "start", "s"),
            weights=_col(u, "weights", "w"),
        ),
        frozenset({"time", "event", "start", "weights"}),
        frame=True,
    ),
    Target(
        "kaplan_meier_arrays",
        lambda d, u: kaplan_meier_arrays(
            d.time,
            d.event,
            start=_opt(d, u, "start"),
            weights=_opt(d, u, "weights"),
            group=d.group,
        ),
        frozenset({"time", "event", "start", "weights", "group"}),
        frame=False,
    ),
    Target(
        "kaplan_meier",
        lambda d, u: kaplan_meier(
            d.frame(),
            time="t",
            event="e",
            start=_col(u, "start", "s"),
            weights=_col(u, "weights", "w"),
            group="g",
        ),
        frozenset({"time", "event", "start", "weights"}),
        frame=True,
    ),
    Target(
        "logrank_arrays",
        lambda d, u: logrank_arrays(d.time, d.event, d.group),
        frozenset({"time", "event", "group"}),
        frame=False,
    ),
    Target(
        "logrank_test",
        lambda d, u: logrank_test(d.frame(), time="t", event="e", group="g"),
        frozenset({"time", "event"}),
        frame=True,
    ),
    Target(
        "cox_fit",
        lambda d, u: cox_fit(
            d.time,
            d.event,
            _cox_x(d),
            start=_opt(d, u, "start"),
            weights=_opt(d, u, "weights"),
            strata=d.group,
        ),
        frozenset({"time", "event", "start", "weights", "group"}),
        frame=False,
    ),
    Target(
        "cox_ph",
        lambda d, u: cox_ph(
            d.frame(),
            time="t",
            event="e",
            covariates=["x"],
            start=_col(u, "start", "s"),
            weights=_col(u, "weights", "w"),
        ),
        frozenset({"time", "event", "start", "weights"}),
        frame=True,
    ),
    Target(
        "rmst_test",
        lambda d, u: rmst_test(d.frame(), time="t", event="e", group="g"),
        frozenset({"time", "event"}),
        frame=True,
    ),
]
IDS = [t.name for t in TARGETS]


def _name(target: Target) -> str:
    return target.name


def _refused(target: Target, d: Data, used: frozenset[str]) -> InputError:
    """Call ``target``; it must raise InputError (any value returned fails the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        try:
            result = target.call(d, used)
        except InputError as err:
            refused = err
        else:
            pytest.fail(f"{target.name} returned {type(result).__name__} for invalid data")
    assert "--" not in str(refused), "errors name Python parameters, not CLI flags"
    return refused


def _with(d: Data, **changes: np.ndarray) -> Data:
    return Data(**{**d.__dict__, **changes})


def _replaced(values: np.ndarray, i: int, value: Any) -> np.ndarray:
    out = values.astype(object if isinstance(value, str) or value is None else float)
    out[i] = value
    return out


def _expect_row(err: InputError, param: str, target: Target, row: int) -> None:
    """The error names the parameter (and the column, for a DataFrame) and the row."""
    column = {"time": "t", "event": "e", "start": "s", "weights": "w"}[param]
    head = f"{param} {column!r}" if target.frame else param
    assert err.problem.field == f"{head}, row {row + 1}", err


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=valid_data(), pick=st.data())
def test_impossible_values_are_refused(target: Target, data: Data, pick: st.DataObject) -> None:
    choices = [p for p in ("time", "event", "start", "weights") if p in target.params]
    param = pick.draw(st.sampled_from(choices), label="param")
    bad = {"time": bad_times, "event": bad_events, "start": bad_times, "weights": bad_weights}
    value = pick.draw(bad[param], label="value")
    if target.frame:
        assume(not math.isnan(value))  # a missing value: the row is left out, as R does
    i = pick.draw(st.integers(0, data.time.size - 1), label="row")
    used = frozenset({param}) | frozenset({"time", "event"})
    d = _with(data, **{param: _replaced(getattr(data, param), i, value)})
    err = _refused(target, d, used)
    _expect_row(err, param, target, i)


@pytest.mark.parametrize("target", [t for t in TARGETS if "start" in t.params], ids=_name)
@settings(max_examples=40, deadline=None)
@given(data=valid_data(), pick=st.data())
def test_start_not_before_stop_is_refused(target: Target, data: Data, pick: st.DataObject) -> None:
    i = pick.draw(st.integers(0, data.time.size - 1), label="row")
    late = pick.draw(st.floats(0, 100, allow_nan=False), label="after stop by")
    start = _replaced(data.start, i, float(data.time[i]) + late)
    err = _refused(target, _with(data, start=start), frozenset({"time", "event", "start"}))
    # the stop time (``time``) of the first interval that does not run forward
    assert err.problem.field.startswith("time"), err
    assert err.problem.field.endswith(f"row {i + 1}"), err


@pytest.mark.parametrize("target", [t for t in TARGETS if "group" in t.params], ids=_name)
@settings(max_examples=30, deadline=None)
@given(data=valid_data(), pick=st.data(), missing=st.sampled_from([None, NAN, pd.NA]))
def test_array_labels_must_not_be_missing(
    target: Target, data: Data, pick: st.DataObject, missing: Any
) -> None:
    i = pick.draw(st.integers(0, data.time.size - 1), label="row")
    group = data.group.copy()
    group[i] = missing
    err = _refused(target, _with(data, group=group), frozenset({"time", "event"}))
    assert err.problem.field in (f"group, row {i + 1}", f"strata, row {i + 1}"), err


@pytest.mark.parametrize("target", [t for t in TARGETS if not t.frame], ids=_name)
@settings(max_examples=30, deadline=None)
@given(data=valid_data(), pick=st.data())
def test_arrays_of_different_lengths_are_refused(
    target: Target, data: Data, pick: st.DataObject
) -> None:
    choices = sorted(p for p in ("event", "start", "weights", "group") if p in target.params)
    param = pick.draw(st.sampled_from(choices), label="param")
    cut = pick.draw(st.integers(1, data.time.size - 1), label="rows cut")
    d = _with(data, **{param: getattr(data, param)[:-cut]})
    err = _refused(target, d, frozenset({"time", "event", param}))
    # cox_fit takes the labels as strata
    assert err.problem.field in (param, "strata" if param == "group" else param), err


@pytest.mark.parametrize("target", TARGETS, ids=IDS)
def test_no_rows_are_refused(target: Target) -> None:
    empty = np.zeros(0)
    d = Data(empty, empty, empty, empty, np.zeros(0, dtype=object))
    _refused(target, d, frozenset({"time", "event"}))


@pytest.mark.parametrize("target", [t for t in TARGETS if t.frame], ids=_name)
def test_only_missing_rows_are_refused(target: Target) -> None:
    d = Data(np.full(4, NAN), np.ones(4), np.zeros(4), np.ones(4), np.array(["a", "b"] * 2))
    _refused(target, d, frozenset({"time", "event"}))


def test_the_reported_case_event_seven() -> None:
    """An event coded 7 gave a survival of −2.0; now it is refused."""
    with pytest.raises(InputError) as info:
        kaplan_meier_arrays(np.array([1.0, 2.0, 3.0]), np.array([1.0, 7.0, 0.0]))
    assert info.value.problem.field == "event, row 2"
    with pytest.raises(InputError, match=r"^time, row 1: got -1"):
        kaplan_meier_arrays(np.array([-1.0, 2.0]), np.array([1.0, 0.0]))
    with pytest.raises(InputError, match=r"^event 'status', row 2: got 'x'"):
        kaplan_meier(pd.DataFrame({"t": [1, 2], "status": [1, "x"]}), time="t", event="status")


def test_survival_data_is_checked_frozen_and_read_only() -> None:
    d = SurvivalData.from_arrays([3, 1, 2], [True, False, True], weights=[1, 2, 1])
    assert d.n == 3
    assert not d.counting
    np.testing.assert_array_equal(d.event, [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="read-only"):
        d.time[0] = -5.0
    with pytest.raises(AttributeError):
        d.time = np.zeros(3)  # type: ignore[misc]
    with pytest.raises(TypeError, match="from_arrays"):
        SurvivalData(time=[1.0], event=[1.0])
    frame = pd.DataFrame({"os": [5.0, None, 7.0], "dead": [1, 0, 0], "arm": ["a", "b", "b"]})
    f = SurvivalData.from_frame(frame, time="os", event="dead", other=[("group", "arm")])
    assert f.n_dropped == 1
    np.testing.assert_array_equal(f.rows, [0, 2])
    assert list(f.columns["arm"]) == ["a", "b"]
    assert f.label("time") == "time 'os'"


# --------------------------------------------------------------------------- options


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": [5.0, 8, 12, 3, 9, 15, 7, 11],
            "e": [1, 0, 1, 1, 1, 0, 1, 1],
            "g": list("abababab"),
            "x": [1.0, 2, 0, 3, 1, 2, 4, 0],
        }
    )


bad_levels = st.sampled_from([0.0, 1.0, -0.5, 1.5, NAN, INF, True, "0.95"])
bad_horizons = st.sampled_from([0.0, -1.0, NAN, INF, 1e308, True, "10", None])


@settings(max_examples=25, deadline=None)
@given(level=bad_levels)
def test_confidence_levels_are_checked_everywhere(small: pd.DataFrame, level: Any) -> None:
    calls: list[Callable[[], object]] = [
        lambda: kaplan_meier(small, time="t", event="e", conf_level=level),
        lambda: kaplan_meier_arrays(small["t"], small["e"], conf_level=level),
        lambda: cox_ph(small, time="t", event="e", covariates=["x"], conf_level=level),
        lambda: cox_fit(small["t"], small["e"], small[["x"]], conf_level=level),
        lambda: rmst_test(small, time="t", event="e", group="g", conf_level=level),
        lambda: fisher_exact_table([[3, 1], [1, 3]], conf_level=level),
        lambda: cox_survfit(_fit(small), {"x": 1.0}, conf_level=level),
    ]
    for call in calls:
        with pytest.raises(InputError, match="conf_level"):
            call()


@settings(max_examples=25, deadline=None)
@given(tau=bad_horizons, rho=st.sampled_from([-1.0, NAN, INF, True, "1", None]))
def test_tau_and_rho_are_checked(small: pd.DataFrame, tau: Any, rho: Any) -> None:
    if tau is not None:
        for call in (
            lambda: kaplan_meier(small, time="t", event="e", tau=tau),
            lambda: kaplan_meier_arrays(small["t"], small["e"], tau=tau),
            lambda: rmst_test(small, time="t", event="e", group="g", tau=tau),
            lambda: kaplan_meier(small, time="t", event="e").curves[0].rmst(tau),
        ):
            with pytest.raises(InputError, match="tau"):
                call()
    for call in (
        lambda: logrank_test(small, time="t", event="e", group="g", rho=rho),
        lambda: logrank_arrays(small["t"], small["e"], small["g"], rho=rho),
    ):
        with pytest.raises(InputError, match="rho"):
            call()


def _fit(small: pd.DataFrame) -> Any:
    return cox_ph(small, time="t", event="e", covariates=["x"])


@settings(max_examples=30, deadline=None)
@given(value=st.sampled_from([NAN, INF, -INF, 1e308, -1e308, "high", None]))
def test_cox_profiles_must_be_finite(small: pd.DataFrame, value: Any) -> None:
    with pytest.raises(InputError, match="profile"):
        cox_survfit(_fit(small), {"x": value})


@pytest.mark.parametrize("not_a_fit", [None, 3.0, "fit", {"model": 1}])
def test_cox_helpers_need_a_cox_result(not_a_fit: Any) -> None:
    with pytest.raises(InputError, match="result"):
        cox_survfit(not_a_fit, {"x": 1.0})
    with pytest.raises(InputError, match="result"):
        cox_zph(not_a_fit)


def test_cox_covariates_must_be_finite(small: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"^covariates 'x', row 3: got inf"):
        cox_ph(small.assign(x=[1.0, 2, INF, 3, 1, 2, 4, 0]), time="t", event="e", covariates=["x"])
    with pytest.raises(InputError, match=r"^x 'x1', row 2: got nan"):
        cox_fit(small["t"], small["e"], [1.0, NAN, 0, 3, 1, 2, 4, 0])


def test_log_transform_of_an_event_at_time_zero_is_refused(small: pd.DataFrame) -> None:
    fit = cox_ph(
        small.assign(t=[0.0, 8, 12, 3, 9, 15, 7, 11]), time="t", event="e", covariates=["x"]
    )
    with pytest.raises(InputError, match="transform"):
        cox_zph(fit, transform="log")


@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(
        st.sampled_from([-1, 1.5, NAN, INF, -INF, 1e308, 2.0**31]),
        st.floats(max_value=-1e-9, allow_infinity=True),
    ),
    cell=st.integers(0, 3),
)
def test_fisher_counts_are_checked(value: float, cell: int) -> None:
    table = np.array([[3.0, 1.0], [1.0, 3.0]])
    table.flat[cell] = value
    with pytest.raises(InputError, match="table"):
        fisher_exact_table(table)


def test_fisher_refuses_tables_too_large_to_enumerate() -> None:
    with pytest.raises(InputError, match="exact enumeration"):
        fisher_exact_table([[20_000_000, 0, 1], [0, 1, 0]])


def test_fisher_needs_usable_columns() -> None:
    frame = pd.DataFrame({"a": [None, None], "b": ["x", "y"]})
    with pytest.raises(InputError, match="row"):
        fisher_exact(frame, row="nope", column="b")
    with pytest.raises(InputError, match="table"):
        fisher_exact(frame, row="a", column="b")
