"""Result types of the TACE-failure rules: components, intrahepatic course, JSH sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tacepath.domain.citation import Citation
from tacepath.jsonsafe import JsonFields

__all__ = [
    "COMPONENT_LABELS",
    "ComponentFinding",
    "FailureResult",
    "IntrahepaticVisit",
    "JshSession",
    "RepeatTaceIndication",
    "component_label",
]

#: How a person reads each component of the TACE-failure rules (the identifiers stay the
#: JSON contract). JSH-LCSGJ 2014 items 1a/1b/3/4 and the TACTICS reasons as
#: ``reference/response-criteria.md`` §5.1 and §6.1 word them.
COMPONENT_LABELS = {
    "ineffective_1a": "insufficient response of the treated tumour (JSH item 1a)",
    "progressive_1b": "more tumours in the liver (JSH item 1b)",
    "vascular_invasion": "vascular invasion",
    "extrahepatic_spread": "extrahepatic spread",
    "intrahepatic_progression": "intrahepatic progression",
    "child_pugh_c": "Child-Pugh C",
    "macrovascular_invasion": "macrovascular invasion",
    "tace_refractoriness": "TACE refractoriness (JSH-LCSGJ)",
    "jsh_refractoriness": "TACE refractoriness (JSH-LCSGJ)",
    "untaceable_progression": "unTACEable progression",
    "death": "death",
}


def component_label(criterion: str | None) -> str:
    """``criterion`` in words (an identifier without a label: as it is)."""
    if criterion is None:
        return ""
    return COMPONENT_LABELS.get(criterion, criterion.replace("_", " "))


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentFinding(JsonFields):
    """One component of a composite definition: whether and when it fired, and why."""

    criterion: str
    fired: bool
    date: dt.date | None
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IntrahepaticVisit(JsonFields):
    """Viable tumour (sum of products of the index lesions) at one follow-up vs baseline."""

    date: dt.date
    viable_mm2: float | None
    baseline_mm2: float
    pct_from_baseline: float | None
    progression: bool | None
    """True if the increase threshold is met; None if not assessable."""
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JshSession(JsonFields):
    """The response to one TACE session as judged by the JSH-LCSGJ items 1a/1b."""

    session_date: dt.date
    pre_date: dt.date | None
    post_date: dt.date | None
    viable_fraction: float | None
    """Viable sum after / reference sum (``> 0.5`` = insufficient, item 1a)."""
    insufficient: bool | None
    count_pre: int | None
    count_post: int | None
    progressive: bool | None
    """More intrahepatic nodules after than before (item 1b)."""
    regimen_changed: bool | None
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FailureResult:
    """Whether, when and by which criterion an event occurred, with every component."""

    name: str
    patient_id: str
    event: bool
    date: dt.date | None
    criterion: str | None
    """The component that fired first (ties: in the order of ``components``)."""
    why: str
    components: tuple[ComponentFinding, ...]
    rule: str
    citation: Citation
    options: Mapping[str, object]
    intrahepatic: tuple[IntrahepaticVisit, ...] = ()
    sessions: tuple[JshSession, ...] = ()
    caveats: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))

    @property
    def criterion_text(self) -> str:
        """The criterion that fired, in words (empty when none did)."""
        return component_label(self.criterion)

    def summary(self) -> dict[str, object]:
        """``{"event", "date", "criterion"}`` (the CLI JSON contract)."""
        return {
            "event": self.event,
            "date": self.date.isoformat() if self.date else None,
            "criterion": self.criterion,
        }

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "patient_id": self.patient_id,
            **self.summary(),
            "why": self.why,
            "components": [c.to_dict() for c in self.components],
            "rule": self.rule,
            "citation": self.citation.to_dict(),
            "options": dict(self.options),
            "intrahepatic": [v.to_dict() for v in self.intrahepatic],
            "sessions": [s.to_dict() for s in self.sessions],
            "caveats": list(self.caveats),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RepeatTaceIndication(JsonFields):
    """TACTICS on-demand repeat-TACE trigger at one assessment."""

    date: dt.date
    indicated: bool
    viable_mm2: float | None
    baseline_mm2: float
    pct_of_baseline: float | None
    reasons: tuple[str, ...]
    wait: tuple[str, ...]
    """New lesions that need a washout check before they trigger TACE."""
    rule: str
    citation: Citation
    treated: tuple[str, ...] = ()
    """The state of each new lesion treated at an earlier TACE (no longer a new lesion)."""
    review: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """New lesions listed again after a TACE that does not name them (read as untreated)."""
    """Treated new lesions still enhancing: the protocol gives no trigger for them (MDT)."""
