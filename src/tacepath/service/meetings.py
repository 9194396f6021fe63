"""MDT meetings: the patients an organisation discusses on a date, one pack for the meeting,
and after it the MDT's outcome per patient.

A meeting belongs to the principal's organisation (another organisation's meeting or
patient is 404). Adding a patient checks that it has a snapshot (the pack's summary needs
one) and that it is alive; the documents chosen must be the patient's own. The pack is each
patient's MDT pack (:func:`tacepath.service.mdt_pack.pack_parts`, from the one decision)
behind a contents page, audited once per patient as ``patient.export``.

The outcome is one of the options the decision offers (its regimens that are eligible or
need information), ``defer`` or ``other`` (the text says what), with a text of at most
:data:`MAX_OUTCOME_CHARS`. A regimen the decision does not allow is refused with the
decision's own reason (:meth:`tacepath.pathway.decision.PatientDecision.refusal`): after
death nothing, after TACE failure nothing with TACE. Creating a meeting, changing its list
and recording an outcome are changes in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tacepath.domain.values import check_identifier
from tacepath.errors import InputError
from tacepath.pathway.decision import PatientDecision
from tacepath.service import audit
from tacepath.service.clinical import summary_decision
from tacepath.service.db import Database
from tacepath.service.documents import Document, list_documents
from tacepath.service.errors import NotFound
from tacepath.service.mdt_pack import MAX_PACK_DOCUMENTS, pack_parts
from tacepath.service.patients import _date, _patient, get_record, regimen_choices
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import DocumentRow, MdtMeeting, MdtMeetingPatient, Patient, User

__all__ = [
    "MAX_MEETINGS_LISTED",
    "MAX_MEETING_PATIENTS",
    "MAX_OUTCOME_CHARS",
    "OTHER_CHOICES",
    "Candidate",
    "Meeting",
    "MeetingEntry",
    "MeetingPatient",
    "Outcome",
    "add_patient",
    "candidates",
    "create_meeting",
    "get_meeting",
    "list_meetings",
    "meeting_detail",
    "meeting_pack",
    "outcome_choices",
    "patient_outcomes",
    "record_outcome",
]

#: Most patients one meeting discusses, most meetings a list shows, the longest outcome
#: text and title (bounds on work and size, not clinical numbers).
MAX_MEETING_PATIENTS = 30
MAX_MEETINGS_LISTED = 100
MAX_OUTCOME_CHARS = 2000
MAX_TITLE_CHARS = 200
#: The outcomes that are not a regimen: discussed again later, or another outcome the text
#: describes (a text is then required).
OTHER_CHOICES: dict[str, str] = {
    "defer": "Discuss again when the missing information is in",
    "other": "Other (described in the text)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """The MDT's outcome for one patient: the choice, its label, the text, who and when."""

    choice: str
    label: str
    text: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingPatient:
    """A patient on a meeting's list: record number, identifier, chosen documents, outcome."""

    patient_id: int
    mrn: str
    documents: tuple[int, ...]
    outcome: Outcome | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting:
    """A meeting: its date, title and the patients to discuss, in the order added."""

    id: int
    date: dt.date
    title: str
    created_at: dt.datetime
    patients: tuple[MeetingPatient, ...]


def _labels() -> dict[str, str]:
    return {r["id"]: r["label"] for r in regimen_choices()} | OTHER_CHOICES


def _title(raw: Any) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text or len(text) > MAX_TITLE_CHARS:
        shown = f"{len(text)} characters" if text else "nothing"
        raise InputError("title", shown, f"1 to {MAX_TITLE_CHARS} characters")
    try:
        return check_identifier(text)
    except ValueError as exc:
        raise InputError("title", "a title with an invisible character", str(exc)) from exc


def _meeting_row(s: Session, who: Principal, meeting_id: int, *, lock: bool = False) -> MdtMeeting:
    q = select(MdtMeeting).where(
        MdtMeeting.id == meeting_id, MdtMeeting.organisation_id == who.organisation_id
    )
    row = s.scalar(q.with_for_update() if lock else q)
    if row is None:
        raise NotFound("meeting", meeting_id)
    return row


