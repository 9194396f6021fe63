"""Individual patient data from published Kaplan–Meier figures and printed summaries.

* :func:`reconstruct_ipd` — Guyot et al.'s algorithm [1]_: digitised (time, survival)
  points plus the published number-at-risk table (and the total number of events when
  known) give one row per patient whose Kaplan–Meier curve reproduces the figure. Digitiser
  noise is cleaned by documented rules (:data:`CLEANING_RULES`), every change reported; the
  result carries an accuracy report.
* :func:`pseudo_ipd_from_summary` — when there is no curve, pseudo-data consistent with the
  printed numbers (number at risk, events, median), labelled ``"pseudo-data"`` everywhere,
  with each printed number reported as met or not met.
* :func:`digitise_km` — what a digitiser returns from a figure (step corners on a pixel
  grid with clicking noise), for validation against known data.

References
----------
.. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
   data: reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res
   Methodol. 2012;12:9. doi:10.1186/1471-2288-12-9
"""

from tacepath.literature.reconstruct._clean import (
    CLEANING_RULES,
    SURVIVAL_NOISE,
    TIME_NOISE_FRACTION,
    AtRiskTable,
    CleanedCurve,
    CleaningStep,
    check_at_risk,
    clean_curve,
)
from tacepath.literature.reconstruct._digitise import digitise_km
from tacepath.literature.reconstruct._guyot import IntervalFit
from tacepath.literature.reconstruct._pseudo import (
    PSEUDO_LABEL,
    Constraint,
    PseudoIpdResult,
    pseudo_ipd_from_summary,
)
from tacepath.literature.reconstruct._reconstruct import (
    GUYOT_2012,
    ReconstructionAccuracy,
    ReconstructionResult,
    reconstruct_ipd,
)

__all__ = [
    "CLEANING_RULES",
    "GUYOT_2012",
    "PSEUDO_LABEL",
    "SURVIVAL_NOISE",
    "TIME_NOISE_FRACTION",
    "AtRiskTable",
    "CleanedCurve",
    "CleaningStep",
    "Constraint",
    "IntervalFit",
    "PseudoIpdResult",
    "ReconstructionAccuracy",
    "ReconstructionResult",
    "check_at_risk",
    "clean_curve",
    "digitise_km",
    "pseudo_ipd_from_summary",
    "reconstruct_ipd",
]
