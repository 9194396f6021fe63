"""Time-to-event endpoints of TACE trials as CDISC ADaM ADTTE-style rows.

One row per patient and parameter:

=========  =====================================================================
PARAMCD    PARAM
=========  =====================================================================
OS         Overall survival (death from any cause)
PFSR11     Progression-free survival, RECIST 1.1 (progression or death)
PFSMREC    Progression-free survival, mRECIST (progression or death)
TACEPFS    TACE-specific PFS, TACTICS (unTACEable progression or death)
TTP        Time to progression (mRECIST by default; death censored)
TTFJSH     Time to TACE failure/refractoriness, JSH-LCSGJ (death censored)
TTMVIEHS   Time to macrovascular invasion or extrahepatic spread ≥ 10 mm (TACTICS;
           death censored; only with ``EndpointOptions(tactics_exploratory=True)``)
=========  =====================================================================

``CNSR`` is 0 for an event and a positive code for the censoring reason (:data:`CENSORING`).
Censoring of the progression endpoints follows the FDA guidance on cancer trial endpoints
(2018; its example PFS tables keep those of the 2007 edition, Appendix 3 Table A) [1]_:

* no progression or death: censored at the last adequate tumour assessment (CNSR 1);
* new anticancer therapy (systemic, transplant, resection) before the event: censored at the
  last adequate assessment on or before the start of the new therapy (CNSR 2) — option
  ``censor_new_therapy``;
* progression or death after two or more missed scheduled assessments: censored at the last
  adequate assessment before the missed visits (CNSR 3) — needs the protocol's
  ``assessment_interval_days``; option ``missed_assessments``;
* loss to follow-up or withdrawal: censored at the last adequate assessment (CNSR 4);
* no adequate post-baseline assessment and no death: censored at ``STARTDT`` (CNSR 5);
* death without progression, for TTP and JSH failure (death is not an event): censored at the
  last adequate assessment (CNSR 6).

OS is censored at the last date known alive (CNSR 1). An "adequate" assessment is one the
criterion could evaluate (overall response not NE; for TACE-PFS and JSH, the intrahepatic
viable sum assessable).

References
----------
.. [1] U.S. Food and Drug Administration. Clinical Trial Endpoints for the Approval of Cancer
   Drugs and Biologics. Guidance for Industry. December 2018.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.response.course import (
    CourseResult,
    ProgressionCourse,
    ProgressionEvents,
    ResponseOptions,
    progression_events,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ADTTE_COLUMNS",
    "CENSORING",
    "PARAMS",
    "AdtteRow",
    "EndpointOptions",
    "adtte_rows",
    "derive_adtte",
]

ADTTE_COLUMNS = (
    "USUBJID",
    "PARAMCD",
    "PARAM",
    "STARTDT",
    "ADT",
    "AVAL",
    "AVALU",
    "CNSR",
    "EVNTDESC",
    "CNSDTDSC",
)

PARAMS: dict[str, str] = {
    "OS": "Overall Survival",
    "PFSR11": "Progression-Free Survival (RECIST 1.1)",
    "PFSMREC": "Progression-Free Survival (mRECIST)",
    "TACEPFS": "TACE-Specific Progression-Free Survival (TACTICS)",
    "TTP": "Time to Progression",
    "TTFJSH": "Time to TACE Failure/Refractoriness (JSH-LCSGJ)",
    "TTMVIEHS": "Time to Macrovascular Invasion or Extrahepatic Spread (TACTICS)",
}

#: TACTICS final analysis, exploratory: "time from randomization to MVI or EHS (diameter
#: >=10 mm)" (Kudo M, et al. Liver Cancer 2022;11(4):354-367, Methods).
EHS_MIN_MM = 10.0

CENSORING: dict[int, str] = {
    1: "LAST ADEQUATE TUMOUR ASSESSMENT",
    2: "LAST ADEQUATE ASSESSMENT BEFORE NEW ANTICANCER THERAPY",
    3: "LAST ADEQUATE ASSESSMENT BEFORE TWO OR MORE MISSED ASSESSMENTS",
    4: "LAST ADEQUATE ASSESSMENT BEFORE LOSS TO FOLLOW-UP OR WITHDRAWAL",
    5: "START DATE: NO ADEQUATE POST-BASELINE ASSESSMENT",
    6: "LAST ADEQUATE ASSESSMENT: DEATH WITHOUT PROGRESSION (NOT AN EVENT)",
}
_OS_CENSOR = "LAST DATE KNOWN ALIVE"
_NEW_THERAPY = ("new_systemic_therapy", "transplant", "resection")
_LOST = ("lost_to_follow_up", "withdrawal")


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointOptions:
    """Censoring rules and conventions (defaults: FDA 2018 guidance where it applies).

    Attributes
    ----------
    censor_new_therapy
        Censor at the last adequate assessment before new anticancer therapy (FDA). Some
        trials count events regardless (set False).
    missed_assessments
        Number of missed scheduled assessments before an event that leads to censoring (FDA:
        "more than one", i.e. 2). None disables the rule.
    assessment_interval_days
        The protocol's assessment interval (TACTICS: every 8 weeks = 56 days). None (default)
        disables the missed-assessment rule, since the interval is protocol-specific.
    visit_window_days
        Tolerance added to the missed-assessment gap.
    aval_convention
        ``"plus_one"``: ``AVAL = ADT - STARTDT + 1`` (common ADaM practice, default) or
        ``"difference"``: ``ADT - STARTDT``.
    ttp_criterion
        Criterion of TTP: ``"mrecist"`` (default, HCC) or ``"recist11"``.
    response
        Options of the response criteria.
    tactics_exploratory
        Also derive TTMVIEHS, TACTICS' exploratory time from randomisation to macrovascular
        invasion or extrahepatic spread (diameter ≥ 10 mm): the first ``macrovascular_invasion``
        event or ``extrahepatic_spread`` event with ``size_mm`` ≥ 10; death censors (CNSR 6);
        censoring at the last imaging assessment otherwise. Off by default (six parameters).
    """

    censor_new_therapy: bool = True
    missed_assessments: int | None = 2
    assessment_interval_days: int | None = None
    visit_window_days: int = 0
    aval_convention: Literal["plus_one", "difference"] = "plus_one"
    ttp_criterion: Literal["mrecist", "recist11"] = "mrecist"
    response: ResponseOptions = field(default_factory=ResponseOptions)
    tactics_exploratory: bool = False

    def __post_init__(self) -> None:
        if self.missed_assessments is not None and self.missed_assessments < 1:
            raise InputError("missed_assessments", self.missed_assessments, ">= 1 or None")
        if self.assessment_interval_days is not None and self.assessment_interval_days < 1:
            raise InputError(
                "assessment_interval_days", self.assessment_interval_days, ">= 1 or None"
            )
        if self.visit_window_days < 0:
            raise InputError("visit_window_days", self.visit_window_days, ">= 0")
        if self.aval_convention not in ("plus_one", "difference"):
            raise InputError("aval_convention", self.aval_convention, "plus_one | difference")
        if self.ttp_criterion not in ("mrecist", "recist11"):
            raise InputError("ttp_criterion", self.ttp_criterion, "mrecist | recist11")


@dataclass(frozen=True, slots=True, kw_only=True)
class AdtteRow:
    """One ADTTE record."""

    USUBJID: str
    PARAMCD: str
    PARAM: str
    STARTDT: dt.date
    ADT: dt.date
    AVAL: int
    AVALU: str
    CNSR: int
    EVNTDESC: str
    CNSDTDSC: str

    def to_dict(self) -> dict[str, object]:
        return {c: getattr(self, c) for c in ADTTE_COLUMNS}


def _aval(start: dt.date, adt: dt.date, o: EndpointOptions) -> int:
    return (adt - start).days + (1 if o.aval_convention == "plus_one" else 0)


_Record = tuple[str, str, str, dt.date, dt.date, int, str, int, str, str]
"""One ADTTE record's values in :data:`ADTTE_COLUMNS` order."""


