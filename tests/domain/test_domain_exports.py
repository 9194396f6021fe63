"""The public names of tacepath.domain are exactly the intended ones, and each resolves."""

from __future__ import annotations

import tacepath.domain as domain


def test_exported_names() -> None:
    assert sorted(domain.__all__) == [
        "AFP_NG_PER_IU_DEFAULT", "BaseCitation", "Citation", "LabValue", "Labs", "PatientSnapshot",
        "Tumour", "convert", "parse_patient", "parse_patients", "patient_json_schema",
    ]  # fmt: skip
    for name in domain.__all__:
        assert getattr(domain, name) is not None