def _outcome(row: MdtMeetingPatient, users: dict[int, str]) -> Outcome | None:
    if row.outcome is None or row.recorded_at is None:
        return None
    return Outcome(
        choice=row.outcome,
        label=_labels().get(row.outcome, row.outcome),
        text=row.outcome_text or "",
        recorded_by=users.get(row.recorded_by or 0, "tacepath"),
        recorded_at=row.recorded_at,
    )


def _users(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = s.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return {int(i): str(name) for i, name in rows}


def _meeting(s: Session, m: MdtMeeting) -> Meeting:
    rows = s.execute(
        select(MdtMeetingPatient, Patient.mrn)
        .join(Patient, Patient.id == MdtMeetingPatient.patient_id)
        .where(MdtMeetingPatient.meeting_id == m.id)
        .order_by(MdtMeetingPatient.id)
    ).all()
    users = _users(s, {r.recorded_by for r, _ in rows if r.recorded_by})
    patients = tuple(
        MeetingPatient(
            patient_id=r.patient_id,
            mrn=mrn,
            documents=tuple(int(i) for i in r.documents),
            outcome=_outcome(r, users),
        )
        for r, mrn in rows
    )
    return Meeting(
        id=m.id, date=m.meeting_date, title=m.title, created_at=m.created_at, patients=patients
    )


def create_meeting(db: Database, who: Principal, *, date: Any, title: Any) -> Meeting:
    """A new meeting of the principal's organisation on ``date`` (audited)."""
    check(who.role, "patient.write")
    day = _date(date, "date")
    if day is None:
        raise InputError("date", None, "the meeting's date (ISO)")
    text = _title(title)
    with db.write() as s:
        row = MdtMeeting(
            organisation_id=who.organisation_id,
            meeting_date=day,
            title=text,
            created_by=who.user_id if who.user_id > 0 else None,
        )
        s.add(row)
        s.flush()
        after = {"date": day.isoformat(), "title": text}
        audit.record(s, who, "meeting.create", "mdt_meeting", row.id, after=after)
        return _meeting(s, row)


def list_meetings(db: Database, who: Principal) -> list[Meeting]:
    """The organisation's meetings, latest date first (at most :data:`MAX_MEETINGS_LISTED`)."""
    check(who.role, "patient.read")
    with db.read() as s:
        rows = s.scalars(
            select(MdtMeeting)
            .where(MdtMeeting.organisation_id == who.organisation_id)
            .order_by(MdtMeeting.meeting_date.desc(), MdtMeeting.id.desc())
            .limit(MAX_MEETINGS_LISTED)
        ).all()
        return [_meeting(s, m) for m in rows]


def get_meeting(db: Database, who: Principal, meeting_id: int) -> Meeting:
    """One meeting of the organisation with its patients (404 otherwise)."""
    check(who.role, "patient.read")
    with db.read() as s:
        return _meeting(s, _meeting_row(s, who, meeting_id))


def _living_with_snapshot(db: Database, who: Principal, patient_id: int) -> PatientDecision:
    d = summary_decision(get_record(db, who, patient_id))  # refused without a snapshot
    if d.state.deceased is not None:
        raise InputError("patient", d.id, f"a living patient ({d.deceased_text})")
    return d


def add_patient(
    db: Database, who: Principal, meeting_id: int, patient_id: int, documents: tuple[int, ...] = ()
) -> Meeting:
    """Put the patient on the meeting's list with the ``documents`` chosen for the pack (the
    list of a patient already on it is replaced); audited."""
    check(who.role, "patient.write")
    if len(documents) > MAX_PACK_DOCUMENTS:
        raise InputError("documents", f"{len(documents)} ids", f"at most {MAX_PACK_DOCUMENTS}")
    _living_with_snapshot(db, who, patient_id)
    with db.write() as s:
        m = _meeting_row(s, who, meeting_id, lock=True)
        p = _patient(s, who, patient_id)
        if documents:
            q = select(DocumentRow.id).where(
                DocumentRow.patient_id == p.id, DocumentRow.id.in_(documents)
            )
            own = set(s.scalars(q).all())
            missing = [i for i in documents if i not in own]
            if missing:
                raise NotFound("document", missing[0])
        rows = s.scalars(select(MdtMeetingPatient).where(MdtMeetingPatient.meeting_id == m.id))
        by_patient = {r.patient_id: r for r in rows.all()}
        row = by_patient.get(p.id)
        before = {"documents": list(row.documents)} if row is not None else None
        if row is None:
            if len(by_patient) >= MAX_MEETING_PATIENTS:
                raise InputError(
                    "patient", f"{len(by_patient)} patients", f"at most {MAX_MEETING_PATIENTS}"
                )
            row = MdtMeetingPatient(meeting_id=m.id, patient_id=p.id, documents=list(documents))
            s.add(row)
        else:
            row.documents = list(documents)
        after = {"meeting": m.id, "documents": list(documents)}
        audit.record(s, who, "meeting.patient", "patient", p.id, before=before, after=after)
        s.flush()
        return _meeting(s, m)


def meeting_pack(db: Database, who: Principal, meeting_id: int) -> bytes:
    """The meeting's pack as one PDF: contents, then each patient's pack (its MDT case summary
    from the one decision, the questions for the MDT, the chosen documents); each patient's
    export is audited."""
    from tacepath.report.mdt_meeting import MeetingPart, meeting_pack_pdf
    from tacepath.report.mdt_pack import mdt_pack_pdf
    from tacepath.report.summaries import mdt_questions

    check(who.role, "summary.read")
    meeting = get_meeting(db, who, meeting_id)
    parts = []
    for mp in meeting.patients:
        mrn, html, docs = pack_parts(db, who, mp.patient_id, mp.documents)
        d = summary_decision(get_record(db, who, mp.patient_id))
        pdf = mdt_pack_pdf(mrn, html, docs)
        parts.append(
            MeetingPart(
                patient=mrn, documents=len(docs), questions=tuple(mdt_questions(d)), pdf=pdf
            )
        )
    for mp in meeting.patients:
        ids = ",".join(str(i) for i in mp.documents) or "none"
        view = f"meeting-pack:{meeting.id}:{ids}"
        audit.record_read(db, who, "patient.export", "patient", mp.patient_id, view=view)
    return meeting_pack_pdf(meeting.title, meeting.date, who.organisation, parts)


def outcome_choices(d: PatientDecision) -> dict[str, str]:
    """What the MDT may record for the decision ``d``: its options (id and label), then
    :data:`OTHER_CHOICES`."""
    return {r.id: r.label for r in d.options} | OTHER_CHOICES


def _outcome_text(raw: Any, choice: str) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InputError("text", type(raw).__name__, "text")
    text = raw.strip()
    if len(text) > MAX_OUTCOME_CHARS:
        raise InputError("text", f"{len(text)} characters", f"at most {MAX_OUTCOME_CHARS}")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text.replace("\r\n", "\n")):
        raise InputError("text", "a control character", "printable text (lines and tabs allowed)")
    if choice == "other" and not text:
        raise InputError("text", "nothing", "what the MDT decided (the choice is 'other')")
    return text


