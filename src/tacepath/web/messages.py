"""Input problems in words, each tied to the form input it is about.

The engines report a problem as field, value and what is allowed (``Problem``); a form shows
it as a sentence next to its input ("Perpendicular diameter of L2 must be above 0 mm"),
never as a dict or an internal type name. A problem that only repeats one found inside it
(a list refused because one of its items was) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tacepath.errors import Problem
from tacepath.web import forms

__all__ = ["Explained", "explain", "field_words"]

_LAB_WORDS = {"inr": "INR", "afp": "AFP", "ast": "AST", "alt": "ALT"}
_LESION_WORDS = {
    "longest_mm": "Longest diameter",
    "perpendicular_mm": "Perpendicular diameter",
    "short_axis_mm": "Short axis",
    "viable_longest_mm": "Viable longest diameter",
    "viable_perpendicular_mm": "Viable perpendicular diameter",
    "status": "Status",
    "id": "Id",
    "organ": "Organ",
    "typical_hcc": "Typical HCC",
}
#: Snapshot inputs: input name -> words.
_SNAPSHOT_WORDS: dict[str, str] = {
    "id": "Patient id",
    "date": "Date of the snapshot",
    "assessment_date": "Assessment date",
    "sex": "Sex",
    "ecog": "ECOG",
    "ascites": "Ascites",
    "encephalopathy": "Encephalopathy",
    "tumours": "Intrahepatic tumours",
    "h-prior_systemic_therapy": "Prior systemic drugs",
    "h-tace_failure-date": "Date of TACE failure",
    "h-tace_failure-criterion": "Criterion of TACE failure",
    **{n: label for n, label, _u in forms.PATIENT_NUMBERS},
    **dict(forms.PATIENT_FLAGS),
    **{f"h-{n}": label for n, label, _v in forms.HISTORY_CHOICES},
    **{f"h-{n}": label for n, label in forms.HISTORY_FLAGS},
    **{f"h-{n}": label for n, label, _u in forms.HISTORY_NUMBERS},
    **{f"h-{n}": label for n, label in forms.HISTORY_DATES},
}
#: Follow-up inputs named by the form reader or the service: field -> (input name, words).
_FOLLOWUP_FIELDS: dict[str, tuple[str, str]] = {
    "visit date": ("visit_date", "Date of the imaging"),
    "start_date": ("start_date", "Course start"),
    "regimen": ("regimen", "Regimen"),
    "TACE date": ("tace_date", "TACE session date"),
    "Child-Pugh score": ("child_pugh", "Child-Pugh score"),
    "death date": ("death_date", "Date of death"),
    "death_date": ("death_date", "Date of death"),
    "last_contact_date": ("last_contact_date", "Last contact"),
    "assessment": ("visit_date", "The imaging"),
}
_UNITS = {"_mm": " mm", "weight_kg": " kg", "age_years": " years"}


@dataclass(frozen=True, slots=True)
class Explained:
    """The messages of one submission: every one in order, and those of each input."""

    messages: list[dict[str, Any]]
    by_input: dict[str, list[str]]


def _shown(value: object) -> str | None:
    if value is None or isinstance(value, Mapping | list | tuple | set):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    try:
        return f"{float(text):g}" if text.strip() else "nothing"
    except ValueError:
        pass
    if len(text) > 40:
        return f"{len(text)} characters"
    return f"“{text}”"


def _num(text: str) -> str:
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def _rule(allowed: str, unit: str) -> str:
    a = allowed.strip()
    for prefix, words in (
        ("greater than or equal to ", "must be at least "),
        ("greater than ", "must be above "),
        ("less than or equal to ", "must be at most "),
        ("less than ", "must be below "),
    ):
        if a.startswith(prefix):
            return words + _num(a.removeprefix(prefix)) + unit
    if m := re.fullmatch(r"([≥>]) ?(\S+) and ≤ ?(\S+)(.*)", a):
        low = "from " if m.group(1) == "≥" else "above "
        sep = " to " if m.group(1) == "≥" else " and at most "
        return f"must be {low}{m.group(2)}{sep}{m.group(3)}{m.group(4)}"
    if a.startswith("a valid integer") or a == "a whole number":
        return "must be a whole number"
    if a.startswith(("a valid number", "a number")):
        return "must be a number"
    if a.startswith("a valid date") or a.startswith("a date"):
        return "must be a date (year-month-day)"
    if a.startswith("a valid boolean"):
        return "must be yes or no"
    if a == "a value (required)":
        return "is required"
    if "should have at least 1 item" in a:
        return "needs at least one entry"
    if m := re.fullmatch(r"String should have at most (\d+) characters?", a):
        return f"must be at most {m.group(1)} characters"
    if "should have at most" in a:
        return "has too many entries: " + a.split("should have ")[-1].split(" after")[0]
    if re.fullmatch(r"('[^']*'(, | or )?)+", a):
        return "must be one of " + ", ".join(re.findall(r"'([^']*)'", a))
    if a.startswith(("a ", "an ", "at most", "at least", "one of", "the ", "no ", "on or ")):
        return "must be " + a
    return "— allowed: " + a


def _lab(name: str) -> str:
    return _LAB_WORDS.get(name, name.capitalize())


def _lesion_row(form: Mapping[str, str], prefix: str, lesion_id: str) -> int | None:
    for key, value in form.items():
        if key.startswith(prefix) and key.endswith("-id") and value.strip() == lesion_id:
            try:
                return int(key[len(prefix) : -3])
            except ValueError:
                return None
    return None


def _where(
    field: str, form: Mapping[str, str], value: object = None
) -> tuple[str | None, str, str]:
    """(input name or None, words for the field, unit) of a problem's field."""
    if field in _FOLLOWUP_FIELDS:
        name, words = _FOLLOWUP_FIELDS[field]
        return name, words, ""
    unit = next((u for k, u in _UNITS.items() if field.endswith(k)), "")
    if m := re.search(r"(new_lesions|lesions|non_target)\[([^\]]+)\]\.(\w+)$", field):
        kind, lesion_id, key = m.groups()
        prefix = {"lesions": "lesion-", "new_lesions": "new-", "non_target": "nt-"}[kind]
        row = _lesion_row(form, prefix, lesion_id)
        words = f"{_LESION_WORDS.get(key, key.replace('_', ' ').capitalize())} of {lesion_id}"
        return (f"{prefix}{row}-{key}" if row is not None else None), words, unit
    if m := re.fullmatch(r"new lesion (\d+)\.(\w+)", field):
        i, key = int(m.group(1)) - 1, m.group(2)
        words = f"{_LESION_WORDS.get(key, key)} of new lesion {i + 1}"
        return f"new-{i}-{key}", words, unit
    if field in ("event", "term"):  # an adverse event's term, refused by the engines
        terms = (k for k, v in form.items() if k.endswith("-term") and v.strip() == value)
        return next(terms, None), "Adverse event term", ""
    if m := re.fullmatch(r"adverse event (\d+)\.(\w+)", field):
        i, key = int(m.group(1)) - 1, m.group(2)
        return f"ae-{i}-{key}", f"{key.capitalize()} of adverse event {i + 1}", ""
    if m := re.search(r"(?:^|\.)labs\.(\w+)(?:\.\w+)?$", field):
        return f"lab-{m.group(1)}-value", _lab(m.group(1)), ""
    if m := re.fullmatch(r"tumours(?:\.(\d+))?(?:\.diameter_mm)?", field):
        which = f"Tumour {int(m.group(1)) + 1} diameter" if m.group(1) else "Intrahepatic tumours"
        return "tumours", which, " mm" if m.group(1) else ""
    if field.startswith("history.tace_failure"):
        key = field.removeprefix("history.tace_failure").lstrip(".") or "date"
        name = f"h-tace_failure-{key}"
        return name, _SNAPSHOT_WORDS.get(name, "TACE failure"), ""
    if field.startswith("history."):
        key = field.removeprefix("history.").split(".")[0]
        name = f"h-{key}"
        return name, _SNAPSHOT_WORDS.get(name, key.replace("_", " ").capitalize()), ""
    if field == "history":
        return None, "History", ""
    if field in _SNAPSHOT_WORDS:
        return field, _SNAPSHOT_WORDS[field], unit
    tail = re.split(r"[.\]]", field)[-1] or field
    return None, tail.replace("_", " ").capitalize(), unit


