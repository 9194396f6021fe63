"""Tumour markers over the course: AFP and PIVKA-II series, AFP response, and the JSH-LCSGJ
tumour-marker item.

AFP response has several definitions that differ (reference/eligibility.md, "AFP response";
the one applied is always named). Two are encoded, the transarterial ones, as the reference
holds them:

* Riaz 2009: a fall of more than 50% from baseline, baseline above 200 ng/mL (chemo- or
  radioembolisation; J Clin Oncol 2009;27:5734, PMID 19805671);
* Memon 2012: a fall of more than 50%, single tumour, baseline 200 ng/mL or more
  (transarterial therapies; J Hepatol 2012;56:1112, PMID 22245905; the abstract, PMC3328660,
  read: "AFP response was defined as >50% decrease from baseline", single tumours,
  baseline AFP >= 200 ng/mL).

Left out: the "early AFP response" (> 20% at 2-4 weeks, Shao) and the >= 20% fall by week 8
(CELESTIAL, REFLECT subanalysis) are defined for antiangiogenic drugs, from a drug start the
reference does not tie to TACE. The reference gives no time point for the transarterial
definitions: the first draw after the first TACE that meets the fall is reported, with every
draw. Baseline is the last AFP on or before the first TACE.

JSH-LCSGJ item 2 reads (reference/response-criteria.md 5.1, wording UNVERIFIED; the
manual read in Japanese, reference/eligibility.md): continuous elevation of tumour markers
right after TACE, even if a slight transient decrease is observed. The criteria give no
number of draws or size of change, so the item never decides TACE failure here: for each
session, :func:`jsh_marker_item` shows the draws and flags for the MDT a marker whose last
draw before the next session (of at least two) is above its last draw before the session.
That flag is tacepath's reading of "continuous elevation", named as such in every result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from tacepath.domain.citation import Citation
from tacepath.domain.timeline import MARKERS, Timeline
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields
from tacepath.response._sources import KUDO_JSH_2014

__all__ = [
    "AFP_RESPONSE_DEFINITIONS",
    "AfpResponse",
    "AfpResponseDefinition",
    "JshMarkerItem",
    "JshMarkerSession",
    "MarkerPoint",
    "afp_response",
    "jsh_marker_item",
    "marker_series",
]

MARKER_LABELS = {"afp": "AFP", "pivka_ii": "PIVKA-II"}


@dataclass(frozen=True, slots=True)
class MarkerPoint(JsonFields):
    """One draw in the marker's canonical unit (AFP ng/mL, PIVKA-II mAU/mL)."""

    date: dt.date
    value: float
    unit: str


