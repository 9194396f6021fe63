"""CDISC ADaM-style analysis data sets: ADSL, ADTTE and ADAE, their model and their checks.

==========  ===================================================================
data set    one row per
==========  ===================================================================
ADSL        subject: ``USUBJID``, planned/actual treatment, strata, baseline
            covariates, population flags (``Y``/``N``)
ADTTE       subject and parameter: the columns of :data:`ADTTE_COLUMNS`
            (``tacepath endpoints`` writes them)
ADAE        subject and adverse-event term: ``USUBJID``, the term (``AEDECOD``)
            and its worst toxicity grade (``ATOXGRN``)
==========  ===================================================================

The files (CSV, Parquet, XPT) are read and written by :mod:`tacepath.interop.adam_io`.
A data set may carry more columns than these; they are kept.

Checks on load (:func:`check_analysis_data`) report every problem at once, each naming the
data set, the column and the subject: a subject in ADTTE or ADAE that ADSL does not have, a
duplicated ``USUBJID``, a parameter given twice for one subject, a censoring flag that is
not 0 (event) or a positive integer (censoring reason), a negative or missing ``AVAL``, an
analysis date before the start date, an event (or censoring) after the data cut-off, and an
``AVALU`` (the unit of ``AVAL``) that is not one of :data:`AVALU_DAYS` or that differs between
rows of one parameter.

Units: ADaM ADTTE gives the unit of ``AVAL`` in ``AVALU`` [2]_. tacepath reads ``DAYS``,
``WEEKS``, ``MONTHS`` and ``YEARS`` and converts with the Julian-year convention: a week is 7
days, a year 365.25 days and a month a twelfth of a year, 365.25/12 = 30.4375 days, as R
``lubridate`` (``dmonths(1)``) and the TACTICS-style conversion of days to months use. A
file without ``AVALU`` is in the unit the analysis plan states (days by default).

References
----------
.. [1] CDISC Analysis Data Model Team. Analysis Data Model (ADaM) v2.1 and ADaM
   Implementation Guide v1.3. Clinical Data Interchange Standards Consortium; 2016/2021.
.. [2] CDISC. The ADaM Basic Data Structure for Time-to-Event Analyses (ADTTE) v1.0. 2012.
.. [3] U.S. Food and Drug Administration. Study Data Technical Conformance Guide (SAS
   transport file version 5 for submitted data sets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.adam.endpoints import ADTTE_COLUMNS
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.jsonsafe import JsonFields

__all__ = [
    "ADAE_COLUMNS",
    "ADSL_COLUMNS",
    "ADTTE_COLUMNS",
    "AVALU_DAYS",
    "SYNTHETIC_LABEL",
    "AnalysisData",
    "DataSource",
    "DatasetKind",
    "adae_problems",
    "adsl_problems",
    "adtte_problems",
    "avalu_problems",
    "avalu_unit",
    "check_analysis_data",
    "events_from_cnsr",
    "invalid_cnsr",
    "is_synthetic",
    "parse_dates",
]

DatasetKind = Literal["ADSL", "ADTTE", "ADAE"]

ADSL_COLUMNS = ("USUBJID",)
"""Columns every ADSL must have (the plan names the others it uses)."""

ADAE_COLUMNS = ("USUBJID", "AEDECOD")
"""Columns every ADAE must have (the plan names the grade column)."""

SYNTHETIC_LABEL = "SYNTHETIC — not trial data"
"""The value of ``DATASRC`` (and the file label) of every synthetic data set."""

_DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ADSL": ("RANDDT", "TRTSDT", "TRTEDT"),
    "ADTTE": ("STARTDT", "ADT"),
    "ADAE": ("ASTDT",),
}
_MAX_PROBLEMS = 25

#: Days per ADTTE ``AVALU`` unit (Julian year: 365.25 days; a month is a twelfth of it).
AVALU_DAYS: dict[str, float] = {"DAYS": 1.0, "WEEKS": 7.0, "MONTHS": 365.25 / 12, "YEARS": 365.25}


@dataclass(frozen=True, slots=True, kw_only=True)
class DataSource(JsonFields):
    """Where a data set came from: its file, format, SHA-256 and row count."""

    kind: DatasetKind
    path: str
    format: str
    sha256: str
    rows: int
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisData:
    """ADSL, ADTTE and (optionally) ADAE of one analysis, with their sources."""

    adsl: pd.DataFrame
    adtte: pd.DataFrame
    adae: pd.DataFrame | None = None
    sources: tuple[DataSource, ...] = field(default=())

    @property
    def synthetic(self) -> bool:
        """True when any data set is marked synthetic (``DATASRC`` or file label)."""
        frames = [f for f in (self.adsl, self.adtte, self.adae) if f is not None]
        return any(is_synthetic(f) for f in frames) or any(
            "SYNTHETIC" in s.label.upper() for s in self.sources
        )


def is_synthetic(frame: pd.DataFrame) -> bool:
    """True when the data set's ``DATASRC`` column says it is synthetic."""
    if "DATASRC" not in frame.columns:
        return False
    values = frame["DATASRC"].dropna().astype(str).str.upper()
    return bool(values.str.contains("SYNTHETIC").any())


