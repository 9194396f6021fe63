"""The log-rank family of tests, as R ``survival::survdiff`` computes it.

G-rho weights S(t−)^rho (rho = 0 log-rank, rho = 1 Peto–Peto modification of the
Gehan–Wilcoxon test) and Fleming–Harrington G(rho, gamma) weights S(t−)^rho (1 − S(t−))^gamma,
S the pooled Kaplan–Meier of the stratum, with the hypergeometric variance (ties corrected),
strata (the stratified test sums observed, expected and variance
over strata), observed and expected per group, chi-square with R's degrees of freedom
(groups with expected > 0, minus one); optionally the test for trend across ordered groups.

References
----------
.. [1] Mantel N. Evaluation of survival data and two new rank order statistics arising in
   its consideration. Cancer Chemother Rep 1966;50:163-170.
.. [2] Harrington DP, Fleming TR. A class of rank test procedures for censored survival
   data. Biometrika 1982;69:553-566. doi:10.1093/biomet/69.3.553
.. [3] Collett D. Modelling Survival Data in Medical Research. 3rd ed. CRC Press; 2015,
   section 2.6 (stratified and trend tests).
.. [4] Fleming TR, Harrington DP. Counting Processes and Survival Analysis. Wiley; 1991,
   chapter 7 (the G(rho, gamma) class of weighted log-rank tests).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import chi2

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields
from tacepath.survival import _kernels
from tacepath.survival._data import (
    MAX_MERGED_RUNS,
    FloatArray,
    IntArray,
    aeq_sorted,
    argsort_times,
    group_codes,
    integer_span,
    sorted_with_runs,
)
from tacepath.survival._input import SurvivalData, check_gamma, check_rho, checked_labels

__all__ = [
    "LogrankResult",
    "TrendTest",
    "fh_weight",
    "logrank_arrays",
    "logrank_result",
    "logrank_sums",
    "logrank_test",
    "stratum_tables",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendTest(JsonFields):
    """Test for a trend in the hazard across ordered groups, with the scores used."""

    scores: tuple[float, ...]
    chisq: float
    df: int
    p: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LogrankResult:
    """A (stratified) G-rho test of equal survival across groups.

    ``observed`` and ``expected`` are per group, summed over strata (with rho > 0 they are
    weighted by S(t−)^rho, as R reports them); ``variance`` is the G × G covariance of
    observed − expected; ``chisq`` has ``df`` = (groups with expected > 0) − 1.
    """

    groups: tuple[Any, ...]
    n: tuple[int, ...]
    observed: FloatArray
    expected: FloatArray
    variance: FloatArray
    chisq: float
    df: int
    p: float
    rho: float
    group_column: str
    strata_columns: tuple[str, ...]
    n_strata: int
    n_dropped: int
    trend: TrendTest | None = None
    gamma: float = 0.0

    @property
    def z(self) -> float | None:
        """Two groups: (O − E)/√V of the second group (R level order), positive when it
        has more weighted events than expected; ``None`` otherwise."""
        if len(self.groups) != 2 or not self.variance[1, 1] > 0:
            return None
        return float((self.observed[1] - self.expected[1]) / math.sqrt(self.variance[1, 1]))

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath survival logrank --json``."""
        out: dict[str, Any] = {
            "chisq": self.chisq,
            "df": self.df,
            "p": self.p,
            "z": self.z,
            "gamma": self.gamma,
            "groups": list(self.groups),
            "observed": self.observed.tolist(),
            "expected": self.expected.tolist(),
            "n": list(self.n),
            "variance": self.variance.tolist(),
            "rho": self.rho,
            "test": _test_name(self.rho, self.gamma),
            "group_column": self.group_column,
            "strata": list(self.strata_columns),
            "n_strata": self.n_strata,
            "n_dropped": self.n_dropped,
        }
        if self.trend is not None:
            out["trend"] = self.trend.to_dict()
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per group: N, Observed, Expected, (O−E)²/E, (O−E)²/V as R prints."""
        oe = self.observed - self.expected
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.DataFrame(
                {
                    "group": list(self.groups),
                    "n": list(self.n),
                    "observed": self.observed,
                    "expected": self.expected,
                    "(O-E)^2/E": oe**2 / self.expected,
                    "(O-E)^2/V": oe**2 / np.diag(self.variance),
                }
            )

    def summary(self) -> str:
        """Text like R's ``print(survdiff(...))``."""
        frame = self.to_frame()
        frame["group"] = [f"{self.group_column}={g}" for g in self.groups]
        body = frame.set_index("group").to_string(float_format=lambda v: f"{v:.3g}")
        head = f"{_test_name(self.rho, self.gamma)} test"
        if self.strata_columns:
            head += f", stratified by {', '.join(self.strata_columns)} ({self.n_strata} strata)"
        if math.isfinite(self.chisq) and self.df > 0:
            test = f" Chisq= {self.chisq:.1f}  on {self.df} degrees of freedom, p= {_fmt_p(self.p)}"
        else:
            test = (
                " The test is undefined: the data carry no information to compare the groups "
                "(no events, or a variance of zero)."
            )
        lines = [head, body, "", test]
        if self.trend is not None:
            lines.append(
                f" Trend: Chisq= {self.trend.chisq:.1f} on 1 df, p= {_fmt_p(self.trend.p)}"
            )
        if self.n_dropped:
            lines.insert(0, f"   {self.n_dropped} observations deleted due to missingness")
        return "\n".join(lines)


