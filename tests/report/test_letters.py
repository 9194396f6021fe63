"""Referral letters render the one decision: never a TACE referral after TACE failure or
death (both sides, on every example case), no letter after death, bounded inputs."""

from __future__ import annotations

import html
import re

import pytest

from tacepath.domain.patient import PatientSnapshot
from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.pathway.decision import decide
from tacepath.report.letters import MAX_PARTY_CHARS, Party, referral_letter, teams
from tests.cases import case_id, decision_cases

SENDER = Party("Dr A Navigator", "Hospital A")


def _case(pid: str, with_timeline: bool) -> tuple[PatientSnapshot, Timeline | None]:
    return next(
        (p, tl) for p, tl in decision_cases() if p.id == pid and (tl is not None) == with_timeline
    )


def _rows(letter: str) -> list[str]:
    """The regimen labels of the letter's options table."""
    cells = re.findall(r"<tr><td>(.*?)(?:<br>.*?)?</td><td class=", letter, flags=re.S)
    return [html.unescape(c) for c in cells]


@pytest.mark.parametrize(("patient", "timeline"), decision_cases(), ids=case_id)
def test_tace_referral_only_when_the_decision_offers_tace(
    patient: PatientSnapshot, timeline: Timeline | None
) -> None:
    d = decide(patient, timeline=timeline)
    tace_options = [r for r in d.options if "tace" in r.components]
    stopped = d.state.tace_failure is not None or d.state.deceased is not None
    if stopped or not tace_options:
        with pytest.raises(InputError) as err:
            referral_letter(d, "interventional-radiology", sender=SENDER)
        assert err.value.problems[0].field == "to"
        return
    letter = referral_letter(d, "interventional-radiology", sender=SENDER)
    assert _rows(letter) == [r.label for r in tace_options]


@pytest.mark.parametrize(("patient", "timeline"), decision_cases(), ids=case_id)
def test_no_letter_names_tace_after_failure_and_none_after_death(
    patient: PatientSnapshot, timeline: Timeline | None
) -> None:
    d = decide(patient, timeline=timeline)
    for team in teams():
        try:
            letter = referral_letter(d, team, sender=SENDER)
        except InputError:
            continue
        assert d.state.deceased is None  # a letter after death is never written
        if d.state.tace_failure is not None:
            assert not [row for row in _rows(letter) if "TACE" in row and "when TACE" not in row]
            assert f"{d.state.tace_failure.text}. TACE is not repeated." in html.unescape(letter)


def test_both_sides_of_tace_failure_for_one_patient() -> None:
    before = decide(*_case("P007", with_timeline=False)[:1])
    letter = referral_letter(before, "interventional-radiology", sender=SENDER)
    assert "Referral for assessment for TACE: patient P007" in letter
    assert "TACE is not repeated" not in letter
    patient, timeline = _case("P007", with_timeline=True)
    after = decide(patient, timeline=timeline)
    assert after.state.tace_failure is not None
    with pytest.raises(InputError, match="a team other than TACE: TACE failure"):
        referral_letter(after, "interventional-radiology", sender=SENDER)
    onc = referral_letter(after, "oncology", sender=SENDER, addressee=Party("", "Cancer Centre"))
    expected = [r for r in after.options if r.kind != "tace"]
    assert _rows(onc) == [r.label for r in expected]
    # each option's reasons are the decision's own, word for word
    for r in expected:
        for why in r.reasons[:4]:
            assert html.escape(why, quote=False) in onc.replace("&#39;", "'").replace("&#34;", '"')
    assert "Cancer Centre" in onc
    assert "Dr A Navigator" in onc


def test_no_letter_after_death() -> None:
    patient, timeline = _case("P008", with_timeline=True)
    d = decide(patient, timeline=timeline)
    assert d.state.deceased is not None
    for team in teams():
        with pytest.raises(InputError, match=f"a living patient.*{d.state.deceased}"):
            referral_letter(d, team, sender=SENDER)


def test_trial_site_letter_lists_possible_matches_with_stored_recruitment() -> None:
    d = decide(_case("P001", with_timeline=False)[0])
    possible = [m for m in d.matches if m.verdict == "possible"]
    assert possible
    letter = html.unescape(referral_letter(d, "trial-site", sender=SENDER))
    for m in possible:
        assert m.name in letter
        assert m.recruitment in letter
    for m in d.matches:
        if m.verdict != "possible":
            assert f"<b>{m.name}</b>" not in letter


def test_party_bounds_and_unknown_team() -> None:
    assert Party.of("x" * MAX_PARTY_CHARS, "", field="sender").name == "x" * MAX_PARTY_CHARS
    with pytest.raises(InputError, match="at most 120"):
        Party.of("x" * (MAX_PARTY_CHARS + 1), "", field="sender")
    with pytest.raises(InputError, match="invisible"):
        Party.of("Dr\u202eA", "", field="sender")
    with pytest.raises(InputError, match="text"):
        Party.of(["a"], "", field="sender")
    d = decide(_case("P001", with_timeline=False)[0])
    with pytest.raises(InputError) as err:
        referral_letter(d, "x" * 500, sender=SENDER)
    assert len(str(err.value.problems[0].value)) == 40
    assert "oncology" in err.value.problems[0].allowed
