"""Eligibility checks: one pure function per check of the regimen catalogue's vocabulary.

Each check reads the patient snapshot and its clinical assessment and returns ``pass``,
``fail``, ``unknown`` or ``caution`` with the values that decided. An input that is missing
is ``unknown`` (named), never assumed; ``caution`` is a finding the source leaves to the MDT
(the criterion of the catalogue carries the question to ask). Thresholds, windows and the
meaning of ``fail`` come from the catalogue (with their sources), not from this code.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tacepath.clinical.assessment import Assessment, NotComputable
from tacepath.domain.patient import History, PatientSnapshot

__all__ = [
    "CHECK_FUNCTIONS",
    "FEATURES",
    "Outcome",
    "Verdict",
    "months_before",
    "run_check",
    "threshold",
]

Verdict = Literal["pass", "fail", "unknown", "caution"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one check and the values behind it."""

    result: Verdict
    detail: str


def _unknown(what: str) -> Outcome:
    return Outcome("unknown", f"{what} not given")


def _score(a: Assessment, name: str, key: str) -> Any:
    r = a[name]
    if isinstance(r, NotComputable):
        return None
    return r.to_dict().get(key)


def _missing(a: Assessment, name: str) -> str:
    r = a[name]
    if isinstance(r, NotComputable):
        return ", ".join(r.missing) or r.reason
    return ""


def _history(p: PatientSnapshot) -> History:
    return p.history or History()


Relation = Literal["at_most", "below", "at_least"]

_WORDS: dict[Relation, tuple[str, str]] = {
    # (inside the limit, outside the limit)
    "at_most": ("at or below", "above"),
    "below": ("below", "at or above"),
    "at_least": ("at or above", "below"),
}


def _within(value: float, limit: float, relation: Relation) -> bool:
    if relation == "at_most":
        return value <= limit
    if relation == "below":
        return value < limit
    return value >= limit


