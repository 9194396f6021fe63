"""The result of a trial design: its enrolment assumptions, its stages and its numbers.

:class:`TrialDesign` is what :func:`tacepath.design.trial_design` returns: events, patients,
boundaries and stopping probabilities per stage (:class:`DesignStage`), with the formulas and
references it used (``to_dict()`` is the ``tacepath design --json`` output).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tacepath.jsonsafe import JsonFields

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMULAS",
    "REFERENCES",
    "DesignStage",
    "Enrolment",
    "Method",
    "Spending",
    "TrialDesign",
]

Method = Literal["schoenfeld", "freedman"]
Spending = Literal["none", "obrien-fleming", "pocock"]

REFERENCES: dict[str, str] = {
    "schoenfeld": (
        "Schoenfeld DA. Sample-size formula for the proportional-hazards regression model. "
        "Biometrics 1983;39(2):499-503. doi:10.2307/2531021"
    ),
    "freedman": (
        "Freedman LS. Tables of the number of patients required in clinical trials using the "
        "logrank test. Stat Med 1982;1(2):121-129. doi:10.1002/sim.4780010204"
    ),
    "spending": (
        "Lan KKG, DeMets DL. Discrete sequential boundaries for clinical trials. Biometrika "
        "1983;70(3):659-663. doi:10.1093/biomet/70.3.659"
    ),
    "integration": (
        "Jennison C, Turnbull BW. Group Sequential Methods with Applications to Clinical "
        "Trials. Chapman & Hall/CRC; 2000, chapter 19 (numerical integration)"
    ),
    "accrual": (
        "Lachin JM, Foulkes MA. Evaluation of sample size and power for analyses of survival "
        "with allowance for nonuniform patient entry, losses to follow-up, noncompliance, and "
        "stratification. Biometrics 1986;42(3):507-519. doi:10.2307/2531201"
    ),
}

FORMULAS: dict[str, str] = {
    "schoenfeld": "D = (z[1-a/s] + z[1-b])^2 (1 + r)^2 / (r ln(HR)^2)",
    "freedman": "D = (z[1-a/s] + z[1-b])^2 (1 + r HR)^2 / (r (1 - HR)^2)",
    "sequential": (
        "D_max = IF * D, IF = (eta / (z[1-a/s] + z[1-b]))^2, eta the drift at which the "
        "spending boundaries are crossed with probability 1 - b"
    ),
    "sample_size": (
        "N = D / P, P = (r P1 + P2) / (1 + r), P_i = l_i/(l_i + d) [1 - (exp(-(l_i + d) F) - "
        "exp(-(l_i + d)(A + F))) / ((l_i + d) A)], l_i = ln 2 / median_i, "
        "d = -ln(1 - dropout) / dropout_months"
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Enrolment(JsonFields):
    """Accrual, follow-up and event-rate assumptions that turn events into patients.

    Patients enter uniformly over ``accrual_months``; the final analysis is
    ``follow_up_months`` after the last patient entered. Survival is exponential with median
    ``median_control`` months in the control arm (the treatment arm's hazard is HR times
    larger). ``dropout`` is the probability of dropping out by ``dropout_months`` in each
    arm (an exponential dropout hazard −ln(1 − dropout)/dropout_months, as R ``rpact``'s
    ``dropoutRate1``/``dropoutRate2``/``dropoutTime``).
    """

    accrual_months: float
    follow_up_months: float
    median_control: float
    dropout: float = 0.0
    dropout_months: float = 12.0

    @property
    def dropout_hazard(self) -> float:
        """Dropout hazard per month."""
        return -math.log1p(-self.dropout) / self.dropout_months

    @property
    def study_months(self) -> float:
        """Accrual plus follow-up: the calendar time of the final analysis."""
        return self.accrual_months + self.follow_up_months


@dataclass(frozen=True, slots=True, kw_only=True)
class DesignStage(JsonFields):
    """One analysis of the design (the only one for a fixed design).

    ``critical_value`` is the z-boundary on the side of the effect (the log-rank statistic
    oriented so that larger means the hypothesised effect); ``nominal_alpha`` the p-value
    that crosses it (two-sided for a two-sided design); ``alpha_spent`` cumulative, both
    sides; ``hazard_ratio_boundary`` the observed HR that just crosses,
    exp(∓ c (1 + r)/√(r D_k)); ``reject_probability`` and ``cumulative_power`` under the
    design HR; ``analysis_month`` and ``patients_enrolled`` are expected values under the
    design HR, given an :class:`Enrolment`.
    """

    information_rate: float
    events_exact: float
    events: int
    critical_value: float
    nominal_alpha: float
    alpha_spent: float
    hazard_ratio_boundary: float
    reject_probability: float
    cumulative_power: float
    analysis_month: float | None = None
    patients_enrolled: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialDesign:
    """A two-arm log-rank trial design: events, power, stages and, given accrual, patients.

    ``events_exact`` is the formula's (unrounded) maximum number of events and ``events``
    that number rounded up; ``solved_for`` says whether the events were computed from the
    power or the power from given events. ``inflation_factor`` is the group-sequential
    maximum events over the fixed design's (1 for a fixed design). ``expected_events_h1``
    and ``expected_events_h0`` are the mean events at stopping under the design HR and under
    HR = 1. With an :class:`Enrolment`: ``event_probability`` P, ``sample_size_exact`` =
    events_exact / P (R ``rpact``'s ``maxNumberOfSubjects``), ``sample_size_per_arm``
    (treatment, control) = each arm's share of ``events`` / P rounded up, and
    ``sample_size`` their sum.
    """

    solved_for: Literal["events", "power"]
    method: Method
    hazard_ratio: float
    alpha: float
    sides: int
    power: float
    allocation: float
    spending: Spending
    events_exact: float
    events: int
    events_fixed_exact: float
    inflation_factor: float
    drift: float
    stages: tuple[DesignStage, ...]
    expected_events_h1: float
    expected_events_h0: float
    enrolment: Enrolment | None = None
    median_treatment: float | None = None
    event_probability: float | None = None
    sample_size_exact: float | None = None
    sample_size: int | None = None
    sample_size_per_arm: tuple[int, int] | None = None
    expected_study_months_h1: float | None = None
    expected_patients_h1: float | None = None

    @property
    def formula(self) -> str:
        """The formulas used, in words a protocol can quote."""
        parts = [FORMULAS[self.method]]
        if self.spending != "none":
            parts.append(FORMULAS["sequential"])
        if self.enrolment is not None:
            parts.append(FORMULAS["sample_size"])
        return "; ".join(parts)

    @property
    def references(self) -> tuple[str, ...]:
        """The sources of the formulas used."""
        refs = [REFERENCES[self.method]]
        if self.spending != "none":
            refs += [REFERENCES["spending"], REFERENCES["integration"]]
        if self.enrolment is not None:
            refs.append(REFERENCES["accrual"])
        return tuple(refs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath design --json``."""
        return {
            "events": self.events,
            "events_exact": self.events_exact,
            "method": self.method,
            "solved_for": self.solved_for,
            "power": self.power,
            "hazard_ratio": self.hazard_ratio,
            "alpha": self.alpha,
            "sides": self.sides,
            "allocation": self.allocation,
            "spending": self.spending,
            "looks": len(self.stages),
            "events_fixed_exact": self.events_fixed_exact,
            "inflation_factor": self.inflation_factor,
            "drift": self.drift,
            "expected_events_h1": self.expected_events_h1,
            "expected_events_h0": self.expected_events_h0,
            "stages": [s.to_dict() for s in self.stages],
            "enrolment": None if self.enrolment is None else self.enrolment.to_dict(),
            "median_treatment": self.median_treatment,
            "event_probability": self.event_probability,
            "sample_size": self.sample_size,
            "sample_size_exact": self.sample_size_exact,
            "sample_size_per_arm": (
                None if self.sample_size_per_arm is None else list(self.sample_size_per_arm)
            ),
            "expected_study_months_h1": self.expected_study_months_h1,
            "expected_patients_h1": self.expected_patients_h1,
            "formula": self.formula,
            "references": list(self.references),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per analysis."""
        import pandas as pd

        return pd.DataFrame([s.to_dict() for s in self.stages])

    def summary(self) -> str:
        """A protocol-style paragraph and the table of analyses."""
        side = "one-sided" if self.sides == 1 else "two-sided"
        lines = [
            f"Log-rank test, {side} alpha {self.alpha:g}, HR {self.hazard_ratio:g}, "
            f"allocation {self.allocation:g}:1 (treatment:control), {self.method} formula.",
        ]
        if self.solved_for == "events":
            lines.append(
                f"Power {self.power:.3g} needs {self.events_exact:.2f} events, rounded up to "
                f"{self.events}."
            )
        else:
            lines.append(f"{self.events} events give power {self.power:.4f}.")
        if self.spending != "none":
            lines.append(
                f"{len(self.stages)} analyses, {self.spending}-type alpha spending "
                f"(Lan-DeMets); inflation factor {self.inflation_factor:.4f}; expected events "
                f"{self.expected_events_h1:.1f} under HR {self.hazard_ratio:g}, "
                f"{self.expected_events_h0:.1f} under HR 1."
            )
        if self.enrolment is not None and self.sample_size is not None:
            e = self.enrolment
            assert self.sample_size_per_arm is not None
            assert self.event_probability is not None
            lines.append(
                f"Accrual {e.accrual_months:g} months, follow-up {e.follow_up_months:g} months, "
                f"control median {e.median_control:g} months, dropout {e.dropout:g} by "
                f"{e.dropout_months:g} months: event probability {self.event_probability:.4f}, "
                f"{self.sample_size} patients ({self.sample_size_per_arm[0]} treatment, "
                f"{self.sample_size_per_arm[1]} control; exact {self.sample_size_exact:.2f})."
            )
        lines.append("Formula: " + self.formula)
        lines.append("")
        lines.append(self.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        lines.append("")
        lines += [f"[{i}] {ref}" for i, ref in enumerate(self.references, start=1)]
        return "\n".join(lines)