def _test_name(rho: float, gamma: float = 0.0) -> str:
    if gamma != 0:
        return f"Fleming-Harrington G({rho:g},{gamma:g})"
    if rho == 0:
        return "Log-rank"
    if rho == 1:
        return "Peto-Peto"
    return f"G-rho (rho={rho:g})"


def _fmt_p(p: float) -> str:
    return f"{p:.2g}" if p >= 1e-4 else f"{p:.1e}"


def fh_weight(s_minus: FloatArray, rho: float, gamma: float) -> FloatArray:
    """Fleming–Harrington weight S(t−)^rho (1 − S(t−))^gamma (0^0 = 1) [2]_."""
    w = np.ones(s_minus.size) if rho == 0 else s_minus**rho
    return w if gamma == 0 else w * (1.0 - s_minus) ** gamma


def _event_table(
    rows: FloatArray, deaths_g: FloatArray
) -> tuple[list[FloatArray], FloatArray, FloatArray, FloatArray, FloatArray]:
    """From (groups × distinct times) tables of rows and deaths at each time (times in
    increasing order): at each time with a death, the number at risk per group, in all,
    the deaths in all, the deaths per group (groups × times) and the pooled Kaplan–Meier
    S(t−)."""
    n_groups = rows.shape[0]
    at_risk = [np.cumsum(rows[j, ::-1])[::-1] for j in range(n_groups)]
    n = np.sum(at_risk, axis=0) if n_groups > 2 else at_risk[0] + at_risk[1]
    d = deaths_g.sum(axis=0) if n_groups > 2 else deaths_g[0] + deaths_g[1]
    idx = np.flatnonzero(d > 0)
    step = np.ones(n.size)
    np.divide(n - d, n, out=step, where=d > 0)
    s_minus = np.concatenate([[1.0], np.cumprod(step)[:-1]])[idx]
    return [a[idx] for a in at_risk], n[idx], d[idx], deaths_g[:, idx], s_minus


