"""Trial matching: stated criteria and drug screens, recruitment never assumed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.domain.patient import parse_patient
from tacepath.pathway.matching import match_trials

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pathway"
BASE: dict[str, Any] = json.loads((EXAMPLES / "intermediate_candidate.json").read_text())


def _verdicts(p: dict[str, Any]) -> dict[str, str]:
    return {m.trial: m.verdict for m in match_trials(parse_patient(p))}


def test_candidate_is_a_possible_match_with_open_questions() -> None:
    ms = {m.trial: m for m in match_trials(parse_patient(BASE))}
    assert ms["EMERALD-3"].verdict == "possible"
    assert ms["TACE-3"].verdict == "possible"
    assert any("MDT confirms" in o for o in ms["EMERALD-3"].open)
    assert "check" in ms["TACE-3"].recruitment


def test_child_pugh_b7_excludes_both() -> None:
    p = copy.deepcopy(BASE)
    p["labs"]["albumin"] = {"value": 3.2, "unit": "g/dL"}
    p["labs"]["bilirubin"] = {"value": 2.5, "unit": "mg/dL"}
    v = _verdicts(p)
    assert (v["EMERALD-3"], v["TACE-3"]) == ("not_eligible", "not_eligible")
    # HEPATIC / CISL 22-01: no criteria of their own were found, and B7 passes every rule of
    # their components: possible, with the missing criteria as the open point
    assert (v["HEPATIC"], v["CISL-22-01"]) == ("possible", "possible")


def test_active_autoimmune_disease_excludes_the_checkpoint_inhibitor_trials() -> None:
    p = copy.deepcopy(BASE)
    p["history"]["autoimmune_disease"] = "active"
    v = _verdicts(p)
    assert v["EMERALD-3"] == "not_eligible"
    assert v["TACE-3"] == "not_eligible"
    # sintilimab is a checkpoint inhibitor: the class rule reaches CISL 22-01 too
    assert v["HEPATIC"] == v["CISL-22-01"] == "not_eligible"


def test_age_and_ecog_limits() -> None:
    p = copy.deepcopy(BASE)
    p["age_years"] = 15
    assert _verdicts(p)["TACE-3"] == "not_eligible"
    p["age_years"] = 16
    assert _verdicts(p)["TACE-3"] == "possible"
    p["ecog"] = 2
    v = _verdicts(p)
    assert (v["EMERALD-3"], v["TACE-3"]) == ("not_eligible", "not_eligible")
    # no ECOG criterion of HEPATIC or CISL 22-01 was found: ECOG 2 is not decided by them
    assert (v["HEPATIC"], v["CISL-22-01"]) == ("possible", "possible")


def test_cli_json() -> None:
    r = CliRunner().invoke(app, ["match", str(EXAMPLES / "intermediate_candidate.json"), "--json"])
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert {t["trial"] for t in d["trials"]} == {"EMERALD-3", "TACE-3", "HEPATIC", "CISL-22-01"}


def test_portal_vein_invasion_is_open_for_emerald3_not_unmet() -> None:
    """TACE's rule on tumour thrombus applies to trial matching too; EMERALD-3 allows
    invasion short of Vp3/Vp4, so it is an open question naming the trial (caution)."""
    p = copy.deepcopy(BASE)
    p["macrovascular_invasion"] = True
    ms = {m.trial: m for m in match_trials(parse_patient(p))}
    em3 = ms["EMERALD-3"]
    pvt = next(c for c in em3.criteria if c.rule == "tace-tumour-pvt")
    assert pvt.result == "caution"
    assert "EMERALD-3 allows portal-vein invasion" in pvt.enrolled
    assert not any("macrovascular invasion" in u for u in em3.unmet)
    assert any("Which grade is it?" in o for o in em3.open)
    # TACE-3 states no such enrolment: the EASL contraindication stands
    assert any("macrovascular invasion: present" in u for u in ms["TACE-3"].unmet)


def test_seed_only_trials_are_matched_on_verified_rules_and_never_pass_silently() -> None:
    """HEPATIC and CISL 22-01 (named only by the seed page, conflict C14): the rules of their
    components apply; their own criteria were not found, so every match stays open on that,
    and the recruitment text says the trial itself is not verified."""
    ms = {m.trial: m for m in match_trials(parse_patient(BASE))}
    for tid, drug_rule in (
        ("HEPATIC", "bevacizumab-varices"),
        ("CISL-22-01", "checkpoint-autoimmune"),
    ):
        m = ms[tid]
        assert m.verdict == "possible"
        own = [c for c in m.criteria if c.origin == f"trial:{tid}"]
        assert own
        assert all(c.result == "unknown" for c in own)
        assert any("were not found" in o for o in m.open)
        assert "not verified" in m.recruitment
        assert {"tace-child-pugh", drug_rule} <= {c.rule for c in m.criteria}
    p = copy.deepcopy(BASE)
    p["history"]["proteinuria_g_per_24h"] = 2.5  # bevacizumab is withheld at >= 2 g/24 h
    v = _verdicts(p)
    assert v["HEPATIC"] == v["CISL-22-01"] == "not_eligible"
