"""Letter bodies an organisation edits: only outputs of the letter's values and the
decision's pieces, each required piece placed, rendered in the sandbox with escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.cli.response import load_timelines
from tacepath.domain.patient import parse_patient
from tacepath.errors import InputError
from tacepath.pathway.decision import decide
from tacepath.pathway.model import catalogue
from tacepath.report.letter_templates import MAX_BODY_CHARS, check_body, render_body
from tacepath.report.letters import Party, referral_letter, teams
from tests.cases import ROOT, VIGNETTES

EXAMPLES = ROOT / "examples"
VALUES = {
    "patient": "P1",
    "record_date": "2026-12-01",
    "date": "2026-12-06",
    "request": "assessment",
    "team": "Oncology",
    "sender": {"name": "<b>N</b>", "organisation": "Hospital A"},
    "addressee": {"name": "", "organisation": ""},
}


def test_every_default_body_places_what_its_letter_needs() -> None:
    for team_id, team in teams().items():
        assert check_body(team.template, team.requires), team_id
        assert set(team.requires) >= {"failure"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{% for i in range(9) %}x{% endfor %}{{ pieces.failure }}", "a For block"),
        ("{{ 7 * 7 }}{{ pieces.failure }}", "a Mul expression"),
        ("{{ ''.__class__ }}{{ pieces.failure }}", "a Getattr expression"),
        ("{{ pieces.failure|upper }}", "inside an expression"),
        ("{{ lipsum() }}{{ pieces.failure }}", "a Call expression"),
        ("{% set x = 1 %}{{ pieces.failure }}", "a Assign block"),
        ("{% if sender.name %}{{ pieces.failure }}{% endif %}", "a If block"),
        ("{{ pieces.failure if patient else '' }}", "a CondExpr expression"),
        ("{{ sender.password }}{{ pieces.failure }}", "the name sender.password"),
        ("{{ cycler }}{{ pieces.failure }}", "the name 'cycler'"),
        ("{{ pieces.nope }}{{ pieces.failure }}", "the piece 'nope'"),
        ("{{ patient|safe }}{{ pieces.failure }}", "the filter 'safe'"),
        ("{{ patient|truncate(3) }}{{ pieces.failure }}", "the filter 'truncate'"),
        ('<img src="http://10.0.0.1/x">{{ pieces.failure }}', "<img with attributes>"),
        ('<a href="{{ patient }}">x</a>{{ pieces.failure }}', "<a with attributes>"),
        ("<p {{ patient }}>x</p>{{ pieces.failure }}", "<p with attributes>"),
        ("<script>alert(1)</script>{{ pieces.failure }}", "<script>"),
        ("<!-- hidden -->{{ pieces.failure }}", "an HTML comment"),
        ('<p>x</p><img src="{{ pieces.failure }}', "an unfinished tag"),
        ("Hello {{ patient", "line 1"),
        ("Hello", "a body without {{ pieces.failure }}"),
        ("", "nothing"),
        ("x" * (MAX_BODY_CHARS + 1), f"{MAX_BODY_CHARS + 1} characters"),
    ],
)
def test_a_body_that_could_compute_or_hide_a_piece_is_refused(body: str, problem: str) -> None:
    with pytest.raises(InputError) as err:
        check_body(body, ("failure",))
    p = err.value.problems[0]
    assert p.field == "template"
    assert problem in str(p.value)


def test_values_are_escaped_and_pieces_are_placed_as_rendered() -> None:
    body = "<p>{{ sender.name or 'x' }} / {{ addressee.name or 'colleagues' }}</p>"
    body += "{{ pieces.failure }}"
    out = render_body(body, ("failure",), VALUES, {"failure": "<div>F</div>"})
    assert out == "<p>&lt;b&gt;N&lt;/b&gt; / colleagues</p><div>F</div>"


_PLAIN = st.text(
    alphabet=st.characters(blacklist_characters="{}%#<\x00", blacklist_categories=("Cs",)),
    max_size=300,
)


@settings(max_examples=80, deadline=None)
@given(_PLAIN, _PLAIN)
def test_text_around_the_pieces_is_kept_as_written(before: str, after: str) -> None:
    body = before + "{{ pieces.failure }}" + after + "{{ pieces.plan }}"
    if not body.strip():
        return
    pieces = {"failure": "<b>F</b>", "plan": "<table>P</table>"}
    out = render_body(body, ("failure", "plan"), VALUES, pieces)
    expected = before + "<b>F</b>" + after + "<table>P</table>"
    expected = expected.replace("\r\n", "\n").replace("\r", "\n").strip()  # Jinja's newlines
    assert out.strip() == expected


def test_an_organisation_body_keeps_the_decisions_failure_banner() -> None:
    patient = parse_patient(json.loads((VIGNETTES / "v11_p007_jsh_refractory.json").read_text()))
    tl = load_timelines(EXAMPLES / "timelines" / "P007_jsh_refractory.json")[0]
    d = decide(patient, timeline=tl, regimen="tace-sorafenib")
    body = (
        "<p>Hello from {{ sender.organisation|upper }}.</p>{{ pieces.failure }}"
        "{{ pieces.key_values }}{{ pieces.followup }}{{ pieces.options }}{{ pieces.missing }}"
    )
    html = referral_letter(
        d, "oncology", sender=Party("N", "Hospital A"), body=body, body_version="version 3"
    )
    assert "Hello from HOSPITAL A." in html
    assert d.state.tace_failure is not None
    assert f"{d.state.tace_failure.text}. TACE is not repeated." in html
    assert "letter template version 3" in html
    with pytest.raises(InputError, match="a team other than TACE"):
        referral_letter(d, "interventional-radiology", sender=Party("N", "A"), body=body)


def test_the_family_doctor_letter_lists_the_plan_dates_and_refuses_without_a_plan() -> None:
    snap = json.loads((EXAMPLES / "pathway" / "intermediate_candidate.json").read_text())
    tl = load_timelines(EXAMPLES / "timelines" / "P002_complete_response.json")[0]
    patient = parse_patient({**snap, "id": tl.id})
    d = decide(patient, timeline=tl, regimen="tace-sorafenib")
    assert d.plan is not None
    html = referral_letter(d, "family-doctor", sender=Party("N", "Hospital A"))
    assert "Treatment plan: patient P002" in html
    for e in d.plan.events:
        assert f"<tr><td>{e.date.isoformat()}" in html
    label = next(r.label for r in catalogue().regimens if r.id == "tace-sorafenib")
    assert f"Treatment: <b>{label}</b>, from {d.plan.start.isoformat()}" in html
    for source in {e.source for e in d.plan.events}:
        assert f"<li>{source}</li>" in html.replace("&#39;", "'")
    no_plan = decide(patient)
    with pytest.raises(InputError, match="a decision with a dated plan"):
        referral_letter(no_plan, "family-doctor", sender=Party("N", "A"))


def test_the_docx_letter_carries_the_letters_text_and_tables() -> None:
    docx = pytest.importorskip("docx")
    import io

    from tacepath.report.letter_docx import letter_docx

    snap = json.loads((EXAMPLES / "pathway" / "intermediate_candidate.json").read_text())
    tl = load_timelines(EXAMPLES / "timelines" / "P002_complete_response.json")[0]
    d = decide(parse_patient({**snap, "id": tl.id}), timeline=tl, regimen="tace-sorafenib")
    assert d.plan is not None
    html = referral_letter(d, "family-doctor", sender=Party("N. Navigator", "Hospital A"))
    doc = docx.Document(io.BytesIO(letter_docx(html, title="Plan")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Treatment plan: patient P002" in text
    assert "Dear colleague," in text
    (table,) = doc.tables
    assert len(table.rows) == 1 + len(d.plan.events)
    assert [r.cells[0].text for r in table.rows[1:]] == [
        e.date.isoformat() + (f" to {e.window_end.isoformat()}" if e.window_end else "")
        for e in d.plan.events
    ]
    assert doc.core_properties.title == "Plan"


def test_the_command_line_writes_the_family_doctor_letter_as_docx(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    from typer.testing import CliRunner

    from tacepath.cli import app

    snap = json.loads((EXAMPLES / "pathway" / "intermediate_candidate.json").read_text())
    patient_file = tmp_path / "p.json"
    patient_file.write_text(json.dumps({**snap, "id": "P002"}))
    out, word = tmp_path / "l.html", tmp_path / "l.docx"
    args = [
        "letter", str(patient_file), "--timeline",
        str(EXAMPLES / "timelines" / "P002_complete_response.json"),
        "--regimen", "tace-sorafenib", "--to", "family-doctor",
        "--from-organisation", "Hospital A", "--out", str(out), "--docx", str(word),
    ]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert f"and {word}" in r.output
    doc = docx.Document(str(word))
    assert doc.paragraphs[0].text.startswith("From")
    assert "Treatment plan: patient P002" in "\n".join(p.text for p in doc.paragraphs)
    assert "Treatment plan: patient P002" in out.read_text()
