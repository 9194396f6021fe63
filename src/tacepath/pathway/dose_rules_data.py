"""The dose rules as data: the model of ``dose_rules.yaml``, read and checked on load.

Per drug: the dose levels, the label rows by event and grade (each with its source), the
notes, and the vocabulary the rules use (facts, measures, label events that are not CTCAE
terms). Every id a rule refers to is checked against the file and the CTCAE catalogue when the
file is loaded. :mod:`tacepath.pathway.dosing` interprets the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.units import denoise
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.evidence.model import Source
from tacepath.pathway.ctcae_data import (
    Ctcae,
    NotATerm,
    Term,
    UnverifiedTerm,
    ctcae,
    term_key,
    unknown_name_text,
)

__all__ = [
    "ACTIONS",
    "DOSE_RULES_FILE",
    "Action",
    "CitedText",
    "Conflict",
    "DoseChange",
    "DoseRule",
    "DoseRules",
    "Drug",
    "Event",
    "EventNote",
    "Fact",
    "Ladder",
    "Level",
    "Measure",
    "Range",
    "When",
    "dose_rules",
    "load_dose_rules",
    "when_parts",
]

DOSE_RULES_FILE = Path(__file__).resolve().parent / "dose_rules.yaml"

Action = Literal["continue", "interrupt", "withhold", "reduce", "discontinue", "needs-information"]
#: The closed vocabulary of drug actions.
ACTIONS: tuple[Action, ...] = (
    "continue",
    "interrupt",
    "withhold",
    "reduce",
    "discontinue",
    "needs-information",
)
DoseChange = Literal["current", "next", "none"]


class Range(_Frozen):
    """A numeric range as the label writes it (``gt``/``ge`` lower, ``lt``/``le`` upper)."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        if (self.gt is not None and self.ge is not None) or (
            self.lt is not None and self.le is not None
        ):
            raise ValueError("a range has one lower and one upper bound at most")
        if all(b is None for b in (self.gt, self.ge, self.lt, self.le)):
            raise ValueError("a range needs a bound")
        return self

    def contains(self, x: float) -> bool:
        """Whether ``x`` is in the range (values rounded to 10 significant digits)."""
        a = float(denoise(x))
        return (
            (self.gt is None or a > self.gt)
            and (self.ge is None or a >= self.ge)
            and (self.lt is None or a < self.lt)
            and (self.le is None or a <= self.le)
        )


class When(_Frozen):
    """The conditions of a rule; all must hold (``any_of``: at least one of several)."""

    grades: tuple[int, ...] | None = None
    occurrence: Range | None = None
    facts: dict[str, bool] = Field(default_factory=dict)
    measures: dict[str, Range] = Field(default_factory=dict)
    lab: bool | None = None
    any_of: tuple[When, ...] = ()


class DoseRule(_Frozen):
    """One label row: the events and conditions it covers, the action and its source."""

    id: str
    events: tuple[str, ...] = Field(min_length=1)
    drugs: tuple[str, ...] | None = None
    when: When = When()
    action: Action
    resume: str | None = None
    dose: DoseChange
    text: str
    source: str
    also: tuple[str, ...] = ()
    verified: bool = True
    conflict: str | None = None


class Level(_Frozen):
    """A dose level as the label writes it, and spellings accepted for it."""

    dose: str
    aliases: tuple[str, ...] = ()


class Ladder(_Frozen):
    """The dose levels of a drug (from the starting dose down), with their source."""

    id: str
    text: str
    source: str
    also: tuple[str, ...] = ()
    conflict: str | None = None
    weight_kg: Range | None = None
    after_last: Literal["discontinue", "not-stated"]
    levels: tuple[Level, ...] = Field(min_length=1)


class CitedText(_Frozen):
    text: str
    source: str


class EventNote(_Frozen):
    events: tuple[str, ...]
    text: str
    source: str


