"""FHIR R4 import/export and registry CSV import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, File, Request, UploadFile

from tacepath.errors import InputError
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.service import interop
from tacepath.service.principal import Principal

router = APIRouter(tags=["interop"])

_BUNDLE_EXAMPLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p",
                "identifier": [{"value": "P100"}],
                "gender": "female",
            }
        },
        {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
                "effectiveDateTime": "2026-05-01",
                "valueQuantity": {"value": 1.1, "unit": "mg/dL", "code": "mg/dL"},
            }
        },
    ],
}


@router.post("/import/fhir", status_code=201)
def import_fhir(
    request: Request,
    bundle: dict[str, Any] = Body(..., examples=[_BUNDLE_EXAMPLE]),
    who: Principal = Depends(Require("interop.import")),
) -> dict[str, Any]:
    """Import a FHIR R4 Bundle into a patient record (created, or updated by identifier).
    The answer lists every resource used and every resource not used, with the reason."""
    return interop.import_fhir(get_db(request), who, bundle)


@router.get("/patients/{patient_id}/fhir")
def export_fhir(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("interop.export"))
) -> dict[str, Any]:
    """The patient's record as a FHIR R4 Bundle (collection)."""
    return interop.export_fhir(get_db(request), who, patient_id)


@router.post("/import/csv", status_code=201)
async def import_csv(
    request: Request,
    file: UploadFile = File(..., description="Cohort CSV (README, 'Cohort files')."),
    who: Principal = Depends(Require("interop.import")),
) -> dict[str, Any]:
    """Import a registry extract: one patient per row, all rows or none."""
    from starlette.concurrency import run_in_threadpool

    data = await file.read(interop.MAX_UPLOAD_BYTES + 1)
    if not data:
        raise InputError("file", file.filename, "a non-empty CSV file")
    return await run_in_threadpool(interop.import_csv, get_db(request), who, data)
