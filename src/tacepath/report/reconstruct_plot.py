"""Figures of reconstructed and pseudo individual patient data, drawn by :func:`plot_km`.

The reconstruction figure shows two curves with one risk table: the digitised curve as
published (blue: a step through the cleaned points, each point marked by a tick) and, drawn
over it, the Kaplan–Meier curve of the reconstructed data (orange, with its confidence band
and censoring marks). The risk table's two rows are the published numbers at risk and the
reconstructed ones, at the published times, so a mismatch is visible at a glance.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from tacepath.literature.reconstruct import PSEUDO_LABEL, PseudoIpdResult, ReconstructionResult
from tacepath.survival import KaplanMeierResult, SurvivalCurve

__all__ = ["plot_pseudo_ipd", "plot_reconstruction"]


def _published_curve(result: ReconstructionResult, group: str) -> SurvivalCurve:
    """The digitised points as a curve whose risk table holds the published numbers."""
    t_pts = result.curve["time"].to_numpy(float)
    s_pts = result.curve["surv"].to_numpy(float)
    risk_t = result.at_risk["time"].to_numpy(float)
    risk_n = result.at_risk["n_risk"].to_numpy(float)
    time = np.union1d(t_pts, risk_t)
    idx = np.searchsorted(t_pts, time, side="right") - 1
    surv = s_pts[np.maximum(idx, 0)]
    n_risk = np.full(time.size, np.nan)
    where = np.searchsorted(time, risk_t)
    n_risk[where] = risk_n
    # Between published times show the last published count (only the ticks are printed).
    known = ~np.isnan(n_risk)
    if known.any():
        fill = np.maximum.accumulate(np.where(known, np.arange(time.size), 0))
        n_risk = np.where(known, n_risk, n_risk[fill])
    else:
        n_risk = np.full(time.size, float(result.n))
    is_point = np.isin(time, t_pts) & (time > 0)
    nan = np.full(time.size, np.nan)
    zero = np.zeros(time.size)
    return SurvivalCurve(
        group=group,
        n=int(risk_n[0]) if risk_n.size else result.n,
        time=time,
        n_risk=n_risk,
        n_event=zero,
        n_censor=is_point.astype(float),
        surv=surv,
        std_err=nan,
        std_log=nan,
        lower=nan,
        upper=nan,
        cumhaz=zero,
        std_chaz=nan,
        conf_type="none",
        conf_level=0.95,
        variance="none",
        tau=float(time[-1]),
    )


def plot_reconstruction(
    result: ReconstructionResult, path: Path | str, *, time_label: str = "Time"
) -> Path:
    """The reconstructed Kaplan–Meier curve over the digitised points, with both risk tables.

    Ticks are the published at-risk times (rounded ticks without a table).
    """
    from tacepath.report.km_plot import plot_km

    recon = dataclasses.replace(result.km, group="reconstructed")
    # The published curve first, so that the reconstruction is drawn over it.
    curves = [_published_curve(result, "digitised"), recon]
    fit = KaplanMeierResult(
        curves=tuple(curves),
        group_column="curve",
        n_dropped=0,
        conf_type=recon.conf_type,
        conf_level=recon.conf_level,
        counting=False,
    )
    arm = f" — {result.arm}" if result.arm else ""
    ticks = result.at_risk["time"].to_list() if len(result.at_risk) else None
    return plot_km(
        fit,
        path,
        title=f"Reconstructed IPD vs digitised curve{arm}",
        time_label=time_label,
        break_times=ticks,
        labels={"reconstructed": "Reconstructed", "digitised": "Published (digitised)"},
    )


def plot_pseudo_ipd(result: PseudoIpdResult, path: Path | str, *, time_label: str = "Time") -> Path:
    """The Kaplan–Meier curve of pseudo-data, titled and labelled as pseudo-data."""
    from tacepath.report.km_plot import plot_km

    curve = dataclasses.replace(result.km, group=PSEUDO_LABEL)
    fit = KaplanMeierResult(
        curves=(curve,),
        group_column="label",
        n_dropped=0,
        conf_type=curve.conf_type,
        conf_level=curve.conf_level,
        counting=False,
    )
    ticks = [c.time for c in result.constraints if c.name == "n_risk" and c.time is not None]
    arm = f" ({result.arm})" if result.arm else ""
    return plot_km(
        fit,
        path,
        title=f"PSEUDO-DATA{arm}: generated from printed numbers, not patients",
        time_label=time_label,
        break_times=ticks if len(ticks) > 1 else None,
        labels={PSEUDO_LABEL: f"Pseudo-data{arm}"},
    )
