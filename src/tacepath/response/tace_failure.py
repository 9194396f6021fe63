"""TACE failure: TACTICS unTACEable progression, TACE-specific PFS, JSH-LCSGJ refractoriness.

Three different things, kept apart on purpose:

* :func:`untaceable_progression` — the TACTICS definition of progression (time to unTACEable
  progression, TTUP). Death is *not* part of it.
* :func:`tace_specific_pfs` — the TACTICS primary endpoint: unTACEable progression or death,
  whichever first. A separate result, so death never masquerades as progression.
* :func:`jsh_refractoriness` — TACE failure/refractoriness of the Japan Society of Hepatology /
  Liver Cancer Study Group of Japan (2014 update).

and :func:`repeat_tace_indication`, the on-demand re-TACE trigger of the TACTICS protocol.
"""

from __future__ import annotations

import datetime as dt

from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.response._failure_common import (
    Comps,
    baseline_sums,
    compose,
    nodules_or_refuse,
    viable_sum,
)
from tacepath.response._failure_items import (
    INCREASE_PCT,
    MAX_LESIONS,
    ViableReference,
    check_jsh,
    check_untaceable,
    jsh_components,
    untaceable_components,
)
from tacepath.response._failure_results import (
    ComponentFinding,
    FailureResult,
    IntrahepaticVisit,
    JshSession,
    RepeatTaceIndication,
)
from tacepath.response._results import fmt, gt
from tacepath.response._sources import KUDO_JSH_2014, KUDO_TACTICS_2022
from tacepath.response._treated import relisted_after_tace, treated_findings
from tacepath.response.markers import jsh_marker_item

__all__ = [
    "ComponentFinding",
    "FailureResult",
    "IntrahepaticVisit",
    "JshSession",
    "RepeatTaceIndication",
    "jsh_refractoriness",
    "repeat_tace_indication",
    "tace_specific_pfs",
    "untaceable_progression",
]


# ------------------------------------------------------------------------------ JSH


def jsh_refractoriness(
    timeline: Timeline,
    *,
    viable_reference: ViableReference = "pre_session",
    require_regimen_change: bool = True,
    mix_1a_1b: bool = False,
    eval_window_days: tuple[int, int] | None = None,
    ehs_min_mm: float | None = None,
    max_lesions: int = MAX_LESIONS,
) -> FailureResult:
    """TACE failure/refractoriness by the JSH-LCSGJ criteria (2014 update).

    Any of: (1a) two or more consecutive insufficient responses of the treated tumour
    (viable lesion > 50 %) on the scan after each TACE, even after changing the agent or
    re-analysing the feeding artery; (1b) two or more consecutive progressions in the liver
    (more nodules than before the previous TACE), same conditions; (3) appearance of vascular
    invasion; (4) appearance of extrahepatic spread.

    Parameters
    ----------
    timeline
        A checked timeline with TACE sessions.
    viable_reference
        Reference image for "viable > 50 %": the scan before that session (default,
        decisions.md) or the original baseline. UNVERIFIED in a primary text.
    require_regimen_change
        The second (and later) insufficient session counts only if ``regimen_changed`` is
        true for it; unknown (null) is not assumed and is reported in ``caveats``.
    mix_1a_1b
        Count an ineffective and a progressive session together (literal reading of the 2018
        abstract, PMID 29969764); default False (each item needs its own streak).
    eval_window_days
        ``(min, max)`` days between session and evaluation scan ("1-3 months", UNVERIFIED);
        None = the first scan after the session and before the next one.
    ehs_min_mm
        Minimum size of extrahepatic spread; None (no threshold stated by JSH).
    max_lesions
        Treated tumour = the largest intrahepatic lesions at baseline (5).

    Returns
    -------
    FailureResult
        ``criterion`` one of ``ineffective_1a``, ``progressive_1b``, ``vascular_invasion``,
        ``extrahepatic_spread``; one :class:`JshSession` per TACE session.

    Notes
    -----
    Item 2 (continuous elevation of tumour markers) is not counted: the criteria do not
    quantify "continuous elevation". :func:`~tacepath.response.markers.jsh_marker_item`
    reads the markers around each session and its MDT questions are added to ``caveats``.
    A new lesion treated at a later session (``treated_lesions``) counts in the nodule number
    of 1b like any nodule present. It is not added to the 1a viable sum of the index lesions:
    the new-lesion record has no pre-TACE bidimensional product and the reference image is
    UNVERIFIED, so a reference for it would be invented. Exact wording of the items is
    UNVERIFIED; the structure (>= 2 procedures, > 50 % viable or more nodules) is confirmed
    by a secondary abstract.

    References
    ----------
    .. [1] Kudo M, et al. JSH Consensus-Based Clinical Practice Guidelines for the Management
       of Hepatocellular Carcinoma: 2014 Update by the Liver Cancer Study Group of Japan.
       Liver Cancer 2014;3:458-468.
    """
    check_jsh(viable_reference, eval_window_days)
    comps, findings, caveats = jsh_components(
        timeline,
        (viable_reference, require_regimen_change, mix_1a_1b),
        eval_window_days,
        ehs_min_mm,
        max_lesions,
        explain=True,
    )
    rule = (
        "JSH-LCSGJ TACE failure/refractoriness (2014 update): >= 2 consecutive insufficient "
        "responses (viable > 50% vs "
        + ("the scan before each session" if viable_reference == "pre_session" else "baseline")
        + ") or >= 2 consecutive increases in intrahepatic nodule number, the later session "
        "after a change of agent / feeding-artery re-analysis"
        + (" (required)" if require_regimen_change else " (not required: option)")
        + "; or appearance of vascular invasion or extrahepatic spread after TACE. Tumour-marker "
        "item (2) not quantified by the criteria: shown for MDT judgement, never counted "
        "(response.markers). Item wording and reference image UNVERIFIED."
    )
    caveats.extend(f"item 2 (tumour markers): {q}" for q in jsh_marker_item(timeline).questions)
    return compose(
        name="TACE failure/refractoriness (JSH-LCSGJ)",
        tl=timeline,
        comps=comps,
        rule=rule,
        citation=KUDO_JSH_2014,
        options={
            "viable_reference": viable_reference,
            "require_regimen_change": require_regimen_change,
            "mix_1a_1b": mix_1a_1b,
            "eval_window_days": tuple(eval_window_days) if eval_window_days else None,
            "ehs_min_mm": ehs_min_mm,
            "max_lesions": max_lesions,
        },
        sessions=tuple(findings),
        caveats=tuple(caveats)
        + (("no TACE session recorded: items need TACE",) if not timeline.tace_sessions else ()),
    )