def record_outcome(
    db: Database,
    who: Principal,
    meeting_id: int,
    patient_id: int,
    *,
    choice: Any,
    text: Any = "",
) -> Outcome:
    """Record the MDT's outcome for a patient on the meeting's list; refused, with the
    decision's reason, when the choice is not among :func:`outcome_choices` (audited)."""
    check(who.role, "patient.write")
    if not isinstance(choice, str) or not choice.strip():
        raise InputError("choice", None, "one of the options the decision offers")
    choice = choice.strip()[:64]
    d = summary_decision(get_record(db, who, patient_id))
    allowed = outcome_choices(d)
    if choice not in allowed:
        why = d.refusal(choice) or "an option the decision offers"
        raise InputError("choice", choice, f"not recorded: {why}")
    body = _outcome_text(text, choice)
    with db.write() as s:
        m = _meeting_row(s, who, meeting_id)
        p = _patient(s, who, patient_id, lock=True)
        row = s.scalar(
            select(MdtMeetingPatient).where(
                MdtMeetingPatient.meeting_id == m.id, MdtMeetingPatient.patient_id == p.id
            )
        )
        if row is None:
            raise NotFound("meeting patient", patient_id)
        before = (
            {"outcome": row.outcome, "text": row.outcome_text} if row.outcome is not None else None
        )
        row.outcome, row.outcome_text = choice, body
        row.recorded_at = dt.datetime.now(dt.UTC)
        row.recorded_by = who.user_id if who.user_id > 0 else None
        after = {"meeting": m.id, "outcome": choice, "text": body}
        audit.record(s, who, "meeting.outcome", "patient", p.id, before=before, after=after)
        s.flush()
        return Outcome(
            choice=choice,
            label=allowed[choice],
            text=body,
            recorded_by=who.username,
            recorded_at=row.recorded_at,
        )


