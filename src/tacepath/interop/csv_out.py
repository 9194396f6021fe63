"""Writing CSV that a spreadsheet opens as data, never as formulas (CSV injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``,
``=cmd|...``). Following the OWASP "CSV Injection" guidance, such a cell is written with a
leading single quote (``'=1+2``), which the spreadsheet shows as text; the CSV writer quotes
cells holding separators or quotes. Numbers are left alone: numeric columns are not text,
and a text cell that is a plain number (``-1.5``, ``+2``, ``-3e-4``) is not a formula.
Every CSV tacepath writes goes through :func:`formula_safe` (ADaM data sets, cohort scores,
reconstructed patient-level data).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_STARTS", "formula_safe", "safe_cell"]

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are formula-safe; numeric,
    boolean and date columns are unchanged."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(safe_cell)
        elif isinstance(series.dtype, pd.CategoricalDtype):
            out[column] = series.astype(object).map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out
