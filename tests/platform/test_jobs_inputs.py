"""The inputs of a job are checked before it is queued: whatever a caller sends, the check
accepts it or refuses it with an :class:`InputError` naming the field, never another error
(which would be a 500 instead of a 422)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.errors import InputError
from tacepath.service.job_kinds import SIMULATION_INPUTS, check_inputs


def _problems(kind: str, inputs: dict[str, Any], files: dict[str, bytes]) -> list[Any] | None:
    """``None`` when the inputs are accepted, else the problems of the InputError (any
    other exception fails the test)."""
    try:
        check_inputs(kind, inputs, files)
    except InputError as exc:
        return list(exc.problems)
    return None


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
_KEYS = st.sampled_from(
    [*SIMULATION_INPUTS, "events", "n", "arm", "percent", "format", "weibull_shape", "x"]
)
_FILES = st.dictionaries(
    st.sampled_from(["curve.csv", "at_risk.csv", "cohort.csv", "cohort.parquet", "x.bin"]),
    st.binary(max_size=50),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["reconstruction", "cohort-assessment", "simulation", "analysis", "x"]),
    inputs=st.dictionaries(_KEYS, _SCALARS, max_size=14),
    files=_FILES,
)
def test_job_inputs_are_accepted_or_refused_with_an_input_error(
    kind: str, inputs: dict[str, Any], files: dict[str, bytes]
) -> None:
    problems = _problems(kind, inputs, files)
    assert problems is None or (problems and all(p.field for p in problems))


@settings(max_examples=300, deadline=None)
@given(
    inputs=st.fixed_dictionaries(
        dict.fromkeys((*SIMULATION_INPUTS[:5], "replicates", "seed"), _SCALARS),
        optional=dict.fromkeys(SIMULATION_INPUTS[5:10], _SCALARS),
    )
)
def test_any_simulation_scenario_is_accepted_or_refused_with_an_input_error(
    inputs: dict[str, Any],
) -> None:
    problems = _problems("simulation", inputs, {})
    assert problems is None or len(problems) > 0
