"""TACE failure (treatment-stage migration) and death in the pathway and trial matching.

Before the change: after JSH refractoriness in the timeline every systemic regimen waited on
'BCLC B (outside: C)', EMERALD-3 and TACE-3 stayed 'possible', a snapshot with
``prior_tace_sessions: 4`` had no way to record the failure (TACE alone 'eligible'), and a
deceased patient still got options and trial matches.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tacepath.cli.response import load_timelines
from tacepath.domain.patient import PatientSnapshot, TaceFailure, parse_patient
from tacepath.domain.timeline import Timeline
from tacepath.pathway.course_state import course_state
from tacepath.pathway.matching import match_trials
from tacepath.pathway.model import catalogue
from tacepath.pathway.pathway import pathway

ROOT = Path(__file__).resolve().parents[2]
VIGNETTES = Path(__file__).resolve().parent / "vignettes"
TIMELINES = ROOT / "examples" / "timelines"
SYSTEMIC = ("atezolizumab-bevacizumab", "durvalumab-tremelimumab", "lenvatinib", "sorafenib")


def _patient(name: str) -> PatientSnapshot:
    return parse_patient(json.loads((VIGNETTES / name).read_text()))


def _timeline(name: str) -> Timeline:
    return load_timelines(TIMELINES / name)[0]


def _with_failure(p: PatientSnapshot, failure: dict[str, Any] | None) -> PatientSnapshot:
    assert p.history is not None
    tf = TaceFailure.model_validate(failure) if failure else None
    return p.model_copy(update={"history": p.history.model_copy(update={"tace_failure": tf})})


def test_p007_jsh_refractory_timeline_migrates_to_systemic() -> None:
    p = _patient("v11_p007_jsh_refractory.json")
    before = pathway(p)
    assert before.regimen("tace-alone").status == "eligible"
    res = pathway(p, timeline=_timeline("P007_jsh_refractory.json"))
    assert res.tace_failure is not None
    assert res.tace_failure.criterion == "jsh_refractoriness"
    assert res.tace_failure.origin == "timeline"
    for r in res.regimens:
        if "tace" in r.components:
            assert r.status == "not_eligible"
            assert r.criteria[0].rule == "tace-failure"
            assert "TACE failure (refractoriness, JSH-LCSGJ criteria) on 2026-04-13" in r.reasons[0]
            assert "TACE is not repeated" in r.reasons[0]
            assert r.criteria[0].citation  # cited
    for rid in SYSTEMIC:
        stage = next(c for c in res.regimen(rid).criteria if c.rule == "systemic-stage")
        assert stage.result == "pass"
        assert "treatment-stage migration" in stage.detail
        assert "BCLC 2022" in stage.detail
    assert res.regimen("atezolizumab-bevacizumab").status == "eligible"
    # lenvatinib and sorafenib are then assessed on their own trials' populations, as for
    # stage C: REFLECT's own stage limit (BCLC B only when not applicable for TACE) stays a
    # question, and SHARP asks for a lesion never treated with local therapy (TACE included)
    lenva, sora = res.regimen("lenvatinib"), res.regimen("sorafenib")
    reflect_stage = next(
        c for c in lenva.criteria if c.origin == "population:REFLECT" and "BCLC" in c.name
    )
    assert reflect_stage.result == "caution"
    assert any("never treated with local therapy" in q for q in sora.questions)
    for r in (lenva, sora):
        assert r.status == "needs_information"
        assert not any(c.result == "fail" for c in r.criteria), r.id
    d = res.to_dict()
    assert d["tace_failure"]["date"] == "2026-04-13"
    assert d["deceased"] is None
    ms = match_trials(p, timeline=_timeline("P007_jsh_refractory.json"))
    assert {m.trial for m in ms} >= {"EMERALD-3", "TACE-3"}
    for m in ms:
        assert m.verdict == "not_eligible"
        assert "TACE is not repeated" in m.unmet[0]


def test_recorded_failure_with_four_prior_sessions() -> None:
    p = _patient("v12_tace_failure_recorded.json")
    assert pathway(_with_failure(p, None)).regimen("tace-alone").status == "eligible"
    res = pathway(p)
    assert res.regimen("tace-alone").status == "not_eligible"
    assert res.tace_failure is not None
    assert res.tace_failure.origin == "recorded"
    assert all(m.verdict == "not_eligible" for m in match_trials(p))


def test_recorded_failure_wins_over_the_timeline_and_says_so() -> None:
    p = _with_failure(
        _patient("v11_p007_jsh_refractory.json"),
        {"date": "2026-05-01", "criterion": "untaceable_progression"},
    )
    state = course_state(p, _timeline("P007_jsh_refractory.json"))
    assert state.tace_failure is not None
    assert state.tace_failure.origin == "recorded"
    assert state.tace_failure.criterion == "untaceable_progression"
    assert "refractoriness, JSH-LCSGJ criteria" in state.tace_failure.note


def test_stage_d_is_never_migrated() -> None:
    p = parse_patient(json.loads((VIGNETTES / "v4_bclc_d_ecog3.json").read_text()))
    if p.history is None:
        pytest.skip("vignette without history")
    p = _with_failure(p, {"date": "2026-01-01", "criterion": "jsh_refractoriness"})
    res = pathway(p)
    for rid in SYSTEMIC:
        stage = next(c for c in res.regimen(rid).criteria if c.rule == "systemic-stage")
        assert stage.result == "fail"


@pytest.mark.parametrize("rid", [r.id for r in catalogue().regimens])
def test_every_regimen_with_tace_is_not_eligible_after_failure(rid: str) -> None:
    """Rule over the whole catalogue: a regimen containing the TACE component is not
    eligible once TACE has failed."""
    p = _patient("v12_tace_failure_recorded.json")
    r = pathway(p).regimen(rid)
    if "tace" in catalogue().regimen(rid).components:
        assert r.status == "not_eligible"
        assert any(c.rule == "tace-failure" and c.result == "fail" for c in r.criteria)
    else:
        assert not any(c.rule == "tace-failure" for c in r.criteria)


def test_p008_death_gives_no_plan_and_no_match() -> None:
    p = _patient("v13_p008_deceased.json")
    tl = _timeline("P008_death_without_progression.json")
    res = pathway(p, timeline=tl)
    assert res.deceased == dt.date(2026, 6, 10)
    assert res.to_dict()["deceased"] == "2026-06-10"
    for r in res.regimens:
        assert r.status == "not_eligible"
        assert r.reasons[0].endswith("deceased on 2026-06-10")
    for s in res.steps:
        assert s.findings == ("deceased on 2026-06-10",)
    assert match_trials(p, timeline=tl) == ()


def test_p008_followup_after_death_has_no_next_step_or_drug_action() -> None:
    from tacepath.pathway.followup import followup

    d = followup(_timeline("P008_death_without_progression.json"), "tactics")
    assert d.decision == "deceased"
    assert d.reasons == ("deceased on 2026-06-10",)
    assert d.next_steps == ()
    assert d.drug_actions == ()
