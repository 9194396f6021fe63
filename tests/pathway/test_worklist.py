"""The worklist items of one patient, read from the patient's decision (pathway.worklist).

Dates are worked by hand from the example timelines and the TACTICS schedule
(schedules.yaml: first TACE 14-21 days after the sorafenib start, imaging 28 days after
each TACE then every 56 days, sorafenib held 2 days before each TACE).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tacepath.domain.patient import parse_patient
from tacepath.domain.timeline import parse_timeline
from tacepath.errors import InputError
from tacepath.pathway.decision import decide
from tacepath.pathway.worklist import (
    ITEM_TYPES,
    filter_items,
    item_types,
    items_ics,
    work_items,
)
from tests.cases import ROOT

TIMELINES = ROOT / "examples" / "timelines"
D = dt.date


def _raw(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((TIMELINES / f"{name}.json").read_text())
    return raw


def _decision(name: str, regimen: str = "tace-sorafenib", **changes: Any) -> Any:
    raw = {**_raw(name), **changes}
    return decide(None, timeline=parse_timeline(raw), regimen=regimen)


def test_every_kind_has_a_role_and_a_description() -> None:
    kinds = item_types()
    assert sorted(kinds) == sorted(ITEM_TYPES)
    assert kinds["tace"].role == "clinician"
    assert kinds["imaging"].role == "navigator"
    assert all(k.made_from for k in kinds.values())


@pytest.mark.parametrize(
    ("as_of", "status"),
    [(D(2026, 10, 25), "due"), (D(2026, 10, 26), "due"), (D(2026, 10, 27), "overdue")],
)
def test_next_scan_is_the_plans_first_after_the_last_assessment(
    as_of: dt.date, status: str
) -> None:
    # P002: last TACE 2026-04-13, last scan 2026-09-14; TACTICS imaging 04-13 + 28 = 05-11,
    # then every 56 days: 07-06, 08-31, 10-26, 12-21
    items = work_items(_decision("P002_complete_response"), as_of=as_of)
    scans = [i for i in items if i.type == "imaging"]
    assert [i.due for i in scans] == [D(2026, 10, 26), D(2026, 12, 21)]
    assert scans[0].status == status
    assert scans[1].status == "due"
    assert scans[0].role == "navigator"
    assert "TACTICS" in scans[0].source


def test_a_drug_start_with_no_period_recorded_is_overdue() -> None:
    items = work_items(_decision("P002_complete_response"), as_of=D(2026, 10, 1))
    start = [i for i in items if i.type == "drug"]
    assert [(i.due, i.status) for i in start] == [(D(2026, 2, 2), "overdue")]
    assert "no sorafenib period recorded" in start[0].text
    recorded = _decision(
        "P002_complete_response", drug_periods=[{"drug": "Sorafenib", "start": "2026-02-02"}]
    )
    assert not [i for i in work_items(recorded, as_of=D(2026, 10, 1)) if i.type == "drug"]


def test_repeat_tace_is_due_on_the_decision_date_until_a_tace_is_recorded() -> None:
    # P001: a new intrahepatic lesion at the 2026-05-01 scan: TACTICS repeats TACE
    d = _decision("P001_new_liver_lesion_only")
    assert d.followup.decision == "repeat-tace"
    tace = [i for i in work_items(d, as_of=D(2026, 5, 1)) if i.type == "tace"]
    assert [(i.due, i.status, i.role) for i in tace] == [(D(2026, 5, 1), "due", "clinician")]
    late = [i for i in work_items(d, as_of=D(2026, 5, 2)) if i.type == "tace"]
    assert late[0].status == "overdue"
    done = _decision(
        "P001_new_liver_lesion_only",
        tace_sessions=[
            *_raw("P001_new_liver_lesion_only")["tace_sessions"],
            {"date": "2026-05-10"},
        ],
    )
    assert not [i for i in work_items(done, as_of=D(2026, 5, 20)) if i.type == "tace"]


def test_after_tace_failure_no_tace_only_the_mdt_discussion() -> None:
    # P003: unTACEable progression at the 2026-06-29 scan
    d = _decision("P003_untaceable_intrahepatic")
    items = work_items(d, as_of=D(2026, 6, 30))
    assert not [i for i in items if i.type == "tace"]
    mdt = [i for i in items if i.type == "mdt"]
    assert [(i.due, i.status, i.role) for i in mdt] == [(D(2026, 6, 29), "overdue", "navigator")]
    assert mdt[0].text.startswith(
        "MDT discussion: TACE failure first by unTACEable progression (TACTICS)"
    )


def test_deceased_or_lost_patients_have_no_item() -> None:
    assert work_items(_decision("P008_death_without_progression"), as_of=D(2026, 5, 1)) == ()
    lost = _decision("P009_lost_to_follow_up")
    assert lost.followup.decision == "continue"
    assert work_items(lost, as_of=D(2026, 4, 1)) == ()
    # the same record without the lost-to-follow-up event has items: the event removes them
    followed = _decision("P009_lost_to_follow_up", events=[])
    assert work_items(followed, as_of=D(2026, 4, 1))


def test_planned_first_tace_window_and_missing_weight() -> None:
    # no timeline yet: TACTICS' first TACE is a window 14-21 days after the start
    snap = parse_patient({"id": "W1", "ecog": 0})
    d = decide(snap, regimen="tace-sorafenib", start=D(2026, 12, 1))
    window = [i for i in work_items(d, as_of=D(2026, 12, 22)) if i.type == "tace"]
    assert [(i.due, i.window_end, i.status) for i in window] == [
        (D(2026, 12, 15), D(2026, 12, 22), "due")
    ]
    after = [i for i in work_items(d, as_of=D(2026, 12, 23)) if i.type == "tace"]
    assert after[0].status == "overdue"
    # lenvatinib's dose depends on body weight (schedules.yaml weight_based)
    lenva = decide(snap, regimen="tace-lenvatinib", start=D(2026, 12, 1))
    missing = [i.text for i in work_items(lenva, as_of=D(2026, 12, 1)) if i.type == "missing-input"]
    assert any("body weight not recorded" in t for t in missing)
    weighed = decide(
        parse_patient({"id": "W1", "ecog": 0, "weight_kg": 58}),
        regimen="tace-lenvatinib",
        start=D(2026, 12, 1),
    )
    assert not any(
        "body weight" in i.text
        for i in work_items(weighed, as_of=D(2026, 12, 1))
        if i.type == "missing-input"
    )


def test_filters_and_hostile_filters() -> None:
    items = work_items(_decision("P002_complete_response"), as_of=D(2026, 10, 1))
    assert {i.type for i in filter_items(items, types=["imaging"])} == {"imaging"}
    assert {i.role for i in filter_items(items, role="clinician")} == {"clinician"}
    week = filter_items(items, start=D(2026, 10, 20), end=D(2026, 10, 27))
    assert [i.due for i in week] == [D(2026, 10, 26)]
    assert filter_items(items, start=D(2026, 10, 27), end=D(2026, 12, 20)) == ()
    with pytest.raises(InputError, match="type"):
        filter_items(items, types=["imaging", "<script>"])
    with pytest.raises(InputError, match="role"):
        filter_items(items, role="admin")
    with pytest.raises(InputError, match="on or after from"):
        filter_items(items, start=D(2026, 10, 27), end=D(2026, 10, 1))


def test_icalendar_has_one_all_day_event_per_item() -> None:
    items = work_items(_decision("P002_complete_response"), as_of=D(2026, 10, 1))
    cal = Calendar.from_ical(items_ics(items, stamp=D(2026, 10, 1)))
    events = cal.walk("VEVENT")
    assert len(events) == len(items) == 3
    assert [e.decoded("dtstart") for e in events] == [i.due for i in items]
    assert events[1].decoded("dtend") == D(2026, 10, 27)
    assert "P002" in str(events[1]["summary"])


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(
        [
            "P001_new_liver_lesion_only",
            "P002_complete_response",
            "P003_untaceable_intrahepatic",
            "P007_jsh_refractory",
            "P010_new_lesion_treated_at_next_tace",
        ]
    ),
    regimen=st.sampled_from(["tace-sorafenib", "tace-durvalumab-bevacizumab", "tace-alone"]),
    as_of=st.dates(D(2025, 12, 1), D(2027, 12, 31)),
)
def test_status_follows_the_date_and_failure_stops_tace(
    name: str, regimen: str, as_of: dt.date
) -> None:
    d = _decision(name, regimen)
    for i in work_items(d, as_of=as_of):
        last = i.window_end or i.due
        assert (i.status == "overdue") == (last < as_of)
        assert i.role == item_types()[i.type].role
        if d.state.tace_failure is not None:
            assert i.type != "tace"
