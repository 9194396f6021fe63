"""Helpers shared by the clinical calculators: result parts, input checks, rounding."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tacepath.domain.patient import MAX_TUMOUR_DIAMETER_MM
from tacepath.domain.units import ANALYTES, denoise
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields

__all__ = [
    "MAX_DIAMETER_CM",
    "Component",
    "require_diameter",
    "require_lab",
    "require_range",
    "round_half_up",
    "tumour_sizes",
]

#: The patient record's validation limit on a tumour diameter, in cm.
MAX_DIAMETER_CM = MAX_TUMOUR_DIAMETER_MM / 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Component(JsonFields):
    """One input of a score: the value used, its unit, the band it fell in and its points."""

    name: str
    value: float | str | bool
    unit: str
    band: str
    points: float


def _real(value: object) -> float:
    """``value`` as a float if it is a real number (not a boolean), else NaN."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return float(value)
    return math.nan


def require_range(
    name: str,
    value: float,
    *,
    low: float,
    high: float = math.inf,
    low_inclusive: bool = True,
    unit: str = "",
) -> float:
    """Return ``value`` if it is a number in the allowed range, else raise :class:`InputError`.

    NaN, infinities, booleans and non-numbers are refused."""
    x = _real(value)
    ok_low = x >= low if low_inclusive else x > low
    if not (math.isfinite(x) and ok_low and x <= high):
        sign = "≥" if low_inclusive else ">"
        upper = "" if math.isinf(high) else f" and ≤ {high:g}"
        raise InputError(name, value, f"{sign} {low:g}{upper}{(' ' + unit) if unit else ''}")
    return value


def require_lab(name: str, value: float, analyte: str, unit: str) -> float:
    """Return ``value`` (a lab result in ``unit``) if it lies within the analyte's validation
    limits — the limits a patient record is held to (:mod:`tacepath.domain.units`)."""
    spec = ANALYTES[analyte]
    x = _real(value)
    with np.errstate(over="ignore", invalid="ignore"):
        canonical = float(denoise(x * spec.to_canonical[unit]))
    if not (math.isfinite(x) and spec.within(canonical)):
        raise InputError(name, value, spec.allowed_text(unit))
    return value


def tumour_sizes(
    tumour_diameters_cm: Sequence[float], *, allow_empty: bool = False
) -> tuple[float, ...]:
    """The tumour diameters (cm), each > 0 and within the patient record's validation limit;
    at least one unless ``allow_empty`` (BCLC C by invasion or spread needs no burden)."""
    if isinstance(tumour_diameters_cm, np.ndarray) and tumour_diameters_cm.ndim == 1:
        tumour_diameters_cm = tumour_diameters_cm.tolist()
    if isinstance(tumour_diameters_cm, str) or not isinstance(tumour_diameters_cm, Sequence):
        raise InputError("tumours", tumour_diameters_cm, "a list of diameters in cm")
    if len(tumour_diameters_cm) == 0 and not allow_empty:
        raise InputError(
            "tumours",
            [],
            "at least one intrahepatic tumour (or macrovascular invasion / extrahepatic spread)",
        )
    for i, d in enumerate(tumour_diameters_cm):
        require_diameter(f"tumours[{i}].diameter_cm", d)
    return tuple(float(d) for d in tumour_diameters_cm)


def require_diameter(name: str, value: float) -> float:
    """A tumour diameter in cm: > 0 and within the patient record's validation limit."""
    return require_range(name, value, low=0, low_inclusive=False, high=MAX_DIAMETER_CM, unit="cm")


def round_half_up(value: npt.ArrayLike, ndigits: int = 0) -> npt.NDArray[np.float64]:
    """Round half up (OPTN; never Python's or NumPy's round-half-to-even).

    The scaled value is first freed of floating-point noise (:func:`denoise`), so that
    1.45 → 1.5 although 1.45 × 10 is 14.499999999999998 in binary floating point.
    Scalars and arrays alike: the per-patient and the cohort paths share it.
    """
    scale = 10.0**ndigits
    return np.floor(denoise(np.asarray(value, dtype=float) * scale) + 0.5) / scale
