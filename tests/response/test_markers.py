"""Tumour markers in the timeline: the contract, AFP response (Riaz 2009, Memon 2012) and the
JSH-LCSGJ tumour-marker item (2), which is shown for the MDT and never counted.

Worked by hand from the example timelines: P002 (two tumours; AFP 1250 ng/mL on 2026-01-28,
TACE 2026-02-16, then 480, 35, 12) and P007 (one tumour; TACE 2026-01-19 and 2026-03-09;
AFP 450, 380, 520, 610, 890; PIVKA-II 300, 420, 800 mAU/mL).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.domain.timeline import parse_timeline
from tacepath.errors import InputError
from tacepath.pathway.followup import followup
from tacepath.response import afp_response, jsh_marker_item, jsh_refractoriness, marker_series
from tests.cases import ROOT

TIMELINES = ROOT / "examples" / "timelines"


def _raw(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((TIMELINES / f"{name}.json").read_text())
    return raw


def _tl(name: str, **changes: Any) -> Any:
    return parse_timeline({**_raw(name), **changes})


def _afp(*pairs: tuple[str, float], unit: str = "ng/mL") -> list[dict[str, Any]]:
    return [{"date": d, "marker": "afp", "value": v, "unit": unit} for d, v in pairs]


def test_old_timelines_load_without_markers() -> None:
    tl = _tl("P001_new_liver_lesion_only")
    assert tl.markers == ()
    assert marker_series(tl, "afp") == ()
    assert jsh_marker_item(tl).result == "not_flagged"


def test_units_at_the_boundary() -> None:
    iu = _tl("P002_complete_response", markers=_afp(("2026-01-28", 100), unit="IU/mL"))
    assert marker_series(iu, "afp")[0].value == pytest.approx(121.0)  # default 1.21 ng per IU
    own = [{**_afp(("2026-01-28", 100), unit="IU/mL")[0], "ng_per_iu": 1.28}]
    assert marker_series(_tl("P002_complete_response", markers=own), "afp")[0].value == 128.0
    ug = _tl("P002_complete_response", markers=_afp(("2026-01-28", 40), unit="µg/L"))
    assert marker_series(ug, "afp")[0].value == 40.0
    shape = [
        {"date": "2026-01-30", "marker": "afp", "value": -1, "unit": "ng/mL"},
        {"date": "2026-01-31", "marker": "cea", "value": 1, "unit": "ng/mL"},
    ]
    with pytest.raises(InputError) as err:
        _tl("P002_complete_response", markers=shape)
    assert [p.field for p in err.value.problems] == [
        "P002.markers[0](2026-01-30).value",
        "P002.markers[1](2026-01-31).marker",
    ]
    units = [
        {"date": "2026-01-28", "marker": "pivka_ii", "value": 40, "unit": "ng/mL"},
        {"date": "2026-01-29", "marker": "afp", "value": 40, "unit": "mg"},
    ]
    with pytest.raises(InputError) as err:
        _tl("P002_complete_response", markers=units)
    assert [(p.field, p.allowed) for p in err.value.problems] == [
        ("P002.markers[0](2026-01-28).unit", "mAU/mL"),
        ("P002.markers[1](2026-01-29).unit", "one of ng/mL, µg/L, IU/mL, kIU/L, kU/L"),
    ]
    with pytest.raises(InputError, match="on or before death"):
        _tl("P008_death_without_progression", markers=_afp(("2026-06-11", 10)))
    with pytest.raises(InputError, match="chronological"):
        _tl("P002_complete_response", markers=_afp(("2026-02-01", 1), ("2026-01-01", 2)))


def test_riaz_response_on_p002() -> None:
    r = afp_response(_tl("P002_complete_response"), "riaz-2009")
    assert r.response is True
    assert r.date == dt.date(2026, 3, 30)
    assert r.baseline is not None
    assert r.baseline.value == 1250
    # (480 - 1250) / 1250 = -61.6 %
    assert [round(c, 1) for _, c in r.changes] == [-61.6, -97.2, -99.0]
    assert "Riaz 2009" in r.to_dict()["citation"]


def test_memon_needs_a_single_tumour() -> None:
    r = afp_response(_tl("P002_complete_response"), "memon-2012")
    assert r.response is None
    assert r.reason == "2 tumours at baseline: the definition is for a single tumour"
    single = afp_response(_tl("P007_jsh_refractory"), "memon-2012")
    assert single.response is False
    assert single.reason == "largest fall 15.6% (needs > 50%)"  # 450 -> 380


@pytest.mark.parametrize(("after", "expected"), [(200.0, False), (199.6, True)])
def test_both_sides_of_the_fall(after: float, expected: bool) -> None:
    # baseline 400: 200 is a fall of exactly 50 %, not "more than 50 %"; 199.6 is 50.1 %
    tl = _tl("P002_complete_response", markers=_afp(("2026-01-28", 400), ("2026-03-30", after)))
    assert afp_response(tl, "riaz-2009").response is expected


@pytest.mark.parametrize(
    ("definition", "applies"), [("riaz-2009", False), ("memon-2012", True)]
)  # Riaz: baseline > 200; Memon: >= 200
def test_both_sides_of_the_baseline(definition: str, applies: bool) -> None:
    tl = _tl("P007_jsh_refractory", markers=_afp(("2026-01-02", 200), ("2026-02-02", 50)))
    r = afp_response(tl, definition)
    assert (r.response is not None) is applies
    if applies:
        assert r.response is True


def test_response_needs_tace_baseline_and_a_later_draw() -> None:
    no_tace = _tl("P002_complete_response", tace_sessions=[])
    assert "no TACE recorded" in afp_response(no_tace).reason
    late = _tl("P002_complete_response", markers=_afp(("2026-03-30", 480)))
    assert afp_response(late).reason == "no AFP on or before the first TACE (2026-02-16)"
    only = _tl("P002_complete_response", markers=_afp(("2026-01-28", 1250)))
    assert afp_response(only).reason == "no AFP after the first TACE"
    with pytest.raises(InputError, match="riaz-2009"):
        afp_response(only, "shao")


def test_jsh_marker_item_on_p007_is_shown_never_counted() -> None:
    tl = _tl("P007_jsh_refractory")
    item = jsh_marker_item(tl)
    assert item.result == "unknown"
    got = [(s.marker, s.session_date.isoformat(), s.pattern) for s in item.sessions]
    assert got == [
        ("afp", "2026-01-19", "rising"),  # 450 before; 380, 520 after
        ("afp", "2026-03-09", "rising"),  # 520 before; 610, 890 after
        ("pivka_ii", "2026-01-19", "not_evaluable"),  # one draw after it
        ("pivka_ii", "2026-03-09", "not_evaluable"),
    ]
    assert item.questions[0].startswith(
        "AFP after TACE on 2026-01-19: 450 before, then 380 -> 520 ng/mL"
    )
    with_markers = jsh_refractoriness(tl)
    without = jsh_refractoriness(_tl("P007_jsh_refractory", markers=[]))
    assert with_markers.summary() == without.summary()
    assert sum("item 2 (tumour markers)" in c for c in with_markers.caveats) == 2
    steps = followup(tl, "tace-sorafenib").next_steps
    assert any(s.startswith("MDT review: AFP after TACE on 2026-03-09") for s in steps)


def test_a_falling_marker_is_not_flagged() -> None:
    item = jsh_marker_item(_tl("P002_complete_response"))
    assert [s.pattern for s in item.sessions] == [
        "not_evaluable",
        "not_rising",
    ]  # one draw after the 1st
    assert item.result == "not_flagged"
    assert item.questions == ()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=8),
    scale=st.floats(0.5, 4.0),
)
def test_markers_never_change_the_failure_and_scale_free(values: list[float], scale: float) -> None:
    start = dt.date(2026, 1, 2)
    dates = [(start + dt.timedelta(days=20 * i)).isoformat() for i in range(len(values))]
    tl = _tl("P007_jsh_refractory", markers=_afp(*zip(dates, values, strict=True)))
    bare = _tl("P007_jsh_refractory", markers=[])
    assert jsh_refractoriness(tl).summary() == jsh_refractoriness(bare).summary()
    scaled = _tl(
        "P007_jsh_refractory",
        markers=_afp(*zip(dates, [v * scale for v in values], strict=True)),
    )
    patterns = [s.pattern for s in jsh_marker_item(tl).sessions]
    assert patterns == [s.pattern for s in jsh_marker_item(scaled).sessions]
