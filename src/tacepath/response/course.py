"""All criteria and TACE-failure rules applied to one timeline (what the CLI prints)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Literal

from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields
from tacepath.response._core import CriterionResult, check_bor_options, progression_decisions
from tacepath.response._failure_common import Comps, IndexSums, first_fired
from tacepath.response._failure_items import (
    INCREASE_PCT,
    MAX_LESIONS,
    check_jsh,
    check_untaceable,
    jsh_components,
    untaceable_components,
)
from tacepath.response.easl import easl
from tacepath.response.mrecist import mrecist, mrecist_spec
from tacepath.response.recicl import recicl
from tacepath.response.recist import SPEC as RECIST11_SPEC
from tacepath.response.recist import recist11
from tacepath.response.tace_failure import (
    FailureResult,
    jsh_refractoriness,
    tace_specific_pfs,
    untaceable_progression,
)

__all__ = [
    "CourseResult",
    "ProgressionCourse",
    "ProgressionEvents",
    "ResponseOptions",
    "assess_response",
    "progression_course",
    "progression_events",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseOptions:
    """Every protocol choice of the response criteria in one value (defaults: decisions.md)."""

    confirmation: bool = False
    min_confirmation_days: int = 28
    min_sd_days: int | None = None
    mrecist_require_5mm: bool = False
    easl_pd_reference: Literal["nadir", "baseline", "previous"] = "nadir"
    easl_pd_inclusive: bool = True
    recicl_te1_inclusive: bool = True
    recicl_count_new_lesions: bool = False
    tactics_ehs_min_mm: float | None = 10.0
    tactics_cpc_window_days: int | None = None
    tactics_include_refractoriness: bool = True
    jsh_viable_reference: Literal["pre_session", "original_baseline"] = "pre_session"
    jsh_require_regimen_change: bool = True

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseResult(JsonFields):
    """RECIST 1.1, mRECIST, EASL, RECICL and the three TACE-failure results of one patient."""

    id: str
    recist11: CriterionResult
    mrecist: CriterionResult
    easl: CriterionResult
    recicl: CriterionResult
    untaceable_progression: FailureResult
    tace_pfs: FailureResult
    jsh_refractoriness: FailureResult
    options: ResponseOptions

    @property
    def criteria(self) -> tuple[CriterionResult, ...]:
        return (self.recist11, self.mrecist, self.easl, self.recicl)

    def tace_failure_status(self, date: dt.date) -> str:
        """TACE-failure status on a date: ``-`` or which definition has fired by then."""
        out = []
        for label, r in (("TTUP", self.untaceable_progression), ("JSH", self.jsh_refractoriness)):
            if r.event and r.date is not None and r.date <= date:
                out.append(f"{label}: {r.criterion}")
        return "; ".join(out) or "-"

    def to_contract_dict(self) -> dict[str, object]:
        """The ``tacepath response --json`` contract."""
        visits = []
        for r, m, e, j in zip(
            self.recist11.assessments,
            self.mrecist.assessments,
            self.easl.assessments,
            self.recicl.assessments,
            strict=True,
        ):
            visits.append(
                {
                    "date": r.date.isoformat(),
                    "recist11": {
                        "target": r.target,
                        "non_target": r.non_target,
                        "new_lesions": r.new_lesions,
                        "overall": r.overall,
                    },
                    "mrecist": {
                        "target": m.target,
                        "non_target": m.non_target,
                        "new_lesions": m.new_lesions,
                        "overall": m.overall,
                    },
                    "easl": {"overall": e.overall},
                    "recicl": {"te": j.te, "overall": j.overall},
                }
            )
        return {
            "id": self.id,
            "assessments": visits,
            "best_overall_response": {
                "recist11": self.recist11.best_overall_response.value,
                "mrecist": self.mrecist.best_overall_response.value,
                "easl": self.easl.best_overall_response.value,
                "recicl": self.recicl.best_overall_response.value,
            },
            "untaceable_progression": self.untaceable_progression.summary(),
            "tace_pfs": self.tace_pfs.summary(),
            "jsh_refractoriness": self.jsh_refractoriness.summary(),
        }


def assess_response(timeline: Timeline, options: ResponseOptions | None = None) -> CourseResult:
    """Apply RECIST 1.1, mRECIST, EASL, RECICL, TACTICS and JSH-LCSGJ to one timeline.

    Parameters
    ----------
    timeline
        A checked timeline (:func:`tacepath.domain.timeline.parse_timeline`).
    options
        Protocol choices; defaults follow the product decisions (each stated in the rules).

    Returns
    -------
    CourseResult
    """
    o = options or ResponseOptions()
    p = progression_course(timeline, o)
    conf, days, sd = o.confirmation, o.min_confirmation_days, o.min_sd_days
    e = easl(
        timeline,
        pd_reference=o.easl_pd_reference,
        pd_inclusive=o.easl_pd_inclusive,
        confirmation=conf,
        min_confirmation_days=days,
        min_sd_days=sd,
    )
    j = recicl(
        timeline,
        te1_inclusive=o.recicl_te1_inclusive,
        count_new_lesions=o.recicl_count_new_lesions,
        min_sd_days=o.min_sd_days,
    )
    r, m, up, jsh = p.recist11, p.mrecist, p.untaceable_progression, p.jsh_refractoriness
    return CourseResult(
        id=timeline.id,
        recist11=r,
        mrecist=m,
        easl=e,
        recicl=j,
        untaceable_progression=up,
        tace_pfs=tace_specific_pfs(timeline, progression=up),
        jsh_refractoriness=jsh,
        options=o,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressionCourse:
    """The criteria that time-to-event endpoints read (RECIST 1.1, mRECIST, TACTICS'
    untreatable progression, JSH-LCSGJ failure), computed as :func:`assess_response` computes
    them; EASL and RECICL, which no endpoint reads, are left out."""

    recist11: CriterionResult
    mrecist: CriterionResult
    untaceable_progression: FailureResult
    jsh_refractoriness: FailureResult


def progression_course(
    timeline: Timeline, options: ResponseOptions | None = None
) -> ProgressionCourse:
    """The part of :func:`assess_response` the endpoints need, by the same calls."""
    o = options or ResponseOptions()
    if o.min_sd_days is not None and o.min_sd_days < 0:
        raise InputError("min_sd_days", o.min_sd_days, ">= 0 or None")
    conf, days, sd = o.confirmation, o.min_confirmation_days, o.min_sd_days
    r = recist11(timeline, confirmation=conf, min_confirmation_days=days, min_sd_days=sd)
    m = mrecist(
        timeline,
        require_5mm=o.mrecist_require_5mm,
        confirmation=conf,
        min_confirmation_days=days,
        min_sd_days=sd,
    )
    jsh = jsh_refractoriness(
        timeline,
        viable_reference=o.jsh_viable_reference,
        require_regimen_change=o.jsh_require_regimen_change,
    )
    up = untaceable_progression(
        timeline,
        ehs_min_mm=o.tactics_ehs_min_mm,
        cpc_window_days=o.tactics_cpc_window_days,
        include_refractoriness=o.tactics_include_refractoriness,
        jsh_viable_reference=o.jsh_viable_reference,
        jsh_require_regimen_change=o.jsh_require_regimen_change,
        jsh=jsh,
    )
    return ProgressionCourse(
        recist11=r, mrecist=m, untaceable_progression=up, jsh_refractoriness=jsh
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressionEvents:
    """What time-to-event endpoints read of a :class:`ProgressionCourse`: per criterion the
    dates of the adequate visits and the event, without the texts that explain them.

    ``recist11`` and ``mrecist``: (dates of the visits whose overall response is not NE, date
    progression is dated to); ``untaceable``: (dates of the visits whose intrahepatic
    progression is assessable, (date, component) of the first TACTICS component);
    ``jsh``: (date, item) of the first JSH-LCSGJ item.
    """

    recist11: tuple[tuple[dt.date, ...], dt.date | None]
    mrecist: tuple[tuple[dt.date, ...], dt.date | None]
    untaceable: tuple[tuple[dt.date, ...], tuple[dt.date, str] | None]
    jsh: tuple[dt.date, str] | None

    @classmethod
    def of(cls, course: CourseResult | ProgressionCourse) -> ProgressionEvents:
        """The events read from computed results."""

        def crit(res: CriterionResult) -> tuple[tuple[dt.date, ...], dt.date | None]:
            adequate = tuple(v.date for v in res.assessments if v.overall != "NE")
            return adequate, res.first_progression

        def first(res: FailureResult) -> tuple[dt.date, str] | None:
            return (res.date, res.criterion or "") if res.event and res.date else None

        up = course.untaceable_progression
        ih = tuple(v.date for v in up.intrahepatic if v.progression is not None)
        return cls(
            recist11=crit(course.recist11),
            mrecist=crit(course.mrecist),
            untaceable=(ih, first(up)),
            jsh=first(course.jsh_refractoriness),
        )


def progression_events(
    timeline: Timeline, options: ResponseOptions | None = None
) -> ProgressionEvents:
    """The events of :func:`progression_course` by the same rules, options and checks, each
    decision made once and no reason text formatted (equal to
    ``ProgressionEvents.of(progression_course(timeline, options))``)."""
    o = options or ResponseOptions()
    if o.min_sd_days is not None and o.min_sd_days < 0:
        raise InputError("min_sd_days", o.min_sd_days, ">= 0 or None")
    check_bor_options(o.min_confirmation_days, o.min_sd_days)
    r = progression_decisions(RECIST11_SPEC, timeline)
    m = progression_decisions(mrecist_spec(require_5mm=o.mrecist_require_5mm), timeline)
    how = (o.jsh_viable_reference, o.jsh_require_regimen_change, False)
    check_jsh(o.jsh_viable_reference, None)
    sums = IndexSums(timeline, MAX_LESIONS)
    jsh, _, _ = jsh_components(timeline, how, None, None, MAX_LESIONS, explain=False, sums=sums)
    check_untaceable(INCREASE_PCT, o.tactics_cpc_window_days, o.tactics_ehs_min_mm)
    comps, _, ih, _ = untaceable_components(
        timeline,
        (INCREASE_PCT, True, MAX_LESIONS),
        o.tactics_ehs_min_mm,
        o.tactics_cpc_window_days,
        jsh if o.tactics_include_refractoriness else None,
        explain=False,
        sums=sums,
    )
    return ProgressionEvents(
        recist11=r,
        mrecist=m,
        untaceable=(tuple(ih), _first(comps)),
        jsh=_first(jsh),
    )


def _first(comps: Comps) -> tuple[dt.date, str] | None:
    i = first_fired(comps)
    hit = comps[i][1] if i is not None else None
    return (hit[0], comps[i][0]) if i is not None and hit is not None else None