def _sums_from_table(
    rows: FloatArray, deaths_g: FloatArray, rho: float, gamma: float = 0.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Observed, expected and variance from (groups × distinct times) tables of rows and
    deaths at each time, times in increasing order. Groups are few, times many: each
    group is a contiguous row, and the sums over event times are dot products."""
    n_groups = rows.shape[0]
    a_h, n_h, d_h, dg_h, s_minus = _event_table(rows, deaths_g)
    w_h = fh_weight(s_minus, rho, gamma)
    wd = w_h * d_h / n_h
    observed = np.array([dg_h[j] @ w_h for j in range(n_groups)])
    expected = np.array([a @ wd for a in a_h])
    many = n_h > 1
    nm, dm = n_h[many], d_h[many]
    scale = w_h[many] ** 2 * dm * (nm - dm) / (nm - 1)
    f = [a[many] / nm for a in a_h]
    fs = [fj * scale for fj in f]
    variance = np.empty((n_groups, n_groups))
    for j in range(n_groups):
        for k in range(j, n_groups):
            v = -(fs[j] @ f[k])
            if j == k:
                v += float(fs[j].sum())
            variance[j, k] = variance[k, j] = v
    return observed, expected, variance


def _tables_from_cells(
    cell: IntArray, event: FloatArray, n_groups: int, n_times: int
) -> tuple[FloatArray, FloatArray]:
    """Rows and deaths by (group, time) cell (``group * n_times + time index``)."""
    size = n_groups * n_times
    rows = np.bincount(cell, minlength=size).reshape(n_groups, n_times).astype(float)
    deaths = np.asarray(np.bincount(cell, weights=event, minlength=size), dtype=float)
    return rows, deaths.reshape(n_groups, n_times)


def _stratum_tables(
    time: FloatArray, event: FloatArray, codes: IntArray, n_groups: int
) -> tuple[FloatArray, FloatArray]:
    """One stratum's tables from rows sorted by time."""
    flag = np.empty(time.size, dtype=bool)
    flag[0] = True
    np.not_equal(time[1:], time[:-1], out=flag[1:])
    n_times = int(flag.sum())
    cell = codes * n_times + (np.cumsum(flag) - 1)
    return _tables_from_cells(cell, event, n_groups, n_times)


def _stratum_tables_integer(
    time: FloatArray, event: FloatArray, codes: IntArray, n_groups: int, span: tuple[int, int]
) -> tuple[FloatArray, FloatArray]:
    """One stratum's tables for whole-number times, tabulated by ``np.bincount`` (no sort).

    Times with nobody are kept in the table: they add nothing to any sum."""
    lo, hi = span
    n_times = hi - lo + 1
    cell = codes * n_times + (time - lo).astype(np.intp)
    return _tables_from_cells(cell, event, n_groups, n_times)


def stratum_tables(
    time: FloatArray,
    event: FloatArray,
    codes: IntArray,
    n_groups: int,
    *,
    strata: IntArray | None,
    fix_times: bool,
) -> Iterator[tuple[FloatArray, FloatArray]]:
    """Per stratum, the (groups × distinct times) tables of rows and deaths, times in
    increasing order. Times equal up to R's ``aeqSurv`` tolerance are merged first unless
    ``fix_times`` is false."""
    span = integer_span(time)
    if span is None:
        order = argsort_times(time)
        ts = aeq_sorted(time[order]) if fix_times else time[order]
        es, gs = event[order], codes[order]
        st = None if strata is None else strata[order]
    else:
        ts, es, gs, st = time, event, codes, strata
    parts: list[npt.NDArray[np.bool_] | slice] = (
        [slice(None)] if st is None else [st == s for s in np.unique(st)]
    )
    for m in parts:
        if span is None:
            yield _stratum_tables(ts[m], es[m], gs[m], n_groups)
        else:
            yield _stratum_tables_integer(ts[m], es[m], gs[m], n_groups, span)


def _sums_merged(
    time: FloatArray,
    event: FloatArray,
    codes: IntArray,
    n_groups: int,
    rho: float,
    gamma: float,
    fix_times: bool,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Unstratified sums without an argsort: the times sorted with each row's group and
    event (one compiled radix sort, :func:`sorted_with_runs`) and swept once by a compiled
    loop (:func:`tacepath.survival._kernels.logrank_stream`)."""
    ts, run, run_rows = sorted_with_runs(time, codes, event, n_groups)
    if fix_times:
        ts = aeq_sorted(ts)
    totals = (run_rows[0::2] + run_rows[1::2]).astype(np.float64)
    return _kernels.logrank_stream(ts, run, n_groups, totals, float(rho), float(gamma))


def logrank_sums(
    time: FloatArray,
    event: FloatArray,
    group: Any,
    *,
    strata: IntArray | None,
    rho: float,
    fix_times: bool,
    gamma: float = 0.0,
) -> tuple[list[Any], FloatArray, FloatArray, FloatArray, IntArray]:
    """Observed, expected and variance summed over strata, from checked arrays.

    ``strata`` are stratum codes. Times equal up to R's ``aeqSurv`` tolerance are merged
    first unless ``fix_times`` is false. Returns the group levels (R order), observed,
    expected, the covariance matrix and the number of rows per group.
    """
    levels, codes = group_codes(np.asarray(group))
    g = len(levels)
    counts = np.bincount(codes, minlength=g).astype(np.intp)
    if strata is None and 2 * g <= MAX_MERGED_RUNS and integer_span(time) is None:
        o, e, v = _sums_merged(time, event, codes, g, rho, gamma, fix_times)
        return levels, o, e, v, counts
    observed = np.zeros(g)
    expected = np.zeros(g)
    variance = np.zeros((g, g))
    for rows, deaths in stratum_tables(time, event, codes, g, strata=strata, fix_times=fix_times):
        o, e, v = _sums_from_table(rows, deaths, rho, gamma)
        observed += o
        expected += e
        variance += v
    return levels, observed, expected, variance, counts


def logrank_arrays(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    group: npt.ArrayLike,
    *,
    strata: npt.ArrayLike | None = None,
    rho: float = 0.0,
    fix_times: bool = True,
) -> tuple[list[Any], FloatArray, FloatArray, FloatArray, IntArray]:
    """Observed, expected and variance summed over strata, from arrays (right-censored
    data, checked as :meth:`SurvivalData.from_arrays` checks them; see
    :func:`logrank_test`).

    ``group`` and ``strata`` are labels, one per row, none missing. Times equal up to R's
    ``aeqSurv`` tolerance are merged first unless ``fix_times`` is false. Returns the group
    levels (R order), observed, expected, the covariance matrix and the number of rows
    per group.
    """
    weight = check_rho(rho)
    d = SurvivalData.from_arrays(time, event)
    groups = checked_labels(group, "group", d.n)
    codes = None if strata is None else group_codes(checked_labels(strata, "strata", d.n))[1]
    return logrank_sums(d.time, d.event, groups, strata=codes, rho=weight, fix_times=fix_times)


def _chisq(observed: FloatArray, expected: FloatArray, variance: FloatArray) -> tuple[float, int]:
    """R's statistic: groups with expected > 0, first of them dropped, solve V⁻¹(O−E)."""
    use = expected > 0
    df = int(use.sum()) - 1
    if use.sum() < 2:
        return 0.0, df
    oe = (observed - expected)[use][1:]
    vv = variance[np.ix_(use, use)][1:, 1:]
    try:
        return float(np.sum(np.linalg.solve(vv, oe) * oe)), df
    except np.linalg.LinAlgError:
        # R stops here ("system is exactly singular"): the data carry no information
        # to compare the groups (e.g. everyone at risk dies at the same time).
        return float("nan"), df


def _scores(trend: Sequence[float], n_levels: int) -> list[float]:
    """Trend scores given by the caller: finite numbers, one per group level."""
    allowed = f"{n_levels} finite scores, one per group level"
    try:
        scores = [float(v) for v in trend]
    except (TypeError, ValueError):
        raise InputError("trend", trend, allowed) from None
    if len(scores) != n_levels or not np.isfinite(scores).all():
        raise InputError("trend", scores, allowed)
    return scores


def _trend(
    observed: FloatArray, expected: FloatArray, variance: FloatArray, scores: Sequence[float]
) -> TrendTest:
    c = np.asarray(scores, dtype=float)
    u = float(c @ (observed - expected))
    v = float(c @ variance @ c)
    stat = u * u / v if v > 0 else float("nan")
    return TrendTest(scores=tuple(c.tolist()), chisq=stat, df=1, p=float(chi2.sf(stat, 1)))


def logrank_test(
    data: Any,
    *,
    time: str,
    event: str,
    group: str,
    strata: str | Sequence[str] | None = None,
    rho: float = 0,
    trend: bool | Sequence[float] = False,
    gamma: float = 0,
) -> LogrankResult:
    """Test equal survival across the levels of ``group`` (R ``survdiff``) [1]_ [2]_ [4]_.

    Parameters
    ----------
    data
        pandas or polars DataFrame (or a mapping of column name to values).
    time, event
        Time and event-flag columns (1 event, 0 censored); right-censored data.
    group
        Column whose levels are compared (at least two levels).
    strata
        Column(s) defining strata: the stratified test, as R's ``strata(...)`` term.
    rho
        Weight S(t−)^rho: 0 log-rank (default), 1 Peto–Peto.
    gamma
        Fleming–Harrington G(rho, gamma): the weight is S(t−)^rho (1 − S(t−))^gamma, S the
        pooled Kaplan–Meier (within each stratum) [4]_; gamma > 0 weighs late differences.
        R ``survdiff`` has no gamma: with gamma = 0 this is ``survdiff(rho=)``.
    trend
        ``True`` adds the 1-df test for trend with scores 1, 2, … in level order (numeric
        levels use their values); a sequence gives the scores [3]_.

    Notes
    -----
    With G groups, U = O − E and V its covariance summed over distinct event times (and
    strata), chi-square = U'V⁻U with the first group (among those with expected > 0)
    dropped, on (groups with expected > 0) − 1 degrees of freedom.
    """
    weight = check_rho(rho)
    late = check_gamma(gamma)
    strata_cols: tuple[str, ...] = (
        () if strata is None else (strata,) if isinstance(strata, str) else tuple(strata)
    )
    other = [("group", group)] + [("strata", s) for s in strata_cols]
    d = SurvivalData.from_frame(data, time=time, event=event, other=other)
    groups = d.columns[group]
    levels, _ = group_codes(np.asarray(groups))
    if len(levels) < 2:
        raise InputError(f"group {group!r}", levels[0], "a column with at least 2 levels")
    strata_codes: IntArray | None = None
    n_strata = 1
    if strata_cols:
        keys = pd.MultiIndex.from_arrays([np.asarray(d.columns[s]) for s in strata_cols])
        codes_s, uniq = pd.factorize(keys, sort=True)
        strata_codes = np.asarray(codes_s, dtype=np.intp)
        n_strata = len(uniq)
    levels, observed, expected, variance, counts = logrank_sums(
        d.time, d.event, groups, strata=strata_codes, rho=weight, fix_times=True, gamma=late
    )
    return logrank_result(
        levels,
        counts,
        observed,
        expected,
        variance,
        rho=weight,
        gamma=late,
        trend=trend,
        group_column=group,
        strata_columns=strata_cols,
        n_strata=n_strata,
        n_dropped=d.n_dropped,
    )


def logrank_result(
    levels: Sequence[Any],
    counts: Sequence[float] | npt.NDArray[Any],
    observed: npt.NDArray[np.float64],
    expected: npt.NDArray[np.float64],
    variance: npt.NDArray[np.float64],
    *,
    rho: float,
    gamma: float,
    trend: bool | Sequence[float],
    group_column: str,
    strata_columns: tuple[str, ...],
    n_strata: int,
    n_dropped: int,
) -> LogrankResult:
    """The test from its observed, expected and variance sums (summed over the strata): the
    chi-squared, its p and the trend test, the same for every way the sums were made."""
    stat, df = _chisq(observed, expected, variance)
    p = float(chi2.sf(stat, df)) if df > 0 and math.isfinite(stat) else float("nan")
    trend_result: TrendTest | None = None
    if trend is not False:
        if trend is True:
            numeric = all(isinstance(v, int | float) for v in levels)
            scores = [float(v) for v in levels] if numeric else list(range(1, len(levels) + 1))
        else:
            scores = _scores(trend, len(levels))
        trend_result = _trend(observed, expected, variance, scores)
    return LogrankResult(
        groups=tuple(levels),
        n=tuple(int(c) for c in counts),
        observed=observed,
        expected=expected,
        variance=variance,
        chisq=stat,
        df=df,
        p=p,
        rho=rho,
        group_column=group_column,
        strata_columns=strata_columns,
        n_strata=n_strata,
        n_dropped=n_dropped,
        trend=trend_result,
        gamma=gamma,
    )
