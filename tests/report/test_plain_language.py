"""The patient summary is plain language: no command-line text, paths, internal words or
unexplained abbreviations; its reading level is measured and stored in its metadata; it says
what could open more options.

Before: the summary carried ``tacepath ...`` commands, file paths, "the seed page", BICR,
irAE and ``history.*`` field names.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tacepath.domain.patient import PatientSnapshot, parse_patient
from tacepath.domain.timeline import Timeline
from tacepath.evidence.registry import registry
from tacepath.pathway.decision import decide
from tacepath.report import plain
from tacepath.report.summaries import render_patient_summary
from tests.cases import ROOT, case_id, decision_cases

#: What a patient must never read, not even in a source note (command lines, paths, field
#: names, internal words).
FORBIDDEN = [
    r"tacepath\s+\w",
    r"--[a-z]",
    r"\.(json|ya?ml|csv|html|pdf|txt)\b",
    r"\w/\w+/",
    r"\bhistory\.",
    r"\w_\w",
    r"\bseed\b",
]
#: ... and what the prose never says (the source notes cite papers in their own words).
FORBIDDEN_IN_PROSE = [
    r"\bBICR\b",
    r"\birAE\b",
    r"\bneeds information\b",
    r"\bnot eligible\b",
    r"\bECOG\b",
    r"\bHR\b",
    r"\bCI\b",
    r"\bPFS\b",
    r"\bmRECIST\b",
]


def _allowed_capitals() -> set[str]:
    """Trial names (the registry's ids and names) may stand as names."""
    names = set()
    for t in registry():
        names |= {t.id, *re.findall(r"[A-Z][A-Z0-9-]+", t.name)}
    return names


@pytest.mark.parametrize(("patient", "timeline"), decision_cases(), ids=case_id)
def test_the_patient_summary_is_plain(patient: PatientSnapshot, timeline: Timeline | None) -> None:
    html = render_patient_summary(decide(patient, timeline=timeline))
    text = re.sub(r"https?://\S+", "", plain.visible_text(html))  # sources may link
    for pattern in FORBIDDEN:
        assert not re.search(pattern, text), (pattern, re.search(pattern, text))
    prose = plain.visible_text(html, skip_sources=True)
    for pattern in FORBIDDEN_IN_PROSE:
        assert not re.search(pattern, prose), (pattern, re.search(pattern, prose))
    explained = plain.abbreviations()
    allowed = _allowed_capitals()
    for token in set(re.findall(r"\b[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)*\b", prose)):
        if token in allowed or token == patient.id:
            continue
        assert token in explained, f"unexplained abbreviation {token!r}"
        assert explained[token] in prose, f"{token} used without its explanation"
    grade = re.search(r'<meta name="reading-grade-level" content="(-?[0-9.]+)">', html)
    assert grade is not None
    assert float(grade.group(1)) == plain.reading_level(prose).grade
    assert float(grade.group(1)) <= 9.0  # the target is about school grade 8


def test_untreated_varices_say_what_could_open_more_options() -> None:
    """Vignette PW02: high-risk varices untreated: treating them is what could open options."""
    p = parse_patient(json.loads((ROOT / "examples/pathway/untreated_varices.json").read_text()))
    html = render_patient_summary(decide(p))
    opens = html.split("What could open more options")[1].split("</ul>")[0]
    assert "Treating the swollen veins in the food pipe (varices) first" in opens
    treated = p.model_copy(
        update={"history": p.history.model_copy(update={"varices": "treated"})}  # type: ignore[union-attr]
    )
    assert "Treating the swollen veins" not in render_patient_summary(decide(treated))


def test_flesch_kincaid_grade_of_known_sentences() -> None:
    """0.39 × words/sentence + 11.8 × syllables/word − 15.59 (Kincaid et al. 1975)."""
    r = plain.reading_level("The cat sat on the mat.")  # 6 words, 6 syllables, 1 sentence
    assert (r.words, r.sentences) == (6, 1)
    assert r.grade == pytest.approx(0.39 * 6 + 11.8 * 1 - 15.59, abs=0.051)
    text = "Treatment options were considered. Hepatocellular carcinoma is a liver cancer."
    r = plain.reading_level(text)
    syl = [plain.syllables(w) for w in re.findall(r"[A-Za-z]+", text)]
    # CMU dictionary; "hepatocellular" (he-pa-to-cel-lu-lar) is not in it: Pyphen's 5 points
    assert syl == [2, 2, 1, 3, 6, 4, 1, 1, 2, 2]
    assert r.grade == pytest.approx(0.39 * 10 / 2 + 11.8 * 24 / 10 - 15.59, abs=0.051)


def test_a_text_without_words_has_no_reading_level() -> None:
    with pytest.raises(ValueError, match="no words"):
        plain.reading_level("— 12 · 3.5 —")


@given(st.lists(st.sampled_from(["the", "cat", "sat", "on", "mat", "liver"]), min_size=1))
def test_longer_sentences_never_read_easier(words: list[str]) -> None:
    """Adding a word of at least average syllables to a sentence never lowers the grade."""
    one = " ".join(words) + "."
    longer = " ".join([*words, "liver"]) + "."
    assert plain.reading_level(longer).grade >= plain.reading_level(one).grade - 0.05
