"""Assess one patient snapshot: every score, or why it could not be computed.

This is the per-patient path of ``tacepath assess``; :mod:`tacepath.clinical.cohort` is the
vectorised path over a registry extract and gives the same values (tested).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol

from tacepath.clinical._sources import (
    HIRAOKA_2017,
    JOHNSON_2015,
    KADALAYIL_2013,
    KAMATH_2001,
    KIM_2008,
    KIM_2021,
    MAZZAFERRO_1996,
    MAZZAFERRO_2009,
    PARK_2016,
    PUGH_1973,
    REIG_2022,
    WANG_2019,
)
from tacepath.clinical.liver_function import (
    MELD_CAP,
    AlbuminBand,
    albi,
    child_pugh,
    malbi,
    meld,
    meld_3,
    meld_na,
)
from tacepath.clinical.staging import bclc_stage
from tacepath.clinical.tace_scores import hap, mhap2
from tacepath.clinical.tumour_burden import milan_criteria, six_and_twelve, up_to_seven
from tacepath.domain.citation import Citation
from tacepath.domain.patient import PatientSnapshot, input_warnings

__all__ = ["SCORES", "AssessOptions", "Assessment", "NotComputable", "assess"]


class _Result(Protocol):
    def to_dict(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessOptions:
    """Conventions where sources disagree (defaults from tacepath's decisions table)."""

    albumin_band: AlbuminBand = "pugh"
    meld_cap: int | None = MELD_CAP


@dataclass(frozen=True, slots=True, kw_only=True)
class NotComputable:
    """A score that could not be computed, naming the missing inputs."""

    score: str
    missing: tuple[str, ...]
    keys: tuple[str, ...]
    source: Citation
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = dict.fromkeys(self.keys)
        if "reasons" in out:
            out["reasons"] = [self.reason or "missing: " + ", ".join(self.missing)]
        out.update(
            computable=False,
            missing=list(self.missing),
            rule=f"not computable: {self.reason or 'missing ' + ', '.join(self.missing)}",
            source=self.source.to_dict(),
        )
        return out


@dataclass(frozen=True, slots=True)
class _Spec:
    keys: tuple[str, ...]
    source: Citation
    compute: Callable[[PatientSnapshot, AssessOptions], _Result]
    needs: Callable[[PatientSnapshot], tuple[str, ...]]


def _missing(p: PatientSnapshot, *paths: str) -> tuple[str, ...]:
    out = []
    for path in paths:
        if path.startswith("labs."):
            if getattr(p.labs, path[5:]) is None:
                out.append(path)
        elif path == "dialysis":
            if p.on_dialysis is None:
                out.append("dialysis_twice_past_week")
        elif path == "tumours":
            if not p.tumours:
                out.append("tumours")
        elif getattr(p, path) is None:
            out.append(path)
    return tuple(out)


def _diam(p: PatientSnapshot) -> list[float]:
    assert p.tumours
    return [t.diameter_cm for t in p.tumours]


def _spread(p: PatientSnapshot) -> bool:
    """Macrovascular invasion or extrahepatic spread recorded: BCLC C takes any burden."""
    return bool(p.macrovascular_invasion) or bool(p.extrahepatic_spread)


def _f(p: PatientSnapshot, analyte: str, unit: str | None = None) -> float:
    v = p.labs.get(analyte, unit)
    assert v is not None
    return v


def _cp(p: PatientSnapshot, o: AssessOptions) -> _Result:
    assert p.ascites is not None
    assert p.encephalopathy is not None
    return child_pugh(
        bilirubin_mg_dl=_f(p, "bilirubin"),
        albumin_g_dl=_f(p, "albumin"),
        inr=p.labs.get("inr"),
        pt_prolongation_s=None if p.labs.inr else p.pt_prolongation_s,
        ascites=p.ascites,
        encephalopathy=p.encephalopathy,
        albumin_band=o.albumin_band,
        cholestatic=bool(p.cholestatic_disease),
    )


def _cp_needs(p: PatientSnapshot) -> tuple[str, ...]:
    miss = _missing(p, "labs.bilirubin", "labs.albumin", "ascites", "encephalopathy")
    if p.labs.inr is None and p.pt_prolongation_s is None:
        miss += ("labs.inr (or pt_prolongation_s)",)
    return miss


def _bclc(p: PatientSnapshot, o: AssessOptions) -> _Result:
    assert p.ecog is not None
    assert p.tumours or _spread(p)
    decided_d = p.ecog >= 3 or bool(p.end_stage_liver_function)
    return bclc_stage(
        tumour_diameters_cm=[t.diameter_cm for t in p.tumours or ()],
        macrovascular_invasion=bool(p.macrovascular_invasion),
        extrahepatic_spread=bool(p.extrahepatic_spread),
        ecog=p.ecog,
        child_pugh_class=None if decided_d else _cp(p, o).child_pugh_class,  # type: ignore[attr-defined]
        ascites=p.ascites,
        end_stage_liver_function=bool(p.end_stage_liver_function),
    )


def _bclc_needs(p: PatientSnapshot) -> tuple[str, ...]:
    base = _missing(p, "ecog") + (() if _spread(p) else _missing(p, "tumours"))
    if (p.ecog is not None and p.ecog >= 3) or p.end_stage_liver_function:
        return base  # stage D whatever else is known
    return base + _missing(p, "macrovascular_invasion", "extrahepatic_spread") + _cp_needs(p)


def _meld(p: PatientSnapshot, o: AssessOptions) -> _Result:
    return meld(
        creatinine_mg_dl=_f(p, "creatinine"),
        bilirubin_mg_dl=_f(p, "bilirubin"),
        inr=_f(p, "inr"),
        dialysis=bool(p.on_dialysis),
        cap=o.meld_cap,
    )


def _meld_na(p: PatientSnapshot, o: AssessOptions) -> _Result:
    return meld_na(
        creatinine_mg_dl=_f(p, "creatinine"),
        bilirubin_mg_dl=_f(p, "bilirubin"),
        inr=_f(p, "inr"),
        sodium_mmol_l=_f(p, "sodium"),
        dialysis=bool(p.on_dialysis),
        cap=o.meld_cap,
    )


def _meld_3(p: PatientSnapshot, o: AssessOptions) -> _Result:
    assert p.sex is not None
    assert p.age_years is not None
    return meld_3(
        sex=p.sex,
        age_years=p.age_years,
        bilirubin_mg_dl=_f(p, "bilirubin"),
        sodium_mmol_l=_f(p, "sodium"),
        inr=_f(p, "inr"),
        creatinine_mg_dl=_f(p, "creatinine"),
        albumin_g_dl=_f(p, "albumin"),
        dialysis=bool(p.on_dialysis),
        cap=o.meld_cap,
    )


_MELD_INPUTS = ("labs.creatinine", "labs.bilirubin", "labs.inr", "dialysis")

SCORES: dict[str, _Spec] = {
    "child_pugh": _Spec(("score", "class", "points"), PUGH_1973, _cp, _cp_needs),
    "albi": _Spec(
        ("score", "grade"),
        JOHNSON_2015,
        lambda p, o: albi(
            bilirubin_umol_l=_f(p, "bilirubin", "µmol/L"), albumin_g_l=_f(p, "albumin", "g/L")
        ),
        lambda p: _missing(p, "labs.bilirubin", "labs.albumin"),
    ),
    "malbi": _Spec(
        ("grade",),
        HIRAOKA_2017,
        lambda p, o: malbi(
            bilirubin_umol_l=_f(p, "bilirubin", "µmol/L"), albumin_g_l=_f(p, "albumin", "g/L")
        ),
        lambda p: _missing(p, "labs.bilirubin", "labs.albumin"),
    ),
    "meld": _Spec(("score",), KAMATH_2001, _meld, lambda p: _missing(p, *_MELD_INPUTS)),
    "meld_na": _Spec(
        ("score",), KIM_2008, _meld_na, lambda p: _missing(p, *_MELD_INPUTS, "labs.sodium")
    ),
    "meld_3": _Spec(
        ("score",),
        KIM_2021,
        _meld_3,
        lambda p: _missing(p, "sex", "age_years", *_MELD_INPUTS, "labs.sodium", "labs.albumin"),
    ),
    "bclc": _Spec(("stage", "reasons"), REIG_2022, _bclc, _bclc_needs),
    "milan": _Spec(
        ("within",),
        MAZZAFERRO_1996,
        lambda p, o: milan_criteria(
            tumour_diameters_cm=_diam(p),
            macrovascular_invasion=bool(p.macrovascular_invasion),
            extrahepatic_spread=bool(p.extrahepatic_spread),
        ),
        lambda p: _missing(p, "tumours", "macrovascular_invasion", "extrahepatic_spread"),
    ),
    "up_to_seven": _Spec(
        ("score", "within"),
        MAZZAFERRO_2009,
        lambda p, o: up_to_seven(tumour_diameters_cm=_diam(p)),
        lambda p: _missing(p, "tumours"),
    ),
    "six_and_twelve": _Spec(
        ("score", "group"),
        WANG_2019,
        lambda p, o: six_and_twelve(tumour_diameters_cm=_diam(p)),
        lambda p: _missing(p, "tumours"),
    ),
    "hap": _Spec(
        ("score", "class"),
        KADALAYIL_2013,
        lambda p, o: hap(
            albumin_g_l=_f(p, "albumin", "g/L"),
            bilirubin_umol_l=_f(p, "bilirubin", "µmol/L"),
            afp_ng_ml=_f(p, "afp"),
            largest_diameter_cm=max(_diam(p)),
        ),
        lambda p: _missing(p, "labs.albumin", "labs.bilirubin", "labs.afp", "tumours"),
    ),
    "mhap2": _Spec(
        ("score", "class"),
        PARK_2016,
        lambda p, o: mhap2(
            albumin_g_dl=_f(p, "albumin"),
            bilirubin_mg_dl=_f(p, "bilirubin"),
            afp_ng_ml=_f(p, "afp"),
            largest_diameter_cm=max(_diam(p)),
            n_tumours=len(_diam(p)),
        ),
        lambda p: _missing(p, "labs.albumin", "labs.bilirubin", "labs.afp", "tumours"),
    ),
}

ScoreName = Literal[
    "child_pugh",
    "albi",
    "malbi",
    "meld",
    "meld_na",
    "meld_3",
    "bclc",
    "milan",
    "up_to_seven",
    "six_and_twelve",
    "hap",
    "mhap2",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """Every score of one patient: a result object, or :class:`NotComputable`.

    ``warnings`` names input values that are valid but look like a unit slip
    (:func:`tacepath.domain.patient.input_warnings`); the scores use them as given.
    """

    id: str
    results: Mapping[str, _Result | NotComputable] = field(
        default_factory=lambda: MappingProxyType({})
    )
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "results", MappingProxyType(dict(self.results)))

    def __getitem__(self, name: str) -> _Result | NotComputable:
        return self.results[name]

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "warnings": list(self.warnings)}
        for name, res in self.results.items():
            d = res.to_dict()
            d.setdefault("computable", True)
            out[name] = d
        return out


def assess(patient: PatientSnapshot, options: AssessOptions | None = None) -> Assessment:
    """Compute every score for one patient (none is guessed: missing inputs are named)."""
    opts = options or AssessOptions()
    results: dict[str, _Result | NotComputable] = {}
    for name, spec in SCORES.items():
        missing = spec.needs(patient)
        if name == "bclc" and patient.ecog == 5:
            results[name] = NotComputable(
                score=name,
                missing=(),
                keys=spec.keys,
                source=spec.source,
                reason="ECOG 5 (dead): not staged",
            )
        elif missing:
            results[name] = NotComputable(
                score=name, missing=missing, keys=spec.keys, source=spec.source
            )
        else:
            results[name] = spec.compute(patient, opts)
    return Assessment(id=patient.id, results=results, warnings=input_warnings(patient))
