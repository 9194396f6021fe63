"""Published trials, reworked: patient-level data reconstructed from Kaplan-Meier figures,
published results reproduced and compared, and trial-level surrogacy.

For the clinical researcher: :mod:`tacepath.literature.reconstruct` (Guyot's algorithm and
labelled pseudo-data), :mod:`tacepath.literature.reproduce` (a paper's numbers against
tacepath's, each with a verdict) and :mod:`tacepath.literature.surrogacy` (PFS/TTP against
OS across the registry's trials). It reads the trial registry (:mod:`tacepath.evidence`)
and uses the design formulas (:mod:`tacepath.design`); nothing below imports it.

(The functions ``reproduce`` and ``surrogacy`` are in their modules of the same name.)
"""

from tacepath.literature.reconstruct import (
    PSEUDO_LABEL,
    PseudoIpdResult,
    ReconstructionResult,
    digitise_km,
    pseudo_ipd_from_summary,
    reconstruct_ipd,
)
from tacepath.literature.reproduce import Reproduction, ReproductionRow, catalogue
from tacepath.literature.surrogacy import SurrogacyResult

__all__ = [
    "PSEUDO_LABEL",
    "PseudoIpdResult",
    "ReconstructionResult",
    "Reproduction",
    "ReproductionRow",
    "SurrogacyResult",
    "catalogue",
    "digitise_km",
    "pseudo_ipd_from_summary",
    "reconstruct_ipd",
]
