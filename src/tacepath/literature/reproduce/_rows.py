"""One row of a reproduction table: a printed number, what tacepath gets, and a verdict.

Verdicts (:data:`VERDICTS`):

* ``reproduced`` — the recomputed number equals the printed one at the paper's precision:
  within half a unit of its last printed decimal (0.40 → ±0.005). Where the inputs of the
  recomputation are themselves printed numbers, rounded, the recomputation is done over the
  whole range those inputs allow and the verdict asks whether the printed value is in it.
* ``close`` — outside the paper's rounding but within the row's stated tolerance (relative for
  times and hazard ratios, absolute for proportions, on the normal-deviate scale for p-values).
* ``differs`` — beyond that tolerance; the row says why, when it is known.
* ``not reproducible from what is printed`` — the paper's method needs data it does not print
  (a stratified test without the strata); tacepath's nearest number is shown for comparison.
* ``by construction`` — the pseudo-data were built to meet this number (or calibrated to it):
  agreement checks the construction, it is not evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

from scipy.special import ndtri

__all__ = [
    "VERDICTS",
    "Printed",
    "ReproductionRow",
    "Tolerance",
    "Verdict",
    "by_construction",
    "compared",
    "half_unit",
    "judge",
    "not_reproducible",
    "p_to_z",
]

Verdict = Literal[
    "reproduced",
    "close",
    "differs",
    "not reproducible from what is printed",
    "by construction",
]
VERDICTS: tuple[str, ...] = get_args(Verdict)

Scale = Literal["relative", "absolute", "z"]


def half_unit(decimals: int) -> float:
    """Half a unit in the last printed decimal: the rounding interval's half-width."""
    return 0.5 * 10.0 ** (-decimals)


def p_to_z(p: float) -> float:
    """The normal deviate of a two-sided p-value, Φ⁻¹(1 − p/2) (a monotone scale for p)."""
    return float(ndtri(1.0 - min(max(p, 1e-300), 1.0) / 2.0))


@dataclass(frozen=True, slots=True, kw_only=True)
class Printed:
    """A number as the paper prints it.

    ``value`` the number, ``decimals`` how many decimals are printed (0.40 → 2), ``unit``,
    ``source`` the citation it is read from (registry source or the paper's data file),
    ``where`` where in that source (a figure, a table, a line of the seed text).
    """

    value: float
    decimals: int
    source: str
    unit: str | None = None
    where: str | None = None

    @property
    def text(self) -> str:
        """The number as printed (trailing zeros kept)."""
        return f"{self.value:.{self.decimals}f}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tolerance:
    """What counts as reproduced and as close for one row.

    ``reproduced``: within the printed rounding (:func:`half_unit` of the printed decimals).
    ``close``: distance at most ``close`` on ``scale`` — ``relative`` |r − p| / |p|,
    ``absolute`` |r − p|, ``z`` the difference of the two p-values' normal deviates
    (:func:`p_to_z`).
    """

    close: float
    scale: Scale

    def describe(self, decimals: int) -> str:
        rounding = f"reproduced within ±{half_unit(decimals):g} (the printed precision)"
        band = {
            "relative": f"close within {self.close:.0%} relative",
            "absolute": f"close within ±{self.close:g}",
            "z": f"close when the normal deviates differ by at most {self.close:g}",
        }[self.scale]
        return f"{rounding}; {band}"


def _distance(paper: float, value: float, scale: Scale) -> float:
    if scale == "relative":
        return abs(value - paper) / abs(paper) if paper else math.inf
    if scale == "absolute":
        return abs(value - paper)
    return abs(p_to_z(value) - p_to_z(paper))


