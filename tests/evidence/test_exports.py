"""tacepath.evidence names its public modules, exactly these, and each imports."""

from __future__ import annotations

import importlib

import tacepath.evidence as evidence


def test_public_modules() -> None:
    assert evidence.__all__ == ["model", "registry", "views"]
    for name in evidence.__all__:
        assert importlib.import_module(f"tacepath.evidence.{name}").__all__
