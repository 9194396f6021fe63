"""Referral letters to a receiving team, rendered from the patient's one decision.

A letter restates :func:`tacepath.pathway.decision.decide`: the options relevant to the team
with their status and reasons, the trials the patient may match, the patient's key values
(the clinical engine's), what is missing and the sources. It holds no number of its own.
The teams are data (``letters.yaml``); a team's letter is refused when the decision does not
hold what it rests on: never a letter after death, never a TACE referral after TACE failure
or when no TACE option remains (docs/pathway.md: fail closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from tacepath import __version__
from tacepath.domain.values import FrozenModel, check_identifier
from tacepath.errors import InputError
from tacepath.pathway.decision import PatientDecision
from tacepath.pathway.pathway import RegimenAssessment
from tacepath.report.letter_templates import render_body
from tacepath.report.summaries import environment, patient_facts, stylesheet

__all__ = ["MAX_PARTY_CHARS", "Party", "Team", "referral_letter", "teams"]

#: The longest name or organisation a letter takes (a bound, not a clinical number).
MAX_PARTY_CHARS = 120


class Team(FrozenModel):
    """A receiving team: its name, what it is asked for, the part of the decision it needs,
    the pieces its letter must show and the default body (an organisation may edit it)."""

    label: str
    request: str
    rests_on: Literal["tace_option", "systemic_option", "trial_match", "plan"]
    requires: tuple[str, ...]
    template: str


class _Teams(FrozenModel):
    version: int
    teams: dict[str, Team]


@cache
def teams() -> dict[str, Team]:
    """The receiving teams by id (``letters.yaml``)."""
    text = resources.files("tacepath.report").joinpath("letters.yaml").read_text("utf-8")
    return dict(_Teams.model_validate(yaml.safe_load(text)).teams)


@dataclass(frozen=True, slots=True)
class Party:
    """A sender or an addressee: a person's name and an organisation (both optional)."""

    name: str = ""
    organisation: str = ""

    @classmethod
    def of(cls, name: object, organisation: object, *, field: str) -> Party:
        """Checked: text of at most :data:`MAX_PARTY_CHARS` visible characters each."""
        return cls(_text(name, f"{field}_name"), _text(organisation, f"{field}_organisation"))


