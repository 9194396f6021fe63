"""Properties: lesion order is irrelevant; shrinking is never PD; new EHS >= threshold is PD."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.domain.timeline import parse_timeline
from tacepath.response.course import assess_response
from tests.response.builders import day, raw_timeline, visit

ORGANS = ["liver", "liver", "lung", "lung", "bone"]


def _lesion(i: int, lo: float, pe: float, vfrac: float) -> dict[str, Any]:
    vlo = round(lo * vfrac, 1)
    vpe = round(min(pe * vfrac, vlo), 1)
    return {
        "id": f"L{i}",
        "organ": ORGANS[i],
        "target": True,
        "longest_mm": lo,
        "perpendicular_mm": pe,
        "viable_longest_mm": vlo,
        "viable_perpendicular_mm": vpe,
        "typical_hcc": ORGANS[i] == "liver",
    }


@st.composite
def shrinking_courses(draw: st.DrawFn) -> dict[str, Any]:
    """2-5 targets, 2-5 follow-ups, every diameter and viable fraction non-increasing."""
    n = draw(st.integers(1, 5))
    k = draw(st.integers(1, 4))
    sizes = [
        (draw(st.integers(15, 90)), draw(st.floats(0.5, 1.0)), draw(st.floats(0.3, 1.0)))
        for _ in range(n)
    ]
    visits = []
    for t in range(k + 1):
        lesions = []
        for i, (lo0, ratio, v0) in enumerate(sizes):
            shrink = 1.0 - draw(st.floats(0.0, 0.15)) * t if t else 1.0
            lo = round(max(lo0 * shrink, 10.0) if t == 0 else max(lo0 * shrink, 1.0), 1)
            pe = round(max(lo * ratio, 1.0), 1)
            vfrac = v0 * (1.0 - 0.2 * t / (k + 1))
            lesions.append(_lesion(i, lo, min(pe, lo), vfrac))
        visits.append(visit(day(56 * t), lesions))
    # enforce monotonicity over visits lesion by lesion
    for t in range(1, len(visits)):
        for cur, prev in zip(visits[t]["lesions"], visits[t - 1]["lesions"], strict=True):
            for key in (
                "longest_mm",
                "perpendicular_mm",
                "viable_longest_mm",
                "viable_perpendicular_mm",
            ):
                cur[key] = min(cur[key], prev[key])
            cur["perpendicular_mm"] = min(cur["perpendicular_mm"], cur["longest_mm"])
            cur["viable_longest_mm"] = min(cur["viable_longest_mm"], cur["longest_mm"])
            cur["viable_perpendicular_mm"] = min(
                cur["viable_perpendicular_mm"], cur["viable_longest_mm"], cur["perpendicular_mm"]
            )
    return raw_timeline(visits, tace=[day(14)])


@settings(max_examples=60, deadline=None)
@given(shrinking_courses(), st.randoms(use_true_random=False))
def test_reordering_lesions_changes_nothing(raw: dict[str, Any], rnd: Any) -> None:
    a = assess_response(parse_timeline(raw))
    for v in raw["assessments"]:
        rnd.shuffle(v["lesions"])
    b = assess_response(parse_timeline(raw))
    assert a.to_contract_dict() == b.to_contract_dict()
    for ca, cb in zip(a.criteria, b.criteria, strict=True):
        assert [v.sum for v in ca.assessments] == [v.sum for v in cb.assessments]


@settings(max_examples=80, deadline=None)
@given(shrinking_courses())
def test_a_patient_who_only_shrinks_is_never_pd(raw: dict[str, Any]) -> None:
    c = assess_response(parse_timeline(raw))
    for crit in c.criteria:
        assert all(v.overall != "PD" for v in crit.assessments), crit.criterion
    assert not c.untaceable_progression.event
    assert not c.tace_pfs.event


@settings(max_examples=60, deadline=None)
@given(
    shrinking_courses(),
    st.sampled_from(["lung", "bone", "adrenal", "peritoneum", "brain"]),
    st.floats(10.0, 80.0),
)
def test_new_extrahepatic_lesion_over_threshold_is_pd(
    raw: dict[str, Any], organ: str, size: float
) -> None:
    last = raw["assessments"][-1]
    last["new_lesions"] = [{"id": "EHS", "organ": organ, "longest_mm": round(size, 1)}]
    c = assess_response(parse_timeline(raw))
    for crit in (c.recist11, c.mrecist, c.easl):
        assert crit.assessments[-1].overall == "PD", crit.criterion
    assert c.untaceable_progression.event
    assert c.untaceable_progression.criterion == "extrahepatic_spread"
    assert c.tace_pfs.event
