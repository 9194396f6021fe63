"""The CTCAE v5.0 catalogue as data: the model of ``ctcae_v5.yaml``, read and checked on load.

Each verified term with its grading method, scales of bands and descriptors (each with its
source); the terms the reference marks UNVERIFIED; names that are not CTCAE terms; the
conventions. Aliases must name one term only and every source id must exist.
:mod:`tacepath.pathway.ctcae` grades with it (see there for the references).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.units import ANALYTES
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.evidence.model import Source

__all__ = [
    "ADL_LEVELS",
    "CTCAE_FILE",
    "Adl",
    "Band",
    "Bound",
    "Convention",
    "Ctcae",
    "Descriptor",
    "Method",
    "NotATerm",
    "Quantity",
    "Scale",
    "Term",
    "UnverifiedTerm",
    "closest_names",
    "ctcae",
    "load_ctcae",
    "term_key",
    "unknown_name_text",
]

CTCAE_FILE = Path(__file__).resolve().parent / "ctcae_v5.yaml"

Method = Literal[
    "uln_or_abnormal_baseline",
    "uln_and_baseline",
    "uln_symptoms",
    "inr",
    "below_lln",
    "blood_pressure",
    "stools_adl",
    "adl_descriptor",
]
Quantity = Literal["x_uln", "x_baseline", "value", "systolic", "diastolic", "stools_over_baseline"]
Adl = Literal["none", "instrumental", "self-care"]
#: The ADL descriptor vocabulary: no limitation, limiting instrumental ADL, limiting self-care ADL.
ADL_LEVELS: tuple[Adl, ...] = ("none", "instrumental", "self-care")
Bound = float | Literal["LLN"]

#: Scales each method reads (``below_lln`` reads one scale per accepted unit).
_METHOD_SCALES: dict[str, frozenset[str]] = {
    "uln_or_abnormal_baseline": frozenset({"uln", "baseline"}),
    "uln_and_baseline": frozenset({"uln", "baseline"}),
    "uln_symptoms": frozenset({"uln"}),
    "inr": frozenset({"off_anticoagulation", "on_anticoagulation"}),
    "blood_pressure": frozenset({"systolic", "diastolic"}),
    "stools_adl": frozenset({"stools"}),
    "adl_descriptor": frozenset(),
}


class Band(_Frozen):
    """One grade band: bounds as CTCAE writes them, the band's text and source.

    ``gt``/``ge``/``lt``/``le`` are the bounds (``"LLN"`` = the lab's lower limit of
    normal); on ``x_uln``/``x_baseline`` scales they are multiples of the reference value.
    ``symptomatic`` restricts the band to (a)symptomatic patients (lipase, amylase).
    """

    grade: int = Field(ge=1, le=5)
    gt: Bound | None = None
    ge: Bound | None = None
    lt: Bound | None = None
    le: Bound | None = None
    symptomatic: bool | None = None
    text: str
    source: str

    @model_validator(mode="after")
    def _bounds(self) -> Band:
        if self.gt is not None and self.ge is not None:
            raise ValueError("a band has either gt or ge, not both")
        if self.lt is not None and self.le is not None:
            raise ValueError("a band has either lt or le, not both")
        if all(b is None for b in (self.gt, self.ge, self.lt, self.le)):
            raise ValueError("a band needs at least one bound")
        return self


class Scale(_Frozen):
    """A set of bands over one quantity (×ULN, ×baseline, a value in a unit, mm Hg...)."""

    quantity: Quantity
    unit: str | None = None
    when: str
    bands: tuple[Band, ...] = Field(min_length=1)


class Descriptor(_Frozen):
    """A clinical-descriptor band: the ADL limitation and/or pain that define a grade."""

    grade: int = Field(ge=1, le=5)
    adl: Adl | None = None
    pain: bool | None = None
    text: str
    source: str


class Term(_Frozen):
    """A graded CTCAE term: aliases, how it is graded (``method``) and its bands."""

    term: str
    aliases: tuple[str, ...] = ()
    kind: Literal["lab", "clinical"]
    direction: Literal["increasing", "decreasing", "descriptor"]
    method: Method
    max_grade: int = Field(ge=1, le=5)
    units: tuple[str, ...] = ()
    analyte: str | None = None
    analyte_factors: dict[str, float] = Field(default_factory=dict)
    scales: dict[str, Scale] = Field(default_factory=dict)
    descriptors: tuple[Descriptor, ...] = ()
    clinical_grades: str | None = None
    notes: tuple[str, ...] = ()
    source: str
    also: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _shape(self) -> Term:
        if self.method == "below_lln":
            if not self.units or set(self.units) != set(self.scales):
                raise ValueError(f"{self.term}: below_lln needs one scale per unit in `units`")
        elif set(self.scales) != _METHOD_SCALES[self.method]:
            raise ValueError(
                f"{self.term}: method {self.method} needs scales "
                f"{sorted(_METHOD_SCALES[self.method])}"
            )
        if self.method in ("stools_adl", "adl_descriptor") and not self.descriptors:
            raise ValueError(f"{self.term}: method {self.method} needs descriptors")
        if self.analyte is not None and self.analyte not in ANALYTES:
            raise ValueError(f"{self.term}: unknown analyte {self.analyte!r}")
        grades = [b.grade for s in self.scales.values() for b in s.bands]
        grades += [d.grade for d in self.descriptors]
        if grades and max(grades) > self.max_grade:
            raise ValueError(f"{self.term}: a band exceeds max_grade {self.max_grade}")
        return self


class UnverifiedTerm(_Frozen):
    """A term whose CTCAE v5.0 grade text the reference could not verify (not graded)."""

    term: str
    aliases: tuple[str, ...] = ()
    note: str | None = None


class NotATerm(_Frozen):
    """A name clinicians use that is not a CTCAE v5.0 term (e.g. post-embolization syndrome)."""

    name: str
    aliases: tuple[str, ...] = ()
    note: str


class Convention(_Frozen):
    text: str
    source: str


class Ctcae(_Frozen):
    """The CTCAE v5.0 terms tacepath grades, the unverified ones, and their sources."""

    version: str
    published: str
    sources: tuple[Source, ...] = Field(min_length=1)
    conventions: tuple[Convention, ...] = ()
    terms: tuple[Term, ...] = Field(min_length=1)
    unverified: tuple[UnverifiedTerm, ...] = ()
    not_terms: tuple[NotATerm, ...] = ()

    def source(self, source_id: str) -> Source:
        """The source with this id (ids are checked on load)."""
        return next(s for s in self.sources if s.id == source_id)

    def lookup(self, name: str) -> Term | UnverifiedTerm | NotATerm | None:
        """The entry a term name or alias refers to (case-, space- and hyphen-insensitive)."""
        return _index(self).get(term_key(name))

    def term(self, name: str) -> Term:
        """The graded term for ``name``; unverified, non-CTCAE and unknown names are refused."""
        found = self.lookup(name)
        if isinstance(found, Term):
            return found
        if isinstance(found, UnverifiedTerm):
            raise InputError(
                "term",
                name,
                f"a graded term: the CTCAE v5.0 grade text for {found.term!r} is not verified "
                "in the reference (§0.2), so tacepath does not grade it",
            )
        if isinstance(found, NotATerm):
            raise InputError("term", name, f"a CTCAE v5.0 term: {found.name!r} is {found.note}")
        spellings = [(n, t.term) for t in self.terms for n in (t.term, *t.aliases)]
        raise InputError(
            "term", name, unknown_name_text("a graded CTCAE v5.0 term", name, spellings)
        )


def term_key(name: str) -> str:
    """A term or event name as compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def closest_names(name: str, spellings: Iterable[tuple[str, str]], n: int = 3) -> list[str]:
    """Up to ``n`` names closest to ``name``: ``spellings`` pairs each spelling (a name or an
    alias) with the name it stands for. A spelling sharing a word with ``name`` comes first,
    then those alike by :func:`difflib.get_close_matches` (on :func:`term_key`)."""
    pairs = list(spellings)
    key = term_key(name)
    words = {w for w in re.findall(r"[a-z0-9]+", name.casefold()) if len(w) >= 3}

    def shared(spelling: str) -> int:
        return len(words & set(re.findall(r"[a-z0-9]+", spelling.casefold())))

    def alike(spelling: str) -> float:
        return difflib.SequenceMatcher(None, key, term_key(spelling)).ratio()

    ranked = sorted((p for p in pairs if shared(p[0])), key=lambda p: (-shared(p[0]), -alike(p[0])))
    out = [canonical for _s, canonical in ranked]
    by_key: dict[str, str] = {term_key(s): c for s, c in pairs}
    out += [by_key[k] for k in difflib.get_close_matches(key, list(by_key), 10, 0.6)]
    return list(dict.fromkeys(out))[:n]


