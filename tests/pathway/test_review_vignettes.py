"""Vignettes from an independent clinical review of the decision chain, each with what it found.

Before: a follow-up said "continue" on a regimen the pathway had just ruled out (proteinuria
2.5 g/24 h on LEAP-012); a TACE failure recorded after the last imaging was ignored by the
follow-up; TACTICS' repeat-TACE trigger was applied as if it were LEAP-012's or EMERALD-1's;
the follow-up named unTACEable progression while the pathway named JSH refractoriness for the
same date; a past autoimmune disease was only a caution for IMbrave150's regimen although
IMbrave150 excluded it; a variceal bleed two weeks earlier left TACE alone eligible with no
question; the patient summary read TACTICS' TACE-specific PFS as "free of cancer growth".
"""

from __future__ import annotations

import json
from typing import Any

from tacepath.domain.patient import PatientSnapshot, parse_patient
from tacepath.domain.timeline import Timeline
from tacepath.pathway.decision import decide
from tacepath.report.summaries import render_patient_summary
from tests.cases import ROOT, example_timelines


def _pw01(**history: Any) -> PatientSnapshot:
    raw = json.loads((ROOT / "examples/pathway/intermediate_candidate.json").read_text())
    raw["history"].update(history)
    return parse_patient(raw)


def _timeline(pid: str) -> Timeline:
    return next(t for t in example_timelines() if t.id == pid)


def _as(p: PatientSnapshot, tl: Timeline) -> PatientSnapshot:
    return p.model_copy(update={"id": tl.id})


def test_a_regimen_ruled_out_on_the_record_is_reviewed_not_continued() -> None:
    tl = _timeline("P002")  # complete response, no TACE failure
    p = _as(_pw01(proteinuria_g_per_24h=2.5), tl)
    d = decide(p, timeline=tl, regimen="leap-012")
    assert d.pathway is not None
    assert d.pathway.regimen("tace-lenvatinib-pembrolizumab").status == "not_eligible"
    assert d.followup is not None
    assert d.followup.decision == "mdt-review"
    assert d.followup.reasons[0].startswith(
        "TACE + lenvatinib + pembrolizumab (LEAP-012) is not eligible on the current record: "
    )
    assert "proteinuria 2.5 g/24 h" in d.followup.reasons[0]
    assert d.followup.next_steps[0].startswith("MDT review of TACE + lenvatinib + pembrolizumab")
    # the other side: proteinuria 1.9 g/24 h keeps the regimen and its own decision
    ok = decide(_as(_pw01(proteinuria_g_per_24h=1.9), tl), timeline=tl, regimen="leap-012")
    assert ok.followup is not None
    assert ok.followup.decision != "mdt-review"


def _cut(tl: Timeline, n: int) -> Timeline:
    return tl.model_copy(update={"assessments": tl.assessments[:n]})


def test_tactics_trigger_is_not_applied_as_another_trials_rule() -> None:
    tl = _cut(_timeline("P007"), 2)  # viable tumour above half of baseline, no failure yet
    p = _as(_pw01(), tl)
    tactics = decide(p, timeline=tl, regimen="tactics").followup
    assert tactics is not None
    assert tactics.decision == "repeat-tace"
    for regimen, trial in (("leap-012", "LEAP-012"), ("emerald-1", "EMERALD-1")):
        other = decide(p, timeline=tl, regimen=regimen).followup
        assert other is not None
        assert other.decision == "mdt-review", regimen
        assert any(f"the retreatment rule of {trial} is not" in r for r in other.reasons)


def test_the_same_failure_is_named_by_every_view() -> None:
    """P005: JSH refractoriness and unTACEable progression on the same date (2026-04-27)."""
    tl = _timeline("P005")
    d = decide(_as(_pw01(), tl), timeline=tl, regimen="tactics")
    assert d.state.tace_failure is not None
    assert d.state.tace_failure.criterion == "jsh_refractoriness"
    assert d.followup is not None
    assert d.followup.reasons[0] == "TACE failure first by TACE failure/refractoriness (JSH-LCSGJ)"


def test_imbrave150_excluded_past_autoimmune_disease() -> None:
    d = decide(_pw01(autoimmune_disease="inactive"))
    assert d.pathway is not None
    ab = d.pathway.regimen("atezolizumab-bevacizumab")
    assert ab.status == "not_eligible"
    assert any(c.name.startswith("No active or past autoimmune") for c in ab.criteria)
    # HIMALAYA's population has no such criterion read: the class rule's caution stands
    assert d.pathway.regimen("durvalumab-tremelimumab").status != "eligible"
    none = decide(_pw01(autoimmune_disease="none")).pathway
    assert none is not None
    crit = [
        c for c in none.regimen("atezolizumab-bevacizumab").criteria if "past autoimm" in c.name
    ]
    assert [c.result for c in crit] == ["pass"]


def test_a_variceal_bleed_on_record_is_an_mdt_question_for_every_tace_regimen() -> None:
    p = _pw01(varices="treated", variceal_bleeding_date="2026-11-06")
    d = decide(p)
    assert d.pathway is not None
    for r in d.pathway.regimens:
        if "tace" not in r.components:
            continue
        crit = [c for c in r.criteria if c.rule == "tace-variceal-bleeding"]
        assert [c.result for c in crit] == ["caution"], r.id
        assert r.status != "eligible"
    clean = decide(_pw01(varices="treated")).pathway
    assert clean is not None
    assert clean.regimen("tace-alone").status == "eligible"


def test_the_patient_summary_reads_only_survival_and_whole_disease_progression() -> None:
    html = render_patient_summary(decide(_pw01()))
    assert "after 36.2 months with TACE + sorafenib" in html  # TACTICS overall survival
    assert "22.8 months" not in html  # TACE-specific PFS: not "free of cancer growth"
    assert "26.7 months" not in html  # time to untreatable progression
