"""RECIST 1.1: the reference's worked examples E1-E6, the boundaries, BOR and confirmation."""

from __future__ import annotations

import pytest

from tacepath.response.recist import recist11
from tests.response.builders import les, timeline

NT = [{"id": "N1", "organ": "lung", "status": "present"}]


def _overall(tl_visits: list[list[dict[str, object]]], **kw: object) -> list[str]:
    return [v.overall for v in recist11(timeline(tl_visits), **kw).assessments]  # type: ignore[arg-type]


def test_e1_partial_response() -> None:
    from tests.response.builders import day, visit

    tl = timeline(
        [
            visit(
                day(0), [les("A", 40), les("B", 30, organ="lung"), les("C", 20, organ="bone")], NT
            ),
            visit(
                day(56), [les("A", 25), les("B", 20, organ="lung"), les("C", 15, organ="bone")], NT
            ),
        ]
    )
    v = recist11(tl).assessments[0]
    assert (v.sum, v.baseline_sum) == (60, 90)
    assert v.pct_from_baseline == pytest.approx(-33.333, abs=1e-3)
    assert (v.target, v.non_target, v.new_lesions, v.overall) == (
        "PR",
        "non-CR/non-PD",
        False,
        "PR",
    )


def test_e2_pd_by_nadir_not_baseline() -> None:
    r = recist11(timeline([[les("A", 100)], [les("A", 50)], [les("A", 62)]]))
    v = r.assessments[1]
    assert v.nadir_sum == 50
    assert v.pct_from_nadir == pytest.approx(24.0)
    assert v.target == "PD"
    assert v.pct_from_baseline == pytest.approx(-38.0)
    assert "nadir" in v.why


def test_e3_not_pd_under_5mm() -> None:
    # 30 -> 20 is PR (-33 %); 24 is +20 % from the nadir but only +4 mm, -20 % from baseline
    assert _overall([[les("A", 30)], [les("A", 20)], [les("A", 24)]]) == ["PR", "SD"]


def test_e4_cr_with_nonzero_sum_node() -> None:
    from tests.response.builders import day, visit

    node = {"organ": "lymph_node", "typical": None}
    tl = timeline(
        [
            visit(day(0), [les("A", 25), les("N", 25, sa=18, **node)], NT),  # type: ignore[arg-type]
            visit(day(56), [les("A", status="absent"), les("N", 12, sa=8, **node)], NT),  # type: ignore[arg-type]
        ]
    )
    v = recist11(tl).assessments[0]
    assert v.sum == 8
    assert (v.target, v.overall) == ("CR", "PR")


def test_e5_new_lesion_overrides() -> None:
    from tests.response.builders import day, visit

    tl = timeline(
        [
            visit(day(0), [les("A", 40)]),
            visit(day(56), [les("A", 20)], new=[{"id": "B1", "organ": "bone", "longest_mm": 15}]),
        ]
    )
    v = recist11(tl).assessments[0]
    assert (v.target, v.new_lesions, v.overall) == ("PR", True, "PD")
    assert "B1" in v.why


def test_e6_too_small_counts_5mm() -> None:
    r = recist11(timeline([[les("A", 20)], [les("A", status="too_small")]]))
    v = r.assessments[0]
    assert (v.sum, v.target) == (5, "PR")


@pytest.mark.parametrize(
    ("current", "expected"),
    [(30.0, "PD"), (29.9, "SD")],  # nadir 25: exactly +20 % and exactly +5 mm is PD
)
def test_boundary_20pct_and_5mm(current: float, expected: str) -> None:
    assert _overall([[les("A", 30)], [les("A", 25)], [les("A", current)]])[1] == expected


def test_boundary_20pct_but_under_5mm() -> None:
    # nadir 20 -> 24 is exactly +20 % but +4 mm: not PD
    assert _overall([[les("A", 30)], [les("A", 20)], [les("A", 24)]])[1] == "SD"


@pytest.mark.parametrize(("current", "expected"), [(35.0, "PR"), (35.1, "SD")])
def test_boundary_30pct(current: float, expected: str) -> None:
    assert _overall([[les("A", 50)], [les("A", current)]]) == [expected]


