"""Testing procedures across endpoints: the fixed-sequence (hierarchical, gatekeeping) test.

An endpoint is tested only when every endpoint before it in the plan's sequence was
rejected at its gate; the decisions say which were tested and which rejected.

References
----------
.. [1] Kudo M, et al. Final results of TACTICS. Liver Cancer 2022;11(4):354-367.
   doi:10.1159/000522547 (the gatekeeping rule: OS tested only if TACE-specific PFS
   p < 0.15).
.. [2] Maurer W, Hothorn LA, Lehmacher W. Multiple comparisons in drug clinical trials and
   preclinical assays: a-priori ordered hypotheses. In: Vollmar J, ed. Biometrie in der
   chemisch-pharmazeutischen Industrie 6. Fischer; 1995:3-18 (fixed-sequence testing).
.. [3] Westfall PH, Krishen A. Optimally weighted, fixed sequence and gatekeeper multiple
   testing procedures. J Stat Plan Inference 2001;99:25-40.
   doi:10.1016/S0378-3758(01)00077-5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tacepath.jsonsafe import finite_or_none

__all__ = ["GateDecision", "GateInput", "fixed_sequence"]


# --------------------------------------------------------------------------- gatekeeping


@dataclass(frozen=True, slots=True, kw_only=True)
class GateInput:
    """One hypothesis in testing order: its p-value, its level and its gate."""

    endpoint: str
    p: float
    alpha: float
    gate: float


@dataclass(frozen=True, slots=True, kw_only=True)
class GateDecision:
    """What the sequence decided for one hypothesis, and why."""

    endpoint: str
    order: int
    p: float
    alpha: float
    gate: float
    tested: bool
    rejected: bool
    opens_next: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "order": self.order,
            "p": finite_or_none(self.p),
            "alpha": self.alpha,
            "gate": self.gate,
            "tested": self.tested,
            "rejected": self.rejected,
            "opens_next": self.opens_next,
            "reason": self.reason,
        }


def fixed_sequence(steps: Sequence[GateInput]) -> tuple[GateDecision, ...]:
    """Hierarchical testing in a fixed order (gatekeeping) [2]_ [3]_.

    The first hypothesis is tested. A tested hypothesis is rejected when ``p < alpha``
    (strictly: TACTICS tested OS "only when the difference in TACE-specific PFS between
    groups was significant (p < 0.15)" [1]_) and opens the next one when ``p < gate``; once
    a gate stays closed, no later hypothesis is tested. An undefined p (NaN) rejects
    nothing and closes the gate. With ``gate = alpha`` this is the fixed-sequence
    procedure, which controls the familywise error at alpha.
    """
    out: list[GateDecision] = []
    open_gate = True
    previous = ""
    for i, s in enumerate(steps):
        defined = math.isfinite(s.p)
        if not open_gate:
            out.append(
                GateDecision(
                    endpoint=s.endpoint,
                    order=i + 1,
                    p=s.p,
                    alpha=s.alpha,
                    gate=s.gate,
                    tested=False,
                    rejected=False,
                    opens_next=False,
                    reason=f"not tested: the gate at {previous} stayed closed",
                )
            )
            previous = s.endpoint
            continue
        rejected = defined and s.p < s.alpha
        opens = defined and s.p < s.gate
        p_text = f"p = {s.p:.4g}" if defined else "p undefined"
        verdict = (
            f"{p_text} < {s.alpha:g}: rejected"
            if rejected
            else f"{p_text} ≥ {s.alpha:g}: not rejected"
            if defined
            else f"{p_text}: not rejected"
        )
        gate_text = (
            f"; p < gate {s.gate:g}: next hypothesis tested"
            if opens
            else f"; p ≥ gate {s.gate:g}: the sequence stops"
            if defined
            else "; the sequence stops"
        )
        out.append(
            GateDecision(
                endpoint=s.endpoint,
                order=i + 1,
                p=s.p,
                alpha=s.alpha,
                gate=s.gate,
                tested=True,
                rejected=rejected,
                opens_next=opens,
                reason=verdict + (gate_text if i + 1 < len(steps) else ""),
            )
        )
        open_gate = opens
        previous = s.endpoint
    return tuple(out)
