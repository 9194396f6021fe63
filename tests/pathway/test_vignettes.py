"""Vignettes of the decision chain, written as a clinician would record them.

Each file in ``vignettes/`` is a complete patient record (``tacepath schema patient``); the
tests run the pathway engine on it (and the CLI once) and check the statuses and reasons the
decision chain must give. Before the change: V1 listed TACE + durvalumab first as eligible; V2
called TACE + lenvatinib eligible at ECOG 2; V3 called two combinations eligible at Child-Pugh B7
while TACE alone needed information; V4 gave TACE alone 'needs information' at BCLC D; V6
printed 'proteinuria 2.5 g/24 h (below 2)'; V10 could not stage invasion without a tumour list
and used 4.5 mm silently.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.domain.patient import parse_patient
from tacepath.pathway.matching import match_trials
from tacepath.pathway.pathway import STATUS_ORDER, PathwayResult, RegimenAssessment, pathway

HERE = Path(__file__).resolve().parent / "vignettes"

TACE_COMBINATIONS = (
    "tace-sorafenib",
    "tace-durvalumab-bevacizumab",
    "tace-durvalumab",
    "tace-lenvatinib",
    "tace-lenvatinib-pembrolizumab",
)


def _raw(name: str) -> dict[str, Any]:
    return json.loads((HERE / name).read_text())


def _run(raw: dict[str, Any]) -> PathwayResult:
    return pathway(parse_patient(raw))


def _crit(r: RegimenAssessment, rule: str) -> Any:
    return next(c for c in r.criteria if c.rule == rule)


def _rank(status: str) -> int:
    return STATUS_ORDER.index(status)  # type: ignore[arg-type]


def test_v1_a_components_caution_reaches_every_regimen_that_contains_it() -> None:
    """Untreated high-risk varices, variceal bleed six weeks earlier."""
    res = _run(_raw("v1_varices_recent_bleed.json"))
    s = {r.id: r.status for r in res.regimens}
    assert "eligible" not in s.values()
    assert res.regimens[0].status != "eligible"
    # TACE + durvalumab (no anti-angiogenic drug) carries TACE's varices rule
    durva = res.regimen("tace-durvalumab")
    assert durva.status == "needs_information"
    assert _crit(durva, "tace-varices").result == "caution"
    assert "Treat them first?" in _crit(durva, "tace-varices").question
    assert _crit(durva, "tace-varices").origin == "component:tace"
    # the bleed is an open question for every population whose bleeding criteria were not read
    assert any("EMERALD-1's bleeding criteria were not read" in q for q in durva.questions)
    assert s["tace-alone"] == "needs_information"
    for rid in ("tace-sorafenib", "tace-durvalumab-bevacizumab", "tace-lenvatinib"):
        assert s[rid] == "not_eligible"
        bleed = _crit(res.regimen(rid), "antiangiogenic-variceal-bleeding")
        assert bleed.result == "caution"
        assert "42 days before assessment" in bleed.detail
    assert s["atezolizumab-bevacizumab"] == "not_eligible"
    # HIMALAYA excluded variceal bleeding within 12 months
    hima = res.regimen("durvalumab-tremelimumab")
    assert hima.status == "not_eligible"
    assert any("within the 12 months window" in x for x in hima.reasons)


def test_v1_unknown_varices_leave_no_regimen_with_tace_or_an_anti_angiogenic_eligible() -> None:
    raw = _raw("v1_varices_recent_bleed.json")
    raw["history"]["varices"] = "unknown"
    res = _run(raw)
    for r in res.regimens:
        if "tace" in r.components or {"bevacizumab", "sorafenib", "lenvatinib"} & set(r.components):
            assert r.status != "eligible", r.id
            assert any("varices not assessed" in m for m in r.missing), r.id


def test_v2_ecog2_with_tumour_thrombus() -> None:
    """LAUNCH's ECOG criterion text was not read: ECOG 2 is unknown, never eligible; the EASL
    contraindication of tumour thrombus becomes a caution naming EASL and LAUNCH."""
    res = _run(_raw("v2_ecog2_pvtt.json"))
    s = {r.id: r.status for r in res.regimens}
    launch = res.regimen("tace-lenvatinib")
    assert launch.status == "needs_information"
    ecog = next(c for c in launch.criteria if c.origin == "population:LAUNCH" and "ECOG" in c.name)
    assert ecog.result == "unknown"
    assert "ECOG criterion text was not read" in ecog.question
    pvt = _crit(launch, "tace-tumour-pvt")
    assert pvt.result == "caution"
    assert "LAUNCH enrolled patients with tumour thrombus" in pvt.enrolled
    assert any("EASL" in c for c in pvt.citations)
    assert any(c.startswith("LAUNCH:") for c in pvt.citations)
    # TACE alone is not eligible for the thrombus; every other TACE combination too
    assert s["tace-alone"] == "not_eligible"
    for rid in TACE_COMBINATIONS:
        if rid != "tace-lenvatinib":
            assert s[rid] == "not_eligible", rid
    # the systemic options' trials enrolled ECOG 0-1
    assert s["atezolizumab-bevacizumab"] == "not_eligible"
    assert s["durvalumab-tremelimumab"] == "not_eligible"


def test_v3_child_pugh_b7_no_combination_more_eligible_than_tace_alone() -> None:
    res = _run(_raw("v3_child_pugh_b7.json"))
    tace = res.regimen("tace-alone")
    assert tace.status == "needs_information"
    stage = _crit(tace, "tace-stage")
    assert stage.result == "caution"
    assert "Child-Pugh B" in stage.detail
    for rid in TACE_COMBINATIONS:
        r = res.regimen(rid)
        assert _rank(r.status) >= _rank(tace.status), rid
    s = {r.id: r.status for r in res.regimens}
    assert s["tace-durvalumab-bevacizumab"] == "needs_information"
    assert s["tace-sorafenib"] == "needs_information"
    assert s["tace-lenvatinib-pembrolizumab"] == "not_eligible"  # LEAP-012: Child-Pugh A


def test_v4_bclc_d_a_failed_criterion_is_never_needs_information() -> None:
    res = _run(_raw("v4_bclc_d_ecog3.json"))
    tace = res.regimen("tace-alone")
    assert tace.status == "not_eligible"
    assert _crit(tace, "tace-stage").result == "fail"
    assert tace.reasons[0].endswith("BCLC D (outside: B)")
    assert {r.status for r in res.regimens} == {"not_eligible"}
    for r in res.regimens:
        assert any(c.result == "fail" for c in r.criteria)


def test_v6_failed_threshold_says_at_or_above_the_limit_everywhere(tmp_path: Path) -> None:
    from tacepath.report.summaries import mdt_summary_html

    raw = _raw("v6_proteinuria.json")
    words = "proteinuria 2.5 g/24 h (at or above the limit 2 g/24 h)"
    d = _run(raw).to_dict()
    for rid in ("tace-durvalumab-bevacizumab", "tace-lenvatinib-pembrolizumab"):
        r = next(x for x in d["regimens"] if x["id"] == rid)
        assert r["status"] == "not_eligible"
        assert any(words in x for x in r["reasons"])
    matches = {m.trial: m for m in match_trials(parse_patient(raw))}
    assert any(words in u for u in matches["EMERALD-3"].unmet)  # lenvatinib's rule
    html = mdt_summary_html(parse_patient(raw))
    assert words in html
    assert "(below 2" not in json.dumps(d) + html


def test_v10_invasion_without_a_tumour_list_is_stage_c() -> None:
    res = _run(_raw("v10_mvi_no_tumour_list.json"))
    assert res.steps[0].findings[0] == "BCLC C"
    tace = res.regimen("tace-alone")
    assert tace.status == "not_eligible"
    assert _crit(tace, "tace-tumour-pvt").result == "fail"
    assert "not computable" not in _crit(tace, "tace-stage").detail


def test_v10_sub_centimetre_diameters_carry_a_warning() -> None:
    res = _run(_raw("v10_diameters_in_cm.json"))
    warnings = [n for n in res.notes if "centimetres" in n]
    assert len(warnings) == 2
    assert "4.5 cm would be 45 mm" in warnings[0]


def test_cli_pathway_json_on_a_vignette() -> None:
    r = CliRunner().invoke(app, ["pathway", str(HERE / "v2_ecog2_pvtt.json"), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    s = {x["id"]: x for x in d["regimens"]}
    assert s["tace-lenvatinib"]["status"] == "needs_information"
    assert s["tace-alone"]["status"] == "not_eligible"
    pvt = next(c for c in s["tace-lenvatinib"]["criteria"] if c.get("rule") == "tace-tumour-pvt")
    assert pvt["result"] == "caution"
    assert "trial_enrolled" in pvt
    assert pvt["question"]
    assert s["tace-lenvatinib"]["questions"]


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("*.json")))
def test_every_vignette_is_a_valid_patient(name: str) -> None:
    raw = _raw(name)
    assert parse_patient(copy.deepcopy(raw)).id == raw["id"]


def test_cli_detail_prints_the_mdt_question_of_a_caution() -> None:
    r = CliRunner().invoke(
        app,
        ["pathway", str(HERE / "v1_varices_recent_bleed.json"), "--detail"],
        env={"COLUMNS": "2000"},
    )
    assert r.exit_code == 0, r.output
    line = next(x for x in r.stdout.splitlines() if "CAUTION Oesophageal varices" in x)
    assert "Treat them first?" in line
