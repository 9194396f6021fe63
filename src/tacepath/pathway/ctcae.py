"""CTCAE v5.0 grading from values and clinical descriptors.

The grade bands are data (``ctcae_v5.yaml`` in this package, checked on load); this module
interprets them. Only the terms whose grade text the fact-checked reference verifies are
graded; the terms it marks UNVERIFIED are listed in the data file and refused with an
:class:`~tacepath.errors.InputError`. Every result carries the CTCAE version, the band text
applied and its source, so that a clinician can see why a grade was given — and, when the
standard needs something that was not given (the lab's LLN for grade 1 of a count, signs or
symptoms for lipase above 2×ULN, anticoagulation for INR, pain for hand-foot skin reaction),
the grade is ``None`` with the reason and the grades still possible. Nothing is guessed.

References
----------
.. [1] National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE)
   v5.0, 27 Nov 2017; lab-term text as transcribed in pharmaverse/admiral
   ``data-raw/adlb_grading/ncictcaev5.json`` (commit 1df39730).
.. [2] eviQ (Cancer Institute NSW) standard CTCAE pages (hypertension, diarrhoea), citing v5.0.
.. [3] ESMO OncologyPRO, "Hand-foot skin reaction", Table 5 (PPE by CTCAE v5.0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.units import ANALYTES, denoise
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.evidence.model import Source

__all__ = [
    "ADL_LEVELS",
    "CTCAE_FILE",
    "Band",
    "Ctcae",
    "Descriptor",
    "GradeResult",
    "Scale",
    "Term",
    "UnverifiedTerm",
    "ctcae",
    "grade",
    "load_ctcae",
    "term_inputs",
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

#: Inputs each method requires and accepts (anything else given is refused, not ignored).
_METHOD_INPUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uln_or_abnormal_baseline": (("value", "uln"), ("baseline", "unit")),
    "uln_and_baseline": (("value", "uln"), ("baseline", "unit")),
    "uln_symptoms": (("value", "uln"), ("symptomatic", "unit")),
    "inr": (("value",), ("on_anticoagulation", "baseline", "unit")),
    "below_lln": (("value", "unit"), ("lln",)),
    "blood_pressure": (("systolic", "diastolic"), ()),
    "stools_adl": (("stools_over_baseline",), ("adl",)),
    "adl_descriptor": (("adl",), ("pain",)),
}

#: What each missing piece of information is, for the reason of an unassigned grade.
_NEEDED = {
    "lln": "the lab's lower limit of normal (LLN; give lln in the value's unit): without it "
    "grade 1 cannot be assigned",
    "symptomatic": "whether there are signs or symptoms (symptomatic yes/no)",
    "pain": "whether the skin changes are painful (pain yes/no)",
    "on_anticoagulation": "whether the patient is on anticoagulation (on_anticoagulation yes/no)",
    "baseline": "the baseline INR (on anticoagulation the ×baseline bands apply)",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
                "in the reference (§0.2), so tacepath does not grade it "
                "(see `tacepath grade --list`)",
            )
        if isinstance(found, NotATerm):
            raise InputError("term", name, f"a CTCAE v5.0 term: {found.name!r} is {found.note}")
        raise InputError("term", name, "one of " + ", ".join(t.term for t in self.terms))


def term_key(name: str) -> str:
    """A term or event name as compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.casefold())


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


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeResult:
    """A CTCAE grade with the band applied and why.

    Attributes
    ----------
    term : str
        The canonical CTCAE v5.0 term (aliases are resolved).
    grade : int or None
        0 (no band met) to 5; ``None`` when the standard needs information that was not
        given — then ``reason`` says what and ``candidates`` lists the grades still possible.
    ctcae_version : str
        The CTCAE version applied ("5.0"); store it with every graded event.
    rule : str
        The band text applied, as the source prints it, or why no band was met.
    inputs : Mapping[str, object]
        The inputs given (unit normalised).
    measures : Mapping[str, float]
        Derived quantities: ``x_uln`` (value / ULN), ``x_baseline`` (value / baseline).
    source, also : Source
        The source of the band applied and cross-checking sources.
    reason : str or None
        Why the grade could not be assigned.
    candidates : tuple of int
        The grades still possible when ``grade`` is ``None``.
    notes : tuple of str
        Caveats: the reading of the source, what is graded only clinically, assumptions.
    """

    term: str
    grade: int | None
    ctcae_version: str
    rule: str
    inputs: Mapping[str, object]
    measures: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    source: Source
    also: tuple[Source, ...] = ()
    reason: str | None = None
    candidates: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (the ``tacepath grade --json`` contract)."""
        return {
            "term": self.term,
            "grade": self.grade,
            "ctcae_version": self.ctcae_version,
            "rule": self.rule,
            "reason": self.reason,
            "candidates": list(self.candidates),
            "inputs": dict(self.inputs),
            "measures": dict(self.measures),
            "source": self.source.to_dict(),
            "also": [s.to_dict() for s in self.also],
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- band logic

Tri = bool | None  # three-valued: True, False, unknown


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outcome:
    grade: int | None
    text: str
    source: str
    candidates: tuple[int, ...] = ()
    missing: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class _Hit:
    grade: int
    holds: Tri
    missing: frozenset[str]
    text: str
    source: str


def _dn(x: float) -> float:
    return float(denoise(x))


def _compare(x: float, op: str, bound: float) -> bool:
    a, b = _dn(x), _dn(bound)
    if op == "gt":
        return a > b
    if op == "ge":
        return a >= b
    if op == "lt":
        return a < b
    return a <= b


def _band_hit(
    band: Band, x: float, *, ref: float, lln: float | None, symptomatic: bool | None
) -> _Hit:
    """Whether ``x`` lies in ``band`` (True / False / unknown for lack of LLN or symptoms)."""
    missing: set[str] = set()
    for op in ("gt", "ge", "lt", "le"):
        b: Bound | None = getattr(band, op)
        if b is None:
            continue
        if b == "LLN":
            if lln is None:
                missing.add("lln")
                continue
            bound = lln
        else:
            bound = b * ref
        if not _compare(x, op, bound):
            return _hit(band, holds=False)
    if band.symptomatic is not None:
        if symptomatic is None:
            missing.add("symptomatic")
        elif symptomatic != band.symptomatic:
            return _hit(band, holds=False)
    return _hit(band, holds=None if missing else True, missing=missing)


def _hit(b: Band | Descriptor, *, holds: Tri, missing: Iterable[str] = ()) -> _Hit:
    return _Hit(
        grade=b.grade, holds=holds, missing=frozenset(missing), text=b.text, source=b.source
    )


def _descriptor_hit(d: Descriptor, *, adl: str | None, pain: bool | None) -> _Hit:
    missing: set[str] = set()
    wanted: tuple[tuple[str, object, object], ...] = (("adl", d.adl, adl), ("pain", d.pain, pain))
    for name, want, got in wanted:
        if want is None:
            continue
        if got is None:
            missing.add(name)
        elif got != want:
            return _hit(d, holds=False)
    return _hit(d, holds=None if missing else True, missing=missing)


def _select(hits: Sequence[_Hit], *, lowest: str, source: str) -> _Outcome:
    """The highest grade whose band holds, unless a higher band is undecided.

    A band that cannot be decided (missing LLN, symptoms, pain) above the band that holds
    makes the grade unassignable; the caller then works out the grades still possible.
    """
    undecided: list[_Hit] = []
    for h in sorted(hits, key=lambda h: -h.grade):
        if h.holds is True:
            if any(u.grade > h.grade for u in undecided):
                undecided.append(h)
                break
            return _Outcome(grade=h.grade, text=h.text, source=h.source)
        if h.holds is None:
            undecided.append(h)
    if undecided:
        shown = "; ".join(f"'{u.text}' (grade {u.grade})" for u in undecided)
        return _Outcome(
            grade=None,
            text=f"undecided between {shown}",
            source=undecided[0].source,
            missing=frozenset(m for u in undecided for m in u.missing),
        )
    return _Outcome(grade=0, text=f"no grade band met (grade 1 is '{lowest}')", source=source)


def _with_candidates(out: _Outcome, grades: Iterable[int | None]) -> _Outcome:
    return replace(out, candidates=tuple(sorted({g for g in grades if g is not None})))


def _scale_outcome(
    scale: Scale,
    x: float,
    *,
    ref: float = 1.0,
    lln: float | None = None,
    symptomatic: bool | None = None,
) -> _Outcome:
    def run(lln_: float | None, sym: bool | None) -> _Outcome:
        hits = [_band_hit(b, x, ref=ref, lln=lln_, symptomatic=sym) for b in scale.bands]
        first = min(scale.bands, key=lambda b: b.grade)
        return _select(hits, lowest=first.text, source=first.source)

    out = run(lln, symptomatic)
    if out.grade is not None:
        return out
    # Resolve each missing input both ways: value below an LLN of +inf / above an LLN of 0.
    llns = [lln] if lln is not None else [math.inf, 0.0]
    syms = [symptomatic] if symptomatic is not None else [True, False]
    return _with_candidates(out, (run(a, b).grade for a in llns for b in syms))


def _descriptor_outcome(
    ds: Sequence[Descriptor], *, adl: str | None, pain: bool | None
) -> _Outcome:
    def run(adl_: str | None, pain_: bool | None) -> _Outcome:
        hits = [_descriptor_hit(d, adl=adl_, pain=pain_) for d in ds]
        first = min(ds, key=lambda d: d.grade)
        return _select(hits, lowest=first.text, source=first.source)

    out = run(adl, pain)
    if out.grade is not None:
        return out
    adls: list[str | None] = [adl] if adl is not None else list(ADL_LEVELS)
    pains = [pain] if pain is not None else [True, False]
    return _with_candidates(out, (run(a, p).grade for a in adls for p in pains))


def _combine(parts: Sequence[tuple[str, _Outcome]]) -> _Outcome:
    """';' = or: the higher grade of several criteria applies."""
    known = [(label, o) for label, o in parts if o.grade is not None]
    if len(known) < len(parts):
        return next(o for _, o in parts if o.grade is None)
    label, best = max(known, key=lambda p: p[1].grade or 0)
    if len(parts) == 1:
        return best
    shown = "; ".join(f"{lab}: {o.text} (grade {o.grade})" for lab, o in parts)
    return _Outcome(
        grade=best.grade,
        text=f"{shown} — ';' = or: the higher grade ({best.grade}, {label}) applies",
        source=best.source,
    )


# --------------------------------------------------------------------------- input checks


@dataclass(frozen=True, slots=True, kw_only=True)
class _Inputs:
    value: float | None
    uln: float | None
    lln: float | None
    baseline: float | None
    unit: str | None
    symptomatic: bool | None
    on_anticoagulation: bool | None
    systolic: float | None
    diastolic: float | None
    stools_over_baseline: int | None
    adl: str | None
    pain: bool | None

    def given(self) -> dict[str, object]:
        """The inputs that were given, in declaration order."""
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {name: v for name, v in values if v is not None}


def term_inputs(term: Term) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The inputs a term requires and the ones it also accepts."""
    return _METHOD_INPUTS[term.method]


