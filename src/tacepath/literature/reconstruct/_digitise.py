"""What a digitiser returns from a Kaplan–Meier figure: step corners on a pixel grid, with
clicking noise. Used to validate the reconstruction against known data and to make examples.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError

__all__ = ["digitise_km"]

FloatArray = npt.NDArray[np.float64]


def _corners(time: FloatArray, surv: FloatArray, t_last: float) -> tuple[FloatArray, FloatArray]:
    """(0, 1), both ends of every drop, and the end of the curve."""
    drops = np.flatnonzero(np.diff(np.concatenate([[1.0], surv])) < 0)
    before = np.concatenate([[1.0], surv])[drops]
    xs = np.concatenate([[0.0], np.repeat(time[drops], 2), [t_last]])
    ys = np.concatenate(
        [[1.0], np.column_stack([before, surv[drops]]).ravel(), [surv[-1] if surv.size else 1.0]]
    )
    return xs, ys


def _thin(px: FloatArray, py: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Keep what a raster shows: no repeated pixel, and only the two ends of a straight run."""
    keep = np.ones(px.size, dtype=bool)
    keep[1:] = (px[1:] != px[:-1]) | (py[1:] != py[:-1])
    px, py = px[keep], py[keep]
    if px.size <= 2:
        return px, py
    same_x = (px[1:-1] == px[:-2]) & (px[1:-1] == px[2:])
    same_y = (py[1:-1] == py[:-2]) & (py[1:-1] == py[2:])
    inner = np.concatenate([[True], ~(same_x | same_y), [True]])
    return px[inner], py[inner]


def digitise_km(
    time: npt.ArrayLike,
    surv: npt.ArrayLike,
    *,
    x_max: float | None = None,
    width_px: int = 1000,
    height_px: int = 600,
    noise_px: float = 1.0,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Digitiser-style points of a Kaplan–Meier step curve.

    The curve is drawn on a ``width_px`` × ``height_px`` plot area (time 0 to ``x_max``,
    survival 0 to 1) and read back as a person clicking step corners would: the start
    (0, 1), the top and bottom of each drop and the end of the curve, each rounded to the
    pixel it falls on (drops inside one pixel merge, drops smaller than a pixel vanish
    until they add up), then moved by Gaussian clicking noise of ``noise_px`` pixels (SD)
    in both directions. The noise gives what real digitiser output has: points out of time
    order, small rises, values above 1 and below time 0.

    Parameters
    ----------
    time, surv
        The curve: its distinct times (``SurvivalCurve.time``) and S(t) after each.
    x_max
        Right end of the time axis (default: the last time).
    width_px, height_px
        Plot-area size in pixels.
    noise_px
        Clicking noise (standard deviation, pixels); 0 for the pixel grid alone.
    seed
        Seed of the noise (``numpy.random.default_rng``); the same seed gives the same
        points.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` and ``surv`` (proportion), in clicking order.
    """
    t = np.asarray(time, dtype=float)
    s = np.asarray(surv, dtype=float)
    if t.shape != s.shape or t.ndim != 1 or t.size == 0:
        raise InputError("time/surv", f"{t.shape}/{s.shape}", "two 1-d arrays of equal length")
    if width_px < 10 or height_px < 10:
        raise InputError("width_px/height_px", (width_px, height_px), "at least 10 pixels")
    if not noise_px >= 0:
        raise InputError("noise_px", noise_px, "a standard deviation >= 0")
    x_end = float(t[-1]) if x_max is None else float(x_max)
    if not x_end > 0:
        raise InputError("x_max", x_max, "a time > 0")
    xs, ys = _corners(t, s, float(t[-1]))
    px = np.round(xs / x_end * width_px)
    py = np.round(ys * height_px)
    px, py = _thin(px, py)
    rng = np.random.default_rng(seed)
    if noise_px > 0:
        px = px + rng.normal(0.0, noise_px, px.size)
        py = py + rng.normal(0.0, noise_px, py.size)
    return pd.DataFrame({"time": px / width_px * x_end, "surv": py / height_px})
