"""Lab analytes, their units, conversion factors and validation limits.

Conversion happens once, at the boundary (``tacepath.domain.labs``). Each factor is cited:
the conversions are those of the reference table of tacepath (clinical-criteria §8), which
gives bilirubin mg/dL × 17.1 = µmol/L, albumin g/dL × 10 = g/L, creatinine mg/dL × 88.4 =
µmol/L and sodium mEq/L = mmol/L (monovalent).

The *limits* are validation bounds, not clinical cut-offs: they reject values that cannot be
real (a negative bilirubin, an albumin of 45 g/dL, an INR of 0, a sodium of 300 mmol/L) and
typical unit mix-ups, while accepting plausible-but-extreme values. They are documented in
the README ("Input validation").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

__all__ = ["ANALYTES", "Analyte", "denoise", "normalise_unit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Analyte:
    """A lab analyte: its canonical unit, accepted units and validation limits.

    ``to_canonical[unit]`` multiplies a value in ``unit`` to give the canonical unit.
    Limits are in the canonical unit; ``low_inclusive`` says whether ``low`` itself is allowed.
    """

    name: str
    canonical_unit: str
    to_canonical: Mapping[str, float]
    low: float
    high: float
    low_inclusive: bool
    factor_source: str

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(self.to_canonical)

    def within(self, canonical: float) -> bool:
        """Whether a value in the canonical unit lies within the limits (NaN does not)."""
        low_ok = canonical >= self.low if self.low_inclusive else canonical > self.low
        return bool(low_ok and canonical <= self.high)

    def allowed_text(self, unit: str | None = None) -> str:
        """The validation limits, stated in ``unit`` (default: the canonical unit)."""
        u = self.canonical_unit if unit is None or unit not in self.to_canonical else unit
        k = self.to_canonical[u]
        lo, hi = float(denoise(self.low / k)), float(denoise(self.high / k))
        shown = "" if u == "1" else f" {u}"
        sign = "≥" if self.low_inclusive else ">"
        return f"{sign} {lo:g} and ≤ {hi:g}{shown}"

    def factor(self, from_unit: str, to_unit: str) -> float:
        """Multiplier that converts a value in ``from_unit`` to ``to_unit``."""
        return self.to_canonical[from_unit] / self.to_canonical[to_unit]


_MICRO = {
    "umol/L": "µmol/L",
    "μmol/L": "µmol/L",
    "ukat/L": "µkat/L",
    "μkat/L": "µkat/L",
    "ug/L": "µg/L",
    "μg/L": "µg/L",
}

_CC = "clinical-criteria reference §8 (tacepath/shared reference)"

_ANALYTE_LIST = (
    Analyte(
        name="bilirubin",
        canonical_unit="mg/dL",
        to_canonical={"mg/dL": 1.0, "µmol/L": 1.0 / 17.1},
        low=0.0,
        high=100.0,
        low_inclusive=False,
        factor_source="µmol/L = mg/dL × 17.1 (" + _CC + ")",
    ),
    Analyte(
        name="albumin",
        canonical_unit="g/dL",
        to_canonical={"g/dL": 1.0, "g/L": 0.1},
        low=0.0,
        high=10.0,
        low_inclusive=False,
        factor_source="g/L = g/dL × 10 (" + _CC + ")",
    ),
    Analyte(
        name="creatinine",
        canonical_unit="mg/dL",
        to_canonical={"mg/dL": 1.0, "µmol/L": 1.0 / 88.4},
        low=0.0,
        high=40.0,
        low_inclusive=False,
        factor_source="µmol/L = mg/dL × 88.4 (" + _CC + ")",
    ),
    Analyte(
        name="sodium",
        canonical_unit="mmol/L",
        to_canonical={"mmol/L": 1.0, "mEq/L": 1.0},
        low=80.0,
        high=200.0,
        low_inclusive=True,
        factor_source="mEq/L = mmol/L for a monovalent ion (" + _CC + ")",
    ),
    Analyte(
        name="inr",
        canonical_unit="1",
        to_canonical={"1": 1.0},
        low=0.0,
        high=30.0,
        low_inclusive=False,
        factor_source="INR is unitless",
    ),
    Analyte(
        name="afp",
        canonical_unit="ng/mL",
        # IU/mL and kU/L are converted with the patient's assay factor (see labs.py).
        to_canonical={"ng/mL": 1.0, "µg/L": 1.0},
        low=0.0,
        high=1.0e8,
        low_inclusive=True,
        factor_source="µg/L = ng/mL; IU/mL ↔ ng/mL is assay-dependent (" + _CC + ")",
    ),
    Analyte(
        name="ast",
        canonical_unit="U/L",
        to_canonical={"U/L": 1.0, "IU/L": 1.0, "µkat/L": 60.0},
        low=0.0,
        high=1.0e5,
        low_inclusive=True,
        factor_source="µkat/L = U/L / 60 (" + _CC + ")",
    ),
    Analyte(
        name="platelets",
        canonical_unit="10^9/L",
        to_canonical={"10^9/L": 1.0, "10^3/µL": 1.0},
        low=0.0,
        high=5000.0,
        low_inclusive=True,
        factor_source="10^3/µL = 10^9/L (same quantity)",
    ),
)
ANALYTES: Mapping[str, Analyte] = {a.name: a for a in _ANALYTE_LIST} | {
    # ALT has the units and limits of AST.
    "alt": replace(next(a for a in _ANALYTE_LIST if a.name == "ast"), name="alt"),
}


def normalise_unit(unit: str) -> str:
    """Spelling of a unit as tacepath stores it (``umol/L`` and Greek mu become ``µmol/L``)."""
    u = unit.strip()
    u = _MICRO.get(u, u)
    if u in ("", "none", "None"):
        return "1"
    return u.replace("mcmol", "µmol").replace("x10^9/L", "10^9/L").replace("×10^9/L", "10^9/L")


def denoise(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Round a converted value to 10 significant digits.

    A unit conversion leaves floating-point noise (17 µmol/L → mg/dL → µmol/L gives
    17.000000000000004), which would flip strict comparisons at a cut-off. Ten significant
    digits is far below any laboratory's precision, so this removes only arithmetic noise
    (the same idea as R survival's ``aeqSurv``). Works on scalars and arrays alike so that
    the per-patient and the cohort paths give identical results.
    """
    a = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.abs(a)))
        scale = np.where(np.isfinite(mag), 10.0 ** (9.0 - mag), 1.0)
        out = np.round(a * scale) / scale
    return np.where(a == 0.0, 0.0, out)
