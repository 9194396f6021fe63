"""JSON-safe data for every JSON writer (CLI ``--json``, ``results.json``, the API).

JSON has no NaN or infinity: an undefined statistic (a median never reached, a p-value of a
test that cannot be computed) is written as ``null``, never as the invalid token ``NaN``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["json_safe"]


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN and ±inf as None and NumPy arrays and scalars as plain Python values."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
