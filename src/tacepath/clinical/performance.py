"""ECOG performance status (Oken 1982)."""

from __future__ import annotations

from dataclasses import dataclass

from tacepath.clinical._sources import OKEN_1982
from tacepath.domain.citation import Citation
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields

__all__ = ["ECOG_DESCRIPTIONS", "ECOGResult", "ecog_performance_status"]

#: Paraphrased grade definitions (Oken 1982; the scale is in the public domain).
ECOG_DESCRIPTIONS = {
    0: "Fully active; no restriction compared with before the disease",
    1: "Restricted in strenuous activity; ambulatory and able to do light or sedentary work",
    2: "Ambulatory, capable of all self-care, unable to work; up and about > 50% of waking hours",
    3: "Capable of only limited self-care; confined to bed or chair > 50% of waking hours",
    4: "Completely disabled; no self-care; totally confined to bed or chair",
    5: "Dead",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ECOGResult(JsonFields):
    """An ECOG grade with its definition and the BCLC band it falls in."""

    grade: int
    description: str
    bclc_band: str
    rule: str = "ECOG performance status 0–5; BCLC uses 0 / 1–2 / 3–4"
    source: Citation = OKEN_1982


def ecog_performance_status(grade: int) -> ECOGResult:
    """Describe an ECOG grade (an integer 0–5)."""
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in ECOG_DESCRIPTIONS:
        raise InputError("ecog", grade, "an integer 0–5")
    band = "0" if grade == 0 else "1–2" if grade <= 2 else "3–4" if grade <= 4 else "dead"
    return ECOGResult(grade=grade, description=ECOG_DESCRIPTIONS[grade], bclc_band=band)
