"""Liver function: Child-Pugh, ALBI, mALBI, MELD, MELD-Na and MELD 3.0.

Cut-offs and formulas as stated in the clinical-criteria reference (§1–§3) with the defaults of
the decisions table where sources disagree. The band functions (``*_points``) work on scalars
and NumPy arrays alike; the per-patient functions and the cohort path share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import numpy.typing as npt

from tacepath.clinical._common import Component, require_lab, require_range, round_half_up
from tacepath.clinical._sources import (
    HIRAOKA_2017,
    JOHNSON_2015,
    KAMATH_2001,
    KIM_2008,
    KIM_2021,
    PUGH_1973,
)
from tacepath.domain.citation import Citation
from tacepath.domain.patient import MAX_PT_PROLONGATION_S, Ascites, Encephalopathy
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields

__all__ = [
    "ALBIResult",
    "ChildPughResult",
    "MALBIResult",
    "MELD3Result",
    "MELDNaResult",
    "MELDResult",
    "albi",
    "albi_grade",
    "albi_score",
    "child_pugh",
    "child_pugh_class",
    "malbi",
    "malbi_grade",
    "meld",
    "meld_3",
    "meld_na",
]

AlbuminBand = Literal["pugh", "harrison"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# --------------------------------------------------------------------------- Child-Pugh

#: Bilirubin bands, mg/dL: 1 point below the first, 2 points up to and including the second.
BILIRUBIN_BANDS = {"standard": (2.0, 3.0), "cholestatic": (4.0, 10.0)}
#: Albumin bands, g/dL: 1 point above 3.5, 2 points from the lower edge to 3.5 inclusive.
ALBUMIN_LOWER_EDGE = {"pugh": 2.8, "harrison": 3.0}
ALBUMIN_UPPER_EDGE = 3.5
INR_BANDS = (1.7, 2.3)
PT_BANDS = (4.0, 6.0)
_ASCITES_POINTS = {"none": 1, "mild": 2, "moderate-severe": 3}
_HE_POINTS = {"none": 1, "grade-1-2": 2, "grade-3-4": 3}


def bilirubin_points(bilirubin_mg_dl: npt.ArrayLike, *, cholestatic: bool = False) -> IntArray:
    """Child-Pugh bilirubin points: < 2 → 1, 2–3 → 2, > 3 → 3 mg/dL (PBC/PSC: 4 and 10)."""
    lo, hi = BILIRUBIN_BANDS["cholestatic" if cholestatic else "standard"]
    b = np.asarray(bilirubin_mg_dl, dtype=float)
    return np.where(b < lo, 1, np.where(b <= hi, 2, 3)).astype(np.int64)


def albumin_points(albumin_g_dl: npt.ArrayLike, *, band: AlbuminBand = "pugh") -> IntArray:
    """Child-Pugh albumin points: > 3.5 → 1, 2.8–3.5 → 2, < 2.8 → 3 g/dL (Harrison: 3.0)."""
    a = np.asarray(albumin_g_dl, dtype=float)
    lower = ALBUMIN_LOWER_EDGE[band]
    return np.where(a > ALBUMIN_UPPER_EDGE, 1, np.where(a >= lower, 2, 3)).astype(np.int64)


def inr_points(inr: npt.ArrayLike) -> IntArray:
    """Child-Pugh INR points: < 1.7 → 1, 1.7–2.3 → 2, > 2.3 → 3."""
    x = np.asarray(inr, dtype=float)
    return np.where(x < INR_BANDS[0], 1, np.where(x <= INR_BANDS[1], 2, 3)).astype(np.int64)


def pt_points(pt_prolongation_s: npt.ArrayLike) -> IntArray:
    """Child-Pugh prothrombin-time points (s over control): < 4 → 1, 4–6 → 2, > 6 → 3."""
    x = np.asarray(pt_prolongation_s, dtype=float)
    return np.where(x < PT_BANDS[0], 1, np.where(x <= PT_BANDS[1], 2, 3)).astype(np.int64)


def child_pugh_class(score: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Class from the total: A = 5–6, B = 7–9, C = 10–15."""
    s = np.asarray(score)
    return np.where(s <= 6, "A", np.where(s <= 9, "B", "C"))


