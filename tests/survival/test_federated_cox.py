"""Federated Cox: three simulated sites reach the pooled single-process ``cox_ph`` (Efron and
Breslow, with and without strata) to 1e-8 through `federate cox-round` / `cox-combine`; the
pooled evaluation equals the engine's at any beta; disclosure rule and hostile files."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputError
from tacepath.survival import cox_ph
from tacepath.survival._coxfit import Scratch, evaluate, risk_sets
from tacepath.survival.federated import coarsen_times
from tacepath.survival.federated_cox import (
    CoxSpec,
    combine,
    new_state,
    pooled_evaluation,
    site_round,
)

RUN = CliRunner()


def _site(seed: int, n: int = 250) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(62, 9, n).round(0)
    afp = rng.lognormal(3, 1.5, n)
    arm = rng.integers(0, 2, n)
    rate = np.exp(0.02 * (age - 62) + 0.15 * np.log(afp) - 0.4 * arm) / 400
    t = np.ceil(rng.exponential(1 / rate))
    c = rng.uniform(100, 1500, n).round()
    return pd.DataFrame(
        {
            "os_days": np.minimum(t, c),
            "death": (t <= c).astype(int),
            "age": age,
            "log_afp": np.log(afp),
            "arm": arm,
            "bclc": rng.choice(["A", "B"], n),
        }
    )


def _invoke(*args: str) -> Any:
    result = RUN.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def _federated_cli(tmp: Path, frames: list[pd.DataFrame], options: list[str]) -> dict[str, Any]:
    for i, f in enumerate(frames):
        f.to_csv(tmp / f"site{i}.csv", index=False)
    state = tmp / "state.json"
    for rnd in range(30):
        files = []
        for i in range(len(frames)):
            out = tmp / f"site{i}-round.json"
            extra = ["--state", str(state)] if rnd else []
            _invoke(
                "federate",
                "cox-round",
                str(tmp / f"site{i}.csv"),
                *options,
                "--site",
                f"S{i}",
                *extra,
                "--out",
                str(out),
            )
            files.append(str(out))
        extra = ["--state", str(state)] if rnd else []
        got = json.loads(
            _invoke("federate", "cox-combine", *files, *extra, "--out", str(state), "--json").output
        )
        if got.get("done", True) is not False:
            return dict(got)
    raise AssertionError("no convergence in 30 rounds")


@pytest.mark.parametrize(
    ("ties", "strata", "unit"),
    [
        ("efron", None, None),
        ("breslow", None, None),
        ("efron", "bclc", "week"),
        ("breslow", "bclc", "month"),
    ],
)
def test_three_sites_give_the_pooled_cox(
    tmp_path: Path, ties: str, strata: str | None, unit: str | None
) -> None:
    frames = [_site(s) for s in (1, 2, 3)]
    options = [
        "--time",
        "os_days",
        "--event",
        "death",
        "--covariates",
        "age,log_afp,arm",
        "--ties",
        ties,
        "--min-count",
        "1",
    ]
    options += ["--strata", strata] if strata else []
    options += ["--time-unit", unit] if unit else []
    fed = _federated_cli(tmp_path, frames, options)
    pooled = pd.concat(frames, ignore_index=True)
    if unit:
        pooled["os_days"] = coarsen_times(pooled["os_days"], unit)  # type: ignore[arg-type]
    ref = cox_ph(
        pooled,
        time="os_days",
        event="death",
        covariates=["age", "log_afp", "arm"],
        strata=strata,
        ties=ties,
    )  # type: ignore[arg-type]
    assert fed["converged"]
    assert fed["iterations"] == ref.iterations
    assert fed["n"] == ref.n == 750
    assert fed["n_event"] == ref.n_event
    np.testing.assert_allclose(fed["coef"], ref.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(fed["se"], ref.se, rtol=0, atol=1e-8)
    np.testing.assert_allclose(fed["var"], ref.var, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fed["loglik"], ref.loglik, rtol=1e-12)
    for key in ("lr", "wald", "score"):
        assert fed[key]["chisq"] == pytest.approx(ref.to_dict()[key]["chisq"], abs=1e-7)
        assert fed[key]["df"] == 3
    assert fed["sites"] == ["S0", "S1", "S2"]
    # the simulated hazard ratios are recovered (true log-HR of arm -0.4)
    assert -0.8 < fed["coef"][2] < 0.0


def _rounds(frames: list[pd.DataFrame], spec: CoxSpec, beta: Any) -> list[dict[str, Any]]:
    return [site_round(f, spec, beta=beta, site=f"S{i}") for i, f in enumerate(frames)]


@settings(max_examples=25, deadline=None)
@given(
    beta=st.lists(st.floats(-1, 1), min_size=2, max_size=2),
    ties=st.sampled_from(["efron", "breslow"]),
    cuts=st.lists(st.integers(1, 59), min_size=1, max_size=3, unique=True),
)
def test_pooled_evaluation_equals_the_engine(beta: list[float], ties: str, cuts: list[int]) -> None:
    """At any beta and any split into sites: the engine's log-likelihood, score, information."""
    rng = np.random.default_rng(7)
    n = 60
    df = pd.DataFrame(
        {
            "t": rng.integers(1, 15, n).astype(float),
            "e": rng.integers(0, 2, n),
            "a": rng.normal(size=n),
            "b": rng.integers(0, 2, n),
        }
    )
    spec = CoxSpec(time="t", event="e", covariates=("a", "b"), ties=ties, min_count=1)  # type: ignore[arg-type]
    edges = [0, *sorted(cuts), n]
    frames = [df.iloc[lo:hi] for lo, hi in itertools.pairwise(edges)]
    b = np.asarray(beta)
    ll, u, info = pooled_evaluation(_rounds(frames, spec, beta), b, spec.ties)
    rs = risk_sets(
        df["t"].to_numpy(float), df["e"].to_numpy(float), None, None, efron=ties == "efron"
    )
    xt = np.ascontiguousarray(df[["a", "b"]].to_numpy(float).T[:, rs.order])
    ll0, u0, info0 = evaluate(rs, xt, np.ones(n), b, Scratch())
    assert ll == pytest.approx(ll0, abs=1e-10)
    np.testing.assert_allclose(u, u0, atol=1e-10)
    np.testing.assert_allclose(info, info0, atol=1e-10)