class Drug(_Frozen):
    """A drug (or a class with ``members``): dose levels, rules, what is not verified."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    member_aliases: dict[str, str] = Field(default_factory=dict)
    reduction: Literal["levels", "none"]
    no_reduction: CitedText | None = None
    ladders: tuple[Ladder, ...] = ()
    uncovered: str
    notes: tuple[CitedText, ...] = ()
    event_notes: tuple[EventNote, ...] = ()
    rules: tuple[DoseRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> Drug:
        if (self.reduction == "levels") != bool(self.ladders):
            raise ValueError(f"{self.id}: reduction 'levels' needs ladders (and only then)")
        if not set(self.member_aliases.values()) <= set(self.members):
            raise ValueError(f"{self.id}: member_aliases must name members")
        if self.reduction == "none" and any(r.dose == "next" for r in self.rules):
            raise ValueError(f"{self.id}: a drug without dose reduction has a 'next' rule")
        return self


class Fact(_Frozen):
    id: str
    question: str
    default: bool | None = None
    default_note: str | None = None


class Measure(_Frozen):
    id: str
    question: str


class Event(_Frozen):
    """A label event that is not a CTCAE term graded here; ``covers`` names its sub-terms."""

    name: str
    aliases: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()


class Conflict(_Frozen):
    id: str
    text: str
    source: str


class DoseRules(_Frozen):
    """All drugs, their rules, and the vocabulary the rules use."""

    sources: tuple[Source, ...] = Field(min_length=1)
    conflicts: tuple[Conflict, ...] = ()
    facts: tuple[Fact, ...] = ()
    measures: tuple[Measure, ...] = ()
    events: tuple[Event, ...] = ()
    drugs: tuple[Drug, ...] = Field(min_length=1)

    def source(self, source_id: str) -> Source:
        """The source with this id (ids are checked on load)."""
        return next(s for s in self.sources if s.id == source_id)

    def conflict(self, conflict_id: str) -> Conflict:
        return next(c for c in self.conflicts if c.id == conflict_id)

    def fact(self, fact_id: str) -> Fact:
        return next(f for f in self.facts if f.id == fact_id)

    def drug(self, name: str) -> tuple[Drug, str | None]:
        """The drug entry for a name, alias or class member, and the member named (if any)."""
        k = term_key(name)
        for d in self.drugs:
            if k in {term_key(n) for n in (d.id, d.label, *d.aliases)}:
                return d, None
            for m in d.members:
                if k == term_key(m):
                    return d, m
            for alias, m in d.member_aliases.items():
                if k == term_key(alias):
                    return d, m
        names = [d.id for d in self.drugs] + [m for d in self.drugs for m in d.members]
        raise InputError("drug", name, "one of " + ", ".join(names))

    def event(self, name: str, cat: Ctcae) -> tuple[str, bool]:
        """The canonical event name and whether it is a CTCAE laboratory term."""
        found = cat.lookup(name)
        if isinstance(found, Term):
            return found.term, found.kind == "lab"
        if isinstance(found, UnverifiedTerm):
            return found.term, False
        if isinstance(found, NotATerm):
            raise InputError("event", name, f"a CTCAE v5.0 term: {found.name!r} is {found.note}")
        k = term_key(name)
        for e in self.events:
            if k in {term_key(n) for n in (e.name, *e.aliases)}:
                return e.name, False
        spellings = [(n, t.term) for t in cat.terms for n in (t.term, *t.aliases)]
        spellings += [(n, u.term) for u in cat.unverified for n in (u.term, *u.aliases)]
        spellings += [(n, e.name) for e in self.events for n in (e.name, *e.aliases)]
        what = "a CTCAE term or a label event"
        raise InputError("event", name, unknown_name_text(what, name, spellings))


def when_parts(w: When) -> Iterable[When]:
    """A rule's condition and every condition nested in it (``any_of``)."""
    yield w
    for sub in w.any_of:
        yield from when_parts(sub)


def _check(rules: DoseRules, cat: Ctcae) -> list[Problem]:
    problems: list[Problem] = []
    src = {s.id for s in rules.sources}
    conflicts = {c.id for c in rules.conflicts}
    facts = {f.id for f in rules.facts}
    measures = {m.id for m in rules.measures}
    names = {t.term for t in cat.terms} | {u.term for u in cat.unverified}
    names |= {e.name for e in rules.events}

    def need(where: str, value: str, pool: set[str]) -> None:
        if value not in pool:
            problems.append(Problem(where, value, f"one of {sorted(pool)}"))

    for c in rules.conflicts:
        need(f"conflicts[{c.id}].source", c.source, src)
    for e in rules.events:
        for covered in e.covers:
            need(f"events[{e.name}].covers", covered, names)
    ids: set[str] = set()
    for d in rules.drugs:
        cited = [("no_reduction", d.no_reduction.source)] if d.no_reduction else []
        cited += [("notes", n.source) for n in d.notes]
        cited += [("event_notes", n.source) for n in d.event_notes]
        for ld in d.ladders:
            cited += [("ladders", s) for s in (ld.source, *ld.also)]
            if ld.conflict:
                need(f"drugs[{d.id}].ladders.conflict", ld.conflict, conflicts)
        for n in d.event_notes:
            for ev in n.events:
                need(f"drugs[{d.id}].event_notes.events", ev, names)
        for r in d.rules:
            if r.id in ids:
                problems.append(Problem("rules.id", r.id, "a unique rule id"))
            ids.add(r.id)
            cited += [(f"rules[{r.id}]", s) for s in (r.source, *r.also)]
            for ev in r.events:
                if ev != "*":
                    need(f"drugs[{d.id}].rules[{r.id}].events", ev, names)
            for m in r.drugs or ():
                need(f"drugs[{d.id}].rules[{r.id}].drugs", m, set(d.members))
            if r.conflict:
                need(f"drugs[{d.id}].rules[{r.id}].conflict", r.conflict, conflicts)
            for w in when_parts(r.when):
                for f in w.facts:
                    need(f"drugs[{d.id}].rules[{r.id}].facts", f, facts)
                for m in w.measures:
                    need(f"drugs[{d.id}].rules[{r.id}].measures", m, measures)
        for where, s in cited:
            need(f"drugs[{d.id}].{where}.source", s, src)
    return problems


def load_dose_rules(path: Path | None = None, cat: Ctcae | None = None) -> DoseRules:
    """Read and check the dose-rule data file (schema, sources, events, vocabulary)."""
    file = path or DOSE_RULES_FILE
    rules = read_yaml_model(file, DoseRules)
    problems = _check(rules, cat or ctcae())
    if problems:
        raise InputErrors(problems)
    return rules


@cache
def dose_rules() -> DoseRules:
    """The packaged dose rules, loaded once (immutable data shipped with tacepath)."""
    return load_dose_rules()
