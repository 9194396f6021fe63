"""Federated survival: three sites' summaries give the pooled single-process answer, a
hand-computed Kaplan-Meier, the disclosure rule on both sides of its threshold, and hostile
summaries refused."""

from __future__ import annotations

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
from tacepath.survival import kaplan_meier, logrank_test
from tacepath.survival.federated import (
    SITE_COLUMN,
    SiteSummary,
    coarsen_times,
    pooled_rows,
    site_summary,
)

RUN = CliRunner()


def _site(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    t = np.round(rng.exponential(400 * (1 + 0.4 * arm)), 0) + 1
    c = rng.uniform(100, 1200, n).round()
    return pd.DataFrame(
        {
            "os_days": np.minimum(t, c),
            "death": (t <= c).astype(int),
            "arm": np.where(arm == 1, "B", "A"),
            "bclc": rng.choice(["A", "B"], n),
            "mrn": [f"MRN{seed}-{i:05d}" for i in range(n)],
        }
    )


def _invoke(*args: str) -> Any:
    result = RUN.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_coarsening_on_both_sides_of_each_boundary() -> None:
    days = [0, 0.5, 1, 7, 7 + 1e-13, 7.01, 8, 14, 15]
    assert coarsen_times(days, "week").tolist() == [0, 1, 1, 1, 1, 2, 2, 2, 3]
    assert coarsen_times([30.4375, 30.44, 60.875, 60.9], "month").tolist() == [1, 2, 2, 3]
    assert coarsen_times([0.2, 1, 1.5], "day").tolist() == [1, 1, 2]
    assert str(coarsen_times([0.0], "week")[0]) == "0.0"  # never -0.0


def test_a_pooled_kaplan_meier_computed_by_hand() -> None:
    one = pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1]})
    two = pd.DataFrame({"t": [2, 3, 4], "e": [1, 1, 0]})
    sums = [
        site_summary(d, time="t", event="e", min_count=1, site=s)
        for d, s in ((one, "one"), (two, "two"))
    ]
    curve = kaplan_meier(pooled_rows(sums), time="t", event="e").curves[0]
    # t=1: 6 at risk, 1 death; t=2: 5, 1 death (and 1 censored); t=3: 3, 2 deaths
    assert curve.surv.tolist() == pytest.approx([5 / 6, 2 / 3, 2 / 9, 2 / 9], abs=1e-15)
    assert [c.n_risk for c in sums[0].cells] == [3, 2, 1]


def test_three_sites_give_the_pooled_answer(tmp_path: Path) -> None:
    sites = [_site(seed) for seed in (11, 12, 13)]
    files = []
    for i, data in enumerate(sites, start=1):
        data.to_csv(tmp_path / f"site{i}.csv", index=False)
        out = tmp_path / f"site{i}.json"
        _invoke(
            "federate", "summarise", str(tmp_path / f"site{i}.csv"), "--time", "os_days",
            "--event", "death", "--group", "arm", "--strata", "bclc", "--time-unit", "month",
            "--min-count", "1", "--site", f"S{i}", "--out", str(out),
        )  # fmt: skip
        files.append(str(out))
        text = out.read_text(encoding="utf-8")
        assert "MRN" not in text  # no column but those named, no row
    pooled = pd.concat(
        [d.assign(site=f"S{i}") for i, d in enumerate(sites, start=1)], ignore_index=True
    )
    pooled["os_days"] = np.ceil(pooled["os_days"] / (365.25 / 12))  # months, rounded up
    pooled.to_csv(tmp_path / "pooled.csv", index=False)

    fed = json.loads(_invoke("federate", "km", *files, "--json").output)
    single = json.loads(
        _invoke(
            "survival", "km", str(tmp_path / "pooled.csv"), "--time", "os_days",
            "--event", "death", "--group", "arm", "--json",
        ).output
    )  # fmt: skip
    assert [s["n"] for s in fed["sites"]] == [300, 300, 300]
    for f, s in zip(fed["groups"], single["groups"], strict=True):
        assert f == s
    assert fed["groups"][0]["n"] + fed["groups"][1]["n"] == 900

    for extra, strata in (([], "bclc"), (["--site-stratum"], "bclc,site")):
        got = json.loads(_invoke("federate", "logrank", *files, *extra, "--json").output)
        want = json.loads(
            _invoke(
                "survival", "logrank", str(tmp_path / "pooled.csv"), "--time", "os_days",
                "--event", "death", "--group", "arm", "--strata", strata, "--json",
            ).output
        )  # fmt: skip
        assert got["chisq"] == pytest.approx(want["chisq"], rel=1e-12)
        assert got["p"] == pytest.approx(want["p"], rel=1e-12)
        assert got["observed"] == want["observed"]
        assert got["expected"] == pytest.approx(want["expected"], rel=1e-12)
    assert got["chisq"] > 10  # the simulated arms differ