def _unit_key(unit: str) -> str:
    u = unit.strip().replace(" ", "").replace("³", "3").replace("⁹", "^9")
    u = u.replace("10e9", "10^9").replace("10E9", "10^9")
    if u[:1] in ("x", "×", "X"):
        u = u[1:]
    return u.casefold()


def _canonical_unit(term: Term, unit: str) -> str | None:
    wanted = _unit_key(unit)
    return next((u for u in term.units if _unit_key(u) == wanted), None)


def _number(field_name: str, v: object, *, positive: bool, problems: list[Problem]) -> None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        problems.append(Problem(field_name, v, "a finite number"))
    elif positive and v <= 0:
        problems.append(Problem(field_name, v, "> 0"))
    elif v < 0:
        problems.append(Problem(field_name, v, "≥ 0"))


def _plausible(term: Term, name: str, v: float, unit: str | None, problems: list[Problem]) -> None:
    """Refuse values that cannot be real (tacepath.domain.units validation limits)."""
    if term.analyte is None:
        return
    a = ANALYTES[term.analyte]
    factor = term.analyte_factors.get(unit or "", 1.0)
    x = _dn(v * factor)
    low_ok = x >= a.low if a.low_inclusive else x > a.low
    if not (low_ok and x <= a.high):
        shown = a.allowed_text(unit if unit in a.to_canonical else None)
        suffix = "" if factor == 1.0 or unit in a.to_canonical else f" (in {a.canonical_unit})"
        problems.append(Problem(name, v, f"{shown}{suffix}"))


