"""Survival statistics that agree with R ``survival``: pure functions, frozen results.

Kaplan–Meier (:func:`kaplan_meier`), log-rank family (:func:`logrank_test`), Cox
proportional hazards (:func:`cox_ph`), restricted mean survival time comparison
(:func:`rmst_test`), Fisher's exact test (:func:`fisher_exact`). Every estimator takes a
DataFrame and column names; lower-level functions take arrays. Nothing here knows about
livers.
"""

from tacepath.survival._exact import FisherResult, fisher_exact, fisher_exact_table
from tacepath.survival._km import (
    KaplanMeierResult,
    SurvivalCurve,
    SurvivalSummary,
    kaplan_meier,
    kaplan_meier_arrays,
)
from tacepath.survival._logrank import LogrankResult, TrendTest, logrank_arrays, logrank_test
from tacepath.survival._rmst import ArmRmst, Contrast, RmstComparison, rmst_test

__all__ = [
    "ArmRmst",
    "Contrast",
    "FisherResult",
    "KaplanMeierResult",
    "LogrankResult",
    "RmstComparison",
    "SurvivalCurve",
    "SurvivalSummary",
    "TrendTest",
    "fisher_exact",
    "fisher_exact_table",
    "kaplan_meier",
    "kaplan_meier_arrays",
    "logrank_arrays",
    "logrank_test",
    "rmst_test",
]
