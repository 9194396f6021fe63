"""CTCAE v5.0 grading from values and clinical descriptors.

The grade bands are data (``ctcae_v5.yaml`` in this package, checked on load); this module
interprets them. Only the terms whose grade text the fact-checked reference verifies are
graded (the catalogue's model, read and checked, is :mod:`tacepath.pathway.ctcae_data`;
the names it had here are importable here as before); the terms it marks UNVERIFIED are
listed in the data file and refused with an
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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from tacepath.domain.units import denoise
from tacepath.errors import InputErrors
from tacepath.evidence.model import Source
from tacepath.pathway._ctcae_inputs import Inputs, term_inputs, validate
from tacepath.pathway.ctcae_data import (
    ADL_LEVELS,
    CTCAE_FILE,
    Band,
    Bound,
    Ctcae,
    Descriptor,
    Scale,
    Term,
    UnverifiedTerm,
    ctcae,
    load_ctcae,
)

# The data model was defined here before it had a module of its own; still importable here.
from tacepath.pathway.ctcae_data import Adl as Adl
from tacepath.pathway.ctcae_data import Convention as Convention
from tacepath.pathway.ctcae_data import Method as Method
from tacepath.pathway.ctcae_data import NotATerm as NotATerm
from tacepath.pathway.ctcae_data import Quantity as Quantity
from tacepath.pathway.ctcae_data import term_key as term_key

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

#: What each missing piece of information is, for the reason of an unassigned grade.
_NEEDED = {
    "lln": "the lab's lower limit of normal (LLN; give lln in the value's unit): without it "
    "grade 1 cannot be assigned",
    "symptomatic": "whether there are signs or symptoms (symptomatic yes/no)",
    "pain": "whether the skin changes are painful (pain yes/no)",
    "on_anticoagulation": "whether the patient is on anticoagulation (on_anticoagulation yes/no)",
    "baseline": "the baseline INR (on anticoagulation the ×baseline bands apply)",
}

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
# --------------------------------------------------------------------------- methods


@dataclass(frozen=True, slots=True, kw_only=True)
class _Graded:
    outcome: _Outcome
    measures: dict[str, float]
    notes: tuple[str, ...] = ()


def _v(x: float | None) -> float:
    """An input that validation guaranteed to be present."""
    if x is None:  # pragma: no cover - validate refuses a missing required input
        raise TypeError("missing validated input")
    return x


def _ratio(a: float, b: float) -> float:
    return _dn(a / b)


def _by_uln_or_baseline(term: Term, inp: Inputs) -> _Graded:
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


def _by_uln_and_baseline(term: Term, inp: Inputs) -> _Graded:
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


def _by_uln_symptoms(term: Term, inp: Inputs) -> _Graded:
    """Lipase, amylase: ×ULN bands, split by signs or symptoms above 2.0×ULN [1]."""
    value, uln = _v(inp.value), _v(inp.uln)
    out = _scale_outcome(term.scales["uln"], value, ref=uln, symptomatic=inp.symptomatic)
    return _Graded(outcome=out, measures={"x_uln": _ratio(value, uln)})


def _by_inr(term: Term, inp: Inputs) -> _Graded:
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


def _by_lln(term: Term, inp: Inputs) -> _Graded:
    """Counts, haemoglobin, albumin: bands in the unit given; grade 1 needs the LLN [1]."""
    value, scale = _v(inp.value), term.scales[inp.unit or ""]
    out = _scale_outcome(scale, value, lln=inp.lln)
    notes: tuple[str, ...] = ()
    g1 = next(b for b in scale.bands if b.grade == 1)
    if inp.lln is not None and isinstance(g1.ge, float) and _dn(inp.lln) <= g1.ge:
        notes = (f"LLN {inp.lln:g} is at or below the grade 1 lower bound: grade 1 cannot occur",)
    return _Graded(outcome=out, measures={}, notes=notes)


def _by_blood_pressure(term: Term, inp: Inputs) -> _Graded:
    """Hypertension: systolic and diastolic bands, the higher grade applies [2]."""
    parts = [
        ("systolic", _scale_outcome(term.scales["systolic"], _v(inp.systolic))),
        ("diastolic", _scale_outcome(term.scales["diastolic"], _v(inp.diastolic))),
    ]
    return _Graded(outcome=_combine(parts), measures={})


def _by_stools(term: Term, inp: Inputs) -> _Graded:
    """Diarrhoea: stools/day over baseline, raised by an ADL limitation if given [2]."""
    stools = float(_v(inp.stools_over_baseline))
    parts = [("stools", _scale_outcome(term.scales["stools"], stools))]
    if inp.adl is not None:
        parts.append(("ADL", _descriptor_outcome(term.descriptors, adl=inp.adl, pain=None)))
    return _Graded(outcome=_combine(parts), measures={})


def _by_descriptor(term: Term, inp: Inputs) -> _Graded:
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
    raw = Inputs(
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
    inp, problems = validate(t, raw)
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
