"""The inputs of one CTCAE grading checked against its term: what the method requires and
accepts (anything else given is refused, not ignored), numbers, units and plausible ranges.
Used by :mod:`tacepath.pathway.ctcae`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from tacepath.domain.units import ANALYTES, denoise
from tacepath.errors import Problem
from tacepath.pathway.ctcae_data import ADL_LEVELS, Term

__all__ = ["Inputs", "term_inputs", "validate"]

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    """What was given for one grading (values, limits, unit, descriptors)."""

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
    x = float(denoise(v * factor))
    low_ok = x >= a.low if a.low_inclusive else x > a.low
    if not (low_ok and x <= a.high):
        shown = a.allowed_text(unit if unit in a.to_canonical else None)
        suffix = "" if factor == 1.0 or unit in a.to_canonical else f" (in {a.canonical_unit})"
        problems.append(Problem(name, v, f"{shown}{suffix}"))


def validate(term: Term, inp: Inputs) -> tuple[Inputs, list[Problem]]:
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
