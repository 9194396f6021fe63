"""Shared machinery of the response criteria: sums, the overall table, BOR (results: _results).

RECIST 1.1, mRECIST and EASL differ in *what* is measured (longest diameter, viable longest
diameter, viable bidimensional product), in the thresholds and in which new lesions count; the
bookkeeping (sum, nadir, per-visit table, best overall response) is the same and lives here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tacepath.domain.citation import Citation
from tacepath.domain.timeline import Assessment, Lesion, NewLesion, NonTargetLesion, Timeline
from tacepath.domain.treated import treated_new_lesions
from tacepath.errors import InputError
from tacepath.response._results import (
    BestOverallResponse,
    Code,
    CriterionResult,
    LesionFinding,
    NewLesionFinding,
    PdReference,
    TimepointResponse,
    fmt,
    fmt_pct,
    ge,
    gt,
    pct,
)
from tacepath.response._treated import (
    merge_non_target,
    treated_findings,
    untreated_before_counting,
)

__all__ = [
    "BestOverallResponse",
    "CriterionResult",
    "LesionFinding",
    "NewLesionFinding",
    "TimepointResponse",
]


# ----------------------------------------------------------------- criterion definition

Measure = Callable[[Lesion, Lesion], tuple[float | None, str]]
Cleared = Callable[[Lesion, Lesion], bool]
NonTargetRule = Callable[[Sequence[NonTargetLesion], Sequence[NonTargetLesion]], str | None]
NewLesionRule = Callable[[NewLesion, float | None], tuple[bool, str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """What distinguishes one sum-based criterion from another."""

    name: str
    unit: str
    measure: Measure
    cleared: Cleared
    pr_decrease_pct: float
    pr_inclusive: bool
    pd_increase_pct: float
    pd_inclusive: bool
    pd_min_abs: float | None
    pd_reference: PdReference
    non_target: NonTargetRule
    new_lesion: NewLesionRule
    treated_viable: bool = False
    """Treated new lesions are judged by their viable part (mRECIST, EASL) or whole (RECIST)."""
    non_target_label: str = "non-CR/non-PD"
    """The non-target category between CR and PD (``IR/SD`` in mRECIST)."""


def is_typical(base: Lesion) -> bool:
    """Measured as viable tumour: typical HCC (arterial enhancement) and not a lymph node."""
    return base.typical_hcc is True and not base.is_node


def recist_mm(les: Lesion, base: Lesion) -> tuple[float | None, str]:
    """RECIST 1.1 value: short axis for nodes, longest diameter otherwise (§1.1)."""
    if les.status == "absent":
        return 0.0, "disappeared: 0 mm"
    if les.status == "too_small":
        return 5.0, "too small to measure: 5 mm (RECIST 1.1 default)"
    if les.status == "not_assessed":
        return None, "not assessed"
    if base.is_node:
        return les.short_axis_mm, "short axis (lymph node)"
    return les.longest_mm, "longest diameter"


def recist_cleared(les: Lesion, base: Lesion) -> bool:
    if base.is_node:
        sa = les.short_axis_mm
        return les.status == "absent" or (les.status == "present" and sa is not None and sa < 10)
    return les.status == "absent"


def viable_mm(les: Lesion, base: Lesion) -> tuple[float | None, str]:
    """mRECIST value: viable (arterially enhancing) longest diameter of typical HCC targets."""
    if not is_typical(base):
        v, note = recist_mm(les, base)
        return v, f"{note}; not typical HCC at baseline: whole lesion (mRECIST)"
    if les.status == "absent":
        return 0.0, "disappeared: 0 mm"
    if les.status == "too_small":
        return 5.0, "too small to measure: 5 mm (RECIST default)"
    if les.status == "not_assessed":
        return None, "not assessed"
    if les.viable_longest_mm is None:
        return None, "viable longest diameter not recorded"
    return les.viable_longest_mm, "viable (enhancing) longest diameter"


def viable_cleared(les: Lesion, base: Lesion) -> bool:
    if not is_typical(base):
        return recist_cleared(les, base)
    return les.status == "absent" or (les.status == "present" and les.viable_longest_mm == 0)


def viable_mm2(les: Lesion, base: Lesion, *, explain: bool = True) -> tuple[float | None, str]:
    """Bidimensional product of the viable tumour (EASL, RECICL, TACTICS), mm² (the note of
    a measured product only if ``explain``)."""
    if les.status == "absent":
        return 0.0, "disappeared: 0 mm²"
    if les.status == "too_small":
        return 25.0, "too small to measure: 5 x 5 mm (RECIST 5 mm default on both axes)"
    if les.status == "not_assessed":
        return None, "not assessed"
    if is_typical(base):
        vl, vp = les.viable_longest_mm, les.viable_perpendicular_mm
        if vl == 0:
            return 0.0, "no enhancing (viable) tumour"
        if vl is None or vp is None:
            return None, "viable diameters not recorded"
        return vl * vp, f"viable {fmt(vl)} x {fmt(vp)} mm" if explain else ""
    return whole_mm2(les, base, explain=explain)


def whole_mm2(les: Lesion, base: Lesion, *, explain: bool = True) -> tuple[float | None, str]:
    """Bidimensional product of the whole lesion, mm² (nodes: longest x short axis; the note
    of a measured product only if ``explain``)."""
    if les.status == "absent":
        return 0.0, "disappeared: 0 mm²"
    if les.status == "too_small":
        return 25.0, "too small to measure: 5 x 5 mm"
    if les.status == "not_assessed":
        return None, "not assessed"
    second = les.short_axis_mm if base.is_node else les.perpendicular_mm
    if les.longest_mm is None or second is None:
        return None, "bidimensional diameters not recorded"
    note = f"whole {fmt(les.longest_mm)} x {fmt(second)} mm" if explain else ""
    return les.longest_mm * second, note


# ------------------------------------------------------------------- non-target, new


def _nt_common(
    base: Sequence[NonTargetLesion], cur: Sequence[NonTargetLesion]
) -> tuple[str | None, dict[str, NonTargetLesion]]:
    if not base and not cur:
        return None, {}
    by_id = {n.id: n for n in cur}
    if any(n.status == "unequivocal_progression" for n in cur):
        return "PD", by_id
    if any(b.id not in by_id for b in base) or any(n.status == "not_assessed" for n in cur):
        return "NE", by_id
    return "", by_id


def recist_non_target(
    base: Sequence[NonTargetLesion], cur: Sequence[NonTargetLesion]
) -> str | None:
    """RECIST 1.1 §1.3: CR (all gone), non-CR/non-PD, PD (unequivocal), NE (not assessed)."""
    code, by_id = _nt_common(base, cur)
    if code != "":
        return code
    if all(n.status == "absent" for n in by_id.values()):
        return "CR"
    return "non-CR/non-PD"


def viable_non_target(label: str) -> NonTargetRule:
    """mRECIST §2.4 / EASL: CR = no intratumoral arterial enhancement in any non-target."""

    def rule(base: Sequence[NonTargetLesion], cur: Sequence[NonTargetLesion]) -> str | None:
        code, by_id = _nt_common(base, cur)
        if code != "":
            return code
        if all(n.status == "absent" or n.viable is False for n in by_id.values()):
            return "CR"
        return label

    return rule


def recist_new_lesion(nl: NewLesion, first_size: float | None) -> tuple[bool, str]:
    """RECIST 1.1 §1.4: any unequivocal new lesion; a node only if short axis >= 10 mm."""
    if nl.equivocal:
        return False, "equivocal: not PD until confirmed (then dated to first appearance)"
    if nl.organ == "lymph_node":
        sa = nl.size_mm
        if sa is not None and sa < 10:
            return False, f"node short axis {fmt(sa, 'mm')} < 10 mm: not pathological"
    return True, "unequivocal new lesion"


# ----------------------------------------------------------------------- the engine


def _sum_targets(
    spec: Spec, a: Assessment, base_targets: Sequence[Lesion], *, explain: bool = True
) -> tuple[float, bool, bool, tuple[LesionFinding, ...]]:
    """(sum of assessed, all assessed?, all cleared?, findings; none unless ``explain``)."""
    by_id = {les.id: les for les in a.lesions}
    parts: list[float] = []
    complete = True
    cleared = True
    findings: list[LesionFinding] = []
    for b in base_targets:
        les = by_id[b.id]
        v, note = spec.measure(les, b)
        if v is None:
            complete = False
        else:
            parts.append(v)
        if cleared and not spec.cleared(les, b):
            cleared = False
        if explain:
            findings.append(
                LesionFinding(
                    id=b.id, organ=b.organ, status=les.status, value=v, unit=spec.unit, note=note
                )
            )
    return math.fsum(parts), complete, cleared, tuple(findings)


def combine(target: Code, non_target: str | None, new: bool) -> Code:
    """Overall time-point response (RECIST 1.1 Table 1; mRECIST table, same layout)."""
    if target == "PD" or non_target == "PD" or new:
        return "PD"
    if target == "NE":
        return "NE"
    if target == "CR":
        return "CR" if non_target in ("CR", None) else "PR"
    return target


_Flags = tuple[bool, bool, bool]
"""(baseline measurable, every target assessed, every target cleared)."""


def _target_code(spec: Spec, total: float, ref: float, base_sum: float, flags: _Flags) -> Code:
    """Target response at one visit (PD checked first, then NE, CR, PR; else SD)."""
    base_ok, complete, cleared = flags
    if base_ok and gt(total, ref):  # PD needs both thresholds (relative, absolute if any)
        grown = total * 100.0
        bound = ref * (100.0 + spec.pd_increase_pct)
        rel_ok = ge(grown, bound) if spec.pd_inclusive else gt(grown, bound)
        if rel_ok and (spec.pd_min_abs is None or ge(total - ref, spec.pd_min_abs)):
            return "PD"
    if not (complete and base_ok):
        return "NE"
    if cleared:
        return "CR"
    pr_bound = base_sum * (100.0 - spec.pr_decrease_pct)
    pr = ge(pr_bound, total * 100.0) if spec.pr_inclusive else gt(pr_bound, total * 100.0)
    return "PR" if pr else "SD"


def _target_why(
    spec: Spec,
    target: Code,
    sums: tuple[float, float, float],
    flags: _Flags,
    findings: Sequence[LesionFinding],
    refs: tuple[dict[str, float | None], dict[str, float | None]],
) -> str:
    """The text of a target response: sums, percent changes and the deciding lesion."""
    total, ref, base_sum = sums
    base_ok, complete, _ = flags
    p_base, p_ref = pct(total, base_sum), pct(total, ref)
    ref_name = spec.pd_reference
    if target == "PD":
        sgn = ">=" if spec.pd_inclusive else ">"
        abs_txt = f" and +{fmt(total - ref, spec.unit)}" if spec.pd_min_abs is not None else ""
        why_t = (
            f"target PD: sum {fmt(total, spec.unit)} is {fmt_pct(p_ref)} from {ref_name} "
            f"{fmt(ref, spec.unit)} ({sgn} {spec.pd_increase_pct:g}%){abs_txt}"
        )
        if not (complete and base_ok):
            why_t += " (already met by the assessed lesions)"
        return why_t + _driver(findings, refs[0], ref_name, largest=True)
    if target == "NE":
        missing = [f.id for f in findings if f.value is None]
        return (
            f"target NE: {', '.join(missing)} not assessable"
            if base_ok
            else f"target NE: baseline not measurable for {spec.name}"
        )
    if target == "CR":
        return "target CR: every target lesion resolved"
    if target == "PR":
        why_t = (
            f"target PR: sum {fmt(total, spec.unit)} is {fmt_pct(p_base)} from baseline "
            f"{fmt(base_sum, spec.unit)} (<= -{spec.pr_decrease_pct:g}%)"
        )
        return why_t + _driver(findings, refs[1], "baseline", largest=False)
    return (
        f"target SD: sum {fmt(total, spec.unit)}, {fmt_pct(p_base)} from baseline, "
        f"{fmt_pct(p_ref)} from {ref_name} {fmt(ref, spec.unit)}"
    )


def evaluate(
    spec: Spec, tl: Timeline
) -> tuple[float, tuple[TimepointResponse, ...], tuple[str, ...]]:
    """Apply a sum-based criterion to every follow-up: (baseline sum, visits, notes).

    A baseline that cannot be measured for this criterion (e.g. a typical-HCC target without
    viable diameters) makes the target response NE at every visit (said in ``notes``); new
    lesions and non-target progression still give PD.
    """
    base_sum, visits, _, notes = _evaluate(spec, tl, explain=True)
    return base_sum, visits, notes


def progression_decisions(spec: Spec, tl: Timeline) -> tuple[tuple[dt.date, ...], dt.date | None]:
    """The decisions :func:`evaluate` makes, without their text: (dates of the visits whose
    overall response is not NE, date the first PD is dated to). Same rules, same order; what
    time-to-event endpoints read."""
    _, _, decisions, _ = _evaluate(spec, tl, explain=False)
    adequate = tuple(d for d, overall, _ in decisions if overall != "NE")
    first = next((p for _, overall, p in decisions if overall == "PD"), None)
    return adequate, first


def _evaluate(
    spec: Spec, tl: Timeline, *, explain: bool
) -> tuple[
    float,
    tuple[TimepointResponse, ...],
    list[tuple[dt.date, Code, dt.date | None]],
    tuple[str, ...],
]:
    """The visit loop of :func:`evaluate`; texts and findings only when ``explain``, else
    (date, overall, progression date) per visit."""
    base = tl.baseline
    targets = [les for les in base.lesions if les.target]
    base_sum, base_ok, _, base_findings = _sum_targets(spec, base, targets, explain=explain)
    notes: tuple[str, ...] = ()
    if explain and not base_ok:
        unmeasured = ", ".join(f"{f.id} ({f.note})" for f in base_findings if f.value is None)
        notes = (
            f"baseline not measurable for {spec.name}: {unmeasured}; target response NE at every "
            "visit",
        )
    nadir = base_sum
    previous = base_sum
    base_vals = {f.id: f.value for f in base_findings}
    ref_vals = {"nadir": base_vals, "baseline": base_vals, "previous": base_vals}
    first_seen: dict[str, tuple[dt.date, float | None]] = {}
    counted: set[str] = set()
    out: list[TimepointResponse] = []
    decisions: list[tuple[dt.date, Code, dt.date | None]] = []
    by_nadir = spec.pd_reference == "nadir"
    any_treated = bool(treated_new_lesions(tl))
    for a in tl.follow_ups:
        total, complete, cleared, findings = _sum_targets(spec, a, targets, explain=explain)
        ref = nadir if by_nadir else (base_sum if spec.pd_reference == "baseline" else previous)
        flags = (base_ok, complete, cleared)
        target = _target_code(spec, total, ref, base_sum, flags)
        nt = spec.non_target(base.non_target, a.non_target)
        if any_treated:
            states, treated, treated_why = treated_findings(tl, a, viable=spec.treated_viable)
            nt = merge_non_target(nt, states, spec.non_target_label)
        else:
            treated, treated_why = (), ()
        new_findings: list[NewLesionFinding] = []
        new = False
        prog_date: dt.date | None = None
        for nl in a.new_lesions:
            seen = first_seen.get(nl.id) if nl.id else None
            if nl.id and seen is None:
                first_seen[nl.id] = (a.date, nl.size_mm)
                seen = first_seen[nl.id]
            first_date = seen[0] if seen else a.date
            counts, reason = spec.new_lesion(nl, seen[1] if seen else None)
            if explain:
                new_findings.append(
                    NewLesionFinding(
                        id=nl.id,
                        organ=nl.organ,
                        size_mm=nl.size_mm,
                        counts=counts,
                        first_seen=first_date,
                        reason=reason,
                    )
                )
            if counts:
                new = True
                if nl.id:
                    counted.add(nl.id)
                if prog_date is None or first_date < prog_date:
                    prog_date = first_date
        overall = combine(target, nt, new)
        if overall != "PD":
            prog_date = None
        elif prog_date is None or prog_date > a.date:
            prog_date = a.date
        if not explain:
            decisions.append((a.date, overall, prog_date))
        else:
            why_t = _target_why(
                spec,
                target,
                (total, ref, base_sum),
                flags,
                findings,
                (ref_vals[spec.pd_reference], base_vals),
            )
            out.append(
                TimepointResponse(
                    date=a.date,
                    day=(a.date - tl.start_date).days,
                    target=target,
                    non_target=nt,
                    new_lesions=new,
                    overall=overall,
                    sum=total,
                    unit=spec.unit,
                    baseline_sum=base_sum,
                    nadir_sum=nadir,
                    pct_from_baseline=pct(total, base_sum),
                    pct_from_nadir=pct(total, nadir),
                    lesions=findings,
                    new_lesion_findings=tuple(new_findings),
                    why=f"{overall}: "
                    + "; ".join(_reasons(why_t, nt, treated_why if treated else (), new_findings)),
                    progression_date=prog_date,
                    treated_lesions=treated,
                )
            )
        if complete and base_ok:
            if explain:
                vals = {f.id: f.value for f in findings}
                if total < nadir:
                    ref_vals["nadir"] = vals
                ref_vals["previous"] = vals
            nadir = min(nadir, total)
            previous = total
    if explain:
        notes += untreated_before_counting(tl, counted, spec.name)
    return base_sum, tuple(out), decisions, notes


def _reasons(
    why_t: str,
    nt: str | None,
    treated_why: Sequence[str],
    new_findings: Sequence[NewLesionFinding],
) -> list[str]:
    """The parts of a visit's ``why`` after its overall code."""
    reasons = [why_t]
    if nt is not None:
        reasons.append(f"non-target {nt}")
    if treated_why:
        reasons.append("; ".join(treated_why))
    deciding = [f for f in new_findings if f.counts]
    if deciding:
        reasons.append(
            "new lesion "
            + ", ".join(
                f"{f.id or '?'} ({f.organ}, {fmt(f.size_mm, 'mm')}, first seen "
                f"{f.first_seen.isoformat()})"
                for f in deciding
            )
        )
    else:
        reasons.append("no new lesion counted" if new_findings else "no new lesion")
    return reasons


