"""Follow-ups: the visit appended to the timeline and the engine's decision, stored.

Each part of the visit (the assessment, every item of every list, the dates and the regimen)
is checked on its own before a write transaction opens; then the whole timeline with the new
visit is checked by ``parse_timeline`` and the decision asked from
:func:`tacepath.pathway.followup.followup` inside the transaction that stores them (that
check needs the stored record). A refused value stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from tacepath.domain.patient import parse_patient
from tacepath.domain.timeline import (
    AdverseEventRecord,
    Assessment,
    ChildPughRecord,
    DrugPeriod,
    Event,
    TaceSession,
    Timeline,
    TumourMarker,
    parse_timeline,
)
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.pathway.decision import decide
from tacepath.pathway.followup import FollowUpDecision
from tacepath.response.course import assess_response
from tacepath.service import audit
from tacepath.service.audit import record_read
from tacepath.service.db import Database
from tacepath.service.patients import (
    FOLLOWUP_LISTS,
    _add_rows,
    _check_version,
    _current_snapshot,
    _date,
    _flush,
    _header,
    _patient,
    _regimen,
    _snapshot_for_store,
    _timeline_raw,
    _timeline_rows,
    _touch,
    _validate_timeline,
    decision_dict,
)
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import DecisionRow, Patient, Snapshot
from tacepath.store.records import TimelineRows, assessment_row, list_rows, snapshot_dict

__all__ = [
    "MAX_FOLLOWUP_ITEMS",
    "check_followup",
    "preview_followup",
    "record_followup",
    "store_decision",
]


def _followup_parts(
    payload: Mapping[str, Any],
) -> tuple[dict[str, Any] | None, dict[str, list[Any]]]:
    unknown = sorted(
        set(payload)
        - {
            "assessment",
            "labs",
            "start_date",
            "regimen",
            "last_contact_date",
            "death_date",
            "version",
            *FOLLOWUP_LISTS,
        }
    )
    if unknown:
        raise InputError(unknown[0], payload[unknown[0]], "no such field of a follow-up")
    assessment = payload.get("assessment")
    if assessment is not None and not isinstance(assessment, Mapping):
        raise InputError("assessment", assessment, "an imaging assessment object")
    lists: dict[str, list[Any]] = {}
    for name in FOLLOWUP_LISTS:
        items = payload.get(name) or []
        if not isinstance(items, list):
            raise InputError(name, items, "a list")
        lists[name] = items
    return (dict(assessment) if assessment is not None else None), lists


#: The model of each list's items, to check them before the write transaction.
_ITEM_MODELS: dict[str, type[BaseModel]] = {
    "tace_sessions": TaceSession,
    "child_pugh": ChildPughRecord,
    "events": Event,
    "drug_periods": DrugPeriod,
    "adverse_events": AdverseEventRecord,
    "markers": TumourMarker,
}
#: The most items of each list one follow-up may add (the API's own bound).
MAX_FOLLOWUP_ITEMS = 50


def _model_problems(model: type[BaseModel], raw: Any, prefix: str) -> list[Problem]:
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        out = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"])
            allowed = str(e["msg"]).removeprefix("Input should be ").removeprefix("Value error, ")
            if e["type"] == "missing":
                allowed = "a value (required)"
            out.append(Problem(f"{prefix}{where}".rstrip("."), e.get("input"), allowed))
        return out
    return []


_LESION_AT = re.compile(r"^assessment\.(lesions|new_lesions|non_target)\.(\d+)\.(\w+)$")


def _by_lesion_id(p: Problem, assessment: Mapping[str, Any]) -> Problem:
    """A lesion's problem named by the lesion's id, as the timeline's checks name it
    (``assessment.lesions[L2].perpendicular_mm``), not by its position in the list."""
    m = _LESION_AT.match(p.field)
    if m is None:
        return p
    kind, i, key = m.group(1), int(m.group(2)), m.group(3)
    items = assessment.get(kind)
    item = items[i] if isinstance(items, list) and i < len(items) else None
    lesion = item.get("id") if isinstance(item, Mapping) else None
    if not isinstance(lesion, str):
        return p
    return Problem(f"assessment.{kind}[{lesion}].{key}", p.value, p.allowed)


def _precheck(
    payload: Mapping[str, Any], assessment: Mapping[str, Any] | None, lists: dict[str, list[Any]]
) -> None:
    """Every part of the visit on its own, before a write transaction opens."""
    problems: list[Problem] = []
    if assessment is not None:
        problems += [
            _by_lesion_id(p, assessment)
            for p in _model_problems(Assessment, assessment, "assessment.")
        ]
    for name, items in lists.items():
        if len(items) > MAX_FOLLOWUP_ITEMS:
            problems.append(
                Problem(name, f"{len(items)} items", f"at most {MAX_FOLLOWUP_ITEMS} per follow-up")
            )
            continue
        for i, item in enumerate(items):
            problems += _model_problems(_ITEM_MODELS[name], item, f"{name}.{i}.")
    for k in ("start_date", "last_contact_date", "death_date"):
        if payload.get(k) not in (None, ""):
            try:
                _date(payload[k], k)
            except InputError as exc:
                problems.extend(exc.problems)
    if payload.get("regimen") not in (None, ""):
        try:
            _regimen(payload["regimen"])
        except InputError as exc:
            problems.extend(exc.problems)
    labs = payload.get("labs")
    if isinstance(labs, Mapping) and labs:
        try:  # the lab values on their own (the snapshot they join is checked again inside)
            parse_patient({"id": "labs", "labs": dict(labs)})
        except InputError as exc:
            problems.extend(q for q in exc.problems if q.field.startswith("labs"))
    if problems:
        raise InputErrors(problems)


class _Checked(Exception):
    """Raised inside the transaction of a check: nothing is written."""


class _Previewed(Exception):
    """Raised inside the transaction of a preview with what the visit would give: the
    transaction rolls back, nothing is written."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__("preview")
        self.result = result


