"""The evidence registry's data model: trials whose every number carries its citation.

A trial is a YAML file in ``tacepath/evidence/trials/``. Every number in it is a
:class:`Number` (value, unit, CI, and the id of one of the trial's :class:`Source` entries);
every statement that holds a number or a clinical rule (a dose, a timing, an eligibility
criterion) is a :class:`Cited` text with its source. A bare number anywhere else is refused
on load, so an uncited number cannot enter the registry. Where the seed page and a primary
source disagree, both are stored as a :class:`Conflict`, and the numbers and texts it
concerns name it (``conflict``) so that every view shows it next to the value.

Only verified values are stored: what the fact-checked reference marks UNVERIFIED is listed
in ``unverified`` as text, without its number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from tacepath.domain.citation import BaseCitation, identifier_texts
from tacepath.domain.values import FrozenModel as _Frozen

__all__ = [
    "AdverseEvent",
    "Arm",
    "Cited",
    "Conflict",
    "Endpoint",
    "Number",
    "Result",
    "Source",
    "Trial",
    "TrialSite",
    "TrialStatus",
]

#: ``not-verified``: a trial only the seed page names, with no registry record or publication
#: found; everything the seed says about it is stored as the seed's claim, marked not verified.
TrialStatus = Literal[
    "positive", "negative", "ongoing", "terminated", "no-results", "not-tace", "not-verified"
]
SourceKind = Literal["primary", "congress", "registry", "secondary", "seed"]


class Source(_Frozen, BaseCitation):
    """Where a value comes from: a paper, congress abstract, registry record, report or seed.

    ``kind`` ``seed`` marks the project's source documents (``seeds/000_*`` is the secondary
    patient page, never authoritative; ``seeds/003_*`` the TACTICS final paper). The registry's
    kind of :class:`~tacepath.domain.citation.BaseCitation`: rendered by ``text()`` as
    ``"<citation> (doi:…; PMID …; <nct>; <seed>)"``, or ``"<citation> (<url>)"`` when it has
    none of those identifiers; why its JSON differs from a ``Citation``'s is said there.
    """

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: SourceKind
    citation: str
    doi: str | None = None
    pmid: str | None = None
    nct: str | None = None
    url: str | None = None
    seed: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The source's fields (those given) and its rendered citation as ``text``."""
        return {**self.model_dump(exclude_none=True), "text": self.text()}

    def lead(self) -> str:
        return self.citation

    def identifiers(self) -> tuple[str, ...]:
        ids = (*identifier_texts(self.doi, self.pmid), self.nct or "", self.seed or "")
        return ids if any(ids) else (self.url or "",)


class Number(_Frozen):
    """A number with its citation: value, unit, optional confidence interval, source id.

    ``conflict`` names the :class:`Conflict` that concerns this number (the seed page says
    something else), so that it is shown wherever the number is; ``decimals`` the number of
    decimals the source prints (0.40 stays 0.40).
    """

    value: float
    unit: str | None = None
    ci: tuple[float, float] | None = None
    ci_level: float = 0.95
    source: str
    conflict: str | None = None
    note: str | None = None
    decimals: int | None = None

    def text(self, digits: int | None = None) -> str:
        """The value as the source prints it (``decimals`` keeps a printed trailing zero)."""
        digits = self.decimals if digits is None else digits
        v = _fmt(self.value, digits)
        unit = f" {self.unit}" if self.unit and self.unit != "%" else (self.unit or "")
        out = f"{v}{unit}"
        if self.ci is not None:
            out += (
                f" ({self.ci_level:.0%} CI {_fmt(self.ci[0], digits)}–{_fmt(self.ci[1], digits)})"
            )
        return out


def _fmt(v: float, digits: int | None) -> str:
    if digits is not None:
        return f"{v:.{digits}f}"
    return f"{v:g}"


class Cited(_Frozen):
    """A statement with its source (a criterion, dose, timing, definition, finding)."""

    text: str
    source: str
    conflict: str | None = None


class Dose(_Frozen):
    """One drug of an arm: dose and schedule as the source states them."""

    drug: str
    dose: Cited


class Arm(_Frozen):
    """A randomised arm: size, drugs, TACE, and timing of the drugs relative to TACE."""

    id: str
    label: str
    n: Number | None = None
    drugs: tuple[Dose, ...] = ()
    tace: Cited | None = None
    timing: Cited | None = None
    regimen: str | None = None  # the pathway regimen id this arm corresponds to


class Endpoint(_Frozen):
    """An endpoint: name, definition and whether it is primary."""

    id: str
    name: str
    definition: Cited
    primary: bool = False


