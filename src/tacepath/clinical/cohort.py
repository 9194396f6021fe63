"""The cohort format, read in one place: a registry extract, one row per patient.

:func:`assess_cohort` scores a whole table vectorised (NumPy over columns);
:func:`patient_contract` reads one row as a patient object for the per-patient contract (the
registry importer). Both read the same columns (:data:`COHORT_COLUMNS`) and flag words; the
files themselves are read in :mod:`tacepath.interop`.

The thresholds are the same band functions the per-patient path uses (imported from the
calculator modules); a property test checks that both paths give identical scores.

Input columns (CSV or Parquet; see the README, "Cohort files"):
``id`` (required); ``sex``, ``age_years``, ``ecog``; for each lab ``<analyte>`` and
``<analyte>_unit`` (bilirubin, albumin, creatinine, sodium, afp, ast, alt, platelets), ``inr``
(unitless), ``afp_ng_per_iu`` (optional); ``pt_prolongation_s``; the flags
``dialysis_twice_past_week``, ``cvvhd_24h_past_week``, ``cholestatic_disease``,
``macrovascular_invasion``, ``extrahepatic_spread``, ``end_stage_liver_function``;
``ascites``, ``encephalopathy``; ``tumour_diameters_mm`` as ``"45;22"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.clinical._cohort_text import distinct_text, tumour_parts
from tacepath.clinical.assessment import AssessOptions
from tacepath.clinical.liver_function import (
    ALBUMIN_LOWER_EDGE,
    albi_grade,
    albi_score,
    albumin_points,
    bilirubin_points,
    child_pugh_class,
    inr_points,
    malbi_grade,
    meld3_core,
    meld_core,
    meld_na_core,
    pt_points,
)
from tacepath.clinical.tace_scores import (
    HAP_AFP_NG_ML,
    HAP_ALBUMIN_G_L,
    HAP_BILIRUBIN_UMOL_L,
    HAP_DIAMETER_CM,
    MHAP2_ALBUMIN_G_DL,
    MHAP2_BILIRUBIN_MG_DL,
    hap_class,
)
from tacepath.clinical.tumour_burden import six_and_twelve_group
from tacepath.domain.labs import AFP_NG_PER_IU_DEFAULT, LabValue
from tacepath.domain.patient import MAX_PT_PROLONGATION_S, MAX_TUMOUR_DIAMETER_MM, PatientSnapshot
from tacepath.domain.units import ANALYTES, denoise, normalise_unit
from tacepath.errors import InputError, InputErrors, Problem

__all__ = [
    "COHORT_COLUMNS",
    "FALSE_WORDS",
    "FLAGS",
    "MAX_REPORTED",
    "TRUE_WORDS",
    "UNIT_LABS",
    "RowProblems",
    "assess_cohort",
    "patient_contract",
    "patients_frame",
]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

#: Labs given with a value and an optional ``<lab>_unit`` column.
UNIT_LABS = ("bilirubin", "albumin", "creatinine", "sodium", "afp", "ast", "alt", "platelets")
#: Yes/no columns.
FLAGS = (
    "dialysis_twice_past_week",
    "cvvhd_24h_past_week",
    "cholestatic_disease",
    "macrovascular_invasion",
    "extrahepatic_spread",
    "end_stage_liver_function",
)
_CATEGORIES = {
    "sex": ("male", "female"),
    "ascites": ("none", "mild", "moderate-severe"),
    "encephalopathy": ("none", "grade-1-2", "grade-3-4"),
}
#: Words a flag column may hold (``1.0``/``0.0``: numeric columns written by pandas).
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t", "1.0"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", "0.0"})
#: Row problems listed in one error (the rest are counted).
MAX_REPORTED = 50

#: Every column of the cohort format (the registry importer refuses any other).
COHORT_COLUMNS = (
    "id",
    "sex",
    "age_years",
    "ecog",
    *UNIT_LABS,
    *(f"{a}_unit" for a in UNIT_LABS),
    "inr",
    "afp_ng_per_iu",
    "pt_prolongation_s",
    *FLAGS,
    "ascites",
    "encephalopathy",
    "tumour_diameters_mm",
)


class RowProblems:
    """Row problems of one cohort, collected over one table or over the chunks of one file.

    The error lists the first :data:`MAX_REPORTED` problems and counts the rest; a missing
    column is reported once per file, at the first row that needs it.
    """

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0
        self._ids: npt.NDArray[np.object_] = np.empty(0, dtype=object)
        self._rows: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self._columns_missing: set[str] = set()

    def begin(self, ids: npt.NDArray[np.object_], rows: npt.NDArray[np.int64]) -> None:
        """Start a table: its ids and the file row number of each of its rows."""
        self._ids, self._rows = ids, rows

    def extend(self, problems: Sequence[Problem]) -> None:
        """Add problems already named by row (the JSON Lines reader's)."""
        self.total += len(problems)
        self.items.extend(problems[: max(MAX_REPORTED - len(self.items), 0)])

    def add(self, column: str, rows: npt.NDArray[np.intp], values: object, allowed: str) -> None:
        """Add one problem per row (``rows`` index the current table)."""
        vals = np.asarray(values, dtype=object)
        self.total += len(rows)
        room = max(MAX_REPORTED - len(self.items), 0)
        for r, v in zip(rows[:room], vals, strict=False):
            where = f"row {self._rows[r]} (id={self._ids[r]})"
            value = v.item() if isinstance(v, np.generic) else v  # -3.0, not np.float64(-3.0)
            self.items.append(Problem(f"{where}: {column}", value, allowed))

    def add_missing_column(self, column: str, row: int, allowed: str) -> None:
        """A column the file lacks, reported once (at ``row`` of the first table needing it)."""
        if column not in self._columns_missing:
            self._columns_missing.add(column)
            self.add(column, np.array([row], dtype=np.intp), ["(no column)"], allowed)

    def error(self) -> InputErrors | None:
        """The error to raise, or None if no problem was found."""
        if not self.items:
            return None
        items = list(self.items)
        if self.total > len(items):
            items.append(Problem("…", f"{self.total - len(items)} more problems", "see above"))
        return InputErrors(items)

    def raise_if_any(self) -> None:
        """Raise :meth:`error` if there is one."""
        err = self.error()
        if err is not None:
            raise err


def _numeric(frame: pd.DataFrame, col: str, probs: RowProblems) -> FloatArray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    raw = frame[col]
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    # only cells that are not a number are turned into text (to tell empty from bad)
    unread = np.flatnonzero(np.isnan(num) & raw.notna().to_numpy())
    bad = unread[(raw.iloc[unread].astype(str) != "").to_numpy()]
    if len(bad):
        probs.add(col, bad, raw.to_numpy()[bad], "a number")
    bad_inf = np.flatnonzero(np.isinf(num))
    if len(bad_inf):
        probs.add(col, bad_inf, num[bad_inf], "a finite number")
    return num


def _flag(frame: pd.DataFrame, col: str, probs: RowProblems) -> FloatArray:
    """1.0 / 0.0 / NaN (missing) from true/false/yes/no/1/0."""
    if col not in frame:
        return np.full(len(frame), np.nan)
    s = frame[col]
    if s.dtype == np.bool_:
        return s.to_numpy(dtype=float)
    codes, text = distinct_text(s, lambda t: t.astype(str).str.strip().str.lower())
    value = np.where(
        np.isin(text, list(TRUE_WORDS)),
        1.0,
        np.where(np.isin(text, list(FALSE_WORDS)), 0.0, np.nan),
    )
    out = value[codes]
    missing = s.isna().to_numpy() | ((text == "") | (text == "nan"))[codes]
    bad = np.flatnonzero(np.isnan(out) & ~missing)
    if len(bad):
        probs.add(col, bad, s.to_numpy()[bad], "true/false (also yes/no, 1/0) or empty")
    return out


def _category(frame: pd.DataFrame, col: str, probs: RowProblems) -> npt.NDArray[np.object_]:
    allowed = _CATEGORIES[col]
    if col not in frame:
        return np.full(len(frame), None, dtype=object)
    s = frame[col]
    codes, distinct = distinct_text(s, lambda t: t.astype(str).str.strip())
    text = distinct[codes]
    missing = s.isna().to_numpy() | (distinct == "")[codes]
    bad = np.flatnonzero(~missing & ~np.isin(distinct, allowed)[codes])
    if len(bad):
        probs.add(col, bad, text[bad], ", ".join(allowed) + " or empty")
    return _or_none(~missing, text)


def _in_range(
    col: str, x: FloatArray, lo: float, hi: float, lo_incl: bool, allowed: str, probs: RowProblems
) -> None:
    ok = np.isnan(x) | (((x >= lo) if lo_incl else (x > lo)) & (x <= hi))
    bad = np.flatnonzero(~ok)
    if len(bad):
        probs.add(col, bad, x[bad], allowed)


def _lab(frame: pd.DataFrame, analyte: str, probs: RowProblems) -> FloatArray:
    """The analyte in its canonical unit (NaN where absent), units and limits checked."""
    spec = ANALYTES[analyte]
    value = _numeric(frame, analyte, probs)
    if analyte == "inr":
        _in_range("inr", value, spec.low, spec.high, spec.low_inclusive, spec.allowed_text(), probs)
        return value
    ucol = f"{analyte}_unit"
    present = ~np.isnan(value)
    if ucol not in frame:
        if present.any():
            probs.add_missing_column(
                ucol, int(np.flatnonzero(present)[0]), f"a {ucol} column ({', '.join(spec.units)})"
            )
        return value
    codes, distinct = distinct_text(frame[ucol], lambda t: t.astype(str))
    known = np.full(len(distinct), np.nan)  # the factor of each distinct unit text
    per_iu_unit = np.zeros(len(distinct), dtype=bool)
    per_iu = np.full(len(frame), np.nan)
    for c in pd.unique(codes[present]):
        norm = normalise_unit(str(distinct[c]))
        if norm in spec.to_canonical:
            known[c] = spec.to_canonical[norm]
        elif analyte == "afp" and norm in ("IU/mL", "kIU/L", "kU/L"):
            per_iu_unit[c] = True
            if "afp_ng_per_iu" in frame:  # read (and checked) once per such unit, as before
                per_iu = _numeric(frame, "afp_ng_per_iu", probs)
    factor = known[codes]
    iu = per_iu_unit[codes]
    factor[iu] = np.where(np.isnan(per_iu), AFP_NG_PER_IU_DEFAULT, per_iu)[iu]
    bad_unit = np.flatnonzero(present & np.isnan(factor))
    if len(bad_unit):
        allowed = ", ".join(spec.units) + (", IU/mL" if analyte == "afp" else "")
        probs.add(ucol, bad_unit, distinct[codes[bad_unit]], "one of " + allowed)
    canonical = np.where(factor == 1.0, value, denoise(value * factor))
    ok_mask = present & ~np.isnan(factor)
    checked = np.where(ok_mask, canonical, np.nan)
    _in_range(
        analyte,
        checked,
        spec.low,
        spec.high,
        spec.low_inclusive,
        spec.allowed_text() + " (in the canonical unit)",
        probs,
    )
    return checked


def _in_unit(canonical: FloatArray, analyte: str, unit: str) -> FloatArray:
    k = ANALYTES[analyte].to_canonical[unit]
    return canonical if k == 1.0 else denoise(canonical / k)


def _tumours(frame: pd.DataFrame, probs: RowProblems) -> tuple[FloatArray, FloatArray]:
    """Number of tumours and largest diameter (cm) per row; NaN where not given."""
    n_rows = len(frame)
    if "tumour_diameters_mm" not in frame:
        return np.full(n_rows, np.nan), np.full(n_rows, np.nan)
    rows, codes, distinct = tumour_parts(frame["tumour_diameters_mm"])
    mm = pd.to_numeric(pd.Series(distinct, dtype=object), errors="coerce").to_numpy(dtype=float)
    sizes = mm[codes]
    with np.errstate(invalid="ignore"):
        bad = np.isnan(sizes) | (sizes <= 0) | (sizes > MAX_TUMOUR_DIAMETER_MM)
    if bad.any():
        probs.add(
            "tumour_diameters_mm",
            rows[bad],
            distinct[codes[bad]],
            f"diameters in mm, > 0 and ≤ {MAX_TUMOUR_DIAMETER_MM:g}, separated by ';'",
        )
    good = rows[~bad]
    n = np.bincount(good, minlength=n_rows).astype(float)
    largest = np.full(n_rows, -np.inf)
    np.maximum.at(largest, good, sizes[~bad])
    n_out: FloatArray = np.where(n == 0, np.nan, n)
    return n_out, np.where(n == 0, np.nan, largest) / 10.0


def _missing_text(required: Mapping[str, BoolArray]) -> npt.NDArray[np.object_]:
    """The names whose mask is true, comma-separated (each distinct combination joined once)."""
    names = list(required)
    code = np.zeros(len(next(iter(required.values()))), dtype=np.int64)
    for bit, absent in enumerate(required.values()):
        code |= np.asarray(absent, dtype=np.int64) << bit
    seen = np.flatnonzero(np.bincount(code, minlength=1 << len(names)))
    texts = np.empty(1 << len(names), dtype=object)
    texts[seen] = [", ".join(n for b, n in enumerate(names) if c >> b & 1) for c in seen.tolist()]
    return texts[code]


def _or_none(ok: npt.ArrayLike, values: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """``values`` as objects, with None where ``ok`` is false."""
    out = np.array(values, dtype=object)
    out[~np.asarray(ok, dtype=bool)] = None
    return out


def assess_cohort(
    frame: pd.DataFrame,
    options: AssessOptions | None = None,
    *,
    first_row: int = 2,
    problems: RowProblems | None = None,
) -> pd.DataFrame:
    """Score every row of a cohort table; raise :class:`InputErrors` naming bad rows.

    ``first_row`` is the file row number of the table's first row (2: a CSV under its header).
    To check a file chunk by chunk, pass one ``problems`` for all chunks: each call adds its
    chunk's problems and raises if any chunk so far had one.
    """
    opts = options or AssessOptions()
    if "id" not in frame:
        raise InputError("id", "(no column)", "an id column")
    frame = frame.reset_index(drop=True)
    ids = frame["id"].astype(str).to_numpy(dtype=object)
    probs = RowProblems() if problems is None else problems
    probs.begin(ids, first_row + np.arange(len(frame), dtype=np.int64))
    labs = {a: _lab(frame, a, probs) for a in (*UNIT_LABS, "inr")}
    age = _numeric(frame, "age_years", probs)
    _in_range("age_years", age, 0, 120, True, "≥ 0 and ≤ 120", probs)
    ecog = _numeric(frame, "ecog", probs)
    _in_range(
        "ecog",
        np.where(np.isnan(ecog) | (ecog % 1 == 0), ecog, -1),
        0,
        5,
        True,
        "an integer 0–5",
        probs,
    )
    pt = _numeric(frame, "pt_prolongation_s", probs)
    _in_range(
        "pt_prolongation_s",
        pt,
        0,
        MAX_PT_PROLONGATION_S,
        True,
        f"≥ 0 and ≤ {MAX_PT_PROLONGATION_S:g} s",
        probs,
    )
    flags = {f: _flag(frame, f, probs) for f in FLAGS}
    cats = {c: _category(frame, c, probs) for c in _CATEGORIES}
    n_tum, largest = _tumours(frame, probs)
    probs.raise_if_any()

    out: dict[str, object] = {"id": ids}
    nan = np.isnan
    bili, alb, inr = labs["bilirubin"], labs["albumin"], labs["inr"]
    asc, he = cats["ascites"], cats["encephalopathy"]
    asc_pts = np.select([asc == "none", asc == "mild", asc == "moderate-severe"], [1, 2, 3], 0)
    he_pts = np.select([he == "none", he == "grade-1-2", he == "grade-3-4"], [1, 2, 3], 0)

    # Child-Pugh
    has_inr = ~nan(inr)
    coag_missing = ~has_inr & nan(pt)
    cp_req = {
        "labs.bilirubin": nan(bili),
        "labs.albumin": nan(alb),
        "ascites": asc_pts == 0,
        "encephalopathy": he_pts == 0,
        "labs.inr (or pt_prolongation_s)": coag_missing,
    }
    cp_ok = ~np.logical_or.reduce(list(cp_req.values()))
    chol = flags["cholestatic_disease"] == 1.0
    b_pts = np.where(chol, bilirubin_points(bili, cholestatic=True), bilirubin_points(bili))
    a_pts = albumin_points(alb, band=opts.albumin_band)
    c_pts = np.where(has_inr, inr_points(inr), pt_points(pt))
    cp_score = b_pts + a_pts + c_pts + asc_pts + he_pts
    cp_cls = child_pugh_class(cp_score)
    out["child_pugh_score"] = pd.array(np.where(cp_ok, cp_score, 0), dtype="Int64")
    out["child_pugh_score"][~cp_ok] = pd.NA  # type: ignore[index]
    out["child_pugh_class"] = _or_none(cp_ok, cp_cls)
    for name, pts in (
        ("bilirubin", b_pts),
        ("albumin", a_pts),
        ("coagulation", c_pts),
        ("ascites", asc_pts),
        ("encephalopathy", he_pts),
    ):
        col = pd.array(pts, dtype="Int64")
        col[~cp_ok] = pd.NA
        out[f"child_pugh_points_{name}"] = col
    out["child_pugh_missing"] = _missing_text(cp_req)

    # ALBI / mALBI
    albi_ok = ~nan(bili) & ~nan(alb)
    score = albi_score(_in_unit(bili, "bilirubin", "µmol/L"), _in_unit(alb, "albumin", "g/L"))
    out["albi_score"] = np.where(albi_ok, score, np.nan)
    out["albi_grade"] = _or_none(albi_ok, albi_grade(score))
    out["malbi_grade"] = _or_none(albi_ok, malbi_grade(score))
    out["albi_missing"] = _missing_text({"labs.bilirubin": nan(bili), "labs.albumin": nan(alb)})

    # MELD family
    cr, na = labs["creatinine"], labs["sodium"]
    d1, d2 = flags["dialysis_twice_past_week"], flags["cvvhd_24h_past_week"]
    dialysis = (d1 == 1.0) | (d2 == 1.0)
    dial_known = dialysis | ~nan(d1) | ~nan(d2)
    meld_req = {
        "labs.creatinine": nan(cr),
        "labs.bilirubin": nan(bili),
        "labs.inr": nan(inr),
        "dialysis_twice_past_week": ~dial_known,
    }
    cap = np.inf if opts.meld_cap is None else float(opts.meld_cap)
    with np.errstate(invalid="ignore", divide="ignore"):
        _, meld_int = meld_core(cr, bili, inr, dialysis)
        _, na_rounded = meld_na_core(meld_int, na)
        female = np.where((cats["sex"] == "female") | (age < 18), 1.0, 0.0)
        _, _, m3_rounded = meld3_core(female, bili, na, inr, cr, alb, dialysis)
    na_req = meld_req | {"labs.sodium": nan(na)}
    m3_req = {
        "sex": pd.isna(cats["sex"]),
        "age_years": nan(age) | (age < 12),
        **na_req,
        "labs.albumin": nan(alb),
    }
    for key, values, req in (
        ("meld", meld_int, meld_req),
        ("meld_na", na_rounded, na_req),
        ("meld_3", m3_rounded, m3_req),
    ):
        ok = ~np.logical_or.reduce(list(req.values()))
        col = pd.array(np.where(ok, np.minimum(values, cap), 0).astype(np.int64), dtype="Int64")
        col[~ok] = pd.NA
        out[f"{key}_score"] = col
        out[f"{key}_missing"] = _missing_text(req)

    # Tumour burden
    mvi, ehs = flags["macrovascular_invasion"], flags["extrahepatic_spread"]
    tum_ok = ~nan(n_tum)
    milan_ok = tum_ok & ~nan(mvi) & ~nan(ehs)
    burden_in = np.where(n_tum == 1, largest <= 5.0, (n_tum <= 3) & (largest <= 3.0))
    out["milan_within"] = pd.array(
        np.where(milan_ok, burden_in & (mvi == 0) & (ehs == 0), False), dtype="boolean"
    )
    out["milan_within"][~milan_ok] = pd.NA  # type: ignore[index]
    s7 = largest + n_tum
    out["up_to_seven_score"] = np.where(tum_ok, s7, np.nan)
    within7 = pd.array(s7 <= 7.0, dtype="boolean")
    within7[~tum_ok] = pd.NA
    out["up_to_seven_within"] = within7
    out["six_and_twelve_score"] = np.where(tum_ok, s7, np.nan)
    out["six_and_twelve_group"] = _or_none(tum_ok, six_and_twelve_group(s7))

    # BCLC 2022 (same precedence as tacepath.clinical.staging)
    esl = flags["end_stage_liver_function"] == 1.0
    d_stage = (ecog >= 3) & (ecog <= 4) | esl
    # stage C takes any tumour burden: macrovascular invasion or extrahepatic spread stages
    # a row without its tumour list (as tacepath.clinical.assessment)
    bclc_tum_ok = tum_ok | (mvi == 1) | (ehs == 1)
    base_ok = ~nan(ecog) & bclc_tum_ok & (ecog != 5)
    full_ok = base_ok & ~nan(mvi) & ~nan(ehs) & cp_ok
    preserved = (cp_cls == "A") & (asc == "none")
    c_stage = (mvi == 1) | (ehs == 1) | (ecog == 1) | (ecog == 2)
    stage = np.select(
        [
            base_ok & d_stage,
            ~full_ok,
            ~preserved,
            c_stage,
            (n_tum == 1) & (largest <= 2.0),
            (n_tum == 1) | ((n_tum <= 3) & (largest <= 3.0)),
        ],
        [np.array("D"), np.array(""), np.array(""), np.array("C"), np.array("0"), np.array("A")],
        np.array("B"),
    )
    out["bclc_stage"] = _or_none(stage != "", stage)
    out["bclc_needs_judgement"] = ~(base_ok & d_stage) & full_ok & ~preserved
    bclc_req = {"ecog": nan(ecog), "tumours": ~bclc_tum_ok}
    lf_req = {
        "macrovascular_invasion": nan(mvi),
        "extrahepatic_spread": nan(ehs),
        **cp_req,
    }
    bclc_missing = _missing_text(bclc_req | {k: v & ~d_stage for k, v in lf_req.items()})
    out["bclc_missing"] = np.where(ecog == 5, "ECOG 5 (dead): not staged", bclc_missing)

    # HAP and mHAP-II
    afp = labs["afp"]
    hap_req = {
        "labs.albumin": nan(alb),
        "labs.bilirubin": nan(bili),
        "labs.afp": nan(afp),
        "tumours": ~tum_ok,
    }
    hap_ok = ~np.logical_or.reduce(list(hap_req.values()))
    big = largest > HAP_DIAMETER_CM
    hap_pts = (
        (_in_unit(alb, "albumin", "g/L") < HAP_ALBUMIN_G_L).astype(int)
        + (_in_unit(bili, "bilirubin", "µmol/L") > HAP_BILIRUBIN_UMOL_L)
        + (afp > HAP_AFP_NG_ML)
        + big
    )
    mhap_pts = (
        (alb < MHAP2_ALBUMIN_G_DL).astype(int)
        + (bili > MHAP2_BILIRUBIN_MG_DL)
        + (afp > HAP_AFP_NG_ML)
        + big
        + (n_tum >= 2)
    )
    for key, pts in (("hap", hap_pts), ("mhap2", mhap_pts)):
        col = pd.array(pts, dtype="Int64")
        col[~hap_ok] = pd.NA
        out[f"{key}_score"] = col
        out[f"{key}_class"] = _or_none(hap_ok, hap_class(pts))
        out[f"{key}_missing"] = _missing_text(hap_req)

    result = pd.DataFrame(out)
    result.attrs["albumin_band"] = opts.albumin_band
    result.attrs["albumin_lower_edge"] = ALBUMIN_LOWER_EDGE[opts.albumin_band]
    return result


def _number(text: str, field: str, problems: list[Problem]) -> float | None:
    try:
        return float(text)
    except ValueError:
        problems.append(Problem(field, text, "a number"))
        return None


def patient_contract(
    row: Mapping[str, str | None], where: str, problems: list[Problem]
) -> dict[str, Any]:
    """One row of the cohort format (text cells, as a CSV reader gives them) as a patient
    object of the ``tacepath assess`` contract, for :func:`~tacepath.domain.parse_patient`.

    Empty cells are left out; a number or flag that cannot be read is added to ``problems``,
    named ``where`` + the column. The registry importer (``tacepath.interop.cohort_csv``)
    reads the file and calls this for each row.
    """
    get = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
    out: dict[str, Any] = {"id": get.get("id", "")}
    for name in ("sex", "ascites", "encephalopathy"):
        if get.get(name):
            out[name] = get[name]
    for name in ("age_years", "pt_prolongation_s"):
        if get.get(name):
            out[name] = _number(get[name], where + name, problems)
    if get.get("ecog"):
        v = _number(get["ecog"], where + "ecog", problems)
        out["ecog"] = int(v) if v is not None and v.is_integer() else v
    for name in FLAGS:
        text = get.get(name, "").lower()
        if text in TRUE_WORDS:
            out[name] = True
        elif text in FALSE_WORDS:
            out[name] = False
        elif text:
            problems.append(Problem(where + name, get[name], "true/false, yes/no, 1/0 or empty"))
    labs: dict[str, Any] = {}
    for a in UNIT_LABS:
        if get.get(a):
            value = _number(get[a], where + a, problems)
            if value is not None:
                lab: dict[str, Any] = {"value": value}
                if get.get(f"{a}_unit"):
                    lab["unit"] = get[f"{a}_unit"]
                if a == "afp" and get.get("afp_ng_per_iu"):
                    lab["ng_per_iu"] = _number(
                        get["afp_ng_per_iu"], where + "afp_ng_per_iu", problems
                    )
                labs[a] = lab
    if get.get("inr"):
        value = _number(get["inr"], where + "inr", problems)
        if value is not None:
            labs["inr"] = {"value": value}
    if labs:
        out["labs"] = labs
    if get.get("tumour_diameters_mm"):
        sizes = []
        for part in get["tumour_diameters_mm"].split(";"):
            if part.strip():
                v = _number(part.strip(), where + "tumour_diameters_mm", problems)
                if v is not None:
                    sizes.append({"diameter_mm": v})
        out["tumours"] = sizes
    return out


def _patient_row(p: PatientSnapshot) -> dict[str, object]:
    row: dict[str, object] = {
        "id": p.id,
        "sex": p.sex,
        "age_years": p.age_years,
        "ecog": p.ecog,
        "pt_prolongation_s": p.pt_prolongation_s,
        "ascites": p.ascites,
        "encephalopathy": p.encephalopathy,
        "tumour_diameters_mm": ";".join(repr(t.diameter_mm) for t in p.tumours)
        if p.tumours
        else None,
        **{flag: getattr(p, flag) for flag in FLAGS},
    }
    for analyte in (*UNIT_LABS, "inr"):
        lab: LabValue | None = getattr(p.labs, analyte)
        row[analyte] = None if lab is None else lab.value
        if analyte != "inr":
            row[f"{analyte}_unit"] = None if lab is None else lab.unit
    row["afp_ng_per_iu"] = p.labs.afp.ng_per_iu if p.labs.afp is not None else None
    return row


def patients_frame(patients: Sequence[PatientSnapshot]) -> pd.DataFrame:
    """Validated patients as a cohort table (the columns of the cohort file format).

    Lab values keep the unit they were given in; :func:`assess_cohort` converts them as it
    converts a cohort file's. Fields that no score uses (``date``, ``weight_kg``, ``history``)
    have no column.
    """
    rows = [_patient_row(p) for p in patients]
    return pd.DataFrame(rows) if rows else pd.DataFrame({"id": pd.Series([], dtype=object)})
