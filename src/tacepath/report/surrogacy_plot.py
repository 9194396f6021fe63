"""Scatter plot of progression HR against OS HR across trials, with the weighted line.

Draws only what :func:`tacepath.literature.surrogacy.surrogacy` computed: one point per trial
(area proportional to patients randomised), the weighted least-squares line on the log
scale, HR = 1 reference lines, and the correlations with their Fisher-z intervals next to the
paper's quoted r. matplotlib is imported lazily (``pip install tacepath[plot]``).
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import numpy as np

from tacepath.errors import InputError
from tacepath.literature.surrogacy import SurrogacyResult

__all__ = ["plot_surrogacy"]

_BLUE, _GREY = "#0072B2", "#777777"


def _hr(value: float) -> str:
    """A hazard ratio with at least two decimals (0.9 → 0.90, 0.858 → 0.858)."""
    text = f"{value:.3f}".rstrip("0")
    return text if len(text.split(".")[1]) >= 2 else f"{value:.2f}"


def plot_surrogacy(result: SurrogacyResult, path: Path | str) -> Path:
    """Save the scatter plot (format from the suffix: .png, .svg or .pdf)."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError("--plot", str(path), "a file ending in .png, .svg or .pdf")
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    ticker = importlib.import_module("matplotlib.ticker")

    x = np.array([p.surrogate_hr for p in result.points])
    y = np.array([p.os_hr for p in result.points])
    n = np.array([p.n for p in result.points], dtype=float)
    fig, ax = plt.subplots(figsize=(7.2, 5.4), dpi=150)
    ax.scatter(x, y, s=n / n.max() * 600, color=_BLUE, alpha=0.45, edgecolor=_BLUE, zorder=3)
    for p in result.points:
        crowded = any(
            q is not p
            and abs(math.log(q.surrogate_hr / p.surrogate_hr)) < 0.08
            and q.os_hr > p.os_hr
            for q in result.points
        )
        ax.annotate(
            f"{p.trial}\n{_hr(p.surrogate_hr)} / {_hr(p.os_hr)} (n {p.n})",
            (p.surrogate_hr, p.os_hr),
            xytext=(9, -22 if crowded else 6),
            textcoords="offset points",
            fontsize=8,
        )
    lo, hi = 0.5, 1.15
    grid = np.linspace(math.log(lo), math.log(hi), 50)
    ax.plot(
        np.exp(grid),
        np.exp(result.intercept + result.slope * grid),
        color=_BLUE,
        lw=1.2,
        label=f"weighted line (log scale), slope {result.slope:.2f}",
    )
    ax.axhline(1.0, color=_GREY, lw=0.7, ls=":")
    ax.axvline(1.0, color=_GREY, lw=0.7, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0.75, 1.2)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(ticker.FixedLocator([0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]))
        axis.set_major_formatter(ticker.FormatStrFormatter("%.1f"))
        axis.set_minor_locator(ticker.NullLocator())
    ax.set_xlabel("Hazard ratio of the progression endpoint (TTP, PFS or TACE-specific PFS)")
    ax.set_ylabel("Hazard ratio of overall survival")
    ax.grid(color="#eeeeee", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    w = result.correlation("log-hr", weighted=True)
    u = result.correlation("log-hr", weighted=False)
    text = (
        f"{len(result.points)} trials (registry)\n"
        f"log HR, weighted by n: {w.text()}\n"
        f"log HR, unweighted: {u.text()}\n"
        f"paper: r = {result.paper.value:.2f} (six trials, weighted) — quoted, not reproduced"
    )
    ax.text(
        0.02,
        0.98,
        text,
        transform=ax.transAxes,
        va="top",
        fontsize=8,
        bbox={"facecolor": "white", "edgecolor": "#cccccc", "alpha": 0.9},
    )
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title("Progression HR vs OS HR, TACE-combination trials", loc="left", fontsize=11)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
