"""mRECIST for HCC: viable (arterially enhancing) tumour diameters (Lencioni & Llovet 2010)."""

from __future__ import annotations

import functools

from tacepath.domain.timeline import NewLesion, Timeline
from tacepath.errors import InputError
from tacepath.response._core import (
    CriterionResult,
    Spec,
    assemble,
    recist_new_lesion,
    viable_cleared,
    viable_mm,
    viable_non_target,
)
from tacepath.response._results import fmt
from tacepath.response._sources import LENCIONI_2010

__all__ = ["mrecist", "mrecist_spec"]

NEW_LESION_MIN_MM = 10.0
"""New intrahepatic lesion with the typical pattern: PD from 10 mm (UNVERIFIED, see mrecist)."""
ATYPICAL_GROWTH_MM = 10.0
"""Interval growth of an atypical new lesion that makes it PD (UNVERIFIED, see mrecist)."""
PORTA_NODE_MIN_SA_MM = 20.0
"""New porta-hepatis node: malignant from a 20 mm short axis (PARTLY VERIFIED, see mrecist)."""


def _rule(require_5mm: bool, new_min: float, growth: float, porta: float | None) -> str:
    five = (
        " AND >= 5 mm absolute (protocol option, not in the published criteria)"
        if require_5mm
        else " (no 5 mm minimum, as published)"
    )
    return (
        "mRECIST: sum of VIABLE (arterially enhancing) longest diameters of typical-HCC "
        "targets (atypical targets and nodes measured as in RECIST 1.1). CR = no intratumoral "
        f"arterial enhancement in any target; PD = viable sum >= 20% above the nadir{five}; "
        "PR = viable sum <= 30% below baseline; else SD. Non-target CR = no enhancement in any "
        "non-target. New intrahepatic lesion = PD if >= "
        f"{new_min:g} mm with typical vascular pattern; an atypical one only after >= "
        f"{growth:g} mm interval growth (dated to first appearance); effusions only with "
        "malignant cytology"
        + (
            f"; a new porta-hepatis node only from a {porta:g} mm short axis (partly verified)"
            if porta is not None
            else ""
        )
        + ". The 10 mm new-lesion thresholds are UNVERIFIED against the paper text (options)."
    )


def mrecist(
    timeline: Timeline,
    *,
    require_5mm: bool = False,
    new_lesion_min_mm: float = NEW_LESION_MIN_MM,
    atypical_growth_mm: float = ATYPICAL_GROWTH_MM,
    porta_node_min_sa_mm: float | None = PORTA_NODE_MIN_SA_MM,
    confirmation: bool = False,
    min_confirmation_days: int = 28,
    min_sd_days: int | None = None,
) -> CriterionResult:
    """mRECIST response at every follow-up and the best overall response.

    Parameters
    ----------
    timeline
        A checked timeline; typical-HCC targets need ``viable_longest_mm``.
    require_5mm
        Add RECIST's 5 mm absolute minimum to PD (some trials did); default False (as
        published, decisions.md).
    new_lesion_min_mm, atypical_growth_mm
        New intrahepatic lesion size (typical pattern) and interval growth (atypical) needed
        to count as PD; 10 mm each, UNVERIFIED against the paper text.
    porta_node_min_sa_mm
        A new porta-hepatis lymph node counts only from this short axis (20 mm; PARTLY
        VERIFIED via a secondary text of the AASLD-JNCI amendments). None = RECIST node rule.
    confirmation, min_confirmation_days, min_sd_days
        As in :func:`tacepath.response.recist.recist11`.

    Returns
    -------
    CriterionResult

    References
    ----------
    .. [1] Lencioni R, Llovet JM. Semin Liver Dis 2010;30(1):52-60. doi:10.1055/s-0030-1247132
    """
    spec = mrecist_spec(
        require_5mm=require_5mm,
        new_lesion_min_mm=new_lesion_min_mm,
        atypical_growth_mm=atypical_growth_mm,
        porta_node_min_sa_mm=porta_node_min_sa_mm,
    )
    return assemble(
        spec=spec,
        tl=timeline,
        rule=_rule(require_5mm, new_lesion_min_mm, atypical_growth_mm, porta_node_min_sa_mm),
        citation=LENCIONI_2010,
        options={
            "require_5mm": require_5mm,
            "new_lesion_min_mm": new_lesion_min_mm,
            "atypical_growth_mm": atypical_growth_mm,
            "porta_node_min_sa_mm": porta_node_min_sa_mm,
            "confirmation": confirmation,
            "min_confirmation_days": min_confirmation_days,
            "min_sd_days": min_sd_days,
        },
        confirmation=confirmation,
        min_confirmation_days=min_confirmation_days,
        min_sd_days=min_sd_days,
    )


@functools.lru_cache(maxsize=32)
def mrecist_spec(
    *,
    require_5mm: bool = False,
    new_lesion_min_mm: float = NEW_LESION_MIN_MM,
    atypical_growth_mm: float = ATYPICAL_GROWTH_MM,
    porta_node_min_sa_mm: float | None = PORTA_NODE_MIN_SA_MM,
) -> Spec:
    """The mRECIST criterion with its options (see :func:`mrecist`), checked (one value per
    set of options, kept: a criterion is immutable)."""
    if new_lesion_min_mm < 0:
        raise InputError("new_lesion_min_mm", new_lesion_min_mm, ">= 0")
    if atypical_growth_mm < 0:
        raise InputError("atypical_growth_mm", atypical_growth_mm, ">= 0")

    def new_rule(nl: NewLesion, first_size: float | None) -> tuple[bool, str]:
        if nl.organ in ("ascites", "pleural_effusion"):
            if nl.cytology_malignant:
                return True, "effusion with malignant cytology"
            return False, "effusion without malignant cytology: not PD (mRECIST)"
        if nl.organ == "lymph_node" and nl.porta_hepatis and porta_node_min_sa_mm is not None:
            sa = nl.size_mm
            if sa is None or sa < porta_node_min_sa_mm:
                return False, (
                    f"porta-hepatis node {fmt(sa, 'mm')} < {porta_node_min_sa_mm:g} mm short axis: "
                    "not malignant (mRECIST; reactive nodes are common in cirrhosis)"
                )
        if not nl.intrahepatic:
            return recist_new_lesion(nl, first_size)
        size = nl.size_mm or 0.0
        if nl.typical_hcc and not nl.equivocal:
            if size >= new_lesion_min_mm:
                return True, f"typical HCC {fmt(size, 'mm')} >= {new_lesion_min_mm:g} mm"
            return False, f"typical HCC {fmt(size, 'mm')} < {new_lesion_min_mm:g} mm: re-check"
        if first_size is not None and size - first_size >= atypical_growth_mm:
            return True, (
                f"atypical, grew {fmt(first_size, 'mm')} -> {fmt(size, 'mm')} "
                f"(>= {atypical_growth_mm:g} mm): PD dated to first appearance"
            )
        return False, "atypical/equivocal: not PD until typical pattern or interval growth"

    return Spec(
        name="mRECIST",
        unit="mm",
        measure=viable_mm,
        cleared=viable_cleared,
        pr_decrease_pct=30.0,
        pr_inclusive=True,
        pd_increase_pct=20.0,
        pd_inclusive=True,
        pd_min_abs=5.0 if require_5mm else None,
        pd_reference="nadir",
        non_target=viable_non_target("IR/SD"),
        new_lesion=new_rule,
        treated_viable=True,
        non_target_label="IR/SD",
    )