def test_not_assessed_target_is_ne_unless_pd() -> None:
    two = [les("A", 30), les("B", 20, organ="lung")]
    r = recist11(timeline([two, [les("A", 25), les("B", status="not_assessed", organ="lung")]]))
    assert r.assessments[0].target == "NE"
    r = recist11(timeline([two, [les("A", 70), les("B", status="not_assessed", organ="lung")]]))
    assert r.assessments[0].target == "PD"


def test_reappearance_after_cr_is_pd() -> None:
    r = recist11(timeline([[les("A", 20)], [les("A", status="absent")], [les("A", 6)]]))
    assert [v.overall for v in r.assessments] == ["CR", "PD"]


def test_faq_pr_stays_best_response() -> None:
    r = recist11(timeline([[les("A", 100)], [les("A", 70)], [les("A", 70)], [les("A", 80)]]))
    assert [v.overall for v in r.assessments] == ["PR", "PR", "SD"]
    assert r.best_overall_response.value == "PR"
    assert r.objective_response
    assert r.disease_control


def test_bor_pd_first() -> None:
    r = recist11(timeline([[les("A", 40)], [les("A", 50)], [les("A", 20)]]))
    assert r.best_overall_response.value == "PD"
    assert r.first_progression is not None
    assert not r.disease_control


def test_bor_confirmation() -> None:
    tl = timeline([[les("A", 50)], [les("A", 30)], [les("A", 30)]])
    confirmed = recist11(tl, confirmation=True).best_overall_response
    assert (confirmed.value, confirmed.confirmed_on) == ("PR", tl.assessments[2].date)
    tl2 = timeline([[les("A", 50)], [les("A", 30)], [les("A", 40)]])
    assert recist11(tl2, confirmation=True).best_overall_response.value == "SD"
    assert recist11(tl2).best_overall_response.value == "PR"


def test_bor_confirmation_interval() -> None:
    tl = timeline([[les("A", 50)], [les("A", 30)], [les("A", 30)]], every=27)
    assert recist11(tl, confirmation=True).best_overall_response.value == "SD"
    assert (
        recist11(tl, confirmation=True, min_confirmation_days=20).best_overall_response.value
        == "PR"
    )


def test_min_sd_days() -> None:
    tl = timeline([[les("A", 50)], [les("A", 48)], [les("A", 70)]], every=20)
    assert recist11(tl).best_overall_response.value == "SD"
    assert recist11(tl, min_sd_days=42).best_overall_response.value == "PD"


def test_result_explains_itself() -> None:
    r = recist11(timeline([[les("A", 50)], [les("A", 30)]]))
    d = r.to_dict()
    assert d["citation"]["doi"] == "10.1016/j.ejca.2008.10.026"  # type: ignore[index]
    assert "5 mm" in str(d["rule"])
    assert d["assessments"][0]["lesions"][0]["value"] == 30  # type: ignore[index]


def test_equivocal_new_lesion_confirmed_later_dates_pd_back() -> None:
    from tests.response.builders import day, visit

    eq = {"id": "n1", "organ": "lung", "longest_mm": 6, "equivocal": True}
    sure = {"id": "n1", "organ": "lung", "longest_mm": 12}
    tl = timeline(
        [
            visit(day(0), [les("A", 40)]),
            visit(day(56), [les("A", 38)], new=[eq]),
            visit(day(112), [les("A", 38)], new=[sure]),
        ]
    )
    r = recist11(tl)
    assert [v.overall for v in r.assessments] == ["SD", "PD"]
    assert r.assessments[1].progression_date == tl.assessments[1].date
    assert r.first_progression == tl.assessments[1].date


def test_new_small_lymph_node_is_not_pd() -> None:
    from tests.response.builders import day, visit

    node = {"id": "n", "organ": "lymph_node", "short_axis_mm": 8}
    tl = timeline([visit(day(0), [les("A", 40)]), visit(day(56), [les("A", 38)], new=[node])])
    assert recist11(tl).assessments[0].overall == "SD"
