"""BCLC staging, 2022 update (Reig 2022), from objective inputs only where unambiguous.

Precedence (an implementation convention consistent with the 2022 table, clinical-criteria
reference §4): D (ECOG 3–4, or end-stage liver function stated by the clinician) → liver
function must be preserved (Child-Pugh A without ascites) for stages 0–C, otherwise the result
is "needs MDT judgement" with the reasons → C (ECOG 1–2, macrovascular invasion or extrahepatic
spread) → 0 / A / B by tumour burden. End-stage liver function is never derived from a score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from tacepath.clinical._common import tumour_sizes
from tacepath.clinical._sources import REIG_2022
from tacepath.domain.citation import Citation
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields

__all__ = ["BCLCResult", "BCLCStage", "bclc_stage"]

BCLCStage = Literal["0", "A", "B", "C", "D"]

_RULE = (
    "BCLC 2022: 0 = single ≤ 2 cm; A = single, or ≤ 3 nodules each ≤ 3 cm; B = multinodular "
    "beyond A; C = macrovascular invasion and/or extrahepatic spread, or ECOG 1–2; D = ECOG 3–4 "
    "or end-stage liver function (clinician's judgement). Stages 0–C need preserved liver "
    "function = Child-Pugh A without ascites; otherwise needs MDT judgement (not force-staged)."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BCLCResult(JsonFields):
    """BCLC stage, or ``None`` with what the MDT must judge, and the inputs that decided."""

    stage: BCLCStage | None
    reasons: tuple[str, ...]
    needs_judgement: bool
    rule: str = _RULE
    source: Citation = REIG_2022


def bclc_stage(
    *,
    tumour_diameters_cm: Sequence[float],
    macrovascular_invasion: bool,
    extrahepatic_spread: bool,
    ecog: int,
    child_pugh_class: Literal["A", "B", "C"] | None,
    ascites: Literal["none", "mild", "moderate-severe"] | None,
    end_stage_liver_function: bool = False,
) -> BCLCResult:
    """Stage a patient by BCLC 2022 (Reig 2022); see the module docstring for the precedence.

    ``child_pugh_class`` and ``ascites`` may be None only when stage D is decided by ECOG 3–4
    or by ``end_stage_liver_function``. The tumour list may be empty when macrovascular
    invasion or extrahepatic spread is recorded: stage C takes any tumour burden (Reig 2022,
    clinical-criteria reference §4.1), so the burden is not needed to stage it.
    """
    if isinstance(ecog, bool) or ecog not in (0, 1, 2, 3, 4):
        raise InputError("ecog", ecog, "an integer 0–4 (ECOG 5 = dead cannot be staged)")
    sizes = tumour_sizes(
        tumour_diameters_cm, allow_empty=bool(macrovascular_invasion or extrahepatic_spread)
    )

    if ecog >= 3:
        return BCLCResult(stage="D", reasons=(f"ECOG {ecog} (3–4)",), needs_judgement=False)
    if end_stage_liver_function:
        return BCLCResult(
            stage="D",
            reasons=("end-stage liver function (clinician's judgement)",),
            needs_judgement=False,
        )
    if child_pugh_class not in ("A", "B", "C"):
        raise InputError("child_pugh_class", child_pugh_class, "A, B, C")
    if ascites not in ("none", "mild", "moderate-severe"):
        raise InputError("ascites", ascites, "none, mild, moderate-severe")
    if child_pugh_class != "A" or ascites != "none":
        why = [
            f"liver function not preserved: Child-Pugh {child_pugh_class}"
            + (f" with ascites ({ascites})" if ascites != "none" else "")
        ]
        why.append(
            "BCLC 0–C require Child-Pugh A without ascites; stage D requires ECOG 3–4 "
            "or end-stage liver function (set end_stage_liver_function if so)"
        )
        return BCLCResult(stage=None, reasons=tuple(why), needs_judgement=True)

    preserved = "preserved liver function (Child-Pugh A, no ascites)"
    c_reasons = []
    if macrovascular_invasion:
        c_reasons.append("macrovascular invasion")
    if extrahepatic_spread:
        c_reasons.append("extrahepatic spread")
    if ecog in (1, 2):
        c_reasons.append(f"ECOG {ecog} (1–2)")
    if c_reasons:
        return BCLCResult(stage="C", reasons=(*c_reasons, preserved), needs_judgement=False)

    n, largest = len(sizes), max(sizes)
    base = ("ECOG 0", preserved, "no macrovascular invasion or extrahepatic spread")
    if n == 1 and largest <= 2.0:
        return BCLCResult(
            stage="0",
            reasons=(f"single nodule {largest:g} cm ≤ 2 cm", *base),
            needs_judgement=False,
        )
    if n == 1:
        return BCLCResult(
            stage="A", reasons=(f"single nodule {largest:g} cm", *base), needs_judgement=False
        )
    if n <= 3 and largest <= 3.0:
        return BCLCResult(
            stage="A", reasons=(f"{n} nodules, each ≤ 3 cm", *base), needs_judgement=False
        )
    burden = f"{n} nodules" + (f", largest {largest:g} cm > 3 cm" if n <= 3 else " (≥ 4)")
    return BCLCResult(
        stage="B", reasons=(f"multinodular beyond A: {burden}", *base), needs_judgement=False
    )