def _validate(term: Term, inp: _Inputs) -> tuple[_Inputs, list[Problem]]:
    problems: list[Problem] = []
    required, optional = term_inputs(term)
    given = inp.given()
    takes = ", ".join((*required, *optional))
    for name in given:
        if name not in required and name not in optional:
            problems.append(
                Problem(name, given[name], f"not used for {term.term} (it takes: {takes})")
            )
    for name in required:
        if name not in given:
            problems.append(Problem(name, None, f"required for {term.term} (it takes: {takes})"))
    for name in ("value", "uln", "lln", "baseline", "systolic", "diastolic"):
        if name in given:
            positive = name != "value" or term.method == "inr"
            _number(name, given[name], positive=positive, problems=problems)
    s = inp.stools_over_baseline
    if s is not None and (isinstance(s, bool) or not isinstance(s, int) or s < 0):
        problems.append(Problem("stools_over_baseline", s, "a whole number of stools/day ≥ 0"))
    for name in ("symptomatic", "on_anticoagulation", "pain"):
        v = getattr(inp, name)
        if v is not None and not isinstance(v, bool):
            problems.append(Problem(name, v, "true or false"))
    if inp.adl is not None and inp.adl not in ADL_LEVELS:
        problems.append(Problem("adl", inp.adl, " | ".join(ADL_LEVELS)))
    unit = inp.unit
    if unit is not None:
        if term.method == "below_lln":
            canon = _canonical_unit(term, unit)
            if canon is None:
                problems.append(Problem("unit", unit, f"one of {', '.join(term.units)}"))
            unit = canon
        elif term.method == "inr":
            if unit.strip() not in ("", "1"):
                problems.append(Problem("unit", unit, "no unit (INR is a ratio)"))
            unit = None
        elif not unit.strip():
            unit = None
    if (
        inp.systolic is not None
        and inp.diastolic is not None
        and not problems
        and inp.diastolic >= inp.systolic
    ):
        problems.append(Problem("diastolic", inp.diastolic, f"< systolic ({inp.systolic:g})"))
    if not problems:
        for name in ("value", "lln", "baseline"):
            v = getattr(inp, name)
            if v is not None:
                _plausible(term, name, v, unit, problems)
    return replace(inp, unit=unit), problems


