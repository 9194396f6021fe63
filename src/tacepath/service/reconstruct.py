"""Reconstruction of individual patient data from a digitised Kaplan–Meier curve (Guyot 2012).

The engine is :func:`tacepath.literature.reconstruct.reconstruct_ipd`; this use case reads the two
uploaded CSV files and returns its result, the IPD as CSV and the figure as PNG. Nothing is
stored: the inputs are published figures, not patient records.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from tacepath.errors import InputError
from tacepath.interop.csv_out import formula_safe
from tacepath.interop.files import read_table_bytes
from tacepath.jsonsafe import json_safe
from tacepath.service.permissions import check
from tacepath.service.principal import Principal

__all__ = ["MAX_CSV_BYTES", "reconstruct"]

MAX_CSV_BYTES = 2 * 1024 * 1024


def _csv(data: bytes, name: str) -> pd.DataFrame:
    return read_table_bytes(data, name=name, fmt="csv", max_bytes=MAX_CSV_BYTES)


def reconstruct(
    who: Principal,
    *,
    curve: bytes,
    at_risk: bytes | None,
    events: int | None = None,
    n: int | None = None,
    arm: str | None = None,
    percent: bool = False,
    plot: bool = True,
) -> dict[str, Any]:
    """``{"result": accuracy report..., "summary": text, "ipd_csv": str, "png": bytes|None}``."""
    from tacepath.literature.reconstruct import reconstruct_ipd

    check(who.role, "reconstruct.run")
    if arm is not None and (len(arm) > 60 or "\x00" in arm):
        raise InputError("arm", arm[:60], "a label of at most 60 characters")
    if at_risk is None and n is None:
        raise InputError("at_risk/n", None, "the published at-risk table, or n")
    table = _csv(at_risk, "at_risk") if at_risk is not None else None
    try:
        result = reconstruct_ipd(
            _csv(curve, "curve"),
            table,
            total_events=events,
            arm=arm or None,
            percent=percent,
            n=n,
            names=("curve", "at_risk"),
        )
    except (KeyError, TypeError) as exc:
        raise InputError(
            "curve", "(file)", f"columns time,surv and at_risk time,n_risk ({exc})"
        ) from exc
    png = None
    if plot:
        from tacepath.report.reconstruct_plot import plot_reconstruction

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "reconstruction.png"
            plot_reconstruction(result, path)
            png = path.read_bytes()
    return {
        "result": json_safe(result.to_dict()),
        "summary": result.summary(),
        "ipd_csv": formula_safe(result.ipd).to_csv(index=False),
        "png": png,
    }
