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
from typing import Any

__all__ = ["json_safe"]


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
