"""The testing graph of a plan drawn as a diagram (Bretz et al. 2009, Figures 1-6 style).

Each hypothesis is a node labelled with its endpoint and initial weight (its local level is
weight × α); each positive transition weight g_jk is an arrow from H_j to H_k labelled with
g_jk. Nodes of rejected hypotheses are filled. It draws the plan's numbers only.
matplotlib is imported lazily.

References
----------
.. [1] Bretz F, Maurer W, Brannath W, Posch M. A graphical approach to sequentially
   rejective multiple test procedures. Stat Med 2009;28(4):586-604. doi:10.1002/sim.3495
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from pathlib import Path

from tacepath.errors import InputError

__all__ = ["plot_testing_graph"]


def _positions(m: int) -> list[tuple[float, float]]:
    """Nodes on a row (m ≤ 2) or on a circle, the first at the top (left)."""
    if m <= 2:
        return [(1.6 * i, 0.0) for i in range(m)]
    top = 0.5 if m == 3 else 0.75
    return [
        (math.cos(math.pi * (top - 2 * i / m)), math.sin(math.pi * (top - 2 * i / m)))
        for i in range(m)
    ]


def _edge(
    a: tuple[float, float], b: tuple[float, float], rad: float, radius: float
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Start and end on the two circles and the label point of matplotlib's ``arc3`` curve
    from a to b (a quadratic Bézier, control point: midpoint + rad·(dy, −dx))."""
    (x0, y0), (x1, y1) = a, b
    cx, cy = (x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)

    def toward(px: float, py: float) -> tuple[float, float]:
        n = math.hypot(cx - px, cy - py) or 1.0
        return px + radius * (cx - px) / n, py + radius * (cy - py) / n

    s, e = toward(x0, y0), toward(x1, y1)
    t = 0.38  # before the middle, so that the labels of crossing edges stay apart
    a0, a1, a2 = (1 - t) ** 2, 2 * t * (1 - t), t**2
    return s, e, (a0 * s[0] + a1 * cx + a2 * e[0], a0 * s[1] + a1 * cy + a2 * e[1])


def _weight(v: float) -> str:
    return f"{v:.3g}"


def plot_testing_graph(
    names: Sequence[str],
    weights: Sequence[float],
    transitions: Sequence[Sequence[float]],
    path: Path | str,
    *,
    alpha: float,
    rejected: Sequence[bool] = (),
    title: str | None = None,
) -> Path:
    """Draw the graph and save it (format from the suffix)."""
    path = Path(path)
    m = len(names)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError("plot", str(path), "a file ending in .png, .svg or .pdf")
    if len(weights) != m or len(transitions) != m:
        raise InputError("weights", f"{len(weights)} values", f"one per hypothesis ({m})")
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    patches = importlib.import_module("matplotlib.patches")
    pos = _positions(m)
    fig, ax = plt.subplots(figsize=(7.0, 3.0 if m <= 2 else 5.0), dpi=150)
    radius = 0.28
    for j in range(m):
        for k in range(m):
            g = float(transitions[j][k])
            if j == k or g <= 0:
                continue
            bend = 0.18 if float(transitions[k][j]) > 0 else 0.0
            start, end, mid = _edge(pos[j], pos[k], bend, radius)
            ax.add_patch(
                patches.FancyArrowPatch(
                    start, end, connectionstyle=f"arc3,rad={bend}", arrowstyle="-|>",
                    mutation_scale=14, lw=1.2, color="#444444", shrinkA=0, shrinkB=0, zorder=3,
                )
            )  # fmt: skip
            ax.text(mid[0], mid[1], _weight(g), ha="center", va="center", fontsize=9,
                    color="#222222", zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})  # fmt: skip
    for i, (x, y) in enumerate(pos):
        done = i < len(rejected) and rejected[i]
        ax.add_patch(
            patches.Circle(
                (x, y), radius, fc="#cfe3f3" if done else "white", ec="#0072B2", lw=1.6, zorder=2
            )
        )
        label = f"{names[i]}\nw = {_weight(float(weights[i]))}"
        ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=5)
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    note = f"local level of H = w × α (α = {alpha:g}); filled: rejected"
    ax.set_title(f"{title}\n{note}" if title else note, loc="left", fontsize=10)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
