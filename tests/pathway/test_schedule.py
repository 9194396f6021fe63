"""Treatment schedules: the trial protocols' timings, flags, sources, iCalendar."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputError
from tacepath.pathway.schedule import schedule

D = dt.date
runner = CliRunner()


def _kinds(plan, kind: str):  # type: ignore[no-untyped-def]
    return [e for e in plan.events if e.kind == kind]


def test_tactics_holds_and_resumes_around_each_tace() -> None:
    plan = schedule("tactics", D(2026, 12, 1), tace_dates=(D(2026, 12, 17), D(2027, 3, 10)))
    assert _kinds(plan, "drug")[0].date == D(2026, 12, 1)  # sorafenib run-in from the start
    assert [e.date for e in _kinds(plan, "hold")] == [D(2026, 12, 15), D(2027, 3, 8)]  # 2 days
    assert [e.date for e in _kinds(plan, "resume")] == [D(2026, 12, 20), D(2027, 3, 13)]  # 3 d
    scans = [e.date for e in _kinds(plan, "imaging")]
    assert scans[0] == D(2027, 1, 14)  # CT 4 weeks after TACE #1
    assert D(2027, 4, 7) in scans  # 4 weeks after TACE #2
    assert D(2027, 6, 2) in scans  # then every 8 weeks
    assert not _kinds(plan, "warning")
    assert all("doi:10.1159/000522547" in e.source for e in plan.events)


@pytest.mark.parametrize(("gap", "flagged"), [(13, True), (14, False), (21, False), (22, True)])
def test_tactics_first_tace_window_is_2_to_3_weeks(gap: int, flagged: bool) -> None:
    start = D(2026, 12, 1)
    plan = schedule("tactics", start, tace_dates=(start + dt.timedelta(days=gap),))
    assert bool(_kinds(plan, "warning")) == flagged


def test_without_tace_dates_the_first_tace_is_a_window_and_the_conflict_is_shown() -> None:
    plan = schedule("tactics", D(2026, 12, 1))
    t = _kinds(plan, "tace")[0]
    assert (t.date, t.window_end) == (D(2026, 12, 15), D(2026, 12, 22))
    assert t.conflict is not None
    assert "after TACE" in t.conflict


def test_emerald1_bevacizumab_only_after_the_last_tace() -> None:
    plan = schedule("emerald-1", D(2026, 12, 1), tace_dates=(D(2026, 12, 1), D(2027, 2, 2)))
    inf = _kinds(plan, "infusion")
    durva = [e.date for e in inf if e.text.startswith("durvalumab #")]
    combo = [e.date for e in inf if e.text.startswith("durvalumab + bevacizumab")]
    assert durva[0] == D(2026, 12, 8)  # 7 days after the first TACE
    assert durva[1] - durva[0] == dt.timedelta(days=28)
    assert combo[0] == D(2027, 2, 16)  # 14 days after the last TACE
    assert combo[1] - combo[0] == dt.timedelta(days=21)
    assert max(durva) < combo[0]


def test_leap012_imaging_every_9_weeks_from_the_start_whatever_the_tace_dates() -> None:
    start = D(2026, 12, 1)
    plan = schedule("leap-012", start, tace_dates=(D(2026, 12, 20), D(2027, 3, 1)), months=12)
    scans = [e.date for e in _kinds(plan, "imaging")]
    assert scans == [start + dt.timedelta(weeks=9 * k) for k in range(1, 6)]
    assert scans == [D(2027, 2, 2), D(2027, 4, 6), D(2027, 6, 8), D(2027, 8, 10), D(2027, 10, 12)]
    # the same dates without TACE dates: the series runs from the start, not from a TACE
    assert [e.date for e in _kinds(schedule("leap-012", start), "imaging")] == scans
    for e in _kinds(plan, "imaging"):
        assert e.text.startswith("Response imaging every 9 weeks (LEAP-012 protocol")
        assert "Abstract No. 37: LEAP-012 trial in progress" in e.source
        assert "randomisation or the first dose" in e.text


@pytest.mark.parametrize("regimen", ["emerald-1", "launch"])
def test_regimens_without_a_protocol_interval_have_no_imaging_event(regimen: str) -> None:
    plan = schedule(regimen, D(2026, 12, 1), tace_dates=(D(2026, 12, 2),))
    assert not _kinds(plan, "imaging")


def test_leap012_lenvatinib_dose_by_weight_and_tace_limit() -> None:
    heavy = schedule("leap-012", D(2026, 12, 1), weight_kg=60)
    light = schedule("leap-012", D(2026, 12, 1), weight_kg=59.9)
    assert _kinds(heavy, "drug")[0].text.startswith("start lenvatinib: 12 mg")
    assert _kinds(light, "drug")[0].text.startswith("start lenvatinib: 8 mg")
    many = schedule(
        "leap-012", D(2026, 12, 1), tace_dates=tuple(D(2027, m, 1) for m in range(1, 6))
    )
    assert any("5 TACE dates given" in e.text for e in _kinds(many, "warning"))


def test_launch_first_tace_the_day_after_lenvatinib() -> None:
    plan = schedule("launch", D(2026, 12, 1))
    assert _kinds(plan, "tace")[0].date == D(2026, 12, 2)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="--regimen"):
        schedule("nope", D(2026, 12, 1))
    with pytest.raises(InputError, match="--tace-dates"):
        schedule("tactics", D(2026, 12, 1), tace_dates=(D(2026, 11, 1),))


def test_cli_json_and_ics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ics = tmp_path / "plan.ics"
    r = runner.invoke(
        app,
        ["schedule", "--regimen", "tactics", "--start", "2026-12-01", "--tace-dates",
         "2026-12-17", "--months", "3", "--json", "--ics", str(ics)],
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["regimen"] == "tace-sorafenib"
    cal = Calendar.from_ical(ics.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(d["events"])
    assert any("TACE #1" in str(e.get("summary")) for e in events)
