"""Interoperability: FHIR R4, CDISC ADaM/XPT, CSV."""