def threshold(what: str, value: float, limit: float, relation: Relation, unit: str = "") -> Outcome:
    """Compare ``value`` with ``limit``; the detail says on which side of the limit it lies."""
    ok = _within(value, limit, relation)
    side = _WORDS[relation][0 if ok else 1]
    u = f" {unit}" if unit else ""
    return Outcome("pass" if ok else "fail", f"{what}{u} ({side} the limit {limit:g}{u})")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same calendar day ``months`` months earlier (the month's last day if shorter)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(y, m + 1)[1]
    return dt.date(y, m + 1, min(day.day, last))


# --------------------------------------------------------------------------- stage and scores


def bclc_in(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """``value``: the stages that pass (a list), or ``{pass: [...], caution: [...]}``.

    Any other computed stage fails. A stage left to MDT judgement (liver function not
    preserved) is a caution with the staging reasons; a stage not computable is unknown.
    """
    ok, caution = (value, []) if isinstance(value, list) else (value["pass"], value["caution"])
    r = a["bclc"]
    stage = _score(a, "bclc", "stage")
    if stage is None:
        if isinstance(r, NotComputable):
            return Outcome("unknown", f"BCLC stage not computable (missing {_missing(a, 'bclc')})")
        reasons = "; ".join(r.to_dict().get("reasons") or [])  # type: ignore[arg-type]
        return Outcome("caution", f"BCLC stage needs MDT judgement: {reasons}")
    if stage in ok:
        return Outcome("pass", f"BCLC {stage} (within: {', '.join(ok)})")
    return Outcome(
        "caution" if stage in caution else "fail", f"BCLC {stage} (outside: {', '.join(ok)})"
    )


def child_pugh_score_max(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """``value``: the limit, or ``{at_most: L, caution_above: C}`` (C < score <= L: caution)."""
    score = _score(a, "child_pugh", "score")
    if score is None:
        return Outcome(
            "unknown", f"Child-Pugh not computable (missing {_missing(a, 'child_pugh')})"
        )
    if isinstance(value, Mapping):
        out = threshold(f"Child-Pugh score {score}", score, value["at_most"], "at_most")
        if out.result == "pass" and score > value["caution_above"]:
            return Outcome(
                "caution",
                f"Child-Pugh score {score} (above {value['caution_above']:g}, at or below the "
                f"limit {value['at_most']:g})",
            )
        return out
    return threshold(f"Child-Pugh score {score}", score, value, "at_most")


def child_pugh_class_in(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    cls = _score(a, "child_pugh", "class")
    if cls is None:
        return Outcome(
            "unknown", f"Child-Pugh not computable (missing {_missing(a, 'child_pugh')})"
        )
    ok = cls in value
    word = "within" if ok else "outside"
    return Outcome("pass" if ok else "fail", f"Child-Pugh {cls} ({word}: {', '.join(value)})")


def ecog_max(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.ecog is None:
        return _unknown("ECOG performance status")
    return threshold(f"ECOG {p.ecog}", p.ecog, value, "at_most")


def hap_class_in(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    cls = _score(a, "hap", "class")
    if cls is None:
        return Outcome("unknown", f"HAP not computable (missing {_missing(a, 'hap')})")
    ok = cls in value
    word = "within" if ok else "outside"
    return Outcome("pass" if ok else "fail", f"HAP {cls} ({word}: {', '.join(value)})")


def age_min(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.age_years is None:
        return _unknown("age_years")
    return threshold(f"age {p.age_years:g}", p.age_years, value, "at_least", "years")


# --------------------------------------------------------------------------- tumour burden


def tumours_max(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.tumours is None:
        return _unknown("tumours")
    n = len(p.tumours)
    return threshold(f"{n} tumours", n, value, "at_most")


def tumour_diameter_max_mm(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.tumours is None:
        return _unknown("tumours")
    if not p.tumours:
        return Outcome("pass", "no measurable tumour listed")
    largest = max(t.diameter_mm for t in p.tumours)
    return threshold(f"largest tumour {largest:g}", largest, value, "at_most", "mm")


# --------------------------------------------------------------------------- prior therapy


def prior_tace_max(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    h = _history(p)
    if h.prior_tace_sessions is None:
        return _unknown("history.prior_tace_sessions")
    n = h.prior_tace_sessions
    return threshold(f"{n} prior TACE sessions", n, value, "at_most")


def last_tace_months_before(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """No prior TACE, or the last one more than ``value`` months before the assessment."""
    h = _history(p)
    if h.prior_tace_sessions == 0 or (h.known("last_tace_date") and h.last_tace_date is None):
        return Outcome("pass", "no prior TACE")
    if h.last_tace_date is None:
        return _unknown("history.last_tace_date")
    if p.assessment_date is None:
        return _unknown("assessment_date")
    since = months_before(p.assessment_date, value)
    if h.last_tace_date < since:
        return Outcome(
            "pass", f"last TACE {h.last_tace_date} (more than {value} months before, {since})"
        )
    return Outcome(
        "fail", f"last TACE {h.last_tace_date} (not more than {value} months before, {since})"
    )


def no_prior_systemic(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    h = _history(p)
    if h.prior_systemic_therapy is None:
        return _unknown("history.prior_systemic_therapy")
    if h.prior_systemic_therapy:
        return Outcome("fail", "prior systemic therapy: " + ", ".join(h.prior_systemic_therapy))
    return Outcome("pass", "no prior systemic therapy")


# --------------------------------------------------------------------------- organ function


def renal_function(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """Creatinine below ``creatinine_below_mg_dl`` and clearance at or above
    ``clearance_at_least_ml_min``: either one outside its limit fails."""
    mg_dl = p.labs.get("creatinine", "mg/dL")
    clearance = _history(p).creatinine_clearance_ml_min
    parts = []
    if mg_dl is not None:
        parts.append(
            threshold(
                f"creatinine {mg_dl:.2f}", mg_dl, value["creatinine_below_mg_dl"], "below", "mg/dL"
            )
        )
    if clearance is not None:
        parts.append(
            threshold(
                f"creatinine clearance {clearance:g}",
                clearance,
                value["clearance_at_least_ml_min"],
                "at_least",
                "mL/min",
            )
        )
    missing = [
        name
        for name, v in (
            ("labs.creatinine", mg_dl),
            ("history.creatinine_clearance_ml_min", clearance),
        )
        if v is None
    ]
    detail = "; ".join(o.detail for o in parts)
    if any(o.result == "fail" for o in parts):
        return Outcome("fail", detail)
    if missing:
        return Outcome(
            "unknown", "; ".join([*([detail] if detail else []), *missing]) + " not given"
        )
    return Outcome("pass", detail)


def proteinuria_below(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    g = _history(p).proteinuria_g_per_24h
    if g is None:
        return _unknown("history.proteinuria_g_per_24h")
    return threshold(f"proteinuria {g:g}", g, value, "below", "g/24 h")


def hypertension_not_uncontrolled(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    h = _history(p).hypertension
    if h is None:
        return _unknown("history.hypertension")
    return Outcome("fail" if h == "uncontrolled" else "pass", f"hypertension: {h}")


def encephalopathy_absent(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """None passes; a grade listed in ``value['caution']`` is a caution; any other fails."""
    e = p.encephalopathy
    if e is None:
        return _unknown("encephalopathy")
    if e == "none":
        return Outcome("pass", "no encephalopathy")
    caution = (value or {}).get("caution", [])
    return Outcome("caution" if e in caution else "fail", f"encephalopathy {e} recorded")


def no_refractory_ascites(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.ascites is None:
        return _unknown("ascites")
    if p.ascites == "none":
        return Outcome("pass", "no ascites")
    refractory = _history(p).refractory_ascites
    if refractory is None:
        return _unknown(f"ascites {p.ascites}: history.refractory_ascites")
    if refractory:
        return Outcome("fail", f"ascites {p.ascites}, refractory")
    return Outcome("pass", f"ascites {p.ascites}, not refractory")


def varices_not_high_risk_untreated(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    v = _history(p).varices
    if v is None or v == "unknown":
        return Outcome("unknown", "varices not assessed (history.varices)")
    if v == "high-risk-untreated":
        return Outcome("fail", "high-risk varices, untreated")
    return Outcome("pass", f"varices: {v}")


def autoimmune_disease(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """Active fails; inactive (previously documented) is a caution — or fails too when
    ``value`` is ``active_or_past`` (a trial that excluded past disease, e.g. IMbrave150's
    registry record); none passes."""
    ad = _history(p).autoimmune_disease
    if ad is None:
        return _unknown("history.autoimmune_disease")
    past: Verdict = "fail" if value == "active_or_past" else "caution"
    verdict: Verdict = {"active": "fail", "inactive": past}.get(ad, "pass")
    return Outcome(verdict, f"autoimmune disease: {ad}")


def no_organ_transplant(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    t = _history(p).organ_transplant
    if t is None:
        return _unknown("history.organ_transplant")
    if t:
        return Outcome("unknown", "prior organ transplant: the rule is not verified in a source")
    return Outcome("pass", "no organ transplant")


# --------------------------------------------------------------------------- dated events


def event_window(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """A dated event of the history against a window before the assessment.

    ``value``: ``{field, what, months | days}``. Inside the window (the window's first day
    included) fails; before it passes; never passes. Without a window the source gives none:
    any such event is a caution for the MDT ("recent?").
    """
    name, what = value["field"], value["what"]
    h = _history(p)
    if not h.known(name):
        return _unknown(f"history.{name}")
    when: dt.date | None = getattr(h, name)
    if when is None:
        return Outcome("pass", f"no {what}")
    ago = (
        f" ({(p.assessment_date - when).days} days before assessment)" if p.assessment_date else ""
    )
    if "months" not in value and "days" not in value:
        return Outcome("caution", f"{what} on {when.isoformat()}{ago}")
    if p.assessment_date is None:
        return _unknown(f"assessment_date (to place the {what} of {when.isoformat()})")
    if "months" in value:
        start, span = months_before(p.assessment_date, value["months"]), f"{value['months']} months"
    else:
        start = p.assessment_date - dt.timedelta(days=value["days"])
        span = f"{value['days']} days"
    inside = when >= start
    side = "within" if inside else "before"
    return Outcome(
        "fail" if inside else "pass",
        f"{what} on {when.isoformat()}{ago}: {side} the {span} window from {start.isoformat()}",
    )


# --------------------------------------------------------------------------- features


Present = Callable[[PatientSnapshot], bool | None]


#: Proteinuria at which lenvatinib and bevacizumab are withheld (their labels; reference
#: adverse-events-and-dosing.md 2.2 and 2.3): an amount this catalogue already treats as
#: clinically significant, so it cannot be presumed inside a population whose renal criteria
#: were not read. Below it the presumption stays (docs/pathway.md: "not read" criteria).
SIGNIFICANT_PROTEINURIA_G_PER_24H = 2.0


def _proteinuria_recorded(p: PatientSnapshot) -> bool | None:
    """Proteinuria of 2 g/24 h or more (:data:`SIGNIFICANT_PROTEINURIA_G_PER_24H`)."""
    v = _history(p).proteinuria_g_per_24h
    return None if v is None else v >= SIGNIFICANT_PROTEINURIA_G_PER_24H


def _flag(name: str) -> Present:
    return lambda p: getattr(_history(p), name)


def _any_of(
    *parts: Present,
) -> Present:
    """True if any part is True; False if all are False; otherwise unknown (None)."""

    def f(p: PatientSnapshot) -> bool | None:
        values = [g(p) for g in parts]
        if any(v is True for v in values):
            return True
        return False if all(v is False for v in values) else None

    return f


def _dated(name: str) -> Present:
    def f(p: PatientSnapshot) -> bool | None:
        h = _history(p)
        return None if not h.known(name) else getattr(h, name) is not None

    return f


def _prior_therapy(p: PatientSnapshot) -> bool | None:
    h = _history(p)
    systemic = None if h.prior_systemic_therapy is None else bool(h.prior_systemic_therapy)
    tace = None if h.prior_tace_sessions is None else h.prior_tace_sessions > 0
    return _any_of(
        lambda _: systemic, lambda _: tace, _flag("locoregional_therapy_to_current_tumours")
    )(p)


def _not_none(field: str, absent: str = "none") -> Present:
    def f(p: PatientSnapshot) -> bool | None:
        v = getattr(p, field)
        return None if v is None else v != absent

    return f


def _hypertension_uncontrolled(p: PatientSnapshot) -> bool | None:
    h = _history(p).hypertension
    return None if h is None else h == "uncontrolled"


Feature = tuple[str, Present, str]

#: Findings a criterion asks to be absent: (label, present?, the input that decides).
FEATURES: dict[str, Feature] = {
    "macrovascular_invasion": (
        "macrovascular invasion",
        lambda p: p.macrovascular_invasion,
        "macrovascular_invasion",
    ),
    "extrahepatic_spread": (
        "extrahepatic spread",
        lambda p: p.extrahepatic_spread,
        "extrahepatic_spread",
    ),
    "ascites": ("ascites", _not_none("ascites"), "ascites"),
    "decompensation": (
        "ascites or encephalopathy",
        _any_of(_not_none("ascites"), _not_none("encephalopathy")),
        "ascites, encephalopathy",
    ),
    "bleeding": (
        "variceal or gastric bleeding on record",
        _any_of(_dated("variceal_bleeding_date"), _dated("gastric_bleeding_date")),
        "history.variceal_bleeding_date, history.gastric_bleeding_date",
    ),
    "cardiovascular_disease": (
        "clinically significant cardiovascular disease on record",
        _dated("cardiovascular_disease_date"),
        "history.cardiovascular_disease_date",
    ),
    "uncontrolled_hypertension": (
        "uncontrolled hypertension",
        _hypertension_uncontrolled,
        "history.hypertension",
    ),
    "transplant": (
        "organ transplant or liver-transplant candidacy",
        _any_of(_flag("organ_transplant"), _flag("liver_transplant_candidate")),
        "history.organ_transplant, history.liver_transplant_candidate",
    ),
    "prior_therapy": (
        "prior systemic, TACE or locoregional therapy",
        _prior_therapy,
        "history.prior_systemic_therapy, history.prior_tace_sessions, "
        "history.locoregional_therapy_to_current_tumours",
    ),
    "renal_disease_or_proteinuria": (
        "renal disease or proteinuria (nephrotic or nephritic syndrome, or proteinuria of "
        "2 g/24 h or more)",
        _any_of(_flag("nephrotic_or_nephritic_syndrome"), _proteinuria_recorded),
        "history.nephrotic_or_nephritic_syndrome, history.proteinuria_g_per_24h",
    ),
    "portal_flow_impaired": (
        "impaired portal flow (bland portal-vein thrombus or hepatofugal flow)",
        _any_of(_flag("bland_portal_vein_thrombosis"), _flag("hepatofugal_portal_flow")),
        "history.bland_portal_vein_thrombosis, history.hepatofugal_portal_flow",
    ),
} | {
    name: (name.replace("_", " "), _flag(name), f"history.{name}")
    for name in (
        "jaundice",
        "hepatorenal_syndrome",
        "bland_portal_vein_thrombosis",
        "tumour_in_both_entire_lobes",
        "intra_arterial_technical_contraindication",
        "severe_comorbidity",
        "incompetent_papilla_with_aerobilia",
        "biliary_dilatation",
        "nephrotic_or_nephritic_syndrome",
        "liver_transplant_candidate",
        "locoregional_therapy_to_current_tumours",
        "hbv_hcv_coinfection",
    )
}


def feature_absent(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """The finding ``value`` (a key of :data:`FEATURES`) is absent: present fails."""
    label, present, inputs = FEATURES[value]
    v = present(p)
    if v is None:
        return _unknown(inputs)
    return Outcome("fail", f"{label}: present") if v else Outcome("pass", f"{label}: absent")


def mdt_confirms(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """A criterion the record cannot decide (e.g. "amenable to TACE"): the MDT confirms."""
    return Outcome("caution", "not in the record: the MDT confirms")


def not_read(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """A criterion of the source that was not read: unknown for every patient."""
    return Outcome("unknown", "the criterion was not read in the source")


CheckFunction = Callable[[PatientSnapshot, Assessment, Any], Outcome]

CHECK_FUNCTIONS: dict[str, CheckFunction] = {
    "bclc_in": bclc_in,
    "child_pugh_score_max": child_pugh_score_max,
    "child_pugh_class_in": child_pugh_class_in,
    "ecog_max": ecog_max,
    "hap_class_in": hap_class_in,
    "age_min": age_min,
    "tumours_max": tumours_max,
    "tumour_diameter_max_mm": tumour_diameter_max_mm,
    "prior_tace_max": prior_tace_max,
    "last_tace_months_before": last_tace_months_before,
    "no_prior_systemic": no_prior_systemic,
    "renal_function": renal_function,
    "proteinuria_below": proteinuria_below,
    "hypertension_not_uncontrolled": hypertension_not_uncontrolled,
    "encephalopathy_absent": encephalopathy_absent,
    "no_refractory_ascites": no_refractory_ascites,
    "varices_not_high_risk_untreated": varices_not_high_risk_untreated,
    "autoimmune_disease": autoimmune_disease,
    "no_organ_transplant": no_organ_transplant,
    "event_window": event_window,
    "feature_absent": feature_absent,
    "mdt_confirms": mdt_confirms,
    "not_read": not_read,
}


def run_check(check: str, patient: PatientSnapshot, assessment: Assessment, value: Any) -> Outcome:
    """Run one named check of the vocabulary."""
    return CHECK_FUNCTIONS[check](patient, assessment, value)
