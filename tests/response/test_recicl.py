"""RECICL worked examples J1-J6 and the 25 % boundary."""

from __future__ import annotations

import pytest

from tacepath.domain.timeline import Lesion
from tacepath.response.recicl import nodule_te, recicl
from tests.response.builders import day, les, timeline, visit


def _l(lo: float, pe: float, vlo: float | None = None, vpe: float | None = None) -> Lesion:
    return Lesion(
        id="L1",
        organ="liver",
        target=True,
        longest_mm=lo,
        perpendicular_mm=pe,
        viable_longest_mm=vlo,
        viable_perpendicular_mm=vpe,
        typical_hcc=True,
    )


def test_j1_te4() -> None:
    assert nodule_te(_l(30, 25, 0, 0), _l(30, 25, 30, 25))[0] == "TE4"


def test_j2_te3_by_necrosis() -> None:
    te, viable, _, why = nodule_te(_l(40, 30, 20, 15), _l(40, 30, 40, 30))
    assert (te, viable) == ("TE3", 300)
    assert "75.0%" in why


def test_j3_te2() -> None:
    assert nodule_te(_l(30, 30, 25, 25), _l(30, 30, 30, 30))[0] == "TE2"


def test_j4_te1_regardless_of_necrosis() -> None:
    assert nodule_te(_l(23, 23, 10, 10), _l(20, 20, 20, 20))[0] == "TE1"


@pytest.mark.parametrize(("inclusive", "te"), [(True, "TE1"), (False, "TE2")])
def test_j5_boundary_exactly_25pct(inclusive: bool, te: str) -> None:
    assert nodule_te(_l(25, 20, 25, 20), _l(20, 20, 20, 20), te1_inclusive=inclusive)[0] == te


def test_j6_overall_two_targets() -> None:
    tl = timeline(
        [
            [les("A", 40, 30, 40, 30), les("B", 20, 20, 20, 20)],
            [les("A", 38, 28, 10, 10), les("B", 18, 18, 0, 0)],
        ]
    )
    v = recicl(tl).assessments[0]
    assert (v.baseline_sum, v.sum) == (1600, 100)
    assert (v.te, v.overall) == ("TE3", "PR")
    assert "93.8%" in v.why


def test_overall_te4_needs_every_nodule() -> None:
    both_gone = [les("A", 38, 28, 0, 0), les("B", 18, 18, 0, 0)]
    base = [les("A", 40, 30, 40, 30), les("B", 20, 20, 20, 20)]
    assert recicl(timeline([base, both_gone])).assessments[0].te == "TE4"
    viable_nt = [{"id": "N1", "organ": "liver", "status": "present", "viable": True}]
    tl = timeline([visit(day(0), base, viable_nt), visit(day(56), both_gone, viable_nt)])
    assert recicl(tl).assessments[0].te == "TE3"


def test_new_lesions_option() -> None:
    base = [les("A", 40, 30, 40, 30)]
    new = [{"id": "n", "organ": "lung", "longest_mm": 15}]
    tl = timeline([visit(day(0), base), visit(day(56), [les("A", 40, 30, 10, 10)], new=new)])
    assert recicl(tl).assessments[0].overall == "PR"
    assert recicl(tl, count_new_lesions=True).assessments[0].overall == "PD"
