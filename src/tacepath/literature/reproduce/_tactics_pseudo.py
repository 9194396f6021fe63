"""TACTICS overall survival as pseudo-data, from the numbers the paper prints.

Kudo et al. (Liver Cancer 2022) print the at-risk table, deaths and medians per arm: each
arm is rebuilt by :func:`tacepath.literature.reconstruct.pseudo_ipd_from_summary`, for every
feasible split of the deaths between the arms, and the split is calibrated to the printed
hazard ratio. The re-analysis follows SAS's defaults (Kaplan-Meier with log-log CIs, Cox
with Breslow ties, log-rank); Fisher's test is run on the post-trial therapy table.
``_tactics`` compares these with what was printed (see there for the references).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import pandas as pd

from tacepath.evidence.model import Number, Result, Trial
from tacepath.evidence.registry import registry
from tacepath.literature.reconstruct import PSEUDO_LABEL, PseudoIpdResult, pseudo_ipd_from_summary
from tacepath.literature.reproduce._printed import TacticsPrinted, tactics_printed
from tacepath.survival import (
    CoxResult,
    FisherResult,
    KaplanMeierResult,
    LogrankResult,
    cox_ph,
    fisher_exact_table,
    kaplan_meier,
    logrank_test,
)

__all__ = [
    "ARMS",
    "CONF_TYPE",
    "TIES",
    "DeathSplit",
    "OsPseudoData",
    "calibrated_split",
    "death_split_sensitivity",
    "feasible_splits",
    "os_pseudo_data",
    "os_result",
    "post_trial_fisher",
    "printed_result",
    "registry_number",
    "tactics_trial",
]

#: (registry arm id, experimental?) — TACE + sorafenib is compared with TACE alone.
ARMS: tuple[str, str] = ("tace-sorafenib", "tace-alone")

CONF_TYPE: Final = "log-log"
TIES: Final = "breslow"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeathSplit:
    """One split of the printed total deaths between the arms, and what it gives.

    ``deaths``: (TACE + sorafenib, TACE alone); ``hr``/``lower``/``upper``: Cox HR of TACE +
    sorafenib vs TACE alone on the pseudo-data; ``logrank_p``: unstratified log-rank;
    ``all_met``: every printed number met by both arms' pseudo-data.
    """

    deaths: tuple[int, int]
    hr: float
    lower: float
    upper: float
    logrank_p: float
    all_met: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "deaths": list(self.deaths),
            "hr": self.hr,
            "lower": self.lower,
            "upper": self.upper,
            "logrank_p": self.logrank_p,
            "all_constraints_met": self.all_met,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class OsPseudoData:
    """The OS pseudo-data used, and their re-analysis.

    ``arms``: each arm's :class:`PseudoIpdResult` (constraints and assumptions);
    ``ipd``: both arms (``time``, ``event``, ``arm``, ``label``, ``sorafenib``);
    ``km``/``cox``/``logrank``: the re-analysis; ``split``: the deaths split used;
    ``sensitivity``: every feasible split; ``label``: ``"pseudo-data"``.
    """

    arms: tuple[PseudoIpdResult, PseudoIpdResult]
    ipd: pd.DataFrame
    km: KaplanMeierResult
    cox: CoxResult
    logrank: LogrankResult
    split: DeathSplit
    sensitivity: tuple[DeathSplit, ...]
    label: str = PSEUDO_LABEL


def tactics_trial() -> Trial:
    """TACTICS in the trial registry."""
    return registry().get("TACTICS")


def printed_result(trial: Trial, endpoint: str, analysis: str) -> Result:
    """The registry's result for ``endpoint`` whose analysis names ``analysis``."""
    return next(r for r in trial.results if r.endpoint == endpoint and analysis in r.analysis)


def os_result(trial: Trial) -> Result:
    """The final-analysis overall-survival result."""
    return printed_result(trial, "os", "final analysis")


def registry_number(n: Number | None, what: str) -> Number:
    """``n``, which the packaged registry holds (``what`` names it otherwise)."""
    if n is None:  # pragma: no cover - the packaged registry holds it
        raise LookupError(f"the registry's TACTICS entry has no {what}")
    return n


