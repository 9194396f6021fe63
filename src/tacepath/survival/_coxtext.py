"""Plain-text rendering of a Cox fit, laid out like R's ``print(summary(coxph))``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tacepath.survival._coxresult import ChiSquareTest, CoxResult

__all__ = ["format_p", "summary_text"]


def format_p(p: float, digits: int = 3) -> str:
    """A p value as R ``format.pval``: significant digits, ``<2e-16`` below machine eps."""
    if not math.isfinite(p):
        return "NA"
    if p < 2.220446e-16:
        return "<2e-16"
    return f"{p:.{digits}g}"


def _g(v: float, digits: int = 4) -> str:
    return "NA" if not math.isfinite(v) else f"{v:.{digits}g}"


def _column(values: list[float], digits: int = 4) -> list[str]:
    """One column as R formats it: a common number of decimals, enough for the smallest
    magnitude to show ``digits`` significant digits (capped at 7)."""
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0]
    if not finite:
        return ["NA" if not math.isfinite(v) else "0" for v in values]
    decimals = max(0, min(7, digits - 1 - math.floor(math.log10(min(finite)))))
    return ["NA" if not math.isfinite(v) else f"{v:.{decimals}f}" for v in values]


def _table(header: list[str], rows: list[list[str]], names: list[str]) -> list[str]:
    width0 = max(len(n) for n in [*names, ""])
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(header)]
    lines = [" " * width0 + "".join(f" {h:>{w}}" for h, w in zip(header, widths, strict=True))]
    for name, row in zip(names, rows, strict=True):
        cells = "".join(f" {c:>{w}}" for c, w in zip(row, widths, strict=True))
        lines.append(f"{name:<{width0}}{cells}")
    return lines


def _test_line(label: str, t: ChiSquareTest) -> str:
    return f"{label}= {_g(round(t.chisq, 2), 4)}  on {t.df} df,   p={format_p(t.p, 1)}"


def summary_text(fit: CoxResult) -> str:
    """The fit as text: counts, coefficient table, hazard ratios, tests."""
    out = [f"Cox proportional hazards model (ties = {fit.ties})"]
    out.append(f"  n= {fit.n}, number of events= {fit.n_event} ")
    if fit.n_dropped:
        s = "" if fit.n_dropped == 1 else "s"
        out.append(f"   ({fit.n_dropped} observation{s} deleted due to missingness)")
    out.append("")
    names = list(fit.terms)
    header = ["coef", "exp(coef)", "se(coef)"]
    if fit.robust_se is not None:
        header.append("robust se")
    header += ["z", "Pr(>|z|)"]
    k = len(names)
    cols = [_column([float(fit.coef[j]) for j in range(k)], 4)]
    cols.append(_column([float(fit.hr[j]) for j in range(k)], 4))
    cols.append(_column([float(fit.se[j]) for j in range(k)], 4))
    if fit.robust_se is not None:
        cols.append(_column([float(fit.robust_se[j]) for j in range(k)], 4))
    cols.append([_g(float(fit.z[j]), 3) for j in range(k)])
    cols.append([format_p(float(fit.p[j])) for j in range(k)])
    out += _table(header, [[c[j] for c in cols] for j in range(k)], names)
    out.append("")
    level = f"{100 * fit.conf_level:g}"
    header = ["exp(coef)", "exp(-coef)", f"lower .{level}", f"upper .{level}"]
    values = [fit.hr, 1 / fit.hr, fit.hr_lower, fit.hr_upper]
    cols = [_column([float(v[j]) for j in range(k)], 4) for v in values]
    out += _table(header, [[c[j] for c in cols] for j in range(k)], names)
    out.append("")
    out.append(f"Concordance= {fit.concordance:.3f}  (se = {fit.concordance_se:.3f} )")
    out.append(_test_line("Likelihood ratio test", fit.lr))
    out.append(_test_line("Wald test            ", fit.wald))
    score = _test_line("Score (logrank) test ", fit.score)
    if fit.robust_score is not None:
        rs = fit.robust_score
        score += f",   Robust = {_g(round(rs.chisq, 2), 4)}  p={format_p(rs.p, 1)}"
    out.append(score)
    if fit.robust_se is not None:
        out.append("")
        out.append(
            "  (Note: the likelihood ratio and score tests assume independence of\n"
            "     observations within a cluster, the Wald and robust score tests do not)."
        )
    for w in fit.warnings:
        out.append(f"Warning: {w}")
    return "\n".join(out) + "\n"
