"""New lesions treated at a later TACE: how each criterion follows them after that session.

What the reference says (response-criteria.md):

* a new lesion is PD at the assessment where it appears (RECIST 1.1 §1.4, mRECIST §2.5), and
  progression stays dated there (§1.6: the best overall response is taken before the first PD);
* targets are chosen at baseline (RECIST 1.1 §1.1, taken over by mRECIST §2.1), so a later
  lesion never enters the target sum, its baseline or its nadir;
* a lesion in a locoregionally treated area is non-measurable unless it progresses after
  treatment (RECIST 1.1 §1.1), i.e. a non-target;
* mRECIST and EASL judge treated HCC by its arterially enhancing (viable) part; a non-target is
  CR when no non-target enhances any more, IR/SD while one does (mRECIST §2.4).

So after its TACE a treated new lesion is followed as a **non-target**: cleared (no viable
tumour, or gone), persisting, or not assessable. The reference is silent on a treated new
lesion as such; this is the conservative reading: the PD at its appearance stands, the target
sum is untouched, and residual enhancement keeps the non-target response from CR. It is also
silent on growth of a treated lesion: no size rule is invented for it (a non-target PD is
"unequivocal progression", a reader's call, RECIST 1.1 §1.3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from tacepath.domain.timeline import Assessment, Lesion, Timeline
from tacepath.domain.treated import treated_new_lesions
from tacepath.response._results import LesionFinding, fmt

__all__ = ["TreatedState", "merge_non_target", "relisted_after_tace", "treated_findings"]

TreatedState = Literal["cleared", "persisting", "NE"]


def treated_state(les: Lesion, *, viable: bool) -> tuple[TreatedState, float | None, str]:
    """(state, value in mm, why) of one treated lesion: viable diameter or whole lesion."""
    if les.status == "absent":
        return "cleared", 0.0, "disappeared"
    if les.status == "not_assessed":
        return "NE", None, "not assessed"
    if les.status == "too_small":
        return "persisting", 5.0, "present, too small to measure (5 mm)"
    if not viable:
        return "persisting", les.longest_mm, "present (RECIST 1.1: non-target)"
    v = les.viable_longest_mm
    if v is None:
        return "NE", None, "viable longest diameter not recorded"
    if v == 0:
        return "cleared", 0.0, "no arterial enhancement (no viable tumour)"
    return "persisting", v, f"viable (enhancing) {fmt(v, 'mm')}"


def treated_findings(
    tl: Timeline, a: Assessment, *, viable: bool
) -> tuple[tuple[TreatedState, ...], tuple[LesionFinding, ...], tuple[str, ...]]:
    """States, findings and reasons (``treated NL1 (TACE ...): ...``) of the new lesions
    treated at a TACE before ``a``."""
    by_id = {les.id: les for les in a.lesions}
    states: list[TreatedState] = []
    findings: list[LesionFinding] = []
    reasons: list[str] = []
    for lid, when in treated_new_lesions(tl).items():
        les = by_id.get(lid)
        if les is None or a.date <= when:
            continue
        state, value, why = treated_state(les, viable=viable)
        states.append(state)
        reasons.append(f"treated {lid} (TACE {when.isoformat()}): {why}")
        findings.append(
            LesionFinding(
                id=lid,
                organ=les.organ,
                status=les.status,
                value=value,
                unit="mm",
                note=f"new lesion treated at TACE on {when.isoformat()}: {why}; followed as a "
                "non-target (not in the target sum)",
            )
        )
    return tuple(states), tuple(findings), tuple(reasons)


def merge_non_target(nt: str | None, states: Sequence[TreatedState], label: str) -> str | None:
    """The non-target category with the treated lesions as non-targets (PD > NE > label > CR)."""
    if not states or nt == "PD":
        return nt
    if "NE" in states or nt == "NE":
        return "NE"
    if "persisting" in states or (nt is not None and nt != "CR"):
        return label
    return "CR"


def untreated_before_counting(tl: Timeline, counted: set[str], name: str) -> tuple[str, ...]:
    """Notes for new lesions treated before they ever counted as PD under ``name``."""
    out: list[str] = []
    for lid, when in treated_new_lesions(tl).items():
        if lid not in counted:
            out.append(
                f"{lid} was treated at TACE on {when.isoformat()} before it counted as a new "
                f"lesion under {name}; afterwards it is followed as a treated non-target. The "
                "reference is silent on whether its later course would have confirmed it."
            )
    return tuple(out)


def relisted_after_tace(tl: Timeline, a: Assessment) -> tuple[str, ...]:
    """Notes for new lesions listed again at ``a`` after a TACE that does not name them.

    Before ``treated_lesions`` existed, a treated new lesion could only be listed again as
    new, its ``typical_hcc`` standing in for its state after embolisation. Such a record still
    reads as an untreated new lesion; the note says how to record the treatment instead.
    """
    out: list[str] = []
    for nl in a.new_lesions:
        if nl.id is None or not nl.intrahepatic:
            continue
        first = next(b.date for b in tl.assessments if any(x.id == nl.id for x in b.new_lesions))
        between = [s.date for s in tl.tace_sessions if first <= s.date < a.date]
        if first < a.date and between:
            out.append(
                f"{nl.id} was seen on {first.isoformat()}, before the TACE on "
                f"{between[-1].isoformat()}, and is listed again as new: read as untreated. If "
                "that TACE treated it, name it in the session's treated_lesions and measure it "
                "under lesions (typical_hcc describes the pattern before treatment)"
            )
    return tuple(out)
