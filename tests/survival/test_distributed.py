"""Survival on Dask equals the single-process engine (and so R) on the same rows.

Kaplan–Meier, log-rank (stratified, weighted) and Cox (Efron, Breslow, strata) of a Dask
DataFrame in 4 partitions on a local cluster, compared key by key with the single-process
result's JSON to 1e-10; the R fixture cases the distributed fit covers also against R's
numbers; any partitioning gives the same answer (Hypothesis); hostile inputs refused.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tacepath.errors import InputError, StatisticalWarning
from tacepath.survival import CoxControl, cox_ph, kaplan_meier, logrank_test
from tacepath.survival import distributed as dist
from tests.survival.rfixtures import close, dataset, load

TOL = 1e-10


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def same(a: Any, b: Any, path: str = "") -> None:
    """``a`` and ``b`` (JSON trees) equal: the same keys, lengths and texts, numbers to
    1e-10 relative (1e-13 absolute near 0)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert sorted(a) == sorted(b), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple), path
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool) and isinstance(b, int | float):
        if math.isnan(a):
            assert math.isnan(b), path
        else:
            assert math.isclose(a, b, rel_tol=TOL, abs_tol=1e-13), (path, a, b)
    else:
        assert a == b, (path, a, b)


def _ddf(frame: pd.DataFrame, n: int = 4) -> Any:
    return dd.from_pandas(frame, npartitions=n, sort=False)


