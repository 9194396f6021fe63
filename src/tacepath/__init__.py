"""tacepath: evidence-based software for TACE combined with systemic therapy in HCC.

Layers (imports point downward only; docs/architecture.md, checked by ``lint-imports``):
``domain`` → ``clinical`` / ``response`` / ``survival`` (pure core) → ``evidence`` →
``adam`` / ``design`` → ``analysis`` / ``literature`` / ``pathway`` (engines) → ``store`` /
``interop`` / ``report`` (adapters) → ``service`` → ``api`` → ``cli`` / ``web`` (interfaces).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
