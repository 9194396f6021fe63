"""Restricted mean survival time (RMST) of two arms: difference and ratios with CIs.

Each arm's RMST up to tau is the area under its Kaplan–Meier curve with the Greenwood
plug-in variance (R ``survival``'s restricted mean, identical to ``survRM2::rmst2``'s
unadjusted analysis); the arms are independent, so the difference has variance
Var₁ + Var₀, and the ratios are formed on the log scale by the delta method.

References
----------
.. [1] Uno H, Claggett B, Tian L, et al. Moving beyond the hazard ratio in quantifying the
   between-group difference in survival analysis. J Clin Oncol 2014;32:2380-2385.
   doi:10.1200/JCO.2014.55.2208
.. [2] Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard
   ratio for the design and analysis of randomized trials with a time-to-event outcome.
   BMC Med Res Methodol 2013;13:152. doi:10.1186/1471-2288-13-152
.. [3] Klein JP, Moeschberger ML. Survival Analysis. 2nd ed. Springer; 2003, eq. 4.5.1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields
from tacepath.survival._data import FloatArray, group_codes
from tacepath.survival._input import SurvivalData, check_level, check_positive, fixed_times
from tacepath.survival._km import km_curves

__all__ = ["ArmRmst", "Contrast", "RmstComparison", "rmst_test"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArmRmst(JsonFields):
    """One arm: RMST and restricted mean time lost (RMTL = tau − RMST) with CIs."""

    arm: Any
    n: int
    events: float
    rmst: float
    se: float
    lower: float
    upper: float
    rmtl: float
    rmtl_lower: float
    rmtl_upper: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Contrast(JsonFields):
    """A between-arm contrast: estimate, CI and two-sided p (H0: no difference)."""

    name: str
    estimate: float
    lower: float
    upper: float
    p: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RmstComparison:
    """RMST of the experimental arm against the reference arm up to ``tau``."""

    tau: float
    tau_rule: str
    conf_level: float
    reference: ArmRmst
    experimental: ArmRmst
    difference: Contrast
    ratio: Contrast
    rmtl_ratio: Contrast
    group_column: str
    n_dropped: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "tau": self.tau,
            "tau_rule": self.tau_rule,
            "conf_level": self.conf_level,
            "group_column": self.group_column,
            "arms": [self.experimental.to_dict(), self.reference.to_dict()],
            "difference": self.difference.to_dict(),
            "ratio": self.ratio.to_dict(),
            "rmtl_ratio": self.rmtl_ratio.to_dict(),
            "n_dropped": self.n_dropped,
        }

    def to_frame(self) -> pd.DataFrame:
        """The three contrasts, one row each (columns estimate, lower, upper, p)."""
        return pd.DataFrame(
            [c.to_dict() for c in (self.difference, self.ratio, self.rmtl_ratio)]
        ).set_index("name")

    def summary(self) -> str:
        """A text like ``survRM2``'s print: per-arm RMST and RMTL, then the contrasts."""
        e, r = self.experimental, self.reference
        lvl = f"{self.conf_level:g}"
        arms = pd.DataFrame(
            [[a.rmst, a.se, a.lower, a.upper, a.rmtl] for a in (e, r)],
            index=[f"{self.group_column}={a.arm}" for a in (e, r)],
            columns=["RMST", "se", f"lower {lvl}", f"upper {lvl}", "RMTL"],
        )
        return "\n".join(
            [
                f"Restricted mean survival time up to tau = {self.tau:g} ({self.tau_rule})",
                arms.to_string(float_format=lambda v: f"{v:.3f}"),
                "",
                f"Between-arm contrasts ({e.arm} vs {r.arm})",
                self.to_frame().to_string(float_format=lambda v: f"{v:.3g}"),
            ]
        )


def _arm(arm: Any, time: FloatArray, event: FloatArray, tau: float, z: float) -> ArmRmst:
    (curve,) = km_curves(
        time,
        event,
        start=None,
        weights=None,
        group=None,
        conf_type="log",
        conf_level=0.95,
        tau=tau,
        fix_times=True,
    )
    est, se = curve.rmean, curve.rmean_se
    return ArmRmst(
        arm=arm,
        n=curve.n,
        events=curve.n_events,
        rmst=est,
        se=se,
        lower=est - z * se,
        upper=est + z * se,
        rmtl=tau - est,
        rmtl_lower=tau - est - z * se,
        rmtl_upper=tau - est + z * se,
    )


