"""MDT and patient summaries: what they show, with sources; PDF printing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.cli.response import load_timelines
from tacepath.domain.patient import parse_patient
from tacepath.pathway.pathway import pathway
from tacepath.report.summaries import mdt_summary_html, patient_summary_html, write_pdf

ROOT = Path(__file__).resolve().parents[2]
PATHWAY = ROOT / "examples" / "pathway"
HERE_VIGNETTES = ROOT / "tests" / "pathway" / "vignettes"
P003 = ROOT / "examples" / "timelines" / "P003_untaceable_intrahepatic.json"


def _patient(name: str):  # type: ignore[no-untyped-def]
    return parse_patient(json.loads((PATHWAY / f"{name}.json").read_text()))


def test_mdt_summary_shows_options_evidence_conflicts_and_sources() -> None:
    html = mdt_summary_html(_patient("intermediate_candidate"))
    assert "MDT case summary: patient PW01" in html
    assert "TACE + sorafenib (TACTICS sequence)" in html
    assert "0.661 (95% CI 0.466–0.938)" in html  # updated TACE-specific PFS, final analysis
    assert "0.861 (95% CI 0.607–1.223)" in html  # final OS: shown, not only the positive result
    assert "⚠ TACTICS C1" in html
    assert "doi:10.1159/000522547" in html
    assert "EMERALD-3" in html  # trial matching
    assert "does not replace the MDT" in html


def test_a_caution_reaches_the_mdt_questions_and_the_patient_checks() -> None:
    """A relative contraindication (caution) is an MDT question, not a pass or a fail."""
    raw = json.loads((PATHWAY / "intermediate_candidate.json").read_text())
    raw["history"]["varices"] = "high-risk-untreated"
    p = parse_patient(raw)
    html = mdt_summary_html(p)
    q = "High-risk varices, untreated: a relative contraindication to TACE. Treat them first?"
    first_page, appendix = html.split('id="appendix"')
    assert q in appendix.split("C. Questions for the MDT")[1]
    assert "Oesophageal varices at high risk of bleeding" in first_page.split("Questions")[-1]
    tace = pathway(p).regimen("tace-alone")
    assert tace.status == "needs_information"
    assert [c.result for c in tace.criteria if c.rule == "tace-varices"] == ["caution"]
    patient = patient_summary_html(p)
    options = patient.split("Options that do not fit")[0]
    assert "TACE alone (on-demand)" in options
    assert "swollen veins in the food pipe (varices) that could bleed" in options
    assert "Treating the swollen veins in the food pipe (varices) first" in patient


def test_mdt_summary_with_a_failed_tace_course() -> None:
    (tl,) = load_timelines(P003)
    html = mdt_summary_html(_patient("P003_snapshot"), timeline=tl, regimen="tactics")
    assert "data:image/png;base64," in html  # the course plot
    assert "Decision at the latest visit: tace-failure" in html
    assert "TACE failure (unTACEable progression, TACTICS) on 2026-06-29" in html


def test_tace_failure_makes_tace_regimens_not_eligible() -> None:
    res = pathway(_patient("intermediate_candidate"), tace_failure="unTACEable progression")
    for r in res.regimens:
        if r.kind == "systemic":
            assert r.status != "not_eligible"
        else:
            assert r.status == "not_eligible"


def test_timeline_of_another_patient_is_refused() -> None:
    (tl,) = load_timelines(P003)
    from tacepath.errors import InputError

    with pytest.raises(InputError, match=r"timeline\.id"):
        mdt_summary_html(_patient("intermediate_candidate"), timeline=tl)


def test_patient_summary_is_plain_and_cited() -> None:
    html = patient_summary_html(_patient("intermediate_candidate"))
    assert "It does not replace them." in html
    assert "half of the patients were still alive after 36.2 months" in html  # TACTICS final OS
    assert "The trial could not show a clear difference." in html
    assert "Liver Cancer 2022" in html  # the source named next to the number
    finding = html.split("In the TACTICS trial, half of the patients")[1].split("</li>")[0]
    assert "HR" not in finding  # the plain-language findings give medians, not hazard ratios


def test_pdf_is_printed(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    out = write_pdf(patient_summary_html(_patient("untreated_varices")), tmp_path / "p.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "mdt.html"
    r = CliRunner().invoke(
        app,
        ["summary", "mdt", str(PATHWAY / "P003_snapshot.json"), "--timeline", str(P003),
         "--regimen", "tactics", "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    r = CliRunner().invoke(
        app,
        [
            "summary",
            "patient",
            str(PATHWAY / "P003_snapshot.json"),
            "--out",
            str(tmp_path / "x.txt"),
        ],
    )
    assert r.exit_code == 2
    assert "a file ending in .html" in r.stderr


@pytest.mark.parametrize("render", [mdt_summary_html, patient_summary_html])
def test_stylesheet_is_not_html_escaped(render) -> None:  # type: ignore[no-untyped-def]
    # An escaped quote (&#34;) inside <style> makes browsers and WeasyPrint drop the rule.
    style = render(_patient("intermediate_candidate")).split("<style>")[1].split("</style>")[0]
    assert 'font-family: "DejaVu Sans"' in style
    assert "&#34;" not in style
    assert "&quot;" not in style


def test_a_unit_slip_warning_is_on_the_mdt_summarys_first_page() -> None:
    """V10b: diameters 4.5, 3.2, 2.1 mm look like centimetres; the staging uses them as mm."""
    from tacepath.domain.patient import parse_patient

    raw = json.loads((HERE_VIGNETTES / "v10_diameters_in_cm.json").read_text())
    html = mdt_summary_html(parse_patient(raw))
    first = html.split('id="appendix"')[0]
    assert "Check the input:" in first
    assert "tumours[0].diameter_mm = 4.5: under 10 mm" in first
