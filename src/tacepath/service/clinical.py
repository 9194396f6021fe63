"""What the engines say about a stored record: scores, pathway, schedule, course, summaries.

Nothing here computes a clinical result: each function loads the record (scoped to the
principal's organisation), rebuilds the engines' input contracts and returns the engines'
own results (``to_dict()``), figures and HTML.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from tacepath.errors import InputError
from tacepath.pathway.ctcae import grade
from tacepath.pathway.decision import PatientDecision
from tacepath.pathway.dosing import dose_action
from tacepath.pathway.schedule import schedule
from tacepath.response.course import assess_response
from tacepath.service.audit import record_read
from tacepath.service.db import Database
from tacepath.service.derived import Key, decision_of, key_of, stored_view
from tacepath.service.errors import NotFound
from tacepath.service.patients import PatientRecord, get_record
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.records import DATE_RANGE

__all__ = [
    "course_plot_png",
    "decision_of",
    "dose_view",
    "grade_view",
    "mdt_summary",
    "patient_summary",
    "patient_view",
    "schedule_view",
    "summary_decision",
    "summary_pdf",
]


def patient_record(db: Database, who: Principal, patient_id: int) -> dict[str, Any]:
    """The stored record (``GET /api/patients/{id}``); the read is audited."""
    record = get_record(db, who, patient_id)
    record_read(db, who, "patient.read", "patient", patient_id, view="record")
    return record.to_dict()


def patient_view(
    db: Database, who: Principal, patient_id: int, *, view: str = "page"
) -> dict[str, Any]:
    """Everything the patient page shows: the record and the one decision, rendered; the
    read is audited as ``patient.read`` with ``view`` (the page, or the API's part)."""
    record = get_record(db, who, patient_id)
    record_read(db, who, "patient.read", "patient", patient_id, view=view)
    return {"record": record.to_dict(), **stored_view(db, record)}


def schedule_view(
    who: Principal,
    *,
    regimen: str,
    start: dt.date,
    tace_dates: tuple[dt.date, ...] = (),
    months: int = 12,
    weight_kg: float | None = None,
) -> dict[str, Any]:
    """The dated plan of a regimen (the schedule engine); dates outside the stored range are
    refused (``start``, ``tace_dates``)."""
    check(who.role, "patient.read")
    start = _in_range(start, "start")
    tace_dates = tuple(_in_range(d, "tace_dates") for d in tace_dates)
    return schedule(
        regimen, start, tace_dates=tace_dates, months=months, weight_kg=weight_kg
    ).to_dict()


def _in_range(d: dt.date, name: str) -> dt.date:
    lo, hi = DATE_RANGE
    if not lo <= d <= hi:
        raise InputError(name, d.isoformat(), f"a date from {lo} to {hi}")
    return d


#: Course plots kept drawn in this process, the most recently used first out of
#: :data:`MAX_COURSE_PLOTS`; each is keyed by the patient and the record's key (version,
#: inputs, engine version, rules), so a changed record, engine or rule file draws anew.
MAX_COURSE_PLOTS = 64
_course_plots: OrderedDict[tuple[int, Key], bytes] = OrderedDict()
_drawing: dict[tuple[int, Key], threading.Lock] = {}
_course_plots_lock = threading.Lock()


def _kept_plot(key: tuple[int, Key], draw: Callable[[], bytes]) -> bytes:
    """The plot kept under ``key``, or ``draw()`` kept; requests that miss the same key at
    once wait for one drawing instead of each drawing it."""
    with _course_plots_lock:
        if key in _course_plots:
            _course_plots.move_to_end(key)
            return _course_plots[key]
        drawing = _drawing.setdefault(key, threading.Lock())
    with drawing:
        with _course_plots_lock:
            if key in _course_plots:
                return _course_plots[key]
        try:
            png = draw()
        finally:
            with _course_plots_lock:
                _drawing.pop(key, None)
        with _course_plots_lock:
            _course_plots[key] = png
            while len(_course_plots) > MAX_COURSE_PLOTS:
                _course_plots.popitem(last=False)
        return png


def course_plot_png(db: Database, who: Principal, patient_id: int) -> bytes:
    """The course plot of the patient's timeline (matplotlib, PNG), drawn once per record
    version (:data:`MAX_COURSE_PLOTS`); every read is audited, drawn or not."""
    record = get_record(db, who, patient_id)
    timeline = record.timeline
    if timeline is None:
        raise NotFound("course of patient", patient_id)
    record_read(db, who, "patient.read", "patient", patient_id, view="course.png")

    def draw() -> bytes:
        from tacepath.report.course_plot import plot_course
        from tacepath.report.figures import png_bytes

        course = assess_response(timeline)
        return png_bytes(lambda path: plot_course(timeline, course, path))

    return _kept_plot((record.id, key_of(record)), draw)


def mdt_summary(db: Database, who: Principal, patient_id: int, *, fmt: str = "html") -> str:
    """The MDT case summary (HTML) of the current snapshot and timeline (``fmt``: the
    document asked for, html or pdf, as the audit record names it)."""
    from tacepath.report.summaries import render_mdt_summary

    check(who.role, "summary.read")
    record = get_record(db, who, patient_id)
    decision = summary_decision(record)
    record_read(db, who, "summary.read", "patient", patient_id, view=f"mdt.{fmt}")
    return render_mdt_summary(decision)


def patient_summary(db: Database, who: Principal, patient_id: int, *, fmt: str = "html") -> str:
    """The plain-language patient summary (HTML; ``fmt`` as in :func:`mdt_summary`)."""
    from tacepath.report.summaries import render_patient_summary

    check(who.role, "summary.read")
    record = get_record(db, who, patient_id)
    decision = summary_decision(record)
    record_read(db, who, "summary.read", "patient", patient_id, view=f"patient.{fmt}")
    return render_patient_summary(decision)


def schedule_ics(db: Database, who: Principal, patient_id: int) -> bytes:
    """The patient's dated plan (the one decision's ``plan``) as an iCalendar file (RFC 5545);
    refused when the decision gives no plan, with its note (after TACE failure or death there
    is no TACE plan)."""
    record = get_record(db, who, patient_id)
    d = decision_of(record)
    if d is None or d.plan is None:
        note = d.plan_note if d is not None and d.plan_note else "a course start and a regimen"
        raise InputError("plan", None, note)
    record_read(db, who, "patient.read", "patient", patient_id, view="schedule.ics")
    return d.plan.to_ics()


def summary_decision(record: PatientRecord) -> PatientDecision:
    """The decision a summary, pack or letter renders (refused without a snapshot)."""
    d = decision_of(record)
    if record.snapshot is None or d is None:
        raise InputError("snapshot", None, "a snapshot of the patient (none recorded yet)")
    return d


def summary_pdf(html: str) -> bytes:
    """A summary printed to PDF (WeasyPrint)."""
    from tacepath.report.summaries import pdf_bytes

    return pdf_bytes(html)


def grade_view(who: Principal, term: str, values: dict[str, Any]) -> dict[str, object]:
    """CTCAE v5.0 grade of an adverse event (the grading engine)."""
    check(who.role, "grade.use")
    try:
        return grade(term, **values).to_dict()
    except TypeError as exc:
        raise InputError("values", values, f"the inputs of CTCAE grading ({exc})") from exc


def dose_view(
    who: Principal,
    *,
    drug: str,
    term: str,
    grade_value: int | None,
    current_dose: str,
    occurrence: int = 1,
    weight_kg: float | None = None,
) -> dict[str, object]:
    """The label's action and new dose for an adverse event (the dose-rule engine)."""
    check(who.role, "grade.use")
    return dose_action(
        drug,
        (term, grade_value),
        current_dose=current_dose,
        occurrence=occurrence,
        weight_kg=weight_kg,
    ).to_dict()
