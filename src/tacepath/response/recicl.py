"""RECICL (Liver Cancer Study Group of Japan): treatment effect TE1-TE4 per nodule and overall."""

from __future__ import annotations

import math

from tacepath.domain.timeline import Assessment, Lesion, Timeline
from tacepath.errors import InputError
from tacepath.response._core import (
    CriterionResult,
    LesionFinding,
    NewLesionFinding,
    Spec,
    TimepointResponse,
    assemble,
    recist_new_lesion,
    viable_cleared,
    viable_mm2,
    viable_non_target,
    whole_mm2,
)
from tacepath.response._results import Code, fmt, fmt_pct, ge, gt, pct
from tacepath.response._sources import KUDO_RECICL_2019
from tacepath.response._treated import merge_non_target, treated_findings

__all__ = ["index_lesions", "recicl"]

_TE_TO_CODE: dict[str, Code] = {"TE4": "CR", "TE3": "PR", "TE2": "SD", "TE1": "PD", "NE": "NE"}


def index_lesions(timeline: Timeline, max_lesions: int = 5) -> tuple[Lesion, ...]:
    """The up-to-``max_lesions`` largest intrahepatic lesions at baseline (whole product).

    Measured liver lesions (``lesions`` with ``organ: liver``, target or not) that have both
    diameters at baseline, largest bidimensional product first (ties: id order).
    """
    if max_lesions < 1:
        raise InputError("max_lesions", max_lesions, ">= 1")
    cands = [
        les
        for les in timeline.baseline.lesions
        if les.intrahepatic and les.longest_mm is not None and les.perpendicular_mm is not None
    ]
    cands.sort(key=lambda b: (-(b.longest_mm or 0.0) * (b.perpendicular_mm or 0.0), b.id))
    return tuple(cands[:max_lesions])


def _find(a: Assessment, lid: str) -> Lesion | None:
    for les in a.lesions:
        if les.id == lid:
            return les
    return None


def nodule_te(
    les: Lesion | None, base: Lesion, *, te1_inclusive: bool = True
) -> tuple[str, float | None, float | None, str]:
    """TE of one nodule vs its baseline: (TE, viable mm², enlargement %, why).

    TE1: whole product enlarged by 25 % or more (regardless of necrosis); TE4: no viable
    (enhancing) tumour; TE3: effect 50 % to < 100 %; TE2 otherwise, where
    ``effect = (1 - viable_now / whole_before) * 100`` covers necrosis and reduction.
    """
    if les is None:
        return "NE", None, None, "not recorded"
    whole, _ = whole_mm2(les, base)
    viable, vnote = viable_mm2(les, base)
    before, _ = whole_mm2(base, base)
    if not before:  # excluded by index_lesions (both diameters > 0 at baseline)
        raise InputError(f"lesions[{base.id}]", before, "both diameters at baseline")
    if whole is None or viable is None:
        return "NE", viable, None, vnote
    enl = pct(whole, before)
    assert enl is not None
    te1 = ge(enl, 25.0) if te1_inclusive else gt(enl, 25.0)
    effect = (1.0 - viable / before) * 100.0
    if te1:
        return "TE1", viable, enl, f"enlarged {fmt_pct(enl)} (25% rule)"
    if viable == 0:
        return "TE4", viable, enl, "no viable tumour (100% necrosis or reduction)"
    if ge(effect, 50.0):
        return "TE3", viable, enl, f"effect {effect:.1f}% (50% to < 100%)"
    return "TE2", viable, enl, f"effect {effect:.1f}% (< 50%, not enlarged by 25%)"


