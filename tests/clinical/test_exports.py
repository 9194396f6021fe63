"""The public names of tacepath.clinical are exactly the intended ones, and each resolves."""

from __future__ import annotations

import tacepath.clinical as clinical


def test_exported_names() -> None:
    assert clinical.__all__ == [
        "ALBIResult", "ARTResult", "AssessOptions", "Assessment", "BCLCResult", "ChildPughResult",
        "ECOGResult", "HAPResult", "MALBIResult", "MELD3Result", "MELDNaResult", "MELDResult",
        "MilanResult", "NotComputable", "SixAndTwelveResult", "UpToSevenResult", "albi",
        "art_score", "assess", "assess_cohort", "bclc_stage", "child_pugh",
        "ecog_performance_status", "hap", "malbi", "meld", "meld_3", "meld_na", "mhap2",
        "milan_criteria", "six_and_twelve", "up_to_seven",
    ]  # fmt: skip
    for name in clinical.__all__:
        assert getattr(clinical, name) is not None
