"""What a decision allows to be chosen (an MDT outcome): exactly its options; after TACE
failure nothing with TACE, after death nothing, with the decision's own reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.cli.response import load_timelines
from tacepath.domain.patient import parse_patient
from tacepath.pathway.decision import PatientDecision, decide
from tests.cases import ROOT, VIGNETTES, decision_cases

EXAMPLES = ROOT / "examples"


def _all_cases() -> list[PatientDecision]:
    return [
        decide(p, timeline=t, regimen="tactics" if t is not None else None)
        for p, t in decision_cases()
    ]


CASES = _all_cases()


@pytest.mark.parametrize("d", CASES, ids=lambda d: d.id)
def test_a_regimen_is_allowed_exactly_when_it_is_an_option(d: PatientDecision) -> None:
    assert d.pathway is not None
    options = {r.id for r in d.options}
    for r in d.pathway.regimens:
        why = d.refusal(r.id)
        assert (why is None) == (r.id in options), (d.id, r.id, why)
        if why is not None and d.state.tace_failure is not None and "tace" in r.components:
            assert why.startswith("TACE is not allowed: TACE failure")
        if why is not None and d.state.deceased is not None:
            assert "deceased on" in why


def test_tace_is_refused_after_jsh_refractoriness_and_systemic_therapy_stays() -> None:
    patient = parse_patient(json.loads((VIGNETTES / "v11_p007_jsh_refractory.json").read_text()))
    tl = load_timelines(EXAMPLES / "timelines" / "P007_jsh_refractory.json")[0]
    d = decide(patient, timeline=tl, regimen="tace-sorafenib")
    assert d.state.tace_failure is not None
    why = d.refusal("tace-sorafenib")
    assert why is not None
    assert why.startswith("TACE is not allowed: TACE failure (")
    assert why.endswith("TACE is not repeated")
    assert all("tace" not in r.components for r in d.options)


def test_both_sides_of_death() -> None:
    patient = parse_patient(
        json.loads((EXAMPLES / "pathway" / "intermediate_candidate.json").read_text())
    )
    alive = decide(patient, regimen="tactics", start=dt.date(2026, 12, 1))
    assert alive.refusal("tace-sorafenib") is None
    dead = decide(patient, regimen="tactics", start=dt.date(2026, 12, 1), died=dt.date(2026, 12, 3))
    assert dead.refusal("tace-sorafenib") == (
        "the patient is deceased on 2026-12-03: no treatment is chosen"
    )
    assert dead.refusal("sorafenib") is not None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_an_unknown_or_hostile_regimen_is_refused_and_never_echoed_whole(name: str) -> None:
    d = CASES[-1]
    assert d.pathway is not None
    if name in {r.id for r in d.pathway.regimens}:
        return
    why = d.refusal(name)
    assert why is not None
    assert len(why) <= 64 + 80
