"""The cohort engine's text columns read once per distinct value, and tumour lists split by
Arrow, give cell for cell what pandas' string methods give on the whole column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.clinical import _cohort_text
from tacepath.clinical.cohort import assess_cohort
from tacepath.errors import InputErrors

# spaces Python's str.strip removes that ASCII and Arrow's own trimming may not (no-break,
# ideographic, information separators), the list separator and digits
_CHARS = st.sampled_from(list(" \t\xa0\u3000\x1c\u2028;;0123456789.eEx-"))
_CELLS = st.one_of(st.none(), st.just(np.nan), st.text(_CHARS, max_size=12))


def _column(cells: list[object], kind: str) -> pd.Series:
    s = pd.Series(cells, dtype=object)
    return s.astype("str") if kind == "str" else s


@settings(max_examples=150, deadline=None)
@given(st.lists(_CELLS, max_size=30), st.sampled_from(["object", "str"]))
def test_tumour_lists_split_by_arrow_equal_pandas(cells: list[object], kind: str) -> None:
    pytest.importorskip("pyarrow")
    s = _column(cells, kind)
    fast = _cohort_text.tumour_parts_arrow(s)
    assert fast is not None
    rows, codes, distinct = fast
    p_rows, p_codes, p_distinct = _cohort_text.tumour_parts_pandas(s)
    assert rows.tolist() == p_rows.tolist()
    assert list(distinct[codes]) == list(p_distinct[p_codes])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.just(np.nan), st.sampled_from([" Yes", "no ", "", "mg/dL"])))
)
def test_distinct_text_equals_the_whole_column_transformed(cells: list[object]) -> None:
    s = pd.Series(cells, dtype=object)
    for text in (lambda t: t.astype(str), lambda t: t.astype(str).str.strip().str.lower()):
        codes, distinct = _cohort_text.distinct_text(s, text)
        whole = text(s).to_numpy(dtype=object)
        got = distinct[codes]
        assert [(type(v), repr(v)) for v in got] == [(type(v), repr(v)) for v in whole]


def test_a_tumour_list_with_unicode_space_at_its_ends_is_stripped_as_before() -> None:
    frame = pd.DataFrame(
        {"id": ["a", "b", "c"], "tumour_diameters_mm": ["\u300045;22\xa0", " 30 ; 12", "x;5"]}
    )
    with pytest.raises(InputErrors) as err:
        assess_cohort(frame)
    # 'x' is the only bad part: the ideographic and no-break spaces were stripped
    assert "row 4 (id=c): tumour_diameters_mm" in str(err.value)
    assert "row 2" not in str(err.value)
    assert "row 3" not in str(err.value)
    scores = assess_cohort(frame.iloc[:2])
    assert scores["up_to_seven_score"].tolist() == [4.5 + 2, 3.0 + 2]