def test_a_breslow_step_by_hand() -> None:
    """Two times, one covariate: times 1 (x=1, event), 2 (x=0, event), 2 (x=1, censored).
    At beta = 0: loglik = -log 3 - log 2; score = 1 - 2/3 + 0 - 1/2 = -1/6;
    information = (2/3 - 4/9) + (1/2 - 1/4) = 2/9 + 1/4 = 17/36."""
    df = pd.DataFrame({"t": [1.0, 2.0, 2.0], "e": [1, 1, 0], "x": [1.0, 0.0, 1.0]})
    spec = CoxSpec(time="t", event="e", covariates=("x",), ties="breslow", min_count=1)
    ll, u, info = pooled_evaluation(_rounds([df], spec, [0.0]), np.zeros(1), "breslow")
    assert ll == pytest.approx(-np.log(3) - np.log(2), abs=1e-15)
    assert u[0] == pytest.approx(-1 / 6, abs=1e-15)
    assert info[0, 0] == pytest.approx(17 / 36, abs=1e-15)


def test_the_disclosure_rule_on_both_sides_of_its_threshold() -> None:
    df = pd.DataFrame({"t": [30.0] * 4 + [60.0] * 5, "e": [1] * 9, "x": np.arange(9.0)})
    spec = CoxSpec(time="t", event="e", covariates=("x",), min_count=4)
    assert len(site_round(df, spec, beta=[0.0])["cells"]) == 2  # cells of 4 and 5: written
    with pytest.raises(InputError, match="min_count"):
        site_round(df, CoxSpec(time="t", event="e", covariates=("x",), min_count=5), beta=[0.0])


