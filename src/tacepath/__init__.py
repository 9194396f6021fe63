"""tacepath: evidence-based software for TACE combined with systemic therapy in HCC.

Layers (imports point downward only; see the design notes in the README):
``domain`` → ``clinical`` / ``response`` / ``survival`` (pure core) → ``pathway`` /
``trials`` / ``evidence`` (engines) → ``store`` / ``interop`` / ``report`` (adapters) →
``service`` → ``cli`` / ``api`` (interfaces).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
