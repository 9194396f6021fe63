"""The follow-up decision on the example timelines (one per outcome) and its CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.cli.response import load_timelines
from tacepath.errors import InputError
from tacepath.pathway.followup import followup, imaging_plan

TIMELINES = Path(__file__).resolve().parents[2] / "examples" / "timelines"
runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "decision", "first"),
    [
        ("P001_new_liver_lesion_only", "repeat-tace", "new intrahepatic lesion"),
        ("P002_complete_response", "continue", "viable tumour 0.0% of baseline"),
        ("P003_untaceable_intrahepatic", "tace-failure", "unTACEable progression"),
        ("P004_child_pugh_c_after_tace", "tace-failure", "unTACEable progression"),
        ("P005_macrovascular_invasion", "tace-failure", "unTACEable progression"),
        ("P007_jsh_refractory", "tace-failure", "unTACEable progression"),
        ("P008_death_without_progression", "deceased", "deceased on"),
        ("P009_lost_to_follow_up", "continue", "viable tumour 30.5% of baseline"),
    ],
)
def test_decision_on_each_example(name: str, decision: str, first: str) -> None:
    (tl,) = load_timelines(TIMELINES / f"{name}.json")
    d = followup(tl, "tactics")
    assert d.decision == decision
    assert first in " ".join(d.reasons)


def test_tace_failure_names_the_next_steps_and_the_trial_rule() -> None:
    (tl,) = load_timelines(TIMELINES / "P003_untaceable_intrahepatic.json")
    d = followup(tl, "tactics")
    assert d.next_steps[0] == "stop TACE"
    assert "until unTACEable progression" in d.next_steps[1]
    other = followup(tl, "emerald-1")
    assert "not in the sources read" in other.next_steps[1]


def test_unknown_regimen() -> None:
    (tl,) = load_timelines(TIMELINES / "P002_complete_response.json")
    with pytest.raises(InputError, match="regimen"):
        followup(tl, "magic")


def test_cli_json() -> None:
    r = runner.invoke(
        app,
        ["followup", str(TIMELINES / "P005_macrovascular_invasion.json"), "--regimen",
         "tactics", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["decision"] == "tace-failure"
    assert d["untaceable_progression"]["criterion"] == "macrovascular_invasion"


def test_adverse_events_since_the_last_visit_give_drug_actions() -> None:
    from tacepath.domain.timeline import parse_timeline

    raw = json.loads((TIMELINES / "P002_complete_response.json").read_text())
    last = raw["assessments"][-1]["date"]
    raw["adverse_events"] = [
        {"date": raw["assessments"][0]["date"], "term": "Diarrhea", "grade": 2,
         "drug": "sorafenib", "current_dose": "400 mg twice daily"},  # before the last visit
        # graded from values: systolic 165 mm Hg is grade 3 (CTCAE v5.0)
        {"date": last, "term": "Hypertension", "values": {"systolic": 165, "diastolic": 95},
         "drug": "sorafenib", "current_dose": "400 mg twice daily"},
        {"date": last, "term": "hand-foot skin reaction", "grade": 3, "drug": "sorafenib",
         "current_dose": "400 mg once daily", "occurrence": 3},
    ]  # fmt: skip
    d = followup(parse_timeline(raw), "tactics")
    acts = d.drug_actions
    assert len(acts) == 2
    assert (acts[0]["grade"], acts[0]["action"], acts[0]["new_dose"]) == (
        3,
        "interrupt",
        "400 mg once daily",
    )
    assert acts[1]["action"] == "discontinue"  # third grade-3 hand-foot skin reaction
    assert d.next_steps[0].startswith("sorafenib: interrupt for Hypertension")


def test_adverse_event_after_death_is_refused() -> None:
    from tacepath.domain.timeline import parse_timeline
    from tacepath.errors import InputError

    raw = json.loads((TIMELINES / "P008_death_without_progression.json").read_text())
    raw["adverse_events"] = [{"date": "2027-01-01", "term": "Diarrhea", "grade": 1}]
    with pytest.raises(InputError, match=r"adverse_events\[0\]\.date"):
        parse_timeline(raw)


@pytest.mark.parametrize(
    "regimen", ["emerald-1", "launch", "tace-durvalumab", "atezolizumab-bevacizumab", "sorafenib"]
)
def test_no_regimen_borrows_the_tactics_imaging_interval(regimen: str) -> None:
    (tl,) = load_timelines(TIMELINES / "P002_complete_response.json")
    d = followup(tl, regimen)
    assert d.decision == "continue"
    steps = " ".join(d.next_steps)
    assert "TACTICS" not in steps
    assert "8 weeks" not in steps
    assert "imaging interval: not in the sources read" in steps
    assert "no other trial's interval is used" in steps


@pytest.mark.parametrize("regimen", ["leap-012", "tace-lenvatinib-pembrolizumab"])
def test_leap012_follows_its_own_9_week_imaging(regimen: str) -> None:
    (tl,) = load_timelines(TIMELINES / "P002_complete_response.json")
    d = followup(tl, regimen)
    assert d.decision == "continue"
    assert "next imaging in 9 weeks (LEAP-012 protocol)" in d.next_steps
    assert "TACTICS" not in " ".join(d.next_steps)
    assert any("LEAP-012 trial in progress" in s for s in d.sources)


def test_imaging_plan_says_where_the_interval_runs_from() -> None:
    assert imaging_plan("tace-sorafenib").first == (
        "first response assessment: imaging 4 weeks after TACE (TACTICS protocol)"
    )
    leap = imaging_plan("tace-lenvatinib-pembrolizumab")
    assert leap.first == (
        "first response assessment: imaging 9 weeks after the start of treatment "
        "(LEAP-012 protocol)"
    )
    assert "Abstract No. 37" in leap.source
    none = imaging_plan("tace-durvalumab-bevacizumab")
    assert none.source == ""
    assert "not in the sources read" in none.next
    assert "the MDT sets it" in none.next


@pytest.mark.parametrize("regimen", ["tactics", "tace-sorafenib", "tace", "tace-alone"])
def test_tactics_regimens_follow_the_tactics_imaging(regimen: str) -> None:
    (tl,) = load_timelines(TIMELINES / "P002_complete_response.json")
    d = followup(tl, regimen)
    assert "next imaging in 8 weeks (TACTICS protocol)" in d.next_steps
    assert any("Liver Cancer 2022" in s for s in d.sources)


def test_no_command_line_text_in_the_next_steps() -> None:
    for name in ("P001_new_liver_lesion_only", "P003_untaceable_intrahepatic"):
        (tl,) = load_timelines(TIMELINES / f"{name}.json")
        for step in followup(tl, "tactics").next_steps:
            assert "tacepath " not in step
            assert "--" not in step


def test_the_decision_cannot_be_changed_after_it_is_made() -> None:
    (tl,) = load_timelines(TIMELINES / "P001_new_liver_lesion_only.json")
    d = followup(tl, "tactics")
    assert d.repeat_tace is not None
    with pytest.raises(TypeError):
        d.jsh_refractoriness["event"] = True  # type: ignore[index]
    with pytest.raises(TypeError):
        d.repeat_tace["reasons"][0] = "edited"  # type: ignore[index]
    assert d.to_dict()["jsh_refractoriness"]["event"] is False
    json.dumps(d.to_dict())
