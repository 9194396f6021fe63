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
from tacepath.pathway.ctcae_data import ctcae

__all__ = [
    "ADDED_LESION_ROWS",
    "CTCAE_TERMS",
    "HISTORY_CHOICES",
    "HISTORY_DATES",
    "HISTORY_FLAGS",
    "HISTORY_NUMBERS",
    "LAB_NAMES",
    "LAB_UNITS",
    "LESION_ROWS",
    "NEW_LESION_ROWS",
    "ORGANS",
    "PATIENT_FLAGS",
    "PATIENT_NUMBERS",
    "TACE_FAILURE_CRITERIA",
    "followup_from_form",
    "form_from_snapshot",
    "snapshot_from_form",
]

LAB_NAMES = tuple(Labs.model_fields)
#: The units offered per analyte (the domain's; AFP also in IU/mL with the default factor).
LAB_UNITS: dict[str, tuple[str, ...]] = {
    a: tuple(u for u in ANALYTES[a].to_canonical) + (("IU/mL",) if a == "afp" else ())
    for a in LAB_NAMES
}
#: The graded CTCAE v5.0 terms (the engine's list), offered by the follow-up's term picker.
CTCAE_TERMS: tuple[str, ...] = tuple(t.term for t in ctcae().terms)
LESION_ROWS = 5
NEW_LESION_ROWS = 2
#: Empty lesion rows under the lesions recorded so far on a follow-up form: a new lesion
#: treated by a TACE since the last visit is measured there, as a trackable lesion.
ADDED_LESION_ROWS = 2
#: The most rows of one lesion table a form may post (the timeline contract's cap per kind).
MAX_FORM_ROWS = 100


def _rows(posted: str, default: int) -> int:
    """How many rows of a table the form says it has (its hidden count), within 0..100."""
    try:
        n = int(posted) if posted else default
    except ValueError:
        n = default
    return max(0, min(n, MAX_FORM_ROWS))


AE_ROWS = 2

Form = Mapping[str, str]

# The patient contract's fields as form fields (name, label[, unit]); the templates draw them
# from these lists, so every field of the contract has its input (a test checks that).
#: Yes / no / unknown fields of the snapshot (input name = the contract's name).
PATIENT_FLAGS: tuple[tuple[str, str], ...] = (
    ("macrovascular_invasion", "Macrovascular invasion"),
    ("extrahepatic_spread", "Extrahepatic spread"),
    ("end_stage_liver_function", "End-stage liver function (the team's judgement)"),
    ("dialysis_twice_past_week", "Dialysis at least twice in the past 7 days"),
    ("cvvhd_24h_past_week", "24 hours of CVVHD in the past 7 days"),
    ("cholestatic_disease", "Cholestatic liver disease (PBC or PSC)"),
)
#: Numbers of the snapshot: name, label, unit.
PATIENT_NUMBERS: tuple[tuple[str, str, str], ...] = (
    ("age_years", "Age", "years"),
    ("weight_kg", "Weight", "kg"),
    ("pt_prolongation_s", "Prothrombin time over control", "seconds"),
)
#: Categorical history fields: name, label, the contract's values.
HISTORY_CHOICES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("varices", "Varices", ("none", "low-risk", "high-risk-untreated", "treated", "unknown")),
    ("hypertension", "Blood pressure (hypertension)", ("none", "controlled", "uncontrolled")),
    ("autoimmune_disease", "Autoimmune disease", ("none", "inactive", "active")),
)
#: Yes / no / unknown history fields (input name ``h-`` + the contract's name).
HISTORY_FLAGS: tuple[tuple[str, str], ...] = (
    ("organ_transplant", "Solid organ transplant"),
    ("liver_transplant_candidate", "Candidate for liver transplantation"),
    ("locoregional_therapy_to_current_tumours", "Locoregional therapy to the present tumours"),
    ("jaundice", "Clinical jaundice"),
    ("refractory_ascites", "Refractory ascites"),
    ("hepatorenal_syndrome", "Hepatorenal syndrome"),
    ("bland_portal_vein_thrombosis", "Portal-vein thrombus without tumour"),
    ("hepatofugal_portal_flow", "Hepatofugal portal flow"),
    ("tumour_in_both_entire_lobes", "Tumour in both entire liver lobes"),
    ("intra_arterial_technical_contraindication", "Technical contraindication to TACE"),
    ("severe_comorbidity", "Severe comorbidity"),
    ("incompetent_papilla_with_aerobilia", "Incompetent papilla with aerobilia"),
    ("biliary_dilatation", "Biliary dilatation"),
    ("nephrotic_or_nephritic_syndrome", "Nephrotic or nephritic syndrome"),
    ("hbv_hcv_coinfection", "Hepatitis B and C co-infection"),
)
#: Numbers of the history: name, label, unit.
HISTORY_NUMBERS: tuple[tuple[str, str, str], ...] = (
    ("proteinuria_g_per_24h", "Proteinuria", "g/24 h"),
    ("creatinine_clearance_ml_min", "Creatinine clearance", "mL/min"),
    ("prior_tace_sessions", "Prior TACE sessions", "number"),
)
#: History dates where "never" is an answer: name, label.
HISTORY_DATES: tuple[tuple[str, str], ...] = (
    ("variceal_bleeding_date", "Last variceal bleeding"),
    ("gastric_bleeding_date", "Last bleeding from the stomach"),
    ("thromboembolism_date", "Last thromboembolic event"),
    ("cardiovascular_disease_date", "Last significant cardiovascular disease"),
    ("last_tace_date", "Last TACE session"),
)
#: How a TACE failure was established (the contract's criteria) and their words.
TACE_FAILURE_CRITERIA: tuple[tuple[str, str], ...] = (
    ("untaceable_progression", "unTACEable progression"),
    ("jsh_refractoriness", "TACE refractoriness (JSH-LCSGJ)"),
)


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
    for name, _label, _unit in PATIENT_NUMBERS:
        if (v := r.number(name)) is not None:
            out[name] = v
    if (e := r.integer("ecog")) is not None:
        out["ecog"] = e
    for name, _label in PATIENT_FLAGS:
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
                allowed = "a list of diameters in mm separated by ;"
                r.problems.append(Problem("tumours", part, allowed))
        out["tumours"] = tumours
    history = _history(r)
    if history:
        out["history"] = history
    return out, r.problems