def recicl(
    timeline: Timeline,
    *,
    max_lesions: int = 5,
    te1_inclusive: bool = True,
    count_new_lesions: bool = False,
    min_sd_days: int | None = None,
) -> CriterionResult:
    """RECICL treatment effect (TE) and overall response at every follow-up.

    Parameters
    ----------
    timeline
        A checked timeline; liver lesions need both diameters (and viable diameters when
        typical HCC).
    max_lesions
        Number of intrahepatic nodules evaluated (the largest at baseline); 5 (UNVERIFIED in a
        fetched RECICL text, used by TACTICS [2]_).
    te1_inclusive
        TE1 at ``>= 25 %`` enlargement (True, TACTICS wording, default) or ``> 25 %``.
    count_new_lesions
        Count new lesions (RECIST 1.1 rule) as PD in the overall response. How RECICL treats new
        lesions, vascular invasion and extrahepatic spread is UNVERIFIED: default False (only
        the TE of the evaluated nodules decides).
    min_sd_days
        As in :func:`tacepath.response.recist.recist11` (no confirmation for RECICL).

    Returns
    -------
    CriterionResult
        ``te`` per visit; sums are viable products (mm²) vs the baseline whole products.

    Notes
    -----
    Overall TE uses the sums of the evaluated nodules; overall TE4 requires TE4 in every
    nodule, non-targets and new intrahepatic lesions included [1]_. Overall response maps
    TE4/TE3/TE2/TE1 to CR/PR/SD/PD (the explicit table is UNVERIFIED). The reference image is
    the baseline (before the first TACE).

    References
    ----------
    .. [1] Kudo M, et al. RECICL 2019 revised version. Hepatol Res 2019; TE table as in
       Radiol Oncol 2018 Table 4.
    .. [2] Kudo M, et al. Liver Cancer 2022;11(4):354-367. doi:10.1159/000522547
    """
    nodules = index_lesions(timeline, max_lesions)
    base = timeline.baseline
    notes: list[str] = []
    if not nodules:
        notes.append(
            "no liver lesion with longest_mm and perpendicular_mm at baseline: RECICL NE at "
            "every visit"
        )
    base_w: list[float] = []
    base_v: list[float] = []
    for b in nodules:
        w, _ = whole_mm2(b, b)
        v, note = viable_mm2(b, b)
        if v is None:
            notes.append(f"baseline not measurable for RECICL: {b.id} ({note}); NE at every visit")
        base_w.append(w or 0.0)
        base_v.append(v or 0.0)
    if notes:
        nodules = ()
    base_whole, base_viable = math.fsum(base_w), math.fsum(base_v)
    nt_rule = viable_non_target("non-CR/non-PD")
    nadir = base_viable
    visits: list[TimepointResponse] = []
    for a in timeline.follow_ups:
        findings: list[LesionFinding] = []
        tes: list[str] = []
        whole_parts: list[float] = []
        viable_parts: list[float] = []
        complete = True
        for b in nodules:
            les = _find(a, b.id)
            te, viable, _enl, why = nodule_te(les, b, te1_inclusive=te1_inclusive)
            tes.append(te)
            w = whole_mm2(les, b)[0] if les is not None else None
            if viable is None or w is None:
                complete = False
            else:
                viable_parts.append(viable)
                whole_parts.append(w)
            findings.append(
                LesionFinding(
                    id=b.id,
                    organ=b.organ,
                    status=les.status if les else "not_recorded",
                    value=viable,
                    unit="mm²",
                    note=f"{te}: {why}",
                )
            )
        whole_sum, viable_sum = math.fsum(whole_parts), math.fsum(viable_parts)
        if not nodules:
            complete = False
        enl = pct(whole_sum, base_whole) if nodules else None
        te1 = enl is not None and (ge(enl, 25.0) if te1_inclusive else gt(enl, 25.0))
        effect = (1.0 - viable_sum / base_whole) * 100.0 if nodules else 0.0
        states, treated, _ = treated_findings(timeline, a, viable=True)
        nt = merge_non_target(nt_rule(base.non_target, a.non_target), states, "non-CR/non-PD")
        new_ih = [n for n in a.new_lesions if n.intrahepatic and not n.equivocal]
        sign = ">=" if te1_inclusive else ">"
        if te1:
            te = "TE1"
            why = f"TE1: whole-tumour sum {fmt(whole_sum, 'mm²')} is {fmt_pct(enl)} vs baseline"
            why += f" {fmt(base_whole, 'mm²')} ({sign} 25%)"
        elif not complete:
            te = "NE"
            why = (
                "NE: " + ", ".join(f.id for f in findings if f.value is None) + " not assessable"
                if nodules
                else "NE: " + notes[0]
            )
        elif viable_sum == 0 and all(t == "TE4" for t in tes) and nt in ("CR", None) and not new_ih:
            te = "TE4"
            why = "TE4: no viable tumour in any nodule (non-targets and new nodules included)"
        elif ge(effect, 50.0):
            te = "TE3"
            why = f"TE3: viable sum {fmt(viable_sum, 'mm²')} = effect {effect:.1f}% vs baseline"
            why += f" {fmt(base_whole, 'mm²')}"
            if viable_sum == 0:
                why += " (not TE4: a non-target, new or treated new nodule is still viable)"
        else:
            te = "TE2"
            why = f"TE2: viable sum {fmt(viable_sum, 'mm²')} = effect {effect:.1f}% vs baseline"
            why += f" {fmt(base_whole, 'mm²')}"
        code: Code = _TE_TO_CODE[te]
        new_findings: list[NewLesionFinding] = []
        for nl in a.new_lesions:
            counts, reason = recist_new_lesion(nl, None)
            counts = counts and count_new_lesions
            if not count_new_lesions:
                reason = "recorded; new lesions do not change RECICL TE here (option)"
            new_findings.append(
                NewLesionFinding(
                    id=nl.id,
                    organ=nl.organ,
                    size_mm=nl.size_mm,
                    counts=counts,
                    first_seen=a.date,
                    reason=reason,
                )
            )
        new = any(f.counts for f in new_findings)
        overall: Code = "PD" if new else code
        if new:
            why += "; new lesion counted (count_new_lesions=True)"
        visits.append(
            TimepointResponse(
                date=a.date,
                day=(a.date - timeline.start_date).days,
                target=code,
                non_target=nt,
                new_lesions=new,
                overall=overall,
                sum=viable_sum,
                unit="mm²",
                baseline_sum=base_whole,
                nadir_sum=nadir,
                pct_from_baseline=pct(viable_sum, base_whole),
                pct_from_nadir=pct(viable_sum, nadir),
                lesions=tuple(findings),
                new_lesion_findings=tuple(new_findings),
                why=f"{overall}: {why}",
                progression_date=a.date if overall == "PD" else None,
                te=te,
                treated_lesions=treated,
            )
        )
        if complete:
            nadir = min(nadir, viable_sum)
    rule = (
        f"RECICL: up to {max_lesions} largest intrahepatic nodules at baseline; TE1 = whole "
        f"product enlarged {'>=' if te1_inclusive else '>'} 25% regardless of necrosis; "
        "TE4 = no viable tumour in all nodules (non-targets included); TE3 = 50% to < 100% "
        "necrosis or reduction (1 - viable/baseline); TE2 otherwise. Overall response "
        "TE4/TE3/TE2/TE1 = CR/PR/SD/PD (mapping and lesion count UNVERIFIED in a fetched "
        "text). New lesions "
        + ("count as PD (option)." if count_new_lesions else "do not change the TE (UNVERIFIED).")
    )
    spec = Spec(
        name="RECICL",
        unit="mm²",
        measure=viable_mm2,
        cleared=viable_cleared,
        pr_decrease_pct=50.0,
        pr_inclusive=True,
        pd_increase_pct=25.0,
        pd_inclusive=te1_inclusive,
        pd_min_abs=None,
        pd_reference="baseline",
        non_target=nt_rule,
        new_lesion=recist_new_lesion,
    )
    return assemble(
        spec=spec,
        tl=timeline,
        rule=rule,
        citation=KUDO_RECICL_2019,
        options={
            "max_lesions": max_lesions,
            "te1_inclusive": te1_inclusive,
            "count_new_lesions": count_new_lesions,
            "min_sd_days": min_sd_days,
        },
        confirmation=False,
        min_confirmation_days=28,
        min_sd_days=min_sd_days,
        precomputed=(base_whole, tuple(visits), tuple(notes)),
    )
