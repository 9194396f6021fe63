"""Plain-text rendering of a reproduction table and of the catalogue (no computation)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tacepath.literature.reproduce._reproduction import Reproducible, Reproduction
    from tacepath.literature.reproduce._rows import ReproductionRow

__all__ = ["catalogue_text", "format_difference", "format_value", "reproduction_text"]

_WIDTH = 100
_Q = 54  # quantity column


def format_value(value: float | None, decimals: int) -> str:
    """A reproduced number with one decimal more than printed (p-values: 3 significant)."""
    if value is None or not math.isfinite(value):
        return "—" if value is None else ("not reached" if value > 0 else "—")
    if float(value).is_integer() and decimals == 0:
        return f"{value:.0f}"
    if value != 0 and abs(value) < 0.1:
        return f"{value:.3g}"
    return f"{value:.{decimals + 1}f}"


def format_difference(d: float | None, decimals: int) -> str:
    """reproduced − paper, signed, to two decimals more than printed ("0" when equal)."""
    if d is None or not math.isfinite(d):
        return "—"
    if abs(d) < 1e-12:
        return "0"
    if float(d).is_integer() and decimals == 0:
        return f"{d:+.0f}"
    return f"{d:+.{decimals + (2 if abs(d) < 0.1 else 1)}f}"


def _decimals(row: ReproductionRow) -> int:
    text = row.paper_text
    return len(text.split(".", 1)[1]) if "." in text else 0


def _difference(row: ReproductionRow) -> str:
    return format_difference(row.difference, _decimals(row))


def _line(quantity: str, paper: str, got: str, diff: str, verdict: str) -> str:
    return f"{quantity:<{_Q}} {paper:>8} {got:>10} {diff:>9}  {verdict}"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, initial_indent=indent, subsequent_indent=indent)


def _section(title: str, rows: Sequence[ReproductionRow]) -> list[str]:
    out = ["", title, "-" * len(title)]
    construction_only = all(r.verdict == "by construction" for r in rows)
    previous = ""
    for r in rows:
        q = r.quantity if len(r.quantity) <= _Q else r.quantity[: _Q - 1] + "…"
        got = format_value(r.reproduced, _decimals(r))
        out.append(_line(q, r.paper_text, got, _difference(r), r.verdict))
        shown = not construction_only or r.quantity.startswith(("Deaths", "Median"))
        if shown and not r.quantity.startswith(("Number at risk", "Patients,")):
            out.extend(_wrap(r.why if r.why != previous else "(as above)", "    "))
            previous = r.why
    if construction_only:
        out.extend(
            _wrap(
                "Rows of this section were met by building the pseudo-data to meet them: they "
                "check the construction, not the paper.",
                "    ",
            )
        )
    return out


def reproduction_text(rep: Reproduction) -> str:
    """The reproduction table, grouped by section, each row followed by why."""
    head = f"{rep.name}: the paper's numbers vs tacepath's"
    lines = [head, "=" * len(head)]
    if rep.os is not None:
        lines.extend(
            _wrap(
                "PSEUDO-DATA: overall survival is re-analysed on data reconstructed from "
                "printed numbers, not on the trial's patients.",
                "",
            )
        )
    lines.append("")
    lines.append(_line("quantity", "paper", "tacepath", "diff", "verdict"))
    sections: dict[str, list[ReproductionRow]] = {}
    for r in rep.rows:
        sections.setdefault(r.section, []).append(r)
    for title, rows in sections.items():
        lines.extend(_section(title, rows))
    if rep.os is not None:
        lines.extend(["", "Deaths split sensitivity (deaths TACE + sorafenib / TACE alone: HR)"])
        cells = [
            f"{s.deaths[0]}/{s.deaths[1]}: {s.hr:.3f}" + ("" if s.all_met else "*")
            for s in rep.os.sensitivity
        ]
        lines.extend(_wrap("; ".join(cells), "    "))
        if any(not s.all_met for s in rep.os.sensitivity):
            lines.extend(_wrap("* pseudo-data do not meet every printed number", "    "))
    counts = ", ".join(f"{v} {k}" for k, v in rep.counts().items() if v)
    lines.extend(["", f"Verdicts: {counts}.", "", "Notes"])
    for note in rep.notes:
        lines.extend(_bullet(note))
    return "\n".join(lines)


def _bullet(text: str) -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, initial_indent="  - ", subsequent_indent="    ")


def catalogue_text(items: Sequence[Reproducible]) -> str:
    """``tacepath reproduce --list``: each registry trial, its level and what is missing."""
    lines = ["What tacepath can reproduce from the evidence registry's printed numbers", ""]
    order = {"full": 0, "consistency": 1, "none": 2}
    for item in sorted(items, key=lambda i: (order[i.level], i.trial)):
        label = {
            "full": "full reproduction (pseudo-data re-analysis)",
            "consistency": "consistency checks of the printed numbers only",
            "none": "not reproducible",
        }[item.level]
        lines.append(f"{item.trial:<14} {label}")
        if item.command:
            lines.append(f"{'':<14} run: {item.command}")
        for c in item.checks:
            lines.extend(textwrap.wrap(c, width=_WIDTH, initial_indent=f"{'':<14} + ",
                                       subsequent_indent=f"{'':<17}"))  # fmt: skip
        for m in item.missing:
            lines.extend(textwrap.wrap(f"missing: {m}", width=_WIDTH,
                                       initial_indent=f"{'':<14} - ",
                                       subsequent_indent=f"{'':<17}"))  # fmt: skip
    return "\n".join(lines)
