"""LOINC codes of the labs tacepath reads, each verified in a published source.

Only codes whose number and long common name were found in a cited source are here; an
Observation with any other code is reported as unsupported by the FHIR import, never
guessed. ``ucum`` maps the UCUM unit codes used in FHIR ``valueQuantity`` to the unit
spellings of :mod:`tacepath.domain.units` (the domain then converts and checks them).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ECOG", "LABS", "LOINC_SYSTEM", "LoincCode", "fhir_unit", "tacepath_unit"]

LOINC_SYSTEM = "http://loinc.org"


@dataclass(frozen=True, slots=True)
class LoincCode:
    code: str
    display: str
    analyte: str
    unit: str
    source: str


_US_CORE_BILI = "https://hl7.org/fhir/us/core/STU5.0.1/Observation-serum-total-bilirubin.html"
_HSPC = "https://www.hl7.org/fhir/2015May/hspc-QuantitativeLabCodes.html"
_PACIO_INR = (
    "https://build.fhir.org/ig/paciowg/sample-data-fsh/"
    "Observation-betsysmith-johnson01-obs-inr-coag-panel.html"
)
_CPG_CREAT = "https://hl7.org/fhir/uv/cpg/ValueSet-ckd-valueset-creatinine.html"
_US_CORE_NA = "https://hl7.org/fhir/us/core/STU3.1/Observation-serum-sodium.html"
_AFP = (
    "exact-string search of public FHIR terminology sources (a LOINC 2.70 AFP value set "
    "'LNC|v2.70#1834-1', German oncology value sets '$LNC#1834-1 ... AFP — HCC'): five "
    "independent files agree; no HL7-published page reached"
)
_DQM_AST = "https://build.fhir.org/ig/cqframework/dqm-content-cms-2026/ValueSet-ast-lab-tests.html"
_DQM_ALT = "https://build.fhir.org/ig/cqframework/dqm-content-cms-2026/ValueSet-alt-lab-tests.html"
_US_CORE_PLT = "https://hl7.org/fhir/us/core/STU7/Observation-cbc-platelets.html"

#: The lab codes, by tacepath analyte.
LABS: dict[str, LoincCode] = {
    c.analyte: c
    for c in (
        LoincCode(
            "1975-2",
            "Bilirubin.total [Mass/volume] in Serum or Plasma",
            "bilirubin",
            "mg/dL",
            _US_CORE_BILI,
        ),
        LoincCode("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "albumin", "g/dL", _HSPC),
        LoincCode(
            "6301-6", "INR in Platelet poor plasma by Coagulation assay", "inr", "1", _PACIO_INR
        ),
        LoincCode(
            "2160-0",
            "Creatinine [Mass/volume] in Serum or Plasma",
            "creatinine",
            "mg/dL",
            _CPG_CREAT,
        ),
        LoincCode(
            "2951-2", "Sodium [Moles/volume] in Serum or Plasma", "sodium", "mmol/L", _US_CORE_NA
        ),
        LoincCode(
            "1834-1", "Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma", "afp", "ng/mL", _AFP
        ),
        LoincCode(
            "1920-8",
            "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "ast",
            "U/L",
            _DQM_AST,
        ),
        LoincCode(
            "1742-6",
            "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
            "alt",
            "U/L",
            _DQM_ALT,
        ),
        LoincCode(
            "777-3",
            "Platelets [#/volume] in Blood by Automated count",
            "platelets",
            "10^9/L",
            _US_CORE_PLT,
        ),
    )
}

#: ECOG performance status (mCODE ECOG Performance Status profile, LOINC 89247-1).
ECOG = LoincCode(
    "89247-1",
    "ECOG Performance Status score",
    "ecog",
    "",
    "https://www.hl7.org/fhir/us/mcode/STU4/StructureDefinition-mcode-ecog-performance-status.html",
)

# UCUM code -> tacepath unit spelling (both directions where one-to-one).
_FROM_UCUM = {
    "umol/L": "µmol/L",
    "10*9/L": "10^9/L",
    "10*3/uL": "10^3/µL",
    "meq/L": "mEq/L",
    "[IU]/L": "IU/L",
    "[IU]/mL": "IU/mL",
    "ug/L": "µg/L",
    "ukat/L": "µkat/L",
    "{ratio}": "1",
    "{INR}": "1",
}
_TO_UCUM = {
    "µmol/L": "umol/L",
    "10^9/L": "10*9/L",
    "10^3/µL": "10*3/uL",
    "mEq/L": "meq/L",
    "IU/L": "[IU]/L",
    "IU/mL": "[IU]/mL",
    "µg/L": "ug/L",
    "µkat/L": "ukat/L",
}


def tacepath_unit(code: str | None, unit: str | None) -> str:
    """The tacepath spelling of a ``valueQuantity`` unit (UCUM ``code`` first)."""
    raw = (code or unit or "1").strip()
    return _FROM_UCUM.get(raw, raw)


def fhir_unit(unit: str) -> str:
    """The UCUM code of a tacepath unit."""
    return _TO_UCUM.get(unit, unit)
