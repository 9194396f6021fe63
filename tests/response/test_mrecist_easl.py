"""mRECIST (M1-M5) and EASL (X1-X3) worked examples and boundaries."""

from __future__ import annotations

import pytest

from tacepath.response.easl import easl
from tacepath.response.mrecist import mrecist
from tacepath.response.recist import recist11
from tests.response.builders import day, les, timeline, visit


def test_m1_pr_without_size_change() -> None:
    tl = timeline([[les("A", 50, 40, 50, 40)], [les("A", 50, 40, 20, 15)]])
    m = mrecist(tl).assessments[0]
    assert m.pct_from_baseline == pytest.approx(-60.0)
    assert m.overall == "PR"
    assert recist11(tl).assessments[0].overall == "SD"


def test_m2_cr_by_enhancement() -> None:
    tl = timeline(
        [
            [les("A", 30, 25, 30, 25), les("B", 20, 15, 20, 15)],
            [les("A", 28, 20, 0, 0), les("B", 18, 15, 0, 0)],
        ]
    )
    m = mrecist(tl).assessments[0]
    assert (m.target, m.overall, m.sum) == ("CR", "CR", 0)


@pytest.mark.parametrize(("require_5mm", "expected"), [(False, "PD"), (True, "PR")])
def test_m3_pd_from_nadir_5mm_option(require_5mm: bool, expected: str) -> None:
    tl = timeline(
        [[les("A", 40, 30, 40, 30)], [les("A", 40, 30, 10, 8)], [les("A", 40, 30, 13, 8)]]
    )
    r = mrecist(tl, require_5mm=require_5mm)
    assert r.assessments[1].overall == expected
    assert r.options["require_5mm"] is require_5mm


def test_mrecist_boundary_exactly_20pct() -> None:
    tl = timeline(
        [[les("A", 40, 30, 40, 30)], [les("A", 40, 30, 20, 10)], [les("A", 40, 30, 24, 10)]]
    )
    assert mrecist(tl).assessments[1].target == "PD"
    tl = timeline(
        [[les("A", 40, 30, 40, 30)], [les("A", 40, 30, 20, 10)], [les("A", 40, 30, 23.9, 10)]]
    )
    assert mrecist(tl).assessments[1].target == "PR"


@pytest.mark.parametrize(
    ("new", "pd"),
    [
        ({"id": "n", "organ": "liver", "longest_mm": 8, "typical_hcc": True}, False),
        ({"id": "n", "organ": "liver", "longest_mm": 15, "typical_hcc": True}, True),
        ({"id": "n", "organ": "liver", "longest_mm": 12, "typical_hcc": False}, False),
        ({"id": "n", "organ": "ascites"}, False),
        ({"id": "n", "organ": "ascites", "cytology_malignant": True}, True),
    ],
)
def test_m4_m5_new_lesion_rules(new: dict[str, object], pd: bool) -> None:
    tl = timeline(
        [
            visit(day(0), [les("A", 40, 30, 40, 30)]),
            visit(day(56), [les("A", 40, 30, 30, 20)], new=[new]),
        ]
    )
    assert (mrecist(tl).assessments[0].overall == "PD") is pd


def test_m4_atypical_lesion_growth_dates_pd_back() -> None:
    a = [les("A", 40, 30, 40, 30)]
    b = [les("A", 40, 30, 30, 20)]
    n12 = {"id": "n", "organ": "liver", "longest_mm": 12, "typical_hcc": False}
    n22 = {"id": "n", "organ": "liver", "longest_mm": 22, "typical_hcc": False}
    tl = timeline([visit(day(0), a), visit(day(56), b, new=[n12]), visit(day(112), b, new=[n22])])
    r = mrecist(tl)
    assert [v.overall for v in r.assessments] == ["SD", "PD"]  # 40 -> 30 mm viable: -25 %
    assert r.first_progression == tl.assessments[1].date


def test_x1_easl_pr() -> None:
    tl = timeline(
        [
            [les("A", 40, 30, 40, 30), les("B", 20, 20, 20, 20)],
            [les("A", 40, 30, 20, 15), les("B", 20, 20, 15, 10)],
        ]
    )
    v = easl(tl).assessments[0]
    assert (v.baseline_sum, v.sum) == (1600, 450)
    assert v.pct_from_baseline == pytest.approx(-71.875)
    assert v.overall == "PR"


def test_x2_easl_sd_while_mrecist_pr() -> None:
    tl = timeline([[les("A", 50, 20, 50, 20)], [les("A", 50, 20, 35, 20)]])
    assert easl(tl).assessments[0].overall == "SD"
    assert mrecist(tl).assessments[0].overall == "PR"


@pytest.mark.parametrize(
    ("vlo", "vpe", "inclusive", "expected"),
    [(45, 23, True, "PD"), (50, 20, True, "PD"), (50, 20, False, "SD")],
)
def test_x3_easl_pd_and_boundary(vlo: float, vpe: float, inclusive: bool, expected: str) -> None:
    tl = timeline(
        [[les("A", 60, 40, 40, 25)], [les("A", 60, 40, 40, 20)], [les("A", 60, 40, vlo, vpe)]]
    )
    r = easl(tl, pd_inclusive=inclusive)
    assert r.assessments[0].sum == 800
    assert r.assessments[1].overall == expected


def test_easl_pd_reference_option() -> None:
    tl = timeline(
        [[les("A", 60, 40, 40, 25)], [les("A", 60, 40, 40, 20)], [les("A", 60, 40, 50, 20)]]
    )
    assert easl(tl, pd_reference="baseline").assessments[1].overall == "SD"
    assert "baseline" in easl(tl, pd_reference="baseline").rule


@pytest.mark.parametrize(
    ("sa", "porta", "pd"), [(15, True, False), (20, True, True), (15, False, True)]
)
def test_porta_hepatis_node_rule(sa: float, porta: bool, pd: bool) -> None:
    node = {"id": "n", "organ": "lymph_node", "short_axis_mm": sa, "porta_hepatis": porta}
    tl = timeline(
        [
            visit(day(0), [les("A", 40, 30, 40, 30)]),
            visit(day(56), [les("A", 40, 30, 35, 20)], new=[node]),
        ]
    )
    assert (mrecist(tl).assessments[0].overall == "PD") is pd
    assert recist11(tl).assessments[0].overall == "PD"
