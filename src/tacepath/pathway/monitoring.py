"""Monitoring during treatment as data (``monitoring.yaml``): what to measure, when, and the
source, per drug component; a regimen gets the union of its components' items.

The sources read (reference/adverse-events-and-dosing.md) state no monitoring interval, so
none is given: an item says "before and during therapy (interval not stated in <source>)"
where the source has timing words (bevacizumab dipstick, Avastin EU SmPC 4.4), and that the
timing is not stated where the source only has a label rule acting on the measured value. A
drug of the regimen with no item is named as such: nothing is borrowed from another drug.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.errors import InputErrors, Problem
from tacepath.jsonsafe import JsonFields
from tacepath.pathway.dose_rules_data import DoseRules, dose_rules
from tacepath.pathway.model import Catalogue, catalogue

__all__ = [
    "MONITORING_FILE",
    "Monitoring",
    "MonitoringItem",
    "items_of",
    "load_monitoring",
    "monitoring_of",
]

MONITORING_FILE = Path(__file__).resolve().parent / "monitoring.yaml"


class MonitoringItem(_Frozen):
    """One thing to monitor for the drugs in ``components``; ``when`` is the source's own
    timing words, or ``None`` when the source gives none."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    components: tuple[str, ...] = Field(min_length=1)
    what: str
    when: str | None
    cited_as: str
    source: str


class _File(_Frozen):
    monitoring: tuple[MonitoringItem, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Monitoring(JsonFields):
    """One monitoring line of a plan: what, when (worded with what the source leaves open),
    and the full source citation (empty when no source covers it)."""

    what: str
    when: str
    source: str


def _check(items: tuple[MonitoringItem, ...], cat: Catalogue, rules: DoseRules) -> list[Problem]:
    comps = {c.id for c in cat.components}
    sources = {s.id for s in rules.sources}
    problems: list[Problem] = []
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            problems.append(Problem("monitoring.id", it.id, "a unique id"))
        seen.add(it.id)
        problems += [
            Problem(f"monitoring[{it.id}].components", c, f"a component: {sorted(comps)}")
            for c in it.components
            if c not in comps
        ]
        if it.source not in sources:
            problems.append(
                Problem(f"monitoring[{it.id}].source", it.source, "a dose_rules.yaml source")
            )
    return problems


def load_monitoring(
    path: Path | None = None, cat: Catalogue | None = None, rules: DoseRules | None = None
) -> tuple[MonitoringItem, ...]:
    """Read and check the monitoring file (unique ids, known components and sources)."""
    items = read_yaml_model(path or MONITORING_FILE, _File).monitoring
    problems = _check(items, cat or catalogue(), rules or dose_rules())
    if problems:
        raise InputErrors(problems)
    return items


@cache
def _items() -> tuple[MonitoringItem, ...]:
    return load_monitoring()


def items_of(
    components: tuple[str, ...], items: tuple[MonitoringItem, ...] | None = None
) -> tuple[MonitoringItem, ...]:
    """Every item of each component, in component order, each item once."""
    pool = _items() if items is None else items
    out: list[MonitoringItem] = []
    for comp in components:
        out += [it for it in pool if comp in it.components and it not in out]
    return tuple(out)


def _when(item: MonitoringItem) -> str:
    if item.when is None:
        return f"timing not stated in {item.cited_as}: the MDT sets it"
    return f"{item.when} (interval not stated in {item.cited_as})"


def monitoring_of(regimen: str) -> tuple[Monitoring, ...]:
    """The monitoring of a catalogue regimen (its id): the union of its drugs' items, then one
    line for each drug of the regimen that no item covers, saying so."""
    cat, rules = catalogue(), dose_rules()
    drugs = cat.regimen(regimen).drugs
    items = items_of(drugs)
    lines = [
        Monitoring(what=it.what, when=_when(it), source=rules.source(it.source).text())
        for it in items
    ]
    covered = {c for it in items for c in it.components}
    labels = {c.id: c.label for c in cat.components}
    lines += [
        Monitoring(
            what=f"{labels[d]}: no monitoring item in the sources read",
            when="the MDT sets it (no other drug's monitoring is used)",
            source="",
        )
        for d in drugs
        if d not in covered
    ]
    return tuple(lines)
