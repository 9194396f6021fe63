"""EASL viable-tumour criteria (Bruix 2001; WHO bidimensional method on viable tumour)."""

from __future__ import annotations

from typing import Literal

from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.response._core import (
    CriterionResult,
    Spec,
    assemble,
    recist_new_lesion,
    viable_cleared,
    viable_mm2,
    viable_non_target,
)
from tacepath.response._sources import BRUIX_2001

__all__ = ["easl"]

_REFS = ("nadir", "baseline", "previous")


def easl(
    timeline: Timeline,
    *,
    pd_reference: Literal["nadir", "baseline", "previous"] = "nadir",
    pd_inclusive: bool = True,
    confirmation: bool = False,
    min_confirmation_days: int = 28,
    min_sd_days: int | None = None,
) -> CriterionResult:
    """EASL response at every follow-up and the best overall response.

    Viable tumour = sum over target lesions of the products of the two largest perpendicular
    diameters of the arterially enhancing part (typical HCC; other lesions whole).

    Parameters
    ----------
    timeline
        A checked timeline; typical-HCC targets need both viable diameters.
    pd_reference
        Reference of the 25 % increase: ``"nadir"`` (default, "from maximum response"),
        ``"baseline"`` or ``"previous"`` scan. The 2001 wording is UNVERIFIED.
    pd_inclusive
        ``>= 25 %`` (True, WHO wording, default) or ``> 25 %`` (HCC review tables).
    confirmation, min_confirmation_days, min_sd_days
        As in :func:`tacepath.response.recist.recist11`; whether EASL 2001 required
        confirmation is UNVERIFIED (default off).

    Returns
    -------
    CriterionResult
        Sums in mm².

    Notes
    -----
    CR: no enhancing tumour in any lesion; PR: >= 50 % decrease vs baseline; PD: 25 % increase
    vs the reference and/or a new lesion (RECIST 1.1 rule: unequivocal); else SD. The number
    of target lesions is not fixed in the 2001 text: tacepath uses the RECIST targets.

    References
    ----------
    .. [1] Bruix J, et al. J Hepatol 2001;35(3):421-430. doi:10.1016/S0168-8278(01)00130-1
    .. [2] Riaz A, et al. J Hepatol 2011;54:695-704, Table 1 (EASL and WHO as tabulated).
    """
    if pd_reference not in _REFS:
        raise InputError("pd_reference", pd_reference, " | ".join(_REFS))
    spec = Spec(
        name="EASL",
        unit="mm²",
        measure=viable_mm2,
        cleared=viable_cleared,
        pr_decrease_pct=50.0,
        pr_inclusive=True,
        pd_increase_pct=25.0,
        pd_inclusive=pd_inclusive,
        pd_min_abs=None,
        pd_reference=pd_reference,
        non_target=viable_non_target("non-CR/non-PD"),
        new_lesion=recist_new_lesion,
        treated_viable=True,
    )
    sign = ">=" if pd_inclusive else ">"
    rule = (
        "EASL (Barcelona-2000): sum of products of viable (arterially enhancing) diameters of "
        "the target lesions. CR = no enhancing tumour; PR = >= 50% decrease vs baseline; "
        f"PD = {sign} 25% increase vs {pd_reference} or an unequivocal new lesion; else SD. "
        "Boundary and reference point are options: the 2001 wording is UNVERIFIED."
    )
    return assemble(
        spec=spec,
        tl=timeline,
        rule=rule,
        citation=BRUIX_2001,
        options={
            "pd_reference": pd_reference,
            "pd_inclusive": pd_inclusive,
            "confirmation": confirmation,
            "min_confirmation_days": min_confirmation_days,
            "min_sd_days": min_sd_days,
        },
        confirmation=confirmation,
        min_confirmation_days=min_confirmation_days,
        min_sd_days=min_sd_days,
    )
