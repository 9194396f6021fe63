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
        "component_label",
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


def test_every_failure_component_reads_as_words() -> None:
    """The components the failure rules can name all have a label without an underscore."""
    from tacepath.response._failure_results import COMPONENT_LABELS

    assert response.component_label("extrahepatic_spread") == "extrahepatic spread"
    assert response.component_label("child_pugh_c") == "Child-Pugh C"
    assert response.component_label(None) == ""
    assert all("_" not in label for label in COMPONENT_LABELS.values())
    # every component the rules name on the example timelines has its label, and no reason
    # a person reads carries an identifier
    import json
    from pathlib import Path

    from tacepath.domain.timeline import parse_timeline

    folder = Path(__file__).resolve().parents[2] / "examples" / "timelines"
    for path in sorted(folder.glob("P0*.json")):
        tl = parse_timeline(json.loads(path.read_text()))
        for rule in (response.jsh_refractoriness, response.untaceable_progression):
            result = rule(tl)
            assert {c.criterion for c in result.components} <= set(COMPONENT_LABELS)
            assert not any(name in result.why for name in COMPONENT_LABELS if "_" in name)
        pfs = response.tace_specific_pfs(tl)
        assert not any(name in pfs.why for name in COMPONENT_LABELS if "_" in name), pfs.why
