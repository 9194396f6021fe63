"""Interim monitoring figure: the efficacy boundary at each analysis' observed information
and this analysis' z (toward benefit, |z| when two-sided). It draws the numbers of
:class:`tacepath.analysis.results.InterimResult` only. matplotlib is imported lazily."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tacepath.errors import InputError

__all__ = ["plot_interim"]


def plot_interim(monitoring: dict[str, Any], path: Path | str, *, title: str | None = None) -> Path:
    """Draw the boundaries (``results.json`` ``monitoring``) and save the figure."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError("plot", str(path), "a file ending in .png, .svg or .pdf")
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    looks = monitoring["looks"]
    t = [lk["information_rate"] for lk in looks]
    c = [lk["critical_value"] for lk in looks]
    fig, ax = plt.subplots(figsize=(7.0, 4.0), dpi=150)
    top = max(max(c), monitoring["z"] or 0.0) + 1.0
    ax.plot(t, c, "-o", color="#D55E00", lw=1.6, ms=5, label="Efficacy boundary (z scale)")
    for ti, ci in zip(t, c, strict=True):
        ax.annotate(f"{ci:.3f}", (ti, ci), textcoords="offset points", xytext=(0, 8),
                    ha="center", fontsize=8.5, color="#D55E00")  # fmt: skip
    if monitoring["z"] is not None:
        ax.plot([t[-1]], [monitoring["z"]], "D", color="#0072B2", ms=7,
                label=f"Observed z = {monitoring['z']:.3f} ({monitoring['decision']})")  # fmt: skip
    ax.set_xlim(0, 1.05)
    ax.set_ylim(min(0.0, (monitoring["z"] or 0.0) - 0.5), top)
    ax.set_xlabel("Information fraction (events / planned events)")
    ax.set_ylabel("z toward benefit")
    ax.axhline(0, color="#999999", lw=0.6)
    ax.grid(color="#e5e5e5", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", fontsize=8.5, frameon=True, framealpha=0.9, edgecolor="none")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
