"""FHIR R4 Bundles in and out of a patient record (``fhir.resources``).

``fhir.resources`` ships the R4B (4.3.0) models; for the resources read and written here
(Bundle, Patient, Observation, Condition, Procedure, MedicationStatement,
MedicationAdministration, ImagingStudy) R4B is R4 with the same elements, so an R4 Bundle
validates and the Bundles written are R4-conformant for these resources.

Import (:func:`bundle_to_record`) gives the engines' two input contracts — the snapshot and
the timeline — plus a report: what each resource became, and every resource that was not
used with the reason (unsupported type, code outside the mapping, missing value). Nothing is
dropped silently. The contracts are then validated by the domain's parsers as any input.

Mapping (docs/platform.md has the table with sources):

* Patient: identifier[0].value (else id) → patient id; gender → sex; deceasedDateTime →
  death date; birthDate → age in whole years at the snapshot date.
* Observation, LOINC lab codes of :mod:`tacepath.interop.loinc` → labs (latest per analyte,
  unit converted from UCUM spelling); LOINC 89247-1 → ECOG.
* Observation with the tacepath code ``lesion`` (system :data:`TACEPATH_SYSTEM`) → a lesion
  of the imaging assessment on its date (components in mm, bodySite.text the organ);
  ``child-pugh`` → a Child-Pugh record.
* Procedure coded ``tace`` in :data:`TACEPATH_SYSTEM` (or whose text names TACE /
  chemoembolization) → a TACE session; the technique from a second tacepath coding; each
  ``reasonReference`` whose identifier is in :data:`TACEPATH_SYSTEM` → a treated new lesion.
* MedicationStatement / MedicationAdministration → a drug period (name, effective period).
* ImagingStudy → the modality of the assessment on its ``started`` date.
* Condition → reported (the record has no diagnosis field), not stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from tacepath.domain.timeline import ORGANS
from tacepath.errors import InputError
from tacepath.interop.fhir_codes import (
    LESION_COMPONENTS,
    LESION_FLAGS,
    TACEPATH_SYSTEM,
    TECHNIQUES,
)
from tacepath.interop.fhir_export import record_to_bundle
from tacepath.interop.loinc import ECOG, LABS, LOINC_SYSTEM, tacepath_unit

__all__ = [
    "LESION_COMPONENTS",
    "MAX_BUNDLE_ENTRIES",
    "TACEPATH_SYSTEM",
    "FhirImport",
    "bundle_to_record",
    "record_to_bundle",
]

_MODALITY = {"CT": "CT", "MR": "MRI", "PT": "PET-CT"}
#: Validation limit on the entries of an imported Bundle (one patient's record: its
#: snapshot, labs, imaging and lesions, events; a real record has hundreds).
MAX_BUNDLE_ENTRIES = 20_000


@dataclass
class FhirImport:
    """The two contracts read from a Bundle and what happened to each resource."""

    mrn: str
    snapshot: dict[str, Any]
    timeline: dict[str, Any] | None
    used: list[str] = field(default_factory=list)
    unsupported: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        return {
            "patient": self.mrn,
            "used": self.used,
            "unsupported": self.unsupported,
            "notes": self.notes,
        }


def _is_resource_type(kind: object) -> bool:
    from fhir.resources.R4B import get_fhir_model_class

    if not isinstance(kind, str) or not kind.isascii() or not kind.isalpha() or len(kind) > 64:
        return False
    try:
        get_fhir_model_class(kind)
    except (ValueError, KeyError, LookupError):
        return False
    return True


def _check_entries(raw: Mapping[str, Any]) -> None:
    """The entries are a list of at most :data:`MAX_BUNDLE_ENTRIES`, each resource of a
    FHIR R4 type (an unknown ``resourceType`` is refused here, naming the entry)."""
    entries = raw.get("entry")
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InputError("bundle.entry", type(entries).__name__, "a list of entries")
    if len(entries) > MAX_BUNDLE_ENTRIES:
        raise InputError(
            "bundle.entry", f"{len(entries)} entries", f"at most {MAX_BUNDLE_ENTRIES} entries"
        )
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(res, Mapping):
            kind = res.get("resourceType")
            if not _is_resource_type(kind):
                raise InputError(
                    f"bundle.entry[{i}].resource.resourceType", kind, "a FHIR R4 resource type"
                )


def _bundle(raw: Any) -> Any:
    from fhir.resources.R4B.bundle import Bundle

    if not isinstance(raw, Mapping) or raw.get("resourceType") != "Bundle":
        raise InputError(
            "resourceType", getattr(raw, "get", lambda _k: None)("resourceType"), "a FHIR Bundle"
        )
    _check_entries(raw)
    try:
        return Bundle.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"bundle.{where}", first.get("input"), str(first["msg"])) from exc
    except Exception as exc:  # the FHIR models raise KeyError, LookupError... on bad input
        raise InputError(
            "bundle", "(invalid)", f"a valid FHIR R4 Bundle ({type(exc).__name__})"
        ) from exc


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _num(value: Any) -> float | None:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _codes(concept: Any) -> list[tuple[str, str]]:
    if concept is None:
        return []
    return [(c.system or "", c.code or "") for c in (concept.coding or [])]


def _has(concept: Any, system: str, code: str) -> bool:
    return (system, code) in _codes(concept)


def _text(concept: Any) -> str:
    if concept is None:
        return ""
    if concept.text:
        return str(concept.text)
    for c in concept.coding or []:
        if c.display:
            return str(c.display)
    return ""


def _ref(kind: str, res: Any) -> str:
    return f"{kind}/{res.id}" if getattr(res, "id", None) else kind


def _age(birth: dt.date, on: dt.date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


class _Reader:
    def __init__(self) -> None:
        self.labs: dict[str, tuple[dt.date, dict[str, Any]]] = {}
        self.ecog: tuple[dt.date, int] | None = None
        self.lesions: dict[dt.date, list[tuple[str, dict[str, Any]]]] = {}
        self.modality: dict[dt.date, str] = {}
        self.child_pugh: list[dict[str, Any]] = []
        self.tace: list[dict[str, Any]] = []
        self.drugs: list[dict[str, Any]] = []
        self.out = FhirImport(mrn="", snapshot={}, timeline=None)

    def skip(self, ref: str, reason: str) -> None:
        self.out.unsupported.append({"resource": ref, "reason": reason})

    # ---- Observation
    def observation(self, obs: Any) -> None:
        ref = _ref("Observation", obs)
        when = _date(obs.effectiveDateTime) or _date(
            obs.effectivePeriod.start if obs.effectivePeriod else None
        )
        for analyte, code in LABS.items():
            if _has(obs.code, LOINC_SYSTEM, code.code):
                q = obs.valueQuantity
                value = _num(q.value) if q is not None else None
                if value is None or when is None:
                    self.skip(ref, f"LOINC {code.code}: needs valueQuantity.value and a date")
                    return
                lab = {"value": value, "unit": tacepath_unit(q.code, q.unit)}
                prev = self.labs.get(analyte)
                if prev is None or when >= prev[0]:
                    self.labs[analyte] = (when, lab)
                self.out.used.append(f"{ref}: {analyte} (LOINC {code.code})")
                return
        if _has(obs.code, LOINC_SYSTEM, ECOG.code):
            value = obs.valueInteger
            if value is None and obs.valueQuantity is not None:
                num = _num(obs.valueQuantity.value)
                value = int(num) if num is not None and num.is_integer() else None
            if value is None or when is None:
                self.skip(ref, "ECOG: needs an integer value and a date")
                return
            if self.ecog is None or when >= self.ecog[0]:
                self.ecog = (when, int(value))
            self.out.used.append(f"{ref}: ECOG (LOINC {ECOG.code})")
            return
        if _has(obs.code, TACEPATH_SYSTEM, "lesion"):
            self.lesion(obs, ref, when)
            return
        if _has(obs.code, TACEPATH_SYSTEM, "child-pugh"):
            if obs.valueInteger is None or when is None:
                self.skip(ref, "Child-Pugh: needs valueInteger and a date")
                return
            self.child_pugh.append({"date": when.isoformat(), "score": int(obs.valueInteger)})
            self.out.used.append(f"{ref}: Child-Pugh score")
            return
        self.skip(ref, "Observation code outside the mapping (LOINC labs, ECOG, tacepath lesion)")

    def lesion(self, obs: Any, ref: str, when: dt.date | None) -> None:
        organ = _text(obs.bodySite).strip().lower() or "liver"
        if when is None:
            self.skip(ref, "lesion: needs effectiveDateTime")
            return
        if organ not in ORGANS:
            self.skip(ref, f"lesion: bodySite {organ!r} is not one of {', '.join(ORGANS)}")
            return
        les: dict[str, Any] = {"organ": organ}
        kind = "measured"
        if obs.identifier:
            les["id"] = str(obs.identifier[0].value)
        for comp in obs.component or []:
            name = next((c for s, c in _codes(comp.code) if s == TACEPATH_SYSTEM), None)
            if name in LESION_COMPONENTS:
                v = _num(comp.valueQuantity.value) if comp.valueQuantity else None
                if v is not None:
                    les[name] = v
            elif name in LESION_FLAGS and comp.valueBoolean is not None:
                les[name] = bool(comp.valueBoolean)
            elif name == "status" and comp.valueString:
                les["status"] = str(comp.valueString)
            elif name == "kind" and comp.valueString in ("measured", "non_target", "new"):
                kind = str(comp.valueString)
        self.lesions.setdefault(when, []).append((kind, les))
        self.out.used.append(f"{ref}: lesion {les.get('id', '')} on {when}".rstrip())

    # ---- Procedure
    def procedure(self, proc: Any) -> None:
        ref = _ref("Procedure", proc)
        text = _text(proc.code).lower()
        coded = _has(proc.code, TACEPATH_SYSTEM, "tace")
        if not (coded or "tace" in text or "chemoemboli" in text):
            self.skip(ref, "Procedure is not a TACE (tacepath code 'tace' or TACE in its text)")
            return
        when = _date(proc.performedDateTime) or _date(
            proc.performedPeriod.start if proc.performedPeriod else None
        )
        if when is None:
            self.skip(ref, "TACE: needs performedDateTime or performedPeriod.start")
            return
        technique = next(
            (c for s, c in _codes(proc.code) if s == TACEPATH_SYSTEM and c in TECHNIQUES),
            "other",
        )
        session: dict[str, Any] = {"date": when.isoformat(), "technique": technique}
        for flag, value in (("regimen-changed", True), ("regimen-unchanged", False)):
            if _has(proc.code, TACEPATH_SYSTEM, flag):
                session["regimen_changed"] = value
        treated = [
            str(r.identifier.value)
            for r in proc.reasonReference or []
            if r.identifier is not None and r.identifier.system == TACEPATH_SYSTEM
        ]
        if treated:
            session["treated_lesions"] = treated
        self.tace.append(session)
        self.out.used.append(f"{ref}: TACE session on {when} ({technique})")

    # ---- medication
    def medication(self, med: Any, kind: str) -> None:
        ref = _ref(kind, med)
        name = _text(getattr(med, "medicationCodeableConcept", None)).strip().lower()
        period = getattr(med, "effectivePeriod", None)
        start = _date(getattr(med, "effectiveDateTime", None)) or _date(
            period.start if period else None
        )
        end = _date(period.end) if period else None
        if not name or start is None:
            self.skip(ref, f"{kind}: needs medicationCodeableConcept text and a start date")
            return
        self.drugs.append(
            {"drug": name, "start": start.isoformat(), "end": end.isoformat() if end else None}
        )
        self.out.used.append(f"{ref}: {name} from {start}")

    def imaging(self, study: Any) -> None:
        ref = _ref("ImagingStudy", study)
        when = _date(study.started)
        if when is None:
            self.skip(ref, "ImagingStudy: needs started")
            return
        mods = [c.code for c in (study.modality or []) if c.code in _MODALITY]
        self.modality[when] = _MODALITY[mods[0]] if mods else "other"
        self.out.used.append(f"{ref}: modality of the assessment on {when}")


def _assessments(r: _Reader) -> list[dict[str, Any]]:
    out = []
    for when in sorted(r.lesions):
        a: dict[str, Any] = {
            "date": when.isoformat(),
            "modality": r.modality.get(when, "CT"),
            "lesions": [],
            "non_target": [],
            "new_lesions": [],
        }
        for kind, les in r.lesions[when]:
            if kind == "measured":
                a["lesions"].append(les)
            elif kind == "non_target":
                a["non_target"].append(
                    {
                        k: v
                        for k, v in les.items()
                        if k in ("id", "organ", "status", "viable", "short_axis_mm")
                    }
                )
            else:
                a["new_lesions"].append(
                    {
                        k: v
                        for k, v in les.items()
                        if k not in ("target", "status", "viable", "perpendicular_mm")
                    }
                )
        out.append(a)
    for when in sorted(set(r.modality) - set(r.lesions)):
        r.out.notes.append(f"ImagingStudy on {when} has no lesion measurements: no assessment")
    return out


def bundle_to_record(raw: Any, *, start_date: dt.date | None = None) -> FhirImport:
    """Read a FHIR R4 Bundle into the snapshot and timeline contracts, with a report."""
    bundle = _bundle(raw)
    r = _Reader()
    patients = []
    for i, entry in enumerate(bundle.entry or []):
        res = entry.resource
        if res is None:
            r.skip(f"entry[{i}]", "entry without a resource")
            continue
        kind = res.get_resource_type()
        if kind == "Patient":
            patients.append(res)
        elif kind == "Observation":
            r.observation(res)
        elif kind == "Procedure":
            r.procedure(res)
        elif kind in ("MedicationStatement", "MedicationAdministration"):
            r.medication(res, kind)
        elif kind == "ImagingStudy":
            r.imaging(res)
        elif kind == "Condition":
            r.skip(
                _ref("Condition", res),
                f"Condition ({_text(res.code) or 'no text'}): the record has no diagnosis "
                "field; noted, not stored",
            )
        else:
            r.skip(_ref(kind, res), f"resource type {kind} is not read by tacepath")
    if len(patients) != 1:
        raise InputError("entry", f"{len(patients)} Patient resources", "exactly one Patient")
    pat = patients[0]
    mrn = str(pat.identifier[0].value) if pat.identifier else str(pat.id or "")
    if not mrn:
        raise InputError("Patient.identifier", None, "an identifier or an id")
    r.out.mrn = mrn
    r.out.used.insert(0, f"{_ref('Patient', pat)}: patient {mrn}")
    snap: dict[str, Any] = {"id": mrn}
    if pat.gender in ("male", "female"):
        snap["sex"] = pat.gender
    elif pat.gender:
        r.out.notes.append(f"Patient.gender {pat.gender!r}: not male/female, left unknown")
    dates = [d for d, _ in r.labs.values()] + ([r.ecog[0]] if r.ecog else [])
    snap_date = max(dates) if dates else None
    if snap_date is not None:
        snap["date"] = snap_date.isoformat()
    birth = _date(pat.birthDate)
    if birth is not None and snap_date is not None:
        snap["age_years"] = _age(birth, snap_date)
    elif birth is not None:
        r.out.notes.append("birthDate given but no dated observation: age left unknown")
    if r.labs:
        snap["labs"] = {a: lab for a, (_, lab) in r.labs.items()}
    if r.ecog is not None:
        snap["ecog"] = r.ecog[1]
    r.out.snapshot = snap

    assessments = _assessments(r)
    death = _date(pat.deceasedDateTime)
    if assessments:
        start = start_date or dt.date.fromisoformat(assessments[0]["date"])
        if start_date is None:
            r.out.notes.append(
                "course start date taken from the baseline imaging date; edit it on the "
                "patient page if treatment started later"
            )
        tl: dict[str, Any] = {
            "id": mrn,
            "start_date": start.isoformat(),
            "assessments": assessments,
            "tace_sessions": sorted(r.tace, key=lambda s: s["date"]),
            "child_pugh": sorted(r.child_pugh, key=lambda c: c["date"]),
            "drug_periods": sorted(r.drugs, key=lambda d: d["start"]),
        }
        if death is not None:
            tl["death_date"] = death.isoformat()
        r.out.timeline = tl
    elif r.tace or r.drugs or r.child_pugh:
        r.out.notes.append(
            "TACE sessions, drugs or Child-Pugh records without imaging: no timeline made "
            "(a timeline needs a baseline imaging assessment)"
        )
        for item in ("tace", "drugs", "child_pugh"):
            for x in getattr(r, item):
                r.skip(f"{item}:{x.get('date') or x.get('start')}", "no timeline to hold it")
    return r.out
