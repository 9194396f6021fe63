"""Kaplan–Meier agrees with R survival 3.5 on every quantity of every fixture case."""

from __future__ import annotations

from typing import Any

import pytest

from tacepath.errors import InputError
from tacepath.survival import kaplan_meier
from tests.survival.rfixtures import close, dataset, load

ALL_CASES = load("km")["cases"]
# R turns zero-length intervals into NA and drops them; tacepath refuses them (below).
CASES = [c for c in ALL_CASES if c["name"] != "edge_zero_length"]


def _fit(case: dict[str, Any], data: Any = None) -> Any:
    a = case["args"]
    return kaplan_meier(
        dataset(a["data"]) if data is None else data,
        time=a["time"],
        event=a["event"],
        start=a["start"],
        group=a["group"],
        weights=a["weights"],
        conf_type=a["conf_type"],
        conf_level=a["conf_level"],
        tau=a["tau"],
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_curves_agree_with_r(case: dict[str, Any]) -> None:
    fit = _fit(case)
    assert fit.n_dropped == case["n_dropped"]
    assert len(fit.curves) == len(case["groups"])
    for ours, r in zip(fit.curves, case["groups"], strict=True):
        name = f"{case['name']}[{r['group']}]"
        if r["group"] is not None:
            assert str(ours.group) == str(r["group"])
        assert ours.n == r["n"]
        for key in ("time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"):
            close(getattr(ours, key), r[key], f"{name} {key}")
        for key in ("cumhaz", "std_chaz"):
            close(getattr(ours, key), r[key], f"{name} {key}")
        for key in ("median", "median_lower", "median_upper", "rmean", "rmean_se", "tau"):
            close(getattr(ours, key), r[key], f"{name} {key}")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_quantiles_agree_with_r(case: dict[str, Any]) -> None:
    fit = _fit(case)
    for ours, r in zip(fit.curves, case["groups"], strict=True):
        q = ours.quantile(case["probs"])
        name = f"{case['name']}[{r['group']}] quantile"
        close(q["estimate"], r["quantile"]["estimate"], f"{name} estimate")
        close(q["lower"], r["quantile"]["lower"], f"{name} lower")
        close(q["upper"], r["quantile"]["upper"], f"{name} upper")


TIMED = [c for c in CASES if c["times"] is not None]


@pytest.mark.parametrize("case", TIMED, ids=[c["name"] for c in TIMED])
@pytest.mark.parametrize("extend", [False, True])
def test_summary_at_times_agrees_with_r(case: dict[str, Any], extend: bool) -> None:
    fit = _fit(case)
    for ours, r in zip(fit.curves, case["groups"], strict=True):
        s = ours.at(case["times"], extend=extend)
        ref = r["at_extend" if extend else "at"]
        name = f"{case['name']}[{r['group']}] at(extend={extend})"
        for key in ("time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"):
            close(getattr(s, key), ref[key], f"{name} {key}")


def test_zero_length_intervals_are_refused_and_r_drops_them() -> None:
    case = next(c for c in ALL_CASES if c["name"] == "edge_zero_length")
    raw = dataset("edge_zero_length")
    with pytest.raises(InputError, match=r"^time 'stop', row 6: got 4.0; allowed: a stop time > "):
        _fit(case, raw)
    fit = _fit(case, raw[raw["stop"] > raw["start"]])
    assert case["n_dropped"] == 1  # R dropped the same row as NA
    for ours, r in zip(fit.curves, case["groups"], strict=True):
        assert ours.n == r["n"]
        for key in ("time", "n_risk", "n_event", "surv", "std_err", "lower", "upper"):
            close(getattr(ours, key), r[key], f"zero-length {key}")
