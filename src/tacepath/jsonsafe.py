"""JSON-safe data for every JSON writer (CLI ``--json``, ``results.json``, the API).

JSON has no NaN or infinity: an undefined statistic (a median never reached, a p-value of a
test that cannot be computed) is written as ``null``, never as the invalid token ``NaN``.

NumPy is not imported here: a NumPy value can only exist once NumPy has been imported, so the
module is looked up in ``sys.modules``. Commands that print plain JSON (and the CLI start-up)
do not pay for importing NumPy.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from typing import Any

__all__ = ["finite_list", "finite_or_none", "json_safe"]


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN and ±inf as None and NumPy arrays and scalars as plain Python values."""
    np = sys.modules.get("numpy")
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if np is not None:
        if isinstance(obj, np.ndarray):
            return [json_safe(v) for v in obj.tolist()]
        if isinstance(obj, np.generic):
            obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def finite_or_none(v: float | None) -> float | None:
    """``v`` as a float, or None when it is missing, infinite or NaN (JSON ``null``)."""
    return None if v is None or not math.isfinite(v) else float(v)


def finite_list(values: Iterable[float]) -> list[float | None]:
    """Each value as a float, NaN and ±inf as None (a NumPy array is read through ``tolist``)."""
    tolist = getattr(values, "tolist", None)
    items: Iterable[float] = tolist() if tolist is not None else values
    return [None if not math.isfinite(v) else float(v) for v in items]
