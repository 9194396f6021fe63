"""Immutable typed records of the clinical domain, with units at the boundary."""

from tacepath.domain.citation import BaseCitation, Citation
from tacepath.domain.labs import AFP_NG_PER_IU_DEFAULT, Labs, LabValue, convert
from tacepath.domain.patient import (
    PatientSnapshot,
    Tumour,
    parse_patient,
    parse_patients,
    patient_json_schema,
)

__all__ = [
    "AFP_NG_PER_IU_DEFAULT",
    "BaseCitation",
    "Citation",
    "LabValue",
    "Labs",
    "PatientSnapshot",
    "Tumour",
    "convert",
    "parse_patient",
    "parse_patients",
    "patient_json_schema",
]