# --------------------------------------------------------------------------- methods


@dataclass(frozen=True, slots=True, kw_only=True)
class _Graded:
    outcome: _Outcome
    measures: dict[str, float]
    notes: tuple[str, ...] = ()


def _v(x: float | None) -> float:
    """An input that validation guaranteed to be present."""
    if x is None:  # pragma: no cover - _validate refuses a missing required input
        raise TypeError("missing validated input")
    return x


def _ratio(a: float, b: float) -> float:
    return _dn(a / b)


def _by_uln_or_baseline(term: Term, inp: _Inputs) -> _Graded:
    """AST, ALT, bilirubin, ALP, GGT: ×ULN if baseline normal, ×baseline if abnormal [1]."""
    value, uln, baseline = _v(inp.value), _v(inp.uln), inp.baseline
    measures = {"x_uln": _ratio(value, uln)}
    if baseline is None:
        out = _scale_outcome(term.scales["uln"], value, ref=uln)
        note = (
            "baseline not given: the normal-baseline (×ULN) bands apply, as admiral does; "
            "give the baseline if the pre-treatment value was above ULN"
        )
        return _Graded(outcome=out, measures=measures, notes=(note,))
    measures["x_baseline"] = _ratio(value, baseline)
    if _dn(baseline) > _dn(uln):
        out = _scale_outcome(term.scales["baseline"], value, ref=baseline)
        note = f"baseline {baseline:g} > ULN {uln:g} (abnormal): the ×baseline bands apply"
    else:
        out = _scale_outcome(term.scales["uln"], value, ref=uln)
        note = f"baseline {baseline:g} ≤ ULN {uln:g} (normal): the ×ULN bands apply"
    return _Graded(outcome=out, measures=measures, notes=(note,))


def _by_uln_and_baseline(term: Term, inp: _Inputs) -> _Graded:
    """Creatinine: ×ULN and ×baseline bands joined by ';' (or) — the higher grade wins [1]."""
    value, uln, baseline = _v(inp.value), _v(inp.uln), inp.baseline
    measures = {"x_uln": _ratio(value, uln)}
    parts = [("×ULN", _scale_outcome(term.scales["uln"], value, ref=uln))]
    notes: tuple[str, ...] = ()
    if baseline is not None:
        measures["x_baseline"] = _ratio(value, baseline)
        parts.append(("×baseline", _scale_outcome(term.scales["baseline"], value, ref=baseline)))
    else:
        notes = ("baseline not given: only the ×ULN bands were applied",)
    return _Graded(outcome=_combine(parts), measures=measures, notes=notes)


