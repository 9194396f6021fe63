"""Tumour burden: Milan criteria, up-to-seven and the six-and-twelve score.

Sizes in centimetres (the criteria are stated in cm; the patient input carries mm and is
divided by 10). Boundaries as the clinical-criteria reference §5 states them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tacepath.clinical._common import tumour_sizes
from tacepath.clinical._sources import MAZZAFERRO_1996, MAZZAFERRO_2009, WANG_2019
from tacepath.domain.citation import Citation
from tacepath.jsonsafe import JsonFields

__all__ = [
    "MilanResult",
    "SixAndTwelveResult",
    "UpToSevenResult",
    "milan_criteria",
    "six_and_twelve",
    "six_and_twelve_group",
    "up_to_seven",
]

SixTwelveGroup = Literal["≤6", ">6 ≤12", ">12"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MilanResult(JsonFields):
    """Within or beyond the Milan criteria, with the reasons."""

    within: bool
    reasons: tuple[str, ...]
    rule: str = (
        "Milan: one tumour ≤ 5 cm, or 2–3 tumours each ≤ 3 cm; no macrovascular invasion; "
        "no extrahepatic spread (boundaries inclusive)"
    )
    source: Citation = MAZZAFERRO_1996


def milan_criteria(
    *,
    tumour_diameters_cm: Sequence[float],
    macrovascular_invasion: bool,
    extrahepatic_spread: bool,
) -> MilanResult:
    """Milan criteria (Mazzaferro 1996)."""
    sizes = tumour_sizes(tumour_diameters_cm)
    n, largest = len(sizes), max(sizes)
    reasons: list[str] = []
    if n == 1:
        ok_burden = largest <= 5.0
        reasons.append(f"single tumour {largest:g} cm {'≤' if ok_burden else '>'} 5 cm")
    elif n <= 3:
        ok_burden = largest <= 3.0
        reasons.append(f"{n} tumours, largest {largest:g} cm {'≤' if ok_burden else '>'} 3 cm")
    else:
        ok_burden = False
        reasons.append(f"{n} tumours (> 3)")
    if macrovascular_invasion:
        reasons.append("macrovascular invasion")
    if extrahepatic_spread:
        reasons.append("extrahepatic spread")
    within = ok_burden and not macrovascular_invasion and not extrahepatic_spread
    return MilanResult(within=within, reasons=tuple(reasons))


@dataclass(frozen=True, slots=True, kw_only=True)
class UpToSevenResult(JsonFields):
    """Up-to-seven: largest diameter (cm) + number of tumours, within if ≤ 7."""

    score: float
    within: bool
    largest_cm: float
    n_tumours: int
    rule: str = (
        "up-to-seven: largest diameter (cm) + number of tumours ≤ 7 (imaging only; the "
        "transplant paper also required no microvascular invasion, a pathological finding)"
    )
    source: Citation = MAZZAFERRO_2009


def up_to_seven(*, tumour_diameters_cm: Sequence[float]) -> UpToSevenResult:
    """Up-to-seven criterion (Mazzaferro 2009)."""
    sizes = tumour_sizes(tumour_diameters_cm)
    score = float(max(sizes) + len(sizes))
    return UpToSevenResult(
        score=score, within=score <= 7.0, largest_cm=max(sizes), n_tumours=len(sizes)
    )


def six_and_twelve_group(score: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Stratum of the six-and-twelve score: ≤ 6, > 6 and ≤ 12, > 12."""
    s = np.asarray(score, dtype=float)
    return np.where(s <= 6.0, "≤6", np.where(s <= 12.0, ">6 ≤12", ">12"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SixAndTwelveResult(JsonFields):
    """Six-and-twelve score (largest diameter cm + number of tumours) and its stratum."""

    score: float
    group: SixTwelveGroup
    largest_cm: float
    n_tumours: int
    rule: str = (
        "six-and-twelve: largest diameter (cm) + number of tumours; strata ≤ 6, > 6 and ≤ 12, > 12"
    )
    source: Citation = WANG_2019


def six_and_twelve(*, tumour_diameters_cm: Sequence[float]) -> SixAndTwelveResult:
    """Six-and-twelve score for TACE candidates (Wang 2019)."""
    sizes = tumour_sizes(tumour_diameters_cm)
    score = float(max(sizes) + len(sizes))
    return SixAndTwelveResult(
        score=score,
        group=str(six_and_twelve_group(score)),  # type: ignore[arg-type]
        largest_cm=max(sizes),
        n_tumours=len(sizes),
    )