# -------------------------------------------------------------------------- TACTICS


def untaceable_progression(
    timeline: Timeline,
    *,
    increase_pct: float = INCREASE_PCT,
    inclusive: bool = True,
    max_lesions: int = MAX_LESIONS,
    ehs_min_mm: float | None = 10.0,
    cpc_window_days: int | None = None,
    include_refractoriness: bool = True,
    jsh_viable_reference: ViableReference = "pre_session",
    jsh_require_regimen_change: bool = True,
    jsh: FailureResult | None = None,
) -> FailureResult:
    """unTACEable progression as defined by TACTICS (the TTUP event).

    Components, in this order for ties:

    1. ``intrahepatic_progression`` — viable tumour area (sum of the bidimensional products
       of the up-to-five largest intrahepatic lesions, RECICL measurement) increased by
       >= 25 % vs **baseline** (not the nadir) [1]_;
    2. ``child_pugh_c`` — transient deterioration to Child-Pugh C (score >= 10) after TACE;
    3. ``macrovascular_invasion`` — appearance of macrovascular invasion;
    4. ``extrahepatic_spread`` — appearance of extrahepatic spread (>= 10 mm) [1]_;
    5. ``tace_refractoriness`` — JSH-LCSGJ TACE refractoriness, intrahepatic items 1a/1b
       (vascular invasion and extrahepatic spread are components 3 and 4 with TACTICS'
       own size rule) [1]_.

    New intrahepatic lesions alone are NOT progression (they are treated by on-demand TACE).

    Parameters
    ----------
    timeline
        A checked timeline.
    increase_pct, inclusive
        The intrahepatic threshold (25 %, "25 % or greater": inclusive) [1]_.
    max_lesions
        Intrahepatic lesions summed (five largest at baseline) [1]_.
    ehs_min_mm
        Minimum size of extrahepatic spread: 10 mm, from the TACTICS final paper's pattern
        table ("≥10 mm extrahepatic metastasis lesions") [1]_; None = any size. The response
        reference lists this detail as UNVERIFIED in the abstracts.
    cpc_window_days
        Child-Pugh C counts only within this many days after a TACE session ("immediately
        after TACE" is not quantified): None = any time after a session.
    include_refractoriness
        Count JSH-LCSGJ refractoriness (the final paper: "progression also included the JSH
        criteria for TACE failure/refractoriness") [1]_. Default True.
    jsh_viable_reference, jsh_require_regimen_change
        Passed to :func:`jsh_refractoriness`.
    jsh
        A precomputed :func:`jsh_refractoriness` result to reuse (it must have been computed
        with the same ``max_lesions``, reference and regimen options).

    Returns
    -------
    FailureResult
        ``event``, ``date``, ``criterion`` (first component), every component, the
        intrahepatic course.

    References
    ----------
    .. [1] Kudo M, et al. Final Results of TACTICS. Liver Cancer 2022;11(4):354-367.
       doi:10.1159/000522547 (methods: study endpoints; results: patterns of unTACEable
       progression).
    .. [2] Kudo M, et al. Gut 2020;69(8):1492-1501. doi:10.1136/gutjnl-2019-318934
    """
    check_untaceable(increase_pct, cpc_window_days, ehs_min_mm)
    sign = ">=" if inclusive else ">"
    caveats: tuple[str, ...] = ()
    jsh_comps: Comps | None = None
    if include_refractoriness:
        if jsh is None:
            jsh = jsh_refractoriness(
                timeline,
                viable_reference=jsh_viable_reference,
                require_regimen_change=jsh_require_regimen_change,
                max_lesions=max_lesions,
            )
        caveats = jsh.caveats
        jsh_comps = [(c.criterion, (c.date, c.detail) if c.fired and c.date else None)
                     for c in jsh.components]  # fmt: skip
    comps, visits, _, ih_caveat = untaceable_components(
        timeline,
        (increase_pct, inclusive, max_lesions),
        ehs_min_mm,
        cpc_window_days,
        jsh_comps,
        explain=True,
    )
    ehs_txt = "any size" if ehs_min_mm is None else f">= {ehs_min_mm:g} mm"
    rule = (
        f"TACTICS unTACEable progression: viable tumour area (sum of bidimensional products of "
        f"the {max_lesions} largest intrahepatic lesions, RECICL) {sign} {increase_pct:g}% above "
        "BASELINE; Child-Pugh C (score >= 10) after TACE"
        + ("" if cpc_window_days is None else f" (within {cpc_window_days} days)")
        + f"; macrovascular invasion; extrahepatic spread ({ehs_txt})"
        + ("; JSH-LCSGJ TACE refractoriness (items 1a/1b)" if include_refractoriness else "")
        + ". New intrahepatic lesions alone are not progression. Death is not part of it "
        "(see TACE-specific PFS)."
    )
    return compose(
        name="unTACEable progression (TACTICS)",
        tl=timeline,
        comps=comps,
        rule=rule,
        citation=KUDO_TACTICS_2022,
        options={
            "increase_pct": increase_pct,
            "inclusive": inclusive,
            "max_lesions": max_lesions,
            "ehs_min_mm": ehs_min_mm,
            "cpc_window_days": cpc_window_days,
            "include_refractoriness": include_refractoriness,
            "jsh_viable_reference": jsh_viable_reference,
            "jsh_require_regimen_change": jsh_require_regimen_change,
        },
        intrahepatic=tuple(visits),
        sessions=jsh.sessions if jsh and include_refractoriness else (),
        caveats=ih_caveat + caveats,
    )


