"""A number as the results hold it: finite, or None."""

from __future__ import annotations

import math

__all__ = ["finite_or_none"]


def finite_or_none(v: float | None) -> float | None:
    """``v`` as a float, or None when it is missing, infinite or NaN."""
    return None if v is None or not math.isfinite(v) else float(v)
