"""Cumulative incidence figure of a competing-risks endpoint, with the number at risk.

Per arm, the cumulative incidence of the cause of interest (solid) and of the competing
event (dashed), as step functions from ``cmprsk::cuminc``'s corners; the number at risk under
the axis is the arm's Kaplan-Meier risk set of the composite endpoint (at risk = no event of
either kind and not censored), so both come from the engine. matplotlib is imported lazily.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from tacepath.errors import InputError
from tacepath.report.km_plot import _PALETTE, _ticks
from tacepath.survival import CumulativeIncidence, KaplanMeierResult

__all__ = ["plot_cif"]


def plot_cif(
    curves: Sequence[CumulativeIncidence],
    km: KaplanMeierResult,
    path: Path | str,
    *,
    arms: Sequence[str],
    cause_label: str,
    competing_label: str,
    title: str | None = None,
    corner: str | None = None,
    time_label: str = "Time",
    break_times: Sequence[float] | None = None,
) -> Path:
    """Draw cause 1 (solid) and cause 2 (dashed) per arm and save the figure."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError("plot", str(path), "a file ending in .png, .svg or .pdf")
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    t_max = max(float(c.time.max()) for c in curves if c.time.size)
    ticks = _ticks(t_max, break_times)
    n = len(arms)
    table_h = 0.35 + 0.28 * n
    fig = plt.figure(figsize=(8.0, 5.2 + table_h), dpi=150)
    grid = fig.add_gridspec(2, 1, height_ratios=[5.2, table_h], hspace=0.08)
    ax = fig.add_subplot(grid[0])
    for i, arm in enumerate(arms):
        colour = _PALETTE[i % len(_PALETTE)]
        for c in curves:
            if str(c.group) != arm:
                continue
            first = str(c.cause) == "1"
            label = f"{arm}: {cause_label if first else competing_label}"
            ax.plot(c.time, c.estimate, color=colour, lw=1.8 if first else 1.3,
                    ls="-" if first else "--", label=label)  # fmt: skip
    ax.set_xlim(0, max(t_max, float(ticks[-1])) * 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ticks)
    ax.set_ylabel("Cumulative incidence")
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    legend = ax.legend(loc="upper left", frameon=True, framealpha=0.9, edgecolor="none",
                       fontsize=8.5, title=corner, title_fontsize=9, alignment="left")  # fmt: skip
    legend.set_zorder(5)
    if title:
        ax.set_title(title, loc="left", fontsize=12)
    ax.tick_params(labelbottom=False)
    rt = fig.add_subplot(grid[1], sharex=ax)
    for i, arm in enumerate(arms):
        counts = km[arm].at(list(ticks), extend=True).n_risk
        for t, k in zip(ticks, counts, strict=True):
            rt.text(t, n - 1 - i, f"{k:g}", ha="center", va="center", fontsize=9,
                    color=_PALETTE[i % len(_PALETTE)])  # fmt: skip
    rt.set_ylim(-0.6, n - 0.4)
    rt.set_yticks(range(n))
    rt.set_yticklabels(list(reversed(arms)), fontsize=9)
    for lab, i in zip(rt.get_yticklabels(), reversed(range(n)), strict=True):
        lab.set_color(_PALETTE[i % len(_PALETTE)])
    rt.tick_params(axis="y", length=0, pad=16)
    rt.spines[["top", "right", "left"]].set_visible(False)
    rt.set_xlabel(time_label)
    rt.set_title("Number at risk", loc="left", fontsize=9, pad=3)
    fig.align_ylabels()
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
