"""Reproduce a published trial's results from the numbers it prints.

:func:`reproduce` puts each printed number next to tacepath's recomputation with the
difference and a verdict (``reproduced``, ``close``, ``differs``, ``not reproducible from
what is printed``, ``by construction``) and says why. For TACTICS [1]_ the overall-survival
data are rebuilt as summary-constrained pseudo-data
(:func:`tacepath.literature.reconstruct.pseudo_ipd_from_summary`) and re-analysed; for other
registry trials the printed numbers are checked against each other. :func:`catalogue` says
what each trial of the evidence registry allows and what is missing.

References
----------
.. [1] Kudo M, Ueshima K, Ikeda M, et al. Final results of TACTICS. Liver Cancer
   2022;11(4):354-367. doi:10.1159/000522547
"""

from tacepath.literature.reproduce._consistency import (
    events_from_ci,
    log_se_from_ci,
    registry_rows,
    wald_p,
    wald_p_range,
)
from tacepath.literature.reproduce._reproduction import (
    Level,
    Reproducible,
    Reproduction,
    catalogue,
    reproduce,
)
from tacepath.literature.reproduce._rows import (
    VERDICTS,
    Printed,
    ReproductionRow,
    Tolerance,
    Verdict,
    judge,
)
from tacepath.literature.reproduce._tactics import (
    DeathSplit,
    OsPseudoData,
    death_split_sensitivity,
    feasible_splits,
    os_pseudo_data,
    post_trial_fisher,
)

__all__ = [
    "VERDICTS",
    "DeathSplit",
    "Level",
    "OsPseudoData",
    "Printed",
    "Reproducible",
    "Reproduction",
    "ReproductionRow",
    "Tolerance",
    "Verdict",
    "catalogue",
    "death_split_sensitivity",
    "events_from_ci",
    "feasible_splits",
    "judge",
    "log_se_from_ci",
    "os_pseudo_data",
    "post_trial_fisher",
    "registry_rows",
    "reproduce",
    "wald_p",
    "wald_p_range",
]
