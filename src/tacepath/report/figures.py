"""A figure as bytes: every plot of the package is drawn by a function that writes a PNG to a
path (matplotlib's ``savefig``); pages, summaries and the API embed or serve its bytes."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["png_bytes"]


def png_bytes(draw: Callable[[Path], object]) -> bytes:
    """The PNG ``draw(path)`` writes, as bytes (a temporary file in between)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "figure.png"
        draw(path)
        return path.read_bytes()
