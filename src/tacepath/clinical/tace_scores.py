"""TACE-specific prognostic scores: HAP, mHAP-II and ART (clinical-criteria reference §6).

ABCR (Adhoute 2015) is not implemented: its point table could not be verified in a source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import numpy.typing as npt

from tacepath.clinical._common import Component, require_diameter, require_lab
from tacepath.clinical._sources import KADALAYIL_2013, PARK_2016, SIEGHART_2013
from tacepath.domain.citation import Citation
from tacepath.errors import InputError
from tacepath.jsonsafe import JsonFields

__all__ = ["ARTResult", "HAPResult", "art_score", "hap", "hap_class", "mhap2"]

HAPClass = Literal["A", "B", "C", "D"]

# HAP (Kadalayil 2013): one point each, strict inequalities.
HAP_ALBUMIN_G_L = 36.0
HAP_BILIRUBIN_UMOL_L = 17.0
HAP_AFP_NG_ML = 400.0
HAP_DIAMETER_CM = 7.0
# mHAP-II (Park 2016): bilirubin threshold published in mg/dL.
MHAP2_BILIRUBIN_MG_DL = 0.9
MHAP2_ALBUMIN_G_DL = 3.6


def hap_class(points: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """HAP / mHAP-II class: A = 0, B = 1, C = 2, D ≥ 3 points."""
    p = np.asarray(points)
    return np.where(p == 0, "A", np.where(p == 1, "B", np.where(p == 2, "C", "D")))


@dataclass(frozen=True, slots=True, kw_only=True)
class HAPResult:
    """HAP or mHAP-II: points, class and the component that earned each point."""

    score: int
    hap_class: HAPClass
    components: tuple[Component, ...]
    rule: str
    source: Citation

    def to_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "class": self.hap_class,
            "components": [c.to_dict() for c in self.components],
            "rule": self.rule,
            "source": self.source.to_dict(),
        }


def _point(name: str, value: float, unit: str, hit: bool, band: str) -> Component:
    return Component(
        name=name,
        value=value,
        unit=unit,
        band=band if hit else "not " + band,
        points=1 if hit else 0,
    )


def _check(albumin: tuple[str, float, str], bilirubin: tuple[str, float, str]) -> None:
    """Albumin and bilirubin as (parameter, value, unit), within the validation limits."""
    require_lab(albumin[0], albumin[1], "albumin", albumin[2])
    require_lab(bilirubin[0], bilirubin[1], "bilirubin", bilirubin[2])


def hap(
    *, albumin_g_l: float, bilirubin_umol_l: float, afp_ng_ml: float, largest_diameter_cm: float
) -> HAPResult:
    """HAP score (Kadalayil 2013): albumin < 36 g/L, bilirubin > 17 µmol/L, AFP > 400 ng/mL,
    largest tumour > 7 cm; one point each."""
    _check(("albumin_g_l", albumin_g_l, "g/L"), ("bilirubin_umol_l", bilirubin_umol_l, "µmol/L"))
    require_lab("afp_ng_ml", afp_ng_ml, "afp", "ng/mL")
    require_diameter("largest_diameter_cm", largest_diameter_cm)
    comps = (
        _point("albumin", albumin_g_l, "g/L", albumin_g_l < HAP_ALBUMIN_G_L, "< 36 g/L"),
        _point(
            "bilirubin",
            bilirubin_umol_l,
            "µmol/L",
            bilirubin_umol_l > HAP_BILIRUBIN_UMOL_L,
            "> 17 µmol/L",
        ),
        _point("afp", afp_ng_ml, "ng/mL", afp_ng_ml > HAP_AFP_NG_ML, "> 400 ng/mL"),
        _point(
            "largest_diameter",
            largest_diameter_cm,
            "cm",
            largest_diameter_cm > HAP_DIAMETER_CM,
            "> 7 cm",
        ),
    )
    score = int(sum(c.points for c in comps))
    return HAPResult(
        score=score,
        hap_class=cast(HAPClass, str(hap_class(score))),
        components=comps,
        rule="HAP: 1 point each for albumin < 36 g/L, bilirubin > 17 µmol/L, AFP > 400 ng/mL, "
        "largest tumour > 7 cm; A = 0, B = 1, C = 2, D ≥ 3",
        source=KADALAYIL_2013,
    )


def mhap2(
    *,
    albumin_g_dl: float,
    bilirubin_mg_dl: float,
    afp_ng_ml: float,
    largest_diameter_cm: float,
    n_tumours: int,
) -> HAPResult:
    """mHAP-II (Park 2016): HAP factors with bilirubin > 0.9 mg/dL as published, plus tumour
    number ≥ 2; one point each. Park's bilirubin cut-off (0.9 mg/dL ≈ 15.4 µmol/L) is not the
    exact conversion of HAP's 17 µmol/L: each score uses its own paper's threshold."""
    _check(("albumin_g_dl", albumin_g_dl, "g/dL"), ("bilirubin_mg_dl", bilirubin_mg_dl, "mg/dL"))
    require_lab("afp_ng_ml", afp_ng_ml, "afp", "ng/mL")
    require_diameter("largest_diameter_cm", largest_diameter_cm)
    if isinstance(n_tumours, bool) or not isinstance(n_tumours, int) or n_tumours < 1:
        raise InputError("n_tumours", n_tumours, "an integer ≥ 1")
    comps = (
        _point("albumin", albumin_g_dl, "g/dL", albumin_g_dl < MHAP2_ALBUMIN_G_DL, "< 3.6 g/dL"),
        _point(
            "bilirubin",
            bilirubin_mg_dl,
            "mg/dL",
            bilirubin_mg_dl > MHAP2_BILIRUBIN_MG_DL,
            "> 0.9 mg/dL",
        ),
        _point("afp", afp_ng_ml, "ng/mL", afp_ng_ml > HAP_AFP_NG_ML, "> 400 ng/mL"),
        _point(
            "largest_diameter",
            largest_diameter_cm,
            "cm",
            largest_diameter_cm > HAP_DIAMETER_CM,
            "> 7 cm",
        ),
        _point("tumour_number", n_tumours, "", n_tumours >= 2, "≥ 2 tumours"),
    )
    score = int(sum(c.points for c in comps))
    return HAPResult(
        score=score,
        hap_class=cast(HAPClass, str(hap_class(score))),
        components=comps,
        rule="mHAP-II: 1 point each for albumin < 3.6 g/dL, bilirubin > 0.9 mg/dL (Park's "
        "cut-off, differs from HAP's 17 µmol/L), AFP > 400 ng/mL, largest tumour > 7 cm, "
        "≥ 2 tumours; A = 0, B = 1, C = 2, D ≥ 3",
        source=PARK_2016,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ARTResult(JsonFields):
    """ART score before the second TACE: points, group and each component."""

    score: float
    group: Literal["0–1.5", "≥2.5"]
    components: tuple[Component, ...]
    rule: str = (
        "ART: AST increase > 25% = 4; Child-Pugh increase of 1 point = 1.5, of ≥ 2 points = 3; "
        "no radiological response = 1; 0–1.5 = retreatment may benefit, ≥ 2.5 = poor prognosis "
        "(changes from before the 1st to before the 2nd TACE; response by EASL in the paper)"
    )
    source: Citation = SIEGHART_2013


def art_score(
    *,
    ast_before_u_l: float,
    ast_after_u_l: float,
    child_pugh_before: int,
    child_pugh_after: int,
    radiological_response: bool,
) -> ARTResult:
    """ART score (Sieghart 2013) from the snapshots before the first and before the second TACE."""
    require_lab("ast_before_u_l", ast_before_u_l, "ast", "U/L")
    require_lab("ast_after_u_l", ast_after_u_l, "ast", "U/L")
    if ast_before_u_l == 0:
        raise InputError("ast_before_u_l", ast_before_u_l, "> 0 U/L (the rise is relative to it)")
    for name, cp in (
        ("child_pugh_before", child_pugh_before),
        ("child_pugh_after", child_pugh_after),
    ):
        if isinstance(cp, bool) or not isinstance(cp, int) or not 5 <= cp <= 15:
            raise InputError(name, cp, "a Child-Pugh score, integer 5–15")
    rise = (ast_after_u_l - ast_before_u_l) / ast_before_u_l
    ast_pts = 4.0 if rise > 0.25 else 0.0
    delta = child_pugh_after - child_pugh_before
    cp_pts = 3.0 if delta >= 2 else 1.5 if delta == 1 else 0.0
    resp_pts = 0.0 if radiological_response else 1.0
    comps = (
        Component(
            name="ast_increase",
            value=rise,
            unit="fraction",
            points=ast_pts,
            band="> 25%" if ast_pts else "≤ 25%",
        ),
        Component(
            name="child_pugh_increase",
            value=float(delta),
            unit="points",
            points=cp_pts,
            band="≥ 2" if delta >= 2 else "1" if delta == 1 else "none",
        ),
        Component(
            name="no_radiological_response",
            value=not radiological_response,
            unit="",
            points=resp_pts,
            band="no response" if resp_pts else "response",
        ),
    )
    score = ast_pts + cp_pts + resp_pts
    return ARTResult(score=score, group="0–1.5" if score <= 1.5 else "≥2.5", components=comps)
