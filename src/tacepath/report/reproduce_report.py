"""The reproduction of a published trial as a one-page HTML report, and its KM figure.

Only shows what :mod:`tacepath.literature.reproduce` computed: the table (paper, tacepath,
difference, verdict, why, source), the Kaplan–Meier figure of the pseudo-data with the
number-at-risk table — titled as pseudo-data reconstructed from printed numbers, with the
paper's printed at-risk numbers beside the figure's own — the deaths-split sensitivity and
the notes. Jinja2 (autoescaped), like :mod:`tacepath.report.summaries`; PDF through
:func:`tacepath.report.summaries.write_pdf`.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from tacepath import __version__
from tacepath.errors import InputError
from tacepath.literature.reproduce import Reproduction, ReproductionRow
from tacepath.literature.reproduce.text import format_difference, format_value
from tacepath.report.figures import png_bytes
from tacepath.report.km_plot import HazardRatioLabel, plot_km

__all__ = ["plot_reproduction_km", "reproduction_html"]

_ENV = Environment(
    loader=PackageLoader("tacepath.report", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: The figure's title: it must say what the data are.
PSEUDO_TITLE = "PSEUDO-DATA reconstructed from printed numbers — not the trial's patients"


def plot_reproduction_km(rep: Reproduction, path: Path | str) -> Path:
    """Kaplan–Meier curves of the reproduction's pseudo-data with the number at risk.

    The title says the data are pseudo-data; the corner gives the pseudo-data's Cox HR (its
    deaths split calibrated to the paper's HR) and unstratified log-rank p.
    """
    if rep.os is None:
        raise InputError(
            "--plot", str(path), "a trial with a full (pseudo-data) reproduction: TACTICS"
        )
    os = rep.os
    ticks = sorted(
        {
            c.time
            for a in os.arms
            for c in a.constraints
            if c.name == "n_risk" and c.time is not None
        }
    )
    hr = HazardRatioLabel(
        estimate=os.split.hr,
        lower=os.split.lower,
        upper=os.split.upper,
        label="HR (pseudo-data)",
    )
    return plot_km(
        os.km,
        path,
        logrank=os.logrank,
        hazard_ratio=hr,
        title=f"{rep.name}, overall survival\n{PSEUDO_TITLE}",
        time_label="Months since randomisation",
        break_times=ticks,
    )


_VERDICT_CSS: dict[str, str] = {
    "reproduced": "reproduced",
    "close": "close",
    "differs": "differs",
    "not reproducible from what is printed": "not",
    "by construction": "construction",
}


def _png_base64(rep: Reproduction) -> str | None:
    if rep.os is None:
        return None
    png = png_bytes(lambda path: plot_reproduction_km(rep, path))
    return base64.b64encode(png).decode("ascii")


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _difference(r: ReproductionRow) -> str:
    return format_difference(r.difference, _decimals(r.paper_text))


def _ref(refs: dict[str, int], r: ReproductionRow) -> str:
    return f"{refs[r.source]}: {r.where}" if r.where else str(refs[r.source])


def _merge_at_risk(rows: list[ReproductionRow]) -> list[ReproductionRow | dict[str, Any]]:
    """The per-time at-risk rows of one arm as one line (the figure's table shows each)."""
    out: list[ReproductionRow | dict[str, Any]] = []
    for r in rows:
        if not r.quantity.startswith("Number at risk at "):
            out.append(r)
            continue
        arm = r.quantity.split(", ", 1)[1]
        last = out[-1] if out else None
        if isinstance(last, dict) and last["arm"] == arm:
            last["rows"].append(r)
        else:
            out.append({"arm": arm, "rows": [r]})
    return out


def _rows(rep: Reproduction, refs: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    previous = ""
    for item in _merge_at_risk(list(rep.rows)):
        if isinstance(item, dict):
            rs: list[ReproductionRow] = item["rows"]
            times = f"{rs[0].quantity.split()[4]}–{rs[-1].quantity.split()[4]}"
            same = all(r.difference == 0 for r in rs)
            out.append(
                {
                    "section": rs[0].section,
                    "quantity": f"Number at risk every 12 months ({times}), {item['arm']}",
                    "paper": ", ".join(r.paper_text for r in rs),
                    "reproduced": ", ".join(format_value(r.reproduced, 0) for r in rs),
                    "difference": "0 at every time" if same else "see the table under Fig.",
                    "verdict": rs[0].verdict,
                    "css": _VERDICT_CSS[rs[0].verdict],
                    "why": rs[0].why + " Each number is listed under the figure.",
                    "ref": _ref(refs, rs[0]),
                }
            )
            continue
        r = item
        why = r.why if r.why != previous else "As above."
        previous = r.why
        out.append(
            {
                "section": r.section,
                "quantity": r.quantity,
                "paper": r.paper_text,
                "reproduced": format_value(r.reproduced, _decimals(r.paper_text)),
                "difference": _difference(r),
                "verdict": r.verdict,
                "css": _VERDICT_CSS[r.verdict],
                "why": why,
                "ref": _ref(refs, r),
            }
        )
    return out


def _sections(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sections: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        sections.setdefault(r["section"], []).append(r)
    return [{"title": k, "rows": v} for k, v in sections.items()]


def _at_risk(rep: Reproduction) -> list[dict[str, Any]]:
    if rep.os is None:
        return []
    out = []
    for pseudo in rep.os.arms:
        cells = [c for c in pseudo.constraints if c.name == "n_risk"]
        out.append(
            {
                "arm": pseudo.arm,
                "times": [f"{c.time:g}" for c in cells],
                "printed": [f"{c.printed:g}" for c in cells],
                "pseudo": [f"{c.achieved:g}" for c in cells],
            }
        )
    return out


def reproduction_html(rep: Reproduction, *, generated: dt.datetime | None = None) -> str:
    """The one-page HTML report of a reproduction (table, figure, sensitivity, notes)."""
    from tacepath.report.summaries import stylesheet

    when = generated or dt.datetime.now(dt.UTC)
    sensitivity = []
    if rep.os is not None:
        for s in rep.os.sensitivity:
            sensitivity.append(
                {
                    "deaths": f"{s.deaths[0]} / {s.deaths[1]}",
                    "hr": f"{s.hr:.3f} ({s.lower:.3f}–{s.upper:.3f})",
                    "p": f"{s.logrank_p:.3f}",
                    "met": "yes" if s.all_met else "no",
                    "used": s.deaths == rep.os.split.deaths,
                }
            )
    refs = {source: i for i, source in enumerate(rep.sources, start=1)}
    half = (len(sensitivity) + 1) // 2
    pairs = [
        (sensitivity[i], sensitivity[i + half] if i + half < len(sensitivity) else None)
        for i in range(half)
    ]
    template = _ENV.get_template("reproduce.html")
    return template.render(
        css=stylesheet(),
        rep=rep,
        version=__version__,
        generated=when.strftime("%Y-%m-%d %H:%M UTC"),
        sections=_sections(_rows(rep, refs)),
        counts={k: v for k, v in rep.counts().items() if v},
        plot=_png_base64(rep),
        at_risk=_at_risk(rep),
        sensitivity=pairs,
        title=PSEUDO_TITLE,
    )