def _driver(
    findings: Sequence[LesionFinding],
    ref: dict[str, float | None],
    ref_name: str,
    *,
    largest: bool,
) -> str:
    """The lesion that moved most vs the reference visit: ``; driven by L2 (+12 mm vs nadir)``."""
    deltas = [
        (f.value - r, f.id)
        for f in findings
        if f.value is not None and (r := ref.get(f.id)) is not None
    ]
    if not deltas:
        return ""
    delta, lid = max(deltas) if largest else min(deltas)
    unit = findings[0].unit
    return f"; driven by {lid} ({delta:+.1f} {unit} vs {ref_name})".replace(".0 ", " ")


_RANK = {"CR": 3, "PR": 2, "SD": 1}


def _confirmed(
    visits: Sequence[TimepointResponse], codes: tuple[str, ...], min_days: int
) -> tuple[TimepointResponse, TimepointResponse] | None:
    """First visit in ``codes`` followed by another in ``codes`` at least ``min_days`` later."""
    for i, v in enumerate(visits):
        if v.overall not in codes:
            continue
        for w in visits[i + 1 :]:
            if w.overall in codes and (w.date - v.date).days >= min_days:
                return v, w
    return None


def best_overall_response(
    tl: Timeline,
    visits: Sequence[TimepointResponse],
    *,
    confirmation: bool,
    min_confirmation_days: int,
    min_sd_days: int | None,
) -> BestOverallResponse:
    """Best overall response (RECIST 1.1 §1.6), with or without confirmation.

    Without confirmation: the best of CR > PR > SD recorded before the first PD (SD only if
    at least ``min_sd_days`` after start); otherwise PD if progression was recorded, else NE.
    With confirmation: CR needs a later CR, PR a later CR or PR, at least
    ``min_confirmation_days`` apart and before PD; an unconfirmed CR/PR counts as SD (if the
    SD minimum is met), as in RECIST 1.1 Table 3.
    """
    before_pd: list[TimepointResponse] = []
    pd_visit: TimepointResponse | None = None
    for v in visits:
        if v.overall == "PD":
            pd_visit = v
            break
        before_pd.append(v)

    def sd_ok(v: TimepointResponse) -> bool:
        return min_sd_days is None or (v.date - tl.start_date).days >= min_sd_days

    best: BestOverallResponse | None = None
    if not confirmation:
        cands = [v for v in before_pd if v.overall in _RANK and (v.overall != "SD" or sd_ok(v))]
        if cands:
            top = max(cands, key=lambda v: (_RANK[v.overall], -v.day))
            best = BestOverallResponse(
                value=top.overall,
                date=top.date,
                confirmed_on=None,
                why=f"best time-point response {top.overall} on {top.date.isoformat()} "
                "(no confirmation required)",
            )
    else:
        for level, starts in (("CR", ("CR",)), ("PR", ("CR", "PR"))):
            pair = _confirmed(before_pd, starts, min_confirmation_days)
            if pair is not None:
                v, w = pair
                best = BestOverallResponse(
                    value="CR" if level == "CR" else "PR",
                    date=v.date,
                    confirmed_on=w.date,
                    why=f"{v.overall} on {v.date.isoformat()} confirmed by {w.overall} "
                    f"on {w.date.isoformat()} (>= {min_confirmation_days} days later)",
                )
                break
        if best is None:
            sd = [v for v in before_pd if v.overall in _RANK and sd_ok(v)]
            if sd:
                best = BestOverallResponse(
                    value="SD",
                    date=sd[0].date,
                    confirmed_on=None,
                    why=f"{sd[0].overall} on {sd[0].date.isoformat()} not confirmed: counts as SD",
                )
    if best is not None:
        return best
    if pd_visit is not None:
        return BestOverallResponse(
            value="PD",
            date=pd_visit.date,
            confirmed_on=None,
            why=f"progression on {pd_visit.date.isoformat()} before any qualifying response",
        )
    return BestOverallResponse(
        value="NE",
        date=None,
        confirmed_on=None,
        why="no evaluable follow-up meeting CR, PR or SD (minimum SD interval)",
    )


