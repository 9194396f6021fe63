"""Endpoint derivation computes only the criteria it reads (``progression_course``); its rows
equal those derived from the whole course (``assess_response``), today's path, for every
example timeline shifted in time, with lesions scaled, under every censoring option."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.adam.endpoints import EndpointOptions, adtte_rows
from tacepath.domain.timeline import parse_timeline
from tacepath.response.course import assess_response, progression_course

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "timelines").glob("P*.json"))
TEMPLATES = [json.loads(p.read_text()) for p in EXAMPLES]
_SIZES = ("longest_mm", "perpendicular_mm", "viable_longest_mm", "viable_perpendicular_mm")


def _shift(obj: Any, days: int) -> Any:
    if isinstance(obj, dict):
        return {k: _shift(v, days) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shift(v, days) for v in obj]
    if isinstance(obj, str) and len(obj) == 10 and obj[4] == "-" and obj[7] == "-":
        return (dt.date.fromisoformat(obj) + dt.timedelta(days=days)).isoformat()
    return obj


def _scaled(raw: dict[str, Any], f: float) -> dict[str, Any]:
    """Liver lesions scaled by ``f``; lymph nodes (measured by their short axis, which RECIST
    1.1 bounds from below for a target node) are left as recorded."""
    for a in raw["assessments"]:
        for les in a["lesions"]:
            if les.get("short_axis_mm") is not None:
                continue
            for k in _SIZES:
                if les.get(k):
                    les[k] = round(les[k] * f, 1)
    return raw


options = st.builds(
    EndpointOptions,
    censor_new_therapy=st.booleans(),
    missed_assessments=st.none() | st.integers(1, 3),
    assessment_interval_days=st.none() | st.sampled_from([28, 42, 56, 84]),
    visit_window_days=st.integers(0, 14),
    aval_convention=st.sampled_from(["plus_one", "difference"]),
    ttp_criterion=st.sampled_from(["mrecist", "recist11"]),
    tactics_exploratory=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, len(TEMPLATES) - 1),
    st.integers(-400, 900),
    st.sampled_from([0.7, 1.0, 1.1, 1.2, 1.5]),
    options,
)
def test_rows_equal_those_of_the_whole_course(i: int, days: int, f: float, o: Any) -> None:
    tl = parse_timeline(_scaled(_shift(json.loads(json.dumps(TEMPLATES[i])), days), f))
    whole = assess_response(tl, o.response)
    assert adtte_rows(tl, o) == adtte_rows(tl, o, course=whole)
    part = progression_course(tl, o.response)
    assert part.recist11 == whole.recist11
    assert part.mrecist == whole.mrecist
    assert part.untaceable_progression == whole.untaceable_progression
    assert part.jsh_refractoriness == whole.jsh_refractoriness


def test_every_example_gives_events_and_censoring() -> None:
    """The examples reach both sides of the cascade (the property above is not vacuous)."""
    rows = [r for raw in TEMPLATES for r in adtte_rows(parse_timeline(raw), EndpointOptions())]
    assert {r.CNSR for r in rows} >= {0, 1}
    assert {r.PARAMCD for r in rows if r.CNSR == 0} >= {"OS", "PFSMREC", "TACEPFS", "TTFJSH"}
