"""tacepath.interop names its public modules, exactly these, and each imports with its own
``__all__``; the package itself imports none of them (each is loaded where it is needed)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import tacepath.interop as interop

MODULES = [
    "adam_io", "allocation_log", "attachments", "cohort_csv", "cohort_io", "fhir", "fhir_codes",
    "fhir_export", "files", "loinc", "sap_io",
]  # fmt: skip


def test_public_modules() -> None:
    assert interop.__all__ == MODULES
    for name in interop.__all__:
        module = importlib.import_module(f"tacepath.interop.{name}")
        for public in module.__all__:
            assert getattr(module, public) is not None


def test_package_import_loads_no_format() -> None:
    code = (
        "import sys, tacepath.interop; "
        "print(sorted(m for m in sys.modules if m.startswith('tacepath.interop.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
