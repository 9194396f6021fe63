"""Letters of a stored patient (:mod:`tacepath.report.letters`), from its one decision, with
the organisation's letter body for the receiving team.

Writing a letter needs ``summary.read``; the sender is the signed-in user and their
organisation; a letter written is audited as ``summary.read`` naming the team and the
format (HTML, PDF or DOCX). The body is the organisation's latest saved version for the team,
or the package's default. Reading and saving bodies needs ``letters.edit``; a body is
checked before it is saved (:func:`tacepath.report.letter_templates.check_body`), saved as a
new version (never overwritten) and audited with its team, version, length and SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tacepath.errors import InputError
from tacepath.report.letter_templates import MAX_BODY_CHARS, PIECES, VALUES, check_body
from tacepath.report.letters import Party, referral_letter, teams
from tacepath.service import audit
from tacepath.service.audit import record_read
from tacepath.service.clinical import summary_decision, summary_pdf
from tacepath.service.db import Database
from tacepath.service.jobs import queue_lock
from tacepath.service.patients import get_record
from tacepath.service.permissions import check
from tacepath.service.principal import Principal
from tacepath.store.models import LetterTemplateRow, User

__all__ = [
    "FORMATS",
    "MAX_BODY_CHARS",
    "MAX_VERSIONS_LISTED",
    "PIECES",
    "VALUES",
    "LetterTemplate",
    "Party",
    "letter",
    "letter_teams",
    "required_pieces",
    "save_template",
    "template_history",
    "template_of",
]

FORMATS = ("html", "pdf", "docx")
#: Most versions the history lists (a bound, not a clinical number).
MAX_VERSIONS_LISTED = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterTemplate:
    """A letter body for a team: version 0 is the package's default."""

    team: str
    version: int
    body: str
    saved_by: str
    saved_at: dt.datetime | None

    @property
    def label(self) -> str:
        return "default" if self.version == 0 else f"version {self.version}"


def letter_teams() -> dict[str, str]:
    """The receiving teams a letter can be addressed to: id and name."""
    return {k: t.label for k, t in teams().items()}


def required_pieces(team: str) -> tuple[str, ...]:
    """The decision's pieces every body of ``team``'s letter must place."""
    return teams()[_team(team)].requires


def _team(team: object) -> str:
    known = teams()
    if not isinstance(team, str) or team not in known:
        raise InputError("team", str(team)[:40], ", ".join(known))
    return team


def _default(team: str) -> LetterTemplate:
    return LetterTemplate(
        team=team, version=0, body=teams()[team].template.strip(), saved_by="", saved_at=None
    )


def _rows(s: Session, who: Principal, team: str, limit: int) -> list[LetterTemplate]:
    rows = s.execute(
        select(LetterTemplateRow, User.username)
        .outerjoin(User, User.id == LetterTemplateRow.created_by)
        .where(
            LetterTemplateRow.organisation_id == who.organisation_id,
            LetterTemplateRow.team == team,
        )
        .order_by(LetterTemplateRow.version.desc())
        .limit(limit)
    ).all()
    return [
        LetterTemplate(
            team=team,
            version=r.version,
            body=r.body,
            saved_by=name or "tacepath",
            saved_at=r.created_at,
        )
        for r, name in rows
    ]


def _current(db: Database, who: Principal, team: str) -> LetterTemplate:
    with db.read() as s:
        found = _rows(s, who, team, 1)
    return found[0] if found else _default(team)


def template_of(db: Database, who: Principal, team: str) -> LetterTemplate:
    """The organisation's current body for ``team`` (the default when none was saved)."""
    check(who.role, "letters.edit")
    return _current(db, who, _team(team))


def template_history(db: Database, who: Principal, team: str) -> list[LetterTemplate]:
    """The saved versions for ``team``, latest first, then the default."""
    check(who.role, "letters.edit")
    team = _team(team)
    with db.read() as s:
        return [*_rows(s, who, team, MAX_VERSIONS_LISTED), _default(team)]


def save_template(db: Database, who: Principal, team: str, body: object) -> LetterTemplate:
    """Save ``body`` as the organisation's next version for ``team`` (checked, audited)."""
    check(who.role, "letters.edit")
    team = _team(team)
    text = check_body(body, teams()[team].requires)
    with db.write() as s:
        queue_lock(s, who.organisation_id)  # one new version at a time (the jobs' lock)
        last = s.scalar(
            select(func.max(LetterTemplateRow.version)).where(
                LetterTemplateRow.organisation_id == who.organisation_id,
                LetterTemplateRow.team == team,
            )
        )
        row = LetterTemplateRow(
            organisation_id=who.organisation_id,
            team=team,
            version=(last or 0) + 1,
            body=text,
            created_by=who.user_id if who.user_id > 0 else None,
        )
        s.add(row)
        s.flush()
        after = {
            "team": team,
            "version": row.version,
            "characters": len(text),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
        audit.record(s, who, "letter.template", "organisation", who.organisation_id, after=after)
        return LetterTemplate(
            team=team,
            version=row.version,
            body=text,
            saved_by=who.username,
            saved_at=row.created_at,
        )


def letter(
    db: Database,
    who: Principal,
    patient_id: int,
    *,
    to: str,
    addressee: Party,
    fmt: str = "html",
) -> str | bytes:
    """The letter to ``to`` as HTML (``fmt="html"``), PDF or DOCX bytes; refused, naming
    why, when the decision gives the team nothing to act on (after death; TACE after TACE
    failure; the family doctor without a dated plan)."""
    check(who.role, "summary.read")
    if fmt not in FORMATS:
        raise InputError("format", str(fmt)[:10], ", ".join(FORMATS))
    record = get_record(db, who, patient_id)
    sender = Party.of(who.full_name or who.username, who.organisation, field="sender")
    body = _current(db, who, _team(to)) if to in teams() else None
    html = referral_letter(
        summary_decision(record),
        to,
        sender=sender,
        addressee=addressee,
        body=body.body if body is not None and body.version else None,
        body_version=body.label if body is not None else "default",
    )
    record_read(db, who, "summary.read", "patient", patient_id, view=f"letter.{to}.{fmt}")
    if fmt == "pdf":
        return summary_pdf(html)
    if fmt == "docx":
        from tacepath.report.letter_docx import letter_docx

        return letter_docx(html, title=f"Letter to {letter_teams()[to]}: patient {record.mrn}")
    return html
