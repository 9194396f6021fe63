"""The analysis frames: a population of ADSL, and one endpoint's rows joined to it."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tacepath.adam.model import AVALU_DAYS, AnalysisData, avalu_unit, events_from_cnsr
from tacepath.analysis.sap import UNIT_DAYS, EndpointPlan, Sap
from tacepath.errors import InputError, InputErrors, Problem

_T, _E, _ARM, _TRT, _CAUSE = "_T", "_E", "_ARM", "_TRT", "_CAUSE"


# --------------------------------------------------------------------------- frames


def _text(values: pd.Series) -> pd.Series:
    """Categorical values as text ('0', not 0.0), missing kept missing."""

    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        s = str(v).strip()
        return s or None

    return values.map(one).astype(object)


def _population(sap: Sap, adsl: pd.DataFrame, key: str) -> pd.DataFrame:
    """ADSL rows of a population with the arm in ``_ARM`` (only the plan's two arms): those
    flagged ``Y``, or every row when the population has no flag."""
    pop = sap.populations[key]
    if pop.flag is None:
        rows = adsl.copy()
    else:
        flag = _text(adsl[pop.flag]).str.upper()
        rows = adsl[(flag == "Y").to_numpy()].copy()
    column = sap.treatment.planned if pop.by == "planned" else sap.treatment.actual
    rows[_ARM] = _text(rows[column])
    arms = {sap.treatment.experimental, sap.treatment.reference}
    problems = [
        Problem(
            f"ADSL.{column} (USUBJID {sid!r})",
            arm,
            f"one of the plan's arms {sorted(arms)} for a subject of population {key}",
        )
        for sid, arm in zip(rows["USUBJID"], rows[_ARM], strict=True)
        if arm not in arms
    ]
    if problems:
        raise InputErrors(problems[:25])
    for arm in sorted(arms):
        if not (rows[_ARM] == arm).any():
            raise InputError(f"ADSL.{column}", arm, f"at least one subject of population {key}")
    rows[_TRT] = (rows[_ARM] == sap.treatment.experimental).astype(float)
    return rows


def _aval_days(sap: Sap, data: AnalysisData, e: EndpointPlan) -> float:
    """Days per unit of the endpoint's AVAL: its ADTTE ``AVALU``, else the plan's
    ``aval_unit`` (days by default); a plan unit that contradicts ``AVALU`` is refused."""
    unit = avalu_unit(data.adtte, e.paramcd)
    if unit is None:
        return UNIT_DAYS[sap.aval_unit or "days"]
    if sap.aval_unit is not None and sap.aval_unit.upper() != unit:
        raise InputError(
            "aval_unit",
            sap.aval_unit,
            f"the unit ADTTE.AVALU gives for {e.paramcd}: {unit} (or leave aval_unit out)",
        )
    return AVALU_DAYS[unit]


def _endpoint_frame(sap: Sap, data: AnalysisData, e: EndpointPlan) -> pd.DataFrame:
    pop = _population(sap, data.adsl, e.population)
    columns = ["USUBJID", "AVAL", "CNSR"]
    if e.competing_risks is not None:
        if e.competing_risks.column not in data.adtte.columns:
            raise InputError("ADTTE", e.competing_risks.column, "a column naming each event's kind")
        columns.append(e.competing_risks.column)
    rows = data.adtte[data.adtte["PARAMCD"].astype(str) == e.paramcd][columns]
    if rows.empty:
        raise InputError("ADTTE.PARAMCD", e.paramcd, "a parameter present in ADTTE")
    frame = pop.merge(rows, on="USUBJID", how="left", validate="one_to_one")
    missing = frame["AVAL"].isna().to_numpy()
    if missing.any():
        raise InputErrors(
            [
                Problem(
                    f"ADTTE.PARAMCD (USUBJID {sid!r})",
                    None,
                    f"a {e.paramcd} row for every subject of population {e.population}",
                )
                for sid in frame["USUBJID"][missing][:25]
            ]
        )
    frame[_T] = pd.to_numeric(frame["AVAL"]) * _aval_days(sap, data, e) / UNIT_DAYS[sap.time_unit]
    frame[_E] = events_from_cnsr(frame["CNSR"]).astype(int)
    if e.competing_risks is not None:
        frame[_CAUSE] = _cause_codes(frame, e)
    for s in dict.fromkeys(sap.strata + sap.strata_for_test() + sap.strata_for_model()):
        frame[s] = _text(frame[s])
        bad = frame[s].isna().to_numpy()
        if bad.any():
            raise InputErrors(
                [
                    Problem(f"ADSL.{s} (USUBJID {sid!r})", None, "a stratum value")
                    for sid in frame["USUBJID"][bad][:25]
                ]
            )
    return frame


def _cause_codes(frame: pd.DataFrame, e: EndpointPlan) -> pd.Series:
    """0 censored, 1 the cause of interest, 2 the competing event (the plan's
    ``competing_risks``); an event whose kind is in neither list is refused, rows named."""
    cr = e.competing_risks
    assert cr is not None
    kind = _text(frame[cr.column]).str.upper()
    cause = kind.isin([c.upper() for c in cr.cause]).to_numpy()
    other = kind.isin([c.upper() for c in cr.competing]).to_numpy()
    event = frame[_E].to_numpy() == 1
    bad = event & ~cause & ~other
    if bad.any():
        allowed = f"one of {sorted(cr.cause + cr.competing)} for an event (CNSR 0)"
        raise InputErrors(
            [
                Problem(
                    f"ADTTE.{cr.column} (USUBJID {sid!r}, {e.paramcd})",
                    None if v is None else str(v)[:40],
                    allowed,
                )
                for sid, v in zip(frame["USUBJID"][bad][:25], kind[bad][:25], strict=True)
            ]
        )
    codes = pd.Series(0, index=frame.index, dtype=int)
    codes[event & cause] = 1
    codes[event & other] = 2
    return codes
