"""Trial-level surrogacy: does the progression HR of a TACE-combination trial predict its OS HR?

The TACTICS final paper [1]_ relates "the PFS HR and that of OS from the five previous TACE
combination trials plus the current TACTICS trial" and reports "a correlation coefficient of
0.56", with "the regression line based on the weighted Pearson coefficient model" (its online
suppl. Fig. 1, not in the seed), "in a similar manner" to Llovet et al. [2]_, who correlated
the *hazard ratios* of PFS (or TTP) and OS of phase III trials in advanced HCC (R = 0.84). So
the unit is the trial and the measures are hazard ratios, not medians.

That 0.56 cannot be reproduced exactly: the paper does not name the five trials, their HRs or
the weights. The fact-checked reference's best identification (an inference) is post-TACE,
BRISK-TA, SPACE, TACE-2 and ORIENTAL; the post-TACE trial's HRs are unverified and not in the
evidence registry, so :func:`surrogacy` works on the **five** trials whose HRs the registry
holds, each HR with its source:

* Pearson's r on the HR scale and on the log-HR scale, unweighted and weighted by the number
  of patients randomised (the registry's ``n``), each with a Fisher-z confidence interval [3]_
  (SE 1/√(k − 3), k trials; with k = 5 the interval is very wide);
* the weighted least-squares line of log OS HR on log progression HR (the paper's regression
  line; weights the same);
* leave-one-out: every estimate again without each trial;
* variants: the other HRs the registry holds for the same trials (TACTICS' updated TACE-PFS
  HR, BRISK-TA's time to disease progression instead of its exploratory TTP).

The paper's 0.56 is shown beside them as a quoted value, never as a reproduced one.

References
----------
.. [1] Kudo M, Ueshima K, Ikeda M, et al. Final results of TACTICS. Liver Cancer
   2022;11(4):354-367. doi:10.1159/000522547 (Discussion; seed text lines 965-980)
.. [2] Llovet JM, Montal R, Villanueva A. Randomized trials and endpoints in advanced HCC: role
   of PFS as a surrogate of survival. J Hepatol 2019;70(6):1262-1277.
   doi:10.1016/j.jhep.2019.01.028
.. [3] Fisher RA. On the "probable error" of a coefficient of correlation deduced from a small
   sample. Metron 1921;1:3-32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from tacepath.evidence.model import Result, Trial
from tacepath.evidence.registry import Registry, registry
from tacepath.jsonsafe import JsonFields

__all__ = [
    "MAIN_CHOICES",
    "PAPER_TRIALS",
    "Correlation",
    "HrChoice",
    "LeaveOneOut",
    "QuotedValue",
    "SurrogacyResult",
    "TrialPoint",
    "Variant",
    "fisher_z_interval",
    "pearson",
    "surrogacy",
    "trial_points",
    "weighted_line",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = Sequence[float] | FloatArray
Scale = Literal["hr", "log-hr"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HrChoice:
    """Which registry result gives a trial's progression HR: endpoint id and analysis text."""

    trial: str
    endpoint: str
    analysis: str = ""


#: The trials the paper's "five previous TACE combination trials plus TACTICS" most likely are
#: (fact-checked reference, "Correlation of PFS/TTP HR with OS HR" — an inference).
PAPER_TRIALS: tuple[str, ...] = ("POST-TACE", "BRISK-TA", "SPACE", "TACE-2", "ORIENTAL", "TACTICS")

#: Main analysis: each trial's progression endpoint as its primary report gives it; TACTICS'
#: primary-analysis TACE-PFS HR 0.59, the value the paper's Discussion uses.
MAIN_CHOICES: tuple[HrChoice, ...] = (
    HrChoice(trial="POST-TACE", endpoint="ttp"),
    HrChoice(trial="BRISK-TA", endpoint="ttp"),
    HrChoice(trial="SPACE", endpoint="ttp"),
    HrChoice(trial="TACE-2", endpoint="pfs", analysis="final analysis"),
    HrChoice(trial="ORIENTAL", endpoint="ttp"),
    HrChoice(trial="TACTICS", endpoint="tace_pfs", analysis="primary analysis"),
)

