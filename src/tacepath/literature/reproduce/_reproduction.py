"""What can be reproduced, and the reproduction of one trial.

:func:`catalogue` looks at every trial of the evidence registry and says what can be done
with its printed numbers:

* ``full`` — a data file in this package holds the number-at-risk table of a Kaplan–Meier
  figure, so pseudo-data can be built and re-analysed (TACTICS);
* ``consistency`` — the registry prints at least one hazard ratio with its CI and a p-value
  as a number, so the printed numbers can be checked against each other;
* ``none`` — neither; ``missing`` says what would be needed.

:func:`reproduce` runs the reproduction of one trial and returns a
:class:`Reproduction`: the rows (printed vs reproduced vs difference, a verdict and why),
notes, and for a ``full`` reproduction the pseudo-data and their re-analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tacepath.errors import InputError
from tacepath.evidence.model import Trial
from tacepath.evidence.registry import registry
from tacepath.literature.reproduce._consistency import hr_p_results, registry_rows
from tacepath.literature.reproduce._printed import DATA_DIR
from tacepath.literature.reproduce._rows import VERDICTS, ReproductionRow
from tacepath.literature.reproduce._tactics import (
    OsPseudoData,
    os_pseudo_data,
    tactics_notes,
    tactics_rows,
)

__all__ = ["Level", "Reproducible", "Reproduction", "catalogue", "reproduce"]

Level = Literal["full", "consistency", "none"]

#: Trials with a data file of printed numbers for a pseudo-data re-analysis.
_FULL: dict[str, str] = {"TACTICS": "tactics.yaml"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Reproducible:
    """One registry trial and what its printed numbers allow.

    ``level``: ``full``, ``consistency`` or ``none``; ``checks``: what would be compared;
    ``missing``: what the registry lacks for a re-analysis of patient-level pseudo-data.
    """

    trial: str
    name: str
    level: Level
    checks: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def command(self) -> str | None:
        return None if self.level == "none" else f"tacepath reproduce {self.trial.lower()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "name": self.name,
            "level": self.level,
            "command": self.command,
            "checks": list(self.checks),
            "missing": list(self.missing),
        }


def _missing(trial: Trial) -> tuple[str, ...]:
    out = []
    if trial.id not in _FULL:
        out.append("a number-at-risk table under a Kaplan–Meier figure (none in the registry)")
    has_events = any(
        any(k.endswith("events") or k == "deaths" for k in r.other) for r in trial.results
    )
    if not has_events:
        out.append("the number of events of a time-to-event endpoint")
    if any(a.n is None for a in trial.arms) or not trial.arms:
        out.append("the number of patients in each arm")
    if not hr_p_results(trial):
        text_p = [
            r for r in trial.results if r.hr is not None and r.p is None and r.note is not None
        ]
        out.append(
            "a hazard ratio with its CI and a p-value as a number"
            + (
                " (p-values are printed only as inequalities, e.g. 'p < 0.001', kept as text)"
                if text_p
                else ""
            )
        )
    return tuple(out)


def _checks(trial: Trial, level: Level) -> tuple[str, ...]:
    if level == "none":
        return ()
    out = []
    if level == "full":
        out.append(
            "OS pseudo-data from the at-risk table, deaths and medians; KM medians with CIs, "
            "Cox HR with CI, log-rank p; post-trial therapy (Fisher); design events (Schoenfeld)"
        )
    out.extend(row.quantity for row in registry_rows(trial))
    return tuple(out)


def _level(trial: Trial) -> Level:
    if trial.id in _FULL and (DATA_DIR / _FULL[trial.id]).exists():
        return "full"
    if hr_p_results(trial):
        return "consistency"
    return "none"


def catalogue() -> tuple[Reproducible, ...]:
    """What each registry trial's printed numbers allow (see the module docstring)."""
    out = []
    for trial in registry():
        level = _level(trial)
        out.append(
            Reproducible(
                trial=trial.id,
                name=trial.name,
                level=level,
                checks=_checks(trial, level),
                missing=() if level == "full" else _missing(trial),
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reproduction:
    """A trial's printed numbers next to tacepath's, row by row.

    ``rows``: :class:`ReproductionRow` in reading order; ``notes``: what the reader must
    know; ``level``: ``full`` or ``consistency``; ``os``: for ``full``, the pseudo-data and
    their re-analysis (:class:`OsPseudoData`); ``sources``: the citations used.
    """

    trial: str
    name: str
    level: Level
    rows: tuple[ReproductionRow, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    os: OsPseudoData | None = field(default=None, repr=False)

    def counts(self) -> dict[str, int]:
        """Rows per verdict (every verdict listed, zeros included)."""
        return {v: sum(r.verdict == v for r in self.rows) for v in VERDICTS}

    def summary(self) -> str:
        """The table as text, grouped by section, each row with why."""
        from tacepath.literature.reproduce.text import reproduction_text

        return reproduction_text(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath reproduce TRIAL --json``."""
        out: dict[str, Any] = {
            "trial": self.trial,
            "level": self.level,
            "rows": [r.to_dict() for r in self.rows],
            "verdicts": self.counts(),
            "notes": list(self.notes),
            "sources": list(self.sources),
        }
        if self.os is not None:
            out["pseudo_data"] = {
                "label": self.os.label,
                "deaths_split": {
                    "tace_sorafenib": self.os.split.deaths[0],
                    "tace_alone": self.os.split.deaths[1],
                    "rule": "calibrated: the split whose Cox HR is nearest the printed HR",
                },
                "arms": [a.to_dict() for a in self.os.arms],
                "sensitivity": [s.to_dict() for s in self.os.sensitivity],
            }
        return out


def _sources(rows: tuple[ReproductionRow, ...]) -> tuple[str, ...]:
    """The distinct citations of the rows, in order of first use."""
    return tuple(dict.fromkeys(r.source for r in rows))


def _resolve(name: str) -> Trial:
    try:
        return registry().get(name)
    except InputError:
        key = name.strip().replace("_", "-").casefold()
        for t in registry():
            if t.id.casefold().replace("_", "-") == key:
                return t
        raise


def reproduce(name: str) -> Reproduction:
    """Reproduce the trial called ``name`` (id, name or alias, any case).

    Raises
    ------
    InputError
        An unknown trial, or one whose printed numbers allow no check (``level`` ``none``);
        the message says what is missing.
    """
    trial = _resolve(name)
    level = _level(trial)
    if level == "none":
        missing = "; ".join(_missing(trial))
        raise InputError(
            "trial",
            name,
            f"a trial whose printed numbers the registry holds ({trial.id} lacks: {missing}); "
            "see tacepath reproduce --list",
        )
    if level == "full":
        os = os_pseudo_data()
        rows = tactics_rows(os)
        return Reproduction(
            trial=trial.id,
            name=trial.name,
            level=level,
            rows=rows,
            notes=tactics_notes(os),
            sources=_sources(rows),
            os=os,
        )
    rows = registry_rows(trial)
    return Reproduction(
        trial=trial.id,
        name=trial.name,
        level=level,
        rows=rows,
        notes=(
            "Consistency checks only: the registry holds no number-at-risk table or event "
            "counts for this trial, so no pseudo-data can be built; the rows check that the "
            "printed numbers agree with each other.",
        ),
        sources=_sources(rows),
    )
