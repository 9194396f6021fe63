"""What the TACE-failure rules share: viable sums of the index lesions, vascular invasion,
extrahepatic spread, and the composition of components into one result."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from tacepath.domain.citation import Citation
from tacepath.domain.timeline import Assessment, Lesion, NewLesion, Timeline
from tacepath.errors import InputError
from tacepath.response._core import viable_mm2, whole_mm2
from tacepath.response._failure_results import (
    ComponentFinding,
    FailureResult,
    IntrahepaticVisit,
    JshSession,
    component_label,
)
from tacepath.response._results import fmt, ge
from tacepath.response.recicl import index_lesions

__all__ = [
    "Comps",
    "IndexSums",
    "baseline_sums",
    "compose",
    "extrahepatic",
    "find_lesion",
    "first_fired",
    "index_and_baseline",
    "nodules_or_refuse",
    "vascular_invasion",
    "viable_sum",
]


def find_lesion(a: Assessment, lid: str) -> Lesion | None:
    for les in a.lesions:
        if les.id == lid:
            return les
    return None


def viable_sum(a: Assessment, nodules: Sequence[Lesion]) -> tuple[float | None, float, list[str]]:
    """(sum or None if incomplete, sum of the assessed ones, ids not assessable)."""
    parts: list[float] = []
    missing: list[str] = []
    for b in nodules:
        les = find_lesion(a, b.id)
        v = viable_mm2(les, b, explain=False)[0] if les is not None else None
        if v is None:
            missing.append(b.id)
        else:
            parts.append(v)
    total = math.fsum(parts)
    return (None if missing else total), total, missing


def baseline_sums(tl: Timeline, nodules: Sequence[Lesion]) -> tuple[float, float]:
    viable, _, missing = viable_sum(tl.baseline, nodules)
    if viable is None:
        raise InputError(
            f"{tl.id}.assessments[0]({tl.baseline.date.isoformat()}).lesions[{missing[0]}]",
            None,
            "viable diameters (typical HCC) or both diameters at baseline",
        )
    whole = math.fsum(whole_mm2(b, b)[0] or 0.0 for b in nodules)
    return viable, whole


def index_and_baseline(
    tl: Timeline, max_lesions: int
) -> tuple[tuple[Lesion, ...], float | None, str]:
    """Index lesions and baseline viable sum; (lesions, None, why) when not measurable."""
    nodules = index_lesions(tl, max_lesions)
    if not nodules:
        return (), None, "no liver lesion with both diameters at baseline"
    viable, _, missing = viable_sum(tl.baseline, nodules)
    if viable is None or viable == 0:
        why = (
            f"baseline viable diameters missing ({', '.join(missing)})"
            if missing
            else ("no viable tumour at baseline")
        )
        return nodules, None, why
    return nodules, viable, ""


class IndexSums:
    """The index lesions of a timeline, their baseline viable sum and the viable sum of each
    assessment, computed once when first read (the JSH items and the TACTICS components read
    the same sums). Only for assessments of the timeline it was made for."""

    __slots__ = ("baseline", "nodules", "sums", "why")

    def __init__(self, tl: Timeline, max_lesions: int) -> None:
        self.nodules, self.baseline, self.why = index_and_baseline(tl, max_lesions)
        self.sums: dict[int, tuple[float | None, float, list[str]]] = {}

    def of(self, a: Assessment) -> tuple[float | None, float, list[str]]:
        """:func:`viable_sum` of ``a`` over the index lesions."""
        hit = self.sums.get(id(a))
        if hit is None:
            hit = self.sums[id(a)] = viable_sum(a, self.nodules)
        return hit


def nodules_or_refuse(tl: Timeline, max_lesions: int) -> tuple[Lesion, ...]:
    nodules = index_lesions(tl, max_lesions)
    if not nodules:
        raise InputError(
            f"{tl.id}.assessments[0]({tl.baseline.date.isoformat()}).lesions",
            [les.id for les in tl.baseline.lesions],
            "at least one liver lesion with longest_mm and perpendicular_mm",
        )
    return nodules


def _is_extrahepatic(nl: NewLesion) -> bool:
    if nl.intrahepatic or nl.organ == "portal_vein" or nl.equivocal:
        return False
    if nl.organ in ("ascites", "pleural_effusion"):
        return nl.cytology_malignant is True
    return True


def _size_ok(size: float | None, min_mm: float | None) -> bool:
    return min_mm is None or (size is not None and ge(size, min_mm))


def _first(items: list[tuple[dt.date, str]]) -> tuple[dt.date, str] | None:
    return min(items, key=lambda x: x[0]) if items else None


def vascular_invasion(tl: Timeline, after: dt.date) -> tuple[dt.date, str] | None:
    found = [
        (e.date, f"macrovascular invasion event on {e.date.isoformat()}")
        for e in tl.events_of("macrovascular_invasion")
        if e.date >= after
    ]
    for a in tl.follow_ups:
        for nl in a.new_lesions:
            if nl.organ == "portal_vein" and not nl.equivocal and a.date >= after:
                found.append((a.date, f"new portal-vein tumour thrombus on {a.date.isoformat()}"))
    return _first(found)


def extrahepatic(tl: Timeline, after: dt.date, min_mm: float | None) -> tuple[dt.date, str] | None:
    found = [
        (e.date, f"extrahepatic spread {fmt(e.size_mm, 'mm')} on {e.date.isoformat()}")
        for e in tl.events_of("extrahepatic_spread")
        if e.date >= after and _size_ok(e.size_mm, min_mm)
    ]
    for a in tl.follow_ups:
        if a.date < after:
            continue
        for nl in a.new_lesions:
            if _is_extrahepatic(nl) and _size_ok(nl.size_mm, min_mm):
                found.append(
                    (
                        a.date,
                        f"new {nl.organ} lesion {nl.id or ''} {fmt(nl.size_mm, 'mm')} on "
                        f"{a.date.isoformat()}".replace("  ", " "),
                    )
                )
    return _first(found)


Comps = Sequence[tuple[str, tuple[dt.date, str] | None]]
"""Components of a composite definition: (criterion, (date, detail) if it fired)."""


def first_fired(comps: Comps) -> int | None:
    """Index of the component that fired first (ties: the earlier in ``comps``)."""
    fired = [(hit[0], i) for i, (_, hit) in enumerate(comps) if hit is not None]
    return min(fired)[1] if fired else None


def compose(
    *,
    name: str,
    tl: Timeline,
    comps: Comps,
    rule: str,
    citation: Citation,
    options: dict[str, object],
    intrahepatic: tuple[IntrahepaticVisit, ...] = (),
    sessions: tuple[JshSession, ...] = (),
    caveats: tuple[str, ...] = (),
) -> FailureResult:
    components = tuple(
        ComponentFinding(
            criterion=c,
            fired=hit is not None,
            date=hit[0] if hit else None,
            detail=hit[1] if hit else "not met",
        )
        for c, hit in comps
    )
    i = first_fired(comps)
    first = components[i] if i is not None else None
    if first is None:
        why = "no component met: " + ", ".join(component_label(c.criterion) for c in components)
    else:
        on = first.date.isoformat() if first.date else "?"
        why = f"{component_label(first.criterion)} on {on}: "
        why += first.detail
    return FailureResult(
        name=name,
        patient_id=tl.id,
        event=first is not None,
        date=first.date if first else None,
        criterion=first.criterion if first else None,
        why=why,
        components=components,
        rule=rule,
        citation=citation,
        options=options,
        intrahepatic=intrahepatic,
        sessions=sessions,
        caveats=caveats,
    )