def _repeats_an_inner_problem(p: Problem, problems: Sequence[Problem]) -> bool:
    if not isinstance(p.value, Mapping | list | tuple):
        return False
    return any(q is not p and q.field.startswith((p.field + ".", p.field + "[")) for q in problems)


def explain(problems: Sequence[Problem], form: Mapping[str, str]) -> Explained:
    """Each problem as a sentence, with the input it is about (when the form has one)."""
    messages: list[dict[str, Any]] = []
    by_input: dict[str, list[str]] = {}
    seen: set[str] = set()
    for p in problems:
        if _repeats_an_inner_problem(p, problems):
            continue
        name, words, unit = _where(p.field, form, p.value)
        shown = _shown(p.value)
        if p.field == "version":
            text = (
                "The record was changed by someone else after this page was loaded: "
                "reload the page, then enter the change again."
            )
        elif p.value is None and p.allowed.startswith("the "):
            text = f"{words} is required"
            if "first entry" in p.allowed:
                text += " for the first entry"
            elif "(required)" not in p.allowed:
                text += f": {p.allowed}"
            text += "."
        else:
            text = f"{words} {_rule(p.allowed, unit)}"
            if shown is not None:
                text += f" (entered {shown})"
            text += "."
        if text in seen:
            continue
        seen.add(text)
        messages.append({"text": text, "input": name, "field": p.field})
        if name is not None:
            by_input.setdefault(name, []).append(text)
    return Explained(messages, by_input)


def field_words(field: str) -> str:
    """A contract field's name in words, as the forms label it (``labs.creatinine`` ->
    ``creatinine``, ``dialysis_twice_past_week`` -> ``dialysis at least twice in the past
    7 days``); an acronym keeps its capitals."""
    words = _where(field, {})[1]
    return words if words[:2].isupper() else words[:1].lower() + words[1:]
