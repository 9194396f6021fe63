"""The course of one patient: tumour burden, TACE sessions, drug periods, response per visit.

matplotlib is imported lazily (``pip install tacepath[plot]``); the plot only draws values the
response engine computed.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import Any

from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.response.course import CourseResult
from tacepath.response.markers import marker_series
from tacepath.response.measurements import viable_mm2, whole_mm2
from tacepath.response.recicl import index_lesions

__all__ = ["plot_course"]

_COLOURS = {"CR": "#1a9850", "PR": "#91cf60", "SD": "#fee08b", "PD": "#d73027", "NE": "#bdbdbd"}
_EVENT_MARK = {
    "macrovascular_invasion": ("MVI", "#7b3294"),
    "extrahepatic_spread": ("EHS", "#c2a5cf"),
    "new_systemic_therapy": ("new therapy", "#2166ac"),
    "transplant": ("transplant", "#2166ac"),
    "resection": ("resection", "#2166ac"),
    "lost_to_follow_up": ("lost", "#636363"),
    "withdrawal": ("withdrawal", "#636363"),
}


def _burden(tl: Timeline) -> tuple[list[dt.date], list[float | None], list[float | None]]:
    nodules = index_lesions(tl)
    dates, whole, viable = [], [], []
    for a in tl.assessments:
        by_id = {les.id: les for les in a.lesions}
        w_sum: float | None = 0.0
        v_sum: float | None = 0.0
        for b in nodules:
            les = by_id.get(b.id)
            w = whole_mm2(les, b)[0] if les else None
            v = viable_mm2(les, b)[0] if les else None
            w_sum = None if w is None or w_sum is None else w_sum + w
            v_sum = None if v is None or v_sum is None else v_sum + v
        dates.append(a.date)
        whole.append(w_sum)
        viable.append(v_sum)
    return dates, whole, viable


def plot_course(timeline: Timeline, course: CourseResult, path: Path | str) -> Path:
    """Draw the course and save it (format from the suffix: .png, .pdf, .svg).

    Top: whole and viable intrahepatic tumour (sum of bidimensional products of the index
    lesions, mm²) with the TACTICS +25 % (unTACEable) and 50 % (repeat TACE) lines; TACE
    sessions as vertical lines, drug periods as bands, clinical events and death marked.
    Middle: overall response per visit under each criterion. Bottom, when the timeline has
    tumour markers: AFP and PIVKA-II over time (each on its own axis) with the TACE dates.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        mdates: Any = importlib.import_module("matplotlib.dates")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("--plot", str(path), "matplotlib installed (tacepath[plot])") from exc
    out = Path(path)
    if out.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError("--plot", str(path), "a file ending in .png, .pdf or .svg")
    dates, whole, viable = _burden(timeline)
    death = timeline.date_of_death
    end = max(timeline.last_known_alive, death or timeline.last_known_alive)
    pad = dt.timedelta(days=max(7, (end - dates[0]).days // 25))
    x_end = end + pad
    with_markers = bool(timeline.markers)
    fig, axes = plt.subplots(
        3 if with_markers else 2,
        1,
        figsize=(10, 8.6 if with_markers else 6.5),
        sharex=True,
        gridspec_kw={
            "height_ratios": [3, 1.25, 1.6] if with_markers else [3, 1.25],
            "hspace": 0.08,
        },
    )
    ax, axr = axes[0], axes[1]
    wx = [d for d, v in zip(dates, whole, strict=True) if v is not None]
    wy = [v for v in whole if v is not None]
    vx = [d for d, v in zip(dates, viable, strict=True) if v is not None]
    vy = [v for v in viable if v is not None]
    ax.plot(wx, wy, "o-", color="#404040", label="whole tumour (sum of products)")
    ax.plot(vx, vy, "s-", color="#d6604d", label="viable (enhancing) tumour")
    base_v = (
        course.untaceable_progression.intrahepatic[0].baseline_mm2
        if (course.untaceable_progression.intrahepatic)
        else (vy[0] if vy else None)
    )
    if base_v:
        ax.axhline(base_v * 1.25, color="#d6604d", ls=":", lw=1)
        ax.text(
            dates[0],
            base_v * 1.25,
            " +25% of baseline viable (unTACEable, TACTICS)",
            va="bottom",
            ha="left",
            fontsize=8,
            color="#d6604d",
        )
    if wy:
        ax.axhline(wy[0] * 0.5, color="#4393c3", ls=":", lw=1)
        ax.text(
            dates[0],
            wy[0] * 0.5,
            " 50% of baseline (repeat TACE if viable above)",
            va="bottom",
            ha="left",
            fontsize=8,
            color="#4393c3",
        )
    top = max([*wy, *vy, (base_v or 0) * 1.3, 1.0])
    for i, s in enumerate(timeline.tace_sessions):
        ax.axvline(s.date, color="#4393c3", lw=1.2, alpha=0.8)
        ax.text(
            s.date,
            top * 1.305,
            f"TACE{i + 1}",
            fontsize=7,
            color="#2166ac",
            ha="center",
            va="bottom",
        )
    for d in timeline.drug_periods:
        d_end = d.end or timeline.last_known_alive
        ax.axvspan(d.start, d_end, color="#fdb863", alpha=0.18, lw=0)
        ax.text(d.start, top * 0.04, f" {d.drug}", fontsize=8, color="#b35806")
    for e in timeline.events:
        if e.type == "death":
            continue
        label, colour = _EVENT_MARK.get(e.type, (e.type, "#636363"))
        ax.axvline(e.date, color=colour, ls="--", lw=1)
        ax.text(
            e.date,
            top * 0.85,
            f"{label} ",
            fontsize=8,
            color=colour,
            rotation=90,
            va="top",
            ha="right",
        )
    if death is not None:
        ax.axvline(death, color="black", lw=1.5)
        ax.text(death, top * 0.85, "death ", fontsize=8, rotation=90, va="top", ha="right")
    ax.set_ylim(0, top * 1.3)
    status = []
    for label, res in (
        ("unTACEable progression", course.untaceable_progression),
        ("TACE-specific PFS", course.tace_pfs),
        ("JSH TACE failure", course.jsh_refractoriness),
    ):
        when = res.date.isoformat() if res.event and res.date else ""
        status.append(f"{label}: {f'{res.criterion_text} ({when})' if res.event else 'no event'}")
    ax.text(
        0.99,
        0.97,
        "\n".join(status),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        color="#b2182b",
        bbox={"boxstyle": "round", "fc": "white", "ec": "#b2182b", "alpha": 0.9},
        zorder=6,
    )
    ev = course.untaceable_progression
    if ev.event and ev.date is not None:
        if ev.criterion == "intrahepatic_progression" and ev.date in vx:
            ax.plot([ev.date], [vy[vx.index(ev.date)]], "X", ms=11, color="#b2182b", zorder=5)
        else:
            ax.plot([ev.date], [top * 1.25], "v", ms=9, color="#b2182b", zorder=5, clip_on=False)
    if timeline.last_contact_date is not None and death is None:
        ax.axvline(timeline.last_contact_date, color="#636363", ls=":", lw=1)
        ax.text(
            timeline.last_contact_date,
            top * 0.85,
            "last contact ",
            fontsize=8,
            rotation=90,
            va="top",
            ha="right",
            color="#636363",
        )
    ax.set_ylabel("intrahepatic tumour, mm²")
    fig.suptitle(f"Patient {timeline.id}: course on TACE", x=0.125, ha="left", y=1.0)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.04), ncol=2, fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    rows = [
        ("RECIST 1.1", course.recist11),
        ("mRECIST", course.mrecist),
        ("EASL", course.easl),
        ("RECICL", course.recicl),
    ]
    for k, (_name, crit) in enumerate(rows):
        y = len(rows) - 1 - k
        for v in crit.assessments:
            text = f"{v.te}" if v.te else v.overall
            axr.text(
                v.date,
                y,
                text,
                ha="center",
                va="center",
                fontsize=8,
                bbox={"boxstyle": "round,pad=0.25", "fc": _COLOURS[v.overall], "ec": "none"},
            )
    axr.set_yticks(range(len(rows)))
    axr.set_yticklabels([n for n, _ in reversed(rows)], fontsize=8)
    axr.set_ylim(-0.6, len(rows) - 0.4)
    for s in timeline.tace_sessions:
        axr.axvline(s.date, color="#4393c3", lw=1, alpha=0.5)
    axr.set_xlim(dates[0] - pad, x_end)
    last = axes[-1]
    if with_markers:
        _markers(last, timeline)
    last.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    last.set_xlabel(
        "date (RECICL row: overall TE; colour = overall response"
        + ("; markers: each line its own unit)" if with_markers else ")")
    )
    fig.align_ylabels()
    _save(fig, out)
    plt.close(fig)
    return out


_MARKER_STYLE = {
    "afp": ("AFP, ng/mL", "#5e3c99", "o-"),
    "pivka_ii": ("PIVKA-II, mAU/mL", "#e66101", "D--"),
}


def _markers(ax: Any, timeline: Timeline) -> None:
    """AFP and PIVKA-II under the course, each on its own axis (their units differ), with
    the TACE sessions; a log scale when every value is above 0."""
    ticker: Any = importlib.import_module("matplotlib.ticker")
    plain = ticker.FuncFormatter(lambda v, _pos: f"{v:g}")
    axes = {"afp": ax, "pivka_ii": ax.twinx()}
    lines = []
    for marker, target in axes.items():
        series = marker_series(timeline, marker)
        label, colour, style = _MARKER_STYLE[marker]
        if not series:
            target.set_yticks([])
            continue
        lines += target.plot([p.date for p in series], [p.value for p in series], style,
                             color=colour, ms=4, label=label)  # fmt: skip
        values = [p.value for p in series]
        if min(values) > 0:
            target.set_yscale("log")
            # minor ticks labelled only within one decade (else they crowd the axis)
            few = max(values) / min(values) < 10
            target.yaxis.set_minor_formatter(plain if few else ticker.NullFormatter())
        target.yaxis.set_major_formatter(plain)
        target.margins(y=0.2)
        target.set_ylabel(label, color=colour, fontsize=8)
        target.tick_params(axis="y", which="both", labelcolor=colour, labelsize=7)
    for s in timeline.tace_sessions:
        ax.axvline(s.date, color="#4393c3", lw=1, alpha=0.6)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(handles=lines, loc="best", fontsize=7, frameon=True, framealpha=0.8,
              title="tumour markers", title_fontsize=7)  # fmt: skip


def _save(fig: Any, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