def _band_text(points: int, lo: float, hi: float, unit: str, *, higher_is_worse: bool) -> str:
    if higher_is_worse:
        return {1: f"< {lo:g} {unit}", 2: f"{lo:g}–{hi:g} {unit}", 3: f"> {hi:g} {unit}"}[points]
    return {1: f"> {hi:g} {unit}", 2: f"{lo:g}–{hi:g} {unit}", 3: f"< {lo:g} {unit}"}[points]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildPughResult:
    """Child-Pugh score (5–15), class (A/B/C) and the points of each component."""

    score: int
    child_pugh_class: Literal["A", "B", "C"]
    components: tuple[Component, ...]
    rule: str
    source: Citation = PUGH_1973

    @property
    def points(self) -> dict[str, int]:
        return {c.name: int(c.points) for c in self.components}

    def to_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "class": self.child_pugh_class,
            "points": self.points,
            "components": [c.to_dict() for c in self.components],
            "rule": self.rule,
            "source": self.source.to_dict(),
        }


def child_pugh(
    *,
    bilirubin_mg_dl: float,
    albumin_g_dl: float,
    ascites: Ascites,
    encephalopathy: Encephalopathy,
    inr: float | None = None,
    pt_prolongation_s: float | None = None,
    albumin_band: AlbuminBand = "pugh",
    cholestatic: bool = False,
) -> ChildPughResult:
    """Child-Pugh score and class (Pugh 1973, modified with INR).

    Bilirubin in mg/dL (a value reported in µmol/L is converted ÷ 17.1 first, so the mg/dL
    cut-offs apply exactly; the 34/51 µmol/L table is a rounded copy). Give INR or, as in
    Pugh's original, prothrombin-time prolongation in seconds — not both.
    ``albumin_band="harrison"`` uses 3.0–3.5 g/dL for 2 points; ``cholestatic=True`` uses the
    PBC/PSC bilirubin bands (< 4, 4–10, > 10 mg/dL).
    """
    require_lab("bilirubin_mg_dl", bilirubin_mg_dl, "bilirubin", "mg/dL")
    require_lab("albumin_g_dl", albumin_g_dl, "albumin", "g/dL")
    if (inr is None) == (pt_prolongation_s is None):
        raise InputError("inr/pt_prolongation_s", (inr, pt_prolongation_s), "exactly one of them")
    if ascites not in _ASCITES_POINTS:
        raise InputError("ascites", ascites, ", ".join(_ASCITES_POINTS))
    if encephalopathy not in _HE_POINTS:
        raise InputError("encephalopathy", encephalopathy, ", ".join(_HE_POINTS))
    if albumin_band not in ALBUMIN_LOWER_EDGE:
        raise InputError("albumin_band", albumin_band, "pugh, harrison")

    b_lo, b_hi = BILIRUBIN_BANDS["cholestatic" if cholestatic else "standard"]
    bp = int(bilirubin_points(bilirubin_mg_dl, cholestatic=cholestatic))
    ap = int(albumin_points(albumin_g_dl, band=albumin_band))
    a_lo = ALBUMIN_LOWER_EDGE[albumin_band]
    comps = [
        Component(
            name="bilirubin",
            value=bilirubin_mg_dl,
            unit="mg/dL",
            points=bp,
            band=_band_text(bp, b_lo, b_hi, "mg/dL", higher_is_worse=True),
        ),
        Component(
            name="albumin",
            value=albumin_g_dl,
            unit="g/dL",
            points=ap,
            band=_band_text(ap, a_lo, ALBUMIN_UPPER_EDGE, "g/dL", higher_is_worse=False),
        ),
    ]
    if inr is not None:
        require_lab("inr", inr, "inr", "1")
        ip = int(inr_points(inr))
        comps.append(
            Component(
                name="inr",
                value=inr,
                unit="",
                points=ip,
                band=_band_text(ip, *INR_BANDS, "", higher_is_worse=True).strip(),
            )
        )
    else:
        assert pt_prolongation_s is not None
        require_range(
            "pt_prolongation_s", pt_prolongation_s, low=0, high=MAX_PT_PROLONGATION_S, unit="s"
        )
        pp = int(pt_points(pt_prolongation_s))
        comps.append(
            Component(
                name="pt",
                value=pt_prolongation_s,
                unit="s",
                points=pp,
                band=_band_text(pp, *PT_BANDS, "s", higher_is_worse=True),
            )
        )
    comps.append(
        Component(
            name="ascites", value=ascites, unit="", points=_ASCITES_POINTS[ascites], band=ascites
        )
    )
    comps.append(
        Component(
            name="encephalopathy",
            value=encephalopathy,
            unit="",
            points=_HE_POINTS[encephalopathy],
            band=encephalopathy,
        )
    )
    score = sum(int(c.points) for c in comps)
    cls = str(child_pugh_class(score))
    rule = (
        "Child-Pugh (Pugh 1973, INR-modified): bilirubin <2 / 2–3 / >3 mg/dL"
        + (" [cholestatic PBC/PSC bands <4 / 4–10 / >10 mg/dL]" if cholestatic else "")
        + f"; albumin >3.5 / {a_lo:g}–3.5 / <{a_lo:g} g/dL"
        + (" [Harrison bands]" if albumin_band == "harrison" else " [Pugh-derived bands]")
        + (
            "; INR <1.7 / 1.7–2.3 / >2.3"
            if inr is not None
            else "; PT prolongation <4 / 4–6 / >6 s"
        )
        + "; bilirubin in µmol/L converted ÷17.1 to mg/dL first; class A 5–6, B 7–9, C 10–15"
    )
    return ChildPughResult(
        score=score,
        child_pugh_class=cls,  # type: ignore[arg-type]
        components=tuple(comps),
        rule=rule,
    )


