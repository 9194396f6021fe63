"""A new lesion embolised at a later TACE: recorded as treated, then followed by its viable part.

Vignette: baseline lesion A (40 x 30 mm, fully enhancing) treated at TACE 1; at assessment 2 a
new 15 mm arterially enhancing nodule NL1 (PD by new lesion, mRECIST §2.5); NL1 embolised at
TACE 2; at assessment 3 NL1 shows 0 mm viable and A no enhancement (target CR).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.domain.timeline import parse_timeline
from tacepath.domain.treated import treated_new_lesions
from tacepath.errors import InputErrors
from tacepath.pathway.followup import followup
from tacepath.response import (
    assess_response,
    jsh_refractoriness,
    mrecist,
    recist11,
    repeat_tace_indication,
)
from tests.response.builders import day, les, raw_timeline, visit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "timelines"
NEW_15 = {"id": "NL1", "organ": "liver", "longest_mm": 15, "typical_hcc": True}


def _nl1(vlo: float, vpe: float, status: str = "present") -> dict[str, Any]:
    if status != "present":
        return les("NL1", target=False, status=status)
    return les("NL1", 15, 12, vlo, vpe, target=False)


def vignette(*, treated: bool, nl1_viable: tuple[float, float] = (0, 0)) -> dict[str, Any]:
    """The vignette; untreated: NL1 is listed again as a new lesion at assessment 3."""
    a3 = visit(day(112), [les("A", 38, 28, 0, 0), _nl1(*nl1_viable)])
    if not treated:
        a3 = visit(day(112), [les("A", 38, 28, 0, 0)], new=[NEW_15])
    raw = raw_timeline(
        [
            visit(day(0), [les("A", 40, 30, 40, 30)]),
            visit(day(56), [les("A", 40, 30, 10, 10)], new=[NEW_15]),
            a3,
        ],
        tace=[day(14), day(70)],
    )
    if treated:
        raw["tace_sessions"][1]["treated_lesions"] = ["NL1"]
    return raw


# ----------------------------------------------------------------------------- the record


def test_treated_at_is_the_session_that_named_it() -> None:
    tl = parse_timeline(vignette(treated=True))
    assert dict(treated_new_lesions(tl)) == {"NL1": tl.tace_sessions[1].date}
    assert parse_timeline(vignette(treated=False)).tace_sessions[1].treated_lesions == ()


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(InputErrors) as exc:
        parse_timeline(raw)
    return [p.field for p in exc.value.problems]


def test_a_treated_id_must_be_a_new_liver_lesion_seen_before_the_session() -> None:
    raw = vignette(treated=True)
    raw["tace_sessions"][0]["treated_lesions"] = ["NL1"]  # TACE 1 is before NL1 appeared
    assert "T1.tace_sessions[0](2026-01-16).treated_lesions[NL1]" in _problems(raw)
    raw = vignette(treated=True)
    raw["tace_sessions"][1]["treated_lesions"] = ["A"]
    assert _problems(raw) == ["T1.tace_sessions[1](2026-03-13).treated_lesions[A]"]
    raw["tace_sessions"][1]["treated_lesions"] = ["NL1", "NL1"]
    assert _problems(raw) == ["T1.tace_sessions[1](2026-03-13).treated_lesions[NL1]"]


def test_a_lesion_treated_again_keeps_its_first_treatment_date() -> None:
    raw = vignette(treated=True)
    raw["assessments"].append(visit(day(168), [les("A", 38, 28, 0, 0), _nl1(0, 0)]))
    raw["tace_sessions"].append({"date": day(120), "treated_lesions": ["NL1"]})
    tl = parse_timeline(raw)
    assert dict(treated_new_lesions(tl)) == {"NL1": tl.tace_sessions[1].date}
    raw["assessments"][3]["lesions"][1] = les("NL1", 15, 12, 0, 0, organ="lung", target=False)
    assert _problems(raw) == ["T1.assessments[3](2026-06-19).lesions[NL1].organ"]


def test_after_its_tace_it_is_measured_not_new() -> None:
    raw = vignette(treated=True)
    raw["assessments"][2]["new_lesions"] = [NEW_15]
    assert _problems(raw) == ["T1.assessments[2](2026-04-24).new_lesions[NL1]"]
    raw = vignette(treated=True)
    raw["assessments"][2]["lesions"].pop()  # NL1 silently gone
    assert _problems(raw) == ["T1.assessments[2](2026-04-24).lesions[NL1]"]


def test_before_its_tace_it_is_a_new_lesion_not_a_measured_one() -> None:
    raw = vignette(treated=True)
    raw["assessments"][1]["lesions"].append(_nl1(15, 12))
    assert _problems(raw) == ["T1.assessments[1](2026-02-27).lesions[NL1]"]


def test_the_old_record_without_treated_lesions_reads_as_before() -> None:
    raw = vignette(treated=False)
    assert "treated_lesions" not in json.dumps(raw)
    r = mrecist(parse_timeline(raw))
    assert [v.overall for v in r.assessments] == ["PD", "PD"]


# --------------------------------------------------------------------------- the response


def test_vignette_mrecist_pd_at_appearance_then_cr_after_treatment() -> None:
    r = mrecist(parse_timeline(vignette(treated=True)))
    a2, a3 = r.assessments
    assert (a2.target, a2.new_lesions, a2.overall) == ("PR", True, "PD")  # 10 vs 40: -75 %
    assert (a3.target, a3.non_target, a3.new_lesions, a3.overall) == ("CR", "CR", False, "CR")
    assert a3.sum == 0
    assert a3.baseline_sum == 40
    assert [(f.id, f.value) for f in a3.treated_lesions] == [("NL1", 0.0)]
    assert "no arterial enhancement" in a3.why
    # progression stays dated to the appearance; BOR is taken before the first PD
    assert r.first_progression == a2.date
    assert r.best_overall_response.value == "PD"


def test_vignette_residual_enhancement_keeps_non_target_from_cr() -> None:
    r = mrecist(parse_timeline(vignette(treated=True, nl1_viable=(6, 5))))
    a3 = r.assessments[1]
    assert (a3.target, a3.non_target, a3.overall) == ("CR", "IR/SD", "PR")
    assert a3.treated_lesions[0].value == 6


def test_not_assessed_treated_lesion_makes_the_non_target_ne() -> None:
    r = mrecist(parse_timeline(vignette(treated=True, nl1_viable=(0, 0))))
    raw = vignette(treated=True)
    raw["assessments"][2]["lesions"][1] = _nl1(0, 0, status="not_assessed")
    a3 = mrecist(parse_timeline(raw)).assessments[1]
    assert (a3.non_target, a3.overall) == ("NE", "PR")  # target CR + non-target NE
    assert r.assessments[1].overall == "CR"


def test_vignette_untreated_new_lesion_still_counts() -> None:
    r = mrecist(parse_timeline(vignette(treated=False)))
    a3 = r.assessments[1]
    assert (a3.target, a3.new_lesions, a3.overall) == ("CR", True, "PD")
    assert a3.treated_lesions == ()


def test_recist_follows_the_treated_lesion_as_a_non_target() -> None:
    # RECIST 1.1 measures the whole lesion: NL1 still present (15 mm) -> non-CR/non-PD
    r = recist11(parse_timeline(vignette(treated=True)))
    a3 = r.assessments[1]
    assert (a3.non_target, a3.new_lesions) == ("non-CR/non-PD", False)
    assert a3.overall == "SD"  # target 38 vs 40 mm: -5 %


def test_course_and_contract_report_the_treated_lesion() -> None:
    c = assess_response(parse_timeline(vignette(treated=True)))
    a3 = c.to_contract_dict()["assessments"][1]  # type: ignore[index]
    assert a3["mrecist"] == {
        "target": "CR",
        "non_target": "CR",
        "new_lesions": False,
        "overall": "CR",
    }
    assert a3["recicl"] == {"te": "TE4", "overall": "CR"}
    detail = c.mrecist.to_dict()["assessments"][1]  # type: ignore[index]
    assert detail["treated_lesions"][0]["id"] == "NL1"
    assert not c.jsh_refractoriness.event
    assert not c.untaceable_progression.event


def test_recicl_te4_needs_the_treated_lesion_without_viable_tumour() -> None:
    c = assess_response(parse_timeline(vignette(treated=True, nl1_viable=(6, 5))))
    assert c.recicl.assessments[1].te == "TE3"  # not TE4: NL1 still enhances


def test_treated_before_it_counted_is_said() -> None:
    raw = vignette(treated=True)
    raw["assessments"][1]["new_lesions"] = [{**NEW_15, "longest_mm": 8}]  # < 10 mm: re-check
    r = mrecist(parse_timeline(raw))
    assert r.first_progression is None
    assert any("before it counted" in n for n in r.notes)


# ----------------------------------------------------------------------------- follow-up


def test_vignette_followup_continues_after_the_treated_lesion_cleared() -> None:
    d = followup(parse_timeline(vignette(treated=True)), "tactics")
    assert d.decision == "continue"
    assert "treated NL1" in " ".join(d.reasons)
    assert not any("new intrahepatic lesion" in r for r in d.reasons)


def test_vignette_followup_untreated_new_lesion_repeats_tace() -> None:
    d = followup(parse_timeline(vignette(treated=False)), "tactics")
    assert d.decision == "repeat-tace"
    assert "new intrahepatic lesion NL1 15 mm" in d.reasons[0]


def test_the_old_way_of_listing_it_again_says_how_to_record_the_treatment() -> None:
    d = followup(parse_timeline(vignette(treated=False)), "tactics")
    note = d.reasons[-1]
    assert note.startswith("NL1 was seen on 2026-02-27, before the TACE on 2026-03-13")
    assert "treated_lesions" in note
    # seen only at the last visit: nothing to say
    raw = vignette(treated=False)
    raw["assessments"][1]["new_lesions"] = []
    d = followup(parse_timeline(raw), "tactics")
    assert not any("listed again" in r for r in d.reasons)


def test_residual_enhancement_in_a_treated_lesion_goes_to_the_mdt() -> None:
    tl = parse_timeline(vignette(treated=True, nl1_viable=(6, 5)))
    rep = repeat_tace_indication(tl)
    assert (rep.indicated, rep.wait) == (False, ())
    assert len(rep.review) == 1
    assert "NL1" in rep.review[0]
    d = followup(tl, "tactics")
    assert d.decision == "continue"
    assert d.next_steps[0].startswith("MDT review: ")


def test_jsh_counts_the_treated_lesion_as_a_nodule() -> None:
    r = jsh_refractoriness(parse_timeline(vignette(treated=True)))
    assert [(s.count_pre, s.count_post, s.progressive) for s in r.sessions] == [
        (1, 2, True),
        (2, 2, False),
    ]


def test_example_timeline() -> None:
    raw = json.loads((EXAMPLE / "P010_new_lesion_treated_at_next_tace.json").read_text())
    tl = parse_timeline(raw)
    assert followup(tl, "tactics").decision == "continue"
    r = mrecist(tl)
    assert [v.overall for v in r.assessments] == ["PD", "CR"]


# --------------------------------------------------------------------------- invariant


@settings(max_examples=60, deadline=None)
@given(
    a2=st.floats(0, 40, allow_nan=False),
    a3=st.floats(0, 40, allow_nan=False),
    nl_viable=st.floats(0, 15, allow_nan=False),
)
def test_marking_treated_never_moves_progression_or_the_best_response(
    a2: float, a3: float, nl_viable: float
) -> None:
    """For a new lesion that counted when it appeared, treating it changes only the visits
    after its TACE: first progression, BOR and the earlier visits are the same."""
    treated = vignette(treated=True, nl1_viable=(nl_viable, min(nl_viable, 12)))
    plain = vignette(treated=False)
    for raw in (treated, plain):
        raw["assessments"][1]["lesions"] = [les("A", 40, 30, a2, min(a2, 30))]
        raw["assessments"][2]["lesions"][0] = les("A", 40, 30, a3, min(a3, 30))
    for crit in (mrecist, recist11):
        t, p = crit(parse_timeline(copy.deepcopy(treated))), crit(parse_timeline(plain))
        assert t.first_progression == p.first_progression
        assert t.best_overall_response == p.best_overall_response
        assert t.assessments[0] == p.assessments[0]