def _row(
    tl: Timeline,
    code: str,
    adt: dt.date,
    cnsr: int,
    o: EndpointOptions,
    *,
    event: str = "",
    censor: str = "",
    param: str | None = None,
) -> _Record:
    start = tl.start_date
    aval = _aval(start, adt, o)
    return (tl.id, code, param or PARAMS[code], start, adt, aval, "DAYS", cnsr, event, censor)


def _first(dates: Iterable[dt.date]) -> dt.date | None:
    return min(dates, default=None)


_Stops = tuple[dt.date | None, dt.date | None, dt.date | None]


def _stops(tl: Timeline) -> _Stops:
    """First start of a new anticancer therapy, first loss to follow-up or withdrawal, death."""
    new_therapy = _first(e.date for e in tl.events if e.type in _NEW_THERAPY)
    lost = _first(e.date for e in tl.events if e.type in _LOST)
    return new_therapy, lost, tl.date_of_death


def _time_to_event(
    tl: Timeline,
    code: str,
    o: EndpointOptions,
    *,
    adequate: Sequence[dt.date],
    progression: tuple[dt.date, str] | None,
    death_is_event: bool,
    stops: _Stops,
    param: str | None = None,
) -> _Record:
    """The FDA censoring cascade for a progression-type endpoint (``stops``: the timeline's
    :func:`_stops`)."""
    start = tl.start_date
    post = [d for d in adequate if d > start]
    new_therapy, lost, death = stops
    event: tuple[dt.date, str, bool] | None = None  # the first; a tie goes to progression
    if progression is not None and (death is None or progression[0] <= death):
        event = (progression[0], progression[1], False)
    elif death is not None:
        event = (death, "DEATH", True)

    def last_adequate(before: dt.date, *, inclusive: bool) -> dt.date | None:
        ok = [d for d in post if (d <= before if inclusive else d < before)]
        return ok[-1] if ok else None

    def censored(at: dt.date | None, code_: int) -> _Record:
        if at is None:
            return _row(tl, code, start, 5, o, censor=CENSORING[5], param=param)
        return _row(tl, code, at, code_, o, censor=CENSORING[code_], param=param)

    if event is not None:
        e_date, e_desc, is_death = event
        if o.censor_new_therapy and new_therapy is not None and new_therapy < e_date:
            return censored(last_adequate(new_therapy, inclusive=True), 2)
        if lost is not None and lost < e_date and not is_death:
            return censored(last_adequate(lost, inclusive=True), 4)
        if is_death and not death_is_event:
            return censored(last_adequate(e_date, inclusive=True), 6)
        if o.missed_assessments is not None and o.assessment_interval_days is not None:
            prior = last_adequate(e_date, inclusive=False) or start
            gap = (e_date - prior).days
            allowed = o.missed_assessments * o.assessment_interval_days + o.visit_window_days
            if gap > allowed:
                return censored(last_adequate(e_date, inclusive=False), 3)
        return _row(tl, code, e_date, 0, o, event=e_desc, param=param)
    if o.censor_new_therapy and new_therapy is not None:
        return censored(last_adequate(new_therapy, inclusive=True), 2)
    last = post[-1] if post else None
    if lost is not None:
        return censored(last_adequate(lost, inclusive=True), 4)
    return censored(last, 1)


