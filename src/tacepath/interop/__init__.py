"""Interoperability: FHIR R4, CDISC ADaM/XPT, CSV.

Each format is a module, imported by the command or service that needs it (several load
pandas, pyarrow or ``fhir.resources``): :mod:`~tacepath.interop.files` (the checked opening
of every input file), :mod:`~tacepath.interop.cohort_io` and :mod:`~tacepath.interop.cohort_csv`
(cohort files), :mod:`~tacepath.interop.fhir`, :mod:`~tacepath.interop.fhir_export`,
:mod:`~tacepath.interop.fhir_codes` and :mod:`~tacepath.interop.loinc` (FHIR R4 Bundles and
their codes), :mod:`~tacepath.interop.adam_io` (ADaM data sets as CSV/Parquet/XPT),
:mod:`~tacepath.interop.sap_io` (analysis plan files) and
:mod:`~tacepath.interop.allocation_log` (the randomisation allocation file).
"""

#: The public modules (their names are imported from them, not from the package).
__all__ = [
    "adam_io",
    "allocation_log",
    "attachments",
    "cohort_csv",
    "cohort_io",
    "fhir",
    "fhir_codes",
    "fhir_export",
    "files",
    "loinc",
    "sap_io",
]
