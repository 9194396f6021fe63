"""Forest plot of subgroup hazard ratios with their confidence intervals.

One row per subgroup level under a heading per factor (with the treatment × subgroup
interaction p), the whole population on top; the hazard ratio and its interval on a log
axis with a line at 1, and, as text, the patients and events per arm and the HR (CI). It
only draws what :func:`tacepath.analysis.run_analysis` computed (the ``subgroups``
entry of ``results.json``). matplotlib is imported lazily (``pip install tacepath[plot]``).
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

from tacepath.errors import InputError

__all__ = ["plot_forest"]

_BLUE = "#0072B2"


def _fmt_hr(row: dict[str, Any]) -> str:
    hr, lo, hi = row.get("hr"), row.get("hr_lower"), row.get("hr_upper")
    if hr is None or lo is None or hi is None:
        return "not estimable"
    return f"{hr:.2f} ({lo:.2f}–{hi:.2f})"


def _fmt_p(p: float | None) -> str:
    if p is None:
        return "NA"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _rows(subgroups: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"kind": "level", "label": "All patients", **subgroups["overall"]}
    ]
    for var in subgroups["variables"]:
        p = _fmt_p(var["interaction"]["p"])
        rows.append({"kind": "head", "label": f"{var['label']}  (interaction p = {p})"})
        for lv in var["levels"]:
            rows.append({"kind": "level", "label": f"    {lv['level']}", **lv})
    return rows


def plot_forest(
    subgroups: dict[str, Any],
    path: Path | str,
    *,
    arms: tuple[str, str],
    title: str | None = None,
    conf_level: float = 0.95,
) -> Path:
    """Draw the forest plot of one endpoint's subgroup results and save it.

    ``subgroups`` is one endpoint's entry of ``TrialAnalysis.to_dict()["subgroups"]``;
    ``arms`` is (experimental, reference), the order of the n/events columns.
    """
    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InputError("forest plot", str(out), "a file ending in .png, .svg or .pdf")
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    transforms = importlib.import_module("matplotlib.transforms")

    rows = _rows(subgroups)
    finite = [
        v
        for r in rows
        if r["kind"] == "level"
        for v in (r.get("hr_lower"), r.get("hr_upper"))
        if v is not None and math.isfinite(v) and v > 0
    ]
    lo = min([*finite, 0.5]) / 1.15
    hi = max([*finite, 2.0]) * 1.15
    height = 0.9 + 0.24 * len(rows)
    fig = plt.figure(figsize=(10.5, height), dpi=150)
    ax = fig.add_axes((0.50, 0.6 / height, 0.26, 1 - 1.05 / height))
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(len(rows) - 0.5, -1.5)
    ax.axvline(1.0, color="#444444", lw=0.8)
    mixed = transforms.blended_transform_factory(fig.transFigure, ax.transData)
    exp, ref = arms
    header_y = -1.1
    ax.text(0.01, header_y, "Subgroup", transform=mixed, fontsize=8.5, weight="bold", va="center")
    for x, text in ((0.30, f"{exp}\nn (events)"), (0.41, f"{ref}\nn (events)")):
        ax.text(x, header_y, text, transform=mixed, fontsize=7.5, weight="bold", ha="center",
                va="center")  # fmt: skip
    ax.text(0.78, header_y, f"HR ({conf_level:.0%} CI)", transform=mixed, fontsize=8.5,
            weight="bold", va="center")  # fmt: skip
    for i, r in enumerate(rows):
        if r["kind"] == "head":
            ax.text(0.01, i, r["label"], transform=mixed, fontsize=8.5, weight="bold",
                    va="center")  # fmt: skip
            continue
        ax.text(0.01, i, r["label"], transform=mixed, fontsize=8.5, va="center")
        for x, arm in ((0.30, exp), (0.41, ref)):
            ax.text(x, i, f"{r['n'][arm]} ({r['events'][arm]})", transform=mixed, fontsize=8,
                    ha="center", va="center")  # fmt: skip
        ax.text(0.78, i, _fmt_hr(r), transform=mixed, fontsize=8, va="center")
        hr, a, b = r.get("hr"), r.get("hr_lower"), r.get("hr_upper")
        if hr is None or a is None or b is None:
            continue
        clipped_lo, clipped_hi = max(a, lo), min(b, hi)
        ax.plot([clipped_lo, clipped_hi], [i, i], color=_BLUE, lw=1.3)
        for end, edge, marker in ((a, lo, "<"), (b, hi, ">")):
            if (end < edge) if marker == "<" else (end > edge):
                ax.plot([edge], [i], marker=marker, color=_BLUE, ms=4)
        size = 7 if i == 0 else 5
        ax.plot([hr], [i], marker="D" if i == 0 else "s", color=_BLUE, ms=size)
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    ticks = [t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if lo <= t <= hi]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks], fontsize=8)
    ax.minorticks_off()
    ax.set_xlabel(f"← favours {exp}    HR    favours {ref} →", fontsize=8)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11, y=1 - 0.12 / height)
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return out
