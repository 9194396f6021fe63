"""Population counts per arm and the baseline characteristics table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from tacepath.analysis._frames import _ARM, _population, _text
from tacepath.analysis.results import BaselineBlock
from tacepath.analysis.sap import Sap
from tacepath.jsonsafe import finite_or_none

__all__ = ["baseline_table", "population_counts"]


# --------------------------------------------------------------------------- tables


def population_counts(
    sap: Sap, adsl: pd.DataFrame, arms: Sequence[str]
) -> dict[str, dict[str, int]]:
    out = {}
    for key in sap.populations:
        rows = _population(sap, adsl, key)
        counts = {a: int((rows[_ARM] == a).sum()) for a in arms}
        out[key] = {**counts, "total": sum(counts.values())}
    return out


def baseline_table(sap: Sap, adsl: pd.DataFrame, arms: Sequence[str]) -> tuple[BaselineBlock, ...]:
    if not sap.baseline:
        return ()
    pop = _population(sap, adsl, sap.endpoints[0].population)
    groups = {a: pop[pop[_ARM] == a] for a in arms}
    groups["total"] = pop
    blocks = []
    for b in sap.baseline:
        rows: list[dict[str, Any]] = []
        if b.kind == "continuous":
            for stat in ("n", "median", "min", "max", "mean", "sd"):
                row: dict[str, Any] = {"level": stat}
                for g, frame in groups.items():
                    x = pd.to_numeric(frame[b.variable], errors="coerce").dropna()
                    value = {
                        "n": float(x.size),
                        "median": float(x.median()) if x.size else float("nan"),
                        "min": float(x.min()) if x.size else float("nan"),
                        "max": float(x.max()) if x.size else float("nan"),
                        "mean": float(x.mean()) if x.size else float("nan"),
                        "sd": float(x.std(ddof=1)) if x.size > 1 else float("nan"),
                    }[stat]
                    row[g] = finite_or_none(value)
                rows.append(row)
        else:
            vals = {g: _text(f[b.variable]) for g, f in groups.items()}
            levels = sorted({v for v in vals["total"] if v is not None})
            for lv in levels:
                row = {"level": lv}
                for g, v in vals.items():
                    k = int((v == lv).sum())
                    row[g] = {"n": k, "percent": 100.0 * k / len(v) if len(v) else None}
                rows.append(row)
            n_missing = {g: int(v.isna().sum()) for g, v in vals.items()}
            if any(n_missing.values()):
                rows.append(
                    {
                        "level": "missing",
                        **{g: {"n": k, "percent": None} for g, k in n_missing.items()},
                    }
                )
        blocks.append(
            BaselineBlock(variable=b.variable, label=b.label, kind=b.kind, rows=tuple(rows))
        )
    return tuple(blocks)
