"""Interval between TACE sessions (TACTICS final paper, Results, "Doses of Study Drugs"):
per patient and summarised, opt-in in `tacepath endpoints --tace-intervals`."""

from __future__ import annotations

import statistics
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tacepath.adam.tace_intervals import (
    DAYS_PER_WEEK,
    INTERVAL_COLUMNS,
    TaceIntervals,
    interval_summary,
    tace_intervals,
)
from tacepath.cli import app
from tacepath.errors import InputError
from tests.response.builders import day, les, timeline

BASE = [[les("A", 40, 30, 40, 30)], [les("A", 40, 30, 30, 20)], [les("A", 40, 30, 30, 20)]]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "timelines" / "cohort.jsonl"


def test_intervals_between_sorted_sessions() -> None:
    # Days 14, 84, 175: intervals of 70 then 91 days.
    r = tace_intervals(timeline(BASE, tace=[day(14), day(84), day(175)]))
    assert (r.sessions, r.intervals_days) == (3, (70, 91))
    assert r.mean_interval_weeks == pytest.approx(80.5 / 7)
    assert r.to_dict()["INTERVALS_DAYS"] == "70;91"


def test_one_session_has_no_interval() -> None:
    r = tace_intervals(timeline(BASE, tace=[day(14)]))
    assert (r.sessions, r.intervals_days, r.mean_interval_weeks) == (1, (), None)
    assert tace_intervals(timeline(BASE)).sessions == 0


def _p(uid: str, *gaps: int) -> TaceIntervals:
    return TaceIntervals(usubjid=uid, sessions=len(gaps) + 1 if gaps else 1, intervals_days=gaps)


def test_per_patient_and_pooled_summaries_by_group() -> None:
    rows = [_p("a", 70, 140), _p("b", 112), _p("c"), _p("d", 56, 56, 56)]
    groups = {"a": "X", "b": "X", "c": "X", "d": "Y"}
    got = {(s.group, s.basis): s for s in interval_summary(rows, groups)}
    per = got[("X", "per_patient")]
    # Per-patient means 15 and 16 weeks; median 15.5; patient c has one session.
    assert (per.patients, per.without_interval, per.intervals) == (2, 1, 3)
    assert (per.median_weeks, per.min_weeks, per.max_weeks) == (15.5, 15.0, 16.0)
    pooled = got[("X", "pooled")]
    assert (pooled.median_weeks, pooled.min_weeks, pooled.max_weeks) == (16.0, 10.0, 20.0)
    assert got[("Y", "per_patient")].median_weeks == 8.0
    empty = interval_summary([_p("c")])[0]
    assert (empty.group, empty.median_weeks, empty.without_interval) == ("all", None, 1)


def test_patient_without_a_group_is_refused() -> None:
    with pytest.raises(InputError, match="USUBJID"):
        interval_summary([_p("a", 10)], {"b": "X"})


@given(st.lists(st.lists(st.integers(1, 400), max_size=8), min_size=1, max_size=20))
def test_summary_invariants(gap_lists: list[list[int]]) -> None:
    rows = [_p(f"p{i}", *g) for i, g in enumerate(gap_lists)]
    per, pooled = interval_summary(rows)
    assert per.patients + per.without_interval == len(rows)
    assert per.intervals == pooled.intervals == sum(len(g) for g in gap_lists)
    weeks = [d / DAYS_PER_WEEK for g in gap_lists for d in g]
    if weeks:
        assert pooled.median_weeks == pytest.approx(statistics.median(weeks))
        assert per.min_weeks is not None
        assert per.max_weeks is not None
        assert pooled.min_weeks == min(weeks) <= per.min_weeks <= per.max_weeks <= max(weeks)
    else:
        assert per.median_weeks is None
        assert pooled.median_weeks is None


def test_cli_writes_table_and_summary(tmp_path: Path) -> None:
    out, ints = tmp_path / "adtte.csv", tmp_path / "int.csv"
    adsl = tmp_path / "adsl.csv"
    ids = [f"P{i:03d}" for i in range(1, 11)]
    pd.DataFrame({"USUBJID": ids, "TRT01P": ["A"] * 5 + ["B"] * 5}).to_csv(adsl, index=False)
    args = ["endpoints", str(EXAMPLES), "--out", str(out), "--tace-intervals", str(ints)]
    res = CliRunner().invoke(app, [*args, "--adsl", str(adsl)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(ints, dtype={"USUBJID": str})
    assert tuple(table.columns) == INTERVAL_COLUMNS
    assert list(table["USUBJID"]) == ids
    assert "A                    per_patient median" in res.output
    assert "B                    pooled" in res.output
    # The ADTTE itself is unchanged by the option.
    plain = tmp_path / "plain.csv"
    assert CliRunner().invoke(app, ["endpoints", str(EXAMPLES), "--out", str(plain)]).exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(plain))


def test_cli_refuses_bad_group_and_suffix(tmp_path: Path) -> None:
    adsl = tmp_path / "adsl.csv"
    pd.DataFrame({"USUBJID": ["P001"], "TRT01P": ["A"]}).to_csv(adsl, index=False)
    base = ["endpoints", str(EXAMPLES), "--out", str(tmp_path / "a.csv")]
    res = CliRunner().invoke(app, [*base, "--tace-intervals", str(tmp_path / "i.txt")])
    assert res.exit_code != 0
    assert "--tace-intervals" in res.output
    res = CliRunner().invoke(
        app,
        [
            *base,
            "--tace-intervals",
            str(tmp_path / "i.csv"),
            "--adsl",
            str(adsl),
            "--group",
            "NOPE",
        ],
    )
    assert res.exit_code != 0
    assert "--group" in res.output
    res = CliRunner().invoke(
        app, [*base, "--tace-intervals", str(tmp_path / "i.csv"), "--adsl", str(adsl)]
    )
    assert res.exit_code != 0
    assert "USUBJID" in res.output
