"""The ``tacepath`` command line (Typer + Rich).

Each command group lives in its own module and is registered here; the modules only
parse arguments, call the engines and render their results.
"""

from __future__ import annotations

from tacepath.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``tacepath`` console script."""
    app()
