"""Trial sites: data with the registry record they come from and the date it was read; no
site list is stored today, and the matches and letters say so instead of inventing one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from tacepath.domain.patient import parse_patient
from tacepath.evidence.model import TrialSite
from tacepath.evidence.registry import Registry, registry
from tacepath.pathway.matching import match_trials
from tests.cases import ROOT

PATIENT = ROOT / "examples" / "pathway" / "intermediate_candidate.json"


def _emerald3_with(**site: object) -> Registry:
    reg = registry()
    trials = []
    for t in reg:
        if t.id == "EMERALD-3":
            raw = t.model_dump()
            raw["sites"] = [site]
            t = type(t).model_validate(raw)
        trials.append(t)
    return Registry(tuple(trials))


def _site(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "Example Hospital",
        "city": "Example City",
        "country": "Example Country",
        "source": "ctgov",
        "retrieved": dt.date(2026, 11, 30),
    }
    return base | changes


def test_no_trial_of_the_registry_stores_sites_and_matches_say_so() -> None:
    assert all(t.sites == () for t in registry())
    patient = parse_patient(json.loads(PATIENT.read_text()))
    matches = {m.trial: m.to_dict() for m in match_trials(patient)}
    assert matches["EMERALD-3"]["sites"] == []
    assert matches["EMERALD-3"]["sites_note"] == (
        "No site list is stored for EMERALD-3: see its registry record (NCT05301842)."
    )
    assert matches["TACE-3"]["sites_note"].endswith(
        "(NCT04268888, ISRCTN12053408, 2018-000004-42, 241427)."
    )


@pytest.mark.parametrize(
    ("recruiting", "status"),
    [
        (None, "recruitment status not stated in the record read on 2026-11-30"),
        (True, "recruiting on 2026-11-30"),
        (False, "not recruiting on 2026-11-30"),
    ],
)
def test_a_stored_site_shows_its_status_with_its_date_and_source(
    recruiting: bool | None, status: str
) -> None:
    reg = _emerald3_with(**_site(recruiting=recruiting, contact="Trial office"))
    patient = parse_patient(json.loads(PATIENT.read_text()))
    m = next(x for x in match_trials(patient, reg=reg) if x.trial == "EMERALD-3").to_dict()
    assert m["sites_note"] == ""
    (site,) = m["sites"]
    assert site["status"] == status
    assert site["retrieved"] == "2026-11-30"
    assert "NCT05301842" in site["source"]
    assert site["contact"] == "Trial office"


def test_a_site_needs_a_source_of_its_trial_and_a_date_not_in_the_future() -> None:
    with pytest.raises(ValidationError, match="is not a source of this trial"):
        _emerald3_with(**_site(source="somewhere"))
    with pytest.raises(ValidationError, match="is in the future"):
        _emerald3_with(**_site(retrieved=dt.date.today() + dt.timedelta(days=1)))
    with pytest.raises(ValidationError):
        TrialSite.model_validate({k: v for k, v in _site().items() if k != "retrieved"})
    with pytest.raises(ValidationError):
        TrialSite.model_validate(_site(name="x" * 201))


def test_the_trial_site_letter_says_no_site_list_is_stored() -> None:
    from tacepath.pathway.decision import decide
    from tacepath.report.letters import Party, referral_letter

    d = decide(parse_patient(json.loads(PATIENT.read_text())))
    html = referral_letter(d, "trial-site", sender=Party("N. Navigator", "Hospital A"))
    possible = [m for m in d.matches if m.verdict == "possible"]
    assert possible
    for m in possible:
        assert m.sites_note in html
    assert "recruiting on" not in html