def judge(
    printed: Printed,
    reproduced: float,
    tolerance: Tolerance,
    *,
    reproduced_range: tuple[float, float] | None = None,
) -> Verdict:
    """``reproduced``, ``close`` or ``differs`` (see the module docstring).

    With ``reproduced_range`` (the recomputation over the rounding range of its printed
    inputs) the printed value is reproduced when its own rounding interval meets the range,
    and the distance for ``close`` is measured from the nearest end of the range.
    """
    lo, hi = reproduced_range if reproduced_range is not None else (reproduced, reproduced)
    lo, hi = min(lo, hi), max(lo, hi)
    h = half_unit(printed.decimals) * (1 + 1e-9)
    if printed.value + h >= lo and printed.value - h <= hi:
        return "reproduced"
    nearest = lo if printed.value < lo else hi
    if _distance(printed.value, nearest, tolerance.scale) <= tolerance.close:
        return "close"
    return "differs"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReproductionRow:
    """One printed number next to tacepath's.

    ``section`` groups rows (e.g. ``OS pseudo-data: constraints``); ``quantity`` names the
    number; ``paper`` the printed value and ``paper_text`` as printed; ``reproduced`` tacepath's
    value (``None`` when nothing can be computed) and ``reproduced_range`` its range over the
    rounding of its printed inputs (``None`` when the inputs are exact); ``difference`` =
    reproduced − paper; ``verdict`` and ``why``; ``tolerance`` the rule applied, in words;
    ``source`` the citation of the printed number and ``where`` where in it it is printed.
    """

    section: str
    quantity: str
    paper: float
    paper_text: str
    reproduced: float | None
    verdict: Verdict
    why: str
    source: str
    unit: str | None = None
    tolerance: str | None = None
    reproduced_range: tuple[float, float] | None = None
    where: str | None = None

    @property
    def difference(self) -> float | None:
        return None if self.reproduced is None else self.reproduced - self.paper

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of one row of ``tacepath reproduce --json``."""
        return {
            "quantity": self.quantity,
            "paper": self.paper,
            "reproduced": self.reproduced,
            "difference": self.difference,
            "verdict": self.verdict,
            "why": self.why,
            "section": self.section,
            "paper_text": self.paper_text,
            "unit": self.unit,
            "reproduced_range": None
            if self.reproduced_range is None
            else list(self.reproduced_range),
            "tolerance": self.tolerance,
            "source": self.source,
            "where": self.where,
        }


def compared(
    *,
    section: str,
    quantity: str,
    printed: Printed,
    reproduced: float,
    tolerance: Tolerance,
    why: str,
    reproduced_range: tuple[float, float] | None = None,
) -> ReproductionRow:
    """A row whose verdict is judged (:func:`judge`) from the numbers."""
    return _row(
        section,
        quantity,
        printed,
        reproduced,
        judge(printed, reproduced, tolerance, reproduced_range=reproduced_range),
        why,
        tolerance=tolerance.describe(printed.decimals),
        reproduced_range=reproduced_range,
    )


def by_construction(
    *, section: str, quantity: str, printed: Printed, reproduced: float, why: str
) -> ReproductionRow:
    """A row the pseudo-data were built (or calibrated) to meet."""
    return _row(section, quantity, printed, reproduced, "by construction", why)


def not_reproducible(
    *, section: str, quantity: str, printed: Printed, nearest: float | None, why: str
) -> ReproductionRow:
    """A row whose printed number needs data the paper does not print."""
    return _row(section, quantity, printed, nearest, "not reproducible from what is printed", why)


def _row(
    section: str,
    quantity: str,
    printed: Printed,
    reproduced: float | None,
    verdict: Verdict,
    why: str,
    *,
    tolerance: str | None = None,
    reproduced_range: tuple[float, float] | None = None,
) -> ReproductionRow:
    """The row of one printed number: what the paper prints, where, and what came out."""
    return ReproductionRow(
        section=section,
        quantity=quantity,
        paper=printed.value,
        paper_text=printed.text,
        reproduced=reproduced,
        verdict=verdict,
        why=why,
        source=printed.source,
        where=printed.where,
        unit=printed.unit,
        tolerance=tolerance,
        reproduced_range=reproduced_range,
    )