def _by_uln_symptoms(term: Term, inp: _Inputs) -> _Graded:
    """Lipase, amylase: ×ULN bands, split by signs or symptoms above 2.0×ULN [1]."""
    value, uln = _v(inp.value), _v(inp.uln)
    out = _scale_outcome(term.scales["uln"], value, ref=uln, symptomatic=inp.symptomatic)
    return _Graded(outcome=out, measures={"x_uln": _ratio(value, uln)})


def _by_inr(term: Term, inp: _Inputs) -> _Graded:
    """INR: absolute bands off anticoagulation, ×baseline bands on anticoagulation [1]."""
    value, baseline = _v(inp.value), inp.baseline
    off = _scale_outcome(term.scales["off_anticoagulation"], value)
    on = (
        None
        if baseline is None
        else _scale_outcome(term.scales["on_anticoagulation"], value, ref=baseline)
    )
    measures = {} if baseline is None else {"x_baseline": _ratio(value, baseline)}
    if inp.on_anticoagulation is False:
        return _Graded(outcome=off, measures=measures, notes=("not on anticoagulation",))
    if inp.on_anticoagulation is True and on is not None:
        return _Graded(outcome=on, measures=measures, notes=("on anticoagulation",))
    if inp.on_anticoagulation is None:
        on_grades = set(range(term.max_grade + 1)) if on is None else {on.grade or 0}
        cands = {off.grade or 0} | on_grades
        missing, text = (
            "on_anticoagulation",
            "absolute bands off, ×baseline bands on anticoagulation",
        )
    else:
        cands, missing, text = set(range(term.max_grade + 1)), "baseline", "×baseline bands"
    unknown = _Outcome(
        grade=None,
        text=text,
        source=off.source,
        candidates=tuple(sorted(cands)),
        missing=frozenset({missing}),
    )
    return _Graded(outcome=unknown, measures=measures)


def _by_lln(term: Term, inp: _Inputs) -> _Graded:
    """Counts, haemoglobin, albumin: bands in the unit given; grade 1 needs the LLN [1]."""
    value, scale = _v(inp.value), term.scales[inp.unit or ""]
    out = _scale_outcome(scale, value, lln=inp.lln)
    notes: tuple[str, ...] = ()
    g1 = next(b for b in scale.bands if b.grade == 1)
    if inp.lln is not None and isinstance(g1.ge, float) and _dn(inp.lln) <= g1.ge:
        notes = (f"LLN {inp.lln:g} is at or below the grade 1 lower bound: grade 1 cannot occur",)
    return _Graded(outcome=out, measures={}, notes=notes)


def _by_blood_pressure(term: Term, inp: _Inputs) -> _Graded:
    """Hypertension: systolic and diastolic bands, the higher grade applies [2]."""
    parts = [
        ("systolic", _scale_outcome(term.scales["systolic"], _v(inp.systolic))),
        ("diastolic", _scale_outcome(term.scales["diastolic"], _v(inp.diastolic))),
    ]
    return _Graded(outcome=_combine(parts), measures={})


def _by_stools(term: Term, inp: _Inputs) -> _Graded:
    """Diarrhoea: stools/day over baseline, raised by an ADL limitation if given [2]."""
    stools = float(_v(inp.stools_over_baseline))
    parts = [("stools", _scale_outcome(term.scales["stools"], stools))]
    if inp.adl is not None:
        parts.append(("ADL", _descriptor_outcome(term.descriptors, adl=inp.adl, pain=None)))
    return _Graded(outcome=_combine(parts), measures={})


def _by_descriptor(term: Term, inp: _Inputs) -> _Graded:
    """Palmar-plantar erythrodysesthesia (HFSR): ADL limitation and pain [3]."""
    out = _descriptor_outcome(term.descriptors, adl=inp.adl, pain=inp.pain)
    return _Graded(outcome=out, measures={})


_METHODS = {
    "uln_or_abnormal_baseline": _by_uln_or_baseline,
    "uln_and_baseline": _by_uln_and_baseline,
    "uln_symptoms": _by_uln_symptoms,
    "inr": _by_inr,
    "below_lln": _by_lln,
    "blood_pressure": _by_blood_pressure,
    "stools_adl": _by_stools,
    "adl_descriptor": _by_descriptor,
}


def _reason(out: _Outcome) -> str:
    needs = "; ".join(_NEEDED[m] for m in sorted(out.missing))
    grades = " or ".join(str(g) for g in out.candidates)
    return f"grade {grades}: needs {needs}"


def _adl(value: str | None) -> str | None:
    if value is None or not isinstance(value, str):
        return value
    v = value.strip().casefold().replace("_", "-").replace(" ", "-")
    return "self-care" if v == "selfcare" else v