# --------------------------------------------------------------------------- ALBI / mALBI

ALBI_GRADE_CUTS = (-2.60, -1.39)
#: mALBI 2a/2b split (Hiraoka). Working convention of the decisions table; the value and its
#: inclusive side were not found in a primary text (see MALBI_RULE).
MALBI_SPLIT = -2.270
MALBI_RULE = (
    "mALBI (Hiraoka): grade 2 split at ALBI −2.270, 2a = > −2.60 and ≤ −2.270, "
    "2b = > −2.270 and ≤ −1.39. The −2.270 value and its inclusive side are the working "
    "convention of tacepath's decisions table and are NOT verified in a primary text."
)


def albi_score(bilirubin_umol_l: npt.ArrayLike, albumin_g_l: npt.ArrayLike) -> FloatArray:
    """ALBI = 0.66 × log10(bilirubin µmol/L) − 0.085 × albumin g/L (Johnson 2015)."""
    b = np.asarray(bilirubin_umol_l, dtype=float)
    a = np.asarray(albumin_g_l, dtype=float)
    out: FloatArray = 0.66 * np.log10(b) - 0.085 * a
    return out


def albi_grade(score: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """ALBI grade: 1 ≤ −2.60 < 2 ≤ −1.39 < 3."""
    s = np.asarray(score, dtype=float)
    return np.where(s <= ALBI_GRADE_CUTS[0], "1", np.where(s <= ALBI_GRADE_CUTS[1], "2", "3"))


def malbi_grade(score: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """mALBI grade 1 / 2a / 2b / 3 (grade 2 split at −2.270; see :data:`MALBI_RULE`)."""
    s = np.asarray(score, dtype=float)
    return np.where(
        s <= ALBI_GRADE_CUTS[0],
        "1",
        np.where(s <= MALBI_SPLIT, "2a", np.where(s <= ALBI_GRADE_CUTS[1], "2b", "3")),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ALBIResult(JsonFields):
    """ALBI score (unrounded) and grade, with the inputs in the units of the formula."""

    score: float
    grade: Literal["1", "2", "3"]
    bilirubin_umol_l: float
    albumin_g_l: float
    rule: str = (
        "ALBI = 0.66 × log10(bilirubin µmol/L) − 0.085 × albumin g/L; "
        "grade 1 ≤ −2.60, grade 2 > −2.60 and ≤ −1.39, grade 3 > −1.39"
    )
    source: Citation = JOHNSON_2015


def albi(*, bilirubin_umol_l: float, albumin_g_l: float) -> ALBIResult:
    """ALBI score and grade (Johnson 2015). Bilirubin in µmol/L, albumin in g/L."""
    require_lab("bilirubin_umol_l", bilirubin_umol_l, "bilirubin", "µmol/L")
    require_lab("albumin_g_l", albumin_g_l, "albumin", "g/L")
    score = float(albi_score(bilirubin_umol_l, albumin_g_l))
    return ALBIResult(
        score=score,
        grade=str(albi_grade(score)),  # type: ignore[arg-type]
        bilirubin_umol_l=bilirubin_umol_l,
        albumin_g_l=albumin_g_l,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MALBIResult:
    """Modified ALBI grade (1, 2a, 2b, 3) from the ALBI score."""

    grade: Literal["1", "2a", "2b", "3"]
    albi_score: float
    rule: str = MALBI_RULE
    source: Citation = HIRAOKA_2017

    def to_dict(self) -> dict[str, object]:
        return {
            "grade": self.grade,
            "albi_score": self.albi_score,
            "verified": False,
            "rule": self.rule,
            "source": self.source.to_dict(),
        }


def malbi(*, bilirubin_umol_l: float, albumin_g_l: float) -> MALBIResult:
    """mALBI grade (Hiraoka); the 2a/2b split is an unverified working convention."""
    a = albi(bilirubin_umol_l=bilirubin_umol_l, albumin_g_l=albumin_g_l)
    return MALBIResult(grade=str(malbi_grade(a.score)), albi_score=a.score)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- MELD family

MELD_CAP = 40


def _dialysis_creatinine(cr: float, dialysis: bool, ceiling: float) -> tuple[float, list[str]]:
    notes: list[str] = []
    if dialysis:
        notes.append(f"creatinine set to {ceiling:g} mg/dL (dialysis)")
        return ceiling, notes
    if cr > ceiling:
        notes.append(f"creatinine {cr:g} capped at {ceiling:g} mg/dL")
        return ceiling, notes
    if cr < 1.0:
        notes.append(f"creatinine {cr:g} raised to the floor 1.0 mg/dL")
        return 1.0, notes
    return cr, notes


def _floor_one(name: str, x: float, unit: str, notes: list[str]) -> float:
    if x < 1.0:
        notes.append(f"{name} {x:g} raised to the floor 1.0{(' ' + unit) if unit else ''}")
        return 1.0
    return x


def _cap(score: int, cap: int | None, notes: list[str]) -> int:
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise InputError("cap", cap, "an integer ≥ 1, or None for the uncapped score")
    if cap is not None and score > cap:
        notes.append(f"score {score} capped at {cap}")
        return cap
    return score


def meld_core(
    creatinine_mg_dl: npt.ArrayLike,
    bilirubin_mg_dl: npt.ArrayLike,
    inr: npt.ArrayLike,
    dialysis: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """MELD(i) and the uncapped integer MELD (OPTN), on scalars or arrays."""
    cr = np.asarray(creatinine_mg_dl, dtype=float)
    cr = np.where(np.asarray(dialysis, dtype=bool), 4.0, np.clip(cr, 1.0, 4.0))
    bili = np.maximum(np.asarray(bilirubin_mg_dl, dtype=float), 1.0)
    inr_ = np.maximum(np.asarray(inr, dtype=float), 1.0)
    meld_i = 0.957 * np.log(cr) + 0.378 * np.log(bili) + 1.120 * np.log(inr_) + 0.643
    return meld_i, np.round(round_half_up(meld_i, 1) * 10.0)


def meld_na_core(
    meld_int: npt.ArrayLike, sodium_mmol_l: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Unrounded and rounded (uncapped) MELD-Na from the integer MELD(i), gate at > 11."""
    mi = np.asarray(meld_int, dtype=float)
    d = 137.0 - np.clip(np.asarray(sodium_mmol_l, dtype=float), 125.0, 137.0)
    raw = np.where(mi > 11, mi + 1.32 * d - 0.033 * mi * d, mi)
    return raw, round_half_up(raw)


def meld3_core(
    female_term: npt.ArrayLike,
    bilirubin_mg_dl: npt.ArrayLike,
    sodium_mmol_l: npt.ArrayLike,
    inr: npt.ArrayLike,
    creatinine_mg_dl: npt.ArrayLike,
    albumin_g_dl: npt.ArrayLike,
    dialysis: npt.ArrayLike,
) -> tuple[dict[str, FloatArray], FloatArray, FloatArray]:
    """MELD 3.0 terms, unrounded sum and rounded (uncapped) score, on scalars or arrays."""
    lb = np.log(np.maximum(np.asarray(bilirubin_mg_dl, dtype=float), 1.0))
    cr = np.asarray(creatinine_mg_dl, dtype=float)
    lc = np.log(np.where(np.asarray(dialysis, dtype=bool), 3.0, np.clip(cr, 1.0, 3.0)))
    d_na = 137.0 - np.clip(np.asarray(sodium_mmol_l, dtype=float), 125.0, 137.0)
    d_alb = 3.5 - np.clip(np.asarray(albumin_g_dl, dtype=float), 1.5, 3.5)
    terms = {
        "female": 1.33 * np.asarray(female_term, dtype=float),
        "bilirubin": 4.56 * lb,
        "sodium": 0.82 * d_na,
        "sodium_x_bilirubin": -0.24 * d_na * lb,
        "inr": 9.09 * np.log(np.maximum(np.asarray(inr, dtype=float), 1.0)),
        "creatinine": 11.14 * lc,
        "albumin": 1.85 * d_alb,
        "albumin_x_creatinine": -1.83 * d_alb * lc,
    }
    raw = 6.0 + sum(terms.values(), np.zeros_like(lb))
    return terms, raw, round_half_up(raw)


@dataclass(frozen=True, slots=True, kw_only=True)
class MELDResult(JsonFields):
    """MELD (UNOS/OPTN): the integer score, MELD(i) and every bound that was applied."""

    score: int
    meld_i: float
    bounds_applied: tuple[str, ...]
    rule: str
    source: Citation = KAMATH_2001


def _meld_notes(
    creatinine_mg_dl: float, bilirubin_mg_dl: float, inr: float, dialysis: bool
) -> list[str]:
    """Check the MELD inputs and say which bounds the formula will apply."""
    require_lab("creatinine_mg_dl", creatinine_mg_dl, "creatinine", "mg/dL")
    require_lab("bilirubin_mg_dl", bilirubin_mg_dl, "bilirubin", "mg/dL")
    require_lab("inr", inr, "inr", "1")
    _, notes = _dialysis_creatinine(creatinine_mg_dl, dialysis, 4.0)
    _floor_one("bilirubin", bilirubin_mg_dl, "mg/dL", notes)
    _floor_one("INR", inr, "", notes)
    return notes


_MELD_RULE = (
    "MELD(i) = 0.957 ln(Cr) + 0.378 ln(bilirubin) + 1.120 ln(INR) + 0.643 (mg/dL); values < 1 "
    "set to 1; creatinine capped at 4.0 and set to 4.0 on dialysis (≥ 2 in 7 days or 24 h CVVHD); "
    "MELD = MELD(i) rounded half up to the tenth × 10 (OPTN)"
)


def meld(
    *,
    creatinine_mg_dl: float,
    bilirubin_mg_dl: float,
    inr: float,
    dialysis: bool = False,
    cap: int | None = MELD_CAP,
) -> MELDResult:
    """MELD, UNOS/OPTN form (Kamath 2001; OPTN policy). ``cap=None`` gives the uncapped score."""
    notes = _meld_notes(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)
    value, integer = meld_core(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)
    score = _cap(int(integer), cap, notes)
    rule = _MELD_RULE + (f"; capped at {cap}" if cap is not None else "; uncapped")
    return MELDResult(score=score, meld_i=float(value), bounds_applied=tuple(notes), rule=rule)


@dataclass(frozen=True, slots=True, kw_only=True)
class MELDNaResult(JsonFields):
    """MELD-Na (OPTN 2016): score, the MELD(i) it started from, and whether Na entered."""

    score: int
    meld_i: int
    unrounded: float
    sodium_used: float
    sodium_applied: bool
    bounds_applied: tuple[str, ...]
    rule: str
    source: Citation = KIM_2008


def _bound_sodium(na: float, notes: list[str]) -> float:
    require_lab("sodium_mmol_l", na, "sodium", "mmol/L")
    if na < 125:
        notes.append(f"sodium {na:g} raised to 125 mmol/L")
        return 125.0
    if na > 137:
        notes.append(f"sodium {na:g} lowered to 137 mmol/L")
        return 137.0
    return na


def meld_na(
    *,
    creatinine_mg_dl: float,
    bilirubin_mg_dl: float,
    inr: float,
    sodium_mmol_l: float,
    dialysis: bool = False,
    cap: int | None = MELD_CAP,
) -> MELDNaResult:
    """MELD-Na as OPTN allocation used it from January 2016 (Kim 2008 formula, gate at > 11).

    MELD = MELD(i) + 1.32 (137 − Na) − 0.033 MELD(i) (137 − Na) when MELD(i) > 11, with Na
    bounded to 125–137 mmol/L; rounded half up to an integer; MELD(i) is the uncapped integer.
    """
    notes = _meld_notes(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)
    mi = int(meld_core(creatinine_mg_dl, bilirubin_mg_dl, inr, dialysis)[1])
    na = _bound_sodium(sodium_mmol_l, notes)
    raw_a, rounded = meld_na_core(mi, na)
    raw, applied = float(raw_a), mi > 11
    score = _cap(int(rounded), cap, notes)
    rule = (
        "MELD-Na (OPTN 2016): MELD(i) + 1.32 (137 − Na) − 0.033 MELD(i) (137 − Na) "
        "if MELD(i) > 11, "
        "Na bounded 125–137 mmol/L, rounded half up; "
        + _MELD_RULE
        + (f"; capped at {cap}" if cap is not None else "; uncapped")
    )
    return MELDNaResult(
        score=score,
        meld_i=mi,
        unrounded=raw,
        sodium_used=na,
        sodium_applied=applied,
        bounds_applied=tuple(notes),
        rule=rule,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MELD3Result(JsonFields):
    """MELD 3.0: score, unrounded sum, each term of the formula and the bounds applied."""

    score: int
    unrounded: float
    terms: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    bounds_applied: tuple[str, ...] = ()
    rule: str = ""
    source: Citation = KIM_2021


def meld_3(
    *,
    sex: Literal["male", "female"],
    age_years: float,
    bilirubin_mg_dl: float,
    sodium_mmol_l: float,
    inr: float,
    creatinine_mg_dl: float,
    albumin_g_dl: float,
    dialysis: bool = False,
    cap: int | None = MELD_CAP,
) -> MELD3Result:
    """MELD 3.0 (Kim 2021; OPTN since July 2023), for candidates aged 12 and over.

    The female term (1.33) also applies to candidates aged 12–17 of either sex (OPTN).
    Bilirubin and INR floored at 1.0; creatinine floored at 1.0, capped at 3.0 and set to 3.0
    on dialysis; sodium bounded 125–137 mmol/L; albumin bounded 1.5–3.5 g/dL. Rounded half up.
    """
    if sex not in ("male", "female"):
        raise InputError("sex", sex, "male, female")
    require_range("age_years", age_years, low=12, high=120, unit="years (MELD 3.0 covers ≥ 12)")
    require_lab("creatinine_mg_dl", creatinine_mg_dl, "creatinine", "mg/dL")
    require_lab("bilirubin_mg_dl", bilirubin_mg_dl, "bilirubin", "mg/dL")
    require_lab("inr", inr, "inr", "1")
    require_lab("albumin_g_dl", albumin_g_dl, "albumin", "g/dL")
    notes: list[str] = []
    f = 1.0 if sex == "female" or age_years < 18 else 0.0
    if sex == "male" and age_years < 18:
        notes.append("female term applied: candidate aged 12–17")
    _floor_one("bilirubin", bilirubin_mg_dl, "mg/dL", notes)
    _floor_one("INR", inr, "", notes)
    notes.extend(_dialysis_creatinine(creatinine_mg_dl, dialysis, 3.0)[1])
    _bound_sodium(sodium_mmol_l, notes)
    if albumin_g_dl < 1.5:
        notes.append(f"albumin {albumin_g_dl:g} raised to 1.5 g/dL")
    elif albumin_g_dl > 3.5:
        notes.append(f"albumin {albumin_g_dl:g} lowered to 3.5 g/dL")
    term_arrays, raw_a, rounded = meld3_core(
        f, bilirubin_mg_dl, sodium_mmol_l, inr, creatinine_mg_dl, albumin_g_dl, dialysis
    )
    terms = {k: float(v) for k, v in term_arrays.items()} | {"constant": 6.0}
    raw = float(raw_a)
    score = _cap(int(rounded), cap, notes)
    rule = (
        "MELD 3.0 = 1.33 F + 4.56 ln(bili) + 0.82 (137 − Na) − 0.24 (137 − Na) ln(bili) + "
        "9.09 ln(INR) + 11.14 ln(Cr) + 1.85 (3.5 − alb) − 1.83 (3.5 − alb) ln(Cr) + 6; "
        "bounds: bili, INR ≥ 1; Cr 1–3 (3 on dialysis); Na 125–137; alb 1.5–3.5 g/dL; "
        "rounded half up"
        + (
            f"; capped at {cap} (OPTN allocation)"
            if cap is not None
            else "; uncapped (Kim 2021 scaling)"
        )
    )
    return MELD3Result(
        score=score,
        unrounded=raw,
        terms=MappingProxyType(terms),
        bounds_applied=tuple(notes),
        rule=rule,
    )