def test_the_command_refuses_small_cells_and_writes_nothing(tmp_path: Path) -> None:
    _site(1, 40).to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "r.json"
    result = RUN.invoke(
        app,
        [
            "federate",
            "cox-round",
            str(tmp_path / "s.csv"),
            "--time",
            "os_days",
            "--event",
            "death",
            "--covariates",
            "age",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert "min_count" in result.output
    assert not out.exists()


def _one_round(tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = CoxSpec(time="os_days", event="death", covariates=("age",), min_count=1)
    return new_state(spec), site_round(_site(2, 60), spec, beta=[0.0], site="A")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "x"}, "not a Cox round file"),
        ({"round": 3}, "round"),
        ({"beta": [0.5]}, "beta"),
        (
            {
                "spec": {
                    "time": "os_days",
                    "event": "death",
                    "covariates": ["afp"],
                    "strata": [],
                    "ties": "efron",
                    "time_unit": None,
                    "min_count": 1,
                }
            },
            "spec",
        ),
        ({"cells": [[[], 1.0, 2, 3, [0.0], 1.0, [0.0], [[0.0]], 1.0, [0.0], [[0.0]]]]}, "cells"),
        (
            {"cells": [[[], 1.0, 2, 1, [0.0], float("inf"), [0.0], [[0.0]], 1.0, [0.0], [[0.0]]]]},
            "cells",
        ),
        ({"n": -1}, "n"),
    ],
)
def test_hostile_round_files_are_refused(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    state, obj = _one_round(tmp_path)
    with pytest.raises(InputError, match=field):
        combine(state, [("a.json", {**obj, **change})])


def test_sites_must_be_distinct_and_the_same_in_every_round(tmp_path: Path) -> None:
    state, obj = _one_round(tmp_path)
    with pytest.raises(InputError, match="different site name"):
        combine(state, [("a.json", obj), ("b.json", obj)])
    nxt = combine(state, [("a.json", obj)])
    assert nxt["round"] == 1
    assert not nxt["done"]
    assert nxt["sites"] == ["A"]
    spec = CoxSpec(time="os_days", event="death", covariates=("age",), min_count=1)
    other = site_round(_site(3, 60), spec, beta=nxt["beta"], centre=nxt["centre"], site="B")
    with pytest.raises(InputError, match="the sites"):
        combine(nxt, [("b.json", {**other, "round": 1})])


def test_a_state_from_elsewhere_is_refused() -> None:
    with pytest.raises(InputError, match="not a Cox state"):
        combine({"format": "tacepath-federated-survival"}, [])


@pytest.mark.parametrize(
    ("case", "coding"),
    [
        ("lung_efron", {"sex": ("sexmale", "male")}),
        ("lung_breslow", {"sex": ("sexmale", "male")}),
        ("veteran_strata2", {}),
    ],
)
def test_sites_cut_from_an_r_data_set_give_r_coxph(case: str, coding: dict[str, Any]) -> None:
    """R ``coxph`` (tests/fixtures/r) on the whole data set; three sites of every third row."""
    from tests.survival.rfixtures import close, dataset, load

    c = next(x for x in load("cox")["cases"] if x["name"] == case)
    args, fit = c["args"], c["fit"]
    data = dataset(args["data"])
    covariates = []
    for name in args["covariates"]:
        if name in coding:  # a factor coded 0/1 at the site, as R's treatment coding does
            term, level = coding[name]
            data[term] = (data[name] == level).astype(float).where(data[name].notna())
            name = term
        covariates.append(name)
    spec = CoxSpec(time=args["time"], event=args["event"], covariates=tuple(covariates),
                   strata=tuple(args["strata"] or ()), ties=args["ties"], min_count=1)  # fmt: skip
    frames = [data.iloc[i::3] for i in range(3)]
    state = new_state(spec)
    while not state["done"]:
        files = [(f"S{i}", site_round(f, spec, beta=state["beta"], centre=state["centre"],
                                      site=f"S{i}", round_no=state["round"]))
                 for i, f in enumerate(frames)]  # fmt: skip
        state = combine(state, files)
    got = state["result"]
    assert got["terms"] == fit["terms"]
    close(got["coef"], fit["coef"], f"{case} coef")
    close(got["se"], fit["se"], f"{case} se")
    close(got["loglik"], fit["loglik"], f"{case} loglik")
    assert got["n"] == fit["n"]