def tace_specific_pfs(
    timeline: Timeline, *, progression: FailureResult | None = None
) -> FailureResult:
    """TACE-specific PFS event (TACTICS primary endpoint): unTACEable progression or death.

    Parameters
    ----------
    timeline
        A checked timeline.
    progression
        A precomputed :func:`untaceable_progression` result (default: computed with the
        default options).

    Returns
    -------
    FailureResult
        ``criterion`` is the unTACEable component, or ``"death"`` when death came first
        (a tie goes to the progression component). Censoring is not decided here (see
        :mod:`tacepath.adam.endpoints`).

    References
    ----------
    .. [1] Kudo M, et al. Liver Cancer 2022;11(4):354-367. doi:10.1159/000522547
    """
    prog = progression or untaceable_progression(timeline)
    death = timeline.date_of_death
    death_hit = (death, f"death on {death.isoformat()}") if death else None
    prog_hit = (prog.date, prog.why) if prog.event and prog.date else None
    comps: list[tuple[str, tuple[dt.date, str] | None]] = [
        ("untaceable_progression", prog_hit),
        ("death", death_hit),
    ]
    res = compose(
        name="TACE-specific PFS (TACTICS)",
        tl=timeline,
        comps=comps,
        rule="TACE-specific PFS event: unTACEable progression (TACTICS) or death from any "
        "cause, whichever first.",
        citation=KUDO_TACTICS_2022,
        options=dict(prog.options),
        intrahepatic=prog.intrahepatic,
        sessions=prog.sessions,
        caveats=prog.caveats,
    )
    criterion = res.criterion
    why = res.why
    if criterion == "untaceable_progression":
        criterion = prog.criterion
        why = f"unTACEable progression first: {prog.why}"
    elif criterion == "death":
        why = f"death on {res.date.isoformat() if res.date else '?'} without prior unTACEable "
        why += "progression"
    return FailureResult(
        name=res.name,
        patient_id=res.patient_id,
        event=res.event,
        date=res.date,
        criterion=criterion,
        why=why,
        components=(*prog.components, res.components[1]),
        rule=res.rule,
        citation=res.citation,
        options=res.options,
        intrahepatic=res.intrahepatic,
        sessions=res.sessions,
        caveats=res.caveats,
    )


