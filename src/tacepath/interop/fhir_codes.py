"""The codes tacepath's FHIR Bundles use beyond LOINC (its own code system)."""

from __future__ import annotations

__all__ = ["LESION_COMPONENTS", "LESION_FLAGS", "TACEPATH_SYSTEM", "TECHNIQUES"]

#: The code system of tacepath's own codes (lesion measurements, Child-Pugh, TACE): no LOINC
#: or SNOMED code for these was verified, so none is used.
TACEPATH_SYSTEM = "urn:tacepath:fhir:record"

#: Numeric lesion components (tacepath code = timeline field), in millimetres.
LESION_COMPONENTS = (
    "longest_mm",
    "perpendicular_mm",
    "short_axis_mm",
    "viable_longest_mm",
    "viable_perpendicular_mm",
)
#: Boolean lesion components.
LESION_FLAGS = ("target", "typical_hcc", "viable", "equivocal", "porta_hepatis")
#: TACE techniques of the timeline contract.
TECHNIQUES = ("cTACE", "DEB-TACE", "TAE", "other")