def patient_outcomes(
    db: Database, who: Principal, patient_id: int
) -> list[tuple[Meeting, Outcome | None]]:
    """The meetings that discussed (or will discuss) the patient, latest first, with the
    outcome recorded at each (the patient page's MDT section)."""
    check(who.role, "patient.read")
    with db.read() as s:
        p = _patient(s, who, patient_id)
        rows = s.execute(
            select(MdtMeeting, MdtMeetingPatient)
            .join(MdtMeetingPatient, MdtMeetingPatient.meeting_id == MdtMeeting.id)
            .where(MdtMeetingPatient.patient_id == p.id)
            .order_by(MdtMeeting.meeting_date.desc(), MdtMeeting.id.desc())
            .limit(MAX_MEETINGS_LISTED)
        ).all()
        users = _users(s, {r.recorded_by for _, r in rows if r.recorded_by})
        out = []
        for m, r in rows:
            meeting = Meeting(
                id=m.id, date=m.meeting_date, title=m.title, created_at=m.created_at, patients=()
            )
            out.append((meeting, _outcome(r, users)))
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingEntry:
    """A patient on the meeting page: the list's entry, what the MDT may record (from the
    decision) and the patient's documents to choose from."""

    patient: MeetingPatient
    choices: tuple[tuple[str, str], ...]
    documents: tuple[Document, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A patient who may be added: record number, identifier and the worklist's MDT item
    (its due date and text) when there is one."""

    patient_id: int
    mrn: str
    mdt_due: dt.date | None
    mdt_text: str


def meeting_detail(
    db: Database, who: Principal, meeting_id: int
) -> tuple[Meeting, list[MeetingEntry]]:
    """The meeting and, per patient, the outcome choices its decision offers and its
    documents (the meeting page: an audited read of each patient, view ``meeting:<id>``)."""
    meeting = get_meeting(db, who, meeting_id)
    for mp in meeting.patients:
        view = f"meeting:{meeting.id}"
        audit.record_read(db, who, "patient.read", "patient", mp.patient_id, view=view)
    entries = []
    for mp in meeting.patients:
        d = summary_decision(get_record(db, who, mp.patient_id))
        docs = list_documents(db, who, mp.patient_id)
        entries.append(
            MeetingEntry(
                patient=mp, choices=tuple(outcome_choices(d).items()), documents=tuple(docs)
            )
        )
    return meeting, entries


def candidates(db: Database, who: Principal, meeting: Meeting) -> list[Candidate]:
    """The patients who may be added: first those with an MDT item on the worklist due by
    the meeting's date, then the organisation's other patients (by identifier); patients
    already on the list are left out."""
    from tacepath.service.patients import list_patients
    from tacepath.service.worklist import worklist

    on_list = {p.patient_id for p in meeting.patients}
    wl = worklist(db, who, end=meeting.date, types=("mdt",))
    out: dict[int, Candidate] = {}
    for item in wl.items:
        if item.record is not None and item.record not in on_list and item.record not in out:
            out[item.record] = Candidate(
                patient_id=item.record, mrn=item.patient, mdt_due=item.due, mdt_text=item.text
            )
    for p in list_patients(db, who, limit=MAX_MEETINGS_LISTED * 2):
        if p["id"] not in on_list and p["id"] not in out:
            out[p["id"]] = Candidate(patient_id=p["id"], mrn=p["mrn"], mdt_due=None, mdt_text="")
    return list(out.values())
