"""The endpoints' events computed without reason texts (``progression_events``) equal those
read from the explained results (``progression_course``), under every response option, for
every example timeline shifted in time and with lesions scaled; and the explained results
keep their texts (the text-free path is not what ``assess_response`` returns)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.domain.timeline import parse_timeline
from tacepath.errors import InputError
from tacepath.response.course import (
    ProgressionEvents,
    ResponseOptions,
    assess_response,
    progression_course,
    progression_events,
)
from tests.adam.test_endpoints_fast_path import TEMPLATES, _scaled, _shift

response_options = st.builds(
    ResponseOptions,
    confirmation=st.booleans(),
    min_confirmation_days=st.integers(0, 60),
    min_sd_days=st.none() | st.integers(0, 120),
    mrecist_require_5mm=st.booleans(),
    tactics_ehs_min_mm=st.none() | st.sampled_from([0.0, 5.0, 10.0, 20.0]),
    tactics_cpc_window_days=st.none() | st.integers(0, 90),
    tactics_include_refractoriness=st.booleans(),
    jsh_viable_reference=st.sampled_from(["pre_session", "original_baseline"]),
    jsh_require_regimen_change=st.booleans(),
)


def _timeline(i: int, days: int, f: float) -> Any:
    return parse_timeline(_scaled(_shift(json.loads(json.dumps(TEMPLATES[i])), days), f))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, len(TEMPLATES) - 1),
    st.integers(-400, 900),
    st.sampled_from([0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.25, 1.5, 2.0]),
    response_options,
)
def test_events_equal_those_of_the_explained_course(
    i: int, days: int, f: float, o: ResponseOptions
) -> None:
    tl = _timeline(i, days, f)
    assert progression_events(tl, o) == ProgressionEvents.of(progression_course(tl, o))


def test_the_examples_reach_every_kind_of_event() -> None:
    """Progression under both criteria, a TACTICS component and a JSH item occur (the
    property above compares events, not only their absence)."""
    evs = [progression_events(parse_timeline(raw)) for raw in TEMPLATES]
    assert any(e.recist11[1] for e in evs)
    assert any(e.mrecist[1] for e in evs)
    assert {e.untaceable[1][1] for e in evs if e.untaceable[1]} >= {"intrahepatic_progression"}
    assert any(e.jsh for e in evs)


def test_explained_results_keep_their_texts() -> None:
    tl = parse_timeline(TEMPLATES[0])
    c = assess_response(tl)
    assert all(v.why.startswith(f"{v.overall}: target ") for v in c.mrecist.assessments)
    assert all(v.note.startswith("viable ") for v in c.untaceable_progression.intrahepatic)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (ResponseOptions(min_sd_days=-1), "min_sd_days"),
        (ResponseOptions(min_confirmation_days=-1), "min_confirmation_days"),
        (ResponseOptions(tactics_cpc_window_days=-1), "cpc_window_days"),
        (ResponseOptions(tactics_ehs_min_mm=-1.0), "ehs_min_mm"),
        (ResponseOptions(jsh_viable_reference="nadir"), "viable_reference"),  # type: ignore[arg-type]
    ],
)
def test_bad_options_are_refused_as_by_the_explained_course(
    options: ResponseOptions, field: str
) -> None:
    tl = parse_timeline(TEMPLATES[0])
    with pytest.raises(InputError) as fast:
        progression_events(tl, options)
    with pytest.raises(InputError) as explained:
        progression_course(tl, options)
    assert field in str(fast.value)
    assert str(fast.value) == str(explained.value)
