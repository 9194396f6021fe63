"""Result types of the response criteria and the arithmetic they share (robust >=, %, text)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from tacepath.domain.citation import Citation
from tacepath.jsonsafe import JsonFields

__all__ = [
    "BestOverallResponse",
    "Code",
    "CriterionResult",
    "LesionFinding",
    "NewLesionFinding",
    "PdReference",
    "TimepointResponse",
    "fmt",
    "fmt_pct",
    "ge",
    "gt",
    "pct",
]

Code = Literal["CR", "PR", "SD", "PD", "NE"]
PdReference = Literal["nadir", "baseline", "previous"]
_EPS = 1e-9


def ge(a: float, b: float) -> bool:
    """``a >= b`` robust to float noise (so exactly 20 % is 20 %)."""
    m = abs(b)
    return a >= b - _EPS * (m if m > 1.0 else 1.0)


def gt(a: float, b: float) -> bool:
    """``a > b`` robust to float noise."""
    m = abs(b)
    return a > b + _EPS * (m if m > 1.0 else 1.0)


def pct(current: float, reference: float) -> float | None:
    """Percent change ``(current - reference) / reference * 100`` (None if reference is 0)."""
    if reference == 0:
        return None
    return (current - reference) / reference * 100.0


def fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "n/a"
    s = f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{s} {unit}".rstrip()


def fmt_pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.1f}%"


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True, slots=True, kw_only=True)
class LesionFinding(JsonFields):
    """One lesion's contribution at one visit: the value used and why."""

    id: str
    organ: str
    status: str
    value: float | None
    """Value entering the sum (mm or mm²); None if not assessable."""
    unit: str
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewLesionFinding(JsonFields):
    """A new lesion and whether it counts as progression under the criterion."""

    id: str | None
    organ: str
    size_mm: float | None
    counts: bool
    first_seen: dt.date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TimepointResponse:
    """The response at one follow-up assessment under one criterion.

    ``sum`` is over the assessed target lesions; ``nadir_sum`` is the reference nadir (the
    smallest evaluable sum *before* this visit, baseline included); percent changes are
    ``(current - reference) / reference * 100``. ``progression_date`` is the date a PD is dated
    to: the visit itself, or the first scan showing a new lesion confirmed later.
    """

    date: dt.date
    day: int
    """Days from the timeline's start_date."""
    target: Code
    non_target: str | None
    """``CR``, ``non-CR/non-PD`` (``IR/SD`` in mRECIST), ``PD``, ``NE``; None if no non-target."""
    new_lesions: bool
    overall: Code
    sum: float | None
    unit: str
    baseline_sum: float
    nadir_sum: float
    pct_from_baseline: float | None
    pct_from_nadir: float | None
    lesions: tuple[LesionFinding, ...]
    new_lesion_findings: tuple[NewLesionFinding, ...]
    why: str
    progression_date: dt.date | None = None
    te: str | None = None
    """RECICL overall treatment effect (TE1-TE4); None for the other criteria."""
    treated_lesions: tuple[LesionFinding, ...] = ()
    """New lesions treated at an earlier TACE, followed as non-targets (not in ``sum``)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.date.isoformat(),
            "day": self.day,
            "target": self.target,
            "non_target": self.non_target,
            "new_lesions": self.new_lesions,
            "overall": self.overall,
            "te": self.te,
            "sum": self.sum,
            "unit": self.unit,
            "baseline_sum": self.baseline_sum,
            "nadir_sum": self.nadir_sum,
            "pct_from_baseline": self.pct_from_baseline,
            "pct_from_nadir": self.pct_from_nadir,
            "why": self.why,
            "progression_date": (
                self.progression_date.isoformat() if self.progression_date else None
            ),
            "lesions": [f.to_dict() for f in self.lesions],
            "new_lesion_findings": [f.to_dict() for f in self.new_lesion_findings],
            "treated_lesions": [f.to_dict() for f in self.treated_lesions],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class BestOverallResponse(JsonFields):
    """Best overall response with the visit that gave it and the confirming visit."""

    value: Code
    date: dt.date | None
    confirmed_on: dt.date | None
    why: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionResult(JsonFields):
    """A criterion applied to a whole timeline: every visit, BOR, ORR/DCR, first PD."""

    criterion: str
    patient_id: str
    rule: str
    citation: Citation
    options: dict[str, object]
    unit: str
    baseline_sum: float
    assessments: tuple[TimepointResponse, ...]
    best_overall_response: BestOverallResponse
    objective_response: bool
    """BOR is CR or PR."""
    disease_control: bool
    """BOR is CR, PR or SD."""
    first_progression: dt.date | None
    """Date progression is dated to (first PD visit, or earlier first appearance)."""
    notes: tuple[str, ...] = field(default=())