_VARIANTS: tuple[tuple[str, dict[str, HrChoice]], ...] = (
    (
        "TACTICS updated TACE-PFS HR (final analysis) instead of the primary analysis",
        {"TACTICS": HrChoice(trial="TACTICS", endpoint="tace_pfs", analysis="updated")},
    ),
    (
        "BRISK-TA time to disease progression (TTDP) instead of the exploratory TTP",
        {"BRISK-TA": HrChoice(trial="BRISK-TA", endpoint="ttdp")},
    ),
    (
        "both of the above",
        {
            "TACTICS": HrChoice(trial="TACTICS", endpoint="tace_pfs", analysis="updated"),
            "BRISK-TA": HrChoice(trial="BRISK-TA", endpoint="ttdp"),
        },
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialPoint(JsonFields):
    """One trial: its progression HR and OS HR, the size used as weight, and their sources."""

    trial: str
    surrogate_endpoint: str
    surrogate_analysis: str
    surrogate_hr: float
    surrogate_source: str
    os_hr: float
    os_analysis: str
    os_source: str
    n: int
    n_source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Correlation(JsonFields):
    """Pearson's r of progression HR with OS HR across trials.

    ``scale``: ``hr`` or ``log-hr``; ``weighted``: by patients randomised; ``lower``/``upper``:
    Fisher-z interval at ``conf_level`` (``None`` with 3 trials or fewer); ``n_trials``.
    """

    scale: Scale
    weighted: bool
    r: float
    lower: float | None
    upper: float | None
    n_trials: int
    conf_level: float = 0.95

    @property
    def label(self) -> str:
        w = "weighted by patients" if self.weighted else "unweighted"
        return f"{'log HR' if self.scale == 'log-hr' else 'HR'}, {w}"

    def text(self) -> str:
        ci = (
            "no CI (3 trials or fewer)"
            if self.lower is None or self.upper is None
            else f"{self.conf_level:.0%} CI {self.lower:.2f} to {self.upper:.2f}"
        )
        return f"r = {self.r:.2f} ({ci})"


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveOneOut(JsonFields):
    """The correlations without one trial."""

    left_out: str
    correlations: tuple[Correlation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Variant:
    """The correlations with other registry HRs for some trials."""

    description: str
    points: tuple[TrialPoint, ...]
    correlations: tuple[Correlation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "surrogate_hrs": {p.trial: p.surrogate_hr for p in self.points},
            "correlations": [c.to_dict() for c in self.correlations],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotedValue:
    """A number the paper prints that tacepath quotes but cannot reproduce."""

    value: float
    text: str
    source: str
    why_not_reproduced: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "text": self.text,
            "source": self.source,
            "status": "quoted, not reproduced",
            "why_not_reproduced": self.why_not_reproduced,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SurrogacyResult:
    """Correlation of progression HR with OS HR across TACE-combination trials.

    ``points``: the trials used; ``excluded``: (trial, reason) for the paper's trials left
    out; ``correlations``: HR / log-HR × unweighted / weighted; ``slope``/``intercept``:
    weighted least-squares line of log OS HR on log progression HR; ``leave_one_out`` and
    ``variants``; ``paper``: the paper's 0.56, quoted; ``notes``.
    """

    points: tuple[TrialPoint, ...]
    excluded: tuple[tuple[str, str], ...]
    correlations: tuple[Correlation, ...]
    slope: float
    intercept: float
    leave_one_out: tuple[LeaveOneOut, ...]
    variants: tuple[Variant, ...]
    paper: QuotedValue
    notes: tuple[str, ...]

    def correlation(self, scale: Scale, *, weighted: bool) -> Correlation:
        return next(c for c in self.correlations if c.scale == scale and c.weighted == weighted)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``tacepath surrogacy --json``."""
        return {
            "measure": "trial-level hazard ratios (progression endpoint vs overall survival)",
            "trials": [p.to_dict() for p in self.points],
            "excluded": [{"trial": t, "reason": r} for t, r in self.excluded],
            "correlations": [c.to_dict() for c in self.correlations],
            "weighted_line_log_scale": {"slope": self.slope, "intercept": self.intercept},
            "leave_one_out": [x.to_dict() for x in self.leave_one_out],
            "variants": [v.to_dict() for v in self.variants],
            "paper": self.paper.to_dict(),
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        lines = [
            "Trial-level surrogacy: progression HR vs OS HR across TACE-combination trials",
            "",
            f"{'trial':<10} {'progression HR':<52} {'OS HR':>6} {'n':>5}",
        ]
        for p in self.points:
            what = f"{p.surrogate_hr:.3g} ({p.surrogate_endpoint})"
            lines.append(f"{p.trial:<10} {what:<52} {p.os_hr:>6.3g} {p.n:>5}")
        for t, why in self.excluded:
            lines.append(f"{t:<10} left out: {why}")
        lines += ["", f"Pearson's r across {len(self.points)} trials:"]
        lines += [f"  {c.label:<28} {c.text()}" for c in self.correlations]
        lines.append(
            f"  weighted line, log scale: log OS HR = {self.intercept:.3f} + "
            f"{self.slope:.3f} × log progression HR"
        )
        lines += ["", "Leave one out (r: HR unweighted / weighted; log HR unweighted / weighted):"]
        for x in self.leave_one_out:
            rs = " / ".join(f"{c.r:.2f}" for c in x.correlations)
            lines.append(f"  without {x.left_out:<10} {rs}")
        lines += ["", "Variants (same order):"]
        for v in self.variants:
            rs = " / ".join(f"{c.r:.2f}" for c in v.correlations)
            lines.append(f"  {v.description}: {rs}")
        lines += [
            "",
            f"Paper: {self.paper.text} — quoted, not reproduced: {self.paper.why_not_reproduced}",
        ]
        lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)


# --- computations ------------------------------------------------------------------------


def pearson(x: ArrayLike, y: ArrayLike, w: ArrayLike | None = None) -> float:
    """Pearson's correlation coefficient, optionally weighted.

    Weighted: Σwᵢ(xᵢ − x̄_w)(yᵢ − ȳ_w) / √(Σwᵢ(xᵢ − x̄_w)² Σwᵢ(yᵢ − ȳ_w)²), x̄_w the weighted mean;
    equal weights give the ordinary coefficient. NaN when x or y is constant.
    """
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    wa = np.ones_like(xa) if w is None else np.asarray(w, dtype=float)
    mx, my = np.average(xa, weights=wa), np.average(ya, weights=wa)
    sxy = float(np.sum(wa * (xa - mx) * (ya - my)))
    sxx = float(np.sum(wa * (xa - mx) ** 2))
    syy = float(np.sum(wa * (ya - my) ** 2))
    if sxx <= 0 or syy <= 0:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def fisher_z_interval(
    r: float, n: int, *, conf_level: float = 0.95
) -> tuple[float, float] | tuple[None, None]:
    """Fisher-z interval for a correlation from ``n`` pairs: tanh(atanh r ± z/√(n − 3)) [3]_.

    ``(None, None)`` when n ≤ 3 or r is ±1 or NaN.
    """
    if n <= 3 or not math.isfinite(r) or abs(r) >= 1:
        return None, None
    z = float(ndtri(0.5 + conf_level / 2))
    half = z / math.sqrt(n - 3)
    centre = math.atanh(r)
    return math.tanh(centre - half), math.tanh(centre + half)


def weighted_line(x: ArrayLike, y: ArrayLike, w: ArrayLike) -> tuple[float, float]:
    """Weighted least-squares line y = a + b x: (slope b, intercept a)."""
    xa, ya, wa = (np.asarray(v, dtype=float) for v in (x, y, w))
    mx, my = np.average(xa, weights=wa), np.average(ya, weights=wa)
    b = float(np.sum(wa * (xa - mx) * (ya - my)) / np.sum(wa * (xa - mx) ** 2))
    return b, float(my - b * mx)


def _correlations(points: Sequence[TrialPoint], conf_level: float) -> tuple[Correlation, ...]:
    x = np.array([p.surrogate_hr for p in points])
    y = np.array([p.os_hr for p in points])
    w = np.array([p.n for p in points], dtype=float)
    out = []
    for scale, (xs, ys) in (("hr", (x, y)), ("log-hr", (np.log(x), np.log(y)))):
        for weighted in (False, True):
            r = pearson(xs, ys, w if weighted else None)
            lo, hi = fisher_z_interval(r, len(points), conf_level=conf_level)
            out.append(
                Correlation(
                    scale=scale,  # type: ignore[arg-type]
                    weighted=weighted,
                    r=r,
                    lower=lo,
                    upper=hi,
                    n_trials=len(points),
                    conf_level=conf_level,
                )
            )
    return tuple(out)


def _find(trial: Trial, choice: HrChoice) -> Result | None:
    for r in trial.results:
        if r.endpoint == choice.endpoint and choice.analysis in r.analysis and r.hr is not None:
            return r
    return None


def _os(trial: Trial) -> Result | None:
    return _find(trial, HrChoice(trial=trial.id, endpoint="os", analysis="final analysis")) or (
        _find(trial, HrChoice(trial=trial.id, endpoint="os"))
    )


def _point(trial: Trial, choice: HrChoice) -> TrialPoint | str:
    """The trial's point, or why it cannot be used."""
    surrogate, os = _find(trial, choice), _os(trial)
    if surrogate is None or os is None or trial.n is None:
        missing = [
            what
            for what, ok in (
                (f"{choice.endpoint.upper()} hazard ratio", surrogate is not None),
                ("OS hazard ratio", os is not None),
                ("number of patients", trial.n is not None),
            )
            if not ok
        ]
        listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + f" or {missing[-1]}"
        return (
            f"the registry holds no {listed} for {trial.id}: values the fact-checked reference "
            "could not verify are not stored"
        )
    assert surrogate.hr is not None
    assert os.hr is not None
    return TrialPoint(
        trial=trial.id,
        surrogate_endpoint=trial.endpoint(surrogate.endpoint).name,
        surrogate_analysis=surrogate.analysis,
        surrogate_hr=float(surrogate.hr.value),
        surrogate_source=trial.source(surrogate.hr.source).text(),
        os_hr=float(os.hr.value),
        os_analysis=os.analysis,
        os_source=trial.source(os.hr.source).text(),
        n=int(trial.n.value),
        n_source=trial.source(trial.n.source).text(),
    )


def trial_points(
    choices: Sequence[HrChoice] = MAIN_CHOICES, *, reg: Registry | None = None
) -> tuple[tuple[TrialPoint, ...], tuple[tuple[str, str], ...]]:
    """The trials' (progression HR, OS HR, n) from the registry, and those left out with why."""
    reg = reg or registry()
    points: list[TrialPoint] = []
    excluded: list[tuple[str, str]] = []
    for choice in choices:
        got = _point(reg.get(choice.trial), choice)
        if isinstance(got, str):
            excluded.append((choice.trial, got))
        else:
            points.append(got)
    return tuple(points), tuple(excluded)


def _paper(reg: Registry) -> QuotedValue:
    source = reg.get("TACTICS").source("lc2022").text()
    return QuotedValue(
        value=0.56,
        text=(
            'r = 0.56 between the PFS HR and the OS HR of "the five previous TACE combination '
            'trials plus the current TACTICS trial", with a regression line "based on the '
            'weighted Pearson coefficient model"'
        ),
        source=f"{source} — Discussion (seed text lines 972-980); online suppl. Fig. 1 not seen",
        why_not_reproduced=(
            "the paper names neither the five trials nor the HRs or weights used; the six-trial "
            "identification is an inference, and the post-TACE trial's HRs are unverified and "
            "not in the registry"
        ),
    )


def surrogacy(*, conf_level: float = 0.95, reg: Registry | None = None) -> SurrogacyResult:
    """Correlation of progression HR with OS HR over the registry's TACE-combination trials.

    See the module docstring for the trials, the HRs and the methods.
    """
    reg = reg or registry()
    points, excluded = trial_points(MAIN_CHOICES, reg=reg)
    w = [p.n for p in points]
    slope, intercept = weighted_line(
        np.log([p.surrogate_hr for p in points]), np.log([p.os_hr for p in points]), w
    )
    loo = tuple(
        LeaveOneOut(
            left_out=p.trial,
            correlations=_correlations([q for q in points if q is not p], conf_level),
        )
        for p in points
    )
    variants = []
    for description, replace in _VARIANTS:
        choices = [replace.get(c.trial, c) for c in MAIN_CHOICES]
        vp, _ = trial_points(choices, reg=reg)
        variants.append(
            Variant(description=description, points=vp, correlations=_correlations(vp, conf_level))
        )
    notes = (
        f"{len(points)} trials, not the paper's six: "
        + "; ".join(f"{t} left out ({why})" for t, why in excluded)
        + "."
        if excluded
        else f"{len(points)} trials.",
        "Measure: trial-level hazard ratios, as the paper ('the relationship between the PFS "
        "HR and that of OS') and Llovet et al. (J Hepatol 2019) did; the progression endpoints "
        "differ between trials (TTP, PFS, TACE-specific PFS), as they did in the paper.",
        "Weights: patients randomised (registry n). The paper's weights are not printed.",
        f"With {len(points)} trials the Fisher-z interval has SE 1/sqrt({len(points)} - 3) on the "
        "z scale: the data are compatible with almost any correlation, and one trial moves the "
        "estimate a lot (leave-one-out).",
    )
    return SurrogacyResult(
        points=points,
        excluded=excluded,
        correlations=_correlations(points, conf_level),
        slope=slope,
        intercept=intercept,
        leave_one_out=loo,
        variants=tuple(variants),
        paper=_paper(reg),
        notes=notes,
    )
