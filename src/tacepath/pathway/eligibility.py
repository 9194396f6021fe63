"""Eligibility checks: one pure function per check of the regimen catalogue's vocabulary.

Each check reads the patient snapshot and its clinical assessment and returns ``pass``,
``fail`` or ``unknown`` with the values that decided. An input that is missing is
``unknown`` (named), never assumed. Thresholds come from the catalogue (with their sources),
not from this code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tacepath.clinical.assessment import Assessment, NotComputable
from tacepath.domain.patient import History, PatientSnapshot

__all__ = ["CHECK_FUNCTIONS", "Outcome", "Verdict", "run_check"]

Verdict = Literal["pass", "fail", "unknown"]


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


def bclc_in(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    stage = _score(a, "bclc", "stage")
    r = a["bclc"]
    if stage is None:
        if isinstance(r, NotComputable):
            return Outcome("unknown", f"BCLC stage not computable (missing {_missing(a, 'bclc')})")
        reasons = "; ".join(r.to_dict().get("reasons") or [])  # type: ignore[arg-type]
        return Outcome("unknown", f"BCLC stage needs MDT judgement: {reasons}")
    ok = stage in value
    return Outcome("pass" if ok else "fail", f"BCLC {stage} (needed: {', '.join(value)})")


def child_pugh_score_max(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    score = _score(a, "child_pugh", "score")
    if score is None:
        return Outcome(
            "unknown", f"Child-Pugh not computable (missing {_missing(a, 'child_pugh')})"
        )
    return threshold(f"Child-Pugh score {score}", score, value, "at_most")


def child_pugh_class_in(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    cls = _score(a, "child_pugh", "class")
    if cls is None:
        return Outcome(
            "unknown", f"Child-Pugh not computable (missing {_missing(a, 'child_pugh')})"
        )
    ok = cls in value
    return Outcome("pass" if ok else "fail", f"Child-Pugh {cls} (needed: {', '.join(value)})")


def ecog_max(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.ecog is None:
        return _unknown("ECOG performance status")
    return threshold(f"ECOG {p.ecog}", p.ecog, value, "at_most")


def no_macrovascular_invasion(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.macrovascular_invasion is None:
        return _unknown("macrovascular_invasion")
    if p.macrovascular_invasion:
        return Outcome("fail", "macrovascular invasion present")
    return Outcome("pass", "no macrovascular invasion")


def no_extrahepatic_spread(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.extrahepatic_spread is None:
        return _unknown("extrahepatic_spread")
    if p.extrahepatic_spread:
        return Outcome("fail", "extrahepatic spread present")
    return Outcome("pass", "no extrahepatic spread")


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


def prior_tace_max(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    h = _history(p)
    if h.prior_tace_sessions is None:
        return _unknown("history.prior_tace_sessions")
    n = h.prior_tace_sessions
    return threshold(f"{n} prior TACE sessions", n, value, "at_most")


def no_prior_systemic(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    h = _history(p)
    if h.prior_systemic_therapy is None:
        return _unknown("history.prior_systemic_therapy")
    if h.prior_systemic_therapy:
        return Outcome("fail", "prior systemic therapy: " + ", ".join(h.prior_systemic_therapy))
    return Outcome("pass", "no prior systemic therapy")


def creatinine_below_mg_dl(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    mg_dl = p.labs.get("creatinine", "mg/dL")
    if mg_dl is None:
        return _unknown("labs.creatinine")
    return threshold(f"creatinine {mg_dl:.2f}", mg_dl, value, "below", "mg/dL")


def varices_not_high_risk_untreated(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    v = _history(p).varices
    if v is None or v == "unknown":
        return Outcome("unknown", "varices not assessed (history.varices)")
    if v == "high-risk-untreated":
        return Outcome("fail", "high-risk varices, untreated")
    return Outcome("pass", f"varices: {v}")


def _event_date(p: PatientSnapshot, name: str, what: str) -> Outcome:
    h = _history(p)
    if not h.known(name):
        return _unknown(f"history.{name}")
    when = getattr(h, name)
    if when is None:
        return Outcome("pass", f"no {what}")
    if p.assessment_date is not None:
        days = (p.assessment_date - when).days
        return Outcome(
            "unknown", f"{what} on {when.isoformat()} ({days} days before assessment): recent?"
        )
    return Outcome("unknown", f"{what} on {when.isoformat()}: recent?")


def no_variceal_bleeding(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    return _event_date(p, "variceal_bleeding_date", "variceal bleeding")


def no_thromboembolism(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    return _event_date(p, "thromboembolism_date", "thromboembolic event")


def hypertension_not_uncontrolled(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    h = _history(p).hypertension
    if h is None:
        return _unknown("history.hypertension")
    return Outcome("fail" if h == "uncontrolled" else "pass", f"hypertension: {h}")


def proteinuria_below(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    g = _history(p).proteinuria_g_per_24h
    if g is None:
        return _unknown("history.proteinuria_g_per_24h")
    return threshold(f"proteinuria {g:g}", g, value, "below", "g/24 h")


def no_active_autoimmune(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    ad = _history(p).autoimmune_disease
    if ad is None:
        return _unknown("history.autoimmune_disease")
    if ad == "active":
        return Outcome("fail", "active autoimmune disease")
    return Outcome("pass", f"autoimmune disease: {ad}")


def no_organ_transplant(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    t = _history(p).organ_transplant
    if t is None:
        return _unknown("history.organ_transplant")
    if t:
        return Outcome("unknown", "prior organ transplant: the MDT must judge (rule unverified)")
    return Outcome("pass", "no organ transplant")


def age_min(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    if p.age_years is None:
        return _unknown("age_years")
    return threshold(f"age {p.age_years:g}", p.age_years, value, "at_least", "years")


def hap_class_in(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    cls = _score(a, "hap", "class")
    if cls is None:
        return Outcome("unknown", f"HAP not computable (missing {_missing(a, 'hap')})")
    return Outcome("pass" if cls in value else "fail", f"HAP {cls} (needed: {', '.join(value)})")


def mdt_confirms(p: PatientSnapshot, a: Assessment, value: Any) -> Outcome:
    """A criterion the record cannot decide (e.g. "amenable to TACE"): the MDT confirms."""
    return Outcome("unknown", "not in the record: the MDT confirms")


CheckFunction = Callable[[PatientSnapshot, Assessment, Any], Outcome]

CHECK_FUNCTIONS: dict[str, CheckFunction] = {
    "bclc_in": bclc_in,
    "child_pugh_score_max": child_pugh_score_max,
    "child_pugh_class_in": child_pugh_class_in,
    "ecog_max": ecog_max,
    "no_macrovascular_invasion": no_macrovascular_invasion,
    "no_extrahepatic_spread": no_extrahepatic_spread,
    "tumours_max": tumours_max,
    "tumour_diameter_max_mm": tumour_diameter_max_mm,
    "prior_tace_max": prior_tace_max,
    "no_prior_systemic": no_prior_systemic,
    "creatinine_below_mg_dl": creatinine_below_mg_dl,
    "varices_not_high_risk_untreated": varices_not_high_risk_untreated,
    "no_variceal_bleeding": no_variceal_bleeding,
    "hypertension_not_uncontrolled": hypertension_not_uncontrolled,
    "proteinuria_below": proteinuria_below,
    "no_thromboembolism": no_thromboembolism,
    "no_active_autoimmune": no_active_autoimmune,
    "no_organ_transplant": no_organ_transplant,
    "age_min": age_min,
    "hap_class_in": hap_class_in,
    "mdt_confirms": mdt_confirms,
}


def run_check(check: str, patient: PatientSnapshot, assessment: Assessment, value: Any) -> Outcome:
    """Run one named check of the vocabulary."""
    return CHECK_FUNCTIONS[check](patient, assessment, value)