def _text(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(field, type(value).__name__, "text")
    text = value.strip()
    if len(text) > MAX_PARTY_CHARS:
        raise InputError(field, f"{len(text)} characters", f"at most {MAX_PARTY_CHARS}")
    try:
        return check_identifier(text) if text else ""
    except ValueError as exc:
        raise InputError(field, "text with an invisible character", str(exc)) from exc


def _has_tace(r: RegimenAssessment) -> bool:
    return "tace" in r.components


def _relevant(d: PatientDecision, team_id: str, team: Team) -> tuple[list[Any], list[Any]]:
    """The options and trial matches the team's letter rests on; refused when there are none
    (or after death, or, for TACE, after TACE failure)."""
    if d.state.deceased is not None:
        raise InputError("to", team_id, f"a living patient (the decision: {d.deceased_text})")
    if d.pathway is None:
        raise InputError("snapshot", None, "a snapshot of the patient (none recorded yet)")
    if team.rests_on == "tace_option":
        failure = d.state.tace_failure
        if failure is not None:
            raise InputError("to", team_id, f"a team other than TACE: {failure.text}")
        options = [r for r in d.options if _has_tace(r)]
        if not options:
            raise InputError("to", team_id, "a decision with a TACE option (none is eligible)")
        return options, []
    if team.rests_on == "systemic_option":
        options = [r for r in d.options if r.kind != "tace"]  # none with TACE after failure
        if not options:
            raise InputError("to", team_id, "a decision with a systemic option (none)")
        return options, []
    if team.rests_on == "plan":
        if d.plan is None:
            why = d.plan_note or "set the course start date and regimen"
            raise InputError("to", team_id, f"a decision with a dated plan (none: {why})")
        return [], []
    matches = [m for m in d.matches if m.verdict == "possible"]
    if not matches:
        raise InputError("to", team_id, "a decision with a possible trial match (none)")
    return [], matches


def _sources(options: list[RegimenAssessment], matches: list[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for c in [c for r in options for c in r.criteria] + [c for m in matches for c in m.criteria]:
        for part in c.citations or (c.citation,):
            if part:
                seen.setdefault(part, None)
    for m in matches:
        if m.recruitment_source:
            seen.setdefault(m.recruitment_source, None)
    return list(seen)


def _pieces(
    d: PatientDecision,
    options: list[RegimenAssessment],
    matches: list[Any],
    regimen_label: str,
) -> dict[str, str]:
    """The decision's pieces a letter body places, each rendered by the package's templates."""
    assert d.patient is not None  # a letter needs a snapshot
    m = environment().get_template("_letter_pieces.html").module
    failure = d.state.tace_failure
    missing = list(dict.fromkeys(x for r in options for x in r.missing))
    questions = list(dict.fromkeys(q for r in options for q in r.questions))
    plan = d.plan.to_dict() if d.plan is not None else None
    return {
        "failure": str(m.failure(failure.text if failure is not None else None)),  # type: ignore[attr-defined]
        "key_values": str(m.key_values(patient_facts(d.patient))),  # type: ignore[attr-defined]
        "followup": str(m.followup(d.followup.to_dict() if d.followup else None)),  # type: ignore[attr-defined]
        "options": str(m.options([r.to_dict() for r in options])),  # type: ignore[attr-defined]
        "trials": str(m.trials([x.to_dict() for x in matches])),  # type: ignore[attr-defined]
        "missing": str(m.missing(missing, questions)),  # type: ignore[attr-defined]
        "plan": str(m.plan(regimen_label, plan, d.plan_note)) if plan else "",  # type: ignore[attr-defined]
    }


def _plan_sources(d: PatientDecision) -> list[str]:
    """The sources of the plan's dated events, each once."""
    events = d.plan.events if d.plan is not None else ()
    return list(dict.fromkeys(e.source for e in events if e.source))


def _regimen_label(regimen: str | None) -> str:
    """The catalogue's label of the course's regimen (its id when it has none)."""
    from tacepath.pathway.model import catalogue

    labels = {r.id: r.label for r in catalogue().regimens}
    return labels.get(regimen or "", regimen or "not set")


def _title(team_id: str, team: Team, patient: str) -> str:
    if team.rests_on == "plan":
        return f"Treatment plan: patient {patient}"
    return f"Referral for {team.request}: patient {patient}"


def referral_letter(
    d: PatientDecision,
    to: str,
    *,
    sender: Party,
    addressee: Party = Party(),
    date: dt.date | None = None,
    body: str | None = None,
    body_version: str = "default",
) -> str:
    """The letter (HTML) to team ``to`` from the decision ``d``; refused (naming why) when
    the decision gives the team nothing to act on. ``body`` is the organisation's letter
    body (the team's default when ``None``), rendered in the sandbox
    (:mod:`tacepath.report.letter_templates`) with the decision's rendered pieces;
    ``body_version`` is printed in the letter's meta line."""
    known = teams()
    if to not in known:
        raise InputError("to", str(to)[:40], ", ".join(known))
    team = known[to]
    options, matches = _relevant(d, to, team)
    assert d.patient is not None  # a pathway needs a snapshot
    facts = patient_facts(d.patient)
    day = (date or dt.date.today()).isoformat()
    values = {
        "patient": facts["id"],
        "record_date": facts["date"],
        "date": day,
        "request": team.request,
        "team": team.label,
        "sender": {"name": sender.name, "organisation": sender.organisation},
        "addressee": {"name": addressee.name, "organisation": addressee.organisation},
    }
    pieces = _pieces(d, options, matches, _regimen_label(d.regimen))
    html = render_body(team.template if body is None else body, team.requires, values, pieces)
    return (
        environment()
        .get_template("referral_letter.html")
        .render(
            css=stylesheet(),
            version=__version__,
            date=day,
            title=_title(to, team, facts["id"]),
            team=team,
            sender=sender,
            addressee=addressee,
            template_version=body_version,
            body=html,
            sources=_sources(options, matches) + _plan_sources(d)
            if team.rests_on == "plan"
            else _sources(options, matches),
        )
    )
