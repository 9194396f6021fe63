"""Group-sequential boundaries by alpha spending, and their crossing probabilities.

Pure numerics behind :func:`tacepath.design.sample_size.trial_design`: the Lan–DeMets spending
functions of O'Brien–Fleming and Pocock type [1]_, the boundaries they give for a one-sided
test at information rates t₁ < … < t_K = 1, and the probability of crossing them under a
drift, by the recursive numerical integration of Armitage, McPherson and Rowe as set out by
Jennison and Turnbull [2]_ (chapter 19: their grid, Simpson's rule).

The standardised statistics Z_k have the canonical joint distribution: Z_k√t_k is a Brownian
motion with drift η at times t_k, so Z_k ~ N(η√t_k, 1) and cov(Z_j, Z_k) = √(t_j/t_k).
A two-sided design is computed, as R ``rpact`` does, as the one-sided design at α/2 with
the mirror-image lower boundary.

References
----------
.. [1] Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika
   1983;70(3):659-663. doi:10.1093/biomet/70.3.659
.. [2] Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical
   Trials. Chapman & Hall/CRC; 2000, chapter 19.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.special import ndtr, ndtri

from tacepath.survival.arrays import FloatArray

__all__ = [
    "GRID_R",
    "Crossing",
    "Spending",
    "boundaries",
    "crossing",
    "drift_for_power",
    "spent",
]

Spending = Literal["obrien-fleming", "pocock"]
Vector = Sequence[float] | FloatArray

GRID_R = 48
"""Grid size parameter r of Jennison and Turnbull (about 12·r points per stage)."""

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def brentq(f: Any, a: float, b: float, **options: Any) -> float:
    """SciPy's ``brentq`` root of ``f`` in [a, b], SciPy's optimiser imported on first use
    (about 0.3 s of start-up that simulating a trial, which solves no equation, does not pay)."""
    from scipy.optimize import brentq as scipy_brentq

    return float(scipy_brentq(f, a, b, **options))


def spent(kind: Spending, alpha: float, t: FloatArray) -> FloatArray:
    """Cumulative one-sided alpha spent at information rates ``t`` (Lan–DeMets [1]_).

    O'Brien–Fleming type: α*(t) = 2 − 2Φ(z_{1−α/2}/√t); Pocock type:
    α*(t) = α·ln(1 + (e − 1)t). Both equal α at t = 1 (R ``rpact`` ``asOF``, ``asP``).
    """
    t = np.asarray(t, dtype=float)
    if kind == "obrien-fleming":
        z = float(ndtri(1.0 - alpha / 2.0))
        return np.asarray(2.0 * ndtr(-z / np.sqrt(t)), dtype=float)
    return np.asarray(alpha * np.log1p((math.e - 1.0) * t), dtype=float)


def _grid(mean: float, lower: float, upper: float, r: int) -> tuple[FloatArray, FloatArray]:
    """Jennison–Turnbull grid on (lower, upper) around ``mean`` with Simpson weights.

    Returns the 2m − 1 abscissae (grid points and midpoints) and their weights."""
    i = np.arange(1, 6 * r, dtype=float)
    x = np.where(
        i < r,
        -3.0 - 4.0 * np.log(r / i),
        np.where(i <= 5 * r, -3.0 + 3.0 * (i - r) / (2.0 * r), 3.0 + 4.0 * np.log(r / (6 * r - i))),
    )
    x = x + mean
    inside = x[(x > lower) & (x < upper)]
    if inside.size == 0:
        lo = max(lower, x[0])
        hi = min(upper, x[-1])
        if hi <= lo:  # the continuation region carries no probability
            return np.array([lo]), np.zeros(1)
        inside = np.linspace(lo, hi, 3)[1:-1]
    x = inside
    if lower > -math.inf and lower < x[0]:
        x = np.concatenate([[lower], x])
    if upper < math.inf and upper > x[-1]:
        x = np.append(x, upper)
    d = np.diff(x)
    z = np.empty(2 * x.size - 1)
    z[0::2] = x
    z[1::2] = x[:-1] + d / 2.0
    w = np.zeros(z.size)
    w[0:-1:2] += d / 6.0
    w[2::2] += d / 6.0
    w[1::2] = 4.0 * d / 6.0
    return z, w


@dataclass(frozen=True, slots=True, kw_only=True)
class Crossing:
    """Probabilities of first leaving the continuation region at each stage, by each side."""

    upper: FloatArray
    """P(Z_k ≥ c_k, Z_j inside for j < k), per stage."""
    lower: FloatArray
    """P(Z_k ≤ −c_k, Z_j inside for j < k), per stage (zeros for a one-sided design)."""

    @property
    def total(self) -> float:
        """Probability of crossing the upper boundary at some stage."""
        return float(self.upper.sum())


def crossing(
    rates: Vector,
    critical: Vector,
    drift: float,
    *,
    two_sided: bool = False,
    r: int = GRID_R,
) -> Crossing:
    """First-crossing probabilities of the boundaries ±``critical`` under drift η.

    Z_k ~ N(η√t_k, 1). One-sided: continuation region Z_k < c_k; two-sided: |Z_k| < c_k.
    Recursive integration on the Jennison–Turnbull grid with Simpson's rule [2]_; exact for
    the first stage.
    """
    t = np.asarray(rates, dtype=float)
    c = np.asarray(critical, dtype=float)
    lows = -c if two_sided else np.full(c.size, -math.inf)
    up = np.empty(t.size)
    low = np.zeros(t.size)
    mean = drift * math.sqrt(t[0])
    up[0] = float(ndtr(mean - c[0]))
    low[0] = float(ndtr(lows[0] - mean))
    if t.size == 1:
        return Crossing(upper=up, lower=low)
    z, w = _grid(mean, float(lows[0]), float(c[0]), r)
    h = w * np.exp(-0.5 * (z - mean) ** 2) / _SQRT_2PI
    for k in range(1, t.size):
        dt = t[k] - t[k - 1]
        sd = math.sqrt(dt)
        shift = z * math.sqrt(t[k - 1]) + drift * dt
        up[k] = float(h @ ndtr((shift - c[k] * math.sqrt(t[k])) / sd))
        if two_sided:
            low[k] = float(h @ ndtr((lows[k] * math.sqrt(t[k]) - shift) / sd))
        if k == t.size - 1:
            break
        mean = drift * math.sqrt(t[k])
        z_new, w_new = _grid(mean, float(lows[k]), float(c[k]), r)
        dens = np.exp(-0.5 * ((z_new[:, None] * math.sqrt(t[k]) - shift[None, :]) / sd) ** 2)
        h = w_new * (dens @ h) * math.sqrt(t[k]) / (sd * _SQRT_2PI)
        z = z_new
    return Crossing(upper=up, lower=low)


def boundaries(
    kind: Spending,
    alpha: float,
    rates: Vector,
    *,
    two_sided: bool = False,
    r: int = GRID_R,
) -> tuple[FloatArray, FloatArray]:
    """Critical values spending ``alpha`` per side at ``rates``, and the alpha spent per side.

    Stage k's value solves P₀(first crossing of the upper boundary at k) =
    α*(t_k) − α*(t_{k−1}) (Brent's method to 1e-13). A two-sided design spends α*(t) on each
    side with continuation region |Z_k| < c_k: called with α/2, it is R ``rpact``'s
    ``sided = 2`` design. Returns (critical values, cumulative alpha spent per side).
    """
    t = np.asarray(rates, dtype=float)
    cum = spent(kind, alpha, t)
    inc = np.diff(np.concatenate([[0.0], cum]))
    c = np.empty(t.size)
    for k in range(t.size):
        if k == 0:
            c[0] = float(-ndtri(inc[0]))
            continue

        def excess(x: float, k: int = k) -> float:
            c[k] = x
            cross = crossing(t[: k + 1], c[: k + 1], 0.0, two_sided=two_sided, r=r)
            return float(cross.upper[k] - inc[k])

        c[k] = brentq(excess, -10.0, 40.0, xtol=1e-13, rtol=1e-14, maxiter=200)
    return c, cum


def drift_for_power(
    rates: Vector,
    critical: Vector,
    power: float,
    *,
    two_sided: bool = False,
    r: int = GRID_R,
) -> float:
    """The drift η at which the probability of first crossing the upper boundary is ``power``.

    Two-sided designs count the upper boundary only (the side of the effect; R ``rpact``'s
    default ``twoSidedPower = FALSE``)."""
    c = np.asarray(critical, dtype=float)
    hi = float(ndtri(power) + c.max() + 2.0)
    return float(
        brentq(
            lambda eta: crossing(rates, c, eta, two_sided=two_sided, r=r).total - power,
            0.0,
            hi,
            xtol=1e-13,
            rtol=1e-14,
            maxiter=200,
        )
    )