def adtte_rows(
    timeline: Timeline,
    options: EndpointOptions | None = None,
    *,
    course: CourseResult | ProgressionCourse | None = None,
) -> tuple[AdtteRow, ...]:
    """Derive the six ADTTE records of one patient.

    Parameters
    ----------
    timeline
        A checked timeline.
    options
        Censoring rules and conventions.
    course
        A precomputed :func:`tacepath.response.course.assess_response` result; by default
        only the decisions the endpoints read are computed, without their reason texts
        (:func:`tacepath.response.course.progression_events`, the same rules).

    Returns
    -------
    tuple of AdtteRow
        OS, PFSR11, PFSMREC, TACEPFS, TTP, TTFJSH, in this order.
    """
    o = options or EndpointOptions()
    return tuple(_as_row(r) for r in _records(timeline, o, course))


def _as_row(r: _Record) -> AdtteRow:
    usubjid, code, param, start, adt, aval, unit, cnsr, event, censor = r
    return AdtteRow(
        USUBJID=usubjid,
        PARAMCD=code,
        PARAM=param,
        STARTDT=start,
        ADT=adt,
        AVAL=aval,
        AVALU=unit,
        CNSR=cnsr,
        EVNTDESC=event,
        CNSDTDSC=censor,
    )


def _records(
    timeline: Timeline, o: EndpointOptions, course: CourseResult | ProgressionCourse | None
) -> list[_Record]:
    """The records of :func:`adtte_rows` as tuples."""
    ev = (
        ProgressionEvents.of(course)
        if course is not None
        else progression_events(timeline, o.response)
    )
    stops = _stops(timeline)
    rows: list[_Record] = []
    death = stops[2]
    if death is not None:
        rows.append(_row(timeline, "OS", death, 0, o, event="DEATH"))
    else:
        rows.append(_row(timeline, "OS", timeline.last_known_alive, 1, o, censor=_OS_CENSOR))

    def pd_of(crit: str) -> tuple[Sequence[dt.date], tuple[dt.date, str] | None]:
        adequate, first = ev.recist11 if crit == "recist11" else ev.mrecist
        label = "RECIST 1.1" if crit == "recist11" else "mRECIST"
        return adequate, ((first, f"PROGRESSION ({label})") if first else None)

    for code, crit in (("PFSR11", "recist11"), ("PFSMREC", "mrecist")):
        adequate, prog = pd_of(crit)
        rows.append(
            _time_to_event(
                timeline,
                code,
                o,
                adequate=adequate,
                progression=prog,
                death_is_event=True,
                stops=stops,
            )
        )
    ih_adequate, up = ev.untaceable
    prog_up = (up[0], f"UNTACEABLE PROGRESSION: {up[1].upper()}") if up else None
    rows.append(
        _time_to_event(
            timeline,
            "TACEPFS",
            o,
            adequate=ih_adequate,
            progression=prog_up,
            death_is_event=True,
            stops=stops,
        )
    )
    adequate, prog = pd_of(o.ttp_criterion)
    label = "RECIST 1.1" if o.ttp_criterion == "recist11" else "mRECIST"
    rows.append(
        _time_to_event(
            timeline,
            "TTP",
            o,
            adequate=adequate,
            progression=prog,
            death_is_event=False,
            stops=stops,
            param=f"Time to Progression ({label})",
        )
    )
    jsh = ev.jsh
    prog_jsh = (jsh[0], f"TACE FAILURE (JSH-LCSGJ): {jsh[1].upper()}") if jsh else None
    rows.append(
        _time_to_event(
            timeline,
            "TTFJSH",
            o,
            adequate=ih_adequate,
            progression=prog_jsh,
            death_is_event=False,
            stops=stops,
        )
    )
    if o.tactics_exploratory:
        rows.append(_mvi_ehs(timeline, o, stops))
    return rows


