"""Every example patient and timeline: the patient summary shows only options the pathway
calls eligible or needing information; after TACE failure or death no TACE option is offered
by the pathway, trial matching, follow-up, schedule or either summary."""

from __future__ import annotations

import re

import pytest

from tacepath.domain.patient import PatientSnapshot
from tacepath.domain.timeline import Timeline
from tacepath.pathway.course_state import course_state, timeline_state
from tacepath.pathway.followup import followup
from tacepath.pathway.matching import match_trials
from tacepath.pathway.model import catalogue
from tacepath.pathway.pathway import pathway
from tacepath.pathway.schedule import schedule
from tacepath.report.summaries import mdt_summary_html, patient_summary_html
from tests.cases import case_id, decision_cases

OFFERED = ("eligible", "needs_information")


TACE_LABELS = {r.label for r in catalogue().regimens if "tace" in r.components}


@pytest.mark.parametrize(
    ("patient", "timeline"),
    decision_cases(),
    ids=case_id,
)
def test_options_shown_are_offered_and_no_tace_after_failure_or_death(
    patient: PatientSnapshot, timeline: Timeline | None
) -> None:
    res = pathway(patient, timeline=timeline)
    offered = {r.label for r in res.regimens if r.status in OFFERED}
    html = patient_summary_html(patient, timeline=timeline)
    shown = set(re.findall(r"<h3>(.*?)</h3>", html))
    unescaped = {s.replace("&#43;", "+").replace("&amp;", "&") for s in shown}
    assert unescaped <= offered
    state = course_state(patient, timeline)
    if state.tace_failure is None and state.deceased is None:
        return
    assert not any("tace" in r.components for r in res.regimens if r.status in OFFERED)
    assert not any(label in html for label in TACE_LABELS)
    cat = catalogue()
    for m in match_trials(patient, timeline=timeline):
        comps = next(x.components for x in cat.trial_matching if x.trial == m.trial)
        assert not ("tace" in comps and m.verdict == "possible")
    mdt = mdt_summary_html(patient, timeline=timeline)
    if state.deceased is not None:
        assert f"deceased on {state.deceased.isoformat()}" in mdt
        assert all(r.status == "not_eligible" for r in res.regimens)
    else:
        assert state.tace_failure is not None
        assert state.tace_failure.text in mdt
    if timeline is not None:
        d = followup(timeline, "tactics")
        assert d.decision in ("tace-failure", "deceased")
        stop = timeline_state(timeline).stop
        assert stop is not None
        plan = schedule(
            "tactics", timeline.start_date or stop[0], tace_dates=(), months=24, stop_at=stop
        )
        assert plan.stopped is not None
        assert all(e.date <= stop[0] for e in plan.events)
        assert not any(e.kind == "tace" and e.date >= stop[0] for e in plan.events)
