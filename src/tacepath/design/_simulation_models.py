"""Survival, accrual and strata models of a simulated trial, with vectorised samplers.

Every survival model is defined by its cumulative hazard H(t); an event time is drawn as
H⁻¹(E / m) with E ~ Exp(1) and m the product of the hazard multipliers that apply
(hazard ratio, stratum), so proportional hazards hold exactly within a model. Times in
months.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tacepath.errors import Problem
from tacepath.jsonsafe import JsonFields
from tacepath.survival.arrays import FloatArray

__all__ = [
    "Accrual",
    "Exponential",
    "PiecewiseExponential",
    "Stratum",
    "SurvivalModel",
    "Weibull",
]

_LN2 = math.log(2.0)


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True, slots=True, kw_only=True)
class Exponential:
    """Exponential survival with median ``median`` months (hazard ln 2 / median)."""

    median: float

    @property
    def hazard(self) -> float:
        return _LN2 / self.median

    def inverse_cumulative_hazard(self, x: FloatArray) -> FloatArray:
        """t with H(t) = x."""
        return np.asarray(x * (self.median / _LN2), dtype=float)

    def problems(self, field: str) -> list[Problem]:
        if _finite(self.median) and self.median > 0:
            return []
        return [Problem(f"{field} median", self.median, "months > 0")]

    def to_dict(self) -> dict[str, Any]:
        return {"model": "exponential", "median": self.median}


@dataclass(frozen=True, slots=True, kw_only=True)
class PiecewiseExponential:
    """Piecewise-constant hazard: ``hazards[i]`` per month from ``starts[i]`` (first 0).

    R ``rpact``'s ``piecewiseSurvivalTime`` (starts) with ``lambda1``/``lambda2``."""

    starts: tuple[float, ...]
    hazards: tuple[float, ...]

    def inverse_cumulative_hazard(self, x: FloatArray) -> FloatArray:
        s = np.asarray(self.starts, dtype=float)
        h = np.asarray(self.hazards, dtype=float)
        at_starts = np.concatenate([[0.0], np.cumsum(np.diff(s) * h[:-1])])
        i = np.searchsorted(at_starts, x, side="right") - 1
        return np.asarray(s[i] + (x - at_starts[i]) / h[i], dtype=float)

    def problems(self, field: str) -> list[Problem]:
        s, h = self.starts, self.hazards
        ok = (
            len(s) >= 1
            and len(s) == len(h)
            and all(_finite(v) for v in (*s, *h))
            and s[0] == 0
            and all(b > a for a, b in itertools.pairwise(s))
            and all(v > 0 for v in h)
        )
        if ok:
            return []
        return [
            Problem(
                f"{field} piecewise hazards",
                [
                    f"{a:g}:{b:g}" if _finite(a) and _finite(b) else (a, b)
                    for a, b in zip(s, h, strict=False)
                ],
                "START:HAZARD pairs, starts increasing from 0, hazards per month > 0, "
                "e.g. 0:0.06,6:0.04",
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "piecewise-exponential",
            "starts": list(self.starts),
            "hazards": list(self.hazards),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Weibull:
    """Weibull survival S(t) = exp(−(t/b)^k) with shape k and median b·(ln 2)^{1/k}.

    R ``rpact``: ``kappa`` = shape, ``lambda`` = 1/b; a hazard ratio HR keeps the shape
    (S_treatment = S_control^HR)."""

    shape: float
    median: float

    @property
    def scale(self) -> float:
        return float(self.median / _LN2 ** (1.0 / self.shape))

    def inverse_cumulative_hazard(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.scale * x ** (1.0 / self.shape), dtype=float)

    def problems(self, field: str) -> list[Problem]:
        out = []
        if not (_finite(self.shape) and self.shape > 0):
            out.append(Problem(f"{field} Weibull shape", self.shape, "a number > 0"))
        if not (_finite(self.median) and self.median > 0):
            out.append(Problem(f"{field} median", self.median, "months > 0"))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"model": "weibull", "shape": self.shape, "median": self.median}


SurvivalModel = Exponential | PiecewiseExponential | Weibull


@dataclass(frozen=True, slots=True, kw_only=True)
class Accrual(JsonFields):
    """Patient entry over ``months``: uniform, or piecewise uniform with relative
    ``intensities`` from ``starts`` (first 0).

    ``entry="random"`` draws each entry time independently; ``"regular"`` places patient i
    of n at the i/n quantile of the accrual distribution (R ``rpact``'s simulation: entries
    A/n, 2A/n, …, A under uniform accrual).
    """

    months: float
    starts: tuple[float, ...] = (0.0,)
    intensities: tuple[float, ...] = (1.0,)
    entry: Literal["random", "regular"] = "random"

    def quantile(self, u: FloatArray) -> FloatArray:
        """Entry month at cumulative accrual share ``u``."""
        if len(self.starts) == 1:
            return np.asarray(u * self.months, dtype=float)
        edges = np.append(np.asarray(self.starts, dtype=float), self.months)
        w = np.diff(edges) * np.asarray(self.intensities, dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(w)]) / w.sum()
        i = np.clip(np.searchsorted(cum, u, side="right") - 1, 0, w.size - 1)
        share = (u - cum[i]) / np.where(w[i] > 0, cum[i + 1] - cum[i], 1.0)
        return np.asarray(edges[i] + share * (edges[i + 1] - edges[i]), dtype=float)

    def problems(self) -> list[Problem]:
        out = []
        if not (_finite(self.months) and self.months > 0):
            out.append(Problem("accrual_months", self.months, "a number of months > 0"))
            return out
        s, w = self.starts, self.intensities
        ok = (
            len(s) >= 1
            and len(s) == len(w)
            and all(_finite(v) for v in (*s, *w))
            and s[0] == 0
            and all(b > a for a, b in itertools.pairwise(s))
            and s[-1] < self.months
            and all(v >= 0 for v in w)
            and sum(w) > 0
        )
        if not ok:
            out.append(
                Problem(
                    "accrual intensity",
                    [f"{a}:{b}" for a, b in zip(s, w, strict=False)],
                    f"START:INTENSITY pairs, starts increasing from 0 below {self.months:g}, "
                    "relative intensities >= 0 not all 0, e.g. 0:1,12:3",
                )
            )
        if self.entry not in ("random", "regular"):
            out.append(Problem("entry", self.entry, "random | regular"))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Stratum(JsonFields):
    """A stratum: its share of patients and the factor on both arms' hazards in it."""

    name: str
    prevalence: float
    hazard_multiplier: float = 1.0