def marker_series(timeline: Timeline, marker: str) -> tuple[MarkerPoint, ...]:
    """The draws of ``marker`` (``afp`` or ``pivka_ii``) in date order, AFP in ng/mL."""
    if marker not in MARKERS:
        raise InputError("marker", marker, ", ".join(MARKERS))
    return tuple(
        MarkerPoint(m.date, m.canonical(), m.canonical_unit)
        for m in timeline.markers
        if m.marker == marker
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AfpResponseDefinition:
    """An AFP response definition as the reference holds it: a fall of more than
    ``fall_pct`` % from a baseline above (or, ``baseline_inclusive``, at least)
    ``baseline_ng_ml``; ``single_tumour`` when the definition was for one tumour."""

    id: str
    name: str
    fall_pct: float
    baseline_ng_ml: float
    baseline_inclusive: bool
    single_tumour: bool
    setting: str
    citation: Citation

    @property
    def rule(self) -> str:
        sign = ">=" if self.baseline_inclusive else ">"
        single = ", single tumour" if self.single_tumour else ""
        return (
            f"AFP fall > {self.fall_pct:g}% from baseline (baseline {sign} "
            f"{self.baseline_ng_ml:g} ng/mL{single}); {self.setting}"
        )


RIAZ_2009 = AfpResponseDefinition(
    id="riaz-2009",
    name="AFP response (Riaz 2009)",
    fall_pct=50,
    baseline_ng_ml=200,
    baseline_inclusive=False,
    single_tumour=False,
    setting="chemo- or radioembolisation",
    citation=Citation(
        short="Riaz 2009",
        title="(title not read: cited by journal, page and PMID as in the eligibility reference)",
        journal="J Clin Oncol 2009;27:5734",
        year=2009,
        pmid="19805671",
    ),
)
MEMON_2012 = AfpResponseDefinition(
    id="memon-2012",
    name="AFP response (Memon 2012)",
    fall_pct=50,
    baseline_ng_ml=200,
    baseline_inclusive=True,
    single_tumour=True,
    setting="transarterial therapies",
    citation=Citation(
        short="Memon 2012",
        title="Alpha-fetoprotein Response Correlates with EASL Response and Survival in "
        "Solitary Hepatocellular Carcinoma Treated with Trans-arterial Therapies: A Subgroup "
        "Analysis",
        journal="J Hepatol 2012;56(5):1112-1120",
        year=2012,
        doi="10.1016/j.jhep.2011.11.020",
        pmid="22245905",
        url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3328660",
    ),
)
#: The definitions encoded, by id (reference/eligibility.md, "AFP response").
AFP_RESPONSE_DEFINITIONS = {d.id: d for d in (RIAZ_2009, MEMON_2012)}


@dataclass(frozen=True, slots=True, kw_only=True)
class AfpResponse:
    """AFP response of one timeline by one definition.

    ``response`` is ``None`` when the definition does not apply (``reason`` says why:
    no TACE, no baseline draw, baseline too low, more than one tumour, no later draw)."""

    definition: AfpResponseDefinition
    baseline: MarkerPoint | None
    response: bool | None
    date: dt.date | None
    reason: str
    changes: tuple[tuple[MarkerPoint, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition.id,
            "name": self.definition.name,
            "rule": self.definition.rule,
            "citation": str(self.definition.citation),
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "response": self.response,
            "date": self.date.isoformat() if self.date else None,
            "reason": self.reason,
            "draws": [{**p.to_dict(), "pct_change": round(c, 1)} for p, c in self.changes],
        }


def _baseline_tumours(timeline: Timeline) -> int:
    base = timeline.baseline
    return len(base.lesions) + len(base.non_target)


def afp_response(timeline: Timeline, definition: str = "riaz-2009") -> AfpResponse:
    """AFP response by ``definition`` (an id of :data:`AFP_RESPONSE_DEFINITIONS`)."""
    d = AFP_RESPONSE_DEFINITIONS.get(definition)
    if d is None:
        raise InputError("definition", definition, ", ".join(AFP_RESPONSE_DEFINITIONS))

    def out(reason: str, base: MarkerPoint | None = None, **kw: Any) -> AfpResponse:
        return AfpResponse(definition=d, baseline=base, reason=reason, **kw)

    if not timeline.tace_sessions:
        return out(f"no TACE recorded: the definition is for {d.setting}", response=None, date=None)
    first = timeline.tace_sessions[0].date
    series = marker_series(timeline, "afp")
    before = [p for p in series if p.date <= first]
    if not before:
        return out(f"no AFP on or before the first TACE ({first})", response=None, date=None)
    base = before[-1]
    low = base.value < d.baseline_ng_ml if d.baseline_inclusive else base.value <= d.baseline_ng_ml
    if low:
        sign = ">=" if d.baseline_inclusive else ">"
        why = f"baseline AFP {base.value:g} ng/mL: the definition needs {sign} {d.baseline_ng_ml:g}"
        return out(why, base, response=None, date=None)
    if d.single_tumour and _baseline_tumours(timeline) != 1:
        n = _baseline_tumours(timeline)
        return out(f"{n} tumours at baseline: the definition is for a single tumour", base,
                   response=None, date=None)  # fmt: skip
    after = [p for p in series if p.date > first]
    if not after:
        return out("no AFP after the first TACE", base, response=None, date=None)
    changes = tuple((p, (p.value - base.value) / base.value * 100) for p in after)
    hit = next((p for p, c in changes if -c > d.fall_pct), None)
    if hit is None:
        best = min(c for _, c in changes)
        why = f"largest fall {-best:.1f}% (needs > {d.fall_pct:g}%)"
        return out(why, base, response=False, date=None, changes=changes)
    c = next(c for p, c in changes if p is hit)
    why = f"AFP {base.value:g} -> {hit.value:g} ng/mL on {hit.date} ({c:.1f}%)"
    return out(why, base, response=True, date=hit.date, changes=changes)


Pattern = Literal["rising", "not_rising", "not_evaluable"]


@dataclass(frozen=True, slots=True, kw_only=True)
class JshMarkerSession:
    """One marker around one TACE session: the last draw on or before it, the draws after
    it up to the next session, and the pattern read."""

    session_date: dt.date
    marker: str
    pre: MarkerPoint | None
    post: tuple[MarkerPoint, ...]
    pattern: Pattern
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_date": self.session_date.isoformat(),
            "marker": self.marker,
            "pre": self.pre.to_dict() if self.pre else None,
            "post": [p.to_dict() for p in self.post],
            "pattern": self.pattern,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class JshMarkerItem:
    """JSH-LCSGJ item 2 for one timeline: never counted as TACE failure (``result`` is
    ``unknown`` when a session is flagged, ``not_flagged`` otherwise); ``questions`` are for
    the MDT."""

    sessions: tuple[JshMarkerSession, ...]
    result: Literal["unknown", "not_flagged"]
    questions: tuple[str, ...]
    rule: str
    citation: Citation = KUDO_JSH_2014

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "questions": list(self.questions),
            "rule": self.rule,
            "citation": str(self.citation),
            "sessions": [s.to_dict() for s in self.sessions],
        }


JSH_MARKER_RULE = (
    "JSH-LCSGJ item 2 (wording UNVERIFIED): continuous elevation of tumour markers right after "
    "TACE, even if a slight transient decrease is observed. Not quantified by the criteria: "
    "never counted as TACE failure. tacepath flags a marker for the MDT when, of at least two "
    "draws after a TACE and before the next, the last is above the last draw before the TACE."
)


def _session(
    marker: str, series: tuple[MarkerPoint, ...], start: dt.date, end: dt.date | None
) -> JshMarkerSession:
    pre = next((p for p in reversed(series) if p.date <= start), None)
    post = tuple(p for p in series if start < p.date and (end is None or p.date <= end))
    label, unit = MARKER_LABELS[marker], series[0].unit if series else ""
    if pre is None or len(post) < 2:
        why = "no draw on or before the TACE" if pre is None else f"{len(post)} draw(s) after it"
        return JshMarkerSession(
            session_date=start, marker=marker, pre=pre, post=post, pattern="not_evaluable",
            note=f"{label}: {why} (two or more after it are read)",
        )  # fmt: skip
    values = " -> ".join(f"{p.value:g}" for p in post)
    rising = post[-1].value > pre.value
    note = f"{label} after TACE on {start}: {pre.value:g} before, then {values} {unit}" + (
        ": last draw above the pre-TACE value" if rising else ""
    )
    return JshMarkerSession(
        session_date=start, marker=marker, pre=pre, post=post,
        pattern="rising" if rising else "not_rising", note=note,
    )  # fmt: skip


def jsh_marker_item(timeline: Timeline) -> JshMarkerItem:
    """JSH-LCSGJ tumour-marker item (2) for each TACE session and each recorded marker."""
    sessions = timeline.tace_sessions
    out: list[JshMarkerSession] = []
    for marker in MARKERS:
        series = marker_series(timeline, marker)
        if not series:
            continue
        for k, s in enumerate(sessions):
            end = sessions[k + 1].date if k + 1 < len(sessions) else None
            out.append(_session(marker, series, s.date, end))
    flagged = [s for s in out if s.pattern == "rising"]
    questions = tuple(
        f"{s.note}; is this the continuous tumour-marker elevation of JSH-LCSGJ item 2? "
        "(not quantified by the criteria: MDT judgement)"
        for s in flagged
    )
    return JshMarkerItem(
        sessions=tuple(out),
        result="unknown" if flagged else "not_flagged",
        questions=questions,
        rule=JSH_MARKER_RULE,
    )