def check_bor_options(min_confirmation_days: int, min_sd_days: int | None) -> None:
    """The best-overall-response options: no negative interval."""
    if min_confirmation_days < 0:
        raise InputError("min_confirmation_days", min_confirmation_days, ">= 0")
    if min_sd_days is not None and min_sd_days < 0:
        raise InputError("min_sd_days", min_sd_days, ">= 0 or None")


def assemble(
    *,
    spec: Spec,
    tl: Timeline,
    rule: str,
    citation: Citation,
    options: dict[str, object],
    confirmation: bool,
    min_confirmation_days: int,
    min_sd_days: int | None,
    notes: tuple[str, ...] = (),
    precomputed: tuple[float, tuple[TimepointResponse, ...], tuple[str, ...]] | None = None,
) -> CriterionResult:
    check_bor_options(min_confirmation_days, min_sd_days)
    base_sum, visits, found = precomputed if precomputed is not None else evaluate(spec, tl)
    bor = best_overall_response(
        tl,
        visits,
        confirmation=confirmation,
        min_confirmation_days=min_confirmation_days,
        min_sd_days=min_sd_days,
    )
    first_pd = next((v.progression_date for v in visits if v.overall == "PD"), None)
    return CriterionResult(
        criterion=spec.name,
        patient_id=tl.id,
        rule=rule,
        citation=citation,
        options=options,
        unit=spec.unit,
        baseline_sum=base_sum,
        assessments=visits,
        best_overall_response=bor,
        objective_response=bor.value in ("CR", "PR"),
        disease_control=bor.value in ("CR", "PR", "SD"),
        first_progression=first_pd,
        notes=notes + found,
    )
