"""Tumour response (RECIST 1.1, mRECIST, EASL, RECICL) and TACE failure: pure functions."""

from tacepath.response._core import (
    BestOverallResponse,
    CriterionResult,
    LesionFinding,
    NewLesionFinding,
    TimepointResponse,
)
from tacepath.response._failure_results import component_label
from tacepath.response.course import CourseResult, ResponseOptions, assess_response
from tacepath.response.easl import easl
from tacepath.response.markers import afp_response, jsh_marker_item, marker_series
from tacepath.response.mrecist import mrecist
from tacepath.response.recicl import recicl
from tacepath.response.recist import recist11
from tacepath.response.tace_failure import (
    ComponentFinding,
    FailureResult,
    IntrahepaticVisit,
    JshSession,
    RepeatTaceIndication,
    jsh_refractoriness,
    repeat_tace_indication,
    tace_specific_pfs,
    untaceable_progression,
)

__all__ = [
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
