"""Checks that need no patient data: do a paper's printed numbers agree with each other?

A hazard ratio printed with its confidence interval implies the standard error of log HR,
hence a Wald p-value and (Schoenfeld's approximation) the number of events; arm sizes add
up to the total. These checks run on any trial of the evidence registry that prints the
numbers, and take the rounding of the printed inputs into account: the recomputation is
done over every combination of the inputs' rounding intervals and the printed value is
reproduced when it falls in the resulting range.

References
----------
.. [1] Altman DG, Bland JM. How to obtain the P value from a confidence interval. BMJ
   2011;343:d2304. doi:10.1136/bmj.d2304
.. [2] Schoenfeld DA. Sample-size formula for the proportional-hazards regression model.
   Biometrics 1983;39(2):499-503. doi:10.2307/2531021 (var(log HR) ≈ 1 / (D p (1 − p))).
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from typing import Literal

from scipy.special import ndtr, ndtri

from tacepath.evidence.model import Number, Result, Trial
from tacepath.literature.reproduce._rows import (
    Printed,
    ReproductionRow,
    Tolerance,
    compared,
    half_unit,
)

__all__ = [
    "SECTION_CONSISTENCY",
    "arm_size_rows",
    "decimals_of",
    "events_from_ci",
    "hr_decimals",
    "hr_p_results",
    "log_se_from_ci",
    "printed",
    "registry_rows",
    "wald_p",
    "wald_p_range",
]

SECTION_CONSISTENCY = "Internal consistency of the printed numbers"

#: p-values: close when the normal deviates differ by at most 0.1.
P_TOLERANCE = Tolerance(close=0.1, scale="z")
#: Counts implied by a CI width (Schoenfeld's approximation): close within 5 %.
EVENTS_TOLERANCE = Tolerance(close=0.05, scale="relative")


def decimals_of(number: Number) -> int:
    """Printed decimals of a registry number: its ``decimals``, else read from the value."""
    if number.decimals is not None:
        return number.decimals
    exponent = Decimal(repr(float(number.value))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def hr_decimals(hr: Number) -> int:
    """Printed decimals of a hazard ratio and its CI (the most any of the three shows).

    A YAML ``0.90`` is read back as 0.9; the CI limits, printed alike, restore the 2.
    """
    limits = (
        [] if hr.ci is None else [decimals_of(hr.model_copy(update={"value": c})) for c in hr.ci]
    )
    return max([decimals_of(hr), *limits])


def printed(number: Number, citation: str, *, decimals: int | None = None) -> Printed:
    """A registry number as :class:`Printed`, with the citation of its source."""
    return Printed(
        value=float(number.value),
        decimals=decimals_of(number) if decimals is None else decimals,
        source=citation,
        unit=number.unit,
    )


def log_se_from_ci(lower: float, upper: float, *, conf_level: float = 0.95) -> float:
    """Standard error of log HR from a Wald CI: (ln upper − ln lower) / (2 z_{1−α/2}) [1]_."""
    z = float(ndtri(0.5 + conf_level / 2))
    return (math.log(upper) - math.log(lower)) / (2 * z)


def wald_p(
    hr: float,
    lower: float,
    upper: float,
    *,
    conf_level: float = 0.95,
    sides: Literal[1, 2] = 2,
) -> float:
    """Wald p-value of log HR = 0 from the HR and its CI [1]_.

    Two-sided 2Φ(−|z|); one-sided Φ(−|z|) (in the direction of the estimate), z = ln HR / SE.
    """
    z = math.log(hr) / log_se_from_ci(lower, upper, conf_level=conf_level)
    return float(sides * ndtr(-abs(z)))


def wald_p_range(
    hr: float,
    lower: float,
    upper: float,
    *,
    decimals: int,
    conf_level: float = 0.95,
    sides: Literal[1, 2] = 2,
) -> tuple[float, float]:
    """Smallest and largest :func:`wald_p` with HR and limits anywhere in their rounding.

    Each of the three printed numbers lies within ±half a unit of its last decimal; p is
    monotone in each, so its extremes are at the 8 corners.
    """
    h = half_unit(decimals)
    ps = [
        wald_p(a, b, c, conf_level=conf_level, sides=sides)
        for a, b, c in itertools.product(
            (hr - h, hr + h), (lower - h, lower + h), (upper - h, upper + h)
        )
        if a > 0 and b > 0 and c > b
    ]
    return min(ps), max(ps)


def events_from_ci(
    lower: float, upper: float, *, fraction: float = 0.5, conf_level: float = 0.95
) -> float:
    """Events implied by a CI's width: D = 1 / (p (1 − p) SE²), p the first arm's share [2]_."""
    se = log_se_from_ci(lower, upper, conf_level=conf_level)
    return 1.0 / (fraction * (1 - fraction) * se**2)


def hr_p_results(trial: Trial) -> tuple[Result, ...]:
    """The trial's results that print an HR with its CI and a p-value as a number."""
    return tuple(
        r for r in trial.results if r.hr is not None and r.hr.ci is not None and r.p is not None
    )