def grade(
    term: str,
    *,
    value: float | None = None,
    uln: float | None = None,
    lln: float | None = None,
    baseline: float | None = None,
    unit: str | None = None,
    symptomatic: bool | None = None,
    on_anticoagulation: bool | None = None,
    systolic: float | None = None,
    diastolic: float | None = None,
    stools_over_baseline: int | None = None,
    adl: str | None = None,
    pain: bool | None = None,
) -> GradeResult:
    """Grade an adverse event by NCI CTCAE v5.0 from values or clinical descriptors.

    Parameters
    ----------
    term : str
        A CTCAE v5.0 term or alias ("AST increased", "ALT", "platelets", "HFSR"...),
        case-insensitive. Terms whose grade text is not verified are refused.
    value : float, optional
        The lab value (same unit as ``uln``/``lln``/``baseline``).
    uln, lln : float, optional
        The local lab's upper / lower limit of normal.
    baseline : float, optional
        The pre-treatment value (AST/ALT/bilirubin/ALP/GGT: selects the abnormal-baseline
        bands when above ULN; creatinine: the ×baseline bands; INR on anticoagulation).
    unit : str, optional
        Required for counts (10^9/L, /mm3), haemoglobin (g/dL, g/L, mmol/L) and albumin
        (g/dL, g/L); recorded only for ratio terms (×ULN is unit-free); INR has none.
    symptomatic : bool, optional
        Signs or symptoms (lipase, amylase above 2.0×ULN).
    on_anticoagulation : bool, optional
        INR: on anticoagulation the ×baseline bands apply.
    systolic, diastolic : float, optional
        Blood pressure, mm Hg (hypertension; both required).
    stools_over_baseline : int, optional
        Increase in stools/day over baseline (diarrhoea).
    adl : {"none", "instrumental", "self-care"}, optional
        Limitation of activities of daily living (hand-foot skin reaction; diarrhoea).
    pain : bool, optional
        Hand-foot skin reaction without an ADL limitation: painful skin changes (grade 2)
        or not (grade 1).

    Returns
    -------
    GradeResult
        Grade (or ``None`` with the reason), the band text applied, its source, CTCAE version.

    Raises
    ------
    InputError
        Unknown or unverified term, a unit that is not the reference's, a required input
        missing, an input the term does not use, an impossible value.

    Notes
    -----
    Bounds follow CTCAE's signs: ">3.0–5.0×ULN" is 3.0 < x ≤ 5.0 and "<75.0–50.0×10⁹/L" is
    50.0 ≤ x < 75.0. ';' between criteria means 'or': the higher grade wins (creatinine ×ULN
    vs ×baseline; systolic vs diastolic). Comparisons use values rounded to 10 significant
    digits, as admiral compares ``signif()`` values [1]_.

    References
    ----------
    .. [1] NCI CTCAE v5.0 (2017), lab terms as transcribed in pharmaverse/admiral
       ``ncictcaev5.json``; hypertension and diarrhoea per eviQ; PPE per ESMO OncologyPRO.
    """
    cat = ctcae()
    t = cat.term(term)
    raw = _Inputs(
        value=value,
        uln=uln,
        lln=lln,
        baseline=baseline,
        unit=unit,
        symptomatic=symptomatic,
        on_anticoagulation=on_anticoagulation,
        systolic=systolic,
        diastolic=diastolic,
        stools_over_baseline=stools_over_baseline,
        adl=_adl(adl),
        pain=pain,
    )
    inp, problems = _validate(t, raw)
    if problems:
        raise InputErrors(problems)
    graded = _METHODS[t.method](t, inp)
    out = graded.outcome
    notes = list(graded.notes) + list(t.notes)
    if t.clinical_grades:
        notes.append(t.clinical_grades)
    elif t.max_grade < 5:
        notes.append(
            f"CTCAE v5.0 has no grade above {t.max_grade} for {t.term} ('-' in the source)"
        )
    also = tuple(cat.source(s) for s in t.also)
    return GradeResult(
        term=t.term,
        grade=out.grade,
        ctcae_version=cat.version,
        rule=out.text,
        inputs=MappingProxyType(inp.given()),
        measures=MappingProxyType(graded.measures),
        source=cat.source(out.source),
        also=also,
        reason=None if out.grade is not None else _reason(out),
        candidates=out.candidates,
        notes=tuple(notes),
    )
