"""Helpers shared by the clinical calculators: result parts, input checks, rounding."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tacepath.domain.units import denoise
from tacepath.errors import InputError

__all__ = ["Component", "require_range", "round_half_up"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """One input of a score: the value used, its unit, the band it fell in and its points."""

    name: str
    value: float | str | bool
    unit: str
    band: str
    points: float

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "band": self.band,
            "points": self.points,
        }


def require_range(
    name: str,
    value: float,
    *,
    low: float,
    high: float = math.inf,
    low_inclusive: bool = True,
    unit: str = "",
) -> float:
    """Return ``value`` if it lies in the allowed range, else raise :class:`InputError`."""
    ok_low = value >= low if low_inclusive else value > low
    if not (math.isfinite(value) and ok_low and value <= high):
        sign = "≥" if low_inclusive else ">"
        upper = "" if math.isinf(high) else f" and ≤ {high:g}"
        raise InputError(name, value, f"{sign} {low:g}{upper}{(' ' + unit) if unit else ''}")
    return value


def round_half_up(value: npt.ArrayLike, ndigits: int = 0) -> npt.NDArray[np.float64]:
    """Round half up (OPTN; never Python's or NumPy's round-half-to-even).

    The scaled value is first freed of floating-point noise (:func:`denoise`), so that
    1.45 → 1.5 although 1.45 × 10 is 14.499999999999998 in binary floating point.
    Scalars and arrays alike: the per-patient and the cohort paths share it.
    """
    scale = 10.0**ndigits
    return np.floor(denoise(np.asarray(value, dtype=float) * scale) + 0.5) / scale