def test_the_disclosure_rule_on_both_sides_of_its_threshold() -> None:
    # five patients a week apart by day, all within week 1
    data = pd.DataFrame({"t": [1, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0]})
    with pytest.raises(InputError, match="5 of 5 cells"):
        site_summary(data, time="t", event="e", min_count=5)
    merged = site_summary(data, time="t", event="e", time_unit="week", min_count=5)
    assert [(c.time, c.n_risk, c.n_event, c.n_censor) for c in merged.cells] == [(1.0, 5, 3, 2)]
    with pytest.raises(InputError, match="1 groups"):
        site_summary(data, time="t", event="e", time_unit="week", min_count=6)
    # a group below the limit is refused even when its cells are merged
    arms = data.assign(arm=["A", "A", "A", "A", "B"])
    with pytest.raises(InputError, match="groups with fewer than 2"):
        site_summary(arms, time="t", event="e", group="arm", time_unit="month", min_count=2)


def test_the_command_refuses_small_cells(tmp_path: Path) -> None:
    _site(21).to_csv(tmp_path / "s.csv", index=False)
    result = RUN.invoke(
        app,
        ["federate", "summarise", str(tmp_path / "s.csv"), "--time", "os_days", "--event",
         "death", "--out", str(tmp_path / "s.json")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "fewer than 5 patients" in result.output
    assert not (tmp_path / "s.json").exists()


def _summary(**change: Any) -> dict[str, Any]:
    data = pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1]})
    out = site_summary(data, time="t", event="e", min_count=1).to_dict()
    out.update(change)
    return out


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "other"}, "summary"),
        ({"version": 2}, "summary"),
        ({"n": 4}, "summary: n"),
        ({"cells": [[None, [], 1.0, 3, -1, 0]]}, "n_event"),
        ({"cells": [[None, [], 1.0, 3, True, 0]]}, "n_event"),
        ({"cells": [[None, [], 1.0, 1, 2, 0]]}, "cells[0]"),
        ({"cells": [[None, [], float("inf"), 3, 1, 0]]}, "time"),
        ({"cells": [[None, ["x"], 1.0, 3, 1, 0]]}, "stratum"),
        ({"cells": [[{"a": 1}, [], 1.0, 3, 1, 0]]}, "group"),
        ({"time_unit": "fortnight"}, "time_unit"),
        ({"site": ""}, "site"),
    ],
)
def test_hostile_summaries_are_refused(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as info:
        SiteSummary.from_dict(_summary(**change))
    assert field in info.value.problems[0].field


def test_sites_must_agree(tmp_path: Path) -> None:
    a = SiteSummary.from_dict(_summary(site="a"))
    b = SiteSummary.from_dict(_summary(site="b", time_unit="week"))
    with pytest.raises(InputError, match="time_unit"):
        pooled_rows([a, b])
    for i, s in enumerate((a, a)):
        (tmp_path / f"{i}.json").write_text(json.dumps(s.to_dict()), encoding="utf-8")
    result = RUN.invoke(app, ["federate", "km", str(tmp_path / "0.json"), str(tmp_path / "1.json")])
    assert result.exit_code == 2
    assert "different --site name" in result.output


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(0, 40), st.integers(0, 1), st.sampled_from(["x", "y"])),
            min_size=1,
            max_size=25,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_pooling_equals_the_pooled_rows(sites: list[list[tuple[int, int, str]]]) -> None:
    """For any split of any rows into sites, the summaries rebuild the pooled multiset and
    the pooled stratified log-rank, site as a stratum included, is the single-process one."""
    frames = [
        pd.DataFrame(rows, columns=["t", "e", "g"]).assign(**{SITE_COLUMN: f"s{i}"})
        for i, rows in enumerate(sites)
    ]
    sums = [
        site_summary(f, time="t", event="e", group="g", min_count=1, site=f"s{i}")
        for i, f in enumerate(frames)
    ]
    rebuilt = pooled_rows(sums)
    pooled = pd.concat(frames, ignore_index=True).astype({"t": float})
    key = ["t", "e", "g", SITE_COLUMN]
    a = rebuilt[key].astype(str).sort_values(key).reset_index(drop=True)
    b = pooled[key].astype(str).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    if pooled["g"].nunique() == 2 and pooled["e"].sum() > 0:
        fed = logrank_test(rebuilt, time="t", event="e", group="g", strata=SITE_COLUMN)
        one = logrank_test(pooled, time="t", event="e", group="g", strata=SITE_COLUMN)
        assert fed.chisq == pytest.approx(one.chisq, rel=1e-12, abs=1e-12, nan_ok=True)
