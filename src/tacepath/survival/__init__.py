"""Survival statistics that agree with R ``survival``: pure functions, frozen results.

Kaplan–Meier (:func:`kaplan_meier`), log-rank family with Fleming–Harrington weights
(:func:`logrank_test`) and MaxCombo (:func:`maxcombo_test`), competing risks
(:mod:`tacepath.survival.competing`: :func:`cumulative_incidence` with Gray's test, and the
Fine–Gray model :func:`fine_gray`), Cox
proportional hazards (:func:`cox_ph`), restricted mean survival time comparison
(:func:`rmst_test`), Fisher's exact test (:func:`fisher_exact`). Every estimator takes a
DataFrame and column names; lower-level functions take arrays. All of them check their data
through :class:`SurvivalData` (times finite and ≥ 0, start < stop, events 0/1 or boolean,
weights > 0, one value per row) and raise :class:`~tacepath.errors.InputError` naming the
parameter (``time``, ``event``...), the column and the row. Nothing here knows about livers.

The names are loaded on first use (PEP 562), so that importing one submodule (say
:mod:`tacepath.survival.arrays` for its types) does not load every engine and its compiled
kernels.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tacepath.survival._cox import (
        ChiSquareTest,
        CoxControl,
        CoxResult,
        Ties,
        cox_fit,
        cox_ph,
    )
    from tacepath.survival._coxsurv import BaselineHazard, CoxSurvival, cox_survfit
    from tacepath.survival._exact import FisherResult, fisher_exact, fisher_exact_table
    from tacepath.survival._finegray import FineGrayResult, fine_gray
    from tacepath.survival._input import SurvivalData
    from tacepath.survival._km import (
        KaplanMeierResult,
        SurvivalCurve,
        SurvivalSummary,
        kaplan_meier,
        kaplan_meier_arrays,
    )
    from tacepath.survival._logrank import LogrankResult, TrendTest, logrank_arrays, logrank_test
    from tacepath.survival._maxcombo import MaxComboResult, WeightedZ, maxcombo_test
    from tacepath.survival._rmst import ArmRmst, Contrast, RmstComparison, rmst_test
    from tacepath.survival._zph import CoxZphResult, ZphTransform, cox_zph
    from tacepath.survival.competing import (
        CumulativeIncidence,
        CumulativeIncidenceResult,
        GrayTest,
        cumulative_incidence,
    )

#: Public name -> the submodule that defines it.
_EXPORTS = {
    "ArmRmst": "_rmst",
    "BaselineHazard": "_coxsurv",
    "ChiSquareTest": "_cox",
    "Contrast": "_rmst",
    "CoxControl": "_cox",
    "CoxResult": "_cox",
    "CoxSurvival": "_coxsurv",
    "CoxZphResult": "_zph",
    "CumulativeIncidence": "competing",
    "CumulativeIncidenceResult": "competing",
    "FineGrayResult": "_finegray",
    "FisherResult": "_exact",
    "GrayTest": "competing",
    "KaplanMeierResult": "_km",
    "LogrankResult": "_logrank",
    "MaxComboResult": "_maxcombo",
    "RmstComparison": "_rmst",
    "SurvivalCurve": "_km",
    "SurvivalData": "_input",
    "SurvivalSummary": "_km",
    "Ties": "_cox",
    "TrendTest": "_logrank",
    "WeightedZ": "_maxcombo",
    "ZphTransform": "_zph",
    "cox_fit": "_cox",
    "cox_ph": "_cox",
    "cox_survfit": "_coxsurv",
    "cox_zph": "_zph",
    "cumulative_incidence": "competing",
    "fine_gray": "_finegray",
    "fisher_exact": "_exact",
    "fisher_exact_table": "_exact",
    "kaplan_meier": "_km",
    "kaplan_meier_arrays": "_km",
    "logrank_arrays": "_logrank",
    "logrank_test": "_logrank",
    "maxcombo_test": "_maxcombo",
    "rmst_test": "_rmst",
}

__all__ = [
    "ArmRmst",
    "BaselineHazard",
    "ChiSquareTest",
    "Contrast",
    "CoxControl",
    "CoxResult",
    "CoxSurvival",
    "CoxZphResult",
    "CumulativeIncidence",
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "FisherResult",
    "GrayTest",
    "KaplanMeierResult",
    "LogrankResult",
    "MaxComboResult",
    "RmstComparison",
    "SurvivalCurve",
    "SurvivalData",
    "SurvivalSummary",
    "Ties",
    "TrendTest",
    "WeightedZ",
    "ZphTransform",
    "cox_fit",
    "cox_ph",
    "cox_survfit",
    "cox_zph",
    "cumulative_incidence",
    "fine_gray",
    "fisher_exact",
    "fisher_exact_table",
    "kaplan_meier",
    "kaplan_meier_arrays",
    "logrank_arrays",
    "logrank_test",
    "maxcombo_test",
    "rmst_test",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