def _arm_pseudo(trial: Trial, data: TacticsPrinted, arm: str, deaths: int) -> PseudoIpdResult:
    table = pd.DataFrame({"time": data.os_at_risk.times, "n_risk": data.os_at_risk.n_risk[arm]})
    return pseudo_ipd_from_summary(
        events=deaths,
        at_risk=table,
        median=os_result(trial).medians[arm].value,
        follow_up_end=data.observation.maximum.value,
        arm=trial.arm(arm).label,
    )


def _combine(trial: Trial, arms: tuple[PseudoIpdResult, PseudoIpdResult]) -> pd.DataFrame:
    ipd = pd.concat([a.ipd for a in arms], ignore_index=True)
    ipd["sorafenib"] = (ipd["arm"] == trial.arm(ARMS[0]).label).astype(int)
    ipd.attrs["label"] = PSEUDO_LABEL
    return ipd


def _cox(ipd: pd.DataFrame) -> CoxResult:
    return cox_ph(ipd, time="time", event="event", covariates=["sorafenib"], ties=TIES)


def _logrank(ipd: pd.DataFrame) -> LogrankResult:
    return logrank_test(ipd, time="time", event="event", group="arm")


def _split(trial: Trial, data: TacticsPrinted, deaths: tuple[int, int]) -> DeathSplit:
    arms = (
        _arm_pseudo(trial, data, ARMS[0], deaths[0]),
        _arm_pseudo(trial, data, ARMS[1], deaths[1]),
    )
    ipd = _combine(trial, arms)
    cox = _cox(ipd)
    return DeathSplit(
        deaths=deaths,
        hr=float(cox.hr[0]),
        lower=float(cox.hr_lower[0]),
        upper=float(cox.hr_upper[0]),
        logrank_p=_logrank(ipd).p,
        all_met=arms[0].all_met and arms[1].all_met,
    )


def feasible_splits(total: int, sizes: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """Every (d₁, d₂) with d₁ + d₂ = ``total``, 0 ≤ dᵢ ≤ the arm's size."""
    lo = max(0, total - sizes[1])
    hi = min(sizes[0], total)
    return tuple((d, total - d) for d in range(lo, hi + 1))


def death_split_sensitivity() -> tuple[DeathSplit, ...]:
    """Pseudo-data and Cox HR for every feasible split of the 131 deaths."""
    trial, data = tactics_trial(), tactics_printed()
    total = int(registry_number(os_result(trial).other.get("deaths"), "number of deaths").value)
    sizes = (
        int(registry_number(trial.arm(ARMS[0]).n, "arm size").value),
        int(registry_number(trial.arm(ARMS[1]).n, "arm size").value),
    )
    return tuple(_split(trial, data, s) for s in feasible_splits(total, sizes))


def calibrated_split(splits: tuple[DeathSplit, ...], printed_hr: float) -> DeathSplit:
    """The split, among those meeting every printed number, with HR nearest ``printed_hr``
    on the log scale."""
    usable = [s for s in splits if s.all_met] or list(splits)
    return min(usable, key=lambda s: abs(math.log(s.hr) - math.log(printed_hr)))


def os_pseudo_data() -> OsPseudoData:
    """OS pseudo-data of both arms, the deaths split calibrated to the printed HR."""
    trial, data = tactics_trial(), tactics_printed()
    sensitivity = death_split_sensitivity()
    hr = registry_number(os_result(trial).hr, "OS hazard ratio")
    split = calibrated_split(sensitivity, hr.value)
    arms = (
        _arm_pseudo(trial, data, ARMS[0], split.deaths[0]),
        _arm_pseudo(trial, data, ARMS[1], split.deaths[1]),
    )
    ipd = _combine(trial, arms)
    km = kaplan_meier(ipd, time="time", event="event", group="arm", conf_type=CONF_TYPE)
    return OsPseudoData(
        arms=arms,
        ipd=ipd,
        km=km,
        cox=_cox(ipd),
        logrank=_logrank(ipd),
        split=split,
        sensitivity=sensitivity,
    )


def post_trial_fisher(
    treated: tuple[int, int],
    sizes: tuple[int, int],
    *,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> FisherResult:
    """Fisher's exact test on [[treated₁, untreated₁], [treated₂, untreated₂]]."""
    table = [[treated[0], sizes[0] - treated[0]], [treated[1], sizes[1] - treated[1]]]
    return fisher_exact_table(
        table,
        alternative=alternative,
        rows=("TACE + sorafenib", "TACE alone"),
        columns=("treated", "not treated"),
    )