def _log_ratio(name: str, a: float, va: float, b: float, vb: float, z: float) -> Contrast:
    if a <= 0 or b <= 0:
        nan = float("nan")
        return Contrast(name=name, estimate=nan, lower=nan, upper=nan, p=nan)
    log_r = math.log(a / b)
    se = math.sqrt(va / a**2 + vb / b**2)
    p = float(2 * norm.sf(abs(log_r) / se)) if se > 0 else float("nan")
    return Contrast(
        name=name,
        estimate=a / b,
        lower=math.exp(log_r - z * se),
        upper=math.exp(log_r + z * se),
        p=p,
    )


def rmst_test(
    data: Any,
    *,
    time: str,
    event: str,
    group: str,
    tau: float | None = None,
    reference: Any = None,
    conf_level: float = 0.95,
) -> RmstComparison:
    """Compare two arms by restricted mean survival time up to ``tau`` [1]_ [2]_.

    ``group`` must have exactly two levels; ``reference`` (default: the first level in R's
    order) is the control arm, contrasts are experimental − reference and experimental /
    reference. ``tau`` defaults to the shorter arm's last observed time. A ``tau`` beyond
    an arm's last time is refused when that arm's last observation is censored (its
    curve is unknown there); when it is an event, the curve is 0 from then on and ``tau``
    is allowed.

    Notes
    -----
    RMST = ∫₀^τ S(t) dt, Var = Σ_{t_j ≤ τ} (∫_{t_j}^τ S)² d_j / (n_j (n_j − d_j)) [3]_;
    difference CI: D ± z·√(V₁ + V₀); ratio CI: exp(log R ± z·√(V₁/μ₁² + V₀/μ₀²)); the
    RMTL ratio likewise with μ replaced by τ − μ.
    """
    level = check_level(conf_level)
    horizon = None if tau is None else check_positive(tau, "tau")
    d = SurvivalData.from_frame(data, time=time, event=event, other=[("group", group)])
    t_fixed, _, _ = fixed_times(d)
    levels, codes = group_codes(np.asarray(d.columns[group]))
    if len(levels) != 2:
        raise InputError(f"group {group!r}", levels, "exactly 2 levels (two arms)")
    if reference is None:
        ref_index = 0
    else:
        matches = [i for i, v in enumerate(levels) if str(v) == str(reference)]
        if not matches:
            raise InputError("reference", reference, f"one of the arms {levels}")
        ref_index = matches[0]
    exp_index = 1 - ref_index
    last = []
    for j in range(2):
        t, e = t_fixed[codes == j], d.event[codes == j]
        t_max = float(t.max())
        last_event = bool(np.any(e[t == t_max] == 1))
        last.append((t_max, last_event))
    if horizon is None:
        horizon = min(t for t, _ in last)
        rule = "default: the shorter arm's last observed time"
    else:
        for j, (t_max, last_event) in enumerate(last):
            if horizon > t_max and not last_event:
                raise InputError(
                    "tau",
                    tau,
                    f"≤ {t_max:g}, the last observed (censored) time of arm {levels[j]!r}",
                )
        rule = "specified"
    z = float(norm.ppf(1 - (1 - level) / 2))
    arms = [_arm(levels[j], t_fixed[codes == j], d.event[codes == j], horizon, z) for j in range(2)]
    e_arm, r_arm = arms[exp_index], arms[ref_index]
    diff = e_arm.rmst - r_arm.rmst
    se_d = math.sqrt(e_arm.se**2 + r_arm.se**2)
    p_d = float(2 * norm.sf(abs(diff) / se_d)) if se_d > 0 else float("nan")
    difference = Contrast(
        name="RMST difference", estimate=diff, lower=diff - z * se_d, upper=diff + z * se_d, p=p_d
    )
    ratio = _log_ratio("RMST ratio", e_arm.rmst, e_arm.se**2, r_arm.rmst, r_arm.se**2, z)
    rmtl = _log_ratio("RMTL ratio", e_arm.rmtl, e_arm.se**2, r_arm.rmtl, r_arm.se**2, z)
    return RmstComparison(
        tau=horizon,
        tau_rule=rule,
        conf_level=level,
        reference=r_arm,
        experimental=e_arm,
        difference=difference,
        ratio=ratio,
        rmtl_ratio=rmtl,
        group_column=group,
        n_dropped=d.n_dropped,
    )