def parse_dates(frame: pd.DataFrame, kind: DatasetKind, source: str) -> pd.DataFrame:
    """Parse the known date columns; a value that is not a date is an input error."""
    out = frame.copy()
    problems: list[Problem] = []
    for col in _DATE_COLUMNS[kind]:
        if col not in out.columns:
            continue
        parsed = pd.to_datetime(out[col], errors="coerce", format="mixed")
        bad = parsed.isna() & out[col].notna() & (out[col].astype(str).str.strip() != "")
        for i in np.flatnonzero(bad.to_numpy())[:_MAX_PROBLEMS]:
            problems.append(
                Problem(
                    f"{source}.{col} ({_who(out, int(i))})",
                    out[col].iloc[i],
                    "a date (YYYY-MM-DD)",
                )
            )
        out[col] = parsed.dt.normalize()
    if problems:
        raise InputErrors(problems)
    return out


def _who(frame: pd.DataFrame, i: int) -> str:
    parts = []
    if "USUBJID" in frame.columns:
        parts.append(f"USUBJID {frame['USUBJID'].iloc[i]!r}")
    if "PARAMCD" in frame.columns:
        parts.append(f"PARAMCD {frame['PARAMCD'].iloc[i]!r}")
    if "AEDECOD" in frame.columns:
        parts.append(f"AEDECOD {frame['AEDECOD'].iloc[i]!r}")
    return ", ".join(parts) or f"row {i + 1}"


def _missing_columns(frame: pd.DataFrame, kind: str, needed: Sequence[str]) -> list[Problem]:
    return [
        Problem(f"{kind}.{c}", "missing column", f"a column {c} (present: {list(frame.columns)})")
        for c in needed
        if c not in frame.columns
    ]


def _blank(values: pd.Series) -> np.ndarray:
    return np.asarray(values.isna() | (values.astype(str).str.strip() == ""), dtype=bool)


def adsl_problems(adsl: pd.DataFrame, *, required: Sequence[str] = ()) -> list[Problem]:
    """Problems of an ADSL: missing columns, a missing or duplicated ``USUBJID``."""
    need = list(dict.fromkeys([*ADSL_COLUMNS, *required]))
    problems = _missing_columns(adsl, "ADSL", need)
    if "USUBJID" not in adsl.columns:
        return problems
    ids = adsl["USUBJID"]
    for i in np.flatnonzero(_blank(ids)):
        problems.append(Problem(f"ADSL.USUBJID (row {i + 1})", None, "a subject identifier"))
    dup = ids[ids.duplicated(keep="first") & ~_blank(ids)]
    for v in dict.fromkeys(dup):
        problems.append(
            Problem(f"ADSL.USUBJID (USUBJID {v!r})", v, "one row per subject (it appears twice)")
        )
    return problems


def _unknown_subjects(frame: pd.DataFrame, kind: str, known: set[str]) -> list[Problem]:
    out = []
    for i, v in enumerate(frame["USUBJID"]):
        if pd.isna(v) or str(v) not in known:
            out.append(
                Problem(f"{kind}.USUBJID (row {i + 1})", v, "a subject listed in ADSL.USUBJID")
            )
    return out


def _as_date(value: dt.date | str | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value).normalize()


