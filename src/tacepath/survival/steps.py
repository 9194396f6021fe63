"""Values read off a step curve, for callers that hold one as arrays (a digitised figure too)."""

from __future__ import annotations

import numpy as np

from tacepath.survival.arrays import FloatArray

__all__ = ["step_median"]

#: R's ``sqrt(.Machine$double.eps)``, the tolerance of its median rule.
_TOL = float(np.sqrt(np.finfo(float).eps))


def step_median(time: FloatArray, surv: FloatArray) -> float:
    """The median R prints for a step curve (``print.survfit``, ``summary(fit)$table``).

    The first time the curve ``surv`` is below ½; when it sits exactly at ½ (within R's
    tolerance √ε) and drops lower later, the midpoint of that time and the time it drops.
    Applied to the lower and upper bands it gives the median's confidence limits. NaN
    values of ``surv`` are passed over; NaN when the curve never reaches ½.
    """
    keep = ~np.isnan(surv) & (surv < 0.5 + _TOL)
    if not keep.any():
        return float("nan")
    xs, ys = time[keep], surv[keep]
    if abs(ys[0] - 0.5) < _TOL:
        lower = np.flatnonzero(ys < ys[0])
        if lower.size:
            return float((xs[0] + xs[lower[0]]) / 2)
    return float(xs[0])
