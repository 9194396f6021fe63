"""RECIST 1.1: target, non-target, new lesions, overall response, BOR (Eisenhauer 2009)."""

from __future__ import annotations

from tacepath.domain.timeline import Timeline
from tacepath.response._core import (
    CriterionResult,
    Spec,
    assemble,
    recist_cleared,
    recist_mm,
    recist_new_lesion,
    recist_non_target,
)
from tacepath.response._sources import EISENHAUER_2009

__all__ = ["RECIST11_RULE", "recist11"]

RECIST11_RULE = (
    "RECIST 1.1: sum of longest diameters of target lesions (short axis for nodes). "
    "CR = all non-nodal targets gone and every target node < 10 mm short axis; "
    "PD = sum >= 20% above the nadir (smallest sum, baseline included) AND >= 5 mm absolute; "
    "PR = sum <= 30% below baseline (PD checked first); else SD; NE if a target is not "
    "assessed and PD is not already met. Any unequivocal new lesion (node: short axis "
    ">= 10 mm) or unequivocal non-target progression is PD; an equivocal new lesion confirmed "
    "later dates PD to its first appearance."
)

SPEC = Spec(
    name="RECIST 1.1",
    unit="mm",
    measure=recist_mm,
    cleared=recist_cleared,
    pr_decrease_pct=30.0,
    pr_inclusive=True,
    pd_increase_pct=20.0,
    pd_inclusive=True,
    pd_min_abs=5.0,
    pd_reference="nadir",
    non_target=recist_non_target,
    new_lesion=recist_new_lesion,
)


def recist11(
    timeline: Timeline,
    *,
    confirmation: bool = False,
    min_confirmation_days: int = 28,
    min_sd_days: int | None = None,
) -> CriterionResult:
    """RECIST 1.1 response at every follow-up and the best overall response.

    Parameters
    ----------
    timeline
        A checked :class:`~tacepath.domain.timeline.Timeline` (targets chosen at baseline).
    confirmation
        Require confirmation of CR/PR (non-randomised trials with response as primary
        endpoint); not required in randomised trials [1]_. Default False.
    min_confirmation_days
        Minimum interval of the confirming assessment (>= 4 weeks [1]_): 28.
    min_sd_days
        Minimum time from start for SD to count as best response; protocol-defined
        ("typically 6-8 weeks", only partly verified), so None (no minimum) by default.

    Returns
    -------
    CriterionResult
        Per-visit target / non-target / new-lesion / overall response with sums, percent
        change from baseline and nadir and the deciding lesion; BOR, ORR, DCR.

    Notes
    -----
    Target PD: ``C >= 1.2 N and C - N >= 5 mm`` (N = nadir); PR: ``C <= 0.7 B``. Non-target CR
    here means all non-target lesions absent (tumour-marker normalisation is not modelled).

    References
    ----------
    .. [1] Eisenhauer EA, et al. Eur J Cancer 2009;45(2):228-247. doi:10.1016/j.ejca.2008.10.026
    """
    return assemble(
        spec=SPEC,
        tl=timeline,
        rule=RECIST11_RULE,
        citation=EISENHAUER_2009,
        options={
            "confirmation": confirmation,
            "min_confirmation_days": min_confirmation_days,
            "min_sd_days": min_sd_days,
        },
        confirmation=confirmation,
        min_confirmation_days=min_confirmation_days,
        min_sd_days=min_sd_days,
    )
