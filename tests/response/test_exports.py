"""The public names of tacepath.response are exactly the intended ones."""

from __future__ import annotations

import tacepath.response as response


def test_exported_names() -> None:
    assert sorted(response.__all__) == [
        "BestOverallResponse",
        "ComponentFinding",
        "CourseResult",
        "CriterionResult",
        "FailureResult",
        "IntrahepaticVisit",
        "JshSession",
        "LesionFinding",
        "NewLesionFinding",
        "RepeatTaceIndication",
        "ResponseOptions",
        "TimepointResponse",
        "afp_response",
        "assess_response",
        "easl",
        "jsh_marker_item",
        "jsh_refractoriness",
        "marker_series",
        "mrecist",
        "recicl",
        "recist11",
        "repeat_tace_indication",
        "tace_specific_pfs",
        "untaceable_progression",
    ]
    for name in response.__all__:
        assert getattr(response, name) is not None