class Result(_Frozen):
    """One analysis of one endpoint: medians per arm, HR with CI, p, and further figures.

    ``comparison`` is ``[experimental arm, reference arm]``; ``other`` holds named numbers
    (rates, ORR per arm, events).
    """

    endpoint: str
    analysis: str
    comparison: tuple[str, str] | None = None
    medians: dict[str, Number] = Field(default_factory=dict)
    hr: Number | None = None
    p: Number | None = None
    other: dict[str, Number] = Field(default_factory=dict)
    note: Cited | None = None


class AdverseEvent(_Frozen):
    """Incidence of an adverse event per arm (percent of the safety population)."""

    term: str
    grade: str
    incidence: dict[str, Number]


class Conflict(_Frozen):
    """A seed-vs-source disagreement (or a note on an internal inconsistency).

    ``id`` follows the fact-checked reference (``C1``…); ``seed`` is what the seed page (or
    the inconsistent passage) says, ``source`` what the primary source says; ``kind``
    ``conflict`` (the primary source wins and both are shown) or ``note``.
    """

    id: str
    topic: str
    seed: Cited
    source_says: Cited
    kind: Literal["conflict", "note"] = "conflict"


class TrialSite(_Frozen):
    """A site of a trial as a registry record lists it, with the record (``source``, one of
    the trial's sources) and the date it was read (``retrieved``). ``recruiting`` is the
    record's recruitment status of the site on that date; ``None`` when the record does not
    state it. Nothing says a site recruits without such a record."""

    name: str = Field(min_length=1, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    country: str = Field(min_length=1, max_length=100)
    contact: str | None = Field(default=None, max_length=200)
    recruiting: bool | None = None
    source: str
    retrieved: dt.date

    @property
    def status_text(self) -> str:
        """The site's status as stored, with its date: never "recruiting" without a date."""
        day = self.retrieved.isoformat()
        if self.recruiting is None:
            return f"recruitment status not stated in the record read on {day}"
        return f"{'recruiting' if self.recruiting else 'not recruiting'} on {day}"


class Trial(_Frozen):
    """A trial of TACE combined with systemic therapy (or one the seed page cites)."""

    id: str = Field(pattern=r"^[A-Z0-9][A-Za-z0-9-]*$")
    name: str
    aliases: tuple[str, ...] = ()
    registry: dict[str, str] = Field(default_factory=dict)
    phase: str
    status: TrialStatus
    status_text: Cited
    design: Cited
    stratification: Cited | None = None
    population: tuple[Cited, ...] = ()
    n: Number | None = None
    arms: tuple[Arm, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    results: tuple[Result, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    follow_up: Number | None = None
    findings: tuple[Cited, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    unverified: tuple[str, ...] = ()
    sites: tuple[TrialSite, ...] = ()
    sources: tuple[Source, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Trial:
        sources = {s.id for s in self.sources}
        if len(sources) != len(self.sources):
            raise ValueError("sources: duplicate id")
        conflicts = {c.id for c in self.conflicts}
        arms = {a.id for a in self.arms}
        endpoints = {e.id for e in self.endpoints}
        for path, obj in _walk(self, "trial"):
            if isinstance(obj, TrialSite) and obj.retrieved > dt.date.today():
                raise ValueError(f"{path}.retrieved: {obj.retrieved} is in the future")
            if isinstance(obj, Number | Cited | TrialSite):
                if obj.source not in sources:
                    raise ValueError(
                        f"{path}.source: {obj.source!r} is not a source of this trial "
                        f"({', '.join(sorted(sources))})"
                    )
                conflict = getattr(obj, "conflict", None)
                if conflict is not None and conflict not in conflicts:
                    raise ValueError(f"{path}.conflict: {conflict!r} is not a listed conflict")
        for r in self.results:
            if r.endpoint not in endpoints:
                raise ValueError(f"results: endpoint {r.endpoint!r} is not defined")
            for arm in [*r.medians, *(r.comparison or ())]:
                if arm not in arms:
                    raise ValueError(f"results[{r.endpoint}]: arm {arm!r} is not defined")
        for ae in self.adverse_events:
            for arm in ae.incidence:
                if arm not in arms:
                    raise ValueError(f"adverse_events[{ae.term}]: arm {arm!r} is not defined")
        return self

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def conflict(self, conflict_id: str) -> Conflict:
        return next(c for c in self.conflicts if c.id == conflict_id)

    def arm(self, arm_id: str) -> Arm:
        return next(a for a in self.arms if a.id == arm_id)

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return next(e for e in self.endpoints if e.id == endpoint_id)


def _walk(obj: Any, path: str) -> list[tuple[str, Any]]:
    """Every model and value inside ``obj`` with a dotted path, depth first."""
    out: list[tuple[str, Any]] = [(path, obj)]
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            out.extend(_walk(getattr(obj, name), f"{path}.{name}"))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_walk(v, f"{path}.{k}"))
    elif isinstance(obj, tuple | list):
        for i, v in enumerate(obj):
            out.extend(_walk(v, f"{path}[{i}]"))
    return out
