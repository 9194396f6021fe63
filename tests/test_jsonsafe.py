"""Every JSON writer's shared conversion: strict JSON, finite numbers unchanged."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.jsonsafe import json_safe

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
