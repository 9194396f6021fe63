"""TACTICS unTACEable progression (T1-T5), TACE-specific PFS, JSH-LCSGJ (F1-F4), repeat TACE."""

from __future__ import annotations

import pytest

from tacepath.response.mrecist import mrecist
from tacepath.response.recist import recist11
from tacepath.response.tace_failure import (
    jsh_refractoriness,
    repeat_tace_indication,
    tace_specific_pfs,
    untaceable_progression,
)
from tests.response.builders import day, les, timeline, visit

BASE_1200 = [les("A", 40, 30, 40, 30)]  # 1200 mm² viable


def _visits(*viable: tuple[float, float], whole: tuple[float, float] = (60, 40)) -> list[object]:
    out: list[object] = [BASE_1200]
    for vlo, vpe in viable:
        out.append([les("A", max(whole[0], vlo), max(whole[1], vpe), vlo, vpe)])
    return out


def test_t1_new_intrahepatic_lesions_alone_are_not_progression() -> None:
    new = [
        {"id": "n1", "organ": "liver", "longest_mm": 15, "typical_hcc": True},
        {"id": "n2", "organ": "liver", "longest_mm": 15, "typical_hcc": True},
    ]
    tl = timeline(
        [visit(day(0), BASE_1200), visit(day(56), [les("A", 40, 30, 30, 30)], new=new)],
        tace=[day(14)],
    )
    up = untaceable_progression(tl)
    assert not up.event
    assert up.intrahepatic[0].pct_from_baseline == pytest.approx(-25.0)
    assert "ignored" in up.intrahepatic[0].note
    assert not tace_specific_pfs(tl).event
    assert mrecist(tl).assessments[0].overall == "PD"
    assert recist11(tl).assessments[0].overall == "PD"


def test_t2_intrahepatic_progression() -> None:
    tl = timeline(_visits((52, 30)), tace=[day(14)])  # 1560 mm²: +30 %
    up = untaceable_progression(tl)
    assert (up.event, up.criterion, up.date) == (
        True,
        "intrahepatic_progression",
        tl.assessments[1].date,
    )


def test_t3_baseline_not_nadir() -> None:
    tl = timeline(_visits((20, 20), (30, 30)), tace=[day(14)])  # 400 then 900: -25 % vs baseline
    assert not untaceable_progression(tl).event


@pytest.mark.parametrize(
    ("vlo", "inclusive", "event"), [(50, True, True), (50, False, False), (49.9, True, False)]
)
def test_boundary_exactly_25pct(vlo: float, inclusive: bool, event: bool) -> None:
    tl = timeline(_visits((vlo, 30)), tace=[day(14)])  # 50 x 30 = 1500 = +25.0 %
    assert untaceable_progression(tl, inclusive=inclusive).event is event


def test_t4_transient_child_pugh_c_after_tace() -> None:
    tl = timeline(_visits((30, 20)), tace=[day(14)], cp=[(day(0), 6), (day(28), 10), (day(56), 7)])
    up = untaceable_progression(tl)
    assert (up.criterion, up.date.isoformat() if up.date else None) == ("child_pugh_c", day(28))
    assert "14 days after TACE" in up.why


def test_child_pugh_c_before_any_tace_does_not_count() -> None:
    tl = timeline(_visits((30, 20)), tace=[day(14)], cp=[(day(7), 10)])
    assert not untaceable_progression(tl).event


def test_child_pugh_c_window_option() -> None:
    tl = timeline(_visits((30, 20)), tace=[day(14)], cp=[(day(44), 11)])
    assert untaceable_progression(tl).event
    assert not untaceable_progression(tl, cpc_window_days=14).event


def test_t5_death_is_pfs_not_ttup() -> None:
    tl = timeline(_visits((30, 20), (30, 20)), tace=[day(14)], death=day(420), last=day(400))
    assert not untaceable_progression(tl).event
    pfs = tace_specific_pfs(tl)
    assert (pfs.event, pfs.criterion, pfs.date.isoformat() if pfs.date else None) == (
        True,
        "death",
        day(420),
    )


def test_progression_before_death_wins() -> None:
    tl = timeline(_visits((52, 30)), tace=[day(14)], death=day(200))
    assert tace_specific_pfs(tl).criterion == "intrahepatic_progression"


def test_macrovascular_invasion() -> None:
    ev = [{"date": day(90), "type": "macrovascular_invasion"}]
    tl = timeline(_visits((30, 20)), tace=[day(14)], events=ev)
    assert untaceable_progression(tl).criterion == "macrovascular_invasion"


@pytest.mark.parametrize(
    ("size", "min_mm", "event"), [(10, 10.0, True), (9.9, 10.0, False), (4, None, True)]
)
def test_extrahepatic_spread_size_threshold(size: float, min_mm: float | None, event: bool) -> None:
    new = [{"id": "m", "organ": "lung", "longest_mm": size}]
    tl = timeline(
        [visit(day(0), BASE_1200), visit(day(56), [les("A", 40, 30, 20, 20)], new=new)],
        tace=[day(14)],
    )
    up = untaceable_progression(tl, ehs_min_mm=min_mm)
    assert up.event is event
    if event:
        assert up.criterion == "extrahepatic_spread"


