"""JSON-safe data for every JSON writer (CLI ``--json``, ``results.json``, the API).

JSON has no NaN or infinity: an undefined statistic (a median never reached, a p-value of a
test that cannot be computed) is written as ``null``, never as the invalid token ``NaN``.

NumPy is not imported here: a NumPy value can only exist once NumPy has been imported, so the
module is looked up in ``sys.modules``. Commands that print plain JSON (and the CLI start-up)
do not pay for importing NumPy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import sys
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

__all__ = ["JsonFields", "fields_json", "finite_list", "finite_or_none", "json_safe", "to_json"]


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


def to_json(obj: Any) -> Any:
    """``obj`` as JSON data: a result's own ``to_dict`` where it has one, otherwise a dataclass
    as ``{field: value}`` in field order (fields named ``_…`` are internal and left out),
    mappings and sequences element by element, dates as ISO 8601, enums as their value, and
    numbers as :func:`json_safe` writes them (NaN and ±inf as ``null``)."""
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict) and not isinstance(obj, type):
        return to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return fields_json(obj)
    if isinstance(obj, Mapping):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return to_json(obj.value)
    return json_safe(obj)


def fields_json(obj: Any) -> dict[str, Any]:
    """A dataclass instance's fields as JSON data (see :func:`to_json`)."""
    return {
        f.name: to_json(getattr(obj, f.name))
        for f in dataclasses.fields(obj)
        if not f.name.startswith("_")
    }


class JsonFields:
    """Base of frozen results whose JSON contract is their fields, in order: ``to_dict`` is
    built from the dataclass fields by :func:`to_json` instead of written by hand."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The result's fields as JSON data (nested results by their own ``to_dict``)."""
        return fields_json(self)
