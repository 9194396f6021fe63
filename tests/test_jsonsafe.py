"""Every JSON writer's shared conversion: strict JSON, finite numbers unchanged."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.jsonsafe import JsonFields, json_safe, to_json

_leaf = st.floats() | st.integers() | st.text(max_size=3) | st.none() | st.booleans()
_tree = st.recursive(
    _leaf,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3)
    ),
)


# no deadline: the check is of the JSON, and on a loaded machine one example can exceed
# Hypothesis's 200 ms default (seen once: 324 ms, then 0.03 ms on its rerun)
@settings(deadline=None)
@given(_tree)
def test_output_is_strict_json_and_finite_values_survive(obj: object) -> None:
    out = json_safe(obj)
    text = json.dumps(out, allow_nan=False)  # raises on NaN or inf
    if isinstance(obj, float) and math.isfinite(obj):
        assert json.loads(text) == obj


def test_numpy_values_and_undefined_statistics() -> None:
    assert json_safe(
        {"median": np.float64("nan"), "n": np.int64(3), "t": np.array([1.5, np.inf])}
    ) == {
        "median": None,
        "n": 3,
        "t": [1.5, None],
    }
    assert json_safe((float("-inf"), 0.0)) == [None, 0.0]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Inner(JsonFields):
    p: float
    when: dt.date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Reshaped:
    value: float

    def to_dict(self) -> dict[str, object]:
        return {"shown": self.value * 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outer(JsonFields):
    name: str
    inner: _Inner
    reshaped: _Reshaped
    pairs: tuple[tuple[str, float], ...]
    counts: Mapping[str, int]
    _cache: object = None


def test_fields_in_order_nested_results_by_their_own_contract() -> None:
    outer = _Outer(
        name="OS",
        inner=_Inner(p=float("nan"), when=dt.date(2026, 5, 1)),
        reshaped=_Reshaped(value=1.5),
        pairs=(("a", np.float64(0.25)),),
        counts=MappingProxyType({"x": 2}),
        _cache=object(),
    )
    out = outer.to_dict()
    assert list(out) == ["name", "inner", "reshaped", "pairs", "counts"]
    assert out == {
        "name": "OS",
        "inner": {"p": None, "when": "2026-05-01"},
        "reshaped": {"shown": 3.0},
        "pairs": [["a", 0.25]],
        "counts": {"x": 2},
    }
    json.dumps(out, allow_nan=False)
    assert to_json([_Inner(p=float("inf"), when=None)]) == [{"p": None, "when": None}]
