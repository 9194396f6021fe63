"""A timeline measured for RECIST only: the other criteria say NE and why, never crash."""

from __future__ import annotations

from tacepath.response.course import assess_response
from tests.response.builders import day, les, timeline, visit


def test_recist_only_measurements() -> None:
    ehs = [{"id": "m", "organ": "lung", "longest_mm": 15}]
    tl = timeline(
        [
            visit(day(0), [les("A", 40, typical=None), les("B", 30, typical=None)]),
            visit(day(56), [les("A", 25, typical=None), les("B", 20, typical=None)]),
            visit(day(112), [les("A", 25, typical=None), les("B", 20, typical=None)], new=ehs),
        ],
        tace=[day(14)],
    )
    c = assess_response(tl)
    assert [v.overall for v in c.recist11.assessments] == ["PR", "PD"]
    # mRECIST falls back to whole-lesion diameters for lesions not flagged typical HCC
    assert [v.overall for v in c.mrecist.assessments] == ["PR", "PD"]
    # bidimensional criteria cannot be computed without perpendicular diameters
    assert [v.overall for v in c.easl.assessments] == ["NE", "PD"]
    assert any("baseline not measurable" in n for n in c.easl.notes)
    assert [v.te for v in c.recicl.assessments] == ["NE", "NE"]
    assert c.recicl.notes
    up = c.untaceable_progression
    assert (up.event, up.criterion) == (True, "extrahepatic_spread")
    assert any("not evaluable" in cav for cav in up.caveats)


def test_typical_target_without_viable_diameters() -> None:
    tl = timeline([[les("A", 40, 30)], [les("A", 30, 20)]])  # typical HCC, viable not recorded
    c = assess_response(tl)
    assert c.recist11.assessments[0].overall == "SD"
    assert c.mrecist.assessments[0].overall == "NE"
    assert "viable" in c.mrecist.notes[0]
