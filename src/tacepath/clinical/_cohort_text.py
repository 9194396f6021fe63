"""Text columns of a cohort table read fast and exactly as pandas' string methods read them.

A registry's unit, flag and category columns hold a handful of distinct texts, so each is
transformed once (:func:`distinct_text`); tumour lists (``"45;22"``) are split by Arrow's
string kernels when pyarrow is installed (:func:`tumour_parts`). Both give cell for cell what
the whole-column pandas calls give (property-tested against them), including Python's
definition of white space, which no library kernel shares: cells with white space at an end
are found by a regular expression built from ``str.isspace`` and stripped by Python.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["distinct_text", "is_text", "tumour_parts", "tumour_parts_arrow", "tumour_parts_pandas"]

#: Each part's row, its text as a code, and the distinct texts.
Parts = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.object_]]


def is_text(s: pd.Series) -> bool:
    """Whether the column holds strings only (missing cells aside)."""
    return isinstance(s.dtype, pd.StringDtype) or (
        s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
    )


@functools.cache
def _edge_space_pattern() -> str:
    """A regular expression (RE2) matching text that starts or ends with a character Python's
    ``str.strip`` removes (every code point for which ``str.isspace`` holds)."""
    codes = (ord(c) for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    space = "".join(f"\\x{{{c:x}}}" for c in codes)
    return f"^[{space}]|[{space}]$"


def tumour_parts_arrow(s: pd.Series) -> Parts | None:
    """:func:`tumour_parts` by Arrow's string kernels, or None without pyarrow."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    text = pa.array(s, from_pandas=True)
    if isinstance(text, pa.ChunkedArray):  # a column already held by Arrow
        text = text.combine_chunks()
    if pa.types.is_null(text.type):  # every cell missing
        text = text.cast(pa.string())
    edge = pc.fill_null(pc.match_substring_regex(text, _edge_space_pattern()), False)
    stripped = np.flatnonzero(edge.to_numpy(zero_copy_only=False))
    if len(stripped):  # the few cells with space at an end are stripped by Python, as before
        cells = text.to_numpy(zero_copy_only=False).astype(object)
        cells[stripped] = [str(v).strip() for v in cells[stripped]]
        text = pa.array(cells, type=pa.string(), from_pandas=True)
    lists = pc.split_pattern(text, ";")
    rows = pc.list_parent_indices(lists).to_numpy().astype(np.intp)
    encoded = pc.dictionary_encode(pc.list_flatten(lists))
    codes = encoded.indices.to_numpy().astype(np.intp)
    distinct = np.empty(len(encoded.dictionary), dtype=object)
    distinct[:] = encoded.dictionary.to_pylist()
    filled = np.array([p.strip() != "" for p in distinct], dtype=bool)[codes]
    return rows[filled], codes[filled], distinct


def tumour_parts(s: pd.Series) -> Parts:
    """The non-blank parts of each cell stripped and split at ';': each part's row, and its
    text as a code into the distinct texts (numbers are read once per distinct text)."""
    if is_text(s):
        fast = tumour_parts_arrow(s)
        if fast is not None:
            return fast
    return tumour_parts_pandas(s)


def tumour_parts_pandas(s: pd.Series) -> Parts:
    """:func:`tumour_parts` by pandas' string methods (any column, with or without pyarrow)."""
    parts = s.astype("string").str.strip().str.split(";").explode()
    parts = parts[parts.notna() & (parts.str.strip() != "")]
    codes, distinct = pd.factorize(parts.to_numpy(dtype=object))
    return np.asarray(parts.index, dtype=np.intp), codes, np.asarray(distinct, dtype=object)


def distinct_text(
    s: pd.Series, text: Callable[[pd.Series], pd.Series]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """``text(s)`` as codes into an object array of texts: ``distinct[codes]`` is
    ``text(s).to_numpy(dtype=object)`` cell for cell.

    A column of strings is transformed once per distinct value (a registry's unit and flag
    columns hold a handful). Missing cells are transformed by themselves and grouped by the
    type and text of what they became (``None`` and NaN may read differently), so the result
    does not depend on how missing values compare. Any other column is transformed whole.
    """
    if not is_text(s):
        return np.arange(len(s)), text(s).to_numpy(dtype=object)
    codes, uniques = pd.factorize(s)
    distinct = text(pd.Series(uniques, dtype=s.dtype)).to_numpy(dtype=object)
    missing = np.flatnonzero(codes < 0)
    if len(missing) == 0:
        return codes, distinct
    seen: dict[tuple[type, str], int] = {}
    extra: list[object] = []
    codes = codes.copy()
    for i, v in zip(missing.tolist(), text(s.iloc[missing]).to_numpy(dtype=object), strict=True):
        key = (type(v), repr(v))
        if key not in seen:
            seen[key] = len(distinct) + len(extra)
            extra.append(v)
        codes[i] = seen[key]
    rest = np.empty(len(extra), dtype=object)
    rest[:] = extra
    return codes, np.concatenate([distinct, rest])
