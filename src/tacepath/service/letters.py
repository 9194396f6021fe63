"""Referral letters of a stored patient (:mod:`tacepath.report.letters`), from its one
decision. Needs ``summary.read``; the sender is the signed-in user and their organisation;
a letter written is audited as ``summary.read`` naming the team and the format."""

from __future__ import annotations

from tacepath.report.letters import Party, referral_letter, teams
from tacepath.service.audit import record_read
from tacepath.service.clinical import summary_decision, summary_pdf
from tacepath.service.db import Database
from tacepath.service.patients import get_record
from tacepath.service.permissions import check
from tacepath.service.principal import Principal

__all__ = ["Party", "letter", "letter_teams"]


def letter_teams() -> dict[str, str]:
    """The receiving teams a letter can be addressed to: id and name."""
    return {k: t.label for k, t in teams().items()}


def letter(
    db: Database,
    who: Principal,
    patient_id: int,
    *,
    to: str,
    addressee: Party,
    fmt: str = "html",
) -> str | bytes:
    """The referral letter to ``to`` as HTML (``fmt="html"``) or PDF bytes; refused, naming
    why, when the decision gives the team nothing to act on (after death; TACE after TACE
    failure)."""
    check(who.role, "summary.read")
    record = get_record(db, who, patient_id)
    sender = Party.of(who.full_name or who.username, who.organisation, field="sender")
    html = referral_letter(summary_decision(record), to, sender=sender, addressee=addressee)
    record_read(db, who, "summary.read", "patient", patient_id, view=f"letter.{to}.{fmt}")
    return summary_pdf(html) if fmt == "pdf" else html
