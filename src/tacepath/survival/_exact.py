"""Fisher's exact test of independence in a contingency table, as R ``fisher.test``.

2 × 2 tables: the hypergeometric p-value (two-sided: tables no more probable than the one
observed, with R's relative tolerance 1e-7) and the conditional maximum-likelihood odds
ratio with its exact confidence interval, both from SciPy (which implements R's
definitions). Larger tables: SciPy offers only resampling there, so the exact p-value is
computed here by enumerating every table with the observed margins.

References
----------
.. [1] Fisher RA. On the interpretation of χ² from contingency tables, and the calculation
   of P. J R Stat Soc 1922;85:87-94. doi:10.2307/2340521
.. [2] Agresti A. Categorical Data Analysis. 3rd ed. Wiley; 2013, section 3.5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import gammaln
from scipy.stats import contingency
from scipy.stats import fisher_exact as scipy_fisher_exact

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields
from tacepath.survival._data import column as get_column
from tacepath.survival._data import group_codes
from tacepath.survival._input import check_level

__all__ = ["FisherResult", "fisher_exact", "fisher_exact_table"]

Alternative = Literal["two-sided", "less", "greater"]
_REL_ERR = 1 + 1e-7  # R fisher.test: tables within this factor of the observed count
_MAX_TABLES = 50_000_000
#: Largest total count: R's integer maximum (SciPy's 2 x 2 arithmetic overflows beyond it).
_MAX_TOTAL = 2**31 - 1
#: Largest total of a table larger than 2 x 2 (the enumeration tabulates log n! up to it).
_MAX_TOTAL_RXC = 10_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class FisherResult(JsonFields):
    """Fisher's exact test: p-value and, for 2 × 2 tables, the conditional MLE odds ratio.

    ``rows``/``columns`` label the table; ``odds_ratio`` (with ``lower``/``upper`` at
    ``conf_level``) is ``None`` for larger tables, where only the two-sided test exists.
    """

    table: npt.NDArray[np.int64]
    rows: tuple[Any, ...]
    columns: tuple[Any, ...]
    p: float
    alternative: Alternative
    odds_ratio: float | None
    lower: float | None
    upper: float | None
    conf_level: float
    method: str

    def summary(self) -> str:
        frame = pd.DataFrame(self.table, index=list(self.rows), columns=list(self.columns))
        lines = [self.method, frame.to_string(), f"p-value = {self.p:.4g} ({self.alternative})"]
        if self.odds_ratio is not None:
            lines.append(
                f"odds ratio (conditional MLE) {self.odds_ratio:.4g}, "
                f"{self.conf_level:.0%} CI {self.lower:.4g} to {self.upper:.4g}"
            )
        return "\n".join(lines)


def _check_table(table: Any) -> npt.NDArray[np.int64]:
    arr = np.asarray(table)
    if arr.ndim != 2 or min(arr.shape) < 2:
        raise InputError("table", arr.tolist(), "a table with at least 2 rows and 2 columns")
    if arr.dtype.kind not in "iuf" or np.any(~np.isfinite(arr.astype(float))):
        raise InputError("table", arr.tolist(), "counts (non-negative integers)")
    if np.any(arr < 0) or np.any(arr != np.floor(arr)) or not arr.sum() <= _MAX_TOTAL:
        raise InputError(
            "table", arr.tolist(), f"counts (non-negative integers, {_MAX_TOTAL:,} in all at most)"
        )
    return arr.astype(np.int64)


def _log_prob(table: npt.NDArray[np.int64]) -> float:
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    n = int(table.sum())
    return float(
        gammaln(rows + 1).sum()
        + gammaln(cols + 1).sum()
        - gammaln(n + 1)
        - gammaln(table + 1).sum()
    )


def _too_large(why: str) -> str:
    return f"a table small enough for exact enumeration ({why}); collapse categories"


def _exact_rxc(table: npt.NDArray[np.int64]) -> float:
    """Two-sided exact p: the sum over tables with the observed margins that are no more
    probable than the observed one (within R's relative tolerance 1e-7).

    Tables are enumerated column by column; the last two columns are done at once with
    NumPy (the second-last column's last free cell as a vector, the last column fixed by
    the margins), so the Python work is one loop per partial table.
    """
    rows = table.sum(axis=1).astype(np.int64)
    cols = table.sum(axis=0).astype(np.int64)
    n = int(rows.sum())
    r = rows.size
    const = float(gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(n + 1))
    threshold = _log_prob(table) + math.log(_REL_ERR)
    if n > _MAX_TOTAL_RXC:
        raise InputError(
            "table", table.tolist(), _too_large(f"more than {_MAX_TOTAL_RXC:,} counts")
        )
    lgam = gammaln(np.arange(n + 2))
    total = 0.0
    count = 0

    def fill(
        i: int, left: int, caps: npt.NDArray[np.int64], acc: list[int], out: list[list[int]]
    ) -> None:
        """All ways to put ``left`` into rows i.. of a column within ``caps``."""
        if i == r - 1:
            if left <= caps[i]:
                out.append([*acc, left])
            return
        room = int(caps[i + 1 :].sum())
        for v in range(max(0, left - room), min(int(caps[i]), left) + 1):
            fill(i + 1, left - v, caps, [*acc, v], out)

    def last_two(remaining: npt.NDArray[np.int64], partial: float) -> None:
        """Columns c−2 and c−1: rows 0..r−3 of column c−2 enumerated, row r−2 a vector."""
        nonlocal total, count
        target = int(cols[-2])

        def rec(i: int, left: int, acc: list[int], part: float) -> None:
            nonlocal total, count
            if i == r - 2:
                lo = max(0, left - int(remaining[r - 1]))
                hi = min(int(remaining[r - 2]), left)
                if lo > hi:
                    return
                x = np.arange(lo, hi + 1)
                y = left - x
                rest = remaining[: r - 2] - np.asarray(acc, dtype=np.int64)
                lp = (
                    const
                    - part
                    - float(lgam[rest + 1].sum())
                    - lgam[x + 1]
                    - lgam[y + 1]
                    - lgam[remaining[r - 2] - x + 1]
                    - lgam[remaining[r - 1] - y + 1]
                )
                count += x.size
                total += float(np.exp(lp[lp <= threshold]).sum())
                return
            room = int(remaining[i + 1 :].sum())
            for v in range(max(0, left - room), min(int(remaining[i]), left) + 1):
                rec(i + 1, left - v, [*acc, v], part + float(lgam[v + 1]))

        rec(0, target, [], partial)

    def walk(j: int, remaining: npt.NDArray[np.int64], partial: float) -> None:
        if j == cols.size - 2:
            last_two(remaining, partial)
            return
        out: list[list[int]] = []
        fill(0, int(cols[j]), remaining, [], out)
        for col in out:
            c = np.asarray(col, dtype=np.int64)
            walk(j + 1, remaining - c, partial + float(lgam[c + 1].sum()))
            if count > _MAX_TABLES:
                raise InputError(
                    "table",
                    table.tolist(),
                    _too_large(f"> {_MAX_TABLES:,} tables with these margins"),
                )

    walk(0, rows, 0.0)
    return min(1.0, total)


def fisher_exact_table(
    table: Any,
    *,
    alternative: Alternative = "two-sided",
    conf_level: float = 0.95,
    rows: Sequence[Any] | None = None,
    columns: Sequence[Any] | None = None,
) -> FisherResult:
    """Fisher's exact test on a table of counts [1]_ [2]_.

    ``alternative`` applies to 2 × 2 tables (``less``/``greater``: odds ratio below/above
    1); larger tables have the two-sided test only, as in R.
    """
    arr = _check_table(table)
    if alternative not in ("two-sided", "less", "greater"):
        raise InputError("alternative", alternative, "two-sided | less | greater")
    level = check_level(conf_level)
    row_labels = tuple(rows) if rows is not None else tuple(range(1, arr.shape[0] + 1))
    col_labels = tuple(columns) if columns is not None else tuple(range(1, arr.shape[1] + 1))
    if arr.shape == (2, 2):
        res = scipy_fisher_exact(arr, alternative=alternative)
        orr = contingency.odds_ratio(arr, kind="conditional")
        ci = orr.confidence_interval(confidence_level=level, alternative=alternative)
        return FisherResult(
            table=arr,
            rows=row_labels,
            columns=col_labels,
            p=float(res.pvalue),
            alternative=alternative,
            odds_ratio=float(orr.statistic),
            lower=float(ci.low),
            upper=float(ci.high),
            conf_level=level,
            method="Fisher's exact test (2 x 2)",
        )
    if alternative != "two-sided":
        raise InputError("alternative", alternative, "two-sided (tables larger than 2 x 2)")
    return FisherResult(
        table=arr,
        rows=row_labels,
        columns=col_labels,
        p=_exact_rxc(arr),
        alternative="two-sided",
        odds_ratio=None,
        lower=None,
        upper=None,
        conf_level=level,
        method=f"Fisher's exact test ({arr.shape[0]} x {arr.shape[1]}, full enumeration)",
    )


def fisher_exact(
    data: Any,
    *,
    row: str,
    column: str,
    alternative: Alternative = "two-sided",
    conf_level: float = 0.95,
) -> FisherResult:
    """Fisher's exact test of independence of two categorical columns of ``data``.

    Rows with a missing value in either column are left out (as R's ``table`` does).
    Levels are ordered as R orders factor levels.
    """
    a = get_column(data, row, role="row")
    b = get_column(data, column, role="column")
    keep = ~(np.asarray(pd.isna(a), dtype=bool) | np.asarray(pd.isna(b), dtype=bool))
    ra, ca = group_codes(a[keep])
    rb, cb = group_codes(b[keep])
    counts = np.zeros((len(ra), len(rb)), dtype=np.int64)
    np.add.at(counts, (ca, cb), 1)
    return fisher_exact_table(
        counts, alternative=alternative, conf_level=conf_level, rows=ra, columns=rb
    )