def test_first_component_wins_and_all_are_reported() -> None:
    ev = [{"date": day(100), "type": "macrovascular_invasion"}]
    tl = timeline(_visits((52, 30)), tace=[day(14)], events=ev, cp=[(day(30), 12)])
    up = untaceable_progression(tl)
    assert up.criterion == "child_pugh_c"
    fired = {c.criterion for c in up.components if c.fired}
    assert fired == {"child_pugh_c", "intrahepatic_progression", "macrovascular_invasion"}


# ---------------------------------------------------------------- JSH-LCSGJ F1-F4


def _f(
    post1: tuple[float, float], post2: tuple[float, float], changed: bool | None = True
) -> object:
    return timeline(
        [
            [les("A", 50, 40, 50, 40)],
            [les("A", 50, 40, *post1)],
            [les("A", 50, 40, *post2)],
        ],
        tace=[day(14), (day(70), changed)],
    )


def test_f1_refractory_1a() -> None:
    tl = _f((40, 35), (38, 30))
    r = jsh_refractoriness(tl)  # type: ignore[arg-type]
    assert (r.event, r.criterion) == (True, "ineffective_1a")
    assert [s.viable_fraction for s in r.sessions] == pytest.approx([0.7, 1140 / 1400])
    r2 = jsh_refractoriness(tl, viable_reference="original_baseline")  # type: ignore[arg-type]
    assert r2.event
    assert r2.sessions[1].viable_fraction == pytest.approx(0.57)
    up = untaceable_progression(tl)  # type: ignore[arg-type]
    assert up.criterion == "tace_refractoriness"
    assert not untaceable_progression(tl, include_refractoriness=False).event  # type: ignore[arg-type]


def test_f2_count_resets() -> None:
    assert not jsh_refractoriness(_f((40, 35), (21, 20))).event  # type: ignore[arg-type]


def test_regimen_change_unknown_is_not_assumed() -> None:
    r = jsh_refractoriness(_f((40, 35), (38, 30), changed=None))  # type: ignore[arg-type]
    assert not r.event
    assert "unknown" in r.caveats[0]
    assert jsh_refractoriness(
        _f((40, 35), (38, 30), changed=None), require_regimen_change=False
    ).event  # type: ignore[arg-type]


def test_f3_refractory_1b_nodule_count() -> None:
    def nts(n: int) -> list[dict[str, object]]:
        return [{"id": f"N{i}", "organ": "liver", "status": "present"} for i in range(n)]

    def new(n: int) -> list[dict[str, object]]:
        return [
            {"id": f"n{i}", "organ": "liver", "longest_mm": 8, "typical_hcc": True}
            for i in range(n)
        ]

    shrink = [les("A", 50, 40, 10, 10)]
    tl = timeline(
        [
            visit(day(0), [les("A", 50, 40, 50, 40)], nts(2)),  # 3 nodules before TACE1
            visit(day(56), shrink, nts(2), new(2)),  # 5 after
            visit(day(112), shrink, nts(2), new(4)),  # 7 after TACE2
        ],
        tace=[day(14), (day(70), True)],
    )
    r = jsh_refractoriness(tl)
    assert (r.event, r.criterion) == (True, "progressive_1b")
    assert [(s.count_pre, s.count_post) for s in r.sessions] == [(3, 5), (5, 7)]


def test_f4_vascular_invasion_immediate() -> None:
    new = [{"id": "pvt", "organ": "portal_vein", "longest_mm": 15}]
    tl = timeline(
        [visit(day(0), BASE_1200), visit(day(56), [les("A", 40, 30, 10, 10)], new=new)],
        tace=[day(14)],
    )
    assert jsh_refractoriness(tl).criterion == "vascular_invasion"
    assert untaceable_progression(tl).criterion == "macrovascular_invasion"


# --------------------------------------------------------------------- repeat TACE


@pytest.mark.parametrize(("vlo", "indicated"), [(30, False), (30.1, True), (25, False)])
def test_repeat_tace_boundary_exactly_50pct(vlo: float, indicated: bool) -> None:
    tl = timeline([BASE_1200, [les("A", 40, 30, vlo, 20)]], tace=[day(14)])  # 30 x 20 = 600 = 50 %
    r = repeat_tace_indication(tl)
    assert r.indicated is indicated


def test_repeat_tace_new_lesion() -> None:
    typical = {"id": "n", "organ": "liver", "longest_mm": 12, "typical_hcc": True}
    no_washout = {"id": "m", "organ": "liver", "longest_mm": 12, "typical_hcc": False}
    tl = timeline(
        [
            visit(day(0), BASE_1200),
            visit(day(56), [les("A", 40, 30, 10, 10)], new=[typical, no_washout]),
        ],
        tace=[day(14)],
    )
    r = repeat_tace_indication(tl)
    assert r.indicated
    assert "washout" in r.reasons[0]
    assert len(r.wait) == 1
