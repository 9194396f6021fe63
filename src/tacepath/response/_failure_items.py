"""The decisions of the TACE-failure rules (:mod:`tacepath.response.tace_failure`), apart
from the results that explain them: the JSH-LCSGJ items and the TACTICS components, each
computed once, with their texts only when asked (``explain``), so that endpoint derivation
can read the decisions of many timelines without formatting every reason."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from tacepath.domain.timeline import Assessment, Timeline
from tacepath.errors import InputError
from tacepath.response._failure_common import (
    Comps,
    IndexSums,
    extrahepatic,
    first_fired,
    vascular_invasion,
)
from tacepath.response._failure_results import IntrahepaticVisit, JshSession, component_label
from tacepath.response._results import fmt, fmt_pct, ge, gt, pct

__all__ = [
    "INCREASE_PCT",
    "MAX_LESIONS",
    "ViableReference",
    "check_jsh",
    "check_untaceable",
    "jsh_components",
    "untaceable_components",
]

ViableReference = Literal["pre_session", "original_baseline"]
INCREASE_PCT = 25.0
"""TACTICS intrahepatic progression: viable tumour area >= 25 % above baseline (Kudo M, et al.
Liver Cancer 2022;11(4):354-367)."""
MAX_LESIONS = 5
"""Index lesions: the up-to-five largest intrahepatic lesions at baseline (TACTICS; JSH)."""
_JSH_INTRAHEPATIC = ("ineffective_1a", "progressive_1b")
_CP_C_MIN = 10
"""Child-Pugh class C = score 10-15 (Pugh 1973); TACTICS reports "Child-Pugh score >= 10"."""


def check_jsh(viable_reference: str, eval_window_days: tuple[int, int] | None) -> None:
    if viable_reference not in ("pre_session", "original_baseline"):
        raise InputError("viable_reference", viable_reference, "pre_session | original_baseline")
    if eval_window_days is not None and not 0 <= eval_window_days[0] <= eval_window_days[1]:
        raise InputError("eval_window_days", eval_window_days, "(min, max) with 0 <= min <= max")


def _tumour_count(a: Assessment) -> int | None:
    """Intrahepatic nodules present (measured, non-target, unequivocal new); None if unknown."""
    n = 0
    for les in a.lesions:
        if not les.intrahepatic:
            continue
        if les.status == "not_assessed":
            return None
        n += les.status != "absent"
    for nt in a.non_target:
        if nt.organ != "liver":
            continue
        if nt.status == "not_assessed":
            return None
        n += nt.status != "absent"
    n += sum(1 for nl in a.new_lesions if nl.intrahepatic and not nl.equivocal)
    return n


def jsh_components(
    timeline: Timeline,
    how: tuple[ViableReference, bool, bool],
    eval_window_days: tuple[int, int] | None,
    ehs_min_mm: float | None,
    max_lesions: int,
    *,
    explain: bool,
    sums: IndexSums | None = None,
) -> tuple[Comps, list[JshSession], list[str]]:
    """The items of :func:`jsh_refractoriness`: (components, sessions, caveats); sessions,
    notes and caveats only if ``explain`` (the decisions are the same); ``sums`` as in
    :func:`untaceable_components`."""
    viable_reference, require_regimen_change, mix_1a_1b = how
    sums = sums or IndexSums(timeline, max_lesions)
    nodules, base_viable, not_measurable = sums.nodules, sums.baseline, sums.why
    sessions = timeline.tace_sessions
    caveats: list[str] = []
    if not nodules:
        caveats.append(f"item 1a not evaluable: {not_measurable}")
    elif base_viable is None and viable_reference == "original_baseline":
        caveats.append(f"item 1a not evaluable against the original baseline: {not_measurable}")
    findings: list[JshSession] = []
    streak_a = streak_b = streak_mix = 0
    fired_1a: tuple[dt.date, str] | None = None
    fired_1b: tuple[dt.date, str] | None = None
    for k, s in enumerate(sessions):
        nxt = sessions[k + 1].date if k + 1 < len(sessions) else None
        pre = next((a for a in reversed(timeline.assessments) if a.date <= s.date), None)
        post = next(
            (
                a
                for a in timeline.assessments
                if a.date > s.date
                and (nxt is None or a.date <= nxt)
                and (
                    eval_window_days is None
                    or eval_window_days[0] <= (a.date - s.date).days <= eval_window_days[1]
                )
            ),
            None,
        )
        frac: float | None = None
        insufficient: bool | None = None
        progressive: bool | None = None
        c_pre = _tumour_count(pre) if pre else None
        c_post = _tumour_count(post) if post else None
        note = ""
        if pre is None or post is None:
            note = "no scan before and after this session: not evaluable (streak reset)"
        else:
            ref = base_viable if viable_reference == "original_baseline" else sums.of(pre)[0]
            now = sums.of(post)[0]
            if ref and now is not None:
                frac = now / ref
                insufficient = gt(frac, 0.5)
                if explain:
                    note = f"viable {fmt(now, 'mm²')} / {fmt(ref, 'mm²')} = {frac * 100:.0f}%"
            else:
                note = "viable sum not assessable (or reference 0)"
            if c_pre is not None and c_post is not None:
                progressive = c_post > c_pre
                if explain:
                    note += f"; nodules {c_pre} -> {c_post}"
        counts_change = (not require_regimen_change) or s.regimen_changed is True
        streak_a = streak_a + 1 if insufficient else 0
        streak_b = streak_b + 1 if progressive else 0
        streak_mix = streak_mix + 1 if (insufficient or progressive) else 0
        if explain:
            findings.append(
                JshSession(
                    session_date=s.date,
                    pre_date=pre.date if pre else None,
                    post_date=post.date if post else None,
                    viable_fraction=frac,
                    insufficient=insufficient,
                    count_pre=c_pre,
                    count_post=c_post,
                    progressive=progressive,
                    regimen_changed=s.regimen_changed,
                    note=note,
                )
            )
        if post is None:
            continue
        for streak, label in (
            (streak_a, "ineffective_1a"),
            (streak_b, "progressive_1b"),
            (streak_mix if mix_1a_1b else 0, "ineffective_1a"),
        ):
            if streak < 2:
                continue
            if not counts_change:
                caveats.append(
                    f"{label}: {streak} consecutive insufficient sessions up to "
                    f"{s.date.isoformat()}, but regimen change before it is "
                    f"{'unknown' if s.regimen_changed is None else 'false'}: not counted"
                )
                continue
            detail = f"{streak} consecutive insufficient sessions, last on {s.date.isoformat()}"
            if label == "progressive_1b" and fired_1b is None:
                fired_1b = (post.date, detail)
            elif label == "ineffective_1a" and fired_1a is None:
                fired_1a = (post.date, detail)
    after = sessions[0].date if sessions else None
    vi = vascular_invasion(timeline, after) if after else None
    ehs = extrahepatic(timeline, after, ehs_min_mm) if after else None
    comps = (
        ("ineffective_1a", fired_1a),
        ("progressive_1b", fired_1b),
        ("vascular_invasion", vi),
        ("extrahepatic_spread", ehs),
    )
    return comps, findings, caveats


def check_untaceable(
    increase_pct: float, cpc_window_days: int | None, ehs_min_mm: float | None
) -> None:
    if increase_pct <= 0:
        raise InputError("increase_pct", increase_pct, "> 0")
    if cpc_window_days is not None and cpc_window_days < 0:
        raise InputError("cpc_window_days", cpc_window_days, ">= 0 or None")
    if ehs_min_mm is not None and ehs_min_mm < 0:
        raise InputError("ehs_min_mm", ehs_min_mm, ">= 0 or None")


def untaceable_components(
    timeline: Timeline,
    threshold: tuple[float, bool, int],
    ehs_min_mm: float | None,
    cpc_window_days: int | None,
    jsh_comps: Comps | None,
    *,
    explain: bool,
    sums: IndexSums | None = None,
) -> tuple[Comps, list[IntrahepaticVisit], list[dt.date], tuple[str, ...]]:
    """The components of :func:`untaceable_progression` (options checked there): (components,
    intrahepatic visits, dates of the visits whose intrahepatic progression is assessable,
    caveat). ``threshold`` is (increase %, inclusive, index lesions); ``jsh_comps`` the JSH
    components when refractoriness counts; ``sums`` the index sums to share (one made here
    by default). Visits and texts only if ``explain``."""
    increase_pct, inclusive, max_lesions = threshold
    sums = sums or IndexSums(timeline, max_lesions)
    base_or_none, not_measurable = sums.baseline, sums.why
    base_viable = base_or_none or 0.0
    sign = ">=" if inclusive else ">"
    visits: list[IntrahepaticVisit] = []
    adequate: list[dt.date] = []
    ih: tuple[dt.date, str] | None = None
    ih_caveat: tuple[str, ...] = ()
    if base_or_none is None:
        ih_caveat = (f"intrahepatic progression not evaluable: {not_measurable}",)
    for a in timeline.follow_ups if base_or_none is not None else ():
        full, partial, missing = sums.of(a)
        value = full if full is not None else partial
        bound = base_viable * (100.0 + increase_pct)
        met = ge(value * 100.0, bound) if inclusive else gt(value * 100.0, bound)
        met = met and value > base_viable
        prog: bool | None = met if (full is not None or met) else None
        if prog is not None:
            adequate.append(a.date)
        if not explain:
            if met and ih is None:
                ih = (a.date, "")
            continue
        p = pct(value, base_viable)
        note = f"viable {fmt(value, 'mm²')} is {fmt_pct(p)} vs baseline {fmt(base_viable, 'mm²')}"
        if missing:
            note += f" ({', '.join(missing)} not assessable)"
        new_ih = [nl for nl in a.new_lesions if nl.intrahepatic]
        if new_ih:
            note += f"; {len(new_ih)} new intrahepatic lesion(s) ignored (not progression)"
        visits.append(
            IntrahepaticVisit(
                date=a.date,
                viable_mm2=full,
                baseline_mm2=base_viable,
                pct_from_baseline=pct(full, base_viable) if full is not None else None,
                progression=prog,
                note=note,
            )
        )
        if met and ih is None:
            ih = (a.date, f"{note} ({sign} {increase_pct:g}%)")
    sessions = timeline.tace_sessions
    cpc: tuple[dt.date, str] | None = None
    for rec in timeline.child_pugh:
        if rec.score < _CP_C_MIN:
            continue
        before = [s for s in sessions if s.date < rec.date]
        if not before:
            continue
        gap = (rec.date - before[-1].date).days
        if cpc_window_days is None or gap <= cpc_window_days:
            cpc = (
                rec.date,
                f"Child-Pugh score {rec.score} (class C) {gap} days after TACE on "
                f"{before[-1].date.isoformat()}",
            )
            break
    vi = vascular_invasion(timeline, timeline.start_date)
    ehs = extrahepatic(timeline, timeline.start_date, ehs_min_mm)
    comps: list[tuple[str, tuple[dt.date, str] | None]] = [
        ("intrahepatic_progression", ih),
        ("child_pugh_c", cpc),
        ("macrovascular_invasion", vi),
        ("extrahepatic_spread", ehs),
    ]
    if jsh_comps is not None:
        items = [(c, hit) for c, hit in jsh_comps if hit is not None and c in _JSH_INTRAHEPATIC]
        i = first_fired(items)
        refr = None
        if i is not None and (hit := items[i][1]) is not None:
            refr = (hit[0], f"JSH-LCSGJ {component_label(items[i][0])}: {hit[1]}")
        comps.append(("tace_refractoriness", refr))
    return comps, visits, adequate, ih_caveat