def _synthetic(n: int = 400, seed: int = 7, whole_days: bool = False) -> pd.DataFrame:
    """Continuous times with deliberate ties (rounded to 0.5), three arms, two strata
    columns, a continuous and a 0/1 covariate, missing values in several columns."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(["A", "B", "C"], n)
    hazard = np.where(arm == "A", 0.05, np.where(arm == "B", 0.08, 0.11))
    t = rng.exponential(1 / hazard)
    time = np.ceil(t) if whole_days else np.round(t * 2) / 2 + 0.25
    frame = pd.DataFrame(
        {
            "time": time,
            "event": (rng.uniform(size=n) < 0.7).astype(int),
            "arm": arm,
            "site": rng.integers(1, 4, n),
            "sex": rng.choice(["f", "m"], n),
            "age": rng.normal(62, 9, n).round(1),
            "male": rng.integers(0, 2, n),
        }
    )
    frame.loc[[5, n // 3], "time"] = np.nan
    frame.loc[[17, n // 2], "age"] = np.nan
    frame.loc[n - 7, "arm"] = None
    return frame


# ------------------------------------------------------------------ Kaplan–Meier


@pytest.mark.parametrize("whole_days", [False, True])
@pytest.mark.parametrize("group", [None, "arm"])
def test_kaplan_meier_equals_the_engine(client: Any, whole_days: bool, group: str | None) -> None:
    frame = _synthetic(whole_days=whole_days)
    want = kaplan_meier(frame, time="time", event="event", group=group).to_dict()
    got = dist.kaplan_meier(_ddf(frame), time="time", event="event", group=group).to_dict()
    same(want, got)
    assert got["n_dropped"] == (3 if group else 2)


def test_kaplan_meier_of_lung_by_sex_with_log_log_band(client: Any) -> None:
    lung = dataset("lung")
    kw: dict[str, Any] = {"time": "time", "event": "status", "group": "sex"}
    want = kaplan_meier(lung, conf_type="log-log", conf_level=0.9, tau=500, **kw)
    got = dist.kaplan_meier(_ddf(lung), conf_type="log-log", conf_level=0.9, tau=500, **kw)
    same(want.to_dict(), got.to_dict())
    # the curves' own numbers, beyond the JSON: survival, standard error and the band
    for a, b in zip(want.curves, got.curves, strict=True):
        for field in ("surv", "std_err", "lower", "upper", "n_risk"):
            np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=TOL)


def test_times_equal_up_to_floating_noise_merge_as_in_r(client: Any) -> None:
    """R's aeqSurv merges 1.0 and 1.0 + 1e-12; merging after the reduction merges the
    same times as the engine does before it, even when they sit in different partitions."""
    frame = pd.DataFrame(
        {"time": [1.0, 2.0, 3.0, 1.0 + 1e-12, 2.0, 5.0, 3.0 - 1e-13, 4.0], "event": [1] * 8}
    )
    want = kaplan_meier(frame, time="time", event="event").to_dict()
    got = dist.kaplan_meier(_ddf(frame), time="time", event="event").to_dict()
    same(want, got)
    assert len(got["groups"][0]["time"]) == 5


# ------------------------------------------------------------------ log-rank


@pytest.mark.parametrize(
    ("strata", "rho", "gamma"),
    [(None, 0.0, 0.0), ("site", 0.0, 0.0), (["site", "sex"], 0.0, 0.0), ("site", 1.0, 0.5)],
)
def test_logrank_equals_the_engine(
    client: Any, strata: str | list[str] | None, rho: float, gamma: float
) -> None:
    frame = _synthetic()
    kw: dict[str, Any] = {"time": "time", "event": "event", "group": "arm", "strata": strata}
    want = logrank_test(frame, rho=rho, gamma=gamma, trend=True, **kw).to_dict()
    got = dist.logrank_test(_ddf(frame), rho=rho, gamma=gamma, trend=True, **kw).to_dict()
    same(want, got)


def test_stratified_logrank_of_veteran_equals_r(client: Any) -> None:
    """survdiff(Surv(time, status) ~ trt + strata(celltype, prior), veteran), from the R
    fixture, through the distributed path."""
    r = next(c for c in load("logrank")["cases"] if c["name"] == "veteran_trt_strata")
    vet = dataset("veteran")
    kw: dict[str, Any] = {"time": "time", "event": "status", "group": "trt"}
    want = logrank_test(vet, strata=["celltype", "prior"], **kw)
    got = dist.logrank_test(_ddf(vet), strata=["celltype", "prior"], **kw)
    same(want.to_dict(), got.to_dict())
    close(got.chisq, r["chisq"], "chisq")
    close(got.observed, r["observed"], "observed")
    close(got.expected, r["expected"], "expected")


# ------------------------------------------------------------------ Cox

#: The R fixture cases within the distributed fit's scope (numeric covariates, no weights,
#: no (start, stop], no cluster): missing values, strata of two columns, separation.
R_CASES = ["lung_age_only", "veteran_strata2", "pbc_na", "ovarian", "ovarian_breslow"]
#: Separation: a coefficient runs to infinity on a flat likelihood, where the last iterate
#: moves with the rounding of any sum (the engine's included): R's tolerance, R's warning.
SEPARATION = ["separation", "separation_breslow"]


def _case(name: str) -> dict[str, Any]:
    return dict(next(c for c in load("cox")["cases"] if c["name"] == name))


def _fits(name: str) -> tuple[Any, Any, list[str], dict[str, Any]]:
    """The engine's fit, the distributed one, its warnings, and R's fit."""
    case = _case(name)
    a = case["args"]
    data = dataset(a["data"])
    kw: dict[str, Any] = {
        "time": a["time"],
        "event": a["event"],
        "covariates": a["covariates"],
        "strata": a["strata"],
        "ties": a["ties"],
        "control": CoxControl(iter_max=a["iter_max"]),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        want = cox_ph(data, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = dist.cox_ph(_ddf(data), **kw)
    emitted = [str(w.message) for w in caught if w.category is StatisticalWarning]
    return want, got, emitted, case["fit"]


@pytest.mark.parametrize("name", R_CASES)
def test_cox_equals_the_engine_and_r(client: Any, name: str) -> None:
    want, got, emitted, r = _fits(name)
    same(want.to_dict(), got.to_dict())
    assert emitted == list(want.warnings)
    close(got.coef, r["coef"], "coef")
    close(got.se, r["se"], "se")
    close(got.loglik, r["loglik"], "loglik")


@pytest.mark.parametrize("name", SEPARATION)
def test_cox_under_separation_equals_r_and_warns_as_r(client: Any, name: str) -> None:
    want, got, emitted, r = _fits(name)
    assert emitted == list(want.warnings)
    assert emitted
    assert emitted[0].startswith("Loglik converged before variable")
    close(got.coef, r["coef"], "coef")
    close(got.loglik, r["loglik"], "loglik")
    assert got.iterations == want.iterations


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("strata", [None, "site", ["site", "sex"]])
@pytest.mark.parametrize("whole_days", [False, True])
def test_cox_with_ties_and_strata_equals_the_engine(
    client: Any, ties: str, strata: str | list[str] | None, whole_days: bool
) -> None:
    frame = _synthetic(whole_days=whole_days)
    kw: dict[str, Any] = {"time": "time", "event": "event", "covariates": ["age", "male"]}
    want = cox_ph(frame, strata=strata, ties=ties, **kw)  # type: ignore[arg-type]
    got = dist.cox_ph(_ddf(frame), strata=strata, ties=ties, **kw)
    same(want.to_dict(), got.to_dict())
    np.testing.assert_allclose(got.var, want.var, rtol=TOL)
    assert got.converged
    assert got.iterations >= 2


def test_a_deeper_tree_and_an_empty_partition_change_nothing(client: Any) -> None:
    frame = _synthetic(n=200)
    frame.loc[100:124, "time"] = np.nan  # a partition of rows that all miss a value
    ddf = dd.from_pandas(frame, npartitions=8, sort=False)
    kw: dict[str, Any] = {"time": "time", "event": "event"}
    same(
        cox_ph(frame, covariates=["age", "male"], **kw).to_dict(),
        dist.cox_ph(ddf, covariates=["age", "male"], split_every=2, **kw).to_dict(),
    )
    same(
        kaplan_meier(frame, group="arm", **kw).to_dict(),
        dist.kaplan_meier(ddf, group="arm", split_every=2, **kw).to_dict(),
    )


def test_concordance_can_be_skipped_and_the_rows_are_not_kept(client: Any) -> None:
    frame = _synthetic(n=120)
    fit = dist.cox_ph(
        _ddf(frame), time="time", event="event", covariates=["age"], concordance=False
    )
    assert fit.to_dict()["concordance"] is None
    assert fit.coef[0] == pytest.approx(
        cox_ph(frame, time="time", event="event", covariates=["age"]).coef[0], rel=TOL
    )
    with pytest.raises(InputError, match="a CoxResult from cox_ph"):
        fit.baseline_hazard()


# ------------------------------------------------------------------ any partitioning


def _parted(frame: pd.DataFrame, cuts: list[int]) -> Any:
    bounds = sorted({0, len(frame), *(c % len(frame) for c in cuts)})
    pieces = [frame.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    return dd.from_map(lambda p: p, pieces, meta=frame.iloc[:0])


FRAME = _synthetic(n=150, seed=11)
SINGLE = {
    "km": kaplan_meier(FRAME, time="time", event="event", group="arm").to_dict(),
    "lr": logrank_test(FRAME, time="time", event="event", group="arm", strata="site").to_dict(),
    "cox": cox_ph(
        FRAME, time="time", event="event", covariates=["age", "male"], strata="site"
    ).to_dict(),
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(range(len(FRAME))),
    cuts=st.lists(st.integers(0, len(FRAME) - 1), min_size=0, max_size=6),
    every=st.integers(2, 4),
)
def test_any_partitioning_gives_the_same_answer(
    order: list[int], cuts: list[int], every: int
) -> None:
    ddf = _parted(FRAME.iloc[order].reset_index(drop=True), cuts)
    kw: dict[str, Any] = {"time": "time", "event": "event", "split_every": every}
    same(SINGLE["km"], dist.kaplan_meier(ddf, group="arm", **kw).to_dict())
    same(SINGLE["lr"], dist.logrank_test(ddf, group="arm", strata="site", **kw).to_dict())
    cox = dist.cox_ph(ddf, covariates=["age", "male"], strata="site", **kw).to_dict()
    same(SINGLE["cox"], cox)


# ------------------------------------------------------------------ hostile inputs


def test_a_bad_row_is_named_by_its_partition_and_row(client: Any) -> None:
    frame = _synthetic(n=80)
    frame.loc[45, "time"] = -3.0  # partition 2 of 4 (rows 40-59), its row 6
    with pytest.raises(InputError) as info:
        dist.kaplan_meier(_ddf(frame), time="time", event="event")
    assert info.value.problems[0].field.startswith("partition 2: time 'time', row 6")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda d: dist.kaplan_meier(pd.DataFrame(), time="t", event="e"), "data"),
        (lambda d: dist.kaplan_meier(d, time="time", event="event", split_every=1), "split_every"),
        (lambda d: dist.kaplan_meier(d, time="nope", event="event"), "time"),
        (lambda d: dist.logrank_test(d, time="time", event="event", group="male", rho=-1), "rho"),
        (lambda d: dist.cox_ph(d, time="time", event="event", covariates=["sex"]), "partition"),
        (lambda d: dist.cox_ph(d, time="time", event="event", covariates=[]), "covariates"),
        (
            lambda d: dist.cox_ph(d, time="time", event="event", covariates=["age"] * 51),
            "covariates",
        ),
        (
            lambda d: dist.cox_ph(d, time="t", event="e", covariates=[f"c{i}" for i in range(51)]),
            "covariates",
        ),
        (
            lambda d: dist.logrank_test(
                d, time="time", event="event", group="arm", split_every=10**9
            ),
            "split_every",
        ),
        (
            lambda d: dist.cox_ph(d, time="time", event="event", covariates=["age"], ties="exact"),
            "ties",
        ),
    ],
)
def test_hostile_inputs_are_refused(client: Any, call: Any, field: str) -> None:
    with pytest.raises(InputError) as info:
        call(_ddf(_synthetic(n=60)))
    assert info.value.problems[0].field.startswith(field)


def test_no_events_and_one_group_are_refused(client: Any) -> None:
    frame = _synthetic(n=60).assign(event=0)
    with pytest.raises(InputError, match="no events"):
        dist.cox_ph(_ddf(frame), time="time", event="event", covariates=["age"])
    with pytest.raises(InputError, match="at least 2 levels"):
        dist.logrank_test(_ddf(frame.assign(g=1)), time="time", event="event", group="g")
