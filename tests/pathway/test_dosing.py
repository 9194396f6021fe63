"""Dose rules per drug: levels, label rows, occurrences, weight ladders, ICI hepatitis.

Expected actions are typed from the fact-checked reference
(shared/reference/adverse-events-and-dosing.md §2), not read from dose_rules.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputError, InputErrors
from tacepath.pathway.ctcae import grade
from tacepath.pathway.dosing import (
    ACTIONS,
    DOSE_RULES_FILE,
    DoseAction,
    dose_action,
    dose_rules,
    load_dose_rules,
)

runner = CliRunner()
SOR = "400 mg twice daily"


def _act(drug: str, event: Any, dose: str, **kw: Any) -> DoseAction:
    return dose_action(drug, event, current_dose=dose, **kw)


# ------------------------------------------------------------------ sorafenib


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("400 mg twice daily", "400 mg once daily"),
        ("400 mg bid", "400 mg once daily"),
        ("400 mg once daily", "200 mg once daily or 400 mg every other day"),
        ("400 mg daily", "200 mg once daily or 400 mg every other day"),
    ],
)
def test_sorafenib_levels_from_the_current_pi(current: str, new: str) -> None:
    a = _act("sorafenib", ("Congestive heart failure", 3), current)
    assert a.action == "interrupt"
    assert a.new_dose == new
    assert a.resume is not None
    assert "grade ≤1" in a.resume
    assert any("conflict C1" in n for n in a.notes)


@pytest.mark.parametrize("current", ["200 mg once daily", "400 mg every other day", "400 mg qod"])
def test_sorafenib_no_third_reduction_discontinue(current: str) -> None:
    a = _act("sorafenib", ("CHF", 3), current)
    assert a.action == "discontinue"
    assert a.new_dose is None
    assert "no 3rd reduction" in a.rule
    assert a.current_dose == "200 mg once daily or 400 mg every other day"


def test_sorafenib_dose_must_be_a_label_level() -> None:
    with pytest.raises(InputError, match="current_dose: got '800 mg once daily'; allowed: a "):
        _act("sorafenib", ("CHF", 3), "800 mg once daily")


@pytest.mark.parametrize(
    ("event", "g", "facts", "action"),
    [
        ("Cardiac ischemia and/or infarction", 1, {}, "continue"),
        ("myocardial infarction", 2, {}, "discontinue"),
        ("Cardiac ischemia and/or infarction", 4, {}, "discontinue"),
        ("Congestive heart failure", 2, {}, "continue"),
        ("Congestive heart failure", 3, {}, "interrupt"),
        ("Congestive heart failure", 4, {}, "discontinue"),
        ("Hemorrhage", 1, {}, "continue"),
        ("Hemorrhage", 2, {}, "needs-information"),
        ("Hemorrhage", 2, {"requires_medical_intervention": True}, "discontinue"),
        ("GI hemorrhage", 3, {"requires_medical_intervention": True}, "discontinue"),
        ("Hemorrhage", 3, {"requires_medical_intervention": False}, "continue"),
        ("Hypertension", 1, {}, "continue"),
        ("Hypertension", 2, {}, "needs-information"),
        ("Hypertension", 2, {"symptomatic_or_persistent": False}, "continue"),
        ("Hypertension", 2, {"symptomatic_or_persistent": True}, "interrupt"),
        ("Hypertension", 3, {}, "interrupt"),
        ("Hypertension", 4, {}, "discontinue"),
        ("GI perforation", None, {}, "discontinue"),
    ],
)
def test_sorafenib_adverse_reaction_table(
    event: str, g: int | None, facts: dict[str, bool], action: str
) -> None:
    a = _act("sorafenib", (event, g), SOR, facts=facts)
    assert a.action == action
    if action == "interrupt":
        assert a.new_dose == "400 mg once daily"
    if action == "continue":
        assert a.new_dose == SOR
    if action == "needs-information":
        assert a.needs
    if a.rule_id is not None:
        assert a.source is not None
        assert a.source.id == "s1_nexavar_hcp"


def test_sorafenib_hypertension_from_a_graded_blood_pressure() -> None:
    g = grade("hypertension", systolic=150, diastolic=85)
    a = _act("sorafenib", g, SOR)
    assert a.action == "needs-information"
    assert a.needs[0].startswith("symptomatic_or_persistent:")
    assert a.ctcae_version == "5.0"
    a = _act("sorafenib", g, SOR, facts={"symptomatic_or_persistent": True})
    assert a.action == "interrupt"
    assert a.resume is not None
    assert "diastolic BP <90" in a.resume


@pytest.mark.parametrize(
    ("g", "occurrence", "facts", "action", "new"),
    [
        (1, 1, {}, "continue", SOR),
        (1, 5, {}, "continue", SOR),
        (2, 1, {}, "continue", SOR),
        (2, 1, {"no_improvement_within_7_days": True}, "interrupt", "400 mg once daily"),
        (2, 2, {}, "interrupt", "400 mg once daily"),
        (2, 3, {}, "interrupt", "400 mg once daily"),
        (2, 4, {}, "discontinue", None),
        (3, 1, {}, "interrupt", "400 mg once daily"),
        (3, 2, {}, "interrupt", "400 mg once daily"),
        (3, 3, {}, "discontinue", None),
    ],
)
def test_sorafenib_hfsr_occurrences(
    g: int, occurrence: int, facts: dict[str, bool], action: str, new: str | None
) -> None:
    a = _act("sorafenib", ("HFSR", g), SOR, occurrence=occurrence, facts=facts)
    assert a.event == "Palmar-plantar erythrodysesthesia syndrome"
    assert a.action == action
    assert a.new_dose == new
    assert a.source is not None
    assert a.source.id == "s2_nexavar_pi_2005"
    assert any("PI's own scale" in n for n in a.notes)


def test_sorafenib_hfsr_first_occurrence_states_its_assumption() -> None:
    a = _act("sorafenib", grade("HFSR", adl="instrumental"), SOR)
    assert a.action == "continue"
    assert any("assumed no_improvement_within_7_days=no" in n for n in a.notes)


def test_sorafenib_hfsr_at_the_last_level_discontinues() -> None:
    a = _act("sorafenib", ("HFSR", 3), "400 mg every other day")
    assert a.action == "discontinue"
    assert "no further dose level" in a.rule


def test_sorafenib_unverified_rows_need_information() -> None:
    a = _act("sorafenib", ("AST increased", 3), SOR)
    assert a.action == "needs-information"
    assert not a.verified
    assert "QT interval prolongation" in a.rule


# ------------------------------------------------------------------ lenvatinib


@pytest.mark.parametrize(
    ("weight", "current", "action", "new"),
    [
        (60.0, "12 mg once daily", "interrupt", "8 mg once daily"),
        (60.0, "8 mg once daily", "interrupt", "4 mg once daily"),
        (60.0, "4 mg once daily", "interrupt", "4 mg every other day"),
        (60.0, "4 mg every other day", "needs-information", None),
        (59.9, "8 mg once daily", "interrupt", "4 mg once daily"),
        (59.9, "4 mg once daily", "interrupt", "4 mg every other day"),
        (59.9, "4 mg every other day", "discontinue", None),
    ],
)
def test_lenvatinib_weight_ladders(
    weight: float, current: str, action: str, new: str | None
) -> None:
    a = _act("lenvatinib", ("Diarrhea", 3), current, weight_kg=weight)
    assert a.action == action
    assert a.new_dose == new
    if action == "needs-information":
        assert "no further dose level is stated" in a.rule


def test_lenvatinib_12_mg_is_not_a_level_below_60_kg() -> None:
    with pytest.raises(InputError, match="current_dose: got '12 mg once daily'; allowed: a "):
        _act("lenvatinib", ("Diarrhea", 3), "12 mg once daily", weight_kg=59.9)


def test_lenvatinib_weight_needed_only_where_it_decides() -> None:
    assert _act("lenvatinib", ("Diarrhea", 3), "12 mg daily").new_dose == "8 mg once daily"
    assert _act("lenvatinib", ("Diarrhea", 3), "8 mg once daily").new_dose == "4 mg once daily"
    a = _act("lenvatinib", ("Diarrhea", 3), "4 mg every other day")
    assert a.action == "needs-information"
    assert a.needs[0].startswith("weight_kg")


@pytest.mark.parametrize(
    ("event", "g", "facts", "action", "new"),
    [
        ("Diarrhea", 1, {}, "continue", "8 mg once daily"),
        ("Diarrhea", 2, {}, "needs-information", None),
        ("Diarrhea", 2, {"persistent_and_intolerable": False}, "continue", "8 mg once daily"),
        ("Diarrhea", 2, {"persistent_and_intolerable": True}, "interrupt", "4 mg once daily"),
        ("Diarrhea", 3, {}, "interrupt", "4 mg once daily"),
        ("Diarrhea", 4, {}, "discontinue", None),
        ("AST increased", 4, {}, "needs-information", None),
        ("AST increased", 4, {"life_threatening": False}, "interrupt", "4 mg once daily"),
        ("AST increased", 4, {"life_threatening": True}, "discontinue", None),
        ("Hypertension", 3, {}, "needs-information", None),
        ("Hypertension", 3, {"despite_optimal_antihypertensives": True}, "withhold",
         "4 mg once daily"),
        ("Hypertension", 3, {"despite_optimal_antihypertensives": False}, "continue",
         "8 mg once daily"),
        ("Hypertension", 4, {}, "discontinue", None),
        ("Cardiac dysfunction", 3, {}, "withhold", "4 mg once daily"),
        ("Hemorrhage", 4, {}, "discontinue", None),
        ("Arterial thromboembolic event", None, {}, "discontinue", None),
        ("Hepatic failure", 4, {}, "needs-information", None),
    ],
)  # fmt: skip
def test_lenvatinib_rules(
    event: str, g: int | None, facts: dict[str, bool], action: str, new: str | None
) -> None:
    a = _act("lenvatinib", (event, g), "8 mg once daily", weight_kg=70, facts=facts)
    assert a.action == action
    assert a.new_dose == new


def test_lenvatinib_general_rule_notes() -> None:
    a = _act("lenvatinib", ("diarrhoea", 3), "8 mg once daily", weight_kg=70)
    assert any("medical management of nausea" in n for n in a.notes)
    a = _act("lenvatinib", ("Hepatic failure", 4), "8 mg once daily", weight_kg=70)
    assert not a.verified


@pytest.mark.parametrize(
    ("g", "occurrence", "facts", "action", "new"),
    [
        (3, 1, {}, "interrupt", "8 mg once daily"),
        (3, 2, {}, "interrupt", "4 mg once daily"),
        (2, 1, {"persistent_and_intolerable": True}, "interrupt", "8 mg once daily"),
        (2, 1, {"persistent_and_intolerable": False}, "continue", "8 mg once daily"),
        (4, 1, {"life_threatening": False}, "interrupt", "8 mg once daily"),
        (4, 1, {"life_threatening": True}, "discontinue", None),
        (4, 1, {}, "needs-information", None),
    ],
)
def test_lenvatinib_haematological_first_occurrence_no_reduction(
    g: int, occurrence: int, facts: dict[str, bool], action: str, new: str | None
) -> None:
    a = _act("lenvatinib", ("platelets", g), "8 mg once daily", weight_kg=70,
             occurrence=occurrence, facts=facts)  # fmt: skip
    assert a.action == action
    assert a.new_dose == new
    if action == "interrupt":
        assert a.resume is not None
        assert "resolved to grade 2" in a.resume


def test_lenvatinib_from_a_graded_platelet_count() -> None:
    g = grade("platelets", value=45, unit="10^9/L", lln=150)
    a = _act("lenvatinib", g, "12 mg once daily", weight_kg=72)
    assert (a.grade, a.action, a.new_dose) == (3, "interrupt", "12 mg once daily")


@pytest.mark.parametrize(
    ("g24", "occurrence", "action", "new"),
    [
        (1.99, 1, "continue", "8 mg once daily"),
        (2.0, 1, "withhold", "8 mg once daily"),
        (2.0, 2, "withhold", "4 mg once daily"),
        (3.5, 3, "withhold", "4 mg once daily"),
    ],
)
def test_lenvatinib_proteinuria(g24: float, occurrence: int, action: str, new: str) -> None:
    a = _act("lenvatinib", ("Proteinuria", None), "8 mg once daily", weight_kg=70,
             proteinuria_g_24h=g24, occurrence=occurrence,
             facts={"nephrotic_syndrome": False})  # fmt: skip
    assert a.action == action
    assert a.new_dose == new


def test_proteinuria_needs_the_measure_and_nephrotic_status() -> None:
    a = _act("lenvatinib", ("Proteinuria", None), "8 mg once daily", weight_kg=70)
    assert a.action == "needs-information"
    assert {n.split(":")[0] for n in a.needs} == {"nephrotic_syndrome", "proteinuria_g_24h"}
    a = _act("lenvatinib", ("Proteinuria", None), "8 mg once daily", weight_kg=70,
             facts={"nephrotic_syndrome": True})  # fmt: skip
    assert a.action == "discontinue"


# ------------------------------------------------------------------ bevacizumab

BEV = "15 mg/kg every 3 weeks"


@pytest.mark.parametrize(
    ("g24", "nephrotic", "action", "new"),
    [
        (1.99, False, "continue", BEV),
        (2.0, False, "withhold", BEV),
        (6.0, False, "withhold", BEV),
        (6.0, True, "discontinue", None),
    ],
)
def test_bevacizumab_proteinuria_withhold_and_resume_at_2_g(
    g24: float, nephrotic: bool, action: str, new: str | None
) -> None:
    a = _act("bevacizumab", ("proteinuria", None), BEV, proteinuria_g_24h=g24,
             facts={"nephrotic_syndrome": nephrotic})  # fmt: skip
    assert a.action == action
    assert a.new_dose == new
    if action == "withhold":
        assert a.resume is not None
        assert "<2 g/24 h" in a.resume
    assert any("No dose reduction for bevacizumab" in n for n in a.notes)


@pytest.mark.parametrize(
    ("event", "action", "source"),
    [
        ("ATE", "discontinue", "b2_avastin_smpc"),
        ("Arterial thromboembolic event", "discontinue", "b2_avastin_smpc"),
        ("GI perforation", "discontinue", "b3_avastin_pi_older"),
    ],
)
def test_bevacizumab_ate_and_perforation(event: str, action: str, source: str) -> None:
    a = _act("Avastin", (event, None), BEV)
    assert a.action == action
    assert a.source is not None
    assert a.source.id == source


def test_bevacizumab_unverified_rows_and_no_reduction() -> None:
    a = _act("bevacizumab", ("Hypertension", 3), BEV)
    assert a.action == "needs-information"
    assert not a.verified
    assert "UNVERIFIED" in a.rule
    rules = dose_rules()
    bev, _ = rules.drug("bevacizumab")
    assert all(r.dose != "next" for r in bev.rules)


# ------------------------------------------------------------------ checkpoint inhibitors

DUR = "1500 mg every 4 weeks"


@pytest.mark.parametrize(
    ("baseline", "ast_alt", "bili", "action"),
    [
        # baseline >1 and up to 3×ULN: withhold >5 and up to 10×ULN
        (1.01, 5.0, 1.0, "continue"),
        (2.0, 5.0, 1.0, "continue"),
        (2.0, 5.01, 1.0, "withhold"),
        (3.0, 5.01, 1.0, "withhold"),
        (2.0, 10.0, 1.0, "withhold"),
        (2.0, 10.01, 1.0, "discontinue"),
        # baseline >3 and up to 5×ULN: withhold >8 and up to 10×ULN
        (3.01, 5.01, 1.0, "continue"),
        (3.01, 8.0, 1.0, "continue"),
        (4.0, 8.01, 1.0, "withhold"),
        (5.0, 10.0, 1.0, "withhold"),
        (5.0, 10.01, 1.0, "discontinue"),
        # any baseline: bilirubin >3×ULN discontinues
        (2.0, 2.0, 3.0, "continue"),
        (2.0, 2.0, 3.01, "discontinue"),
        # baseline within normal limits or >5×ULN: row not verified
        (1.0, 6.0, 1.0, "needs-information"),
        (5.01, 9.0, 1.0, "needs-information"),
        (1.0, 12.0, 1.0, "discontinue"),
    ],
)
def test_ici_hcc_hepatitis_by_baseline_category(
    baseline: float, ast_alt: float, bili: float, action: str
) -> None:
    a = _act("durvalumab", ("hepatitis", None), DUR, baseline_ast_alt_x_uln=baseline,
             ast_alt_x_uln=ast_alt, bilirubin_x_uln=bili)  # fmt: skip
    assert a.action == action
    assert a.new_dose == (DUR if action in ("continue", "withhold") else None)
    assert any("No dose reduction for checkpoint inhibitors" in n for n in a.notes)
    if action == "needs-information":
        assert not a.verified


def test_ici_hepatitis_from_a_graded_ast_derives_the_multiples() -> None:
    g = grade("AST", value=280, uln=40, baseline=80)  # 7×ULN on a 2×ULN baseline
    a = _act("pembrolizumab", g, "400 mg every 6 weeks", bilirubin_x_uln=1.2)
    assert a.action == "withhold"
    assert any("higher of AST and ALT" in n for n in a.notes)
    assert any("assumed liver_tumour_involvement=yes" in n for n in a.notes)
    # ALT higher than AST: the higher one counts
    a = _act("pembrolizumab", g, "400 mg every 6 weeks", bilirubin_x_uln=1.2, ast_alt_x_uln=11)
    assert a.action == "discontinue"


def test_ici_hepatitis_needs_bilirubin_and_baseline() -> None:
    a = _act("durvalumab", grade("ALT", value=280, uln=40), DUR)
    assert a.action == "needs-information"
    needs = {n.split(":")[0] for n in a.needs}
    assert needs == {"bilirubin_x_uln", "baseline_ast_alt_x_uln"}
    b = _act("durvalumab", grade("bilirubin", value=4.0, uln=1.0), DUR)
    assert b.action == "discontinue"


@pytest.mark.parametrize(
    ("ast_alt", "bili", "action"),
    [
        (3.0, 1.5, "continue"),
        (3.01, 1.0, "withhold"),
        (8.0, 1.0, "withhold"),
        (8.01, 1.0, "discontinue"),
        (1.0, 1.51, "withhold"),
        (1.0, 3.0, "withhold"),
        (1.0, 3.01, "discontinue"),
    ],
)
def test_ici_hepatitis_without_liver_involvement(ast_alt: float, bili: float, action: str) -> None:
    a = _act("Keytruda", ("hepatitis", None), "200 mg", ast_alt_x_uln=ast_alt,
             bilirubin_x_uln=bili, facts={"liver_tumour_involvement": False})  # fmt: skip
    assert a.action == action


def test_ici_rows_not_read_for_the_drug_need_information() -> None:
    a = _act("atezolizumab", ("hepatitis", None), "1200 mg every 3 weeks",
             baseline_ast_alt_x_uln=2, ast_alt_x_uln=7, bilirubin_x_uln=1)  # fmt: skip
    assert a.action == "needs-information"
    assert not a.verified
    assert "durvalumab, pembrolizumab" in a.rule
    assert "(class action: withhold)" in a.rule
    a = _act("durvalumab", ("Colitis", 2), DUR)
    assert a.action == "needs-information"
    assert _act("durvalumab", ("Pneumonitis", 2), DUR).action == "withhold"
    a = _act("checkpoint inhibitor", ("Pneumonitis", 2), DUR)
    assert a.action == "needs-information"


@pytest.mark.parametrize(
    ("event", "g", "facts", "action"),
    [
        ("Pneumonitis", 1, {}, "continue"),
        ("Pneumonitis", 2, {}, "withhold"),
        ("Pneumonitis", 3, {}, "discontinue"),
        ("Colitis", 2, {}, "withhold"),
        ("Colitis", 3, {}, "withhold"),
        ("Colitis", 4, {}, "discontinue"),
        ("Endocrinopathies", 3, {}, "withhold"),
        ("Nephritis with renal dysfunction", 2, {}, "withhold"),
        ("nephritis", 4, {}, "discontinue"),
        ("SJS", None, {}, "needs-information"),
        ("SJS", None, {"confirmed": False}, "withhold"),
        ("TEN", None, {"confirmed": True}, "discontinue"),
        ("Myocarditis", 2, {}, "discontinue"),
        ("Neurological toxicities", 2, {}, "withhold"),
        ("Neurological toxicities", 3, {}, "discontinue"),
        ("Infusion-related reaction", 2, {}, "interrupt"),
        ("Infusion-related reaction", 3, {}, "discontinue"),
        ("Diarrhea", 3, {}, "needs-information"),
    ],
)
def test_ici_other_immune_mediated_reactions(
    event: str, g: int | None, facts: dict[str, bool], action: str
) -> None:
    a = _act("pembrolizumab", (event, g), "400 mg every 6 weeks", facts=facts)
    assert a.action == action
    assert a.action != "reduce"
    if action in ("withhold", "interrupt", "continue"):
        assert a.new_dose == "400 mg every 6 weeks"


# ------------------------------------------------------------------ general behaviour


def test_grade_0_and_unassigned_grades() -> None:
    a = _act("sorafenib", grade("AST", value=30, uln=40), SOR)
    assert (a.action, a.new_dose) == ("continue", SOR)
    a = _act("lenvatinib", grade("platelets", value=100, unit="10^9/L"), "8 mg once daily")
    assert a.action == "needs-information"
    assert "LLN" in a.needs[0]


@pytest.mark.parametrize(
    ("drug", "event", "dose", "kw", "field"),
    [
        ("aspirin", ("CHF", 3), SOR, {}, "drug"),
        ("sorafenib", ("wobbly", 3), SOR, {}, "event"),
        ("sorafenib", ("CHF", 5), SOR, {}, "grade"),
        ("sorafenib", ("HFSR", 4), SOR, {}, "grade"),
        ("sorafenib", ("INR", 4), SOR, {}, "grade"),
        ("sorafenib", ("CHF", 3), "", {}, "current_dose"),
        ("sorafenib", ("CHF", 3), SOR, {"occurrence": 0}, "occurrence"),
        ("sorafenib", ("CHF", 3), SOR, {"weight_kg": -1}, "weight_kg"),
        ("sorafenib", ("CHF", 3), SOR, {"facts": {"tired": True}}, "facts"),
        ("bevacizumab", ("proteinuria", None), BEV, {"proteinuria_g_24h": -1}, "proteinuria_g_24h"),
        ("sorafenib", ("post-embolization syndrome", 2), SOR, {}, "event"),
    ],
)  # fmt: skip
def test_bad_inputs_are_refused(
    drug: str, event: Any, dose: str, kw: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as exc:
        _act(drug, event, dose, **kw)
    assert exc.value.problems[0].field == field


def test_every_rule_has_a_resolving_source_and_a_known_action() -> None:
    rules = dose_rules()
    ids = {s.id for s in rules.sources}
    for d in rules.drugs:
        for r in d.rules:
            assert r.source in ids
            assert set(r.also) <= ids
            assert r.action in ACTIONS
        for ld in d.ladders:
            assert ld.source in ids


def _broken(tmp_path: Path, edit: Any) -> Path:
    raw = yaml.safe_load(DOSE_RULES_FILE.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "dose_rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_loader_refuses_bad_data(tmp_path: Path) -> None:
    def bad_source(raw: dict[str, Any]) -> None:
        raw["drugs"][0]["rules"][0]["source"] = "nope"

    with pytest.raises(InputErrors, match="source: got 'nope'"):
        load_dose_rules(_broken(tmp_path, bad_source))

    def bad_fact(raw: dict[str, Any]) -> None:
        raw["drugs"][0]["rules"][0]["when"] = {"facts": {"feels_fine": True}}

    with pytest.raises(InputErrors, match="feels_fine"):
        load_dose_rules(_broken(tmp_path, bad_fact))

    def reduce_bev(raw: dict[str, Any]) -> None:
        bev = next(d for d in raw["drugs"] if d["id"] == "bevacizumab")
        bev["rules"][0]["dose"] = "next"

    with pytest.raises(InputErrors, match="without dose reduction"):
        load_dose_rules(_broken(tmp_path, reduce_bev))

    def bad_event(raw: dict[str, Any]) -> None:
        raw["drugs"][0]["rules"][0]["events"] = ["Heartache"]

    with pytest.raises(InputErrors, match="Heartache"):
        load_dose_rules(_broken(tmp_path, bad_event))


def test_to_dict_is_json_safe() -> None:
    a = _act("sorafenib", grade("HFSR", adl="self-care"), SOR)
    d = a.to_dict()
    json.dumps(d)
    assert d["action"] == "interrupt"
    assert d["new_dose"] == "400 mg once daily"
    assert d["ctcae_version"] == "5.0"
    assert d["source"]["id"] == "s2_nexavar_pi_2005"


# ------------------------------------------------------------------ CLI


def test_cli_grade_with_drug_json() -> None:
    r = runner.invoke(
        app,
        ["grade", "--term", "HFSR", "--adl", "instrumental", "--drug", "sorafenib",
         "--current-dose", "400 mg twice daily", "--occurrence", "2", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["grade"]["grade"] == 2
    assert d["dose_action"]["action"] == "interrupt"
    assert d["dose_action"]["new_dose"] == "400 mg once daily"


def test_cli_clinician_grade_and_facts() -> None:
    r = runner.invoke(
        app,
        ["grade", "--term", "Congestive heart failure", "--grade", "3", "--drug", "sorafenib",
         "--current-dose", "400 mg once daily"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "interrupt" in r.stdout
    assert "200 mg once daily or 400 mg every other day" in r.stdout
    r = runner.invoke(
        app,
        ["grade", "--term", "proteinuria", "--drug", "bevacizumab", "--current-dose", BEV,
         "--proteinuria-g-24h", "2.5", "--fact", "nephrotic_syndrome=no", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["grade"] is None
    assert d["dose_action"]["action"] == "withhold"
    r = runner.invoke(
        app,
        ["grade", "--term", "diarrhoea", "--stools-over-baseline", "4", "--drug", "lenvatinib",
         "--current-dose", "12 mg once daily", "--weight-kg", "70", "--fact",
         "persistent_and_intolerable=yes"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "8 mg once daily" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--term", "CHF", "--grade", "3", "--drug", "sorafenib"], "--current-dose: got None"),
        (["--term", "CHF", "--grade", "3"], "--drug: got None"),
        (["--term", "AST", "--value", "100", "--uln", "40", "--grade", "2", "--drug",
          "sorafenib", "--current-dose", SOR], "--grade: got 2"),
        (["--term", "CHF", "--grade", "3", "--drug", "sorafenib", "--current-dose", SOR,
          "--fact", "persistent"], "--fact: got 'persistent'"),
        (["--term", "CHF", "--grade", "3", "--drug", "sorafenib", "--current-dose",
          "1 g daily"], "current_dose: got '1 g daily'"),
    ],
)  # fmt: skip
def test_cli_dose_errors_exit_2(args: list[str], message: str) -> None:
    r = runner.invoke(app, ["grade", *args])
    assert r.exit_code == 2
    assert message in r.stderr