def preview_followup(
    db: Database, who: Principal, patient_id: int, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """The responses at the visit and the decision that saving ``payload`` would give,
    computed exactly as :func:`record_followup` computes them (the same checks, the same
    :func:`~tacepath.pathway.decision.decide`), storing nothing: ``{"response": the
    visit's responses (RECIST 1.1, mRECIST, EASL, RECICL), "decision": the follow-up
    decision}``. Refused values raise :class:`InputErrors` as saving would. The read of the
    record is audited (``followup.preview``)."""
    try:
        record_followup(db, who, patient_id, payload, version=None, _mode="preview")
    except _Previewed as done:
        record_read(db, who, "patient.read", "patient", patient_id, view="followup.preview")
        return done.result
    raise InputError("assessment", None, "the imaging of the visit to preview")


def check_followup(
    db: Database, who: Principal, patient_id: int, payload: Mapping[str, Any]
) -> list[Problem]:
    """Every problem the follow-up would be refused for, storing nothing (a form shows
    them with its own)."""
    try:
        record_followup(db, who, patient_id, payload, version=None, _mode="check")
    except InputError as exc:
        return list(exc.problems)
    except _Checked:
        pass
    return []


def record_followup(
    db: Database,
    who: Principal,
    patient_id: int,
    payload: Mapping[str, Any],
    *,
    version: int | None,
    _mode: Literal["record", "check", "preview"] = "record",
) -> dict[str, Any]:
    """Add a follow-up to the timeline and store the engine's decision.

    ``payload``: ``assessment`` (an imaging assessment of the timeline contract, with its
    lesions), the lists ``tace_sessions``, ``child_pugh``, ``events``, ``drug_periods``,
    ``adverse_events`` (entries since the last visit), ``labs`` (a new snapshot: the current
    one with these labs, dated at the visit), and for the first entry ``start_date`` and
    ``regimen``; ``last_contact_date`` / ``death_date`` when known.
    """
    check(who.role, "followup.record")
    assessment, lists = _followup_parts(payload)
    _precheck(payload, assessment, lists)
    labs = payload.get("labs")
    with db.write() as s:
        p = _patient(s, who, patient_id, lock=True)
        if _mode == "record":  # a check or a preview stores nothing: no version needed
            _check_version(p, version)
        before_header = _header(p)
        problems: list[Problem] = []
        for k in ("start_date", "last_contact_date", "death_date"):
            if payload.get(k) not in (None, ""):
                try:
                    setattr(p, k, _date(payload[k], k))
                except InputError as exc:
                    problems.extend(exc.problems)
        try:
            if payload.get("regimen") not in (None, ""):
                p.regimen = _regimen(payload["regimen"])
        except InputError as exc:
            problems.extend(exc.problems)
        if p.start_date is None:
            problems.append(Problem("start_date", None, "the course start date (first entry)"))
        if p.regimen is None:
            problems.append(Problem("regimen", None, "the current regimen (first entry)"))
        if problems:
            raise InputErrors(problems)
        assert p.start_date is not None
        assert p.regimen is not None

        old = _timeline_rows(s, p)
        current = _timeline_raw(p, old) or {
            "id": p.mrn,
            "start_date": p.start_date.isoformat(),
            "assessments": [],
        }
        if p.last_contact_date is not None:
            current["last_contact_date"] = p.last_contact_date.isoformat()
        if p.death_date is not None:
            current["death_date"] = p.death_date.isoformat()
        candidate = dict(current)
        candidate["assessments"] = [*current["assessments"], *([assessment] if assessment else [])]
        for name in FOLLOWUP_LISTS:
            candidate[name] = [*current.get(name, []), *lists[name]]
        if not candidate["assessments"]:
            raise InputError("assessment", None, "the baseline imaging assessment (first entry)")
        try:
            timeline = parse_timeline(candidate)
        except InputError as exc:  # the labs are checked too: every problem at once
            problems = list(exc.problems)
            if labs and assessment is not None:
                _new_lab_snapshot(s, p, labs, str(assessment.get("date")), problems)
            raise InputErrors(problems) from None

        # the new parts are the tails of the checked timeline
        new = TimelineRows()
        if assessment is not None:
            new.assessments = [assessment_row(timeline.assessments[-1])]
        for name in FOLLOWUP_LISTS:
            items = getattr(timeline, name)
            setattr(new, name, list_rows(name, items[len(items) - len(lists[name]) :]))
        problems = new.problems()

        snap_row: Snapshot | None = None
        if labs:
            visit = timeline.assessments[-1].date.isoformat()
            snap_row = _new_lab_snapshot(s, p, labs, visit, problems)
        if problems:
            raise InputErrors(problems)
        if _mode == "check":
            raise _Checked

        decision = _followup_of(s, p, timeline)
        if _mode == "preview":
            if assessment is None:
                raise InputError("assessment", None, "the imaging of the visit to preview")
            visits = assess_response(timeline).to_contract_dict()["assessments"]
            assert isinstance(visits, list)
            raise _Previewed({"response": visits[-1], "decision": decision.to_dict()})
        _add_rows(s, p, new, who)
        if snap_row is not None:
            s.add(snap_row)
        _touch(p)
        _flush(s, p, version)
        row = _decision_row(p, decision, who)
        s.add(row)
        s.flush()
        audit.record(
            s,
            who,
            "followup.record",
            "patient",
            p.id,
            before={"course": before_header},
            after={"course": _header(p), "added": dict(payload), "decision": decision_dict(row)},
        )
        return {"id": p.id, "version": p.version, "decision": decision_dict(row)}


def _new_lab_snapshot(
    s: Session,
    p: Patient,
    labs: Any,
    visit: str,
    problems: list[Problem],
) -> Snapshot | None:
    current = _current_snapshot(s, p)
    raw: dict[str, Any] = snapshot_dict(current, p.mrn) if current is not None else {"id": p.mrn}
    if not isinstance(labs, Mapping):
        problems.append(Problem("labs", labs, "an object of lab values"))
        return None
    raw["labs"] = {**raw.get("labs", {}), **dict(labs)}
    raw["date"] = visit
    try:
        snap = parse_patient(raw)
        row = _snapshot_for_store(snap)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    row.patient_id = p.id
    return row


def _decision_row(p: Patient, d: FollowUpDecision, who: Principal) -> DecisionRow:
    return DecisionRow(
        patient_id=p.id,
        visit_date=d.date,
        regimen=d.regimen,
        decision=d.decision,
        reasons=list(d.reasons),
        next_steps=list(d.next_steps),
        sources=list(d.sources),
        detail=d.to_dict(),
        record_version=p.version,
        decided_by=who.user_id if who.user_id > 0 else None,
    )


def _followup_of(s: Session, p: Patient, timeline: Timeline) -> FollowUpDecision:
    """The follow-up part of the patient's one decision (docs/pathway.md, "One decision"):
    a TACE failure recorded in the current snapshot's history and the course's date of death
    count as they do on the patient page."""
    snap = _current_snapshot(s, p)
    patient = parse_patient(snapshot_dict(snap, p.mrn)) if snap is not None else None
    if patient is not None and patient.id != timeline.id:
        patient = patient.model_copy(update={"id": timeline.id})
    d = decide(patient, timeline=timeline, regimen=p.regimen, died=p.death_date)
    assert d.followup is not None  # a timeline and a regimen were given
    return d.followup


def store_decision(
    db: Database, who: Principal, patient_id: int, *, version: int | None
) -> dict[str, Any]:
    """Ask the follow-up engine for the decision on the record ``version`` and store it."""
    check(who.role, "followup.record")
    with db.write() as s:
        p = _patient(s, who, patient_id, lock=True)
        _check_version(p, version)
        timeline = _validate_timeline(p, _timeline_rows(s, p))
        if timeline is None:
            raise InputError("timeline", None, "a course start date and a baseline assessment")
        if p.regimen is None:
            raise InputError("regimen", None, "the current regimen of the course")
        row = _decision_row(p, _followup_of(s, p, timeline), who)
        s.add(row)
        s.flush()
        audit.record(s, who, "decision.record", "patient", p.id, after=decision_dict(row))
        return decision_dict(row)