def _history(r: _Reader) -> dict[str, Any]:
    h: dict[str, Any] = {}
    for name, _label, _values in HISTORY_CHOICES:
        if r.text(f"h-{name}"):
            h[name] = r.text(f"h-{name}")
    for name, _label in HISTORY_FLAGS:
        if (b := r.tristate(f"h-{name}")) is not None:
            h[name] = b
    for name, _label, _unit in HISTORY_NUMBERS:
        number = r.integer if name == "prior_tace_sessions" else r.number
        if (v := number(f"h-{name}", f"history.{name}")) is not None:
            h[name] = v
    drugs = r.text("h-prior_systemic_therapy")
    if drugs:
        h["prior_systemic_therapy"] = [d.strip() for d in drugs.split(",") if d.strip()]
    elif r.flag("h-prior_systemic_none"):
        h["prior_systemic_therapy"] = []
    for name, _label in HISTORY_DATES:
        choice = r.text(f"h-{name}-known")
        if choice == "never":
            h[name] = None
        elif choice == "date" or r.text(f"h-{name}"):
            h[name] = r.date(f"h-{name}", f"history.{name}")
            if h[name] is None and f"history.{name}" not in {p.field for p in r.problems}:
                r.problems.append(Problem(f"history.{name}", None, "the date (or “never”)"))
    failure: dict[str, Any] = {}
    if (d := r.date("h-tace_failure-date", "history.tace_failure.date")) is not None:
        failure["date"] = d
    if r.text("h-tace_failure-criterion"):
        failure["criterion"] = r.text("h-tace_failure-criterion")
    if failure or r.text("h-tace_failure-date"):
        h["tace_failure"] = failure
    return h


def _number_text(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


def form_from_snapshot(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """The snapshot form's fields filled from a stored snapshot (the inverse of
    :func:`snapshot_from_form`): the new-snapshot form starts from the current one."""
    if not raw:
        return {}
    f: dict[str, str] = {}
    for name in ("id", "date", "assessment_date", "sex", "ascites", "encephalopathy"):
        if raw.get(name) is not None:
            f[name] = str(raw[name])
    for name, _label, _unit in PATIENT_NUMBERS:
        f[name] = _number_text(raw.get(name))
    f["ecog"] = _number_text(raw.get("ecog"))
    yes_no = {True: "yes", False: "no"}
    for name, _label in PATIENT_FLAGS:
        f[name] = yes_no.get(raw[name], "") if name in raw else ""
    for a, lab in (raw.get("labs") or {}).items():
        f[f"lab-{a}-value"] = _number_text(lab.get("value"))
        f[f"lab-{a}-unit"] = str(lab.get("unit") or "")
    if raw.get("tumours") is not None:
        f["tumours"] = "; ".join(_number_text(t["diameter_mm"]) for t in raw["tumours"])
    h = raw.get("history") or {}
    for name, _label, _values in HISTORY_CHOICES:
        f[f"h-{name}"] = str(h.get(name) or "")
    for name, _label in HISTORY_FLAGS:
        f[f"h-{name}"] = yes_no.get(h[name], "") if name in h else ""
    for name, _label, _unit in HISTORY_NUMBERS:
        f[f"h-{name}"] = _number_text(h.get(name))
    drugs = h.get("prior_systemic_therapy")
    if drugs is not None:
        f["h-prior_systemic_therapy"] = ", ".join(drugs)
        if not drugs:
            f["h-prior_systemic_none"] = "on"
    for name, _label in HISTORY_DATES:
        if name in h:
            f[f"h-{name}-known"] = "never" if h[name] is None else "date"
            f[f"h-{name}"] = str(h[name] or "")
    failure = h.get("tace_failure") or {}
    f["h-tace_failure-date"] = str(failure.get("date") or "")
    f["h-tace_failure-criterion"] = str(failure.get("criterion") or "")
    return f


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
        for i in range(_rows(r.text("lesion_rows"), LESION_ROWS))
        if (les := _lesions(r, i)) is not None
    ]
    non_target = []
    for i in range(_rows(r.text("nt_rows"), 0)):
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
    tracked = {les["id"] for les in lesions}
    new = []
    for i in range(_rows(r.text("new_rows"), NEW_LESION_ROWS)):
        p = f"new-{i}-"
        size = r.number(p + "longest_mm", f"new lesion {i + 1}.longest_mm")
        if size is None and (not r.text(p + "id") or r.text(p + "id") in tracked):
            continue  # empty, or a carried new lesion now measured under lesions
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