def unknown_name_text(what: str, name: str, spellings: Iterable[tuple[str, str]]) -> str:
    """What is allowed instead of an unknown name: ``what``, and a few close names (never
    the whole list)."""
    close = closest_names(name, spellings)
    if not close:
        return f"{what}; no known name is close to this one"
    return f"{what}, such as " + " or ".join(repr(c) for c in close)


_INDEXES: dict[int, dict[str, Term | UnverifiedTerm | NotATerm]] = {}


def _entries(cat: Ctcae) -> Iterable[tuple[str, Term | UnverifiedTerm | NotATerm]]:
    for t in cat.terms:
        yield from ((n, t) for n in (t.term, *t.aliases))
    for u in cat.unverified:
        yield from ((n, u) for n in (u.term, *u.aliases))
    for x in cat.not_terms:
        yield from ((n, x) for n in (x.name, *x.aliases))


def _index(cat: Ctcae) -> dict[str, Term | UnverifiedTerm | NotATerm]:
    idx = _INDEXES.get(id(cat))
    if idx is None:
        idx = {term_key(n): e for n, e in _entries(cat)}
        _INDEXES[id(cat)] = idx
    return idx


def _check(cat: Ctcae) -> list[Problem]:
    problems: list[Problem] = []
    ids = {s.id for s in cat.sources}
    seen: dict[str, str] = {}
    for name, entry in _entries(cat):
        owner = entry.name if isinstance(entry, NotATerm) else entry.term
        k = term_key(name)
        if k in seen and seen[k] != owner:
            problems.append(Problem("alias", name, f"a name of one term only ({seen[k]})"))
        seen[k] = owner
    for c in cat.conventions:
        if c.source not in ids:
            problems.append(Problem("conventions.source", c.source, f"one of {sorted(ids)}"))
    for t in cat.terms:
        refs = [t.source, *t.also]
        refs += [b.source for s in t.scales.values() for b in s.bands]
        refs += [d.source for d in t.descriptors]
        problems += [
            Problem(f"terms[{t.term}].source", r, f"one of {sorted(ids)}")
            for r in refs
            if r not in ids
        ]
    return problems


def load_ctcae(path: Path | None = None) -> Ctcae:
    """Read and check the CTCAE data file (pydantic schema, sources, unique aliases)."""
    file = path or CTCAE_FILE
    cat = read_yaml_model(file, Ctcae)
    problems = _check(cat)
    if problems:
        raise InputErrors(problems)
    return cat


@cache
def ctcae() -> Ctcae:
    """The packaged CTCAE v5.0 data, loaded once (immutable data shipped with tacepath)."""
    return load_ctcae()
