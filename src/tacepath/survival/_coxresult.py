"""The result types of the Cox model: iteration settings, chi-square tests, the fit.

:class:`CoxResult` holds what R's ``coxph`` and ``summary(coxph)`` report; its methods
render it (``to_dict``, ``to_frame``, ``summary``) or compute from it (baseline hazard,
predicted survival). See :mod:`tacepath.survival._cox` for the fitting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields, finite_list, finite_or_none
from tacepath.survival._coxmodel import CoxModel
from tacepath.survival._data import FloatArray

if TYPE_CHECKING:
    from tacepath.survival._coxsurv import BaselineHazard, CoxSurvival

__all__ = ["ChiSquareTest", "CoxControl", "CoxResult", "Ties", "chisq_test"]

Ties = Literal["efron", "breslow"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxControl:
    """Iteration settings, as R ``coxph.control``.

    ``eps``: convergence when |1 - L_old / L_new| <= eps for the log partial likelihood;
    ``toler_chol``: a pivot below this fraction of the largest diagonal element of the
    information matrix marks a redundant column; ``iter_max``: Newton–Raphson steps;
    ``toler_inf``: threshold of R's "coefficient may be infinite" check (default
    ``sqrt(eps)``).
    """

    eps: float = 1e-9
    toler_chol: float = float(np.finfo(float).eps) ** 0.75
    iter_max: int = 20
    toler_inf: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.eps) and self.eps > 0):
            raise InputError("control.eps", self.eps, "a number > 0")
        if not (math.isfinite(self.toler_chol) and self.toler_chol > 0):
            raise InputError("control.toler_chol", self.toler_chol, "a number > 0")
        if isinstance(self.iter_max, bool) or not isinstance(self.iter_max, int | np.integer):
            raise InputError("control.iter_max", self.iter_max, "an integer >= 0")
        if self.iter_max < 0:
            raise InputError("control.iter_max", self.iter_max, "an integer >= 0")
        if self.toler_inf is None:
            object.__setattr__(self, "toler_inf", math.sqrt(self.eps))
        elif not (math.isfinite(self.toler_inf) and self.toler_inf > 0):
            raise InputError("control.toler_inf", self.toler_inf, "a number > 0")

    @property
    def inf_tolerance(self) -> float:
        """``toler_inf`` as a number (``sqrt(eps)`` unless given)."""
        return math.sqrt(self.eps) if self.toler_inf is None else float(self.toler_inf)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChiSquareTest(JsonFields):
    """A chi-square test: statistic, degrees of freedom, upper-tail p value."""

    chisq: float
    df: int
    p: float


def chisq_test(stat: float, df: int) -> ChiSquareTest:
    """Upper-tail chi-square test of ``stat`` on ``df`` degrees of freedom."""
    p = float(chi2.sf(stat, df)) if df > 0 and math.isfinite(stat) else math.nan
    return ChiSquareTest(chisq=float(stat), df=int(df), p=p)


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxResult:
    """A fitted Cox model (R ``coxph`` and ``summary(coxph)``).

    One entry per term (design column) in ``terms``: ``coef`` (log hazard ratio, NaN for
    a redundant column), ``se`` (naive, from the inverse information), ``robust_se``
    (sandwich, only when R uses it: a cluster or non-integer weights), ``z`` and ``p``
    (Wald, with the variance in use), ``hr`` = exp(coef) and its ``conf_level`` interval
    ``hr_lower`` .. ``hr_upper``. ``loglik`` is (null model, fitted model); ``lr``,
    ``wald``, ``score`` (log-rank) and ``robust_score`` are the global tests on
    ``df`` = number of estimated coefficients. ``concordance`` is Harrell's C of the
    linear predictor with its standard error ``concordance_se``. ``n`` rows were used
    (``n_dropped`` left out for missing values), with ``n_event`` events. ``iterations``
    is R's ``iter``; ``converged`` is False when the iterations ran out; ``warnings``
    holds R's warnings (also emitted as :class:`StatisticalWarning`).
    """

    terms: tuple[str, ...]
    coef: FloatArray
    se: FloatArray
    robust_se: FloatArray | None
    z: FloatArray
    p: FloatArray
    hr: FloatArray
    hr_lower: FloatArray
    hr_upper: FloatArray
    var: FloatArray
    naive_var: FloatArray
    loglik: tuple[float, float]
    lr: ChiSquareTest
    wald: ChiSquareTest
    score: ChiSquareTest
    robust_score: ChiSquareTest | None
    concordance: float
    concordance_se: float
    n: int
    n_event: int
    n_dropped: int
    iterations: int
    converged: bool
    warnings: tuple[str, ...]
    ties: Ties
    conf_level: float
    means: FloatArray
    model: CoxModel = field(repr=False, compare=False)

    @property
    def robust(self) -> bool:
        """True when the variance in use is R's robust (sandwich) variance."""
        return self.robust_se is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (NaN and infinity as None)."""
        return {
            "terms": list(self.terms),
            "coef": finite_list(self.coef),
            "se": finite_list(self.se),
            "robust_se": None if self.robust_se is None else finite_list(self.robust_se),
            "z": finite_list(self.z),
            "p": finite_list(self.p),
            "hr": finite_list(self.hr),
            "hr_lower": finite_list(self.hr_lower),
            "hr_upper": finite_list(self.hr_upper),
            "loglik": [finite_or_none(self.loglik[0]), finite_or_none(self.loglik[1])],
            "wald": self.wald.to_dict(),
            "lr": self.lr.to_dict(),
            "score": self.score.to_dict(),
            "robust_score": None if self.robust_score is None else self.robust_score.to_dict(),
            "concordance": finite_or_none(self.concordance),
            "concordance_se": finite_or_none(self.concordance_se),
            "n": self.n,
            "n_event": self.n_event,
            "n_dropped": self.n_dropped,
            "iterations": self.iterations,
            "converged": self.converged,
            "warnings": list(self.warnings),
            "ties": self.ties,
            "conf_level": self.conf_level,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per term: term, coef, hr, se, robust_se, z, p, hr_lower, hr_upper."""
        robust = self.robust_se if self.robust_se is not None else np.full(len(self.terms), np.nan)
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "coef": self.coef,
                "hr": self.hr,
                "se": self.se,
                "robust_se": robust,
                "z": self.z,
                "p": self.p,
                "hr_lower": self.hr_lower,
                "hr_upper": self.hr_upper,
            }
        )

    def summary(self) -> str:
        """A text like R's ``print(summary(fit))``."""
        from tacepath.survival._coxtext import summary_text

        return summary_text(self)

    def baseline_hazard(self, *, centered: bool = True) -> BaselineHazard:
        """Cumulative baseline hazard, as R ``basehaz(fit, centered=)``."""
        from tacepath.survival._coxsurv import baseline_hazard

        return baseline_hazard(self, centered=centered)

    def predict_survival(
        self, profile: Mapping[str, Any], *, conf_level: float | None = None
    ) -> CoxSurvival:
        """Survival curve of one covariate profile, as R ``survfit(fit, newdata=profile)``."""
        from tacepath.survival._coxsurv import cox_survfit

        return cox_survfit(self, profile, conf_level=conf_level)


# ------------------------------------------------------------------------ fitting