def _mvi_ehs(tl: Timeline, o: EndpointOptions, stops: _Stops) -> _Record:
    """TTMVIEHS (see :class:`EndpointOptions`), through the same censoring cascade."""
    found = [
        (e.date, "MACROVASCULAR INVASION" if e.type == "macrovascular_invasion" else
         f"EXTRAHEPATIC SPREAD ({e.size_mm:g} MM)")
        for e in tl.events
        if e.type == "macrovascular_invasion"
        or (e.type == "extrahepatic_spread" and e.size_mm is not None and e.size_mm >= EHS_MIN_MM)
    ]  # fmt: skip
    return _time_to_event(
        tl,
        "TTMVIEHS",
        o,
        adequate=[a.date for a in tl.assessments],
        progression=min(found) if found else None,
        death_is_event=False,
        stops=stops,
    )


def derive_adtte(
    timelines: Iterable[Timeline], options: EndpointOptions | None = None
) -> pd.DataFrame:
    """ADTTE rows of many patients as a DataFrame (columns :data:`ADTTE_COLUMNS`).

    ``STARTDT`` and ``ADT`` are ``datetime64[ns]`` dates; ``AVAL`` integer days; ``CNSR``
    integer (0 event, >= 1 censored by reason, :data:`CENSORING`).
    """
    import pandas as pd

    o = options or EndpointOptions()
    records = [r for t in timelines for r in _records(t, o, None)]
    df = pd.DataFrame.from_records(records, columns=list(ADTTE_COLUMNS))
    for col in ("STARTDT", "ADT"):
        df[col] = pd.to_datetime(df[col])
    df["AVAL"] = df["AVAL"].astype("int64")
    df["CNSR"] = df["CNSR"].astype("int64")
    return df
