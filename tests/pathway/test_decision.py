"""One decision, many renderings: the CLI commands, the summaries and the decision object agree.

:func:`tacepath.pathway.decision.decide` reads the course state once; ``pathway``,
``match``, ``followup``, ``schedule`` and both summaries render it. Before this, ``followup``
and ``schedule`` read only the timeline, so a TACE failure recorded in the patient history
(vignette V12) still gave "repeat TACE" or "continue" and a plan with further TACE sessions,
while the pathway called every TACE option not eligible.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.cli.response import load_timelines
from tacepath.domain.patient import PatientSnapshot, parse_patient
from tacepath.domain.timeline import Timeline
from tacepath.pathway.decision import PatientDecision, decide
from tacepath.pathway.followup import followup
from tacepath.pathway.pathway import NEGATIVE_LABEL
from tacepath.report.summaries import render_mdt_summary, render_patient_summary
from tests.cases import ROOT, VIGNETTES, case_id, decision_cases

EXAMPLES = ROOT / "examples"
TIMELINES = EXAMPLES / "timelines"

#: Snapshot files with the timeline of the same patient (or none).
FILE_CASES = [
    (EXAMPLES / "pathway" / "P003_snapshot.json", TIMELINES / "P003_untaceable_intrahepatic.json"),
    (VIGNETTES / "v11_p007_jsh_refractory.json", TIMELINES / "P007_jsh_refractory.json"),
    (VIGNETTES / "v13_p008_deceased.json", TIMELINES / "P008_death_without_progression.json"),
    (VIGNETTES / "v12_tace_failure_recorded.json", None),
    (EXAMPLES / "pathway" / "untreated_varices.json", None),
    (EXAMPLES / "pathway" / "intermediate_candidate.json", None),
]


def _cli(*args: str) -> Any:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _h3(html: str) -> set[str]:
    return {
        x.replace("&#43;", "+").replace("&amp;", "&") for x in re.findall(r"<h3>(.*?)</h3>", html)
    }


def _first_page_options(html: str) -> list[str]:
    page = html.split('id="appendix"')[0].split("Options</h2>")[1].split("</table>")[0]
    return [
        x.replace("&#43;", "+").replace("&amp;", "&")
        for x in re.findall(r"<tr>\s*<td>(.*?)(?:<br>|</td>)", page)
    ]


@pytest.mark.parametrize(("patient_file", "timeline_file"), FILE_CASES, ids=lambda p: p and p.name)
def test_every_command_renders_the_one_decision(
    patient_file: Path, timeline_file: Path | None
) -> None:
    patient = parse_patient(json.loads(patient_file.read_text()))
    timeline = load_timelines(timeline_file)[0] if timeline_file else None
    d = decide(patient, timeline=timeline, regimen="tactics" if timeline else None)
    tl = ["--timeline", timeline_file] if timeline_file else []
    assert d.pathway is not None
    assert _cli("pathway", patient_file, "--json", *tl) == d.pathway.to_dict()
    regimen = ["--regimen", "tactics"] if timeline_file else []
    assert _cli("decision", patient_file, *tl, *regimen) == d.to_dict()
    matched = _cli("match", patient_file, "--json", *tl)
    assert matched["trials"] == [m.to_dict() for m in d.matches]
    assert matched["deceased"] == (d.state.deceased.isoformat() if d.state.deceased else None)
    offered = {r.label for r in d.options}
    assert _h3(render_patient_summary(d)) == offered
    assert set(_first_page_options(render_mdt_summary(d))) == offered
    if timeline is None or timeline_file is None:
        return
    assert d.followup is not None
    got = _cli(
        "followup", timeline_file, "--regimen", "tactics", "--patient", patient_file, "--json"
    )
    assert got == d.followup.to_dict()
    if d.plan is not None:
        taces = ",".join(s.date.isoformat() for s in timeline.tace_sessions)
        plan = _cli(
            "schedule", "--regimen", "tactics", "--start", timeline.start_date.isoformat(),
            *(["--tace-dates", taces] if taces else []),
            "--patient", patient_file, "--timeline", timeline_file, "--json",
        )  # fmt: skip
        assert plan == d.plan.to_dict()


def _v12_on(timeline_file: str) -> tuple[PatientSnapshot, Timeline]:
    """V12 (JSH refractoriness recorded in the history on 2026-04-13) with a timeline that
    shows no failure by itself."""
    raw = json.loads((VIGNETTES / "v12_tace_failure_recorded.json").read_text())
    tl = load_timelines(TIMELINES / timeline_file)[0]
    return parse_patient({**raw, "id": tl.id}), tl


def test_a_failure_recorded_in_the_history_ends_tace_in_followup_and_plan() -> None:
    patient, tl = _v12_on("P002_complete_response.json")
    assert followup(tl, "tactics").decision != "tace-failure"  # the timeline alone: no failure
    d = decide(patient, timeline=tl, regimen="tactics")
    assert d.followup is not None
    assert d.followup.decision == "tace-failure"
    assert d.followup.reasons[1].startswith(
        "TACE failure (refractoriness, JSH-LCSGJ criteria) on 2026-04-13: recorded in the "
        "patient history"
    )
    assert "stop TACE" in d.followup.next_steps
    assert d.plan is not None
    assert d.plan.stopped is not None
    assert d.plan.until == dt.date(2026, 4, 13)
    assert not [e for e in d.plan.events if e.kind == "tace" and e.date >= dt.date(2026, 4, 13)]
    assert not [r for r in d.options if "tace" in r.components]


def test_a_failure_recorded_after_the_last_imaging_still_ends_tace() -> None:
    """The failure is recorded on 2026-04-13, after the last imaging (2026-03-30): the decision
    is taken now, and TACE is not proposed again (before: "continue")."""
    patient, tl = _v12_on("P002_complete_response.json")
    early = tl.model_copy(update={"assessments": tl.assessments[:2]})
    assert early.assessments[-1].date < dt.date(2026, 4, 13)
    assert followup(early, "tactics").decision != "tace-failure"
    d = decide(patient, timeline=early, regimen="tactics")
    assert d.followup is not None
    assert d.followup.decision == "tace-failure"
    assert "stop TACE" in d.followup.next_steps


def test_an_undated_failure_leaves_no_tace_plan() -> None:
    patient, tl = _v12_on("P002_complete_response.json")
    history = patient.history.model_copy(update={"tace_failure": None})  # type: ignore[union-attr]
    d = decide(
        patient.model_copy(update={"history": history}),
        timeline=tl,
        regimen="tactics",
        tace_failure="jsh_refractoriness",
    )
    assert d.plan is None
    assert d.plan_note.startswith("TACE failure (refractoriness, JSH-LCSGJ criteria): TACE is")
    assert d.followup is not None
    assert d.followup.decision == "tace-failure"


def test_a_death_recorded_outside_a_timeline_ends_everything() -> None:
    patient = parse_patient(
        json.loads((EXAMPLES / "pathway" / "intermediate_candidate.json").read_text())
    )
    alive = decide(patient, regimen="tactics", start=dt.date(2026, 12, 1))
    assert alive.options
    assert alive.matches
    assert alive.plan is not None
    d = decide(patient, regimen="tactics", start=dt.date(2026, 12, 1), died=dt.date(2026, 12, 3))
    assert d.options == ()
    assert d.matches == ()
    assert d.plan is None
    assert d.plan_note == "deceased on 2026-12-03: no plan."
    assert d.pathway is not None
    assert {r.status for r in d.pathway.regimens} == {"not_eligible"}
    assert "deceased on 2026-12-03" in render_mdt_summary(d)
    assert "died on 2026-12-03" in render_patient_summary(d)


def test_decide_refuses_a_timeline_of_another_patient() -> None:
    patient = parse_patient(json.loads((EXAMPLES / "pathway" / "P003_snapshot.json").read_text()))
    tl = load_timelines(TIMELINES / "P002_complete_response.json")[0]
    from tacepath.errors import InputError

    with pytest.raises(InputError, match=r"timeline\.id"):
        decide(patient, timeline=tl)


@pytest.mark.parametrize(("patient", "timeline"), decision_cases(), ids=case_id)
def test_a_negative_comparison_is_never_above_tace_alone_and_always_labelled(
    patient: PatientSnapshot, timeline: Timeline | None
) -> None:
    d = decide(patient, timeline=timeline)
    assert d.pathway is not None
    ids = [r.id for r in d.pathway.regimens]
    negative = [r for r in d.pathway.regimens if r.comparison == "negative"]
    assert [r.id for r in negative] == ["tace-durvalumab"]  # EMERALD-1's arm without bevacizumab
    for r in negative:
        assert ids.index(r.id) > ids.index("tace-alone")
        assert r.to_dict()["labels"] == [NEGATIVE_LABEL]
    mdt = render_mdt_summary(d)
    assert mdt.count(NEGATIVE_LABEL) >= 1


def test_the_cli_table_labels_a_negative_comparison() -> None:
    r = CliRunner().invoke(
        app, ["pathway", str(EXAMPLES / "pathway" / "intermediate_candidate.json")],
        env={"COLUMNS": "1000"},
    )  # fmt: skip
    assert r.exit_code == 0
    assert f"TACE + durvalumab without bevacizumab (EMERALD-1) ({NEGATIVE_LABEL})" in r.stdout


def _decision_cases() -> list[PatientDecision]:
    return [
        decide(p, timeline=t, regimen="tactics" if t is not None else None)
        for p, t in decision_cases()
    ]


def test_the_mdt_summary_fits_one_a4_page_before_its_appendix() -> None:
    pytest.importorskip("weasyprint")
    from tacepath.report.summaries import pdf_pages

    for d in _decision_cases():
        pages = pdf_pages(render_mdt_summary(d))
        ends = [i for i, anchors in enumerate(pages) if "summary-end" in anchors]
        starts = [i for i, anchors in enumerate(pages) if "appendix-start" in anchors]
        assert (ends, starts) == ([0], [1]), f"{d.id}: the summary ends on page {ends}"