def invalid_cnsr(cnsr: pd.Series) -> npt.NDArray[np.bool_]:
    """Where a CDISC ``CNSR`` value is given but is neither 0 (an event) nor a positive
    whole number (a censoring reason). Missing values are not marked (callers decide)."""
    raw = pd.to_numeric(cnsr, errors="coerce")
    bad = cnsr.notna() & (raw.isna() | (raw < 0) | (raw != np.floor(raw)))
    return np.asarray(bad.to_numpy(), dtype=bool)


def events_from_cnsr(cnsr: pd.Series) -> pd.Series:
    """The event indicator of a CDISC ``CNSR`` column: 1.0 where ``CNSR`` is 0 (an event),
    0.0 where it is a censoring reason (≥ 1), NaN where it is missing. Check the codes first
    (:func:`invalid_cnsr`)."""
    raw = pd.to_numeric(cnsr, errors="coerce")
    return pd.Series(
        np.where(raw.isna(), np.nan, (raw == 0).astype(float)), index=cnsr.index, name=cnsr.name
    )


def adtte_problems(
    adtte: pd.DataFrame, adsl: pd.DataFrame, *, cutoff: dt.date | str | None = None
) -> list[Problem]:
    """Problems of an ADTTE checked against its ADSL (see the module docstring)."""
    problems = _missing_columns(adtte, "ADTTE", ("USUBJID", "PARAMCD", "AVAL", "CNSR"))
    if problems:
        return problems
    if "USUBJID" in adsl.columns:
        problems += _unknown_subjects(adtte, "ADTTE", {str(v) for v in adsl["USUBJID"]})
    key = adtte[["USUBJID", "PARAMCD"]].astype(str)
    for i in np.flatnonzero(key.duplicated(keep="first").to_numpy()):
        problems.append(
            Problem(
                f"ADTTE.PARAMCD ({_who(adtte, int(i))})",
                adtte["PARAMCD"].iloc[i],
                "one row per subject and parameter (this parameter appears twice)",
            )
        )
    cnsr = pd.to_numeric(adtte["CNSR"], errors="coerce")
    for i in np.flatnonzero(adtte["CNSR"].isna().to_numpy() | invalid_cnsr(adtte["CNSR"])):
        problems.append(
            Problem(
                f"ADTTE.CNSR ({_who(adtte, int(i))})",
                adtte["CNSR"].iloc[i],
                "0 (event) or a positive integer (censoring reason)",
            )
        )
    aval = pd.to_numeric(adtte["AVAL"], errors="coerce")
    for i in np.flatnonzero((aval.isna() | (aval < 0) | ~np.isfinite(aval)).to_numpy()):
        problems.append(
            Problem(
                f"ADTTE.AVAL ({_who(adtte, int(i))})",
                adtte["AVAL"].iloc[i],
                "a time ≥ 0",
            )
        )
    problems += avalu_problems(adtte)
    problems += _date_problems(adtte, cnsr, _as_date(cutoff))
    return problems


def _units(values: pd.Series) -> pd.Series:
    """``AVALU`` as upper-case text, missing kept missing."""
    return values.map(lambda v: None if pd.isna(v) else str(v).strip().upper() or None)


def avalu_problems(adtte: pd.DataFrame) -> list[Problem]:
    """An ``AVALU`` that is missing or not one of :data:`AVALU_DAYS`, and every row whose unit
    differs from the most common unit of its parameter (mixed units within a parameter)."""
    if "AVALU" not in adtte.columns:
        return []
    units = _units(adtte["AVALU"])
    known = f"one of {', '.join(AVALU_DAYS)} (the unit of AVAL)"
    problems = [
        Problem(f"ADTTE.AVALU ({_who(adtte, int(i))})", adtte["AVALU"].iloc[i], known)
        for i in np.flatnonzero(~units.isin(list(AVALU_DAYS)).to_numpy())
    ]
    if "PARAMCD" not in adtte.columns:
        return problems
    params = adtte["PARAMCD"].astype(str).to_numpy()
    for param in dict.fromkeys(params):
        rows = np.flatnonzero(params == param)
        found = units.iloc[rows].dropna()
        if found.nunique() < 2:
            continue
        counts = found.value_counts(sort=False)
        usual = str(counts.index[int(np.argmax(counts.to_numpy()))])
        for i in rows[(units.iloc[rows] != usual).to_numpy()]:
            problems.append(
                Problem(
                    f"ADTTE.AVALU ({_who(adtte, int(i))})",
                    units.iloc[i],
                    f"one unit within parameter {param}: {usual}, as its other "
                    f"{int(counts[usual])} rows (mixed units cannot be analysed together)",
                )
            )
    return problems