def repeat_tace_indication(
    timeline: Timeline,
    at: dt.date | None = None,
    *,
    max_lesions: int = 5,
    viable_fraction: float = 0.5,
    new_lesion_min_mm: float = 10.0,
) -> RepeatTaceIndication:
    """TACTICS on-demand repeat TACE at one assessment.

    Indicated if the viable lesions (sum of the two-dimensional measurements of the up-to-five
    largest intrahepatic lesions) exceed 50 % of the tumour at baseline before the first
    TACE [1]_, or a new intrahepatic lesion > 10 mm shows arterial enhancement with venous
    washout (a lesion > 10 mm without washout: wait until washout is confirmed) [2]_.

    A new lesion named by an earlier session's ``treated_lesions`` is not a new lesion any
    more: its viable state after that TACE is reported in ``treated``, never read from the
    new-lesion pattern (``typical_hcc`` describes enhancement with washout before treatment).
    The protocol gives no trigger for residual enhancement in it, so that goes to ``review``
    (MDT), not to ``reasons`` or ``wait``.

    Parameters
    ----------
    timeline
        A checked timeline.
    at
        Date of the assessment to judge (default: the last follow-up; the baseline if none).
    max_lesions, viable_fraction, new_lesion_min_mm
        5, 0.5 ("exceeded 50 %": strict) and 10 mm ("> 10 mm": strict).

    Returns
    -------
    RepeatTaceIndication

    References
    ----------
    .. [1] Kudo M, et al. Liver Cancer 2022;11(4):354-367 (methods: treatment).
    .. [2] TACTICS protocol excerpt, https://pubcompare.ai/protocol/Jh_L1YwB4C3bMWOeZMsL
    """
    if not 0 < viable_fraction < 1:
        raise InputError("viable_fraction", viable_fraction, "between 0 and 1")
    nodules = nodules_or_refuse(timeline, max_lesions)
    _, base_whole = baseline_sums(timeline, nodules)
    if at is None:
        a = timeline.assessments[-1]
    else:
        match = [x for x in timeline.assessments if x.date == at]
        if not match:
            raise InputError(
                "at",
                at.isoformat(),
                f"an assessment date of {timeline.id}: "
                + ", ".join(x.date.isoformat() for x in timeline.assessments),
            )
        a = match[0]
    full, partial, missing = viable_sum(a, nodules)
    value = full if full is not None else partial
    reasons: list[str] = []
    wait: list[str] = []
    if gt(value, viable_fraction * base_whole):
        reasons.append(
            f"viable {fmt(value, 'mm²')} = {value / base_whole * 100:.0f}% of baseline tumour "
            f"{fmt(base_whole, 'mm²')} (> {viable_fraction * 100:g}%)"
        )
    for nl in a.new_lesions:
        if not nl.intrahepatic or nl.size_mm is None or not gt(nl.size_mm, new_lesion_min_mm):
            continue
        label = f"new intrahepatic lesion {nl.id or ''} {fmt(nl.size_mm, 'mm')}".replace("  ", " ")
        if nl.typical_hcc:
            reasons.append(f"{label} with arterial enhancement and washout")
        else:
            wait.append(f"{label} without confirmed washout: re-image until washout is seen")
    indicated = bool(reasons) and a is not timeline.baseline
    if missing:
        wait.append(f"{', '.join(missing)} not assessable")
    states, _, treated = treated_findings(timeline, a, viable=True)
    review = tuple(
        f"{text}: residual enhancement of a treated new lesion; the TACTICS triggers (viable "
        "index lesions > 50% of baseline, new lesion) do not cover it: MDT review"
        for text, state in zip(treated, states, strict=True)
        if state != "cleared"
    )
    return RepeatTaceIndication(
        date=a.date,
        indicated=indicated,
        viable_mm2=full,
        baseline_mm2=base_whole,
        pct_of_baseline=(full / base_whole * 100.0) if full is not None else None,
        reasons=tuple(reasons),
        wait=tuple(wait),
        rule=(
            f"TACTICS on-demand TACE: viable sum of the {max_lesions} largest intrahepatic "
            f"lesions > {viable_fraction * 100:g}% of the baseline tumour, or a new intrahepatic "
            f"lesion > {new_lesion_min_mm:g} mm with arterial enhancement and washout. A new "
            "lesion treated at an earlier TACE is no longer new: its viable state is reported."
        ),
        citation=KUDO_TACTICS_2022,
        treated=treated,
        review=review,
        notes=relisted_after_tace(timeline, a),
    )
