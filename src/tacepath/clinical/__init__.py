"""Clinical calculators: liver function, tumour burden, staging, TACE scores.

Each function is pure and returns a frozen result with the value, its parts, the rule applied
and its source. :func:`assess` computes every score for a patient snapshot.
:func:`assess_cohort` (the vectorised cohort path, which needs pandas) is imported on first
use, so scoring single patients does not load pandas.
"""

from typing import TYPE_CHECKING, Any

from tacepath.clinical.assessment import Assessment, AssessOptions, NotComputable, assess
from tacepath.clinical.liver_function import (
    ALBIResult,
    ChildPughResult,
    MALBIResult,
    MELD3Result,
    MELDNaResult,
    MELDResult,
    albi,
    child_pugh,
    malbi,
    meld,
    meld_3,
    meld_na,
)
from tacepath.clinical.performance import ECOGResult, ecog_performance_status
from tacepath.clinical.staging import BCLCResult, bclc_stage
from tacepath.clinical.tace_scores import ARTResult, HAPResult, art_score, hap, mhap2
from tacepath.clinical.tumour_burden import (
    MilanResult,
    SixAndTwelveResult,
    UpToSevenResult,
    milan_criteria,
    six_and_twelve,
    up_to_seven,
)

if TYPE_CHECKING:
    from tacepath.clinical.cohort import assess_cohort

__all__ = [
    "ALBIResult",
    "ARTResult",
    "AssessOptions",
    "Assessment",
    "BCLCResult",
    "ChildPughResult",
    "ECOGResult",
    "HAPResult",
    "MALBIResult",
    "MELD3Result",
    "MELDNaResult",
    "MELDResult",
    "MilanResult",
    "NotComputable",
    "SixAndTwelveResult",
    "UpToSevenResult",
    "albi",
    "art_score",
    "assess",
    "assess_cohort",
    "bclc_stage",
    "child_pugh",
    "ecog_performance_status",
    "hap",
    "malbi",
    "meld",
    "meld_3",
    "meld_na",
    "mhap2",
    "milan_criteria",
    "six_and_twelve",
    "up_to_seven",
]


def __getattr__(name: str) -> Any:
    if name == "assess_cohort":
        from tacepath.clinical.cohort import assess_cohort

        return assess_cohort
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