def avalu_unit(adtte: pd.DataFrame, paramcd: str) -> str | None:
    """The ``AVALU`` of parameter ``paramcd`` (checked by :func:`avalu_problems`), or
    ``None`` when the data set has no ``AVALU`` column."""
    if "AVALU" not in adtte.columns:
        return None
    units = _units(adtte.loc[adtte["PARAMCD"].astype(str) == paramcd, "AVALU"])
    found = set(units.dropna())
    if len(found) != 1 or not found <= set(AVALU_DAYS):
        raise InputError(f"ADTTE.AVALU (PARAMCD {paramcd!r})", sorted(found), "one known unit")
    return str(found.pop())


def _date_problems(adtte: pd.DataFrame, cnsr: pd.Series, cut: pd.Timestamp | None) -> list[Problem]:
    out: list[Problem] = []
    if "ADT" not in adtte.columns:
        return out
    adt = adtte["ADT"]
    if "STARTDT" in adtte.columns:
        before = (adt < adtte["STARTDT"]).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(before):
            out.append(
                Problem(
                    f"ADTTE.ADT ({_who(adtte, int(i))})",
                    adt.iloc[i].date().isoformat(),
                    f"a date on or after STARTDT {adtte['STARTDT'].iloc[i].date().isoformat()}",
                )
            )
    if cut is not None:
        after = (adt > cut).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(after):
            what = "an event" if cnsr.iloc[i] == 0 else "a censoring"
            out.append(
                Problem(
                    f"ADTTE.ADT ({_who(adtte, int(i))})",
                    adt.iloc[i].date().isoformat(),
                    f"a date on or before the data cut-off {cut.date().isoformat()} "
                    f"({what} after the cut-off cannot be analysed)",
                )
            )
    return out


def adae_problems(adae: pd.DataFrame, adsl: pd.DataFrame, *, grade: str) -> list[Problem]:
    """Problems of an ADAE: unknown subjects, a term twice per subject, a bad grade."""
    problems = _missing_columns(adae, "ADAE", (*ADAE_COLUMNS, grade))
    if problems:
        return problems
    if "USUBJID" in adsl.columns:
        problems += _unknown_subjects(adae, "ADAE", {str(v) for v in adsl["USUBJID"]})
    key = adae[["USUBJID", "AEDECOD"]].astype(str)
    for i in np.flatnonzero(key.duplicated(keep="first").to_numpy()):
        problems.append(
            Problem(
                f"ADAE.AEDECOD ({_who(adae, int(i))})",
                adae["AEDECOD"].iloc[i],
                "one row per subject and term (the worst grade); this term appears twice",
            )
        )
    g = pd.to_numeric(adae[grade], errors="coerce")
    bad = g.isna() | (g < 1) | (g > 5) | (g != np.floor(g))
    for i in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(
                f"ADAE.{grade} ({_who(adae, int(i))})",
                adae[grade].iloc[i],
                "a CTCAE grade 1-5",
            )
        )
    return problems


def check_analysis_data(
    data: AnalysisData,
    *,
    adsl_required: Sequence[str] = (),
    cutoff: dt.date | str | None = None,
    grade: str | None = None,
) -> None:
    """Raise :class:`InputErrors` listing every problem of the three data sets.

    ``adsl_required`` are the ADSL columns the plan uses; ``grade`` the ADAE grade column.
    At most 25 problems are listed (and the number of the others).
    """
    problems = adsl_problems(data.adsl, required=adsl_required)
    problems += adtte_problems(data.adtte, data.adsl, cutoff=cutoff)
    if data.adae is not None and grade is not None:
        problems += adae_problems(data.adae, data.adsl, grade=grade)
    if len(problems) > _MAX_PROBLEMS:
        rest = len(problems) - _MAX_PROBLEMS
        problems = [
            *problems[:_MAX_PROBLEMS],
            Problem("…", f"{rest} more problems", "fix the ones above first"),
        ]
    if problems:
        raise InputErrors(problems)
