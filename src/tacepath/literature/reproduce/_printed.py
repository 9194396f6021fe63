"""Printed numbers the evidence registry does not hold, read from a data file per trial.

A reproduction takes its numbers from the registry (:mod:`tacepath.evidence`) where it holds
them, and from a small YAML file next to this module for the rest (the number-at-risk table
under a Kaplan–Meier figure, the observation period, the design assumptions). Every number in
the file has its source and says where in the paper it was read; the file is validated on
load like the registry (an uncited number is refused).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.evidence.model import Source

__all__ = [
    "DATA_DIR",
    "AtRiskData",
    "PrintedNumber",
    "PrintedText",
    "TacticsPrinted",
    "tactics_printed",
]

DATA_DIR = Path(__file__).resolve().parent


class PrintedNumber(_Frozen):
    """A number as the paper prints it: value, printed decimals, unit, source, where read."""

    value: float
    source: str
    unit: str | None = None
    decimals: int | None = None
    where: str | None = None


class PrintedText(_Frozen):
    """A statement of the paper (a method), with its source and where it was read."""

    text: str
    source: str
    where: str


class AtRiskData(_Frozen):
    """A printed number-at-risk table: the times and each arm's counts, and how it was read."""

    source: str
    where: str
    reading: str
    times: tuple[float, ...]
    unit: str
    n_risk: dict[str, tuple[int, ...]]

    @model_validator(mode="after")
    def _shape(self) -> AtRiskData:
        for arm, counts in self.n_risk.items():
            if len(counts) != len(self.times):
                raise ValueError(f"n_risk.{arm}: {len(counts)} counts for {len(self.times)} times")
        return self


class Observation(_Frozen):
    median: PrintedNumber
    minimum: PrintedNumber
    maximum: PrintedNumber


class Design(_Frozen):
    where: str
    events: PrintedNumber
    power: PrintedNumber
    hazard_ratio: PrintedNumber
    alpha_one_sided: PrintedNumber


class Methods(_Frozen):
    os_test: PrintedText
    hazard_ratio: PrintedText
    strata: PrintedText
    software: PrintedText
    fisher: PrintedText
    accrual: PrintedText


class PostTrialSorafenib(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    where: str
    sorafenib_arm: PrintedNumber = Field(alias="tace-sorafenib")
    sorafenib_arm_percent: PrintedNumber = Field(alias="tace-sorafenib_percent")
    alone_arm: PrintedNumber = Field(alias="tace-alone")
    alone_arm_percent: PrintedNumber = Field(alias="tace-alone_percent")


class TacticsPrinted(_Frozen):
    """``tactics.yaml``: what the TACTICS final paper prints beyond the registry's numbers."""

    trial: Literal["TACTICS"]
    sources: tuple[Source, ...]
    os_at_risk: AtRiskData
    observation: Observation
    design: Design
    methods: Methods
    post_trial_sorafenib: PostTrialSorafenib

    @model_validator(mode="after")
    def _sources_resolve(self) -> TacticsPrinted:
        known = {s.id for s in self.sources}
        cited = [
            self.os_at_risk.source,
            *(n.source for n in _numbers(self)),
            *(t.source for t in _texts(self.methods)),
        ]
        for source in cited:
            if source not in known:
                raise ValueError(f"source {source!r} is not listed ({', '.join(sorted(known))})")
        return self

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)


def _numbers(p: TacticsPrinted) -> list[PrintedNumber]:
    o, d, s = p.observation, p.design, p.post_trial_sorafenib
    return [
        o.median,
        o.minimum,
        o.maximum,
        d.events,
        d.power,
        d.hazard_ratio,
        d.alpha_one_sided,
        s.sorafenib_arm,
        s.sorafenib_arm_percent,
        s.alone_arm,
        s.alone_arm_percent,
    ]


def _texts(m: Methods) -> list[PrintedText]:
    return [m.os_test, m.hazard_ratio, m.strata, m.software, m.fisher, m.accrual]


@cache
def tactics_printed() -> TacticsPrinted:
    """The packaged ``tactics.yaml``, validated (read once)."""
    return read_yaml_model(DATA_DIR / "tactics.yaml", TacticsPrinted)
