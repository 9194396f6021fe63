"""Kaplan–Meier figure with the number-at-risk table under the time axis.

The look statisticians know from survminer: step curves, shaded pointwise confidence
bands, censoring marks, dashed median lines, the log-rank p (and a hazard ratio when one
is given) in the corner, and a risk table aligned with the x ticks. It only draws what
the survival engine computed: the at-risk numbers are ``SurvivalCurve.at(ticks,
extend=True).n_risk``, exactly as R counts them. matplotlib is imported lazily
(``pip install tacepath[plot]``).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tacepath.errors import InputError
from tacepath.survival import KaplanMeierResult, LogrankResult

__all__ = ["HazardRatioLabel", "plot_km"]

# Colour-blind-safe (Okabe–Ito) palette.
_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


@dataclass(frozen=True, slots=True, kw_only=True)
class HazardRatioLabel:
    """A hazard ratio to print on the figure (e.g. from a Cox model)."""

    estimate: float
    lower: float
    upper: float
    label: str = "HR"
    conf_level: float = 0.95

    def text(self) -> str:
        return (
            f"{self.label} {self.estimate:.2f} "
            f"({self.conf_level:.0%} CI {self.lower:.2f}–{self.upper:.2f})"
        )


def _p_text(p: float) -> str:
    if not math.isfinite(p):
        return "p = NA"
    if p < 1e-4:
        return "p < 0.0001"
    return f"p = {p:.2g}" if p < 0.1 else f"p = {p:.2f}"


def _ticks(t_max: float, breaks: Sequence[float] | None) -> np.ndarray:
    if breaks is not None:
        return np.asarray(sorted(breaks), dtype=float)
    ticker = importlib.import_module("matplotlib.ticker")
    locator = ticker.MaxNLocator(nbins=7, steps=[1, 2, 2.5, 3, 5, 6, 10])
    ticks = np.asarray(locator.tick_values(0, t_max), dtype=float)
    return ticks[(ticks >= 0) & (ticks <= t_max * 1.001)]


def plot_km(
    fit: KaplanMeierResult,
    path: Path | str,
    *,
    logrank: LogrankResult | None = None,
    hazard_ratio: HazardRatioLabel | None = None,
    title: str | None = None,
    time_label: str = "Time",
    break_times: Sequence[float] | None = None,
    conf_int: bool = True,
    median_lines: bool = True,
    risk_table: bool = True,
    labels: dict[Any, str] | None = None,
) -> Path:
    """Draw the curves of ``fit`` and save the figure (format from the suffix).

    ``break_times`` sets the x ticks and the risk-table columns (default: rounded ticks
    over the follow-up); ``labels`` renames groups in the legend and the table.
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError("--plot", str(path), "a file ending in .png, .svg or .pdf")
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")

    t_max = max(float(c.time.max()) for c in fit.curves if c.time.size)
    ticks = _ticks(t_max, break_times)
    n_groups = len(fit.curves)
    table_h = 0.35 + 0.28 * n_groups if risk_table else 0.0
    fig = plt.figure(figsize=(8.0, 5.2 + table_h), dpi=150)
    grid = fig.add_gridspec(
        2 if risk_table else 1, 1, height_ratios=[5.2, table_h] if risk_table else [1], hspace=0.08
    )
    ax = fig.add_subplot(grid[0])
    names = []
    for i, c in enumerate(fit.curves):
        colour = _PALETTE[i % len(_PALETTE)]
        name = "All" if c.group is None else (labels or {}).get(c.group, str(c.group))
        names.append(name)
        x = np.concatenate([[0.0], c.time])
        y = np.concatenate([[1.0], c.surv])
        ax.step(x, y, where="post", color=colour, lw=1.8, label=f"{name} (n = {c.n})")
        if conf_int and c.conf_type != "none":
            lo = np.concatenate([[1.0], np.nan_to_num(c.lower, nan=0.0)])
            hi = np.concatenate([[1.0], np.nan_to_num(c.upper, nan=0.0)])
            ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.15, lw=0)
        cens = c.n_censor > 0
        ax.plot(c.time[cens], c.surv[cens], "|", color=colour, ms=7, mew=1.2)
        if median_lines and math.isfinite(c.median):
            ax.plot([0, c.median], [0.5, 0.5], ls="--", color="#777777", lw=0.8)
            ax.plot([c.median, c.median], [0, 0.5], ls="--", color=colour, lw=0.9)
    ax.set_xlim(0, max(t_max, float(ticks[-1])) * 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ticks)
    ax.set_ylabel("Survival probability")
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    corner = []
    if hazard_ratio is not None:
        corner.append(hazard_ratio.text())
    if logrank is not None:
        corner.append(f"{'Log-rank' if logrank.rho == 0 else 'G-rho'} {_p_text(logrank.p)}")
    legend = ax.legend(
        loc="upper right",
        frameon=True,
        framealpha=0.9,
        edgecolor="none",
        fontsize=9,
        title="\n".join(corner) or None,
        title_fontsize=9.5,
        alignment="left",
    )
    legend.set_zorder(5)
    if title:
        ax.set_title(title, loc="left", fontsize=12)
    if risk_table:
        ax.tick_params(labelbottom=False)
        rt = fig.add_subplot(grid[1], sharex=ax)
        for i, c in enumerate(fit.curves):
            counts = c.at(ticks, extend=True).n_risk
            row = n_groups - 1 - i
            for t, k in zip(ticks, counts, strict=True):
                text = f"{k:g}" if float(k).is_integer() else f"{k:.1f}"
                rt.text(
                    t,
                    row,
                    text,
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=_PALETTE[i % len(_PALETTE)],
                )
        rt.set_ylim(-0.6, n_groups - 0.4)
        rt.set_yticks(range(n_groups))
        rt.set_yticklabels(list(reversed(names)), fontsize=9)
        for lab, i in zip(rt.get_yticklabels(), reversed(range(n_groups)), strict=True):
            lab.set_color(_PALETTE[i % len(_PALETTE)])
        rt.tick_params(axis="y", length=0, pad=16)
        rt.spines[["top", "right", "left"]].set_visible(False)
        rt.set_xlabel(time_label)
        rt.set_title("Number at risk", loc="left", fontsize=9, pad=3)
    else:
        ax.set_xlabel(time_label)
    fig.align_ylabels()
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