def _sides(p: Number) -> Literal[1, 2]:
    return 1 if p.note is not None and "one-sided" in p.note else 2


def _hr_p_row(trial: Trial, result: Result) -> ReproductionRow:
    hr, p = result.hr, result.p
    assert hr is not None
    assert hr.ci is not None
    assert p is not None
    lower, upper = hr.ci
    digits = hr_decimals(hr)
    sides = _sides(p)
    value = wald_p(hr.value, lower, upper, conf_level=hr.ci_level, sides=sides)
    span = wald_p_range(
        hr.value, lower, upper, decimals=digits, conf_level=hr.ci_level, sides=sides
    )
    endpoint = trial.endpoint(result.endpoint).name
    hr_text = f"{hr.value:.{digits}f} ({lower:.{digits}f}–{upper:.{digits}f})"
    side = "one-sided" if sides == 1 else "two-sided"
    why = (
        f"Wald test from the printed HR {hr_text}: z = ln HR / SE, SE = (ln upper − ln lower) / "
        f"(2 × 1.96); {side} p = {value:#.3g}, and {span[0]:#.3g} to {span[1]:#.3g} with the HR "
        "and CI anywhere within their printed rounding. The paper's p may come from a (stratified) "
        "log-rank test, which is close to the Wald test but not the same."
    )
    return compared(
        section=SECTION_CONSISTENCY,
        quantity=f"{endpoint}, {result.analysis}: p from the printed HR and CI",
        printed=printed(p, trial.source(p.source).text()),
        reproduced=value,
        reproduced_range=span,
        tolerance=P_TOLERANCE,
        why=why,
    )


def arm_size_rows(trial: Trial) -> tuple[ReproductionRow, ...]:
    """Arm sizes adding up to the total, when the registry holds all of them."""
    sizes = [a.n for a in trial.arms]
    if trial.n is None or len(sizes) < 2 or any(n is None for n in sizes):
        return ()
    total = sum(int(n.value) for n in sizes if n is not None)
    parts = " + ".join(f"{int(n.value)}" for n in sizes if n is not None)
    return (
        compared(
            section=SECTION_CONSISTENCY,
            quantity="Patients randomised: sum of the arms",
            printed=printed(trial.n, trial.source(trial.n.source).text(), decimals=0),
            reproduced=float(total),
            tolerance=Tolerance(close=0.0, scale="absolute"),
            why=f"{parts} = {total} (the arm sizes as printed, from the registry).",
        ),
    )


def registry_rows(trial: Trial) -> tuple[ReproductionRow, ...]:
    """Every consistency check the registry's numbers for ``trial`` allow."""
    return (*arm_size_rows(trial), *(_hr_p_row(trial, r) for r in hr_p_results(trial)))
