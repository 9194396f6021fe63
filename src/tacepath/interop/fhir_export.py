"""A patient's record (snapshot and timeline contracts) as a FHIR R4 Bundle (collection).

The mapping is the reverse of :mod:`tacepath.interop.fhir` (docs/platform.md has the table);
every Bundle written is validated by ``fhir.resources``' R4B models before it is returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tacepath.interop.fhir_codes import LESION_COMPONENTS, LESION_FLAGS, TACEPATH_SYSTEM
from tacepath.interop.loinc import ECOG, LABS, LOINC_SYSTEM, fhir_unit

__all__ = ["record_to_bundle"]


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def _lesion_obs(pid: str, date: str, kind: str, les: Mapping[str, Any], n: int) -> dict[str, Any]:
    comps: list[dict[str, Any]] = [
        {"code": {"coding": [_coding(TACEPATH_SYSTEM, "kind")]}, "valueString": kind}
    ]
    for k in LESION_COMPONENTS:
        if les.get(k) is not None:
            comps.append(
                {
                    "code": {"coding": [_coding(TACEPATH_SYSTEM, k)]},
                    "valueQuantity": {
                        "value": les[k],
                        "unit": "mm",
                        "system": "http://unitsofmeasure.org",
                        "code": "mm",
                    },
                }
            )
    for k in LESION_FLAGS:
        if les.get(k) is not None:
            comps.append(
                {"code": {"coding": [_coding(TACEPATH_SYSTEM, k)]}, "valueBoolean": bool(les[k])}
            )
    if les.get("status"):
        comps.append(
            {"code": {"coding": [_coding(TACEPATH_SYSTEM, "status")]}, "valueString": les["status"]}
        )
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"lesion-{n}",
        "status": "final",
        "code": {"coding": [_coding(TACEPATH_SYSTEM, "lesion", "Lesion measurement")]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": date,
        "bodySite": {"text": les["organ"]},
        "component": comps,
    }
    if les.get("id"):
        obs["identifier"] = [{"system": TACEPATH_SYSTEM, "value": les["id"]}]
    return obs


def _regimen_flag(changed: Any) -> list[dict[str, Any]]:
    if changed is None:
        return []
    return [_coding(TACEPATH_SYSTEM, "regimen-changed" if changed else "regimen-unchanged")]


def _treated_refs(ids: Any) -> dict[str, Any]:
    """The new lesions a TACE session treated, as references by the lesion identifier."""
    refs = [
        {"identifier": {"system": TACEPATH_SYSTEM, "value": i}, "display": f"lesion {i}"}
        for i in ids
    ]
    return {"reasonReference": refs} if refs else {}


def record_to_bundle(
    snapshot: Mapping[str, Any] | None, timeline: Mapping[str, Any] | None, mrn: str
) -> dict[str, Any]:
    """A FHIR R4 Bundle (collection) of the record's snapshot and timeline, validated."""
    from fhir.resources.R4B.bundle import Bundle

    pid = "patient"
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": TACEPATH_SYSTEM, "value": mrn}],
    }
    resources: list[dict[str, Any]] = [patient]
    snap = snapshot or {}
    if snap.get("sex"):
        patient["gender"] = snap["sex"]
    if timeline and timeline.get("death_date"):
        patient["deceasedDateTime"] = timeline["death_date"]
    when = snap.get("date") or snap.get("assessment_date")
    for analyte, lab in (snap.get("labs") or {}).items():
        code = LABS[analyte]
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"lab-{analyte}",
            "status": "final",
            "category": [
                {
                    "coding": [
                        _coding(
                            "http://terminology.hl7.org/CodeSystem/observation-category",
                            "laboratory",
                        )
                    ]
                }
            ],
            "code": {"coding": [_coding(LOINC_SYSTEM, code.code, code.display)]},
            "subject": {"reference": f"Patient/{pid}"},
            "valueQuantity": {
                "value": lab["value"],
                "unit": lab.get("unit", "1"),
                "system": "http://unitsofmeasure.org",
                "code": fhir_unit(lab.get("unit", "1")),
            },
        }
        if when:
            obs["effectiveDateTime"] = when
        resources.append(obs)
    if snap.get("ecog") is not None:
        ecog: dict[str, Any] = {
            "resourceType": "Observation",
            "id": "ecog",
            "status": "final",
            "code": {"coding": [_coding(LOINC_SYSTEM, ECOG.code, ECOG.display)]},
            "subject": {"reference": f"Patient/{pid}"},
            "valueInteger": snap["ecog"],
        }
        if when:
            ecog["effectiveDateTime"] = when
        resources.append(ecog)
    n = 0
    for a in (timeline or {}).get("assessments", []):
        for kind, key in (
            ("measured", "lesions"),
            ("non_target", "non_target"),
            ("new", "new_lesions"),
        ):
            for les in a.get(key, []):
                n += 1
                resources.append(_lesion_obs(pid, a["date"], kind, les, n))
    for i, s in enumerate((timeline or {}).get("tace_sessions", []), start=1):
        resources.append(
            {
                "resourceType": "Procedure",
                "id": f"tace-{i}",
                "status": "completed",
                "code": {
                    "coding": [
                        _coding(TACEPATH_SYSTEM, "tace", "TACE"),
                        _coding(TACEPATH_SYSTEM, s.get("technique", "other")),
                        *_regimen_flag(s.get("regimen_changed")),
                    ],
                    "text": "TACE",
                },
                "subject": {"reference": f"Patient/{pid}"},
                "performedDateTime": s["date"],
            }
            | _treated_refs(s.get("treated_lesions", ()))
        )
    for i, c in enumerate((timeline or {}).get("child_pugh", []), start=1):
        resources.append(
            {
                "resourceType": "Observation",
                "id": f"child-pugh-{i}",
                "status": "final",
                "code": {"coding": [_coding(TACEPATH_SYSTEM, "child-pugh", "Child-Pugh score")]},
                "subject": {"reference": f"Patient/{pid}"},
                "effectiveDateTime": c["date"],
                "valueInteger": c["score"],
            }
        )
    for i, d in enumerate((timeline or {}).get("drug_periods", []), start=1):
        period = {"start": d["start"]} | ({"end": d["end"]} if d.get("end") else {})
        resources.append(
            {
                "resourceType": "MedicationStatement",
                "id": f"drug-{i}",
                "status": "active" if not d.get("end") else "completed",
                "medicationCodeableConcept": {"text": d["drug"]},
                "subject": {"reference": f"Patient/{pid}"},
                "effectivePeriod": period,
            }
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:tacepath:{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
    Bundle.model_validate(bundle)
    return bundle
