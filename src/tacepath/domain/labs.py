"""Lab values that carry their units; the one place where units are converted."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from tacepath.domain.units import ANALYTES, denoise, normalise_unit
from tacepath.domain.values import Record
from tacepath.errors import InputError

__all__ = ["AFP_NG_PER_IU_DEFAULT", "LabValue", "Labs", "check_lab", "convert"]

#: Default AFP conversion, ng/mL per IU/mL (commonly quoted factor for assays calibrated to
#: WHO standard 72/225). Assay-dependent and not verified as a constant in a primary source:
#: every AFP given in IU/mL records the factor used, and a lab can pass its own (``ng_per_iu``).
AFP_NG_PER_IU_DEFAULT = 1.21

_AFP_IU_UNITS = ("IU/mL", "kIU/L", "kU/L")


class LabValue(Record):
    """A measured lab value in the unit it was reported in."""

    value: Annotated[float, Field(allow_inf_nan=False, description="The measured value.")]
    unit: str = Field(
        default="1",
        max_length=20,
        description="The unit as reported (e.g. mg/dL, µmol/L or umol/L, g/L); omit for INR.",
    )
    ng_per_iu: float | None = Field(
        default=None,
        gt=0,
        description=(
            "AFP only, with an IU/mL unit: the assay's ng per IU factor "
            f"(default {AFP_NG_PER_IU_DEFAULT}; assay-dependent)."
        ),
    )


def _units_allowed(analyte: str) -> tuple[str, ...]:
    units = ANALYTES[analyte].units
    return units + _AFP_IU_UNITS if analyte == "afp" else units


def convert(analyte: str, lab: LabValue, unit: str | None = None) -> float:
    """The value of ``lab`` in ``unit`` (default: the analyte's canonical unit).

    Converted values are rounded to 10 significant digits to remove floating-point noise
    (see :func:`tacepath.domain.units.denoise`); a value already in ``unit`` is returned as is.
    """
    spec = ANALYTES[analyte]
    src = normalise_unit(lab.unit)
    dst = spec.canonical_unit if unit is None else normalise_unit(unit)
    if src == dst:
        return lab.value
    if analyte == "afp" and src in _AFP_IU_UNITS:
        factor = lab.ng_per_iu if lab.ng_per_iu is not None else AFP_NG_PER_IU_DEFAULT
        return float(denoise(lab.value * factor / spec.to_canonical[dst]))
    return float(denoise(lab.value * spec.factor(src, dst)))


def check_lab(analyte: str, lab: LabValue, field: str) -> None:
    """Refuse an unknown unit or a value outside the analyte's validation limits."""
    spec = ANALYTES[analyte]
    unit = normalise_unit(lab.unit)
    allowed_units = _units_allowed(analyte)
    shown = f"{lab.value:g} {lab.unit}".strip() if lab.unit != "1" else f"{lab.value:g}"
    if unit not in allowed_units:
        raise InputError(
            f"{field}.unit",
            lab.unit,
            "one of " + ", ".join(u for u in allowed_units if u != "1")
            if allowed_units != ("1",)
            else "no unit (INR is unitless)",
        )
    if lab.ng_per_iu is not None and not (analyte == "afp" and unit in _AFP_IU_UNITS):
        raise InputError(f"{field}.ng_per_iu", lab.ng_per_iu, "only for AFP given in IU/mL")
    if not spec.within(convert(analyte, lab)):
        raise InputError(field, shown, spec.allowed_text(unit))


class Labs(Record):
    """The lab panel of a patient snapshot; every value is optional."""

    bilirubin: LabValue | None = Field(
        default=None, description="Total bilirubin: mg/dL or µmol/L."
    )
    albumin: LabValue | None = Field(default=None, description="Serum albumin: g/dL or g/L.")
    inr: LabValue | None = Field(default=None, description="INR (unitless).")
    creatinine: LabValue | None = Field(default=None, description="Creatinine: mg/dL or µmol/L.")
    sodium: LabValue | None = Field(default=None, description="Sodium: mmol/L or mEq/L.")
    afp: LabValue | None = Field(
        default=None, description="Alpha-fetoprotein: ng/mL or µg/L (IU/mL with the assay factor)."
    )
    ast: LabValue | None = Field(default=None, description="AST: U/L (IU/L, µkat/L).")
    alt: LabValue | None = Field(default=None, description="ALT: U/L (IU/L, µkat/L).")
    platelets: LabValue | None = Field(default=None, description="Platelets: 10^9/L.")

    def get(self, analyte: str, unit: str | None = None) -> float | None:
        """The analyte's value in ``unit`` (canonical unit by default), or None if absent."""
        lab: LabValue | None = getattr(self, analyte)
        return None if lab is None else convert(analyte, lab, unit)
