"""Reading a statistical analysis plan file (YAML or JSON) into a checked plan.

The plan's model and checks are in :mod:`tacepath.analysis.sap`; this adapter reads the
file through :mod:`tacepath.interop.files` (binary, encoding, size) and records its SHA-256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tacepath.analysis.sap import Sap, parse_sap
from tacepath.interop.files import decode_text, file_label, parse_yaml, read_bytes

__all__ = ["load_sap"]


def load_sap(path: Path | str) -> tuple[Sap, str]:
    """Read and validate a plan file; returns the plan and the SHA-256 of the file's bytes."""
    p = Path(path)
    data = read_bytes(p, field="--sap", what="YAML or JSON plan")
    name = file_label(p, "--sap")
    raw = parse_yaml(decode_text(data, name=name, kind="YAML"), name=name)
    return parse_sap(raw), hashlib.sha256(data).hexdigest()
