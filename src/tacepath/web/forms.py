"""From HTML form fields to the engines' input contracts (no rule is applied here).

A form gives text; this module turns it into the JSON the domain parses (numbers, booleans,
lists) and reports text that is not a number or a date as a problem with the field named.
Every clinical check is the domain's, after this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from tacepath.domain.labs import Labs
from tacepath.domain.timeline import ORGANS
from tacepath.domain.units import ANALYTES
from tacepath.errors import Problem

__all__ = [
    "LAB_NAMES",
    "LAB_UNITS",
    "LESION_ROWS",
    "NEW_LESION_ROWS",
    "ORGANS",
    "followup_from_form",
    "snapshot_from_form",
]

LAB_NAMES = tuple(Labs.model_fields)
#: The units offered per analyte (the domain's; AFP also in IU/mL with the default factor).
LAB_UNITS: dict[str, tuple[str, ...]] = {
    a: tuple(u for u in ANALYTES[a].to_canonical) + (("IU/mL",) if a == "afp" else ())
    for a in LAB_NAMES
}
LESION_ROWS = 5
NEW_LESION_ROWS = 2
AE_ROWS = 2

Form = Mapping[str, str]


class _Reader:
    def __init__(self, form: Form) -> None:
        self.form = form
        self.problems: list[Problem] = []

    def text(self, name: str) -> str:
        return str(self.form.get(name, "")).strip()

    def number(self, name: str, field: str | None = None) -> float | None:
        t = self.text(name)
        if not t:
            return None
        try:
            return float(t.replace(",", "."))
        except ValueError:
            self.problems.append(Problem(field or name, t, "a number"))
            return None

    def integer(self, name: str, field: str | None = None) -> int | float | None:
        v = self.number(name, field)
        return int(v) if v is not None and v.is_integer() else v

    def date(self, name: str, field: str | None = None) -> str | None:
        t = self.text(name)
        if not t:
            return None
        try:
            return dt.date.fromisoformat(t).isoformat()
        except ValueError:
            self.problems.append(Problem(field or name, t, "a date (YYYY-MM-DD)"))
            return None

    def tristate(self, name: str) -> bool | None:
        t = self.text(name)
        return {"yes": True, "no": False}.get(t)

    def flag(self, name: str) -> bool:
        return self.text(name) in ("on", "true", "yes", "1")


def _labs(r: _Reader) -> dict[str, Any]:
    labs: dict[str, Any] = {}
    for a in LAB_NAMES:
        value = r.number(f"lab-{a}-value", f"labs.{a}")
        if value is None:
            continue
        unit = r.text(f"lab-{a}-unit")
        labs[a] = {"value": value} | ({"unit": unit} if unit and unit != "1" else {})
    return labs


def snapshot_from_form(form: Form) -> tuple[dict[str, Any], list[Problem]]:
    """The patient contract from the new-patient / new-snapshot form."""
    r = _Reader(form)
    out: dict[str, Any] = {}
    if r.text("id"):
        out["id"] = r.text("id")
    for name in ("date", "assessment_date"):
        if (d := r.date(name)) is not None:
            out[name] = d
    for name in ("sex", "ascites", "encephalopathy"):
        if r.text(name):
            out[name] = r.text(name)
    for name in ("age_years", "weight_kg"):
        if (v := r.number(name)) is not None:
            out[name] = v
    if (e := r.integer("ecog")) is not None:
        out["ecog"] = e
    for name in ("macrovascular_invasion", "extrahepatic_spread", "end_stage_liver_function"):
        if (b := r.tristate(name)) is not None:
            out[name] = b
    if labs := _labs(r):
        out["labs"] = labs
    if sizes := r.text("tumours"):
        tumours = []
        for part in (x.strip() for x in sizes.split(";")):
            if not part:
                continue
            try:
                tumours.append({"diameter_mm": float(part.replace(",", "."))})
            except ValueError:
                r.problems.append(Problem("tumours", part, "diameters in mm separated by ;"))
        out["tumours"] = tumours
    history = _history(r)
    if history:
        out["history"] = history
    return out, r.problems


def _history(r: _Reader) -> dict[str, Any]:
    h: dict[str, Any] = {}
    for name in ("varices", "hypertension", "autoimmune_disease"):
        if r.text(f"h-{name}"):
            h[name] = r.text(f"h-{name}")
    if (b := r.tristate("h-organ_transplant")) is not None:
        h["organ_transplant"] = b
    if (v := r.number("h-proteinuria_g_per_24h", "history.proteinuria_g_per_24h")) is not None:
        h["proteinuria_g_per_24h"] = v
    if (n := r.integer("h-prior_tace_sessions", "history.prior_tace_sessions")) is not None:
        h["prior_tace_sessions"] = n
    drugs = r.text("h-prior_systemic_therapy")
    if drugs:
        h["prior_systemic_therapy"] = [d.strip() for d in drugs.split(",") if d.strip()]
    elif r.text("h-prior_systemic_none") == "on":
        h["prior_systemic_therapy"] = []
    for name in ("variceal_bleeding_date", "thromboembolism_date"):
        choice = r.text(f"h-{name}-known")
        if choice == "never":
            h[name] = None
        elif choice == "date":
            h[name] = r.date(f"h-{name}", f"history.{name}")
    return h


def _lesions(r: _Reader, i: int) -> dict[str, Any] | None:
    p = f"lesion-{i}-"
    if not r.text(p + "id"):
        return None
    les: dict[str, Any] = {
        "id": r.text(p + "id"),
        "organ": r.text(p + "organ") or "liver",
        "target": r.flag(p + "target"),
    }
    if r.text(p + "status"):
        les["status"] = r.text(p + "status")
    for k in (
        "longest_mm",
        "perpendicular_mm",
        "short_axis_mm",
        "viable_longest_mm",
        "viable_perpendicular_mm",
    ):
        if (v := r.number(p + k, f"lesions[{les['id']}].{k}")) is not None:
            les[k] = v
    typical = r.text(p + "typical_hcc")
    if typical in ("yes", "no"):
        les["typical_hcc"] = typical == "yes"
    return les


def followup_from_form(form: Form, *, first: bool) -> tuple[dict[str, Any], list[Problem]]:
    """The follow-up payload (``record_followup``) from the follow-up form."""
    r = _Reader(form)
    out: dict[str, Any] = {}
    if first:
        if (d := r.date("start_date")) is not None:
            out["start_date"] = d
        if r.text("regimen"):
            out["regimen"] = r.text("regimen")
    visit = r.date("visit_date", "visit date")
    if visit is None and not r.problems:
        r.problems.append(Problem("visit date", None, "the date of the imaging (required)"))
    lesions = [
        les
        for i in range(int(r.text("lesion_rows") or LESION_ROWS))
        if (les := _lesions(r, i)) is not None
    ]
    non_target = []
    for i in range(int(r.text("nt_rows") or 0)):
        p = f"nt-{i}-"
        if r.text(p + "id"):
            nt: dict[str, Any] = {
                "id": r.text(p + "id"),
                "organ": r.text(p + "organ") or "liver",
                "status": r.text(p + "status") or "present",
            }
            viable = r.text(p + "viable")
            if viable in ("yes", "no"):
                nt["viable"] = viable == "yes"
            non_target.append(nt)
    new = []
    for i in range(NEW_LESION_ROWS):
        p = f"new-{i}-"
        size = r.number(p + "longest_mm", f"new lesion {i + 1}.longest_mm")
        if size is None and not r.text(p + "id"):
            continue
        nl: dict[str, Any] = {"organ": r.text(p + "organ") or "liver"}
        if r.text(p + "id"):
            nl["id"] = r.text(p + "id")
        if size is not None:
            nl["longest_mm"] = size
        typical = r.text(p + "typical_hcc")
        if typical in ("yes", "no"):
            nl["typical_hcc"] = typical == "yes"
        nl["equivocal"] = r.flag(p + "equivocal")
        new.append(nl)
    if visit is not None:
        out["assessment"] = {
            "date": visit,
            "modality": r.text("modality") or "CT",
            "lesions": lesions,
            "non_target": non_target,
            "new_lesions": new,
        }
    treated = [t.strip() for t in r.text("tace_treated").split(",") if t.strip()]
    if (tace := r.date("tace_date", "TACE date")) is not None:
        session: dict[str, Any] = {"date": tace, "technique": r.text("tace_technique") or "cTACE"}
        if treated:
            session["treated_lesions"] = treated
        out["tace_sessions"] = [session]
    elif treated:
        r.problems.append(Problem("TACE date", None, "the date of the TACE that treated them"))
    if (cp := r.integer("child_pugh", "Child-Pugh score")) is not None:
        out["child_pugh"] = [{"date": visit or "", "score": cp}]
    aes = []
    for i in range(AE_ROWS):
        p = f"ae-{i}-"
        if not r.text(p + "term"):
            continue
        ae: dict[str, Any] = {
            "date": r.date(p + "date", f"adverse event {i + 1}.date") or visit,
            "term": r.text(p + "term"),
        }
        if (g := r.integer(p + "grade", f"adverse event {i + 1}.grade")) is not None:
            ae["grade"] = g
        for k in ("drug", "current_dose"):
            if r.text(p + k):
                ae[k] = r.text(p + k)
        aes.append(ae)
    if aes:
        out["adverse_events"] = aes
    if labs := _labs(r):
        out["labs"] = labs
    if (death := r.date("death_date", "death date")) is not None:
        out["death_date"] = death
    return out, r.problems
