"""Testing procedures across endpoints: the fixed sequence (hierarchical, gatekeeping),
Bonferroni, Holm, Hochberg and the graphical approach of Bretz et al. (2009).

Fixed sequence: an endpoint is tested only when every endpoint before it in the plan's
sequence was rejected at its gate. Bonferroni, Holm, Hochberg and graphs test every endpoint
of the family at the familywise level α and report adjusted p-values (a hypothesis is
rejected when its adjusted p ≤ α): Bonferroni, Holm and Hochberg as R ``p.adjust`` [4]_ [5]_
[6]_; a graph by the sequentially rejective weighted Bonferroni algorithm of Bretz et al. [7]_
(initial weights w, transition matrix G; Holm, the fixed sequence and the fallback procedure
are special graphs). Hand-written: the algorithms are a few lines each, and the R packages
that implement graphs (gMCP, graphicalMCP) have no Python counterpart.

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
.. [4] Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat
   1979;6(2):65-70.
.. [5] Hochberg Y. A sharper Bonferroni procedure for multiple tests of significance.
   Biometrika 1988;75(4):800-802. doi:10.1093/biomet/75.4.800
.. [6] Wright SP. Adjusted p-values for simultaneous inference. Biometrics
   1992;48(4):1005-1013. doi:10.2307/2532694 (the adjusted p-values of ``p.adjust``).
.. [7] Bretz F, Maurer W, Brannath W, Posch M. A graphical approach to sequentially
   rejective multiple test procedures. Stat Med 2009;28(4):586-604. doi:10.1002/sim.3495
   (Algorithm 1: the rejection and the graph update; section 3.2: adjusted p-values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tacepath.errors import InputError
from tacepath.jsonsafe import finite_or_none

__all__ = [
    "GateDecision",
    "GateInput",
    "GraphStep",
    "adjusted_bonferroni",
    "adjusted_hochberg",
    "adjusted_holm",
    "family_test",
    "fixed_sequence",
    "fixed_sequence_adjusted",
    "graph_adjusted",
]


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
    adjusted_p: float | None = None
    rejection_step: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "adjusted_p": None if self.adjusted_p is None else finite_or_none(self.adjusted_p),
            "rejection_step": self.rejection_step,
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


def fixed_sequence_adjusted(steps: Sequence[GateInput]) -> tuple[float | None, ...]:
    """Adjusted p of the fixed sequence, max(p₁, …, p_k) [6]_, when every step has one
    level and its gate equals it (else undefined: ``None``); NaN once a p is undefined."""
    if not steps or len({(s.alpha, s.gate) for s in steps}) != 1 or steps[0].gate != steps[0].alpha:
        return tuple(None for _ in steps)
    out: list[float | None] = []
    running = 0.0
    for s in steps:
        running = max(running, s.p) if math.isfinite(s.p) and math.isfinite(running) else math.nan
        out.append(running)
    return tuple(out)


# --------------------------------------------------------------------------- p.adjust


def _p_array(p: Sequence[float]) -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or arr.size > 100:
        raise InputError("p", f"{arr.size} values", "1 to 100 p-values")
    bad = np.isfinite(arr) & ((arr < 0) | (arr > 1))
    if bad.any():
        raise InputError("p", float(arr[bad][0]), "a p-value in [0, 1] (or undefined)")
    return arr


def adjusted_bonferroni(p: Sequence[float]) -> tuple[float, ...]:
    """min(1, m·p), as R ``p.adjust(p, "bonferroni")``."""
    arr = _p_array(p)
    return tuple(float(v) for v in np.minimum(1.0, arr.size * arr))


def adjusted_holm(p: Sequence[float]) -> tuple[float, ...]:
    """Holm's step-down adjusted p-values [4]_ [6]_, as R ``p.adjust(p, "holm")``:
    the running maximum of (m − i + 1)·p₍ᵢ₎ over the sorted p, at most 1."""
    arr = _p_array(p)
    m = arr.size
    order = np.argsort(arr, kind="stable")
    scaled = (m - np.arange(m)) * arr[order]
    out = np.empty(m)
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return tuple(float(v) for v in out)


def adjusted_hochberg(p: Sequence[float]) -> tuple[float, ...]:
    """Hochberg's step-up adjusted p-values [5]_ [6]_, as R ``p.adjust(p, "hochberg")``:
    the running minimum of (m − i + 1)·p₍ᵢ₎ from the largest p down, at most 1."""
    arr = _p_array(p)
    m = arr.size
    order = np.argsort(-arr, kind="stable")
    scaled = (np.arange(m) + 1) * arr[order]
    out = np.empty(m)
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled))
    return tuple(float(v) for v in out)


# --------------------------------------------------------------------------- graphs


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphStep:
    """One hypothesis as the graph's algorithm removed it: which, its adjusted p, and the
    weights of the hypotheses still in the graph just before (the local levels w·α)."""

    index: int
    adjusted_p: float
    weights_before: tuple[float, ...]


def _check_graph(weights: np.ndarray, g: np.ndarray) -> None:
    m = weights.size
    if m == 0 or m > 100:
        raise InputError("weights", f"{m} values", "1 to 100 hypotheses")
    if g.shape != (m, m):
        raise InputError("transitions", f"shape {g.shape}", f"a {m} x {m} matrix")
    if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() <= 1 + 1e-12):
        raise InputError("weights", "given", "weights ≥ 0 summing to at most 1")
    rows = g.sum(axis=1)
    if not (np.isfinite(g).all() and (g >= 0).all() and (rows <= 1 + 1e-12).all()):
        raise InputError("transitions", "given", "entries ≥ 0, each row summing to at most 1")
    if np.any(np.diag(g) != 0):
        raise InputError("transitions", "a non-zero diagonal", "g_jj = 0")


def _remove(j: int, keep: np.ndarray, w: np.ndarray, g: np.ndarray) -> None:
    """Bretz et al. (2009) Algorithm 1, step 2 [7]_: H_j leaves the graph; its weight goes
    along its edges, w_l += w_j g_jl, and the edges through it are joined,
    g_lk = (g_lk + g_lj g_jk) / (1 − g_lj g_jl) (0 when g_lj g_jl = 1, and for l = k)."""
    keep[j] = False
    idx = np.flatnonzero(keep)
    w[idx] += w[j] * g[j, idx]
    new = g.copy()
    for lv in idx:
        denom = 1.0 - g[lv, j] * g[j, lv]
        for k in idx:
            new[lv, k] = 0.0 if k == lv or denom <= 0 else (g[lv, k] + g[lv, j] * g[j, k]) / denom
    g[:] = 0.0
    g[np.ix_(idx, idx)] = new[np.ix_(idx, idx)]
    w[j] = 0.0


def graph_adjusted(
    p: Sequence[float], weights: Sequence[float], transitions: Sequence[Sequence[float]]
) -> tuple[GraphStep, ...]:
    """Adjusted p-values of a graph (weighted Bonferroni tests) [7]_, in the order the
    algorithm removes the hypotheses.

    Repeatedly: among the hypotheses left, the one with the smallest p_j / w_j (w_j > 0;
    ties: the first) gets adjusted p max(min(1, p_j / w_j), the previous adjusted p) and
    leaves the graph (:func:`_remove`). When every weight left is 0 the rest get 1. A
    hypothesis is rejected at level α exactly when its adjusted p ≤ α, the same decisions
    as Algorithm 1 (reject H_j when p_j ≤ w_j α). An undefined p (NaN) is treated as 1.
    """
    arr = _p_array(p)
    w = np.asarray(weights, dtype=float).copy()
    g = np.asarray(transitions, dtype=float).copy()
    if w.size != arr.size:
        raise InputError("weights", f"{w.size} values", f"one per hypothesis ({arr.size})")
    _check_graph(w, g)
    p_use = np.where(np.isfinite(arr), arr, 1.0)
    keep = np.ones(arr.size, dtype=bool)
    out: list[GraphStep] = []
    running = 0.0
    while keep.any():
        idx = np.flatnonzero(keep)
        before = tuple(float(v) if keep[i] else 0.0 for i, v in enumerate(w))
        pos = idx[w[idx] > 0]
        if pos.size == 0:
            out += [GraphStep(index=int(i), adjusted_p=1.0, weights_before=before) for i in idx]
            break
        ratio = p_use[pos] / w[pos]
        j = int(pos[int(np.argmin(ratio))])
        running = max(running, min(1.0, float(p_use[j] / w[j])))
        out.append(GraphStep(index=j, adjusted_p=running, weights_before=before))
        _remove(j, keep, w, g)
    return tuple(out)


def family_test(
    procedure: str,
    steps: Sequence[GateInput],
    alpha: float,
    *,
    weights: Sequence[float] = (),
    transitions: Sequence[Sequence[float]] = (),
) -> tuple[GateDecision, ...]:
    """Bonferroni, Holm, Hochberg or a graph over the endpoints ``steps`` (their order is the
    plan's): every hypothesis is tested; rejected when its adjusted p ≤ ``alpha``.
    ``rejection_step`` numbers the rejected ones in the order the procedure rejects them."""
    p = [s.p for s in steps]
    order: list[int]
    if procedure == "graph":
        removed = graph_adjusted(p, weights, transitions)
        adj = [0.0] * len(steps)
        for r in removed:
            adj[r.index] = r.adjusted_p
        order = [r.index for r in removed]
    else:
        fn = {
            "bonferroni": adjusted_bonferroni,
            "holm": adjusted_holm,
            "hochberg": adjusted_hochberg,
        }[procedure]
        clean = [v if math.isfinite(v) else 1.0 for v in p]
        adj = list(fn(clean))
        order = sorted(range(len(steps)), key=lambda i: (adj[i], clean[i], i))
    rank = {i: k + 1 for k, i in enumerate(j for j in order if adj[j] <= alpha)}
    out = []
    for i, s in enumerate(steps):
        rejected = adj[i] <= alpha and math.isfinite(s.p)
        p_text = f"p = {s.p:.4g}" if math.isfinite(s.p) else "p undefined (taken as 1)"
        verdict = (
            f"{p_text}, adjusted p = {adj[i]:.4g} ≤ {alpha:g}: rejected ({rank[i]}. rejection)"
            if rejected
            else f"{p_text}, adjusted p = {adj[i]:.4g} > {alpha:g}: not rejected"
        )
        out.append(
            GateDecision(
                endpoint=s.endpoint,
                order=i + 1,
                p=s.p,
                alpha=alpha,
                gate=alpha,
                tested=True,
                rejected=rejected,
                opens_next=rejected,
                reason=f"{procedure}: {verdict}",
                adjusted_p=adj[i],
                rejection_step=rank.get(i) if rejected else None,
            )
        )
    return tuple(out)
